package order

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PaymentStub answers GET /payments/{id} in-process after Latency, standing
// in for a payment provider when PAYMENT_URL is unset.
type PaymentStub struct{ Latency time.Duration }

// Get implements Getter.
func (p PaymentStub) Get(ctx context.Context, path string) (json.RawMessage, error) {
	id, err := strconv.Atoi(strings.TrimPrefix(path, "/payments/"))
	if err != nil {
		return nil, fmt.Errorf("payment stub: bad path %q", path)
	}
	t := time.NewTimer(p.Latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, fmt.Errorf("payment stub: %w", ctx.Err())
	}
	return json.Marshal(map[string]any{"order_id": id, "status": "captured", "provider": "stub"})
}
