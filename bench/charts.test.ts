import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_FILES, chartPoints, chartsDir, renderCharts } from './charts.ts';
import { benchDir, type Result, readResults } from './harness.ts';
import { benchmarksDocPath } from './readme.ts';
import { type ScaleData, scaleRows } from './scale.ts';

const machine = { cores: 2, cpuModel: 'x', memoryGiB: 24, loadAverage: [1, 1, 1], node: 'v24.0.0', os: 'Linux' };
const load = {
  seconds: 10,
  meanCores: { 'kube-apiserver': 1.2, etcd: 0.2 },
  peakCores: { 'kube-apiserver': 1.8 },
  hostBusyCores: 1.9,
  cores: 2,
  mutatingP50Seconds: 0.01,
  mutatingP99Seconds: 0.2,
  mutatingRequests: 1000,
};
const run = (mode: 'operator' | 'kubectl', n: number, readySeconds: number) => ({
  mode,
  n,
  applySeconds: 1,
  childrenSeconds: readySeconds / 2,
  availableSeconds: readySeconds,
  readySeconds,
  load,
});
const mem = (rssMiB: number) => ({
  rssMiB,
  hwmMiB: rssMiB + 10,
  heapUsedMiB: rssMiB / 4,
  heapTotalMiB: rssMiB / 3,
  externalMiB: 2,
  cachedObjects: 100,
});

function scaleData(n: number, rss: number): ScaleData {
  return {
    n,
    converge: {
      kubectl: run('kubectl', n, n / 4),
      operator: { '1': run('operator', n, n / 4 + 1), '3': run('operator', n, n / 5) },
    },
    memory: {
      singleAfterConverge: mem(rss),
      singleRestarted: mem(rss - 5),
      shards: { '3': [mem(60), mem(70), mem(65)] },
    },
    specChange: {
      '1': { p50Ms: 40, p99Ms: 120, latenciesMs: [40, 120] },
      '3': { p50Ms: 30, p99Ms: 90, latenciesMs: [30, 90] },
    },
    steadyState: { operatorWrites: {}, windowSeconds: 600 },
    failover: {
      shards: 3,
      victim: 'x-shard-2',
      victimOwned: n / 3,
      leaseDurationSeconds: 15,
      appliedSeconds: [16.2, 17.9],
      allReconciledSeconds: 30,
      microServices: n,
      lost: 0,
    },
  };
}

function result(d: ScaleData): Result {
  return {
    name: `scale-n${d.n}`,
    title: 'x',
    quick: false,
    inputs: {},
    repeats: 1,
    rows: scaleRows(d, { quick: false }),
    data: d as unknown as Record<string, unknown>,
    machine,
    finishedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('scale rows', () => {
  it('carry the targets of issue #20 and whether each is met', () => {
    const rows = scaleRows(scaleData(1000, 200), { quick: false });
    const row = (re: RegExp) => rows.find((r) => re.test(r.measure))!;
    expect(row(/^converge N=1000, 1 replica/)).toMatchObject({ value: 251, ratio: 251 / 250, met: true });
    expect(row(/RSS .* 1 replica, JIT on/)).toMatchObject({ value: 200, target: '≤ 300 MiB', met: true });
    // The largest of the three replicas against the single one restarted on the same N.
    expect(row(/3 shards: the largest replica/)).toMatchObject({ value: 70, ratio: 70 / 195, met: true });
    expect(row(/p99, 1000 CRs, 3 shards/)).toMatchObject({ value: 90, met: true });
    expect(row(/steady state/)).toMatchObject({ value: 0, met: true });
    expect(row(/^failover, 1000 CRs/)).toMatchObject({
      value: 17.9,
      target: '≤ lease duration + 5 s = 20 s',
      met: true,
    });
    expect(row(/^failover: MicroServices not Ready/)).toMatchObject({ value: 0, met: true });
    expect(row(/control plane during the kubectl/).note).toContain('kube-apiserver 1.2 cores mean (peak 1.8)');
    const slow = scaleRows(
      { ...scaleData(1000, 400), failover: { ...scaleData(1000, 0).failover!, appliedSeconds: [21] } },
      { quick: false },
    );
    expect(slow.filter((r) => r.met === false).map((r) => r.measure)).toEqual([
      expect.stringMatching(/RSS .* JIT on/),
      expect.stringMatching(/^failover, 1000 CRs/),
    ]);
    // Quick mode: nothing judged.
    expect(scaleRows(scaleData(30, 100), { quick: true }).every((r) => r.met === undefined)).toBe(true);
  });
});

describe('scale charts', () => {
  it('plot every converge, RSS and p99 figure of every N', () => {
    const points = chartPoints([result(scaleData(10000, 280)), result(scaleData(100, 90))]);
    expect(points.filter((p) => p.n === 100).map((p) => [p.measure, p.series, p.value])).toEqual([
      ['converge', 'kubectl apply --server-side', 25],
      ['converge', '1 replica', 26],
      ['converge', '3 shards', 20],
      ['rss', '1 replica', 85],
      ['rss', '3 shards', 70],
      ['p99', '1 replica', 120],
      ['p99', '3 shards', 90],
    ]);
    expect(points.filter((p) => p.n === 10000)).toHaveLength(7);
  });

  it('are SVG drawn from the data: another value, another chart', async () => {
    const a = await renderCharts([result(scaleData(100, 90)), result(scaleData(1000, 150))]);
    const b = await renderCharts([result(scaleData(100, 90)), result(scaleData(1000, 250))]);
    expect([...a.keys()]).toEqual([...CHART_FILES]);
    const svg = a.get('scale-vs-n.svg')!;
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['kubectl apply --server-side', '3 shards', 'target 300', 'target 1000'])
      expect(svg).toContain(text);
    expect(b.get('scale-vs-n.svg')).not.toBe(svg);
    // Deterministic: the same results, the same bytes.
    expect((await renderCharts([result(scaleData(100, 90)), result(scaleData(1000, 150))])).get('scale-vs-n.svg')).toBe(
      svg,
    );
    expect(await renderCharts([])).toEqual(new Map());
  });
});

describe('bench/results/charts', () => {
  const dir = join(benchDir, 'results');
  const hasScale = existsSync(dir) && readdirSync(dir).some((f) => /^scale-n\d+\.json$/.test(f));
  it.skipIf(!hasScale)('are the charts of the JSON results as they are now (npx node bench/charts.ts)', async () => {
    const charts = await renderCharts(readResults(dir));
    for (const [file, svg] of charts) {
      const path = join(chartsDir(dir), file);
      expect(existsSync(path), path).toBe(true);
      expect(readFileSync(path, 'utf8'), `${path} is stale: run npx node bench/charts.ts`).toBe(svg);
    }
  });

  it.skipIf(!hasScale)('are shown in docs/benchmarks.md', () => {
    const page = readFileSync(benchmarksDocPath, 'utf8');
    for (const file of CHART_FILES) expect(page).toContain(`](../bench/results/charts/${file})`);
  });
});
