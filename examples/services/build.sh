#!/usr/bin/env bash
# Build the gateway, order and user binaries into OUTDIR (outside the repo).
#   examples/services/build.sh /tmp/msvc-bin   →  /tmp/msvc-bin/{gateway,order,user}
# GO selects the toolchain (default: go on PATH, else /usr/local/go/bin/go).
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$(realpath -m "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case "$out/" in
  "$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo /nonexistent)"/*)
    echo "$0: OUTDIR $out is inside the repository; never commit binaries, build them elsewhere" >&2
    exit 2 ;;
esac
mkdir -p "$out"
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
cd "$here"
CGO_ENABLED=0 "$go" build -trimpath -buildvcs=false -o "$out/" ./cmd/...
ls -1 "$out"/gateway "$out"/order "$out"/user
