/**
 * Convergence of N new services, operator against the API server's own limit.
 *
 *   operator  the operator is running, leading and synced; `kubectl apply --server-side` of the N
 *             MicroServices starts the clock; it stops when every MicroService has Ready=True for its
 *             generation (children applied, Deployment available, its pod Ready under kwok).
 *   baseline  no operator; `kubectl apply --server-side` of the objects `msvc render` produced for
 *             the same N services starts the clock; it stops when every Deployment is available
 *             (the same thing Ready=True waits for, minus our status write).
 * Same N, same namespace layout (bench/specs.ts: 10 namespaces, fresh ones per run), same control
 * plane, runs interleaved (baseline, operator, baseline, …); each run's namespaces are deleted and
 * gone before the next starts. Times come from watch events (arrival at this process).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubectl } from '../test/e2e/cluster.ts';
import {
  type BenchCluster,
  createNamespaces,
  deleteNamespaces,
  type OperatorHandle,
  startBenchOperator,
  watchAll,
} from './cluster-env.ts';
import { ensureBuild, log, type Row, spread } from './harness.ts';
import { microServiceResource, namespaceOf, type ServiceSpec, services, writeMicroServices } from './specs.ts';

export interface ConvergeRun {
  readonly mode: 'operator' | 'kubectl';
  readonly n: number;
  /** kubectl apply returned. */
  readonly applySeconds: number;
  /** every Deployment exists (seen by the watch). */
  readonly childrenSeconds: number;
  /** every Deployment available. */
  readonly availableSeconds: number;
  /** operator: every MicroService Ready=True for its generation; kubectl: = availableSeconds. */
  readonly readySeconds: number;
}

