import { describe, expect, it } from 'vitest';
import {
  istioSidecar,
  microService,
  withMesh,
  withMeshAnnotations,
  withMeshLabels,
  withShutdown,
} from '../../test/support/fixtures.ts';
import { meshKeys, splitMeshKeys } from './index.ts';

// A native istio-proxy takes neither ProxyConfig setting: Kubernetes starts it first (no hold), and
// its template's preStop hook drains it, the agent exiting at once on SIGTERM (no terminationDrainDuration).
const NATIVE_CONFIG = undefined;

describe('Istio pod-template keys', () => {
  const cases = [
    { name: 'sidecar (the default mode)', input: microService(withMesh({ provider: 'istio' })), want: istioSidecar() },
    {
      name: 'explicit sidecar mode is the same',
      input: microService(withMesh({ provider: 'istio', mode: 'sidecar' })),
      want: istioSidecar(),
    },
    {
      name: 'revision label',
      input: microService(withMesh({ provider: 'istio', revision: '1-27-2' })),
      want: istioSidecar(withMeshLabels({ 'istio.io/rev': '1-27-2' })),
    },
    {
      name: 'native sidecar: nativeSidecar true, no proxy.istio.io/config (no hold, no terminationDrainDuration)',
      input: microService(withMesh({ provider: 'istio', mode: 'native-sidecar' })),
      want: istioSidecar(
        withMeshAnnotations({ 'sidecar.istio.io/nativeSidecar': 'true', 'proxy.istio.io/config': NATIVE_CONFIG }),
      ),
    },
    {
      name: 'native sidecar ignores holdApplicationUntilProxyStarts (it always starts first)',
      input: microService(
        withMesh({ provider: 'istio', mode: 'native-sidecar', holdApplicationUntilProxyStarts: true }),
      ),
      want: istioSidecar(
        withMeshAnnotations({ 'sidecar.istio.io/nativeSidecar': 'true', 'proxy.istio.io/config': NATIVE_CONFIG }),
      ),
    },
    {
      name: 'no hold when turned off',
      input: microService(withMesh({ provider: 'istio', holdApplicationUntilProxyStarts: false })),
      want: istioSidecar(withMeshAnnotations({ 'proxy.istio.io/config': '{"terminationDrainDuration":"25s"}' })),
    },
    {
      name: 'classic drain covers preStop sleep + app shutdown',
      input: microService(
        withMesh({ provider: 'istio' }),
        withShutdown({ preStopSleepSeconds: 10, timeoutSeconds: 40 }),
      ),
      want: istioSidecar(
        withMeshAnnotations({
          'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"50s"}',
        }),
      ),
    },
    {
      name: 'one proxy value given: all four rendered, the rest from Istio defaults',
      input: microService(withMesh({ provider: 'istio', proxy: { resources: { requests: { memory: '256Mi' } } } })),
      want: istioSidecar(withMeshAnnotations({ 'sidecar.istio.io/proxyMemory': '256Mi' })),
    },
    {
      name: 'all four proxy values given',
      input: microService(
        withMesh({
          provider: 'istio',
          proxy: { resources: { requests: { cpu: '50m', memory: 64 }, limits: { cpu: 1, memory: '512Mi' } } },
        }),
      ),
      want: istioSidecar(
        withMeshAnnotations({
          'sidecar.istio.io/proxyCPU': '50m',
          'sidecar.istio.io/proxyMemory': '64',
          'sidecar.istio.io/proxyCPULimit': '1',
          'sidecar.istio.io/proxyMemoryLimit': '512Mi',
        }),
      ),
    },
    {
      name: 'limits below Istio default requests: the filled-in requests are capped at the limits',
      input: microService(
        withMesh({ provider: 'istio', proxy: { resources: { limits: { cpu: '50m', memory: '64Mi' } } } }),
      ),
      want: istioSidecar(
        withMeshAnnotations({
          'sidecar.istio.io/proxyCPU': '50m',
          'sidecar.istio.io/proxyMemory': '64Mi',
          'sidecar.istio.io/proxyCPULimit': '50m',
          'sidecar.istio.io/proxyMemoryLimit': '64Mi',
        }),
      ),
    },
    {
      name: 'requests above Istio default limits: the filled-in limits are raised to the requests',
      input: microService(
        withMesh({ provider: 'istio', proxy: { resources: { requests: { cpu: '4', memory: '2Gi' } } } }),
      ),
      want: istioSidecar(
        withMeshAnnotations({
          'sidecar.istio.io/proxyCPU': '4',
          'sidecar.istio.io/proxyMemory': '2Gi',
          'sidecar.istio.io/proxyCPULimit': '4',
          'sidecar.istio.io/proxyMemoryLimit': '2Gi',
        }),
      ),
    },
    {
      name: 'exclude ports sorted and comma-joined',
      input: microService(
        withMesh({ provider: 'istio', excludeOutboundPorts: [6379, 5432, 443], excludeInboundPorts: [9102, 9090] }),
      ),
      want: istioSidecar(
        withMeshAnnotations({
          'traffic.sidecar.istio.io/excludeOutboundPorts': '443,5432,6379',
          'traffic.sidecar.istio.io/excludeInboundPorts': '9090,9102',
        }),
      ),
    },
    {
      name: 'empty exclude lists render nothing',
      input: microService(withMesh({ provider: 'istio', excludeOutboundPorts: [], excludeInboundPorts: [] })),
      want: istioSidecar(),
    },
    {
      name: 'ambient: dataplane-mode label and inject "false" label, nothing else',
      input: microService(withMesh({ provider: 'istio', mode: 'ambient' })),
      want: {
        labels: { 'istio.io/dataplane-mode': 'ambient', 'sidecar.istio.io/inject': 'false' },
        annotations: {},
      },
    },
    {
      name: 'provider none: nothing',
      input: microService(withMesh({ provider: 'none' })),
      want: { labels: {}, annotations: {} },
    },
    { name: 'no mesh: nothing', input: microService(), want: { labels: {}, annotations: {} } },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(splitMeshKeys(meshKeys(input.spec))).toStrictEqual(want));

  it('never emits the deprecated inject annotation', () => {
    for (const mode of ['sidecar', 'native-sidecar', 'ambient'] as const) {
      const { annotations } = splitMeshKeys(meshKeys(microService(withMesh({ provider: 'istio', mode })).spec));
      expect(annotations).not.toHaveProperty('sidecar.istio.io/inject');
    }
  });

  it('the classic drain stays below the grace period', () => {
    const ms = microService(
      withMesh({ provider: 'istio' }),
      withShutdown({ preStopSleepSeconds: 3, timeoutSeconds: 7, gracePeriodSeconds: 11 }),
    );
    const config = JSON.parse(splitMeshKeys(meshKeys(ms.spec)).annotations['proxy.istio.io/config'] ?? '{}');
    expect(config).toStrictEqual({ holdApplicationUntilProxyStarts: true, terminationDrainDuration: '10s' });
  });
});
