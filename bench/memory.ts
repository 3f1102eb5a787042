/**
 * Operator memory with N MicroServices and their children (and pods) in its caches: VmRSS from
 * /proc/<pid>/status and V8 heap from process.memoryUsage(), both read right after two forced full
 * GCs (bench/operator-probe.ts), after the operator has been idle for a few seconds.
 */
import { readFileSync } from 'node:fs';
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

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS;
}
/** sysconf(_SC_CLK_TCK) is 100 on every Linux this runs on (USER_HZ). */
const CLOCK_TICKS = 100;

/**
 * Before/after of a memory fix, standalone: N MicroServices converged by the current build, then
 * each build's operator started in turn on the same cluster (alternating, `repeats` each): its
 * start-up CPU (listing every cache and reconciling the N unchanged MicroServices) is read once it
 * has reconciled N times, its memory after GC once it has been idle for 20 s.
 *
 *   npx node bench/memory.ts --before DIR --after DIR [--tuned-node-args "--lite-mode|--optimize-for-size"]
 *                            [--n 1000] [--repeats 2] [--before-label TEXT] [--after-label TEXT]
 * DIR: a compiled tree with the operator (bench/build-before.sh COMMIT prints one).
 * --tuned-node-args: `|`-separated sets of extra Node flags, each a variant of the after build.
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
    const tuned = flags
      .str('tuned-node-args', '')
      .split('|')
      .map((set) => set.trim())
      .filter(Boolean);
    const variants: { which: string; build: string; nodeArgs?: string[] }[] = [
      { which: 'before', build: before },
      { which: 'after', build: after },
      ...tuned.map((set) => ({ which: set, build: after, nodeArgs: set.split(' ') })),
    ];
    const samples: Record<string, { rssMiB: number; heapUsedMiB: number; startupCpuSeconds: number }[]> = {};
    for (let r = 0; r < repeats; r++) {
      for (const { which, build, nodeArgs } of variants) {
        const op = await env.startBenchOperator(cluster, {
          resyncSeconds: 600,
          tag: `${prefix}-mem-${r}-${samples[which]?.length ?? 0}-${variants.findIndex((v) => v.which === which)}`,
          build,
          ...(nodeArgs ? { nodeArgs } : {}),
        });
        while ((await op.metric('controller_runtime_reconcile_total')) < n)
          await new Promise((res) => setTimeout(res, 100));
        const startupCpuSeconds = cpuSeconds(op.pid);
        await new Promise((res) => setTimeout(res, 20_000));
        const m = { ...(await op.memory()), startupCpuSeconds };
        log(`memory ${which}: ${JSON.stringify(m)}`);
        samples[which] = [...(samples[which] ?? []), m];
        await op.stop();
      }
    }
    const rss = (w: string) => spread((samples[w] ?? []).map((m) => m.rssMiB));
    const heap = (w: string) => spread((samples[w] ?? []).map((m) => m.heapUsedMiB));
    const cpu = (w: string) => spread((samples[w] ?? []).map((m) => m.startupCpuSeconds));
    return await writeResult({
      name: 'memory-fix',
      title: 'Operator memory, before/after',
      quick: flags.quick,
      inputs: {
        crs: n,
        before: flags.str('before-label', before),
        after: flags.str('after-label', after),
        imageNodeFlags: '--max-semi-space-size=1 (every variant)',
        idleSeconds: 20,
      },
      repeats,
      rows: [
        {
          measure: `operator RSS after GC, ${n} CRs cached: after vs before`,
          value: rss('after'),
          unit: 'MiB',
          baseline: { what: 'before', value: rss('before') },
          ratio: rss('after').median / rss('before').median,
          ratioLabel: '× before',
          target: '≤ 120 MiB',
          met: rss('after').median <= 120,
        },
        ...tuned.flatMap((set) => [
          {
            measure: `operator RSS after GC, ${n} CRs: after, run with ${set}`,
            value: rss(set),
            unit: 'MiB',
            baseline: { what: 'after, image flags', value: rss('after') },
            ratio: rss(set).median / rss('after').median,
            ratioLabel: '× image flags',
            target: '≤ 120 MiB',
            met: rss(set).median <= 120,
          },
          {
            measure: `operator start-up CPU (list ${n} CRs and their children, reconcile ${n} unchanged): run with ${set}`,
            value: cpu(set),
            unit: 's',
            baseline: { what: 'after, image flags', value: cpu('after') },
            ratio: cpu(set).median / cpu('after').median,
            ratioLabel: '× image flags',
            target: 'informational (the price of the flags)',
          },
        ]),
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
