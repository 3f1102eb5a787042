// istio-inject runs Istio's own sidecar injection over a YAML stream, offline, the way
// `istioctl kube-inject --injectConfigFile --valuesFile --meshConfigFile` does: no cluster, no
// istiod. It calls istio.io/istio/pkg/kube/inject (FromRawToObject, ParseTemplates,
// NewValuesConfig, IntoObject) with the injection templates and chart values of the pinned
// istio.io/istio module (go.mod): manifests/charts/istio-control/istio-discovery/files/*.yaml and
// values.yaml, which build.sh copies next to this binary (istio-discovery/). The values are picked
// the way that chart's istiod-injector-configmap.yaml picks them (global, sidecarInjectorWebhook,
// revision; pilot = cni, env; gateways = securityContext, seccompProfile), and the mesh config is
// Istio's defaults with the chart's meshConfig applied, as istiod reads it.
//
//	istio-inject [-cni] [-chart DIR] < manifests.yaml
//
// -cni sets the chart value cni.enabled (istio-cni installed: no istio-init container). It prints
// one JSON line per document: {"ok":true,"kind":"Deployment","name":"x","object":{...},
// "warnings":[...]} with the injected object (a kind Istio does not inject is passed through
// unchanged), or {"ok":false,"error":"..."}.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/kube/inject"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	resourcehelper "k8s.io/component-helpers/resource"
	"sigs.k8s.io/yaml"
)

type podResources struct {
	Requests corev1.ResourceList `json:"requests"`
	Limits   corev1.ResourceList `json:"limits"`
}

