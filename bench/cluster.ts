/**
 * The cluster benchmarks, in one run on one control plane (cluster `msvc-bench`, or
 * $MSVC_BENCH_CLUSTER): convergence at each N (bench/converge.ts), then with the largest N in place
 * operator memory (bench/memory.ts), the steady-state write count (bench/steady-state.ts; before any
 * spec change, whose rollouts would keep the operator busy) and spec-change latency
 * (bench/spec-change.ts). The cluster is deleted at the end unless --keep.
 *
 *   npx node bench/cluster.ts [--quick] [--n 100,1000] [--repeats 3,2] [--window 600] [--resync 60]
 *                             [--changes 100] [--nodes 12] [--concurrency N] [--keep] [--reuse]
 *                             [--before-concurrency 4 [--before-ns 100]]
 *                             [--operator-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * The operator runs compiled with the image's Node flags plus the chart's default nodeFlags
 * (--lite-mode), as the chart installs it; --operator-node-args replaces the chart's flags.
 *
 * Each service has 1 replica, so N services mean N kwok pods; kwok nodes hold 110 pods each, so the
 * default 12 nodes fit two runs of 1,000 side by side.
 */
import { type BenchCluster, chartNodeFlags, imageRuntime, setUpCluster, tearDownCluster } from './cluster-env.ts';
import { converge } from './converge.ts';
import { log, parseFlags, writeResult } from './harness.ts';
import { memory } from './memory.ts';
import { specChange } from './spec-change.ts';
import { steadyState } from './steady-state.ts';

export async function main(argv = process.argv.slice(2)): Promise<string[]> {
  const flags = parseFlags(argv);
  const quick = flags.quick;
  const ns = flags
    .str('n', quick ? '50' : '100,1000')
    .split(',')
    .map(Number);
  // Repeats per N (a list, or one number for all): 1,000-service runs take minutes each.
  const repeatsList = flags
    .str('repeats', quick ? '1' : '3,2')
    .split(',')
    .map(Number);
  const repeats = Math.max(...repeatsList);
  // --before-concurrency C: also run the operator with --concurrency C at --before-ns (the smallest
  // N by default), interleaved, and record it as the result's history (before/after a change of the
  // default).
  const beforeConcurrency = flags.get('before-concurrency', 0);
  const variant = beforeConcurrency
    ? {
        label: `--concurrency ${beforeConcurrency}`,
        concurrency: beforeConcurrency,
        ns: flags
          .str('before-ns', String(Math.min(...ns)))
          .split(',')
          .map(Number),
      }
    : undefined;
  const windowSeconds = flags.get('window', quick ? 15 : 600);
  const resyncSeconds = flags.get('resync', quick ? 5 : 60);
  const changes = flags.get('changes', quick ? 5 : 100);
  const nodes = flags.get('nodes', quick ? 3 : 12);
  const concurrency = flags.get('concurrency', 0) || undefined;
  const nodeArgsFlag = flags.str('operator-node-args', '');
  const nodeArgs = nodeArgsFlag ? nodeArgsFlag.split(' ') : chartNodeFlags();
  const operatorNodeFlags = [...imageRuntime().nodeFlags, ...nodeArgs].join(' ');
  const keepCluster = argv.includes('--keep');
  const runId = Date.now().toString(36).slice(-4);
  const paths: string[] = [];
  let env: BenchCluster | undefined;
  try {
    env = await setUpCluster({ nodes, reuse: argv.includes('--reuse') });
    const common = { quick, repeats };
    const c = await converge(env, {
      ns,
      repeats: repeatsList,
      resyncSeconds,
      runId,
      ...(concurrency ? { concurrency } : {}),
      ...(nodeArgs ? { nodeArgs } : {}),
      ...(variant ? { variant } : {}),
    });
    paths.push(
      await writeResult({
        ...common,
        name: 'converge',
        title: 'Convergence',
        history: c.history,
        inputs: {
          operatorNodeFlags,
          ns,
          repeatsPerN: repeatsList,
          replicasPerService: 1,
          namespaces: 10,
          kwokNodes: nodes,
          concurrency: concurrency ?? 'operator default',
        },
        rows: c.rows.map((r) => (quick ? { ...r, met: undefined } : r)),
        data: { runs: c.runs },
      }),
    );
    const { operator, prefix, n } = c.kept;
    try {
      const m = await memory(operator, n);
      paths.push(
        await writeResult({
          ...common,
          repeats: 1,
          name: 'memory',
          title: 'Operator memory',
          inputs: { operatorNodeFlags, crs: n, childrenPerCr: 3, podsPerCr: 1 },
          rows: m.rows.map((r) => (quick ? { ...r, met: undefined } : r)),
          data: m.raw,
        }),
      );
      const st = await steadyState(env, operator, { n, windowSeconds, resyncSeconds });
      paths.push(
        await writeResult({
          ...common,
          repeats: 1,
          name: 'steady-state',
          title: 'Steady-state requests',
          inputs: { operatorNodeFlags, crs: n, windowSeconds, resyncSeconds, leaderElection: true },
          rows: st.rows.map((r) => (quick ? { ...r, met: undefined } : r)),
          data: st.raw,
        }),
      );
      const s = await specChange(env, { prefix, n, changes, runId });
      paths.push(
        await writeResult({
          ...common,
          repeats: changes,
          name: 'spec-change',
          title: 'Spec change latency',
          inputs: { operatorNodeFlags, crsPresent: n, changes, sequential: true },
          rows: s.rows.map((r) => (quick ? { ...r, met: undefined } : r)),
          data: { latenciesMs: s.latenciesMs.map((x) => Math.round(x)) },
        }),
      );
    } finally {
      await operator.stop();
    }
    return paths;
  } finally {
    if (env && !keepCluster) await tearDownCluster();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of await main()) log(`wrote ${path}`);
}
