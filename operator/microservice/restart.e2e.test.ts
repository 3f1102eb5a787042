// No blind window after an API server restart (issue "Operator resilience under faults", item 3):
// kube-apiserver of a dedicated cluster is stopped for 12 s (the watches' back-off grows all that
// time) and started again; a spec change made once it is Ready must be applied within seconds,
// not after the grown back-off. The dedicated cluster keeps the restart from disturbing the other
// suites, which share the e2e cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, restartApiServer, stopCluster } from '../../test/e2e/cluster.ts';
import { startSuiteCluster } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../../test/e2e/operator-process.ts';
import { eventually } from '../../test/support/operator.ts';
import { Client } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/key.ts';
import type { KubeRest } from '../runtime/rest.ts';

const NAME = `msvc-restart-${process.pid}`;
const OUTAGE_SECONDS = 12;
/** The target is 3 s; the bound leaves room for a loaded 2-core machine. */
const BOUND_SECONDS = 8;

let cluster: Cluster | undefined;
let operator: OperatorProcess | undefined;
let rest: KubeRest;

beforeAll(async () => {
  ({ cluster, rest } = await startSuiteCluster(NAME));
});
afterAll(async () => {
  await operator?.stop('SIGKILL');
  if (cluster) await stopCluster(cluster.name);
});

const ready = async () => {
  try {
    await rest.request({ method: 'GET', path: '/readyz', timeoutMs: 1_000 });
    return true;
  } catch {
    return false;
  }
};

describe('after an API server restart', () => {
  it(`applies a spec change within ${BOUND_SECONDS} s of the API server being Ready again (target 3 s)`, async () => {
    const ns = (await createTestNamespace(cluster!.kubeconfigPath, 'restart')).name;
    operator = await startOperator({ kubeconfig: cluster!.kubeconfigPath, namespaces: [ns] });
    const user = new Client(rest, { fieldManager: 'e2e-user' });
    const microService = (tag: string) => ({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: 'order', namespace: ns },
      spec: { image: `registry.example.com/shop/order:${tag}`, replicas: 1, ports: [{ name: 'http', port: 8080 }] },
    });
    const image = async () => {
      const deployment = await user.get<
        KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }
      >({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'order' }, { timeoutMs: 1_000 });
      return deployment?.spec?.template?.spec?.containers?.[0]?.image;
    };
    await user.apply(microService('1.0.0'), { force: true });
    await eventually(async () => (await image())?.endsWith(':1.0.0'), 'the first rollout', 60_000);

    const restarting = restartApiServer(cluster!.name, { downSeconds: OUTAGE_SECONDS });
    await eventually(async () => !(await ready()), 'kube-apiserver to stop', 30_000);
    await eventually(ready, 'kube-apiserver to be Ready again', 120_000);
    const readyAt = Date.now();
    await eventually(
      async () => (await user.apply(microService('2.0.0'), { force: true, timeoutMs: 2_000 })) !== undefined,
      'the spec change to be accepted',
      30_000,
    );
    const changedAt = Date.now();
    await eventually(async () => (await image())?.endsWith(':2.0.0'), 'the change to be applied', 60_000);
    const seconds = (Date.now() - readyAt) / 1000;
    console.log(
      `restart: spec change applied ${seconds.toFixed(2)} s after kube-apiserver was Ready ` +
        `(change accepted after ${((changedAt - readyAt) / 1000).toFixed(2)} s; outage ${OUTAGE_SECONDS} s)`,
    );
    await restarting;
    expect(seconds, operator.logs().slice(-4_000)).toBeLessThan(BOUND_SECONDS);
  });
});