interface DeploymentView {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; availableReplicas?: number; updatedReplicas?: number };
}
interface MicroServiceView {
  metadata?: { generation?: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

function deploymentAvailable(object: unknown): boolean {
  const d = object as DeploymentView;
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (s.availableReplicas ?? 0) >= want &&
    (s.updatedReplicas ?? 0) >= want
  );
}

export function microServiceReady(object: unknown): boolean {
  const ms = object as MicroServiceView;
  const s = ms.status ?? {};
  return (
    s.observedGeneration === ms.metadata?.generation &&
    (s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The rendered objects of the services (what `msvc render` prints), namespaced under prefix. */
function renderedStream(list: readonly ServiceSpec[], prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'msvc-bench-converge-'));
  try {
    writeMicroServices(dir, list, prefix);
    const out = spawnSync(process.execPath, [join(ensureBuild(), 'cli/main.js'), 'render', '-f', dir], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (out.status !== 0) throw new Error(`msvc render failed: ${out.stderr}`);
    return out.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function convergeOnce(
  env: BenchCluster,
  mode: 'operator' | 'kubectl',
  n: number,
  prefix: string,
  options: {
    concurrency?: number;
    nodeArgs?: readonly string[];
    resyncSeconds: number;
    keep: boolean;
    /** A compiled tree holding the operator (see operatorEntry; default: this checkout). */
    build?: string;
    /** @see startBenchOperator */
    leaderElect?: boolean;
    /**
     * Run the operator as this many replicas of one ring (--sharding), all started and in the ring
     * before the clock starts; 1 or undefined: one replica with leader election, as before.
     */
    shards?: number;
    /** The shards' Lease duration (--lease-duration). */
    leaseDurationSeconds?: number;
  },
): Promise<{ run: ConvergeRun; operator?: OperatorHandle; operators?: OperatorHandle[] }> {
  const list = services(n);
  const input =
    mode === 'operator'
      ? list.map((s) => stringify(microServiceResource(s, namespaceOf(prefix, s)))).join('---\n')
      : renderedStream(list, prefix);
  await createNamespaces(env.kubeconfig, prefix);
  const shards = options.shards ?? 1;
  const startOne = (shard?: number) =>
    startBenchOperator(env, {
      resyncSeconds: options.resyncSeconds,
      tag: shard === undefined ? prefix : `${prefix}-shard-${shard}`,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
      ...(options.build ? { build: options.build } : {}),
      ...(options.leaderElect === false ? { leaderElect: false } : {}),
      ...(shard === undefined
        ? {}
        : {
            shard: {
              ring: shardRing(prefix),
              identity: shardIdentity(prefix, shard),
              ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
            },
          }),
    });
  const operators =
    mode !== 'operator'
      ? []
      : shards > 1
        ? await Promise.all(Array.from({ length: shards }, (_, i) => startOne(i)))
        : [await startOne()];
  const operator = operators[0];
  const mine = (ns: string) => ns.startsWith(`${prefix}-`);
  const seen = new Map<string, number>();
  const available = new Map<string, number>();
  const ready = new Map<string, number>();
  const stops = [
    await watchAll(env.rest, 'apps/v1', 'Deployment', (e) => {
      if (!mine(e.namespace)) return;
      const key = `${e.namespace}/${e.name}`;
      if (!seen.has(key)) seen.set(key, e.at);
      if (!available.has(key) && deploymentAvailable(e.object)) available.set(key, e.at);
    }),
  ];
  if (mode === 'operator') {
    stops.push(
      await watchAll(env.rest, 'msvc.dev/v1alpha1', 'MicroService', (e) => {
        if (!mine(e.namespace)) return;
        const key = `${e.namespace}/${e.name}`;
        if (!ready.has(key) && microServiceReady(e.object)) ready.set(key, e.at);
      }),
    );
  }
  const done = mode === 'operator' ? ready : available;
  log(`converge: ${mode}${shards > 1 ? ` (${shards} shards)` : ''} N=${n} in ${prefix}-*: applying`);
  const t0 = performance.now();
  await kubectl(env.kubeconfig, ['apply', '--server-side', '--field-manager=bench', '-f', '-'], { input });
  const applyDone = performance.now();
  // 30 minutes, or 0.3 s per service past 6,000 (10,000: 50 minutes).
  const deadline = Date.now() + Math.max(30 * 60_000, n * 300);
  let lastLog = Date.now();
  while (done.size < n || available.size < n) {
    if (Date.now() > deadline) throw new Error(`converge ${mode} N=${n}: timed out (${done.size}/${n} done)`);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`converge: ${mode} N=${n}: ${seen.size} deployments, ${available.size} available, ${ready.size} ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const stop of stops) stop();
  const last = (m: Map<string, number>) => (Math.max(...m.values()) - t0) / 1000;
  const run: ConvergeRun = {
    mode,
    n,
    applySeconds: (applyDone - t0) / 1000,
    childrenSeconds: last(seen),
    availableSeconds: last(available),
    readySeconds: last(done),
  };
  log(
    `converge: ${mode} N=${n}: apply ${run.applySeconds.toFixed(1)}s, children ${run.childrenSeconds.toFixed(1)}s, available ${run.availableSeconds.toFixed(1)}s, done ${run.readySeconds.toFixed(1)}s`,
  );
  if (options.keep) return operator ? { run, operator, operators } : { run };
  await Promise.all(operators.map((op) => op.stop()));
  await deleteNamespaces(env.kubeconfig, prefix);
  return { run };
}

/** The ring of a sharded run (its Leases' label) and the name of its i-th replica. */
export function shardRing(prefix: string): string {
  return `bench-${prefix}`;
}
export function shardIdentity(prefix: string, i: number): string {
  return `${prefix}-shard-${i}`;
}

/**
 * Runs `repeats` interleaved pairs per N. The last operator run at the largest N is kept (its
 * operator running, its MicroServices in place) for the benchmarks that need N CRs present.
 */
export interface ConvergeVariant {
  /** e.g. "before: --concurrency 4 (the old default)" */
  readonly label: string;
  readonly concurrency: number;
  /** The N at which to run it as well (it costs a full operator run each). */
  readonly ns: readonly number[];
}

export async function converge(
  env: BenchCluster,
  options: {
    ns: readonly number[];
    /** Repeats per N, same order as ns. */
    repeats: readonly number[];
    concurrency?: number;
    nodeArgs?: readonly string[];
    resyncSeconds: number;
    runId: string;
    variant?: ConvergeVariant;
  },
): Promise<{
  rows: Row[];
  runs: (ConvergeRun & { variant?: string })[];
  history: { label: string; rows: Row[] }[];
  kept: { operator: OperatorHandle; prefix: string; n: number };
}> {
  const runs: (ConvergeRun & { variant?: string })[] = [];
  const rows: Row[] = [];
  const variantRows: Row[] = [];
  let kept: { operator: OperatorHandle; prefix: string; n: number } | undefined;
  const largest = Math.max(...options.ns);
  for (const [i, n] of options.ns.entries()) {
    const repeats = options.repeats[i] ?? options.repeats.at(-1) ?? 1;
    const variant = options.variant?.ns.includes(n) ? options.variant : undefined;
    for (let r = 0; r < repeats; r++) {
      const base = `b${options.runId}-${n}-${r}`;
      runs.push((await convergeOnce(env, 'kubectl', n, `${base}k`, { ...options, keep: false })).run);
      if (variant) {
        const v = await convergeOnce(env, 'operator', n, `${base}v`, {
          ...options,
          concurrency: variant.concurrency,
          keep: false,
        });
        runs.push({ ...v.run, variant: variant.label });
      }
      const keep = n === largest && r === repeats - 1;
      const result = await convergeOnce(env, 'operator', n, `${base}o`, { ...options, keep });
      runs.push(result.run);
      if (keep && result.operator) kept = { operator: result.operator, prefix: `${base}o`, n };
    }
    const ours = runs.filter((x) => x.n === n && x.mode === 'operator' && !x.variant);
    const theirs = runs.filter((x) => x.n === n && x.mode === 'kubectl');
    if (variant) {
      const v = spread(runs.filter((x) => x.n === n && x.variant).map((x) => x.readySeconds));
      const b = spread(theirs.map((x) => x.readySeconds));
      variantRows.push({
        measure: `converge N=${n} (${variant.label})`,
        value: v,
        unit: 's',
        baseline: { what: 'kubectl apply --server-side', value: b },
        ratio: v.median / b.median,
        ratioLabel: '× baseline',
        target: '≤ 1.3 × baseline',
        met: v.median / b.median <= 1.3,
      });
    }
    const oursReady = spread(ours.map((x) => x.readySeconds));
    const theirsReady = spread(theirs.map((x) => x.readySeconds));
    const ratio = oursReady.median / theirsReady.median;
    rows.push({
      measure: `converge N=${n}: MicroServices Ready vs kubectl apply --server-side of the rendered objects until Deployments available`,
      value: oursReady,
      unit: 's',
      baseline: { what: 'kubectl apply --server-side', value: theirsReady },
      ratio,
      ratioLabel: '× baseline',
      target: '≤ 1.3 × baseline',
      met: ratio <= 1.3,
    });
    const oursChildren = spread(ours.map((x) => x.childrenSeconds));
    const theirsApply = spread(theirs.map((x) => x.childrenSeconds));
    rows.push({
      measure: `converge N=${n}: every Deployment created (operator) vs every Deployment created (kubectl)`,
      value: oursChildren,
      unit: 's',
      baseline: { what: 'kubectl apply --server-side', value: theirsApply },
      ratio: oursChildren.median / theirsApply.median,
      ratioLabel: '× baseline',
      target: 'informational',
    });
  }
  if (!kept) throw new Error('converge: no operator run kept');
  const history = options.variant && variantRows.length ? [{ label: options.variant.label, rows: variantRows }] : [];
  return { rows, runs, history, kept };
}
