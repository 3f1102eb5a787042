// Package health reports the Go runtime settings in effect (/healthz) and
// the service's readiness (/readyz).
package health

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Report is the /healthz body. The JSON names are a contract: the operator's
// TypeScript tests parse them (see examples/services/README.md).
type Report struct {
	Service          string `json:"service"`
	GoVersion        string `json:"go_version"`         // runtime.Version(), e.g. "go1.26.8"
	GOMAXPROCS       int    `json:"gomaxprocs"`         // runtime.GOMAXPROCS(0)
	MemoryLimitBytes int64  `json:"memory_limit_bytes"` // debug.SetMemoryLimit(-1); math.MaxInt64 = no limit
	GCPercent        int    `json:"gc_percent"`         // GOGC in effect; -1 = GC off
	Goroutines       int    `json:"goroutines"`         // runtime.NumGoroutine()
}

// ReadRuntime reads the current settings without changing any of them.
func ReadRuntime(service string) Report {
	return Report{
		Service:          service,
		GoVersion:        runtime.Version(),
		GOMAXPROCS:       runtime.GOMAXPROCS(0),    // 0 only reads; it does not stop the 1.25+ auto-update
		MemoryLimitBytes: debug.SetMemoryLimit(-1), // a negative input only reads the limit
		GCPercent:        GCPercent(),
		Goroutines:       runtime.NumGoroutine(),
	}
}

// MemoryLimitOff is the value memory_limit_bytes has when GOMEMLIMIT is unset.
const MemoryLimitOff = math.MaxInt64

const gogcMetric = "/gc/gogc:percent"

// GCPercent returns the GC percent in effect (GOGC, or the last
// debug.SetGCPercent), -1 when the GC is off.
//
// The runtime has no getter. debug.SetGCPercent(x) returns the old value,
// but reading with it means writing x and then writing the old value back,
// and that has two problems: two concurrent readers can interleave and
// leave x in place for good, and writing -1 makes SetGCPercent wait for a
// running mark phase to finish. So the value is read from runtime/metrics
// ("/gc/gogc:percent", Go 1.21+), which changes nothing. If that metric is
// ever missing, it falls back to the write-and-restore read, serialised by
// a mutex and probing with 100 (never -1).
func GCPercent() int {
	s := []metrics.Sample{{Name: gogcMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		// The runtime stores an int32 and exposes it as uint64: -1 (off)
		// arrives as math.MaxUint64, which int64 conversion turns back into -1.
		return int(int64(s[0].Value.Uint64()))
	}
	return gcPercentBySwap()
}

var swapMu sync.Mutex

func gcPercentBySwap() int {
	swapMu.Lock()
	defer swapMu.Unlock()
	old := debug.SetGCPercent(100)
	debug.SetGCPercent(old) // put it back at once
	return old
}
