/**
 * Scale-out benchmark (issue #20 item 3): at each N, in one run on the local control plane,
 *
 *   converge    N new MicroServices with 1 replica (leader election, as today) against
 *               `kubectl apply --server-side` of the same rendered objects (bench/converge.ts), and,
 *               up to --shard-converge-max, the same with each shard count > 1 (--sharding);
 *   memory      operator RSS after GC (bench/memory.ts's probe) with 1 replica right after it
 *               converged the N, and restarted on the N converged; then with each shard count > 1
 *               started on the same N: the RSS of every replica, against the restarted single one;
 *   spec change → Deployment updated, p50/p99 with N present (bench/spec-change.ts), per shard count;
 *   steady      mutating requests over a window, Lease renewals apart (bench/steady-state.ts's
 *               audit-log method), 1 replica, at the largest N;
 *   failover    with the largest shard count: one replica SIGKILLed, a spec change sent at once to a few
 *               of its MicroServices; the time until each is applied (target: lease duration + 5 s),
 *               and until every MicroService is reconciled by a live replica again (none lost).
 * The operator runs compiled with the image's Node flags only (JIT on, no --lite-mode: the chart's
 * default nodeFlags are not added). While each converge runs, the control plane's CPU and the API
 * server's mutating latency are sampled (cluster-env.ts sampleControlPlane): where the API server
 * saturates, that is the bound, shown beside the ratio.
 *
 *   node bench/scale.ts [--quick] [--n 10000] [--shards 1,3] [--baseline-max N] [--shard-converge-max N]
 *                       [--changes 100] [--window 600] [--resync 60] [--lease-duration 15]
 *                       [--failover-changes 5] [--controller-qps 100] [--nodes N] [--fresh 0|1] [--keep]
 *
 * Writes bench/results/scale-n<N>.json per N (quick: bench/results/quick/), the README.md table and
 * the charts (bench/charts.ts). --fresh 1 (the default outside --quick): every converge run on a
 * new cluster, so no run waits for the deletion of the previous one's N services. --keep goes last
 * (parseFlags reads the word after any other --flag as its value).
 */
import {
  type BenchCluster,
  type ControlPlaneLoad,
  deleteNamespaces,
  type OperatorHandle,
  sampleControlPlane,
  setUpCluster,
  startBenchOperator,
  tearDownCluster,
  watchAll,
} from './cluster-env.ts';
import { type ConvergeRun, convergeOnce, microServiceReady, shardIdentity, shardRing } from './converge.ts';
import { log, parseFlags, type Row, writeResult } from './harness.ts';
import { memory } from './memory.ts';
import { specChange } from './spec-change.ts';
import { quiet, steadyState } from './steady-state.ts';

type Memory = Awaited<ReturnType<OperatorHandle['memory']>> & { cachedObjects: number };

/**
 * What the rows and the charts (bench/charts.ts) are made of, one per N. Filled stage by stage and
 * written after each, so a run stopped half-way keeps what it measured.
 */
export interface ScaleData {
  n: number;
  converge: {
    kubectl?: ConvergeRun & { load: ControlPlaneLoad };
    /** By shard count ("1" = one replica with leader election). */
    operator: Record<string, ConvergeRun & { load: ControlPlaneLoad }>;
  };
  memory: {
    singleAfterConverge?: Memory;
    singleRestarted?: Memory;
    /** By shard count > 1: one sample per replica. */
    shards: Record<string, Memory[]>;
  };
  /** By shard count. */
  specChange: Record<string, { p50Ms: number; p99Ms: number; latenciesMs: number[] }>;
  steadyState?: Record<string, unknown>;
  failover?: FailoverResult;
  /** The stages not run (out of time, or a stage that failed: its error). */
  notDone?: string[];
}

export interface FailoverResult {
  readonly shards: number;
  readonly victim: string;
  readonly victimOwned: number;
  readonly leaseDurationSeconds: number;
  /** From the SIGKILL to the Deployment update of each spec change sent right after it. */
  readonly appliedSeconds: number[];
  /** From the SIGKILL until every MicroService is Ready for its generation, reconciled by a live replica. */
  readonly allReconciledSeconds: number;
  readonly microServices: number;
  readonly lost: number;
}

