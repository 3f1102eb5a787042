// Package config reads service settings from environment variables.
//
// Every service shares the settings in Base; service-specific settings are
// read with the typed helpers (String, Int, Duration, Bool) so that parse
// errors name the variable.
package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Getenv looks up one environment variable; os.Getenv in production, a map in tests.
type Getenv func(key string) string

// Base holds the settings every service reads.
type Base struct {
	Host            string        // HOST: interface to bind, "" = all interfaces
	Port            int           // PORT: listen port, 0 = any free port (logged at start)
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT: whole budget from SIGTERM to exit
	DrainDelay      time.Duration // READINESS_DRAIN_DELAY: keep serving after /readyz flips to 503
	Debug           bool          // DEBUG_ENDPOINTS: mount /debug/slow (tests only)
	LogLevel        string        // LOG_LEVEL: debug, info, warn, error
}

// Defaults used when a variable is unset or empty.
const (
	DefaultPort            = 8080
	DefaultShutdownTimeout = 20 * time.Second
)

// Addr is the listen address built from Host and Port.
func (b Base) Addr() string { return net.JoinHostPort(b.Host, strconv.Itoa(b.Port)) }

// LoadBase reads the shared settings.
func LoadBase(getenv Getenv) (Base, error) {
	var b Base
	var err error
	b.Host = String(getenv, "HOST", "")
	if b.Port, err = Int(getenv, "PORT", DefaultPort); err != nil {
		return b, err
	}
	if b.Port < 0 || b.Port > 65535 {
		return b, fmt.Errorf("PORT=%d: out of range 0-65535", b.Port)
	}
	if b.ShutdownTimeout, err = Duration(getenv, "SHUTDOWN_TIMEOUT", DefaultShutdownTimeout); err != nil {
		return b, err
	}
	if b.ShutdownTimeout <= 0 {
		return b, fmt.Errorf("SHUTDOWN_TIMEOUT=%s: must be positive", b.ShutdownTimeout)
	}
	if b.DrainDelay, err = Duration(getenv, "READINESS_DRAIN_DELAY", 0); err != nil {
		return b, err
	}
	if b.DrainDelay < 0 || b.DrainDelay >= b.ShutdownTimeout {
		return b, fmt.Errorf("READINESS_DRAIN_DELAY=%s: must be >= 0 and below SHUTDOWN_TIMEOUT (%s)", b.DrainDelay, b.ShutdownTimeout)
	}
	if b.Debug, err = Bool(getenv, "DEBUG_ENDPOINTS", false); err != nil {
		return b, err
	}
	b.LogLevel = String(getenv, "LOG_LEVEL", "info")
	return b, nil
}

// String returns the trimmed value of key, or def when it is unset or empty.
func String(getenv Getenv, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// Int parses key as a base-10 integer.
func Int(getenv Getenv, key string, def int) (int, error) {
	v := String(getenv, key, "")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: not an integer", key, v)
	}
	return n, nil
}

// Duration parses key as a Go duration ("20s", "1m30s") or as a whole number
// of seconds ("20"), the form a Kubernetes manifest most naturally carries.
func Duration(getenv Getenv, key string, def time.Duration) (time.Duration, error) {
	v := String(getenv, key, "")
	if v == "" {
		return def, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: want a duration such as 20s or a number of seconds", key, v)
	}
	return d, nil
}

// Bool parses key with strconv.ParseBool (1, t, true, 0, f, false, ...).
func Bool(getenv Getenv, key string, def bool) (bool, error) {
	v := String(getenv, key, "")
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: not a boolean", key, v)
	}
	return b, nil
}
