package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoadBaseDefaults(t *testing.T) {
	b, err := LoadBase(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if b.Port != 8080 || b.ShutdownTimeout != 20*time.Second || b.DrainDelay != 0 || b.Debug || b.LogLevel != "info" {
		t.Fatalf("unexpected defaults: %+v", b)
	}
	if got := b.Addr(); got != ":8080" {
		t.Fatalf("Addr() = %q", got)
	}
}

func TestLoadBaseValues(t *testing.T) {
	b, err := LoadBase(env(map[string]string{
		"HOST": "127.0.0.1", "PORT": "0", "SHUTDOWN_TIMEOUT": "25", "READINESS_DRAIN_DELAY": "1500ms",
		"DEBUG_ENDPOINTS": "true", "LOG_LEVEL": "debug",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if b.Addr() != "127.0.0.1:0" || b.ShutdownTimeout != 25*time.Second || b.DrainDelay != 1500*time.Millisecond || !b.Debug || b.LogLevel != "debug" {
		t.Fatalf("unexpected: %+v", b)
	}
}

func TestLoadBaseErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PORT": "http"}, "PORT"},
		{map[string]string{"PORT": "70000"}, "PORT"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "0"}, "SHUTDOWN_TIMEOUT"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "5s", "READINESS_DRAIN_DELAY": "5s"}, "READINESS_DRAIN_DELAY"},
		{map[string]string{"DEBUG_ENDPOINTS": "maybe"}, "DEBUG_ENDPOINTS"},
	} {
		_, err := LoadBase(env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: err = %v, want mention of %s", tc.env, err, tc.want)
		}
	}
}
