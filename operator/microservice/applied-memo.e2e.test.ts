// The applied-content memo (drift.ts AppliedMemo) on the real control plane, through its gauge
// msvc_applied_memo_entries (issue #14, item 6: it never forgot deleted keys, so it grew without
// bound). The operator runs as a process behind a proxy (test/e2e/watch-proxy.ts) that can hold
// the Deployment watch: the API server has taken the operator's writes but the cache does not show
// them yet, so each one stays in the memo. The entries end when the cache catches up, and also when
// the MicroService is deleted while the cache is still behind.
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, type Condition, conditionOf, eventually, getJson } from '../../test/e2e/kube.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { startWatchProxy } from '../../test/e2e/watch-proxy.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';

const N = 5;
const e2e = operatorSuite();

const microService = (name: string, namespace: string, tag: string) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name, namespace },
  spec: { image: `registry.example.com/shop/${name}:${tag}`, replicas: 1, ports: [{ name: 'http', port: 8080 }] },
});

describe('applied-content memo on a real control plane', () => {
  it('holds a write only until the cache shows it or its MicroService is deleted (msvc_applied_memo_entries)', async () => {
    const proxy = await startWatchProxy(kubeconfig());
    e2e.defer(proxy.close);
    const { ns, op } = await e2e.withOperator('memo', { operator: { kubeconfig: proxy.writeKubeconfig() } });
    const entries = async () => {
      const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
      const value = text.match(/^msvc_applied_memo_entries (\d+)$/m)?.[1];
      if (value === undefined) throw new Error('msvc_applied_memo_entries is not exposed');
      return Number(value);
    };
    const names = Array.from({ length: N }, (_, i) => `memo-${i}`);
    const ready = (name: string, generation: number) =>
      eventually(
        async () => {
          const ms = await getJson<{ status?: { observedGeneration?: number; conditions?: Condition[] } }>(
            kubeconfig(),
            ['-n', ns, `microservice/${name}`],
          );
          return conditionOf(ms, 'Ready')?.status === 'True' && ms?.status?.observedGeneration === generation;
        },
        { what: `${name} Ready at generation ${generation}`, timeoutMs: 90_000 },
      );
    const settled = (what: string, want: number) =>
      eventually(async () => (await entries()) === want, { what: `${what}: memo at ${want}`, timeoutMs: 30_000 });

    await eventually(async () => (await fetch(`${op.healthUrl}/readyz`)).ok, { what: 'operator ready' });
    const baseline = await entries();
    expect(baseline).toBe(0);

    await apply(
      kubeconfig(),
      names.map((name) => microService(name, ns, '1.0.0')),
    );
    for (const name of names) await ready(name, 1);
    // Every write so far arrived in the caches: nothing is left in flight.
    await settled('all Ready', baseline);

    // Round 1: the caches catch up. A new image is a Deployment update over the cached version;
    // with the Deployment watch held, each stays remembered until the held events arrive.
    const deployments = (path: string) => path.endsWith('/deployments');
    proxy.hold(deployments);
    await apply(
      kubeconfig(),
      names.map((name) => microService(name, ns, '1.1.0')),
    );
    const grown = await eventually(async () => ((await entries()) >= baseline + N ? entries() : undefined), {
      what: `${N} Deployment writes remembered`,
      timeoutMs: 60_000,
    });
    proxy.release();
    await settled('the Deployment watch caught up', baseline);
    for (const name of names) await ready(name, 2);
    await settled('Ready again', baseline);

    // Round 2: the MicroServices are deleted while the Deployment cache is still behind: their
    // entries go with them, though no Deployment event has arrived.
    proxy.hold(deployments);
    await apply(
      kubeconfig(),
      names.map((name) => microService(name, ns, '1.2.0')),
    );
    await eventually(async () => (await entries()) >= baseline + N, {
      what: `${N} Deployment writes remembered again`,
      timeoutMs: 60_000,
    });
    await kubectl(kubeconfig(), ['-n', ns, 'delete', 'microservice', ...names, '--wait=false']);
    await settled('the MicroServices deleted, the Deployment watch still held', baseline);
    proxy.release();
    await settled('the held Deployment events delivered', baseline);
    console.log(`msvc_applied_memo_entries: baseline ${baseline}, ${grown} while the cache was behind`);
  }, 240_000);
});
