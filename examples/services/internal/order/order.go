// Package order serves orders. Each order needs its user (from the user
// service) and its payment status (from a payment service, or a stub); both
// are fetched concurrently over a shared connection-pooled client.
package order

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
)

// Getter fetches a JSON document from an upstream: *upstream.Service, or
// PaymentStub.
type Getter interface {
	Get(ctx context.Context, path string) (json.RawMessage, error)
}

// Order is the JSON body of GET /orders/{id}.
type Order struct {
	ID          int             `json:"id"`
	UserID      int             `json:"user_id"`
	AmountCents int             `json:"amount_cents"`
	Currency    string          `json:"currency"`
	User        json.RawMessage `json:"user"`
	Payment     json.RawMessage `json:"payment"`
}

// Handler answers GET /orders/{id}.
type Handler struct {
	Users    Getter
	Payments Getter
}

// Register mounts GET /orders/{id} on mux.
func (h *Handler) Register(mux *http.ServeMux) { mux.HandleFunc("GET /orders/{id}", h.serve) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 {
		health.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "id must be a positive integer"})
		return
	}
	o := Order{ID: id, UserID: id%50 + 1, AmountCents: 100 + id*137%10000, Currency: "EUR"}
	failed, err := h.fetch(r.Context(), &o)
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		health.WriteJSON(w, status, map[string]string{"error": err.Error(), "failed": failed})
		return
	}
	health.WriteJSON(w, http.StatusOK, o)
}

// fetch gets the user and the payment at the same time. An order needs both,
// so the first failure cancels the other call; it returns which one failed.
func (h *Handler) fetch(ctx context.Context, o *Order) (failed string, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	fail := func(name string, e error) {
		once.Do(func() { failed, firstErr = name, e; cancel(e) })
	}
	wg.Go(func() {
		u, e := h.Users.Get(ctx, "/users/"+strconv.Itoa(o.UserID))
		if e != nil {
			fail("user", e)
		}
		o.User = u
	})
	wg.Go(func() {
		p, e := h.Payments.Get(ctx, "/payments/"+strconv.Itoa(o.ID))
		if e != nil {
			fail("payment", e)
		}
		o.Payment = p
	})
	wg.Wait()
	return failed, firstErr
}
