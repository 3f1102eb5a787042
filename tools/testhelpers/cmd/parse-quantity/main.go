// parse-quantity reads a JSON array of strings on stdin and prints, for each, what
// k8s.io/apimachinery resource.ParseQuantity makes of it (the function the API server uses to
// decode every resources.requests/limits value) as one JSON array:
//
//	[{"input":"1E","ok":true,"dec":"1000000000000000000","string":"1E"}, {"input":"1gb","ok":false,"error":"..."}]
//
// "dec" is the exact value after Kubernetes' rounding (up to 1n) and capping, as inf.Dec prints it.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/api/resource"
)

type result struct {
	Input  string `json:"input"`
	OK     bool   `json:"ok"`
	Dec    string `json:"dec,omitempty"`
	String string `json:"string,omitempty"`
	Error  string `json:"error,omitempty"`
}

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fmt.Fprintln(os.Stderr, "parse-quantity: stdin must be a JSON array of strings:", err)
		os.Exit(2)
	}
	out := make([]result, 0, len(inputs))
	for _, in := range inputs {
		q, err := resource.ParseQuantity(in)
		if err != nil {
			out = append(out, result{Input: in, Error: err.Error()})
			continue
		}
		out = append(out, result{Input: in, OK: true, Dec: q.AsDec().String(), String: q.String()})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "parse-quantity:", err)
		os.Exit(1)
	}
}
