// Command order serves GET /orders/{id}, fetching the order's user and its
// payment status concurrently over one pooled HTTP client. See
// examples/services/README.md.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/app"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/config"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/order"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/upstream"
)

func main() { app.Main("order", setup) }

func setup(getenv config.Getenv, log *slog.Logger, mux *http.ServeMux) ([]func(context.Context), error) {
	timeout, err := config.Duration(getenv, "UPSTREAM_TIMEOUT", time.Second)
	if err != nil {
		return nil, err
	}
	stubLatency, err := config.Duration(getenv, "PAYMENT_STUB_LATENCY", 30*time.Millisecond)
	if err != nil {
		return nil, err
	}
	client := upstream.NewPooledClient(32) // one client, shared by every request
	h := &order.Handler{
		Users: &upstream.Service{Name: "user", BaseURL: config.String(getenv, "USER_URL", "http://user:8080"),
			Client: client, Timeout: timeout},
		Payments: order.PaymentStub{Latency: stubLatency},
	}
	if u := config.String(getenv, "PAYMENT_URL", ""); u != "" {
		h.Payments = &upstream.Service{Name: "payment", BaseURL: u, Client: client, Timeout: timeout}
	} else {
		log.Info("PAYMENT_URL unset: using the in-process payment stub")
	}
	h.Register(mux)
	return nil, nil
}
