// Package gateway aggregates the user and order services: one request fans
// out to both concurrently under one deadline, and whatever arrives in time
// is returned, with the failures listed beside it.
package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
)

// Getter fetches a JSON document from an upstream (*upstream.Service).
type Getter interface {
	Get(ctx context.Context, path string) (json.RawMessage, error)
}

// MaxOrders caps ?orders= so one request cannot fan out without bound.
const MaxOrders = 10

// Overview is the JSON body of GET /api/users/{id}/overview.
type Overview struct {
	User    json.RawMessage   `json:"user"`    // null if the user call failed
	Orders  []json.RawMessage `json:"orders"`  // the orders that arrived, in request order
	Errors  []Failure         `json:"errors"`  // one entry per failed call
	Partial bool              `json:"partial"` // some calls failed, some succeeded
}

// Failure names a failed upstream call.
type Failure struct {
	Source string `json:"source"` // "user" or "order/<id>"
	Error  string `json:"error"`
}

// Handler answers GET /api/users/{id}/overview?orders=1,2,3.
type Handler struct {
	Users   Getter
	Orders  Getter
	Timeout time.Duration // whole request; each Getter has its own per-call timeout too
}

// Register mounts the gateway route on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/users/{id}/overview", h.serve)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	userID, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || userID < 1 {
		health.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "id must be a positive integer"})
		return
	}
	orderIDs, err := parseOrders(r.URL.Query().Get("orders"))
	if err != nil {
		health.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.Timeout)
	defer cancel()
	ov, ok := h.aggregate(ctx, userID, orderIDs)
	status := http.StatusOK
	if ok == 0 {
		status = http.StatusBadGateway // nothing arrived: no partial answer to give
	}
	health.WriteJSON(w, status, ov)
}

// aggregate calls the user service and every order at once. A failure does
// not cancel the others: the answer is as complete as the deadline allows.
// It returns the overview and how many calls succeeded.
func (h *Handler) aggregate(ctx context.Context, userID int, orderIDs []int) (Overview, int) {
	type result struct {
		body json.RawMessage
		err  error
	}
	results := make([]result, 1+len(orderIDs)) // [0] = user, [1+i] = orderIDs[i]; each goroutine owns one slot
	var wg sync.WaitGroup
	wg.Go(func() {
		results[0].body, results[0].err = h.Users.Get(ctx, "/users/"+strconv.Itoa(userID))
	})
	for i, id := range orderIDs {
		wg.Go(func() {
			results[1+i].body, results[1+i].err = h.Orders.Get(ctx, "/orders/"+strconv.Itoa(id))
		})
	}
	wg.Wait()

	ov := Overview{Orders: []json.RawMessage{}, Errors: []Failure{}}
	ok := 0
	for i, res := range results {
		source := "user"
		if i > 0 {
			source = "order/" + strconv.Itoa(orderIDs[i-1])
		}
		switch {
		case res.err != nil:
			ov.Errors = append(ov.Errors, Failure{Source: source, Error: res.err.Error()})
		case i == 0:
			ov.User, ok = res.body, ok+1
		default:
			ov.Orders, ok = append(ov.Orders, res.body), ok+1
		}
	}
	ov.Partial = ok > 0 && len(ov.Errors) > 0
	return ov, ok
}

func parseOrders(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxOrders {
		return nil, errBadOrders("at most " + strconv.Itoa(MaxOrders) + " orders per request")
	}
	ids := make([]int, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || id < 1 {
			return nil, errBadOrders("orders must be positive integers separated by commas")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

type errBadOrders string

func (e errBadOrders) Error() string { return string(e) }
