import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { percentile, renderTable, repoRoot, spread } from './harness.ts';
import { benchmarksDocPath, embedded, resultsTablePath } from './readme.ts';
import { chartMemoryLimitMiB, extrapolatedPeak, HEADROOM, type RelistSample, SIZED_FOR } from './relist.ts';

describe('bench harness', () => {
  it('spread: min, median (mean of the middle two for an even count), max', () => {
    expect(spread([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
    expect(() => spread([])).toThrow();
  });

  it('percentile: nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
  });

  it('renders one table row per measure, history included, and the machine', () => {
    const machine = { cores: 2, cpuModel: 'x', memoryGiB: 24, loadAverage: [1, 1, 1], node: 'v24.0.0', os: 'Linux' };
    const table = renderTable([
      {
        name: 'demo',
        title: 'Demo',
        quick: false,
        inputs: { n: 10 },
        repeats: 3,
        rows: [
          {
            measure: 'a',
            value: { n: 3, min: 1, median: 2, max: 3 },
            unit: 's',
            baseline: { what: 'b', value: 4 },
            ratio: 0.5,
            ratioLabel: '× baseline',
            target: '≤ 1',
            met: true,
          },
        ],
        history: [{ label: 'before', rows: [{ measure: 'a', value: 9, unit: 's', target: '≤ 1', met: false }] }],
        machine,
        finishedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    expect(table).toContain('| demo | a | 2.00 s (1.00–3.00, n=3) | b: 4.00 s | 0.50 × baseline | ≤ 1 | yes |');
    expect(table).toContain('| demo — before | a | 9.00 s | — | — | ≤ 1 | **no** |');
    expect(table).toContain('2 cores');
  });
});

describe('docs/benchmarks.md results section', () => {
  it.skipIf(!existsSync(resultsTablePath))('shows bench/results/README.md as it is (npx node bench/readme.ts)', () => {
    expect(embedded(readFileSync(benchmarksDocPath, 'utf8'))).toBe(readFileSync(resultsTablePath, 'utf8'));
  });
});

describe("the chart's default memory limit", () => {
  const result = join(repoRoot, 'bench/results/relist.json');
  it.skipIf(!existsSync(result))(
    `holds the relist peak extrapolated to ${SIZED_FOR} MicroServices from bench/results/relist.json, with headroom`,
    () => {
      const { data } = JSON.parse(readFileSync(result, 'utf8')) as { data: Record<'empty' | 'full', RelistSample> };
      const limit = chartMemoryLimitMiB(
        readFileSync(join(repoRoot, 'charts/microservice-operator/values.yaml'), 'utf8'),
      );
      const { peakMiB } = extrapolatedPeak(data.empty, data.full);
      expect(data.full.crs).toBeGreaterThanOrEqual(1000);
      expect(peakMiB, `values.yaml resources.limits.memory ${limit}Mi`).toBeLessThanOrEqual(HEADROOM * limit);
    },
  );
});
