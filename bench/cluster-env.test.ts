import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartNodeFlags, histogramQuantile, imageRuntime, mutatingLatencyBuckets } from './cluster-env.ts';
import { repoRoot } from './harness.ts';

describe('chartNodeFlags', () => {
  it("are the chart's default nodeFlags, so the cluster benchmarks run the operator as the chart does", () => {
    const values = readFileSync(join(repoRoot, 'charts/microservice-operator/values.yaml'), 'utf8');
    const line = /^nodeFlags: (.*)$/m.exec(values)?.[1];
    expect(line).toBeDefined();
    expect(chartNodeFlags()).toEqual(JSON.parse(line as string));
    expect(chartNodeFlags()).toContain('--lite-mode');
  });
});

describe('the API server latency of mutating requests', () => {
  const metrics = (n: { fast: number; slow: number; get: number }) =>
    [
      '# HELP apiserver_request_duration_seconds x',
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="POST",resource="pods",le="0.1"} ${n.fast}`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="POST",resource="pods",le="1"} ${n.fast + n.slow}`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="POST",resource="pods",le="+Inf"} ${n.fast + n.slow}`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="APPLY",resource="deployments",le="0.1"} 0`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="APPLY",resource="deployments",le="1"} 0`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="APPLY",resource="deployments",le="+Inf"} 0`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="GET",resource="pods",le="0.1"} 0`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="GET",resource="pods",le="1"} ${n.get}`,
      `apiserver_request_duration_seconds_bucket{component="apiserver",verb="GET",resource="pods",le="+Inf"} ${n.get}`,
    ].join('\n');

  it('sums the buckets of mutating verbs only, and interpolates quantiles of the span between two samples', () => {
    const before = mutatingLatencyBuckets(metrics({ fast: 100, slow: 0, get: 5 }));
    expect(before.get(0.1)).toBe(100);
    expect(before.get(Number.POSITIVE_INFINITY)).toBe(100);
    // 90 fast and 10 slow requests in the span; the GETs (1,000 slow ones) do not count.
    const after = mutatingLatencyBuckets(metrics({ fast: 190, slow: 10, get: 1005 }));
    expect(histogramQuantile(0.5, before, after)).toBeCloseTo(0.1 * (50 / 90));
    // rank 99 of 100: 9 into the 10 slow ones, between 0.1 and 1.
    expect(histogramQuantile(0.99, before, after)).toBeCloseTo(0.1 + 0.9 * (9 / 10));
    expect(histogramQuantile(0.99, before, before)).toBeNaN();
  });
});

describe('imageRuntime', () => {
  it("is the Dockerfile's ENTRYPOINT flags and runtime ENV, so the cluster benchmarks run the operator as the image does", () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    expect(imageRuntime().nodeFlags).toEqual(entrypoint.slice(1, -1));
    expect(imageRuntime().nodeFlags).toContain('--max-semi-space-size=1');
    expect(imageRuntime().env).toMatchObject({ NODE_ENV: 'production' });
  });
});