interface MicroServiceView {
  metadata: { namespace: string; name: string; generation?: number };
  status?: { reconciledBy?: string; observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

async function listMicroServices(env: BenchCluster, prefix: string): Promise<MicroServiceView[]> {
  const list = await env.rest.request<{ items: MicroServiceView[] }>({
    method: 'GET',
    path: '/apis/msvc.dev/v1alpha1/microservices',
  });
  return list.items.filter((m) => m.metadata.namespace.startsWith(`${prefix}-`));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the replicas together have reconciled at least n keys and nothing has changed for a while. */
async function settled(env: BenchCluster, operators: readonly OperatorHandle[], n: number): Promise<void> {
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const counts = await Promise.all(operators.map((op) => op.metric('controller_runtime_reconcile_total')));
    if (counts.reduce((a, b) => a + b, 0) >= n) break;
    if (Date.now() > deadline) throw new Error(`scale: the replicas reconciled ${counts.join('+')} of ${n} keys`);
    await sleep(500);
  }
  await quiet(env, 10);
}

/** Starts `count` replicas of one ring at once and waits until each is ready (in the ring, its slice synced). */
async function startShards(
  env: BenchCluster,
  prefix: string,
  count: number,
  options: { resyncSeconds: number; nodeArgs: readonly string[]; leaseDurationSeconds: number },
): Promise<OperatorHandle[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startBenchOperator(env, {
        resyncSeconds: options.resyncSeconds,
        nodeArgs: options.nodeArgs,
        tag: `${prefix}-shard-${i}`,
        shard: {
          ring: shardRing(prefix),
          identity: shardIdentity(prefix, i),
          leaseDurationSeconds: options.leaseDurationSeconds,
        },
      }),
    ),
  );
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((op) => op.stop()));
    throw failed.reason;
  }
  // Every replica sees all of them before anything is measured.
  const deadline = Date.now() + 120_000;
  while ((await Promise.all(ok.map((op) => op.metric('msvc_shard_members')))).some((m) => m !== count)) {
    if (Date.now() > deadline) throw new Error(`scale: the ${count} replicas of ${shardRing(prefix)} never agreed`);
    await sleep(500);
  }
  return ok;
}

/**
 * SIGKILL the last replica, and at once send a spec change to up to `changes` MicroServices it
 * reconciled last (status.reconciledBy); each is applied only once a survivor has taken its range
 * (after the victim's Lease expired). Then waits until no MicroService is left behind.
 */
export async function failover(
  env: BenchCluster,
  operators: readonly OperatorHandle[],
  options: { prefix: string; ringPrefix: string; changes: number; leaseDurationSeconds: number; runId: string },
): Promise<FailoverResult> {
  const victimIndex = operators.length - 1;
  const victim = shardIdentity(options.ringPrefix, victimIndex);
  const live = new Set(operators.slice(0, victimIndex).map((_, i) => shardIdentity(options.ringPrefix, i)));
  const before = await listMicroServices(env, options.prefix);
  const owned = before.filter((m) => m.status?.reconciledBy === victim);
  if (owned.length === 0) throw new Error(`failover: ${victim} reconciled none of the ${before.length} MicroServices`);
  const targets = Array.from(
    { length: Math.min(options.changes, owned.length) },
    (_, i) => owned[Math.floor((i * owned.length) / Math.min(options.changes, owned.length))]!,
  );
  const value = `failover-${options.runId}`;
  const waiting = new Map<string, (at: number) => void>();
  const stop = await watchAll(env.rest, 'apps/v1', 'Deployment', (e) => {
    const containers =
      (e.object as { spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } })
        .spec?.template?.spec?.containers ?? [];
    if (containers[0]?.env?.find((x) => x.name === 'LOG_LEVEL')?.value !== value) return;
    waiting.get(`${e.namespace}/${e.name}`)?.(e.at);
  });
  const info = await env.rest.resource('msvc.dev/v1alpha1', 'MicroService');
  try {
    const arrivals = targets.map(
      (m) =>
        new Promise<number>((resolve, reject) => {
          waiting.set(`${m.metadata.namespace}/${m.metadata.name}`, resolve);
          setTimeout(
            () => reject(new Error(`failover: ${m.metadata.namespace}/${m.metadata.name} not applied in 5 min`)),
            300_000,
          ).unref();
        }),
    );
    log(`failover: SIGKILL ${victim} (reconciled ${owned.length} of ${before.length}); ${targets.length} spec changes`);
    const t0 = performance.now();
    await operators[victimIndex]!.kill('SIGKILL');
    await Promise.all(
      targets.map((m) =>
        env.rest.request({
          method: 'PATCH',
          path: env.rest.path(info, { namespace: m.metadata.namespace, name: m.metadata.name }),
          contentType: 'application/merge-patch+json',
          body: { spec: { env: [{ name: 'LOG_LEVEL', value }] } },
        }),
      ),
    );
    const appliedSeconds = (await Promise.all(arrivals)).map((at) => Math.round(at - t0) / 1000);
    log(`failover: applied after ${appliedSeconds.join(', ')} s`);
    // None lost: every MicroService Ready for its generation, last reconciled by a live replica.
    const deadline = Date.now() + 15 * 60_000;
    let items: MicroServiceView[] = [];
    let pending = Number.POSITIVE_INFINITY;
    while (pending > 0 && Date.now() < deadline) {
      items = await listMicroServices(env, options.prefix);
      pending = items.filter((m) => !(microServiceReady(m) && live.has(m.status?.reconciledBy ?? ''))).length;
      // A list of every MicroService is heavy at 10,000: poll less often there.
      if (pending > 0) await sleep(before.length > 1000 ? 5000 : 1000);
    }
    const allReconciledSeconds = Math.round(performance.now() - t0) / 1000;
    const lost = Math.max(pending, before.length - items.length);
    log(
      `failover: ${items.length - pending}/${before.length} reconciled by a live replica after ${allReconciledSeconds}s`,
    );
    return {
      shards: operators.length,
      victim,
      victimOwned: owned.length,
      leaseDurationSeconds: options.leaseDurationSeconds,
      appliedSeconds,
      allReconciledSeconds,
      microServices: before.length,
      lost,
    };
  } finally {
    stop();
  }
}

