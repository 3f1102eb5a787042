#!/usr/bin/env bash
# tools/testhelpers/build.sh — builds the Go test oracles of this module (cmd/*) into the cache and
# prints their directory. Rebuilds only when go.mod, go.sum or a source file changes. istio-inject's
# chart files (istio-discovery values.yaml and files/*.yaml, from the pinned istio.io/istio module)
# are copied next to the binaries, into istio-discovery/. kube-score is built from kube-score/, a
# module of its own.
#
#   tools/testhelpers/build.sh            build (or reuse), print the bin dir on stdout
#
# Cache: ${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/msvc}/build/testhelpers-<hash>/ (outside the
# repo, like tools/build.sh). The module pins the k8s.io/apimachinery and sigs.k8s.io/yaml versions
# tools/kubernetes/go.sum already holds, so after `make tools` the module cache is warm.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/msvc}"
GO="${GO:-$(command -v go || true)}"
[[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
if [[ -z "$GO" ]]; then
  echo "tools/testhelpers/build.sh: Go is not installed; install Go >= 1.26 from https://go.dev/dl/ or set GO" >&2
  exit 1
fi

hash="$(cd "$DIR" && { echo "recipe=2 os=$(uname -s) arch=$(uname -m)"; find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-12)"
out="$CACHE_DIR/build/testhelpers-$hash"
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$CACHE_DIR/build" "$CACHE_DIR/logs"
exec 9>"$CACHE_DIR/.testhelpers.lock"
flock 9
if [[ ! -f "$out/.complete" ]]; then
  log="$CACHE_DIR/logs/testhelpers-$hash.log"
  rm -rf "$out.tmp"
  mkdir -p "$out.tmp"
  if ! (cd "$DIR" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly" \
    "$GO" build -trimpath -ldflags "-s -w" -o "$out.tmp/" ./cmd/...) >"$log" 2>&1; then
    echo "tools/testhelpers/build.sh: build failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  # kube-score, from its own module (kube-score/go.mod: its k8s.io/api cannot be this module's).
  if ! (cd "$DIR/kube-score" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly" \
    "$GO" build -trimpath -ldflags "-s -w" -o "$out.tmp/" tool) >>"$log" 2>&1; then
    echo "tools/testhelpers/build.sh: kube-score build failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  if ! istio="$(cd "$DIR" && GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly" "$GO" list -m -f '{{.Dir}}' istio.io/istio 2>>"$log")" ||
    [[ ! -f "$istio/manifests/charts/istio-control/istio-discovery/values.yaml" ]]; then
    echo "tools/testhelpers/build.sh: the istio.io/istio module's istio-discovery chart is missing; see $log" >&2
    exit 1
  fi
  mkdir -p "$out.tmp/istio-discovery/files"
  cp "$istio/manifests/charts/istio-control/istio-discovery/values.yaml" "$out.tmp/istio-discovery/"
  cp "$istio/manifests/charts/istio-control/istio-discovery/files/"*.yaml "$out.tmp/istio-discovery/files/"
  chmod -R u+w "$out.tmp/istio-discovery"
  touch "$out.tmp/.complete"
  rm -rf "$out"
  mv "$out.tmp" "$out"
fi
echo "$out"
