/**
 * Operator memory during a forced relist of every cache, and what that makes of the chart's memory
 * limit. With the operator leading and idle, its RSS after GC is the steady state; then every watch
 * is made to relist the way an etcd compaction does it in production: the operator is frozen
 * (SIGSTOP), something is written, etcd is compacted past every resourceVersion the operator holds
 * and the API server restarted (its new watch cache starts after them), and the operator thawed —
 * each watch gets 410 Gone and lists its resource again. The peak is VmHWM, reset just before
 * (/proc/<pid>/clear_refs, 5), so no spike between samples is missed; then RSS after GC once the
 * operator is idle again.
 *
 * Run twice on one control plane: with no MicroService (the operator's own cost: code, heap, empty
 * caches) and with N converged (bench/converge.ts). The difference ÷ N is the cost of one
 * MicroService and its children at the relist's peak, which is what the chart's memory limit
 * (charts/microservice-operator/values.yaml) is extrapolated from: peak(0) + 10,000 × that.
 *
 *   npx node bench/relist.ts [--quick] [--n 1000] [--nodes 12] [--keep] [--reuse]
 *
 * The operator runs compiled with the image's Node flags plus the chart's nodeFlags, as the chart
 * installs it (bench/cluster-env.ts), without leader election: frozen longer than the renew
 * deadline, a leader exits (and should).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { etcdctl, kubectl, restartApiServer } from '../test/e2e/cluster.ts';
import {
  type BenchCluster,
  chartNodeFlags,
  createNamespaces,
  imageRuntime,
  type OperatorHandle,
  SYSTEM_NS,
  setUpCluster,
  startBenchOperator,
  statusMiB,
  tearDownCluster,
} from './cluster-env.ts';
import { convergeOnce } from './converge.ts';
import { log, parseFlags, type Row, repoRoot, writeResult } from './harness.ts';

/** The 10,000 MicroServices the chart's default memory limit must hold (the scale-out issue's N). */
export const SIZED_FOR = 10_000;

