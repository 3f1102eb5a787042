#!/usr/bin/env bash
# tools/build.sh — builds the local control plane's binaries from the Go modules pinned under tools/.
#
#   tools/build.sh              build (or reuse) every tool, print one line per tool, then the bin dir
#   tools/build.sh --bin-dir    print the bin dir only (no build); exit 1 if it is not complete yet
#   tools/build.sh kwok helm    build only the named tool modules
#
# Tool modules (each its own go.mod/go.sum, so their dependency graphs never meet):
#   tools/kubernetes  kube-apiserver kube-controller-manager kube-scheduler kubectl  (k8s.io/kubernetes)
#   tools/etcd        etcd etcdctl                                                    (go.etcd.io/etcd)
#   tools/kwok        kwok kwokctl                                                    (sigs.k8s.io/kwok)
#   tools/helm        helm                                                            (helm.sh/helm/v3)
#
# Cache layout (outside the repo; MSVC_CACHE_DIR overrides, default ${XDG_CACHE_HOME:-~/.cache}/msvc):
#   build/<tool>-<version>-<hash>/   binaries of one tool module; <hash> covers its go.mod, go.sum and
#                                    recipe, so a module is rebuilt only when its pin changes
#   logs/<tool>-<version>-<hash>.log the build log of that module
#   bin/<hash>/                      symlinks to every binary of the current pins (what tools/bin.ts
#                                    and tools/cluster.sh use)
# Env: GO (go binary), MSVC_CACHE_DIR, MSVC_BUILD_JOBS (go build -p, default nproc).
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/msvc}"
ALL_TOOLS=(kubernetes etcd kwok helm)
GO_MIN_MINOR=26 # Go 1.26: kwok v0.8's go.mod requires it
# Bump when a recipe below changes (flags, outputs), so the cache key changes with it.
RECIPE_VERSION=1

# The version a tool module pins (for the directory name only; the hash is what keys the cache).
tool_version() {
  case "$1" in
  kubernetes) mod=k8s.io/kubernetes ;;
  etcd) mod=go.etcd.io/etcd/server/v3 ;;
  kwok) mod=sigs.k8s.io/kwok ;;
  helm) mod=helm.sh/helm/v3 ;;
  esac
  awk -v m="$mod" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$TOOLS_DIR/$1/go.mod"
}

tool_hash() {
  {
    echo "recipe=$RECIPE_VERSION tool=$1 os=$(uname -s) arch=$(uname -m)"
    cat "$TOOLS_DIR/$1/go.mod" "$TOOLS_DIR/$1/go.sum"
  } | sha256sum | cut -c1-12
}

tool_key() { echo "$1-$(tool_version "$1")-$(tool_hash "$1")"; }

bin_dir() {
  local keys=""
  for t in "${ALL_TOOLS[@]}"; do keys+="$(tool_key "$t")"$'\n'; done
  echo "$CACHE_DIR/bin/$(printf '%s' "$keys" | sha256sum | cut -c1-12)"
}

binaries_of() {
  case "$1" in
  kubernetes) echo kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
  etcd) echo etcd etcdctl ;;
  kwok) echo kwok kwokctl ;;
  helm) echo helm ;;
  esac
}

if [[ "${1:-}" == "--bin-dir" ]]; then
  dir="$(bin_dir)"
  [[ -f "$dir/.complete" ]] || { echo "$dir"; exit 1; }
  echo "$dir"
  exit 0
fi

