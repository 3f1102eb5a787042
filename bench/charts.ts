/**
 * The scale-out charts of docs/benchmarks.md, drawn from the scale results (bench/scale.ts:
 * `scale-n<N>.json`) with Vega-Lite, rendered to SVG headless by Vega (no browser, no canvas):
 *
 *   scale-vs-n.svg       converge time, operator RSS after GC (of the largest replica, each started on the
 *                        N converged MicroServices) and spec-change p99 against N
 *   scale-vs-shards.svg  the same against the shard count (1 = one replica with leader election)
 *
 * writeResult (bench/harness.ts) calls writeCharts after every result, so the SVGs in
 * bench/results/charts/ always follow the JSON; bench/charts.test.ts fails when they do not.
 * Vega measures text without a canvas by estimate, so the same JSON gives the same bytes anywhere.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type Result, readResults } from './harness.ts';
import type { ScaleData } from './scale.ts';

export interface Point {
  readonly n: number;
  /** 0 = the kubectl apply --server-side baseline; otherwise the operator's replicas. */
  readonly shards: number;
  readonly series: string;
  readonly measure: 'converge' | 'rss' | 'p99';
  readonly value: number;
}

const series = (shards: number) =>
  shards === 0 ? 'kubectl apply --server-side' : shards === 1 ? '1 replica' : `${shards} shards`;

/** The points of every scale result, sorted (N, measure, shards). */
export function chartPoints(results: readonly Result[]): Point[] {
  const points: Point[] = [];
  for (const r of results) {
    if (!/^scale-n\d+$/.test(r.name) || !r.data) continue;
    const d = r.data as unknown as ScaleData;
    const add = (measure: Point['measure'], shards: number, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value))
        points.push({ n: d.n, shards, series: series(shards), measure, value });
    };
    add('converge', 0, d.converge.kubectl?.readySeconds);
    for (const [shards, run] of Object.entries(d.converge.operator)) add('converge', Number(shards), run.readySeconds);
    // The single replica started on the N converged MicroServices: the conditions the shards start in.
    add('rss', 1, (d.memory.singleRestarted ?? d.memory.singleAfterConverge)?.rssMiB);
    for (const [shards, samples] of Object.entries(d.memory.shards))
      add('rss', Number(shards), Math.max(...samples.map((s) => s.rssMiB)));
    for (const [shards, s] of Object.entries(d.specChange)) add('p99', Number(shards), s.p99Ms);
  }
  const order = ['converge', 'rss', 'p99'];
  return points.sort((a, b) => a.n - b.n || order.indexOf(a.measure) - order.indexOf(b.measure) || a.shards - b.shards);
}

const PANELS = [
  { measure: 'converge', title: 'converge N new MicroServices (s, log scale)', target: undefined },
  { measure: 'rss', title: 'RSS after GC, started on N, largest replica (MiB)', target: 300 },
  { measure: 'p99', title: 'spec change → Deployment updated, p99 (ms)', target: 1000 },
] as const;

const CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 11 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom' as const, labelLimit: 0 },
  title: { fontSize: 13 },
};

function panel(
  points: readonly Point[],
  measure: Point['measure'],
  title: string,
  target: number | undefined,
  x: 'n' | 'shards',
): Record<string, unknown> {
  const values = points.filter((p) => p.measure === measure && (x === 'n' || p.shards > 0));
  const xEncoding =
    x === 'n'
      ? {
          field: 'n',
          type: 'quantitative',
          title: 'MicroServices (N, log scale)',
          scale: { type: 'log' },
          axis: { values: [...new Set(values.map((p) => p.n))] },
        }
      : { field: 'shards', type: 'ordinal', title: 'operator replicas (shards)', axis: { labelAngle: 0 } };
  const color =
    x === 'n'
      ? { field: 'series', type: 'nominal', title: null, sort: ['kubectl apply --server-side', '1 replica'] }
      : { field: 'n', type: 'ordinal', title: 'N' };
  const layers: Record<string, unknown>[] = [
    {
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: xEncoding,
        y: {
          field: 'value',
          type: 'quantitative',
          title: null,
          scale: measure === 'converge' ? { type: 'log' } : { type: 'linear', zero: true },
        },
        color,
        ...(x === 'n' ? { detail: { field: 'series' } } : {}),
      },
    },
  ];
  if (target !== undefined && values.length > 0) {
    layers.push({
      data: { values: [{ target }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#c00' },
      encoding: { y: { field: 'target', type: 'quantitative' } },
    });
    layers.push({
      data: { values: [{ target, label: `target ${target}` }] },
      mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#c00', fontSize: 10 },
      encoding: {
        y: { field: 'target', type: 'quantitative' },
        x: { value: 0 },
        text: { field: 'label' },
      },
    });
  }
  return { title, width: 220, height: 180, layer: layers };
}

export function chartSpec(points: readonly Point[], x: 'n' | 'shards'): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title:
      x === 'n'
        ? 'Against N (bench/scale.ts; 1 replica vs shards vs kubectl, same run)'
        : 'Against the shard count (bench/scale.ts)',
    hconcat: PANELS.map((p) => panel(points, p.measure, p.title, p.target, x)),
    resolve: { scale: { color: 'shared' } },
    config: CONFIG,
  } as unknown as TopLevelSpec;
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

export const CHART_FILES = ['scale-vs-n.svg', 'scale-vs-shards.svg'] as const;

/** The SVG of each chart from the results, by file name; none without a scale result. */
export async function renderCharts(results: readonly Result[]): Promise<Map<string, string>> {
  const points = chartPoints(results);
  const out = new Map<string, string>();
  if (points.length === 0) return out;
  out.set('scale-vs-n.svg', await toSvg(chartSpec(points, 'n')));
  out.set('scale-vs-shards.svg', await toSvg(chartSpec(points, 'shards')));
  return out;
}

export function chartsDir(resultsDirectory: string): string {
  return join(resultsDirectory, 'charts');
}

/** Regenerates <dir>/charts/*.svg from the JSON results in dir. Returns the paths written. */
export async function writeCharts(dir: string): Promise<string[]> {
  const charts = await renderCharts(readResults(dir));
  if (charts.size === 0) return [];
  const out = chartsDir(dir);
  mkdirSync(out, { recursive: true });
  const paths: string[] = [];
  for (const [file, svg] of charts) {
    const path = join(out, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== svg) writeFileSync(path, svg);
    paths.push(path);
  }
  return paths;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchDir } = await import('./harness.ts');
  for (const path of await writeCharts(join(benchDir, 'results'))) process.stderr.write(`wrote ${path}\n`);
}
