// check-rules: the rule checks of `promtool check rules`, on Prometheus Operator PrometheusRule
// objects. It reads YAML documents (a rendered Helm chart, say) from stdin, takes the spec of
// every PrometheusRule, and validates it with Prometheus' own rule-file parser
// (github.com/prometheus/prometheus/model/rulefmt, which parses every expr with promql/parser and
// every label and annotation template), exactly what promtool's `check rules` calls. The whole
// promtool is not built: it links every service discovery and storage backend and takes far longer
// to compile (docs/development.md).
//
//	check-rules < manifests.yaml     prints "<name>: N groups, M rules" per PrometheusRule; exit 1 on any error
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec yaml.Node `yaml:"spec"`
}

func main() {
	decoder := yaml.NewDecoder(bufio.NewReader(os.Stdin))
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	p := parser.NewParser(parser.Options{})
	found, failed := 0, false
	for {
		var obj object
		err := decoder.Decode(&obj)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "check-rules: reading YAML: %v\n", err)
			os.Exit(2)
		}
		if obj.Kind != "PrometheusRule" {
			continue
		}
		found++
		// The PrometheusRule spec is a rule file's content: {groups: [...]}.
		content, err := yaml.Marshal(&obj.Spec)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", obj.Metadata.Name, err)
			failed = true
			continue
		}
		groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, p, logger)
		if len(errs) > 0 {
			for _, e := range errs {
				fmt.Fprintf(os.Stderr, "%s: %v\n", obj.Metadata.Name, e)
			}
			failed = true
			continue
		}
		rules := 0
		for _, g := range groups.Groups {
			rules += len(g.Rules)
		}
		fmt.Printf("%s: %d groups, %d rules\n", obj.Metadata.Name, len(groups.Groups), rules)
	}
	if found == 0 {
		fmt.Fprintln(os.Stderr, "check-rules: no PrometheusRule in the input")
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}