function loadNote(load: ControlPlaneLoad): string {
  const c = load.meanCores;
  const p = load.peakCores;
  return `kube-apiserver ${c['kube-apiserver'] ?? '?'} cores mean (peak ${p['kube-apiserver'] ?? '?'}), etcd ${c.etcd ?? '?'}, kube-controller-manager ${c['kube-controller-manager'] ?? '?'}; machine ${load.hostBusyCores} of ${load.cores} cores busy; API server mutating p99 ${Math.round(load.mutatingP99Seconds * 1000)} ms over ${load.mutatingRequests} requests`;
}

/** The rows of one N (pure: from the data alone, so a test can check them). */
export function scaleRows(d: ScaleData, options: { quick: boolean }): Row[] {
  const target = (met: boolean) => (options.quick ? undefined : met);
  const rows: Row[] = [];
  const single = d.converge.operator['1'];
  const kube = d.converge.kubectl;
  if (single && kube) {
    const ratio = single.readySeconds / kube.readySeconds;
    rows.push({
      measure: `converge N=${d.n}, 1 replica: MicroServices Ready vs kubectl apply --server-side of the rendered objects until Deployments available`,
      value: single.readySeconds,
      unit: 's',
      baseline: { what: 'kubectl apply --server-side', value: kube.readySeconds },
      ratio,
      ratioLabel: '× baseline',
      target: '≤ 1.1 × baseline',
      met: target(ratio <= 1.1),
    });
    rows.push({
      measure: `control plane during the kubectl apply run (N=${d.n})`,
      value: kube.load.meanCores['kube-apiserver'] ?? Number.NaN,
      unit: 'cores (kube-apiserver, mean)',
      target: 'informational: the bound',
      note: loadNote(kube.load),
    });
  } else if (kube) {
    rows.push({
      measure: `converge N=${d.n}: kubectl apply --server-side of the rendered objects until Deployments available (the operator run not done)`,
      value: kube.readySeconds,
      unit: 's',
      target: 'informational',
      note: loadNote(kube.load),
    });
  } else if (single) {
    rows.push({
      measure: `converge N=${d.n}, 1 replica: MicroServices Ready (no kubectl baseline at this N)`,
      value: single.readySeconds,
      unit: 's',
      target: 'informational',
    });
  }
  for (const [shards, run] of Object.entries(d.converge.operator)) {
    rows.push({
      measure: `control plane during the operator run (N=${d.n}, ${shards === '1' ? '1 replica' : `${shards} shards`})`,
      value: run.load.meanCores['kube-apiserver'] ?? Number.NaN,
      unit: 'cores (kube-apiserver, mean)',
      target: 'informational: the bound',
      note: loadNote(run.load),
    });
    if (shards === '1' || !single) continue;
    rows.push({
      measure: `converge N=${d.n}, ${shards} shards vs 1 replica`,
      value: run.readySeconds,
      unit: 's',
      baseline: { what: '1 replica', value: single.readySeconds },
      ratio: run.readySeconds / single.readySeconds,
      ratioLabel: '× 1 replica',
      target: 'informational',
    });
  }
  const m = d.memory;
  if (m.singleAfterConverge) {
    rows.push({
      measure: `operator RSS after GC, ${d.n} CRs + children + pods, 1 replica, JIT on (no --lite-mode), after converging them`,
      value: m.singleAfterConverge.rssMiB,
      unit: 'MiB',
      target: '≤ 300 MiB',
      met: target(m.singleAfterConverge.rssMiB <= 300),
      note: `heap used ${m.singleAfterConverge.heapUsedMiB} MiB, peak RSS ${m.singleAfterConverge.hwmMiB} MiB, ${m.singleAfterConverge.cachedObjects} objects cached`,
    });
  }
  const single1 = m.singleRestarted;
  if (single1) {
    rows.push({
      measure: `operator RSS after GC, ${d.n} CRs, 1 replica restarted on them (the shards' conditions)`,
      value: single1.rssMiB,
      unit: 'MiB',
      target: 'informational (the baseline of the shard rows)',
      note: `heap used ${single1.heapUsedMiB} MiB, peak RSS ${single1.hwmMiB} MiB, ${single1.cachedObjects} objects cached`,
    });
  }
  for (const [shards, samples] of Object.entries(m.shards)) {
    const worst = Math.max(...samples.map((s) => s.rssMiB));
    const each = samples.map((s) => `${s.rssMiB} MiB (heap ${s.heapUsedMiB}, ${s.cachedObjects} cached)`).join(', ');
    if (!single1) {
      rows.push({
        measure: `operator RSS after GC, ${d.n} CRs, ${shards} shards: the largest replica`,
        value: worst,
        unit: 'MiB',
        target: 'informational (no single-replica figure in this run)',
        note: `each: ${each}`,
      });
      continue;
    }
    const ratio = worst / single1.rssMiB;
    rows.push({
      measure: `operator RSS after GC, ${d.n} CRs, ${shards} shards: the largest replica`,
      value: worst,
      unit: 'MiB',
      baseline: { what: '1 replica restarted', value: single1.rssMiB },
      ratio,
      ratioLabel: '× 1 replica',
      target: '≤ 0.5 × 1 replica',
      met: target(ratio <= 0.5),
      note: `each: ${each}${m.singleAfterConverge ? `; ${(worst / m.singleAfterConverge.rssMiB).toFixed(2)} × the single replica after converge` : ''}`,
    });
  }
  for (const [shards, s] of Object.entries(d.specChange)) {
    const who = shards === '1' ? '1 replica' : `${shards} shards`;
    rows.push({
      measure: `spec change → Deployment updated, p50, ${d.n} CRs, ${who}`,
      value: s.p50Ms,
      unit: 'ms',
      target: 'informational',
      note: `${s.latenciesMs.length} sequential changes`,
    });
    rows.push({
      measure: `spec change → Deployment updated, p99, ${d.n} CRs, ${who}`,
      value: s.p99Ms,
      unit: 'ms',
      target: 'p99 < 1000 ms',
      met: target(s.p99Ms < 1000),
    });
  }
  const st = d.steadyState as { operatorWrites?: Record<string, number>; windowSeconds?: number } | undefined;
  if (st?.operatorWrites) {
    const writes = Object.values(st.operatorWrites).reduce((a, b) => a + b, 0);
    rows.push({
      measure: `operator mutating requests at steady state, ${d.n} CRs, 1 replica, ${st.windowSeconds}s window (audit log; Lease renewals excluded)`,
      value: writes,
      unit: 'requests',
      target: '0',
      met: target(writes === 0),
      note: `by verb/resource: ${JSON.stringify(st.operatorWrites)}`,
    });
  }
  const f = d.failover;
  if (f) {
    const worst = Math.max(...f.appliedSeconds);
    const bound = f.leaseDurationSeconds + 5;
    rows.push({
      measure: `failover, ${d.n} CRs, ${f.shards} shards: SIGKILL of one (it reconciled ${f.victimOwned}) → a spec change on its MicroServices applied (the slowest of ${f.appliedSeconds.length})`,
      value: worst,
      unit: 's',
      target: `≤ lease duration + 5 s = ${bound} s`,
      met: target(worst <= bound),
      note: `each: ${f.appliedSeconds.join(', ')} s`,
    });
    rows.push({
      measure: `failover: MicroServices not Ready or not reconciled by a live replica afterwards (of ${f.microServices}; all done ${f.allReconciledSeconds} s after the SIGKILL)`,
      value: f.lost,
      unit: 'MicroServices',
      target: '0',
      met: options.quick ? undefined : f.lost === 0,
    });
  }
  return rows;
}

