// Package app is the shared main of every service: read config, set up
// logging, let the service register its routes, serve until SIGTERM or
// SIGINT, shut down gracefully and turn the outcome into an exit code.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/config"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/health"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/logging"
	"github.com/msvc-dev/microservice-operator/examples/services/internal/server"
)

// Setup registers a service's routes on mux and returns its background
// goroutines (stopped and awaited during shutdown).
type Setup func(getenv config.Getenv, log *slog.Logger, mux *http.ServeMux) ([]func(context.Context), error)

// Main runs the service and exits: 0 after a clean shutdown, 1 otherwise.
func Main(service string, setup Setup) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // restore default handling: a second signal ends the process at once
	}()
	os.Exit(Run(ctx, service, os.Getenv, os.Stdout, setup))
}

// Run is Main without the process: ctx ends the service.
func Run(ctx context.Context, service string, getenv config.Getenv, stdout io.Writer, setup Setup) int {
	log, err := logging.New(stdout, service, config.String(getenv, "LOG_LEVEL", "info"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	base, err := config.LoadBase(getenv)
	if err != nil {
		log.Error("bad configuration", "error", err)
		return 1
	}
	ready := &health.Readiness{}
	mux := server.NewMux(service, ready, base.Debug)
	background, err := setup(getenv, log, mux)
	if err != nil {
		log.Error("bad configuration", "error", err)
		return 1
	}
	rt := health.ReadRuntime(service)
	log.Info("starting", "go_version", rt.GoVersion, "gomaxprocs", rt.GOMAXPROCS,
		"memory_limit_bytes", rt.MemoryLimitBytes, "gc_percent", rt.GCPercent, "debug_endpoints", base.Debug)

	err = server.Run(ctx, server.Options{
		Addr:            base.Addr(),
		Handler:         server.AccessLog(log, mux),
		Readiness:       ready,
		ShutdownTimeout: base.ShutdownTimeout,
		DrainDelay:      base.DrainDelay,
		Logger:          log,
		Background:      background,
	})
	if err != nil {
		log.Error("exiting with error", "error", err)
		return 1
	}
	return 0
}
