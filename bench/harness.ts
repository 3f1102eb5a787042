/**
 * The shared benchmark harness: spread of repeated samples (min/median/max), machine info, and the
 * results files. Every benchmark writes `bench/results/<name>.json` (or, in quick mode,
 * `bench/results/quick/<name>.json`) through writeResult, which also regenerates the Markdown table
 * `README.md` in the same directory from every JSON file there.
 *
 * A result is a list of rows. Each row is one measure: our number, the baseline measured in the same
 * run, their ratio, the target and whether it was met. Absolute times are kept for reference only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir: string = dirname(fileURLToPath(import.meta.url));
export const repoRoot: string = dirname(benchDir);

export interface Spread {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** min/median/max of the samples (median of an even count: mean of the middle two). */
export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('spread of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: sorted.length, min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

/** The p-th percentile (0–100), nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Row {
  /** What is measured, e.g. "converge N=1000: operator / kubectl apply --server-side". */
  readonly measure: string;
  /** Our value, e.g. the median seconds or a request count. */
  readonly value: Spread | number;
  readonly unit: string;
  /** The baseline measured in the same run, when the target is a ratio. */
  readonly baseline?: { readonly what: string; readonly value: Spread | number };
  /** value ÷ baseline (medians), or baseline ÷ value for "× faster" measures (see ratioLabel). */
  readonly ratio?: number;
  /** How to read the ratio, e.g. "× baseline" or "× faster". */
  readonly ratioLabel?: string;
  readonly target: string;
  /** undefined = informational (no target or not applicable in quick mode). */
  readonly met?: boolean;
  readonly note?: string;
}

export interface Result {
  readonly name: string;
  readonly title: string;
  readonly quick: boolean;
  readonly inputs: Record<string, unknown>;
  readonly repeats: number;
  readonly rows: readonly Row[];
  /** Before/after of a fix, when the run records one. */
  readonly history?: readonly { readonly label: string; readonly rows: readonly Row[] }[];
  /** Raw samples and counters behind the rows. */
  readonly data?: Record<string, unknown>;
  readonly machine: Machine;
  readonly finishedAt: string;
}

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly go?: string;
  readonly kubernetes?: string;
  readonly helm?: string;
  readonly os: string;
}

function tryRun(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Cores, memory, load and tool versions of this machine (kubectl/helm from tools/ when built). */
export async function machineInfo(): Promise<Machine> {
  let kubernetes: string | undefined;
  let helm: string | undefined;
  try {
    const { binPath } = await import('../tools/bin.ts');
    const client = tryRun(binPath('kubectl'), ['version', '--client', '-o', 'json']);
    kubernetes = client
      ? (JSON.parse(client) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion
      : undefined;
    helm = tryRun(binPath('helm'), ['version', '--short']);
  } catch {
    // tools not built: versions stay unknown
  }
  const goBin = process.env.GO ?? '/usr/local/go/bin/go';
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    go: tryRun(goBin, ['env', 'GOVERSION']) ?? tryRun('go', ['env', 'GOVERSION']),
    kubernetes,
    helm,
    os: `${os.type()} ${os.release()}`,
  };
}

export function resultsDir(quick: boolean): string {
  return quick ? join(benchDir, 'results', 'quick') : join(benchDir, 'results');
}

/** Writes <dir>/<name>.json and regenerates <dir>/README.md and <dir>/charts/ (bench/charts.ts). Returns the JSON path. */
export async function writeResult(result: Omit<Result, 'machine' | 'finishedAt'>): Promise<string> {
  const dir = resultsDir(result.quick);
  mkdirSync(dir, { recursive: true });
  const full: Result = { ...result, machine: await machineInfo(), finishedAt: new Date().toISOString() };
  const path = join(dir, `${result.name}.json`);
  writeFileSync(path, `${JSON.stringify(full, null, 2)}\n`);
  writeFileSync(join(dir, 'README.md'), renderTable(readResults(dir)));
  // The charts of docs/benchmarks.md follow the JSON too (loaded here only: Vega is a devDependency).
  const { writeCharts } = await import('./charts.ts');
  await writeCharts(dir);
  return path;
}

export function readResults(dir: string): Result[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Result);
}