type document struct {
	OK       bool            `json:"ok"`
	Kind     string          `json:"kind,omitempty"`
	Name     string          `json:"name,omitempty"`
	Object   json.RawMessage `json:"object,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	// Pod is what Kubernetes' own resource helpers (k8s.io/component-helpers/resource, which
	// ResourceQuota's pod evaluator calls) make of the injected pod template: its effective requests
	// and limits. Only for kinds with a pod template.
	Pod   *podResources `json:"pod,omitempty"`
	Error string        `json:"error,omitempty"`
}

// templateFiles are the templates istiod-injector-configmap.yaml puts under `templates:`.
var templateFiles = map[string]string{
	"sidecar":               "injection-template.yaml",
	"gateway":               "gateway-injection-template.yaml",
	"grpc-simple":           "grpc-simple.yaml",
	"grpc-agent":            "grpc-agent.yaml",
	"waypoint":              "waypoint.yaml",
	"kube-gateway":          "kube-gateway.yaml",
	"agentgateway":          "agentgateway.yaml",
	"agentgateway-waypoint": "agentgateway-waypoint.yaml",
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// chartValues returns the injector's values (JSON) and the mesh config (YAML) of the chart.
func chartValues(dir string, cni bool) (string, string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		return "", "", err
	}
	var file map[string]any
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return "", "", fmt.Errorf("%s: %w", filepath.Join(dir, "values.yaml"), err)
	}
	values, ok := file["_internal_defaults_do_not_set"].(map[string]any)
	if !ok {
		return "", "", fmt.Errorf("%s: no _internal_defaults_do_not_set", filepath.Join(dir, "values.yaml"))
	}
	if cni {
		c, _ := values["cni"].(map[string]any)
		if c == nil {
			c = map[string]any{}
		}
		c["enabled"] = true
		values["cni"] = c
	}
	picked := pick(values, "global", "sidecarInjectorWebhook", "revision")
	picked["pilot"] = pick(values, "cni", "env")
	gateways, _ := values["gateways"].(map[string]any)
	picked["gateways"] = pick(gateways, "securityContext", "seccompProfile")
	valuesJSON, err := json.Marshal(picked)
	if err != nil {
		return "", "", err
	}
	meshYAML, err := yaml.Marshal(values["meshConfig"])
	if err != nil {
		return "", "", err
	}
	return string(valuesJSON), string(meshYAML), nil
}

func defaultChartDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "istio-discovery"
	}
	return filepath.Join(filepath.Dir(exe), "istio-discovery")
}

func main() {
	cni := flag.Bool("cni", false, "istio-cni is installed (chart value cni.enabled)")
	chart := flag.String("chart", defaultChartDir(), "the istio-discovery chart directory (values.yaml, files/)")
	flag.Parse()
	if err := run(*chart, *cni, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "istio-inject:", err)
		os.Exit(1)
	}
}

func run(chart string, cni bool, in io.Reader, out io.Writer) error {
	rawTemplates := inject.RawTemplates{}
	for name, file := range templateFiles {
		b, err := os.ReadFile(filepath.Join(chart, "files", file))
		if err != nil {
			return err
		}
		rawTemplates[name] = string(b)
	}
	templates, err := inject.ParseTemplates(rawTemplates)
	if err != nil {
		return err
	}
	valuesJSON, meshYAML, err := chartValues(chart, cni)
	if err != nil {
		return err
	}
	values, err := inject.NewValuesConfig(valuesJSON)
	if err != nil {
		return err
	}
	meshConfig, err := mesh.ApplyMeshConfigDefaults(meshYAML)
	if err != nil {
		return fmt.Errorf("chart meshConfig: %w", err)
	}

	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	for {
		chunk, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(chunk)) == 0 {
			continue
		}
		doc := inject1(chunk, templates, values, meshConfig)
		if err := enc.Encode(doc); err != nil {
			return err
		}
	}
}

// inject1 injects one document, as IntoResourceFile does for each document of its stream.
func inject1(chunk []byte, templates inject.Templates, values inject.ValuesConfig, meshConfig *meshconfig.MeshConfig) document {
	var meta struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(chunk, &meta); err != nil {
		return document{Error: err.Error()}
	}
	doc := document{Kind: meta.Kind, Name: meta.Metadata.Name}
	obj, err := inject.FromRawToObject(chunk)
	var result any
	switch {
	case runtime.IsNotRegisteredError(err):
		// Not a kind Istio injects into (Service, MicroService, ...): unchanged, as kube-inject leaves it.
		j, jerr := yaml.YAMLToJSON(chunk)
		if jerr != nil {
			return document{Error: jerr.Error()}
		}
		doc.OK, doc.Object = true, j
		return doc
	case err != nil:
		doc.Error = err.Error()
		return doc
	default:
		result, err = inject.IntoObject(nil, templates, values, "", meshConfig, obj, func(w string) {
			doc.Warnings = append(doc.Warnings, strings.TrimSpace(w))
		})
		if err != nil {
			doc.Error = err.Error()
			return doc
		}
	}
	j, err := json.Marshal(result)
	if err != nil {
		doc.Error = err.Error()
		return doc
	}
	if d, ok := result.(*appsv1.Deployment); ok {
		doc.Pod = effectiveResources(d.Spec.Template.Spec)
	}
	doc.OK, doc.Object = true, j
	return doc
}

// effectiveResources is the pod's effective requests and limits as ResourceQuota charges them, after
// the API server's defaulting: a container's missing request is its limit (SetDefaults_Pod in
// k8s.io/kubernetes/pkg/apis/core/v1/defaults.go).
func effectiveResources(spec corev1.PodSpec) *podResources {
	pod := &corev1.Pod{Spec: *spec.DeepCopy()}
	defaults := func(cs []corev1.Container) {
		for i := range cs {
			r := &cs[i].Resources
			for name, limit := range r.Limits {
				if _, ok := r.Requests[name]; !ok {
					if r.Requests == nil {
						r.Requests = corev1.ResourceList{}
					}
					r.Requests[name] = limit.DeepCopy()
				}
			}
		}
	}
	defaults(pod.Spec.InitContainers)
	defaults(pod.Spec.Containers)
	opts := resourcehelper.PodResourcesOptions{}
	return &podResources{Requests: resourcehelper.PodRequests(pod, opts), Limits: resourcehelper.PodLimits(pod, opts)}
}