export async function main(argv = process.argv.slice(2)): Promise<string[]> {
  const flags = parseFlags(argv);
  const quick = flags.quick;
  const list = (name: string, fallback: string) =>
    flags
      .str(name, fallback)
      .split(',')
      .filter(Boolean)
      .map(Number)
      .sort((a, b) => a - b);
  const ns = list('n', quick ? '30' : '10000');
  const shardCounts = list('shards', '1,3');
  const shardsAbove1 = shardCounts.filter((s) => s > 1);
  const baselineMax = flags.get('baseline-max', Number.POSITIVE_INFINITY);
  const shardConvergeMax = flags.get('shard-converge-max', Number.POSITIVE_INFINITY);
  const changes = flags.get('changes', quick ? 5 : 100);
  const windowSeconds = flags.get('window', quick ? 10 : 600);
  const resyncSeconds = flags.get('resync', quick ? 5 : 60);
  const leaseDurationSeconds = flags.get('lease-duration', 15);
  const failoverChanges = flags.get('failover-changes', quick ? 3 : 5);
  // kube-controller-manager's and kube-scheduler's client QPS (defaults 20 and 50): at 10,000
  // Deployments they, not the API server or the operator, would set the pace of both runs.
  const controllerQps = flags.get('controller-qps', quick ? 0 : 100);
  const fresh = flags.str('fresh', quick ? '0' : '1') !== '0';
  const keepCluster = argv.includes('--keep');
  // No --lite-mode: the image's flags only (startBenchOperator adds --max-semi-space-size=1).
  const nodeArgs: string[] = [];
  const kwokctlArgs = controllerQps
    ? [
        `--extra-args kube-controller-manager=kube-api-qps=${controllerQps}`,
        `--extra-args kube-controller-manager=kube-api-burst=${controllerQps * 2}`,
        `--extra-args kube-scheduler=kube-api-qps=${controllerQps}`,
        `--extra-args kube-scheduler=kube-api-burst=${controllerQps * 2}`,
      ]
    : [];
  const runId = Date.now().toString(36).slice(-4);
  const paths: string[] = [];
  let env: BenchCluster | undefined;
  // kwok nodes hold 110 pods each: one pod per service, room for one run at a time (+ slack).
  const cluster = async (n: number, reason: string): Promise<BenchCluster> => {
    if (env && !fresh) return env;
    if (env) await tearDownCluster();
    const nodes = flags.get('nodes', Math.max(3, Math.ceil(n / 100) + 2));
    log(`scale: cluster for ${reason} (${nodes} kwok nodes)`);
    env = await setUpCluster({ nodes, reuse: false, kwokctlArgs });
    return env;
  };
  const sampled = async <T>(e: BenchCluster, fn: () => Promise<T>): Promise<{ value: T; load: ControlPlaneLoad }> => {
    const stop = await sampleControlPlane(e);
    const value = await fn();
    return { value, load: await stop() };
  };
  try {
    for (const n of ns) {
      const base = `s${runId}-${n}`;
      const prefix = `${base}o`;
      const d: ScaleData = { n, converge: { operator: {} }, memory: { shards: {} }, specChange: {}, notDone: [] };
      const inputs = {
        n,
        shards: shardCounts,
        operatorNodeFlags: '--max-semi-space-size=1 (the image; JIT on, no --lite-mode)',
        replicasPerService: 1,
        namespaces: 10,
        controllerQps: controllerQps || 'kwokctl default (20 kube-controller-manager, 50 kube-scheduler)',
        freshClusterPerConverge: fresh,
        changes,
        windowSeconds,
        resyncSeconds,
        leaseDurationSeconds,
      };
      let path = '';
      const save = async () => {
        path = await writeResult({
          name: `scale-n${n}`,
          title: `Scale-out at N=${n}`,
          quick,
          repeats: 1,
          inputs: { ...inputs, ...(d.notDone?.length ? { notMeasured: d.notDone.join('; ') } : {}) },
          rows: scaleRows(d, { quick }),
          data: d as unknown as Record<string, unknown>,
        });
      };
      const specRecord = (s: Awaited<ReturnType<typeof specChange>>) => ({
        p50Ms: Math.round(s.rows[0]!.value as number),
        p99Ms: Math.round(s.rows[1]!.value as number),
        latenciesMs: s.latenciesMs.map(Math.round),
      });
      if (n <= baselineMax) {
        const e = await cluster(n, `kubectl apply, N=${n}`);
        // keep on a fresh cluster (it is deleted as a whole); otherwise convergeOnce deletes the namespaces.
        const { value, load } = await sampled(e, () =>
          convergeOnce(e, 'kubectl', n, `${base}k`, { resyncSeconds, keep: fresh }),
        );
        d.converge.kubectl = { ...value.run, load };
        await save();
      } else d.notDone?.push(`kubectl baseline (N > --baseline-max ${baselineMax})`);
      const e = await cluster(n, `operator, N=${n}`);
      const { value: single, load } = await sampled(e, () =>
        convergeOnce(e, 'operator', n, prefix, { resyncSeconds, nodeArgs, keep: true }),
      );
      d.converge.operator['1'] = { ...single.run, load };
      const op = single.operator!;
      try {
        d.memory.singleAfterConverge = (await memory(op, n)).raw as Memory;
        await save();
        // Before any spec change, whose rollouts would keep the operator busy (as bench/cluster.ts).
        if (n === ns.at(-1) && windowSeconds > 0) {
          const st = await steadyState(e, op, { n, windowSeconds, resyncSeconds });
          d.steadyState = { ...st.raw, windowSeconds, resyncSeconds };
          await save();
        }
        d.specChange['1'] = specRecord(await specChange(e, { prefix, n, changes, runId: `${runId}a` }));
        await save();
      } finally {
        await op.stop();
      }
      // The same N, one replica started on them: the conditions the shards below start in.
      const restarted = await startBenchOperator(e, { resyncSeconds, nodeArgs, tag: `${prefix}-restarted` });
      try {
        await settled(e, [restarted], n);
        d.memory.singleRestarted = (await memory(restarted, n)).raw as Memory;
        await save();
      } finally {
        await restarted.stop();
      }
      for (const count of shardsAbove1) {
        const ringPrefix = `${prefix}${count}`;
        const operators = await startShards(e, ringPrefix, count, { resyncSeconds, nodeArgs, leaseDurationSeconds });
        try {
          await settled(e, operators, n);
          const samples: Memory[] = [];
          for (const shard of operators) samples.push((await memory(shard, n)).raw as Memory);
          d.memory.shards[String(count)] = samples;
          await save();
          d.specChange[String(count)] = specRecord(
            await specChange(e, { prefix, n, changes, runId: `${runId}${count}` }),
          );
          await save();
          if (count === shardsAbove1.at(-1)) {
            d.failover = await failover(e, operators, {
              prefix,
              ringPrefix,
              changes: failoverChanges,
              leaseDurationSeconds,
              runId,
            });
            await save();
          }
        } finally {
          await Promise.all(operators.map((o) => o.stop()));
        }
      }
      // Converge from scratch with each shard count, up to --shard-converge-max.
      for (const count of shardsAbove1) {
        if (n > shardConvergeMax) {
          d.notDone?.push(`converge with ${count} shards (N > --shard-converge-max ${shardConvergeMax})`);
          continue;
        }
        if (!fresh) await deleteNamespaces(e.kubeconfig, prefix);
        const ec = await cluster(n, `${count} shards, N=${n}`);
        const { value, load } = await sampled(ec, () =>
          convergeOnce(ec, 'operator', n, `${base}c${count}`, {
            resyncSeconds,
            nodeArgs,
            keep: false,
            shards: count,
            leaseDurationSeconds,
          }),
        );
        d.converge.operator[String(count)] = { ...value.run, load };
      }
      await save();
      paths.push(path);
    }
    return paths;
  } finally {
    if (env && !keepCluster) await tearDownCluster();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of await main()) log(`wrote ${path}`);
}
