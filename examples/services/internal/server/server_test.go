package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
)

type harness struct {
	url     string
	ready   *health.Readiness
	cancel  context.CancelFunc
	stopped chan struct{} // closed when Run has returned err
	err     error
}

// wait returns Run's result once it has returned.
func (h *harness) wait() error { <-h.stopped; return h.err }

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{url: "http://" + ln.Addr().String(), ready: &health.Readiness{}, stopped: make(chan struct{})}
	opts.Listener = ln
	opts.Readiness = h.ready
	opts.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	if opts.Handler == nil {
		opts.Handler = NewMux("test", h.ready, true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.err = Run(ctx, opts); close(h.stopped) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.stopped:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	waitFor(t, func() bool { return h.ready.Ready() })
	return h
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}

func get(url string) (int, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func TestGracefulShutdownDrainsInFlight(t *testing.T) {
	h := start(t, Options{ShutdownTimeout: 5 * time.Second, DrainDelay: 300 * time.Millisecond})

	inflight := make(chan int, 3)
	for range 3 {
		go func() {
			code, err := get(h.url + "/debug/slow?ms=800")
			if err != nil {
				t.Errorf("in-flight request failed: %v", err)
			}
			inflight <- code
		}()
	}
	time.Sleep(100 * time.Millisecond) // let the requests arrive
	began := time.Now()
	h.cancel()

	// During the drain delay: still serving, but not ready.
	if code, err := get(h.url + "/readyz"); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("readyz during drain = %d, %v; want 503", code, err)
	}
	if code, err := get(h.url + "/healthz"); err != nil || code != http.StatusOK {
		t.Fatalf("healthz during drain = %d, %v; want 200", code, err)
	}
	// After the drain delay the listener is closed.
	time.Sleep(400 * time.Millisecond)
	if _, err := get(h.url + "/healthz"); err == nil {
		t.Fatal("new connection accepted after the drain delay")
	}
	for range 3 {
		if code := <-inflight; code != http.StatusOK {
			t.Fatalf("in-flight request: status %d", code)
		}
	}
	if err := h.wait(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
}

func TestShutdownBudgetIsEnforced(t *testing.T) {
	h := start(t, Options{ShutdownTimeout: 500 * time.Millisecond})
	go func() { _, _ = get(h.url + "/debug/slow?ms=10000") }()
	time.Sleep(100 * time.Millisecond)
	began := time.Now()
	h.cancel()
	if err := h.wait(); !errors.Is(err, ErrShutdownBudget) {
		t.Fatalf("Run = %v, want ErrShutdownBudget", err)
	}
	if d := time.Since(began); d > 1500*time.Millisecond {
		t.Fatalf("Run returned %v after cancel; budget was 500ms", d)
	}
}

func TestBackgroundStoppedAfterDrain(t *testing.T) {
	stopped := make(chan struct{})
	h := start(t, Options{ShutdownTimeout: 2 * time.Second, Background: []func(context.Context){
		func(ctx context.Context) { <-ctx.Done(); close(stopped) },
	}})
	h.cancel()
	if err := h.wait(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	select {
	case <-stopped: // Run waited for it (closed before Run returned)
	default:
		t.Fatal("Run returned before the background goroutine stopped")
	}
}

func TestBackgroundIgnoringCancelHitsBudget(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	h := start(t, Options{ShutdownTimeout: 300 * time.Millisecond, Background: []func(context.Context){
		func(context.Context) { <-block },
	}})
	h.cancel()
	if err := h.wait(); !errors.Is(err, ErrShutdownBudget) {
		t.Fatalf("Run = %v, want ErrShutdownBudget", err)
	}
}

func TestSlowRejectsBadInput(t *testing.T) {
	h := start(t, Options{ShutdownTimeout: time.Second})
	for _, q := range []string{"", "ms=-1", "ms=abc", "ms=300001"} {
		if code, err := get(h.url + "/debug/slow?" + q); err != nil || code != http.StatusBadRequest {
			t.Errorf("?%s: %d, %v; want 400", q, code, err)
		}
	}
}

func TestDebugEndpointOffByDefault(t *testing.T) {
	h := start(t, Options{ShutdownTimeout: time.Second, Handler: NewMux("test", &health.Readiness{}, false)})
	if code, err := get(h.url + "/debug/slow?ms=1"); err != nil || code != http.StatusNotFound {
		t.Fatalf("/debug/slow without DEBUG_ENDPOINTS: %d, %v; want 404", code, err)
	}
}
