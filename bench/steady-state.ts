/**
 * Steady state with N MicroServices converged: for `window` seconds nothing changes, while the
 * operator keeps resyncing every MicroService every `resync` seconds (each resync reconciles every
 * key). Measured from outside the operator:
 *   - apiserver_request_total by verb and resource, before/after (every client of the API server);
 *   - the audit log (writes only), by user: the operator runs as its own ServiceAccount, so its
 *     writes are told apart from kube-controller-manager's, the scheduler's and kwok's, and its
 *     Lease renewals are reported separately;
 *   - controller_runtime_reconcile_total from the operator's /metrics, for requests per reconcile.
 */
import {
  auditMark,
  auditWritesSince,
  type BenchCluster,
  countBy,
  deltaTotals,
  MUTATING,
  OPERATOR_USER,
  type OperatorHandle,
  requestTotals,
  watchAll,
} from './cluster-env.ts';
import { log, type Row } from './harness.ts';

const OUR_RESOURCES = [
  'deployments',
  'services',
  'serviceaccounts',
  'horizontalpodautoscalers',
  'poddisruptionbudgets',
  'microservices',
  'microservices/status',
  'events',
];

/** Resolves once no Deployment or MicroService watch event has arrived for `settleSeconds` (at most 10 minutes). */
export async function quiet(env: BenchCluster, settleSeconds: number): Promise<void> {
  let last = performance.now();
  const touch = () => {
    last = performance.now();
  };
  const stops = [
    await watchAll(env.rest, 'apps/v1', 'Deployment', touch),
    await watchAll(env.rest, 'msvc.dev/v1alpha1', 'MicroService', touch),
  ];
  const deadline = performance.now() + 600_000;
  while (performance.now() - last < settleSeconds * 1000 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const stop of stops) stop();
}

export async function steadyState(
  env: BenchCluster,
  operator: OperatorHandle,
  options: { n: number; windowSeconds: number; resyncSeconds: number; settleSeconds?: number },
): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  // Start once nothing has changed for a while: no Deployment or MicroService event for
  // `settleSeconds` (rollouts and the last statuses of convergence done), at most 10 minutes.
  await quiet(env, options.settleSeconds ?? 30);
  const mark = auditMark(env.cluster);
  const before = await requestTotals(env.kubeconfig);
  const reconcilesBefore = await operator.metric('controller_runtime_reconcile_total');
  log(`steady-state: watching for ${options.windowSeconds}s (resync every ${options.resyncSeconds}s)`);
  await new Promise((r) => setTimeout(r, options.windowSeconds * 1000));
  const reconciles = (await operator.metric('controller_runtime_reconcile_total')) - reconcilesBefore;
  const after = await requestTotals(env.kubeconfig);
  const delta = deltaTotals(before, after);
  const writes = auditWritesSince(env.cluster, mark);
  const ours = writes.filter((w) => w.user === OPERATOR_USER);
  const ourLeases = ours.filter((w) => w.resource === 'leases');
  const ourOther = ours.filter((w) => w.resource !== 'leases');
  const everyoneByUser = countBy(writes, (w) => `${w.user} ${w.verb} ${w.resource}`);
  const mutatingOurResources = Object.entries(delta)
    .filter(([k]) => MUTATING.includes(k.split(' ')[0]!) && OUR_RESOURCES.includes(k.split(' ')[1]!))
    .reduce((sum, [, v]) => sum + v, 0);
  const readsOurResources = Object.entries(delta)
    .filter(([k]) => ['GET', 'LIST'].includes(k.split(' ')[0]!) && OUR_RESOURCES.includes(k.split(' ')[1]!))
    .reduce((sum, [, v]) => sum + v, 0);
  log(
    `steady-state: ${reconciles} reconciles, operator writes ${ourOther.length} (+${ourLeases.length} lease), all-client mutating on our resources ${mutatingOurResources}`,
  );
  const window = `${options.windowSeconds}s window`;
  return {
    raw: {
      reconciles,
      apiserverRequestDelta: delta,
      operatorWrites: countBy(ourOther, (w) => `${w.verb} ${w.resource}`),
      operatorLeaseWrites: countBy(ourLeases, (w) => `${w.verb} ${w.resource}`),
      auditWritesByUser: everyoneByUser,
    },
    rows: [
      {
        measure: `operator mutating requests at steady state, ${options.n} CRs, ${window} (audit log, operator's user; Lease excluded)`,
        value: ourOther.length,
        unit: 'requests',
        target: '0',
        met: ourOther.length === 0,
        note: `by verb/resource: ${JSON.stringify(countBy(ourOther, (w) => `${w.verb} ${w.resource}`))}`,
      },
      {
        measure: `all clients' mutating requests on deployments/services/serviceaccounts/hpa/pdb/microservices/events (apiserver_request_total delta, ${window})`,
        value: mutatingOurResources,
        unit: 'requests',
        target: 'informational (includes other controllers)',
      },
      {
        measure: `operator Lease renewals (${window})`,
        value: ourLeases.length,
        unit: 'requests',
        target: 'reported separately',
        note: `every ${window} / retry period 2s ≈ ${Math.round(options.windowSeconds / 2)}`,
      },
      {
        measure: `requests per reconcile of an unchanged CR (resync every ${options.resyncSeconds}s: ${reconciles} reconciles)`,
        value: reconciles > 0 ? ourOther.length / reconciles : Number.NaN,
        unit: 'writes/reconcile',
        target: '0 writes',
        met: reconciles > 0 && ourOther.length === 0,
        note: `reads (GET/LIST of those resources, all clients) per reconcile: ${reconciles > 0 ? (readsOurResources / reconciles).toFixed(3) : 'n/a'}`,
      },
    ],
  };
}

/**
 * Standalone: the steady-state window on a cluster that already holds converged MicroServices
 * (e.g. left by `bench/memory.ts --keep`): starts the operator, waits until nothing has changed for
 * `settle` seconds (no Deployment or MicroService watch event), then measures.
 *
 *   MSVC_BENCH_CLUSTER=NAME npx node bench/steady-state.ts [--window 600] [--resync 60] [--settle 30]
 *                                                          [--build DIR] [--keep]
 */
export async function main(argv = process.argv.slice(2)): Promise<string> {
  const { parseFlags, writeResult } = await import('./harness.ts');
  const env = await import('./cluster-env.ts');
  const flags = parseFlags(argv);
  const windowSeconds = flags.get('window', 600);
  const resyncSeconds = flags.get('resync', 60);
  const settleSeconds = flags.get('settle', 30);
  const build = flags.str('build', '');
  const cluster = await env.setUpCluster({ nodes: 12, reuse: true });
  try {
    const list = await cluster.rest.request<{ items: unknown[] }>({
      method: 'GET',
      path: '/apis/msvc.dev/v1alpha1/microservices',
    });
    const n = list.items.length;
    const operator = await env.startBenchOperator(cluster, {
      resyncSeconds,
      tag: 'steady',
      ...(build ? { build } : {}),
    });
    try {
      const st = await steadyState(cluster, operator, { n, windowSeconds, resyncSeconds, settleSeconds });
      return await writeResult({
        quick: false,
        repeats: 1,
        name: 'steady-state',
        title: 'Steady-state requests',
        inputs: { crs: n, windowSeconds, resyncSeconds, leaderElection: true, settledSeconds: settleSeconds },
        rows: st.rows,
        data: st.raw,
      });
    } finally {
      await operator.stop();
    }
  } finally {
    if (!argv.includes('--keep')) await env.tearDownCluster();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) log(`wrote ${await main()}`);
