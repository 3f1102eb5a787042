// Keeps the benchmark harness working: every benchmark in quick mode (N = 50, one repeat, a 15 s
// steady-state window, a forced relist; the scale-out benchmark at N = 30 with 1 and 3 replicas)
// against the e2e control plane, writing bench/results/quick/. No timing assertions: only that each
// benchmark ran to the end and wrote sane results.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, readResults, resultsDir } from './harness.ts';

function check(result: Result): void {
  expect(result.quick).toBe(true);
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.machine.cores).toBeGreaterThan(0);
  for (const row of result.rows) {
    const values = typeof row.value === 'number' ? [row.value] : [row.value.min, row.value.median, row.value.max];
    for (const v of values) expect(Number.isFinite(v) && v >= 0, `${result.name}: ${row.measure} = ${v}`).toBe(true);
    if (typeof row.value !== 'number') {
      expect(row.value.min).toBeLessThanOrEqual(row.value.median);
      expect(row.value.median).toBeLessThanOrEqual(row.value.max);
    }
    if (row.ratio !== undefined) expect(row.ratio).toBeGreaterThan(0);
  }
}

function load(name: string): Result {
  const path = join(resultsDir(true), `${name}.json`);
  expect(existsSync(path), path).toBe(true);
  return JSON.parse(readFileSync(path, 'utf8')) as Result;
}

describe('bench (quick mode)', () => {
  it('render: msvc render vs helm template and cdk8s-plus-27', { timeout: 300_000 }, async () => {
    const { main } = await import('./render.ts');
    await main(['--quick']);
    check(load('render'));
  });

  it('startup: the installed msvc vs node -e 0, helm template and cdk8s-plus-27', { timeout: 300_000 }, async () => {
    const { main } = await import('./startup.ts');
    await main(['--quick']);
    const result = load('startup');
    check(result);
    expect(result.rows.map((r) => r.baseline?.what)).toEqual(
      expect.arrayContaining(['node -e 0', 'helm template (bench/fixtures/app-chart)', 'cdk8s-plus-27 synth']),
    );
  });

  it('cdk8s synth: MicroService constructs vs cdk8s-plus-27', { timeout: 300_000 }, async () => {
    const { main } = await import('./cdk8s-synth.ts');
    await main(['--quick']);
    check(load('cdk8s-synth'));
  });

  it('cluster: converge, spec change, memory, steady state', { timeout: 900_000 }, async () => {
    // A cluster of its own, as `make bench` uses: the suites before this one leave namespaces
    // behind that are still being deleted, and a cluster-wide operator would count their traffic.
    process.env.MSVC_BENCH_CLUSTER = `msvc-bench-quick-${process.pid}`;
    const { main } = await import('./cluster.ts');
    await main(['--quick']);
    for (const name of ['converge', 'spec-change', 'memory', 'steady-state']) check(load(name));
    const steady = load('steady-state');
    // A resync of unchanged MicroServices writes nothing (the operator's own writes, from the audit log).
    expect(steady.rows[0]?.value).toBe(0);
    expect(readResults(resultsDir(true)).length).toBeGreaterThanOrEqual(6);
    expect(readFileSync(join(resultsDir(true), 'README.md'), 'utf8')).toContain('| converge |');
  });

  it('scale: converge with 1 replica vs kubectl and 3 shards, RSS of each replica, spec change, steady state, failover', {
    timeout: 900_000,
  }, async () => {
    process.env.MSVC_BENCH_CLUSTER = `msvc-bench-quick-${process.pid}`;
    const { main } = await import('./scale.ts');
    await main(['--quick', '--n', '30', '--shards', '1,3']);
    const result = load('scale-n30');
    check(result);
    const d = result.data as unknown as import('./scale.ts').ScaleData;
    // Every measure of issue #20 item 3 ran: both converge baselines and both shard counts.
    expect(d.converge.kubectl?.n).toBe(30);
    expect(Object.keys(d.converge.operator).sort()).toEqual(['1', '3']);
    expect(d.converge.kubectl?.load.meanCores['kube-apiserver']).toBeGreaterThan(0);
    expect(Object.keys(d.specChange).sort()).toEqual(['1', '3']);
    // Each of the three replicas caches a slice: fewer objects than the single replica on the same N.
    expect(d.memory.shards['3']).toHaveLength(3);
    for (const shard of d.memory.shards['3'] ?? [])
      expect(shard.cachedObjects).toBeLessThan(d.memory.singleRestarted?.cachedObjects ?? 0);
    // A resync of unchanged MicroServices writes nothing; after the SIGKILL none is left behind.
    expect(result.rows.find((r) => r.measure.startsWith('operator mutating requests'))?.value).toBe(0);
    expect(d.failover?.lost).toBe(0);
    expect(d.failover?.appliedSeconds.length).toBeGreaterThan(0);
    for (const file of ['scale-vs-n.svg', 'scale-vs-shards.svg'])
      expect(readFileSync(join(resultsDir(true), 'charts', file), 'utf8')).toContain('<svg');
  });

  it('relist: operator memory during a forced relist of every cache', { timeout: 900_000 }, async () => {
    process.env.MSVC_BENCH_CLUSTER = `msvc-bench-quick-${process.pid}`;
    const { main } = await import('./relist.ts');
    await main(['--quick']);
    const result = load('relist');
    check(result);
    const { empty, full } = result.data as Record<'empty' | 'full', import('./relist.ts').RelistSample>;
    // Every cache was listed again (410 Gone), with and without MicroServices in it.
    for (const sample of [empty, full]) {
      expect(Object.keys(sample.relists).length).toBeGreaterThanOrEqual(6);
      for (const [resource, count] of Object.entries(sample.relists)) expect(count, resource).toBeGreaterThanOrEqual(1);
      expect(sample.peakMiB).toBeGreaterThan(0);
    }
    expect(full.cachedObjects).toBeGreaterThanOrEqual(50 * 4);
    // Nothing of the lists is kept once the watches run: the watcher held each resource's last
    // page as the API server sent it (≈ +1.7 MiB of live heap here, +17 MiB at 1,000 CRs).
    expect(full.afterHeapMiB - full.steadyHeapMiB).toBeLessThan(1);
  });
});
