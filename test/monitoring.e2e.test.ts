// spec.monitoring on the real API server with the Prometheus Operator's own CRDs (v0.85.0, vendored
// in test/support/crds): every shape the renderer makes — ServiceMonitor, PodMonitor, Istio merged
// and mTLS, Linkerd proxy metrics — is accepted by a strict server-side dry run, and the MicroService
// carrying it is accepted by our CRD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMicroService } from '../api/index.ts';
import { render } from '../render/index.ts';
import { strictDryRun as dryRunIn } from './e2e/dry-run.ts';
import { installCrd, installVendoredCrds, VENDORED_CRDS } from './e2e/kube.ts';
import { createTestNamespace } from './e2e/namespace.ts';
import { e2eKubeconfigPath as kubeconfig } from './support/operator.ts';

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  await installCrd(kubeconfig());
  await installVendoredCrds(kubeconfig(), [VENDORED_CRDS.serviceMonitors, VENDORED_CRDS.podMonitors]);
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'monitoring'));
});
afterAll(async () => {
  await cleanup?.();
});

const strictDryRun = (objects: unknown[]) => dryRunIn(kubeconfig(), namespace, objects, 'monitoring-e2e');

const ports = [
  { name: 'http', port: 8080 },
  { name: 'metrics', port: 9102 },
];
const cases = [
  {
    name: 'ServiceMonitor',
    spec: { monitoring: { port: 'metrics', interval: '30s', scrapeTimeout: '10s', labels: { release: 'prometheus' } } },
    kind: 'ServiceMonitor',
  },
  {
    name: 'PodMonitor',
    spec: { monitoring: { port: 'metrics', type: 'PodMonitor', path: '/prom' } },
    kind: 'PodMonitor',
  },
  {
    name: 'Istio merged',
    spec: { mesh: { provider: 'istio' }, monitoring: { port: 'metrics', interval: '15s' } },
    kind: 'PodMonitor',
  },
  {
    name: 'Istio mTLS',
    spec: { mesh: { provider: 'istio', mode: 'native-sidecar' }, monitoring: { port: 'metrics', istio: 'mtls' } },
    kind: 'ServiceMonitor',
  },
  {
    name: 'Linkerd proxy metrics',
    spec: { mesh: { provider: 'linkerd' }, monitoring: { port: 'metrics', type: 'PodMonitor', proxyMetrics: true } },
    kind: 'PodMonitor',
  },
  { name: 'annotations', spec: { monitoring: { port: 'metrics', type: 'Annotations' } }, kind: undefined },
];

describe('rendered monitors on the real Prometheus Operator CRDs', () => {
  it.each(cases)(
    '$name: the MicroService and everything it renders pass a strict dry run',
    async ({ name, spec, kind }) => {
      const ms = {
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        metadata: { name: name.toLowerCase().replaceAll(' ', '-'), namespace },
        spec: { image: 'registry.example.com/shop/inventory:2.0.1', ports, ...spec },
      };
      const parsed = parseMicroService(ms);
      expect(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.issues)).toBe(true);
      if (!parsed.ok) return;
      const objects = render(parsed.value).objects;
      expect(objects.map((o) => o.kind).filter((k) => k.endsWith('Monitor'))).toStrictEqual(kind ? [kind] : []);
      const resource = await strictDryRun([ms]);
      expect(resource.code, resource.stderr).toBe(0);
      const children = await strictDryRun(objects);
      expect(children.code, children.stderr).toBe(0);
      expect(children.stderr, 'no warnings (unknown fields would be one)').toBe('');
    },
  );

  it('the CRD rejects a monitor field it does not know, so the strict dry run above proves something', async () => {
    const { code, stderr } = await strictDryRun([
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'unknown-field', namespace },
        spec: { selector: {}, endpoints: [{ port: 'metrics', pathh: '/metrics' }] },
      },
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('pathh');
  });
});
