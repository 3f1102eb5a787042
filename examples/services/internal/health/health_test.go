package health

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
)

func TestHealthzContract(t *testing.T) {
	rec := httptest.NewRecorder()
	Healthz("order").ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"gc_percent", "go_version", "gomaxprocs", "goroutines", "memory_limit_bytes", "service"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys = %v, want %v", keys, want)
	}
	if body["service"] != "order" || body["go_version"] != runtime.Version() {
		t.Fatalf("body = %v", body)
	}
	if body["gomaxprocs"].(float64) != float64(runtime.GOMAXPROCS(0)) || body["goroutines"].(float64) < 1 {
		t.Fatalf("body = %v", body)
	}
}

func TestMemoryLimitIsReadOnlyAndExact(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	debug.SetMemoryLimit(math.MaxInt64)
	if got := ReadRuntime("x").MemoryLimitBytes; got != MemoryLimitOff {
		t.Fatalf("no limit: got %d", got)
	}
	// A real limit is far below 2^53, so it survives JSON exactly even in
	// JavaScript; only the "off" value (MaxInt64) does not.
	const limit = 483183820 // floor(0.9 × 512Mi), what the operator renders for a 512Mi limit
	debug.SetMemoryLimit(limit)
	raw, _ := json.Marshal(ReadRuntime("x"))
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil || r.MemoryLimitBytes != limit {
		t.Fatalf("limit: got %d (%v)", r.MemoryLimitBytes, err)
	}
	if debug.SetMemoryLimit(-1) != limit {
		t.Fatal("reading changed the limit")
	}
}

func TestGCPercentReadsWithoutChanging(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })

	for _, v := range []int{100, 150, 25, -1} {
		debug.SetGCPercent(v)
		if got := GCPercent(); got != v {
			t.Errorf("GCPercent() = %d, want %d", got, v)
		}
		if got := gcPercentBySwap(); got != v {
			t.Errorf("gcPercentBySwap() = %d, want %d", got, v)
		}
		if after := debug.SetGCPercent(v); after != v {
			t.Errorf("reading changed GC percent from %d to %d", v, after)
		}
	}
}

func TestGCPercentConcurrentReadsKeepValue(t *testing.T) {
	old := debug.SetGCPercent(170)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				GCPercent()
				gcPercentBySwap()
			}
		})
	}
	wg.Wait()
	if got := debug.SetGCPercent(170); got != 170 {
		t.Fatalf("GC percent drifted to %d", got)
	}
}

func TestReadiness(t *testing.T) {
	var r Readiness
	check := func(want int) {
		t.Helper()
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != want {
			t.Fatalf("status %d, want %d", rec.Code, want)
		}
	}
	check(http.StatusServiceUnavailable) // not ready until the server says so
	r.Set(true)
	check(http.StatusOK)
	r.Set(false)
	check(http.StatusServiceUnavailable)
}
