// Package upstream calls other services over HTTP with a shared,
// connection-pooled client and returns their JSON bodies.
package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxBody caps how much of an upstream response is read.
const MaxBody = 1 << 20

// NewPooledClient returns an http.Client meant to be created once and shared
// by every request. Its transport keeps idle keep-alive connections per host
// (the default of 2 per host makes a busy fan-out open and close connections
// constantly). The client has no overall Timeout: every call carries a
// context deadline instead, so a caller's shorter deadline wins.
func NewPooledClient(maxIdlePerHost int) *http.Client {
	dialer := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil, // service-to-service traffic never goes through HTTP_PROXY
		DialContext:           dialer.DialContext,
		MaxIdleConns:          4 * maxIdlePerHost,
		MaxIdleConnsPerHost:   maxIdlePerHost,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

// StatusError is a non-2xx answer from an upstream.
type StatusError struct {
	Service string
	Status  int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.Service, e.Status, http.StatusText(e.Status))
}

// Service is one upstream: a name for errors and logs, a base URL, a client
// and a per-call timeout.
type Service struct {
	Name    string
	BaseURL string
	Client  *http.Client
	Timeout time.Duration // per call; 0 = only the caller's deadline
}

// Get fetches BaseURL+path and returns the body if it is valid JSON.
// Errors wrap *StatusError, context.DeadlineExceeded or transport errors.
func (s *Service) Get(ctx context.Context, path string) (json.RawMessage, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(s.BaseURL, "/")+path, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // drop the method and URL; the service name says enough
		}
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	// Read to EOF and close so the connection goes back to the pool.
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading body: %w", s.Name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Service: s.Name, Status: resp.StatusCode}
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("%s: body larger than %d bytes", s.Name, MaxBody)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("%s: body is not JSON", s.Name)
	}
	return json.RawMessage(body), nil
}
