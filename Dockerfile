# syntax=docker/dockerfile:1
# The operator image. Build from the repository root:
#
#   docker build -t ghcr.io/msvc-dev/microservice-operator:$(node -p 'require("./package.json").version') .
#
# (podman/buildah take the same arguments.) Stages:
#   build   Node 24 + every dependency: `npm pack` of packages/operator, whose prepack compiles
#           api/ render/ yaml/ operator/ to dist/ (tsc; Node's type stripping does not run .ts files
#           under node_modules, and an image should not compile at start-up anyway)
#   deps    the packed operator package installed with its production dependencies only
#           (npm ci --omit=dev from the package's npm-shrinkwrap.json: no TypeScript, vitest, biome,
#           cdk8s or the `node` devDependency)
#   runtime distroless Node 24: no shell, no package manager; runs as the numeric non-root user
#           65532, so `runAsNonRoot` can be verified, and needs nothing writable (the chart sets
#           readOnlyRootFilesystem: true and mounts an emptyDir on /tmp only as a precaution).

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages ./packages
# The `node` devDependency installs a glibc Node 24 binary: bookworm, not alpine.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json LICENSE ./
COPY api ./api
COPY render ./render
COPY yaml ./yaml
COPY operator ./operator
RUN mkdir /pkg \
 && npm pack --workspace packages/operator --pack-destination /pkg \
 && mv /pkg/microservice-operator-controller-*.tgz /pkg/operator.tgz

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY --from=build /pkg/operator.tgz /tmp/operator.tgz
# The tarball is what test/package/ checks: dist/, package.json, README (no sources, no tests).
RUN tar -xzf /tmp/operator.tgz --strip-components=1 \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node dist/operator/microservice/main.js --help >/dev/null \
 && npm cache clean --force && rm /tmp/operator.tgz

FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production
# package.json ("type": "module": dist/ is ESM), dist/ and node_modules/ of the installed package.
COPY --from=deps /app ./
USER 65532:65532
EXPOSE 8080
# /healthz, /readyz and /metrics on 8080; flags and MSVC_* env vars as in `--help`.
# Node flags (bench/memory.ts, bench/results/memory-fix.json: RSS after GC with 1,000 MicroServices cached, JIT on):
#   --max-semi-space-size=1 (MiB): V8's young generation otherwise grows to tens of MiB during the
#     initial lists and keeps them (285 → 154 MiB for the same 41 MiB of live heap, when it came in);
#   --no-maglev: no Maglev, V8's mid-tier optimizing compiler (Ignition, Sparkplug and TurboFan stay: the
#     JIT is on); its compile jobs run on background threads whose malloc arenas keep what they freed;
#   --no-concurrent-recompilation: TurboFan compiles on the main thread, in its arena, not in another;
#   --optimize-for-size: V8's heap grows in smaller steps and keeps less slack (and inlines less).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--no-maglev", "--no-concurrent-recompilation", "--optimize-for-size", "/app/dist/operator/microservice/main.js"]
