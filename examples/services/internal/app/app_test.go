package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/config"
)

func env(m map[string]string) config.Getenv { return func(k string) string { return m[k] } }

func noRoutes(config.Getenv, *slog.Logger, *http.ServeMux) ([]func(context.Context), error) {
	return nil, nil
}

func TestBadConfigExits1(t *testing.T) {
	failing := func(config.Getenv, *slog.Logger, *http.ServeMux) ([]func(context.Context), error) {
		return nil, errors.New("USER_URL: bad")
	}
	for name, tc := range map[string]struct {
		env   map[string]string
		setup Setup
	}{
		"base":  {map[string]string{"PORT": "x"}, noRoutes},
		"setup": {map[string]string{"HOST": "127.0.0.1", "PORT": "0"}, failing},
	} {
		var out bytes.Buffer
		if code := Run(context.Background(), "t", env(tc.env), &out, tc.setup); code != 1 {
			t.Errorf("%s: exit %d, want 1", name, code)
		}
		if !strings.Contains(out.String(), `"msg":"bad configuration"`) {
			t.Errorf("%s: log %q", name, out.String())
		}
	}
}

func TestCleanStopExits0(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, "t", env(map[string]string{"HOST": "127.0.0.1", "PORT": "0", "SHUTDOWN_TIMEOUT": "2"}), &out, noRoutes)
	}()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), `"listening"`); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("never listened")
		}
	}
	cancel(errors.New("terminated signal received"))
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, want 0; log:\n%s", code, out.String())
	}
	var msgs []string
	for line := range strings.Lines(out.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		msgs = append(msgs, rec["msg"].(string))
		if rec["msg"] == "shutdown started" && rec["cause"] != "terminated signal received" {
			t.Errorf("cause = %v", rec["cause"])
		}
	}
	if strings.Join(msgs, ",") != "starting,listening,shutdown started,shutdown complete" {
		t.Fatalf("messages %v", msgs)
	}
}
