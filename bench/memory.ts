/**
 * Operator memory with N MicroServices and their children (and pods) in its caches: VmRSS from
 * /proc/<pid>/status and V8 heap from process.memoryUsage(), both read right after two forced full
 * GCs (bench/operator-probe.mjs), after the operator has been idle for a few seconds; and where
 * that RSS is (breakdown(): /proc/<pid>/smaps by mapping, V8's heap spaces and its own malloc).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import type { OperatorHandle, ProbeReply } from './cluster-env.ts';
import { log, type Row, spread } from './harness.ts';

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** RSS by where it is, in MiB (after GC). */
export interface MemoryBreakdown {
  readonly rssMiB: number;
  /** File-backed pages of the Node binary: its code and read-only data that the process touched. */
  readonly nodeBinaryMiB: number;
  /** Other file-backed pages (libc, libstdc++, …). */
  readonly otherFilesMiB: number;
  /** Anonymous memory (RssAnon): the V8 heap and the native heap. */
  readonly anonMiB: number;
  /** Resident pages of V8's heap spaces (physical_space_size summed): JS objects, code, maps. */
  readonly v8HeapMiB: number;
  readonly v8Spaces: Readonly<Record<string, { readonly usedMiB: number; readonly residentMiB: number }>>;
  /** Anonymous memory outside V8's heap: malloc (glibc arenas), thread stacks, V8's own zones. */
  readonly nativeMiB: number;
  /** Of it: glibc's main arena (the brk [heap] mapping). */
  readonly mainArenaMiB: number;
  /** Of it: anonymous read-write mappings of 1 MiB or more outside [heap] (glibc's per-thread arenas mostly). */
  readonly largeAnonMappingsMiB: number;
  /** What V8 holds through malloc right now (compiler and parser zones) and at most so far. */
  readonly v8MallocedMiB: number;
  readonly v8PeakMallocedMiB: number;
  /** ArrayBuffers and external strings (process.memoryUsage().external): in the native heap. */
  readonly externalMiB: number;
  readonly arrayBuffersMiB: number;
}

/** Sums /proc/<pid>/smaps Rss (KiB) per mapping kind. */
export function smapsByMapping(pid: number | 'self'): {
  binary: number;
  files: number;
  anon: number;
  brk: number;
  largeAnon: number;
} {
  const exe = readlinkSync(`/proc/${pid}/exe`);
  const out = { binary: 0, files: 0, anon: 0, brk: 0, largeAnon: 0 };
  let kind: 'binary' | 'files' | 'anon' | 'brk' = 'anon';
  let large = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[4] ?? '';
      const size = Number.parseInt(header[2]!, 16) - Number.parseInt(header[1]!, 16);
      kind = name === exe ? 'binary' : name === '[heap]' ? 'brk' : name.startsWith('/') ? 'files' : 'anon';
      large = kind === 'anon' && header[3]!.startsWith('rw') && size >= 2 ** 20;
      continue;
    }
    if (!line.startsWith('Rss:')) continue;
    const kib = Number(line.split(/\s+/)[1]);
    out[kind] += kib;
    if (large) out.largeAnon += kib;
  }
  return out;
}

/** Where the operator's RSS is, right after two full GCs (the probe). */
export async function breakdown(operator: Pick<OperatorHandle, 'pid' | 'probe'>): Promise<MemoryBreakdown> {
  return breakdownOf(operator.pid, await operator.probe());
}

