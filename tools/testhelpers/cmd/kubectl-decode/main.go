// kubectl-decode reads a YAML stream on stdin and decodes it the way `kubectl apply -f` does
// before anything reaches the API server: k8s.io/apimachinery's YAML reader splits the stream into
// documents at "---" lines, and sigs.k8s.io/yaml (go-yaml v2 underneath: YAML 1.1 booleans,
// legacy octal) turns each into JSON. It prints one JSON line per document:
//
//	{"ok":true,"json":{...}}   or   {"ok":false,"error":"..."}
//
// Documents that are empty (only comments or whitespace) are skipped, as kubectl skips them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type document struct {
	OK    bool            `json:"ok"`
	JSON  json.RawMessage `json:"json,omitempty"`
	Error string          `json:"error,omitempty"`
}

func main() {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	enc := json.NewEncoder(os.Stdout)
	for {
		chunk, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			_ = enc.Encode(document{Error: err.Error()})
			return
		}
		if len(bytes.TrimSpace(chunk)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(chunk)
		if err != nil {
			_ = enc.Encode(document{Error: err.Error()})
			continue
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue // a document of comments only
		}
		if err := enc.Encode(document{OK: true, JSON: j}); err != nil {
			fmt.Fprintln(os.Stderr, "kubectl-decode:", err)
			os.Exit(1)
		}
	}
}
