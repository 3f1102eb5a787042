package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fake answers each path after a delay; paths listed in fail return an
// error, paths in hang wait for the context.
type fake struct {
	delay time.Duration
	fail  map[string]bool
	hang  map[string]bool
	mu    sync.Mutex
	calls int
}

func (f *fake) Get(ctx context.Context, path string) (json.RawMessage, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	d := f.delay
	if f.hang[path] {
		d = time.Hour
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.fail[path] {
		return nil, errors.New("upstream broke on " + path)
	}
	return json.Marshal(map[string]string{"path": path})
}

func call(t *testing.T, h *Handler, path string) (int, Overview) {
	t.Helper()
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	var ov Overview
	if rec.Code != 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &ov); err != nil {
			t.Fatalf("body %s: %v", rec.Body, err)
		}
	}
	return rec.Code, ov
}

func TestAllSucceedConcurrently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users, orders := &fake{delay: 50 * time.Millisecond}, &fake{delay: 70 * time.Millisecond}
		start := time.Now()
		code, ov := call(t, &Handler{Users: users, Orders: orders, Timeout: time.Second}, "/api/users/3/overview?orders=5,6,7")
		if d := time.Since(start); d != 70*time.Millisecond {
			t.Fatalf("took %v; concurrent calls should take the slowest one's 70ms", d)
		}
		if code != 200 || ov.Partial || len(ov.Errors) != 0 || len(ov.Orders) != 3 || orders.calls != 3 {
			t.Fatalf("code %d overview %+v", code, ov)
		}
		if string(ov.User) != `{"path":"/users/3"}` || string(ov.Orders[2]) != `{"path":"/orders/7"}` {
			t.Fatalf("overview %s %s", ov.User, ov.Orders)
		}
	})
}

func TestPartialFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := &fake{delay: 10 * time.Millisecond, fail: map[string]bool{"/users/3": true}}
		orders := &fake{delay: 10 * time.Millisecond, hang: map[string]bool{"/orders/6": true}}
		start := time.Now()
		code, ov := call(t, &Handler{Users: users, Orders: orders, Timeout: 300 * time.Millisecond}, "/api/users/3/overview?orders=5,6")
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Fatalf("took %v, want the 300ms request deadline", d)
		}
		if code != 200 || !ov.Partial || string(ov.User) != "null" || len(ov.Orders) != 1 || len(ov.Errors) != 2 {
			t.Fatalf("code %d overview %+v", code, ov)
		}
		if ov.Errors[0].Source != "user" || ov.Errors[1].Source != "order/6" || !strings.Contains(ov.Errors[1].Error, "deadline") {
			t.Fatalf("errors %+v", ov.Errors)
		}
	})
}

func TestAllFailIs502(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := &fake{fail: map[string]bool{"/users/1": true}}
		code, ov := call(t, &Handler{Users: users, Orders: &fake{}, Timeout: time.Second}, "/api/users/1/overview")
		if code != http.StatusBadGateway || ov.Partial || len(ov.Errors) != 1 || ov.Orders == nil {
			t.Fatalf("code %d overview %+v", code, ov)
		}
	})
}

func TestBadRequests(t *testing.T) {
	h := &Handler{Users: &fake{}, Orders: &fake{}, Timeout: time.Second}
	for _, p := range []string{
		"/api/users/0/overview", "/api/users/x/overview", "/api/users/1/overview?orders=1,x",
		"/api/users/1/overview?orders=1,2,3,4,5,6,7,8,9,10,11",
	} {
		if code, _ := call(t, h, p); code != 400 {
			t.Errorf("%s: %d, want 400", p, code)
		}
	}
}