export function breakdownOf(pid: number | 'self', reply: ProbeReply): MemoryBreakdown {
  const maps = smapsByMapping(pid);
  const kibToMiB = (kib: number) => Math.round((kib / 1024) * 10) / 10;
  const v8Spaces = Object.fromEntries(
    reply.spaces.map((space) => [
      space.space_name,
      { usedMiB: mib(space.space_used_size), residentMiB: mib(space.physical_space_size) },
    ]),
  );
  const v8Heap = reply.spaces.reduce((sum, space) => sum + space.physical_space_size, 0);
  const anonMiB = kibToMiB(maps.anon + maps.brk);
  return {
    rssMiB: kibToMiB(maps.binary + maps.files + maps.anon + maps.brk),
    nodeBinaryMiB: kibToMiB(maps.binary),
    otherFilesMiB: kibToMiB(maps.files),
    anonMiB,
    v8HeapMiB: mib(v8Heap),
    v8Spaces,
    nativeMiB: Math.round((anonMiB - mib(v8Heap)) * 10) / 10,
    mainArenaMiB: kibToMiB(maps.brk),
    largeAnonMappingsMiB: kibToMiB(maps.largeAnon),
    v8MallocedMiB: mib(reply.heap.malloced_memory),
    v8PeakMallocedMiB: mib(reply.heap.peak_malloced_memory),
    externalMiB: mib(reply.memory.external),
    arrayBuffersMiB: mib(reply.memory.arrayBuffers),
  };
}

/** The breakdown as result rows (informational), `what` naming the process, e.g. "1000 CRs". */
export function breakdownRows(b: MemoryBreakdown, what: string): Row[] {
  const row = (measure: string, value: number, note?: string): Row => ({
    measure: `operator RSS after GC, ${what}: ${measure}`,
    value,
    unit: 'MiB',
    target: 'informational (where the RSS is)',
    ...(note ? { note } : {}),
  });
  const spaces = Object.entries(b.v8Spaces)
    .filter(([, s]) => s.residentMiB >= 0.5)
    .map(([name, s]) => `${name} ${s.residentMiB}`)
    .join(', ');
  return [
    row('Node binary (file-backed code and data it touched)', b.nodeBinaryMiB, `other files ${b.otherFilesMiB} MiB`),
    row('V8 heap (resident pages of every space)', b.v8HeapMiB, spaces),
    row(
      'native heap (anonymous memory outside V8’s heap: malloc arenas, stacks, compiler zones)',
      b.nativeMiB,
      `glibc main arena ${b.mainArenaMiB} MiB, large anonymous mappings ${b.largeAnonMappingsMiB} MiB; V8 malloc now ${b.v8MallocedMiB} MiB (peak ${b.v8PeakMallocedMiB}); ArrayBuffers ${b.arrayBuffersMiB} MiB`,
    ),
  ];
}