export interface RelistSample {
  readonly crs: number;
  /** RSS after GC, idle, before the relist. */
  readonly steadyMiB: number;
  /** VmHWM from just before the relist until it is over (idle again). */
  readonly peakMiB: number;
  /** RSS after GC once idle again (V8 keeps the pages its heap grew to: RSS shrinks slowly). */
  readonly afterMiB: number;
  /** V8 heap used after GC, before and after: the live data, whatever RSS does. */
  readonly steadyHeapMiB: number;
  readonly afterHeapMiB: number;
  readonly cachedObjects: number;
  /** Relists per resource that the forced expiry caused. */
  readonly relists: Record<string, number>;
  /** From thawing the operator to every cache synced again. */
  readonly relistSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per-resource counter values of a metric with a `resource` label. */
async function byResource(operator: OperatorHandle, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${operator.healthUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{[^}]*resource="([^"]+)"[^}]*\\} (\\S+)$`).exec(line);
    if (m) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Waits until no reconcile has run for `quietMs` (the operator is idle). */
async function idle(operator: OperatorHandle, quietMs = 5_000, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await operator.metric('controller_runtime_reconcile_total');
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('relist: the operator did not become idle');
    await sleep(500);
    const now = await operator.metric('controller_runtime_reconcile_total');
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** One forced relist of every cache of a leading, idle operator; memory before, at the peak, after. */
export async function forcedRelist(env: BenchCluster, operator: OperatorHandle, crs: number): Promise<RelistSample> {
  await idle(operator);
  const steady = await operator.memory();
  const cachedObjects = await operator.metric('msvc_cache_objects');
  const relistsBefore = await byResource(operator, 'msvc_watch_relists_total');
  // Peak RSS from here on (Documentation/filesystems/proc.rst: clear_refs 5 resets VmHWM).
  writeFileSync(`/proc/${operator.pid}/clear_refs`, '5');
  process.kill(operator.pid, 'SIGSTOP');
  try {
    // A write after every resourceVersion the frozen operator holds, then history up to it compacted.
    await kubectl(env.kubeconfig, ['create', 'configmap', `relist-${Date.now()}`, '-n', SYSTEM_NS]);
    const status = JSON.parse(await etcdctl(env.cluster.name, ['endpoint', 'status', '-w', 'json'])) as {
      Status: { header: { revision: number } };
    }[];
    const revision = status[0]?.Status.header.revision;
    if (!revision) throw new Error('relist: no etcd revision');
    await etcdctl(env.cluster.name, ['compact', String(revision)]);
    await restartApiServer(env.cluster.name);
  } finally {
    process.kill(operator.pid, 'SIGCONT');
  }
  const thawed = performance.now();
  const resources = Object.keys(relistsBefore);
  const deadline = Date.now() + 300_000;
  let relists: Record<string, number> = {};
  for (;;) {
    const now = await byResource(operator, 'msvc_watch_relists_total').catch(() => ({}) as Record<string, number>);
    relists = Object.fromEntries(resources.map((r) => [r, (now[r] ?? 0) - (relistsBefore[r] ?? 0)]));
    const ready = await fetch(`${operator.healthUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready && Object.values(relists).every((d) => d >= 1)) break;
    if (Date.now() > deadline) throw new Error(`relist: not every cache relisted: ${JSON.stringify(relists)}`);
    await sleep(100);
  }
  const relistSeconds = (performance.now() - thawed) / 1000;
  await idle(operator);
  const peakMiB = statusMiB(operator.pid, 'VmHWM');
  const after = await operator.memory();
  const sample = {
    crs,
    steadyMiB: steady.rssMiB,
    peakMiB,
    afterMiB: after.rssMiB,
    steadyHeapMiB: steady.heapUsedMiB,
    afterHeapMiB: after.heapUsedMiB,
    cachedObjects,
    relists,
    relistSeconds,
  };
  log(`relist: ${JSON.stringify(sample)}`);
  return sample;
}

/**
 * The peak RSS of a relist at SIZED_FOR MicroServices, extrapolated linearly from the two runs:
 * peak(0) + SIZED_FOR × (peak(N) − peak(0)) ÷ N. Also the cost of one MicroService, in KiB.
 */
export function extrapolatedPeak(empty: RelistSample, full: RelistSample): { perCrKiB: number; peakMiB: number } {
  const perCrKiB = ((full.peakMiB - empty.peakMiB) * 1024) / full.crs;
  return { perCrKiB, peakMiB: empty.peakMiB + (SIZED_FOR * perCrKiB) / 1024 };
}

/** The headroom the chart's memory limit keeps over the extrapolated peak: the peak ≤ this × limit. */
export const HEADROOM = 0.8;

/** The rows: steady, peak and after at N, and the per-MicroService cost with the limit it implies. */
export function relistRows(
  empty: RelistSample,
  full: RelistSample,
  chartLimitMiB: number,
  options: { extrapolate: boolean },
): Row[] {
  const n = full.crs;
  const { perCrKiB, peakMiB: extrapolated } = extrapolatedPeak(empty, full);
  /** A measure against the same operator's RSS after GC before the relist. */
  const vsSteady = (measure: string, value: number, sample: RelistSample, target: string): Row => ({
    measure,
    value,
    unit: 'MiB',
    baseline: { what: 'RSS after GC before the relist', value: sample.steadyMiB },
    ratio: value / sample.steadyMiB,
    ratioLabel: '× steady state',
    target,
  });
  const measured: Row[] = [
    {
      ...vsSteady(
        `operator peak RSS during a forced relist of every cache (410 Gone), ${n} CRs (${full.cachedObjects} objects cached) vs steady state`,
        full.peakMiB,
        full,
        'informational (the chart limit is sized from it, below)',
      ),
      note: `every cache relisted in ${full.relistSeconds.toFixed(1)} s`,
    },
    {
      measure: `operator V8 heap used after GC once the relist is over, ${n} CRs`,
      value: full.afterHeapMiB,
      unit: 'MiB',
      baseline: { what: 'heap used after GC before the relist', value: full.steadyHeapMiB },
      ratio: full.afterHeapMiB / full.steadyHeapMiB,
      ratioLabel: '× steady state',
      target: '≤ 1.1 × steady state (nothing of the old cache kept)',
      met: full.afterHeapMiB / full.steadyHeapMiB <= 1.1,
    },
    vsSteady(
      `operator RSS after GC once the relist is over, ${n} CRs`,
      full.afterMiB,
      full,
      'informational (V8 keeps the pages its heap grew to)',
    ),
    vsSteady(
      'operator peak RSS during a forced relist, no MicroService (the fixed cost)',
      empty.peakMiB,
      empty,
      'informational',
    ),
  ];
  // From a few dozen MicroServices (quick mode) the difference is within the noise of one GC.
  if (!options.extrapolate) return measured;
  return [
    ...measured,
    {
      measure: `peak RSS per MicroService and its children at a relist: (peak at ${n} − peak at 0) ÷ ${n}`,
      value: Math.round(perCrKiB * 10) / 10,
      unit: 'KiB',
      target: 'informational',
    },
    {
      measure: `peak RSS at a relist extrapolated to ${SIZED_FOR.toLocaleString('en')} CRs: peak at 0 + ${SIZED_FOR.toLocaleString('en')} × per-CR`,
      value: Math.round(extrapolated),
      unit: 'MiB',
      baseline: { what: 'chart default memory limit', value: chartLimitMiB },
      ratio: extrapolated / chartLimitMiB,
      ratioLabel: '× chart limit',
      target: `≤ ${HEADROOM} × chart limit (headroom)`,
      met: extrapolated / chartLimitMiB <= HEADROOM,
    },
  ];
}

/** The chart's default memory limit in MiB (values.yaml resources.limits.memory). */
export function chartMemoryLimitMiB(valuesYaml: string): number {
  const values = parse(valuesYaml) as { resources?: { limits?: { memory?: string } } };
  const limit = values.resources?.limits?.memory ?? '';
  const m = /^(\d+)(Mi|Gi)$/.exec(limit);
  if (!m)
    throw new Error(`charts/microservice-operator/values.yaml resources.limits.memory: ${limit} is not NMi or NGi`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

export async function main(argv = process.argv.slice(2)): Promise<string> {
  const flags = parseFlags(argv);
  const n = flags.get('n', flags.quick ? 50 : 1000);
  const nodes = flags.get('nodes', flags.quick ? 3 : 12);
  const nodeArgs = chartNodeFlags();
  const env = await setUpCluster({ nodes, reuse: argv.includes('--reuse') });
  try {
    const prefix = `r${Date.now().toString(36).slice(-4)}`;
    // No MicroService yet: the fixed cost (its namespaces exist, empty).
    await createNamespaces(env.kubeconfig, prefix);
    const bare = await startBenchOperator(env, {
      resyncSeconds: 600,
      tag: `${prefix}-empty`,
      nodeArgs,
      leaderElect: false,
    });
    let empty: RelistSample;
    try {
      empty = await forcedRelist(env, bare, 0);
    } finally {
      await bare.stop();
    }
    const { operator } = await convergeOnce(env, 'operator', n, prefix, {
      resyncSeconds: 600,
      keep: true,
      nodeArgs,
      leaderElect: false,
    });
    if (!operator) throw new Error('relist: converge kept no operator');
    let full: RelistSample;
    try {
      full = await forcedRelist(env, operator, n);
    } finally {
      await operator.stop();
    }
    const limit = chartMemoryLimitMiB(readFileSync(join(repoRoot, 'charts/microservice-operator/values.yaml'), 'utf8'));
    const rows = relistRows(empty, full, limit, { extrapolate: !flags.quick });
    return await writeResult({
      name: 'relist',
      title: 'Operator memory during a forced relist',
      quick: flags.quick,
      inputs: {
        operatorNodeFlags: [...imageRuntime().nodeFlags, ...nodeArgs].join(' '),
        crs: n,
        childrenPerCr: 3,
        podsPerCr: 1,
        forcedBy: 'SIGSTOP, etcd compact, kube-apiserver restart, SIGCONT (410 Gone on every watch)',
        sizedFor: SIZED_FOR,
      },
      repeats: 1,
      rows: flags.quick ? rows.map((r) => ({ ...r, met: undefined })) : rows,
      data: { empty, full, chartLimitMiB: limit },
    });
  } finally {
    if (!argv.includes('--keep')) await tearDownCluster();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) log(`wrote ${await main()}`);
