// Command gateway serves GET /api/users/{id}/overview?orders=..., calling
// the user and order services concurrently and returning partial results
// when some calls fail. See examples/services/README.md.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/app"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/config"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/gateway"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/upstream"
)

func main() { app.Main("gateway", setup) }

func setup(getenv config.Getenv, _ *slog.Logger, mux *http.ServeMux) ([]func(context.Context), error) {
	perCall, err := config.Duration(getenv, "UPSTREAM_TIMEOUT", time.Second)
	if err != nil {
		return nil, err
	}
	total, err := config.Duration(getenv, "REQUEST_TIMEOUT", 2*time.Second)
	if err != nil {
		return nil, err
	}
	client := upstream.NewPooledClient(32)
	h := &gateway.Handler{
		Users: &upstream.Service{Name: "user", BaseURL: config.String(getenv, "USER_URL", "http://user:8080"),
			Client: client, Timeout: perCall},
		Orders: &upstream.Service{Name: "order", BaseURL: config.String(getenv, "ORDER_URL", "http://order:8080"),
			Client: client, Timeout: perCall},
		Timeout: total,
	}
	h.Register(mux)
	return nil, nil
}
