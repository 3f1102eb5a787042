package order

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/upstream"
)

// fake answers after delay with body, or fails with err; it records whether
// its context was cancelled before it finished.
type fake struct {
	delay     time.Duration
	body      string
	err       error
	cancelled bool
	paths     []string
}

func (f *fake) Get(ctx context.Context, path string) (json.RawMessage, error) {
	f.paths = append(f.paths, path)
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		f.cancelled = true
		return nil, ctx.Err()
	}
	if f.err != nil {
		return nil, f.err
	}
	return json.RawMessage(f.body), nil
}

func serve(h *Handler, path string) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestFansOutConcurrently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := &fake{delay: 80 * time.Millisecond, body: `{"id":8}`}
		h := &Handler{Users: users, Payments: PaymentStub{Latency: 100 * time.Millisecond}}
		start := time.Now()
		rec := serve(h, "/orders/57")
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Fatalf("took %v; sequential would be 180ms, concurrent 100ms", d)
		}
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var o Order
		if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if o.ID != 57 || o.UserID != 8 || string(o.User) != `{"id":8}` || !strings.Contains(string(o.Payment), `"captured"`) {
			t.Fatalf("order = %+v", o)
		}
		if users.paths[0] != "/users/8" {
			t.Fatalf("user path %q", users.paths[0])
		}
	})
}

func TestFirstFailureCancelsTheOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := &fake{delay: time.Second, body: `{}`}
		payments := &fake{delay: 10 * time.Millisecond, err: &upstream.StatusError{Service: "payment", Status: 500}}
		start := time.Now()
		rec := serve(&Handler{Users: users, Payments: payments}, "/orders/1")
		if rec.Code != http.StatusBadGateway || !users.cancelled || time.Since(start) != 10*time.Millisecond {
			t.Fatalf("status %d, user cancelled %v, after %v", rec.Code, users.cancelled, time.Since(start))
		}
		var body map[string]string
		json.Unmarshal(rec.Body.Bytes(), &body)
		if body["failed"] != "payment" || body["error"] != "payment answered 500 Internal Server Error" {
			t.Fatalf("body %v", body)
		}
	})
}

func TestUpstreamTimeoutIs504(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := &fake{delay: 10 * time.Millisecond, err: errors.Join(errors.New("user"), context.DeadlineExceeded)}
		rec := serve(&Handler{Users: users, Payments: PaymentStub{Latency: time.Second}}, "/orders/2")
		if rec.Code != http.StatusGatewayTimeout {
			t.Fatalf("status %d", rec.Code)
		}
	})
}

func TestBadID(t *testing.T) {
	for _, p := range []string{"/orders/0", "/orders/abc"} {
		if rec := serve(&Handler{}, p); rec.Code != 400 {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
}

// The real wiring: user and payment behind HTTP, one pooled client, per-call timeout.
func TestOverHTTP(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/users/"):
			w.Write([]byte(`{"id":3}`))
		case r.URL.Path == "/payments/102":
			time.Sleep(time.Second) // slower than the per-call timeout
		default:
			w.Write([]byte(`{"status":"captured"}`))
		}
	}))
	defer up.Close()
	client := upstream.NewPooledClient(8)
	h := &Handler{
		Users:    &upstream.Service{Name: "user", BaseURL: up.URL, Client: client, Timeout: time.Second},
		Payments: &upstream.Service{Name: "payment", BaseURL: up.URL, Client: client, Timeout: 100 * time.Millisecond},
	}
	if rec := serve(h, "/orders/2"); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec := serve(h, "/orders/102"); rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("slow payment: status %d: %s", rec.Code, rec.Body)
	}
}
