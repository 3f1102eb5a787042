package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
)

// NewMux returns a mux with /healthz and /readyz mounted, plus /debug/slow
// when debug is true. Services add their own routes to it.
func NewMux(service string, ready *health.Readiness, debug bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.Healthz(service))
	mux.Handle("GET /readyz", ready)
	if debug {
		mux.HandleFunc("GET /debug/slow", Slow)
	}
	return mux
}

// MaxSlow caps /debug/slow.
const MaxSlow = 5 * time.Minute

// Slow answers 200 after ?ms=N milliseconds (nothing if the client leaves
// first). It exists to test graceful shutdown with requests
// in flight and is only mounted when DEBUG_ENDPOINTS is true.
func Slow(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > MaxSlow {
		health.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "ms must be an integer in [0, 300000]"})
		return
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		health.WriteJSON(w, http.StatusOK, map[string]int{"slept_ms": ms})
	case <-r.Context().Done(): // client gave up; nobody to answer
	}
}

// AccessLog logs one record per request: probes at debug, the rest at info.
func AccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rw, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rw.status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