export async function memory(
  operator: OperatorHandle,
  n: number,
): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  await new Promise((r) => setTimeout(r, 5000));
  const m = await operator.memory();
  const b = await breakdown(operator);
  const cached = await operator.metric('msvc_cache_objects');
  log(`memory: ${JSON.stringify(m)}, cached objects ${cached}, breakdown ${JSON.stringify(b)}`);
  return {
    raw: { ...m, cachedObjects: cached, breakdown: b },
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
      ...breakdownRows(b, `${n} CRs`),
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

/** A way to run the operator: Node flags (complete: the image's are not added) and environment variables. */
export interface Variant {
  readonly label: string;
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** A compiled tree (default: this checkout). */
  readonly build?: string;
}

/**
 * Parses a variant: tokens `NAME=value` (an upper-case name) are environment variables, the rest
 * Node flags, e.g. "MALLOC_ARENA_MAX=2 --max-semi-space-size=1 --no-maglev".
 */
export function parseVariant(spec: string, label = spec): Variant {
  const nodeArgs: string[] = [];
  const env: Record<string, string> = {};
  for (const token of spec.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(token);
    if (m) env[m[1]!] = m[2]!;
    else nodeArgs.push(token);
  }
  return { label, nodeArgs, env };
}

export interface VariantSample {
  readonly rssMiB: number;
  readonly hwmMiB: number;
  readonly heapUsedMiB: number;
  /** CPU from start until the first N reconciles are done (every cache listed, N unchanged reconciled). */
  readonly startupCpuSeconds: number;
  /** CPU of one resync of the N unchanged MicroServices, code warm (0 without --resync). */
  readonly resyncCpuSeconds: number;
  readonly breakdown: MemoryBreakdown;
}

/** The rows of a variant run: RSS, start-up CPU (and resync CPU) per variant; where the image flags' RSS is. */
export function variantRows(
  variants: readonly Variant[],
  samples: Readonly<Record<string, readonly VariantSample[]>>,
  options: { n: number; resyncSeconds: number; beforeLabel?: string },
): Row[] {
  const of = (w: string, pick: (s: VariantSample) => number) => spread((samples[w] ?? []).map(pick));
  const rss = (w: string) => of(w, (s) => s.rssMiB);
  const med = (w: string, pick: (s: VariantSample) => number) => Math.round(of(w, pick).median * 10) / 10;
  const spelled = (v: Variant) => [...v.nodeArgs, ...Object.entries(v.env).map(([k, x]) => `${k}=${x}`)].join(' ');
  const labelOf = (v: Variant) =>
    v.label === 'after'
      ? `image flags (${spelled(v)})`
      : v.label === 'before'
        ? `before: ${options.beforeLabel || 'before'}, ${spelled(v)}`
        : v.label;
  const afterLabel = labelOf(variants.find((v) => v.label === 'after')!);
  const rows: Row[] = [];
  for (const v of variants) {
    const vs =
      v.label === 'after' ? (samples['before'] ? 'before' : undefined) : v.label === 'before' ? undefined : 'after';
    const baseline = vs && samples[vs] ? { what: vs === 'after' ? afterLabel : 'before', value: rss(vs) } : undefined;
    rows.push({
      measure: `operator RSS after GC, ${options.n} CRs cached: ${labelOf(v)}`,
      value: rss(v.label),
      unit: 'MiB',
      ...(baseline && vs ? { baseline, ratio: rss(v.label).median / rss(vs).median, ratioLabel: `× ${vs}` } : {}),
      target:
        v.nodeArgs.includes('--lite-mode') || v.nodeArgs.includes('--jitless')
          ? 'informational (JIT off)'
          : '≤ 120 MiB',
      ...(v.nodeArgs.includes('--lite-mode') || v.nodeArgs.includes('--jitless')
        ? {}
        : { met: rss(v.label).median <= 120 }),
      note: `V8 heap used ${med(v.label, (s) => s.heapUsedMiB)} MiB, native ${med(v.label, (s) => s.breakdown.nativeMiB)} MiB, Node binary ${med(v.label, (s) => s.breakdown.nodeBinaryMiB)} MiB`,
    });
    const cpu = (w: string) => of(w, (s) => s.startupCpuSeconds);
    rows.push({
      measure: `operator start-up CPU (list ${options.n} CRs and their children, reconcile ${options.n} unchanged): ${labelOf(v)}`,
      value: cpu(v.label),
      unit: 's',
      ...(baseline && vs
        ? {
            baseline: { ...baseline, value: cpu(vs) },
            ratio: cpu(v.label).median / cpu(vs).median,
            ratioLabel: `× ${vs}`,
          }
        : {}),
      target: 'informational (the price of the flags)',
    });
    if (options.resyncSeconds > 0) {
      const resync = (w: string) => of(w, (s) => (s.resyncCpuSeconds * 1000) / options.n);
      rows.push({
        measure: `operator CPU per reconcile of an unchanged CR (a resync of ${options.n}, code warm): ${labelOf(v)}`,
        value: resync(v.label),
        unit: 'ms',
        ...(baseline && vs
          ? {
              baseline: { ...baseline, value: resync(vs) },
              ratio: resync(v.label).median / resync(vs).median,
              ratioLabel: `× ${vs}`,
            }
          : {}),
        target: 'informational (the price of the flags)',
      });
    }
  }
  const median = (pick: (b: MemoryBreakdown) => number) => of('after', (s) => pick(s.breakdown)).median;
  const afterBreakdown = samples['after']?.at(-1)?.breakdown;
  if (afterBreakdown) {
    rows.push(
      ...breakdownRows(
        {
          ...afterBreakdown,
          nodeBinaryMiB: median((b) => b.nodeBinaryMiB),
          v8HeapMiB: median((b) => b.v8HeapMiB),
          nativeMiB: median((b) => b.nativeMiB),
        },
        `${options.n} CRs, image flags`,
      ),
    );
  }
  return rows;
}

/**
 * Operator memory with N MicroServices, one operator per variant (Node flags, environment, build),
 * standalone: N MicroServices converged by this checkout, then each variant's operator started in
 * turn on the same cluster (alternating, `repeats` each). Per start: its start-up CPU (listing every
 * cache and reconciling the N unchanged MicroServices) once it has reconciled N times; with
 * --resync S, the CPU of the resync that follows (N more reconciles, the code warm); then its memory
 * after GC once idle for --idle seconds, and where that memory is (breakdown()).
 *
 *   npx node bench/memory.ts [--n 1000] [--repeats 2] [--resync 40] [--idle 20] [--name memory-fix]
 *       [--before DIR [--before-label TEXT] [--before-flags "--max-semi-space-size=1"]]
 *       [--variants "--max-semi-space-size=1|--max-semi-space-size=1 --lite-mode|MALLOC_ARENA_MAX=2 …"]
 *       [--builds "LABEL=DIR|…"] [--snapshot DIR] [--keep] [--reuse [--existing PREFIX]]
 *
 * "after" is this checkout with the image's flags and ENV (Dockerfile, imageRuntime()); --variants
 * are `|`-separated further ways to run this checkout, each complete (see parseVariant); --before
 * adds an older compiled tree (bench/build-before.sh COMMIT prints one) run with --before-flags.
 * --snapshot writes a heap snapshot of the after operator there once (for bench/heap-summary.ts).
 */
export async function main(argv = process.argv.slice(2)): Promise<string> {
  const { ensureBuild, parseFlags, writeResult } = await import('./harness.ts');
  const env = await import('./cluster-env.ts');
  const { convergeOnce } = await import('./converge.ts');
  const flags = parseFlags(argv);
  const n = flags.get('n', flags.quick ? 50 : 1000);
  const repeats = flags.get('repeats', flags.quick ? 1 : 2);
  const resyncSeconds = flags.get('resync', 0);
  const idleSeconds = flags.get('idle', flags.quick ? 5 : 20);
  const after = flags.str('after', '') || ensureBuild();
  const before = flags.str('before', '');
  const snapshotDir = flags.str('snapshot', '');
  const image = env.imageRuntime();
  const variants: Variant[] = [
    ...(before
      ? [{ ...parseVariant(flags.str('before-flags', '--max-semi-space-size=1'), 'before'), build: before }]
      : []),
    { label: 'after', nodeArgs: image.nodeFlags, env: image.env, build: after },
    // --builds "LABEL=DIR|…": other compiled trees (e.g. one setting changed), each with the image's flags.
    ...flags
      .str('builds', '')
      .split('|')
      .map((set) => set.trim())
      .filter(Boolean)
      .map((set) => {
        const [label = set, dir = ''] = set.split('=', 2);
        return { label, nodeArgs: image.nodeFlags, env: image.env, build: dir };
      }),
    ...flags
      .str('variants', '')
      .split('|')
      .map((set) => set.trim())
      .filter(Boolean)
      .map((set) => ({ ...parseVariant(set), build: after })),
  ];
  const cluster = await env.setUpCluster({ nodes: flags.get('nodes', 12), reuse: argv.includes('--reuse') });
  try {
    // --existing PREFIX (with --reuse): the N MicroServices an earlier run converged (and --keep kept).
    const existing = flags.str('existing', '');
    const prefix = existing || `m${Date.now().toString(36).slice(-4)}`;
    if (!existing) {
      const first = await convergeOnce(cluster, 'operator', n, prefix, {
        resyncSeconds: 600,
        keep: true,
        build: after,
      });
      await first.operator?.stop();
    }
    log(`memory: ${n} MicroServices in the namespaces ${prefix}-*`);
    const samples: Record<string, VariantSample[]> = {};
    let snapshot: string | undefined;
    for (let r = 0; r < repeats; r++) {
      for (const [index, variant] of variants.entries()) {
        const started = Date.now();
        const op = await env.startBenchOperator(cluster, {
          resyncSeconds: resyncSeconds || 600,
          tag: `${prefix}-mem-${r}-${index}`,
          // A leader that misses its renew deadline on a loaded machine exits; memory does not need the Lease.
          leaderElect: false,
          build: variant.build ?? after,
          imageNodeArgs: variant.nodeArgs,
          // Only the variant's environment: unset what the image sets and the variant does not.
          env: {
            ...Object.fromEntries(Object.keys(image.env).map((name) => [name, undefined])),
            ...variant.env,
          },
        });
        try {
          const reconciled = async (count: number) => {
            while ((await op.metric('controller_runtime_reconcile_total')) < count) {
              if (Date.now() - started > 600_000)
                throw new Error(`memory ${variant.label}: fewer than ${count} reconciles`);
              await new Promise((res) => setTimeout(res, 100));
            }
          };
          await reconciled(n);
          const startupCpuSeconds = cpuSeconds(op.pid);
          let resyncCpuSeconds = 0;
          if (resyncSeconds > 0) {
            await reconciled(2 * n);
            resyncCpuSeconds = cpuSeconds(op.pid) - startupCpuSeconds;
          }
          await new Promise((res) => setTimeout(res, idleSeconds * 1000));
          const m = await op.memory();
          const b = await breakdown(op);
          const sample = { ...m, startupCpuSeconds, resyncCpuSeconds, breakdown: b };
          log(`memory ${variant.label}: ${JSON.stringify(sample)}`);
          samples[variant.label] = [...(samples[variant.label] ?? []), sample];
          if (snapshotDir && variant.label === 'after' && snapshot === undefined) {
            snapshot = await op.heapSnapshot(`${snapshotDir}/operator-${n}.heapsnapshot`);
            log(`memory: heap snapshot ${snapshot}`);
          }
        } finally {
          await op.stop();
        }
      }
    }
    const rows = variantRows(variants, samples, { n, resyncSeconds, beforeLabel: flags.str('before-label', before) });
    return await writeResult({
      name: flags.str('name', 'memory-fix'),
      title: 'Operator memory by Node flags and build',
      quick: flags.quick,
      inputs: {
        crs: n,
        variants: variants.map((v) => ({ label: v.label, nodeArgs: v.nodeArgs.join(' '), env: v.env })),
        ...(before ? { before: flags.str('before-label', before) } : {}),
        idleSeconds,
        resyncSeconds,
      },
      repeats,
      rows: flags.quick ? rows.map((r) => ({ ...r, met: undefined })) : rows,
      data: samples,
    });
  } finally {
    if (!argv.includes('--keep')) await env.tearDownCluster();
  }
}

/**
 * Rows of a written variant result derived again from its samples (after a change to variantRows),
 * machine and time kept: `npx node bench/memory.ts --rows-from bench/results/memory-fix.json`.
 */
export async function rederive(path: string): Promise<string> {
  const { readResults, renderTable } = await import('./harness.ts');
  const { writeFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const result = JSON.parse(readFileSync(path, 'utf8')) as import('./harness.ts').Result & {
    inputs: {
      crs: number;
      resyncSeconds: number;
      before?: string;
      variants: { label: string; nodeArgs: string; env: Record<string, string> }[];
    };
    data: Record<string, VariantSample[]>;
  };
  const variants = result.inputs.variants.map((v) => ({
    label: v.label,
    nodeArgs: v.nodeArgs.split(' ').filter(Boolean),
    env: v.env,
  }));
  const rows = variantRows(variants, result.data, {
    n: result.inputs.crs,
    resyncSeconds: result.inputs.resyncSeconds,
    ...(result.inputs.before ? { beforeLabel: result.inputs.before } : {}),
  });
  writeFileSync(
    path,
    `${JSON.stringify({ ...result, rows: result.quick ? rows.map((r) => ({ ...r, met: undefined })) : rows }, null, 2)}\n`,
  );
  writeFileSync(join(dirname(path), 'README.md'), renderTable(readResults(dirname(path))));
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const from = process.argv.indexOf('--rows-from');
  log(`wrote ${from >= 0 ? await rederive(process.argv[from + 1] ?? '') : await main()}`);
}