# --- Go: present and recent enough ---------------------------------------------------------------
GO="${GO:-$(command -v go || true)}"
[[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
if [[ -z "$GO" ]] || ! command -v "$GO" >/dev/null 2>&1; then
  echo "tools/build.sh: Go is not installed (or not on PATH). The local control plane is built from" >&2
  echo "  Go modules and needs Go >= 1.$GO_MIN_MINOR: install it from https://go.dev/dl/ (e.g. into" >&2
  echo "  /usr/local/go) and put its bin directory on PATH, or set GO=/path/to/go." >&2
  exit 1
fi
go_version="$(GOTOOLCHAIN=local "$GO" env GOVERSION 2>/dev/null || true)" # e.g. go1.26.8
go_minor="$(sed -nE 's/^go1\.([0-9]+).*/\1/p' <<<"$go_version")"
if [[ -z "$go_minor" || "$go_minor" -lt "$GO_MIN_MINOR" ]]; then
  echo "tools/build.sh: $GO is ${go_version:-of unknown version}; the control-plane tools need Go >= 1.$GO_MIN_MINOR." >&2
  echo "  Install a current Go from https://go.dev/dl/ and put it first on PATH (or set GO=/path/to/go)." >&2
  exit 1
fi

export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly"
jobs="${MSVC_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"

build_tool() { # $1 tool, $2 output dir; runs inside the tool module
  local t="$1" out="$2" v
  v="$(tool_version "$t")"
  cd "$TOOLS_DIR/$t"
  case "$t" in
  kubernetes)
    local minor="${v#v1.}"
    minor="${minor%%.*}"
    # Stamp the version so `kubectl version` reports it and kwokctl picks the right flags for it.
    local ldf="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
    ldf+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
    ldf+=" -X k8s.io/component-base/version.gitCommit=0000000000000000000000000000000000000000"
    ldf+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
    # One invocation for all four: they share most packages, compiled once.
    "$GO" build -p "$jobs" -trimpath -ldflags "$ldf" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
    ;;
  etcd)
    "$GO" build -p "$jobs" -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
    "$GO" build -p "$jobs" -trimpath -ldflags "-s -w" -o "$out/etcdctl" go.etcd.io/etcd/etcdctl/v3
    ;;
  kwok)
    local kv
    kv="$(tool_version kubernetes)"
    # kwokctl's default Kubernetes version: the one we build, so it never wants another.
    "$GO" build -p "$jobs" -trimpath \
      -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$v -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kv#v}" \
      -o "$out/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
    ;;
  helm)
    "$GO" build -p "$jobs" -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$v" \
      -o "$out/helm" helm.sh/helm/v3/cmd/helm
    ;;
  esac
}

mkdir -p "$CACHE_DIR/build" "$CACHE_DIR/logs" "$CACHE_DIR/bin"
exec 9>"$CACHE_DIR/.build.lock"
flock 9 # one build at a time (make tools and a test run may race)

tools=("$@")
[[ ${#tools[@]} -eq 0 ]] && tools=("${ALL_TOOLS[@]}")
for t in "${tools[@]}"; do
  [[ -f "$TOOLS_DIR/$t/go.mod" ]] || { echo "tools/build.sh: unknown tool module '$t' (have: ${ALL_TOOLS[*]})" >&2; exit 2; }
  key="$(tool_key "$t")"
  out="$CACHE_DIR/build/$key"
  log="$CACHE_DIR/logs/$key.log"
  if [[ -f "$out/.complete" ]]; then
    printf 'tools: %-10s %-8s cached   %s\n' "$t" "$(tool_version "$t")" "$out"
    continue
  fi
  printf 'tools: %-10s %-8s building (log: %s) ...\n' "$t" "$(tool_version "$t")" "$log"
  rm -rf "$out.tmp"
  mkdir -p "$out.tmp"
  start=$SECONDS
  if ! (build_tool "$t" "$out.tmp") >"$log" 2>&1; then
    echo "tools/build.sh: building $t failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  for b in $(binaries_of "$t"); do
    [[ -x "$out.tmp/$b" ]] || { echo "tools/build.sh: $t built but $b is missing (see $log)" >&2; exit 1; }
  done
  echo "built in $((SECONDS - start))s with $go_version" >>"$log"
  touch "$out.tmp/.complete"
  rm -rf "$out"
  mv "$out.tmp" "$out"
  printf 'tools: %-10s %-8s built in %ss  %s\n' "$t" "$(tool_version "$t")" "$((SECONDS - start))" "$out"
done

# The combined bin dir: only when every tool is built.
dir="$(bin_dir)"
for t in "${ALL_TOOLS[@]}"; do
  [[ -f "$CACHE_DIR/build/$(tool_key "$t")/.complete" ]] || exit 0
done
if [[ ! -f "$dir/.complete" ]]; then
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  for t in "${ALL_TOOLS[@]}"; do
    for b in $(binaries_of "$t"); do ln -s "$CACHE_DIR/build/$(tool_key "$t")/$b" "$dir.tmp/$b"; done
  done
  touch "$dir.tmp/.complete"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi
echo "tools: bin dir $dir"

# The Go test oracles (tools/testhelpers: ParseQuantity, kubectl's YAML decoding); same module cache.
echo "tools: testhelpers $(GO="$GO" "$TOOLS_DIR/testhelpers/build.sh")"
