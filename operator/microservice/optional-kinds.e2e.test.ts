// Optional children on the real control plane: a MicroService with spec.monitoring on a cluster
// without the Prometheus Operator's CRDs gets everything else applied and a ChildrenApplied=False
// condition naming the missing CRD; once the CRD is installed the operator finds it (discovery is
// asked again on a timer) and applies the ServiceMonitor; removing spec.monitoring prunes it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import {
  apply,
  conditionOf,
  eventually,
  getJson,
  installCrd,
  installVendoredCrds,
  VENDORED_CRDS,
} from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../../test/e2e/operator-process.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';

const CRDS = ['servicemonitors.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com'];

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
let operator: OperatorProcess | undefined;

beforeAll(async () => {
  await installCrd(kubeconfig());
  // Other suites install the Prometheus CRDs on the shared cluster: start without them.
  await kubectl(kubeconfig(), ['delete', 'crd', ...CRDS, '--ignore-not-found', '--wait=true']);
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'optional-kinds'));
  operator = await startOperator({ kubeconfig: kubeconfig(), namespaces: [namespace] });
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await cleanup?.();
  // Leave the CRDs installed, as the suites that need them expect to find or install them.
  await installVendoredCrds(kubeconfig(), [VENDORED_CRDS.serviceMonitors, VENDORED_CRDS.podMonitors]);
});

const microService = (monitoring: boolean) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'inventory', namespace },
  spec: {
    image: 'registry.example.com/shop/inventory:2.0.1',
    ports: [
      { name: 'http', port: 8080 },
      { name: 'metrics', port: 9102 },
    ],
    ...(monitoring ? { monitoring: { port: 'metrics', interval: '30s', labels: { release: 'prometheus' } } } : {}),
  },
});
const ms = () => getJson(kubeconfig(), ['-n', namespace, 'microservice/inventory']);
const serviceMonitor = () =>
  getJson(kubeconfig(), ['-n', namespace, 'servicemonitors.monitoring.coreos.com/inventory']);

it('without the CRD: the rest is applied and ChildrenApplied names the missing CRD; with it: the ServiceMonitor appears; without spec.monitoring: it is pruned', async () => {
  await apply(kubeconfig(), [microService(true)]);
  await eventually(async () => conditionOf(await ms(), 'ChildrenApplied')?.reason === 'CRDNotInstalled', {
    what: 'ChildrenApplied=False CRDNotInstalled',
    timeoutMs: 60_000,
  });
  const missing = conditionOf(await ms(), 'ChildrenApplied');
  expect(missing?.status).toBe('False');
  expect(missing?.message).toContain('ServiceMonitor inventory (CRD servicemonitors.monitoring.coreos.com)');
  expect(await getJson(kubeconfig(), ['-n', namespace, 'deployment/inventory']), 'the rest is applied').toBeDefined();
  expect(conditionOf(await ms(), 'Stalled')?.status).toBe('False');

  await installVendoredCrds(kubeconfig(), [VENDORED_CRDS.serviceMonitors, VENDORED_CRDS.podMonitors]);
  await eventually(async () => (await serviceMonitor()) !== undefined, {
    what: 'ServiceMonitor applied once its CRD is installed',
    timeoutMs: 90_000,
  });
  const applied = (await serviceMonitor()) as {
    metadata: { labels: Record<string, string>; ownerReferences: { kind: string; name: string }[] };
    spec: { endpoints: unknown[] };
  };
  expect(applied.metadata.labels['release']).toBe('prometheus');
  expect(applied.metadata.ownerReferences).toMatchObject([{ kind: 'MicroService', name: 'inventory' }]);
  expect(applied.spec.endpoints).toStrictEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
  await eventually(async () => conditionOf(await ms(), 'ChildrenApplied')?.status === 'True', {
    what: 'ChildrenApplied=True',
    timeoutMs: 30_000,
  });

  await kubectl(kubeconfig(), [
    '-n',
    namespace,
    'patch',
    'microservice/inventory',
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/spec/monitoring"}]',
  ]);
  await eventually(async () => (await serviceMonitor()) === undefined, {
    what: 'ServiceMonitor pruned after spec.monitoring is removed',
    timeoutMs: 60_000,
  });
  expect(await getJson(kubeconfig(), ['-n', namespace, 'deployment/inventory'])).toBeDefined();
}, 300_000);
