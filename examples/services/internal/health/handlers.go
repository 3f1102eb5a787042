package health

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
)

// Healthz serves the runtime report. It answers 200 for as long as the
// process can serve HTTP, including while draining: liveness must not fail
// during a graceful shutdown, or the kubelet would kill the pod early.
func Healthz(service string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, ReadRuntime(service))
	})
}

// Readiness is the /readyz state. It starts not ready; the server marks it
// ready once it is listening and not ready again when shutdown begins.
type Readiness struct{ ready atomic.Bool }

// Set marks the service ready (true) or not ready (false).
func (r *Readiness) Set(ready bool) { r.ready.Store(ready) }

// Ready reports the current state.
func (r *Readiness) Ready() bool { return r.ready.Load() }

// ServeHTTP answers 200 {"status":"ready"} or 503 {"status":"not ready"}.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if r.Ready() {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return
	}
	WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is already sent; a write error means the client left
}
