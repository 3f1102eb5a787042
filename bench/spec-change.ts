/**
 * Spec change → Deployment updated, with N MicroServices (and their children) present: one
 * MicroService at a time gets a new env value (a merge patch of spec.env, sent by this process),
 * and the latency is the time from sending the patch to the arrival of the Deployment watch event
 * whose pod template carries the new value. Changes are sequential (latency, not throughput), each
 * on a different MicroService, spread over the N.
 */
import type { BenchCluster } from './cluster-env.ts';
import { watchAll } from './cluster-env.ts';
import { log, percentile, type Row, spread } from './harness.ts';
import { namespaceOf, services } from './specs.ts';

interface DeploymentView {
  spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
}

function envValue(object: unknown): string | undefined {
  const containers = (object as DeploymentView).spec?.template?.spec?.containers ?? [];
  return containers[0]?.env?.find((e) => e.name === 'LOG_LEVEL')?.value;
}

export async function specChange(
  env: BenchCluster,
  options: { prefix: string; n: number; changes: number; runId: string },
): Promise<{ rows: Row[]; latenciesMs: number[] }> {
  const list = services(options.n);
  const waiting = new Map<string, { value: string; resolve: (at: number) => void }>();
  const stop = await watchAll(env.rest, 'apps/v1', 'Deployment', (e) => {
    const key = `${e.namespace}/${e.name}`;
    const w = waiting.get(key);
    if (w && envValue(e.object) === w.value) {
      waiting.delete(key);
      w.resolve(e.at);
    }
  });
  const info = await env.rest.resource('msvc.dev/v1alpha1', 'MicroService');
  const latenciesMs: number[] = [];
  try {
    for (let i = 0; i < options.changes; i++) {
      const s = list[Math.floor((i * list.length) / options.changes)]!;
      const namespace = namespaceOf(options.prefix, s);
      const value = `debug-${options.runId}-${i}`;
      const arrived = new Promise<number>((resolve, reject) => {
        waiting.set(`${namespace}/${s.name}`, { value, resolve });
        setTimeout(
          () => reject(new Error(`spec change ${namespace}/${s.name}: no Deployment update in 60s`)),
          60_000,
        ).unref();
      });
      const t0 = performance.now();
      await env.rest.request({
        method: 'PATCH',
        path: env.rest.path(info, { namespace, name: s.name }),
        contentType: 'application/merge-patch+json',
        body: { spec: { env: [{ name: 'LOG_LEVEL', value }] } },
      });
      latenciesMs.push((await arrived) - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    stop();
  }
  const p50 = percentile(latenciesMs, 50);
  const p99 = percentile(latenciesMs, 99);
  log(`spec-change: ${latenciesMs.length} changes, p50 ${p50.toFixed(0)}ms, p99 ${p99.toFixed(0)}ms`);
  return {
    latenciesMs,
    rows: [
      {
        measure: `spec change → Deployment updated, p50 (${options.n} CRs present)`,
        value: p50,
        unit: 'ms',
        target: 'informational',
        note: `spread ${JSON.stringify(spread(latenciesMs), (_, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
      },
      {
        measure: `spec change → Deployment updated, p99 (${options.n} CRs present)`,
        value: p99,
        unit: 'ms',
        target: 'p99 < 1000 ms',
        met: p99 < 1000,
      },
    ],
  };
}
