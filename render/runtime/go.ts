// Env tuning for Go binaries: GOMAXPROCS, GOMEMLIMIT, GOGC. Sets only what the declared Go version
// does not already get right (docs/runtime-tuning.md), writes literal values (the downward API can
// neither apply a percentage nor round the way Go does), and explains every decision.
import { DEFAULTS, type MicroServiceSpec } from '../../api/index.ts';
import { cpuBasis, MAX_DERIVED_CPUS, memoryLimit, type RuntimeTuning, type TuningDecision } from './shared.ts';

function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}

const GO125_NOTES = 'https://go.dev/doc/go1.25#container-aware-gomaxprocs';

/** Go 1.25 made the default GOMAXPROCS follow the cgroup CPU limit (go.dev/doc/go1.25#container-aware-gomaxprocs). */
export const CONTAINER_AWARE_GOMAXPROCS_MINOR = 25;

function decideMaxProcs(spec: MicroServiceSpec): TuningDecision {
  const go = spec.runtime?.go;
  const setting = go?.maxProcs ?? DEFAULTS.runtime.go.maxProcs;
  if (typeof setting === 'number') {
    return {
      env: 'GOMAXPROCS',
      value: String(setting),
      reason: `spec.runtime.go.maxProcs is ${setting}: set as given (this also turns off Go 1.25+'s automatic updates)`,
    };
  }
  const toolchain = go?.version ?? '0.0';
  const goMod = go?.goModVersion ?? toolchain;
  // GODEBUG=containermaxprocs=0 in spec.env switches the cgroup-aware default off as surely as an
  // old go.mod does (https://go.dev/doc/godebug#go-125); the runtime then counts the node's CPUs.
  const godebug = spec.env?.find((e) => e.name === 'GODEBUG')?.value ?? '';
  const cgroupIgnored = /(^|,)\s*containermaxprocs=0\s*(,|$)/.test(godebug);
  const containerAware =
    !cgroupIgnored &&
    minorOf(toolchain) >= CONTAINER_AWARE_GOMAXPROCS_MINOR &&
    minorOf(goMod) >= CONTAINER_AWARE_GOMAXPROCS_MINOR;
  const basis = cpuBasis(spec);
  if (basis?.from === 'limit' && containerAware) {
    return {
      env: 'GOMAXPROCS',
      reason: `Go ${toolchain} (go.mod ${goMod}) derives GOMAXPROCS from the cgroup CPU limit itself and follows resizes; setting it would turn that off`,
      source: GO125_NOTES,
    };
  }
  if (basis === undefined) {
    return {
      env: 'GOMAXPROCS',
      reason:
        'no CPU limit and no CPU request to size it from: the Go runtime uses every CPU of the node; set spec.resources.requests.cpu (or a limit) to bound it',
    };
  }
  const capped = basis.capped ? ` (capped at ${MAX_DERIVED_CPUS})` : '';
  if (basis.from === 'request') {
    // No CPU limit: the pod is guaranteed only its request when the node is busy, but every Go
    // version (1.25+ too: it reads only a limit) would run one P per node CPU and size its GC
    // workers (25% of GOMAXPROCS, https://go.dev/doc/gc-guide) for them. Rounding the request up
    // leaves burst room and matches the downward API's requests.cpu (docs/runtime-tuning.md).
    return {
      env: 'GOMAXPROCS',
      value: String(basis.cores),
      reason: `no CPU limit, so Go ${toolchain} would run one P per node CPU while the pod is guaranteed only its request: max(1, ceil(CPU request ${basis.quantity})) = ${basis.cores}${capped}, what the downward API's requests.cpu would give (set maxProcs to size it otherwise)`,
      source: 'k8s.io/kubernetes pkg/api/v1/resource/helpers.go (convertResourceCPUToString rounds up)',
    };
  }
  const why = cgroupIgnored
    ? 'GODEBUG=containermaxprocs=0 in spec.env makes the Go runtime ignore the cgroup CPU limit'
    : minorOf(toolchain) >= CONTAINER_AWARE_GOMAXPROCS_MINOR
      ? `go.mod says go ${goMod}, which keeps Go ${toolchain}'s container-aware GOMAXPROCS off (GODEBUG defaults follow go.mod)`
      : `Go ${toolchain} sizes GOMAXPROCS from the node's CPUs, not the container's limit`;
  return {
    env: 'GOMAXPROCS',
    value: String(basis.cores),
    reason: `${why}: max(1, ceil(CPU limit ${basis.quantity})) = ${basis.cores}${capped}`,
    source:
      cgroupIgnored || minorOf(toolchain) >= CONTAINER_AWARE_GOMAXPROCS_MINOR
        ? 'https://go.dev/doc/godebug#go-125'
        : GO125_NOTES,
  };
}

function decideMemoryLimit(spec: MicroServiceSpec): TuningDecision {
  const limit = memoryLimit(spec);
  if (limit === undefined) {
    return {
      env: 'GOMEMLIMIT',
      reason: 'no memory limit on the app container, so there is nothing to keep the heap under',
    };
  }
  const percent = spec.runtime?.go?.memoryLimitPercent ?? DEFAULTS.runtime.go.memoryLimitPercent;
  const bytes = (limit.bytes * BigInt(percent)) / 100n;
  return {
    env: 'GOMEMLIMIT',
    value: String(bytes),
    reason: `${percent}% of the app container's memory limit ${limit.quantity} (${limit.bytes} bytes), leaving headroom for non-heap memory (Go GC guide); the GC works harder before the kernel OOM-kills`,
    source: 'https://go.dev/doc/gc-guide#Memory_limit',
  };
}

function decideGcPercent(spec: MicroServiceSpec): TuningDecision {
  const gc = spec.runtime?.go?.gcPercent;
  if (gc === undefined) {
    return { env: 'GOGC', reason: 'spec.runtime.go.gcPercent is not set: the Go default (100) applies' };
  }
  return {
    env: 'GOGC',
    value: String(gc),
    reason:
      gc === 'off'
        ? 'spec.runtime.go.gcPercent is off: the GC runs only as the heap nears GOMEMLIMIT'
        : `spec.runtime.go.gcPercent is ${gc}`,
  };
}

/**
 * The tuning decisions for a spec with `runtime.go`, or none. A variable the user set in spec.env
 * always wins: the decision then says so and renders nothing.
 */
export function goTuning(spec: MicroServiceSpec): RuntimeTuning {
  if (!spec.runtime?.go) return { decisions: [], env: [] };
  const userSet = new Set((spec.env ?? []).map((e) => e.name));
  const decisions = [decideMaxProcs(spec), decideMemoryLimit(spec), decideGcPercent(spec)].map(
    (d): TuningDecision =>
      userSet.has(d.env)
        ? { env: d.env, reason: `set in spec.env, which always wins (the rule would have said: ${d.reason})` }
        : d,
  );
  return {
    decisions,
    env: decisions.flatMap((d) => (d.value === undefined ? [] : [{ name: d.env, value: d.value }])),
  };
}
