// Env tuning for Go binaries: GOMAXPROCS, GOMEMLIMIT, GOGC. Sets only what the declared Go version
// does not already get right (docs/runtime-tuning.md), writes literal values (the downward API can
// neither apply a percentage nor round the way Go does), and explains every decision.
import { DEFAULTS, type MicroServiceSpec, parseQuantity, resolveResources, toBytes } from '../api/index.ts';
import type { EnvVar } from './types.ts';

export interface TuningDecision {
  readonly name: 'GOMAXPROCS' | 'GOMEMLIMIT' | 'GOGC';
  /** Absent: deliberately not rendered. */
  readonly value?: string;
  readonly reason: string;
}

function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}

/** The largest GOMAXPROCS written from a CPU limit, the same bound spec.runtime.go.maxProcs has. */
export const MAX_DERIVED_GOMAXPROCS = 1024;

/** Go 1.25 made the default GOMAXPROCS follow the cgroup CPU limit (go.dev/doc/go1.25#container-aware-gomaxprocs). */
export const CONTAINER_AWARE_GOMAXPROCS_MINOR = 25;

function decideMaxProcs(spec: MicroServiceSpec): TuningDecision {
  const go = spec.runtime?.go;
  const setting = go?.maxProcs ?? DEFAULTS.runtime.go.maxProcs;
  if (typeof setting === 'number') {
    return {
      name: 'GOMAXPROCS',
      value: String(setting),
      reason: `spec.runtime.go.maxProcs is ${setting}: set as given (this also turns off Go 1.25+'s automatic updates)`,
    };
  }
  const toolchain = go?.version ?? '0.0';
  const goMod = go?.goModVersion ?? toolchain;
  // GODEBUG=containermaxprocs=0 in spec.env switches the cgroup-aware default off as surely as an
  // old go.mod does (https://go.dev/doc/godebug); the runtime then counts the node's CPUs.
  const godebug = spec.env?.find((e) => e.name === 'GODEBUG')?.value ?? '';
  const cgroupIgnored = /(^|,)\s*containermaxprocs=0\s*(,|$)/.test(godebug);
  if (
    !cgroupIgnored &&
    minorOf(toolchain) >= CONTAINER_AWARE_GOMAXPROCS_MINOR &&
    minorOf(goMod) >= CONTAINER_AWARE_GOMAXPROCS_MINOR
  ) {
    return {
      name: 'GOMAXPROCS',
      reason: `Go ${toolchain} (go.mod ${goMod}) derives GOMAXPROCS from the cgroup CPU limit itself and follows resizes; setting it would turn that off`,
    };
  }
  const cpuLimit = resolveResources(spec).limits.cpu;
  const why = cgroupIgnored
    ? 'GODEBUG=containermaxprocs=0 in spec.env makes the Go runtime ignore the cgroup CPU limit'
    : minorOf(toolchain) >= CONTAINER_AWARE_GOMAXPROCS_MINOR
      ? `go.mod says go ${goMod}, which keeps Go ${toolchain}'s container-aware GOMAXPROCS off (GODEBUG defaults follow go.mod)`
      : `Go ${toolchain} sizes GOMAXPROCS from the node's CPUs, not the container's limit`;
  if (cpuLimit === undefined) {
    return {
      name: 'GOMAXPROCS',
      reason: `${why}, but there is no CPU limit to size it from; set spec.resources.limits.cpu to bound it`,
    };
  }
  // Exact arithmetic: a float would print huge limits as "1.2e+21", which Go cannot parse and ignores.
  const { numerator, denominator } = parseQuantity(cpuLimit);
  const cores = (numerator + denominator - 1n) / denominator;
  const procs = cores < 1n ? 1n : cores > MAX_DERIVED_GOMAXPROCS ? BigInt(MAX_DERIVED_GOMAXPROCS) : cores;
  return {
    name: 'GOMAXPROCS',
    value: String(procs),
    reason: `${why}: max(1, ceil(CPU limit ${cpuLimit})) = ${procs}${cores > procs ? ` (capped at ${MAX_DERIVED_GOMAXPROCS})` : ''}`,
  };
}

function decideMemoryLimit(spec: MicroServiceSpec): TuningDecision {
  const memoryLimit = resolveResources(spec).limits.memory;
  if (memoryLimit === undefined) {
    return {
      name: 'GOMEMLIMIT',
      reason: 'no memory limit on the app container, so there is nothing to keep the heap under',
    };
  }
  const percent = spec.runtime?.go?.memoryLimitPercent ?? DEFAULTS.runtime.go.memoryLimitPercent;
  const bytes = (toBytes(memoryLimit) * BigInt(percent)) / 100n;
  return {
    name: 'GOMEMLIMIT',
    value: String(bytes),
    reason: `${percent}% of the app container's memory limit ${memoryLimit} (${toBytes(memoryLimit)} bytes), leaving headroom for non-heap memory (Go GC guide); the GC works harder before the kernel OOM-kills`,
  };
}

function decideGcPercent(spec: MicroServiceSpec): TuningDecision {
  const gc = spec.runtime?.go?.gcPercent;
  if (gc === undefined) {
    return { name: 'GOGC', reason: 'spec.runtime.go.gcPercent is not set: the Go default (100) applies' };
  }
  return {
    name: 'GOGC',
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
export function goTuning(spec: MicroServiceSpec): TuningDecision[] {
  if (!spec.runtime?.go) return [];
  const userSet = new Set((spec.env ?? []).map((e) => e.name));
  return [decideMaxProcs(spec), decideMemoryLimit(spec), decideGcPercent(spec)].map((d) =>
    userSet.has(d.name)
      ? { name: d.name, reason: `set in spec.env, which always wins (the rule would have said: ${d.reason})` }
      : d,
  );
}

export function tuningEnv(decisions: readonly TuningDecision[]): EnvVar[] {
  return decisions.flatMap((d) => (d.value === undefined ? [] : [{ name: d.name, value: d.value }]));
}
