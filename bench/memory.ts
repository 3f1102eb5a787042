/**
 * Operator memory with N MicroServices and their children (and pods) in its caches: VmRSS from
 * /proc/<pid>/status and V8 heap from process.memoryUsage(), both read right after two forced full
 * GCs (bench/operator-probe.ts), after the operator has been idle for a few seconds.
 */
import type { OperatorHandle } from './cluster-env.ts';
import { log, type Row } from './harness.ts';

export async function memory(
  operator: OperatorHandle,
  n: number,
): Promise<{ rows: Row[]; raw: Record<string, number> }> {
  await new Promise((r) => setTimeout(r, 5000));
  const m = await operator.memory();
  const cached = await operator.metric('msvc_cache_objects');
  log(`memory: ${JSON.stringify(m)}, cached objects ${cached}`);
  return {
    raw: { ...m, cachedObjects: cached },
    rows: [
      {
        measure: `operator RSS after GC, ${n} CRs and their children cached`,
        value: m.rssMiB,
        unit: 'MiB',
        target: '≤ 120 MiB',
        met: m.rssMiB <= 120,
        note: `peak RSS ${m.hwmMiB} MiB; ${cached} objects cached`,
      },
      {
        measure: `operator V8 heap used after GC (${n} CRs)`,
        value: m.heapUsedMiB,
        unit: 'MiB',
        target: 'informational',
        note: `heap total ${m.heapTotalMiB} MiB, external ${m.externalMiB} MiB`,
      },
    ],
  };
}

/**
 * Before/after of a memory fix, standalone: N MicroServices converged by the current build, then
 * each build's operator started in turn on the same cluster (alternating, `repeats` each), left
 * until its caches are full and it is idle, and measured after GC.
 *
 *   npx node bench/memory.ts --before DIR --after DIR [--tuned-node-args "--max-semi-space-size=1"]
 *                            [--n 1000] [--repeats 2] [--before-label TEXT] [--after-label TEXT]
 * DIR: a compiled tree with operator/main.js (bench/build-before.sh COMMIT prints one).
 */
export async function main(argv = process.argv.slice(2)): Promise<string> {
  const { parseFlags, writeResult, spread } = await import('./harness.ts');
  const env = await import('./cluster-env.ts');
  const { convergeOnce } = await import('./converge.ts');
  const flags = parseFlags(argv);
  const n = flags.get('n', flags.quick ? 50 : 1000);
  const repeats = flags.get('repeats', 2);
  const before = flags.str('before', '');
  const after = flags.str('after', '');
  if (!before || !after) throw new Error('--before DIR and --after DIR are required');
  const cluster = await env.setUpCluster({ nodes: flags.get('nodes', 12), reuse: argv.includes('--reuse') });
  try {
    const prefix = `m${Date.now().toString(36).slice(-4)}`;
    const first = await convergeOnce(cluster, 'operator', n, prefix, { resyncSeconds: 600, keep: true, build: after });
    await first.operator?.stop();
    // --tuned-node-args "…": a third variant, the after build under those Node flags.
    const tunedArgs = flags.str('tuned-node-args', '');
    const variants: { which: string; build: string; nodeArgs?: string[] }[] = [
      { which: 'before', build: before },
      { which: 'after', build: after },
      ...(tunedArgs ? [{ which: 'tuned', build: after, nodeArgs: tunedArgs.split(' ') }] : []),
    ];
    const samples: Record<string, { rssMiB: number; heapUsedMiB: number }[]> = {};
    for (let r = 0; r < repeats; r++) {
      for (const { which, build, nodeArgs } of variants) {
        const op = await env.startBenchOperator(cluster, {
          resyncSeconds: 600,
          tag: `${prefix}-${which}-${r}`,
          build,
          ...(nodeArgs ? { nodeArgs } : {}),
        });
        await new Promise((res) => setTimeout(res, 20_000));
        const m = await op.memory();
        log(`memory ${which}: ${JSON.stringify(m)}`);
        samples[which] = [...(samples[which] ?? []), m];
        await op.stop();
      }
    }
    const rss = (w: string) => spread((samples[w] ?? []).map((m) => m.rssMiB));
    const heap = (w: string) => spread((samples[w] ?? []).map((m) => m.heapUsedMiB));
    return await writeResult({
      name: 'memory-fix',
      title: 'Operator memory, before/after',
      quick: flags.quick,
      inputs: {
        crs: n,
        before: flags.str('before-label', before),
        after: flags.str('after-label', after),
        idleSeconds: 20,
      },
      repeats,
      rows: [
        {
          measure: `operator RSS after GC, ${n} CRs cached: after the fix vs before`,
          value: rss('after'),
          unit: 'MiB',
          baseline: { what: 'before', value: rss('before') },
          ratio: rss('after').median / rss('before').median,
          ratioLabel: '× before',
          target: '≤ 120 MiB',
          met: rss('after').median <= 120,
        },
        ...(tunedArgs
          ? [
              {
                measure: `operator RSS after GC, ${n} CRs: after the fix, run with ${tunedArgs}`,
                value: rss('tuned'),
                unit: 'MiB',
                baseline: { what: 'before', value: rss('before') },
                ratio: rss('tuned').median / rss('before').median,
                ratioLabel: '× before',
                target: '≤ 120 MiB',
                met: rss('tuned').median <= 120,
              },
            ]
          : []),
        {
          measure: `operator V8 heap used after GC, ${n} CRs: after vs before`,
          value: heap('after'),
          unit: 'MiB',
          baseline: { what: 'before', value: heap('before') },
          ratio: heap('after').median / heap('before').median,
          ratioLabel: '× before',
          target: 'informational',
        },
      ],
      data: samples,
    });
  } finally {
    if (!argv.includes('--keep')) await env.tearDownCluster();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) log(`wrote ${await main()}`);
