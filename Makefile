# The two commands in the README: `make demo` (run it) and `make test` (prove it).
# Everything runs on the Node 24 that package.json pins (node_modules/.bin first on PATH).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup build typecheck lint format crds test test-unit test-e2e release-check chart version tools cluster-up cluster-down demo demo-down bench bench-scale clean go-test

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

setup: node_modules/.installed ## install the pinned Node 24 and every npm dependency

build: setup
	tsc -p tsconfig.build.json

typecheck: setup
	tsc -p tsconfig.json --noEmit

lint: setup typecheck
	biome check .

format: setup
	biome check --write .

crds: setup ## regenerate crds/ from the zod schema
	node cli/main.ts crd > crds/microservices.msvc.dev.yaml
	cp crds/microservices.msvc.dev.yaml charts/microservice-operator/crds/microservices.msvc.dev.yaml

test-unit: setup
	vitest run --project unit

test: setup lint go-test tools
	vitest run

# The local control plane (tools/): binaries built from the Go modules pinned in tools/*/go.mod into
# ${XDG_CACHE_HOME:-~/.cache}/msvc (never the repo); rebuilt only when a pin changes.
CLUSTER ?= msvc-dev
tools: ## build or reuse etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, helm
	GO=$(GO) tools/build.sh

cluster-up: tools ## start the local cluster; kubeconfig in .kube/$(CLUSTER).kubeconfig
	tools/cluster.sh up $(CLUSTER)

cluster-down: ## stop and delete it (no process or port left)
	tools/cluster.sh down $(CLUSTER)

demo: setup tools ## local control plane + CRD + operator + examples/, then their status
	tools/demo.sh up

demo-down: ## stop the demo operator and delete its cluster
	tools/demo.sh down

# The packages in packages/ as users install them: npm pack (prepack builds dist/), then fresh
# projects outside the repository install the tarballs (test/package/; also part of `make test`).
# The chart: versions checked, helm lint --strict, helm package (tools/release.ts, docs/releasing.md).
release-check: setup chart ## lint and package the chart, pack every package and run the smoke test on the installed tarballs
	vitest run --project package

chart: setup tools ## dist/charts/microservice-operator-<version>.tgz (refuses if any version drifted; helm lint --strict first)
	node tools/release.ts chart dist/charts

version: setup ## set the release version everywhere: make version VERSION=0.2.0
	@test -n "$(VERSION)" || { echo 'usage: make version VERSION=<semver>' >&2; exit 2; }
	node tools/release.ts version $(VERSION)

test-e2e: setup tools ## only the e2e project (starts its own cluster, msvc-e2e)
	vitest run --project e2e

# The example Go services (examples/services): vet, unit tests and the graceful-shutdown e2e test.
# Caches stay in the default GOCACHE/GOMODCACHE, outside the repo; no module is downloaded (stdlib only).
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
go-test:
	cd examples/services && $(GO) vet ./... && $(GO) test ./...

# Benchmarks (bench/): ratios against baselines measured in the same run; results in bench/results/
# (JSON + README.md table, shown in docs/benchmarks.md). Full run: 1,000 services, a 10-minute steady-state window (BENCH_ARGS
# passes flags to the cluster benchmarks, e.g. BENCH_ARGS="--window 120"). A quick mode of each runs
# in `make test` (bench/quick.e2e.test.ts).
BENCH_ARGS ?=
bench: setup tools ## every benchmark, full size (about an hour on 2 cores)
	node bench/render.ts
	node bench/startup.ts
	node bench/cdk8s-synth.ts
	node bench/cluster.ts $(BENCH_ARGS)
	node bench/relist.ts

# The scale-out benchmark (bench/scale.ts, docs/benchmarks.md#scale-out-benchscalets): 10,000 MicroServices with
# 1 replica and 3 shards, kubectl baseline and failover in one run (hours on 2 cores; SCALE_ARGS="--n 1000").
SCALE_ARGS ?=
bench-scale: setup tools ## the scale-out benchmark (10,000 MicroServices, 1 and 3 replicas)
	nice -n 5 node bench/scale.ts $(SCALE_ARGS)

clean:
	rm -rf dist node_modules
