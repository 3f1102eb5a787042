package user

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
)

// Looker is what the handler needs: *Cached in production.
type Looker interface {
	Lookup(ctx context.Context, id int) (User, error)
}

// Register mounts GET /users/{id} on mux.
func Register(mux *http.ServeMux, users Looker) {
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || id < 1 {
			health.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "id must be a positive integer"})
			return
		}
		u, err := users.Lookup(r.Context(), id)
		switch {
		case err == nil:
			health.WriteJSON(w, http.StatusOK, u)
		case errors.Is(err, ErrNotFound):
			health.WriteJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		case errors.Is(err, context.DeadlineExceeded):
			health.WriteJSON(w, http.StatusGatewayTimeout, map[string]string{"error": "user store timed out"})
		default:
			health.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "user store unavailable"})
		}
	})
}
