package upstream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGetReturnsJSONAndReusesConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/users/7" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"id":"7"}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	s := &Service{Name: "user", BaseURL: srv.URL + "/", Client: NewPooledClient(8), Timeout: time.Second}
	var wg sync.WaitGroup
	for range 4 { // 4 workers × 25 sequential calls
		wg.Go(func() {
			for range 25 {
				body, err := s.Get(context.Background(), "/users/7")
				if err != nil || string(body) != `{"id":"7"}` {
					t.Errorf("Get = %s, %v", body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// A few extra dials may race at start-up; without reuse it would be ~100.
	if n := conns.Load(); n > 8 {
		t.Fatalf("opened %d connections for 100 calls from 4 workers; pool not reused", n)
	}
}

func TestGetErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/text":
			w.Write([]byte("hello"))
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	s := &Service{Name: "order", BaseURL: srv.URL, Client: NewPooledClient(2), Timeout: 100 * time.Millisecond}

	_, err := s.Get(context.Background(), "/missing")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 404 || se.Error() != "order answered 404 Not Found" {
		t.Fatalf("missing: %v", err)
	}
	if _, err := s.Get(context.Background(), "/text"); err == nil {
		t.Fatal("text: want error")
	}
	start := time.Now()
	if _, err := s.Get(context.Background(), "/slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow: %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("per-call timeout not applied")
	}
}
