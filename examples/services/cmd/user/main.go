// Command user serves GET /users/{id} from a bounded, TTL-limited cache in
// front of a simulated user store. See examples/services/README.md.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/app"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/config"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/user"
)

func main() { app.Main("user", setup) }

func setup(getenv config.Getenv, log *slog.Logger, mux *http.ServeMux) ([]func(context.Context), error) {
	size, err := config.Int(getenv, "USER_CACHE_SIZE", 1024)
	if err != nil {
		return nil, err
	}
	ttl, err := config.Duration(getenv, "USER_CACHE_TTL", time.Minute)
	if err != nil {
		return nil, err
	}
	latency, err := config.Duration(getenv, "USER_STORE_LATENCY", 20*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if size < 1 || ttl <= 0 {
		return nil, errors.New("USER_CACHE_SIZE must be >= 1 and USER_CACHE_TTL > 0")
	}
	users := user.NewCached(user.SimStore{Users: 100_000, Latency: latency}, size, ttl, 2*time.Second)
	user.Register(mux, users)
	return []func(context.Context){users.Janitor(log, ttl)}, nil
}
