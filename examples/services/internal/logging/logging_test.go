package logging

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestNewWritesJSONWithService(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "user", "warn")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("dropped")
	log.Warn("kept", "n", 3)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("want exactly one JSON record, got %q: %v", buf.String(), err)
	}
	if rec["service"] != "user" || rec["msg"] != "kept" || rec["level"] != "WARN" || rec["n"] != 3.0 {
		t.Fatalf("unexpected record %v", rec)
	}
	if _, err := New(&buf, "user", "loud"); err == nil {
		t.Fatal("want error for bad level")
	}
}
