#!/usr/bin/env bash
# bench/build-before.sh COMMIT — compiles api/, render/, operator/, cdk8s/ and cli/ as they were at
# COMMIT into a scratch directory outside the repository (node_modules linked from this checkout),
# without touching the work tree, so a benchmark can time the code before a fix next to the code
# after it in the same run. Prints the directory holding cli/main.js and the operator (operator/microservice/main.js, or operator/main.js before the split), e.g.
#   npx node bench/render.ts --before-cli "$(bench/build-before.sh 6a603f1 | tail -1)/cli/main.js"
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMMIT="${1:?usage: bench/build-before.sh COMMIT}"
DIR="${TMPDIR:-/tmp}/msvc-bench-before-$(git -C "$REPO" rev-parse --short "$COMMIT")"
rm -rf "$DIR"
mkdir -p "$DIR/src"
# yaml/ exists from 53b6906 on; older commits are archived without it.
PATHS=()
for p in api render yaml operator cdk8s cli package.json tsconfig.json tsconfig.build.json; do
  git -C "$REPO" cat-file -e "$COMMIT:$p" 2>/dev/null && PATHS+=("$p")
done
git -C "$REPO" archive "$COMMIT" "${PATHS[@]}" |
  tar -x -C "$DIR/src"
ln -s "$REPO/node_modules" "$DIR/src/node_modules"
"$REPO/node_modules/.bin/tsc" -p "$DIR/src/tsconfig.build.json" --outDir "$DIR/src/out" >&2 ||
  [[ -f "$DIR/src/out/cli/main.js" ]]
echo "$DIR/src/out"
