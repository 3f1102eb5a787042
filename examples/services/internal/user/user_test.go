package user

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

type countingStore struct {
	SimStore
	calls atomic.Int32
}

func (s *countingStore) Lookup(ctx context.Context, id int) (User, error) {
	s.calls.Add(1)
	return s.SimStore.Lookup(ctx, id)
}

func TestCachedHitsAndExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &countingStore{SimStore: SimStore{Users: 10, Latency: 50 * time.Millisecond}}
		c := NewCached(store, 100, time.Minute, time.Second)
		ctx := context.Background()

		start := time.Now()
		u, err := c.Lookup(ctx, 3)
		if err != nil || u.Name != "user-3" || time.Since(start) != 50*time.Millisecond {
			t.Fatalf("miss: %+v %v after %v", u, err, time.Since(start))
		}
		start = time.Now()
		if _, err := c.Lookup(ctx, 3); err != nil || time.Since(start) != 0 {
			t.Fatalf("hit took %v (%v)", time.Since(start), err)
		}
		time.Sleep(time.Minute)
		if _, err := c.Lookup(ctx, 3); err != nil || store.calls.Load() != 2 {
			t.Fatalf("after TTL: calls=%d err=%v", store.calls.Load(), err)
		}
	})
}

func TestCachedMergesConcurrentMisses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &countingStore{SimStore: SimStore{Users: 10, Latency: 100 * time.Millisecond}}
		c := NewCached(store, 100, time.Minute, time.Second)
		var wg sync.WaitGroup
		start := time.Now()
		for range 20 {
			wg.Go(func() {
				if u, err := c.Lookup(context.Background(), 5); err != nil || u.ID != 5 {
					t.Errorf("Lookup = %+v, %v", u, err)
				}
			})
		}
		wg.Wait()
		if n := store.calls.Load(); n != 1 {
			t.Fatalf("store called %d times, want 1", n)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Fatalf("took %v, want one store latency", d)
		}
	})
}

func TestCachedWaiterCancelDoesNotFailLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &countingStore{SimStore: SimStore{Users: 10, Latency: 100 * time.Millisecond}}
		c := NewCached(store, 100, time.Minute, time.Second)

		leaderCtx, cancelLeader := context.WithCancel(context.Background())
		leader := make(chan error, 1)
		go func() { _, err := c.Lookup(leaderCtx, 1); leader <- err }()
		synctest.Wait() // leader is loading

		waiterCtx, cancelWaiter := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancelWaiter()
		if _, err := c.Lookup(waiterCtx, 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiter: %v, want DeadlineExceeded", err)
		}
		cancelLeader() // the leader's client went away; the shared load continues
		if err := <-leader; err != nil {
			t.Fatalf("leader: %v", err)
		}
		if _, ok := c.cache.Get(1); !ok {
			t.Fatal("loaded user not cached")
		}
	})
}

func TestCachedDoesNotCacheErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &countingStore{SimStore: SimStore{Users: 1, Latency: time.Millisecond}}
		c := NewCached(store, 100, time.Minute, time.Second)
		for range 2 {
			if _, err := c.Lookup(context.Background(), 2); !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v", err)
			}
		}
		if store.calls.Load() != 2 {
			t.Fatalf("calls = %d", store.calls.Load())
		}
	})
}

func TestCachedLoadTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCached(SimStore{Users: 1, Latency: time.Hour}, 10, time.Minute, 2*time.Second)
		start := time.Now()
		if _, err := c.Lookup(context.Background(), 1); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
}

func TestJanitorPurgesAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCached(SimStore{Users: 10}, 10, time.Minute, time.Second)
		for id := 1; id <= 3; id++ {
			c.Lookup(context.Background(), id)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.Janitor(slog.New(slog.NewJSONHandler(io.Discard, nil)), 30*time.Second)(ctx); close(done) }()
		time.Sleep(90 * time.Second) // ticks at 30s, 60s (purges), 90s
		synctest.Wait()
		if n := c.Stats().Len; n != 0 {
			t.Fatalf("len = %d after TTL + tick", n)
		}
		cancel()
		<-done
	})
}

func TestHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mux := http.NewServeMux()
		Register(mux, NewCached(SimStore{Users: 10, Latency: time.Millisecond}, 10, time.Minute, time.Second))
		for _, tc := range []struct {
			path string
			want int
		}{
			{"/users/4", 200}, {"/users/11", 404}, {"/users/0", 400}, {"/users/x", 400},
		} {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
			if rec.Code != tc.want {
				t.Errorf("%s: %d, want %d", tc.path, rec.Code, tc.want)
			}
			if tc.want == 200 {
				var u User
				if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || u != (User{4, "user-4", "user-4@example.com", "pro"}) {
					t.Errorf("body %s: %v", rec.Body, err)
				}
			}
		}
	})
}

type failing struct{ err error }

func (f failing) Lookup(context.Context, int) (User, error) { return User{}, f.err }

func TestHandlerStoreErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{{context.DeadlineExceeded, 504}, {errors.New("boom"), 503}} {
		mux := http.NewServeMux()
		Register(mux, failing{tc.err})
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/users/1", nil))
		if rec.Code != tc.want {
			t.Errorf("%v: %d, want %d", tc.err, rec.Code, tc.want)
		}
	}
}
