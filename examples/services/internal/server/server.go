// Package server runs an HTTP server with a graceful shutdown:
// on cancel it fails readiness, optionally keeps serving for a drain delay,
// stops accepting connections, waits for in-flight requests, stops the
// background goroutines and returns, all within one shutdown budget.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
)

// ErrShutdownBudget means the shutdown budget ran out: connections were
// closed forcibly or background goroutines were abandoned.
var ErrShutdownBudget = errors.New("graceful shutdown did not finish within SHUTDOWN_TIMEOUT")

// Options configure Run.
type Options struct {
	Addr            string
	Listener        net.Listener // optional; used instead of listening on Addr
	Handler         http.Handler
	Readiness       *health.Readiness
	ShutdownTimeout time.Duration // whole budget, from cancel to return
	DrainDelay      time.Duration // serve normally (readyz 503) before closing the listener
	Logger          *slog.Logger
	// Background goroutines run for the life of the server. Their context is
	// cancelled after the HTTP server has drained; Run waits for them.
	Background []func(ctx context.Context)
}

// Run listens on opts.Addr and serves until ctx is cancelled, then shuts down
// gracefully. It returns nil after a clean shutdown, ErrShutdownBudget when
// the budget ran out, or the error that stopped the server early.
func Run(ctx context.Context, opts Options) error {
	log := opts.Logger
	ln := opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", opts.Addr); err != nil {
			return err
		}
	}
	// Requests must not see the shutdown signal: in-flight work should finish.
	base := context.WithoutCancel(ctx)
	srv := &http.Server{
		Handler:           opts.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	bgCtx, stopBackground := context.WithCancel(base)
	defer stopBackground()
	var bg sync.WaitGroup
	for _, f := range opts.Background {
		bg.Go(func() { f(bgCtx) })
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	opts.Readiness.Set(true)
	log.Info("listening", "addr", ln.Addr().String(),
		"shutdown_timeout", opts.ShutdownTimeout.String(), "drain_delay", opts.DrainDelay.String())

	select {
	case err := <-served: // Serve failed on its own; nothing to drain
		opts.Readiness.Set(false)
		stopBackground()
		bg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(context.Cause(ctx), srv, served, &bg, stopBackground, opts)
}

func shutdown(cause error, srv *http.Server, served <-chan error, bg *sync.WaitGroup, stopBackground func(), opts Options) error {
	log := opts.Logger
	start := time.Now()
	budget, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()

	// 1. Fail readiness so endpoints controllers and load balancers stop routing here.
	opts.Readiness.Set(false)
	log.Info("shutdown started", "cause", cause.Error(), "budget", opts.ShutdownTimeout.String())

	// 2. Keep serving while that propagates (unneeded when a preStop sleep already did this).
	if opts.DrainDelay > 0 {
		t := time.NewTimer(opts.DrainDelay)
		select {
		case <-t.C:
		case <-budget.Done():
			t.Stop()
		}
	}

	// 3. Close the listener and idle connections, wait for active requests.
	forced := false
	if err := srv.Shutdown(budget); err != nil {
		log.Warn("in-flight requests outlived the budget; closing connections", "error", err)
		_ = srv.Close()
		forced = true
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		log.Warn("serve returned", "error", err)
	}

	// 4. Stop background work and wait for it, still within the budget.
	stopBackground()
	done := make(chan struct{})
	go func() { bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-budget.Done():
		log.Warn("background goroutines outlived the budget")
		forced = true
	}

	elapsed := time.Since(start)
	if forced {
		log.Error("shutdown forced", "elapsed_ms", elapsed.Milliseconds())
		return ErrShutdownBudget
	}
	log.Info("shutdown complete", "elapsed_ms", elapsed.Milliseconds())
	return nil
}