function num(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

export function formatValue(value: Spread | number, unit: string): string {
  if (typeof value === 'number') return `${num(value)} ${unit}`.trim();
  if (value.n === 1) return `${num(value.median)} ${unit}`.trim();
  return `${num(value.median)} ${unit} (${num(value.min)}–${num(value.max)}, n=${value.n})`.trim();
}

function cell(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The Markdown table of every result: one row per measure, then the machine(s) it ran on. */
export function renderTable(results: readonly Result[]): string {
  const lines = [
    '<!-- generated by bench/harness.ts from the JSON files in this directory; do not edit -->',
    '| benchmark | measure | ours: median (min–max, n) | baseline, same run | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const groups = [
      { name: r.name, rows: r.rows },
      ...(r.history ?? []).map((h) => ({ name: `${r.name} — ${h.label}`, rows: h.rows })),
    ];
    for (const { name, rows } of groups)
      for (const row of rows) {
        const baseline = row.baseline ? `${row.baseline.what}: ${formatValue(row.baseline.value, row.unit)}` : '—';
        const ratio = row.ratio === undefined ? '—' : `${num(row.ratio)} ${row.ratioLabel ?? '×'}`;
        const met = row.met === undefined ? '—' : row.met ? 'yes' : '**no**';
        lines.push(
          `| ${cell(name)} | ${cell(row.measure + (row.note ? ` (${row.note})` : ''))} | ${cell(formatValue(row.value, row.unit))} | ${cell(baseline)} | ${ratio} | ${cell(row.target)} | ${met} |`,
        );
      }
  }
  lines.push('', '| benchmark | inputs | repeats | machine | finished |', '|---|---|---|---|---|');
  for (const r of results) {
    const m = r.machine;
    const machine = `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, load ${m.loadAverage.join('/')}; Node ${m.node}${m.go ? `, ${m.go}` : ''}${m.kubernetes ? `, Kubernetes ${m.kubernetes}` : ''}${m.helm ? `, helm ${m.helm}` : ''}`;
    lines.push(
      `| ${cell(r.name)} | ${cell(
        Object.entries(r.inputs)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(', '),
      )} | ${r.repeats} | ${cell(machine)} | ${r.finishedAt.slice(0, 16).replace('T', ' ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Command-line flags shared by every benchmark: --quick, --repeats N, and name=value pairs. */
export function parseFlags(argv: readonly string[] = process.argv.slice(2)): {
  quick: boolean;
  get(name: string, fallback: number): number;
  str(name: string, fallback: string): string;
} {
  const values = new Map<string, string>();
  let quick = process.env.MSVC_BENCH_QUICK === '1';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--')) {
      const [k, v] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) values.set(k, v);
      else values.set(k, argv[++i] ?? '');
    }
  }
  return {
    quick,
    get: (name, fallback) => (values.has(name) ? Number(values.get(name)) : fallback),
    str: (name, fallback) => values.get(name) ?? fallback,
  };
}

/** Wall time of an async function, in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

let built: string | undefined;

/**
 * The operator's entry point in a compiled tree: operator/microservice/main.js, or
 * operator/main.js in trees built from commits before the operator was split into
 * operator/runtime/ and operator/microservice/ (bench/build-before.sh builds those).
 */
export function operatorEntry(dir: string): string {
  const split = join(dir, 'operator/microservice/main.js');
  return existsSync(split) || !existsSync(join(dir, 'operator/main.js')) ? split : join(dir, 'operator/main.js');
}

/**
 * Compiles api/, render/, operator/, cdk8s/ and cli/ to JavaScript (tsconfig.build.json) in
 * bench/.build, once per process, so benchmarks run the code the way it ships (the image runs
 * dist/operator/microservice/main.js; an installed `msvc` runs dist/cli/main.js), without type stripping.
 * Returns the directory; `<dir>/operator/microservice/main.js`, `<dir>/cli/main.js`.
 */
export function ensureBuild(): string {
  if (built !== undefined) return built;
  const outDir = join(benchDir, '.build');
  log(`build: tsc -p tsconfig.build.json --outDir ${outDir}`);
  try {
    execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // tsc still emits on type errors (another engineer's work in progress); fail only if nothing came out.
    if (!existsSync(operatorEntry(outDir)) || !existsSync(join(outDir, 'cli/main.js'))) throw error;
    log('build: tsc reported errors but emitted the entry points; continuing');
  }
  built = outDir;
  return outDir;
}
