import { describe, expect, it } from 'vitest';
import { microService, withMesh, withResources } from '../test/support/fixtures.ts';
import { podBudget } from './budget.ts';

/** The default app resources, with the default CPU limit: max(1, ceil(2 × 100m)) = 1. */
const app = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } };
const istioProxy = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } };
const linkerdProxy = { requests: { cpu: '100m', memory: '20Mi' }, limits: { memory: '250Mi' } };

describe('podBudget', () => {
  const cases = [
    {
      name: 'no mesh: the app container alone',
      input: microService(),
      want: { containers: { app }, requests: app.requests, limits: app.limits },
    },
    {
      name: 'istio: app + proxy; the default app CPU limit 1 plus the proxy limit 2',
      input: microService(withMesh({ provider: 'istio' })),
      want: {
        containers: { app, 'istio-proxy': istioProxy },
        requests: { cpu: '200m', memory: '256Mi' },
        limits: { cpu: '3', memory: '1152Mi' },
      },
    },
    {
      name: 'istio, the app opted out of a CPU limit: the pod has none',
      input: microService(withMesh({ provider: 'istio' }), withResources({ defaultCPULimit: false })),
      want: {
        containers: { app: { requests: app.requests, limits: { memory: '128Mi' } }, 'istio-proxy': istioProxy },
        requests: { cpu: '200m', memory: '256Mi' },
        limits: { memory: '1152Mi' },
      },
    },
    {
      name: 'istio with app limits on both: CPU limits sum too',
      input: microService(
        withMesh({ provider: 'istio' }),
        withResources({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }),
      ),
      want: {
        containers: {
          app: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
          'istio-proxy': istioProxy,
        },
        requests: { cpu: '600m', memory: '1152Mi' },
        limits: { cpu: '3', memory: '2Gi' },
      },
    },
    {
      name: 'istio ambient: no proxy in the pod',
      input: microService(withMesh({ provider: 'istio', mode: 'ambient' })),
      want: { containers: { app }, requests: app.requests, limits: app.limits },
    },
    {
      name: 'linkerd: default proxy resources, no CPU limit',
      input: microService(withMesh({ provider: 'linkerd' })),
      want: {
        containers: { app, 'linkerd-proxy': linkerdProxy },
        requests: { cpu: '200m', memory: '148Mi' },
        limits: { memory: '378Mi' },
      },
    },
    {
      name: 'a missing request counts as its limit (Kubernetes defaults it so, and quota counts that)',
      input: microService(withResources({ limits: { cpu: '1500m', memory: '512Mi' } })),
      want: {
        containers: { app: { requests: {}, limits: { cpu: '1500m', memory: '512Mi' } } },
        requests: { cpu: '1500m', memory: '512Mi' },
        limits: { cpu: '1500m', memory: '512Mi' },
      },
    },
    {
      name: 'linkerd proxy with limits only: the default requests are filled in',
      input: microService(
        withMesh({ provider: 'linkerd', proxy: { resources: { limits: { cpu: '1', memory: '100Mi' } } } }),
      ),
      want: {
        containers: {
          app,
          'linkerd-proxy': { requests: { cpu: '100m', memory: '20Mi' }, limits: { cpu: '1', memory: '100Mi' } },
        },
        requests: { cpu: '200m', memory: '148Mi' },
        limits: { cpu: '2', memory: '228Mi' },
      },
    },
    {
      name: 'no resources at all: nothing to sum',
      input: microService(withResources({})),
      want: { containers: { app: { requests: {}, limits: {} } }, requests: {}, limits: {} },
    },
    {
      name: 'odd quantities are summed exactly',
      input: microService(
        withMesh({ provider: 'istio', proxy: { resources: { requests: { cpu: '0.25', memory: '1e6' } } } }),
        withResources({ requests: { cpu: 1, memory: '1000k' }, limits: { cpu: '1500m', memory: '2M' } }),
      ),
      want: {
        containers: {
          app: { requests: { cpu: 1, memory: '1000k' }, limits: { cpu: '1500m', memory: '2M' } },
          'istio-proxy': { requests: { cpu: '0.25', memory: '1e6' }, limits: { cpu: '2', memory: '1Gi' } },
        },
        requests: { cpu: '1250m', memory: '2000000' },
        limits: { cpu: '3500m', memory: '1075741824' },
      },
    },
    {
      name: 'huge quantities are summed exactly, not as floats',
      input: microService(
        withResources({ requests: { cpu: '9007199254740993' }, limits: { cpu: '1Ei' } }),
        withMesh({ provider: 'istio' }),
      ),
      want: {
        containers: {
          app: { requests: { cpu: '9007199254740993' }, limits: { cpu: '1Ei' } },
          'istio-proxy': istioProxy,
        },
        requests: { cpu: '9007199254740993100m', memory: '128Mi' },
        limits: { cpu: '1152921504606846978' },
      },
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(podBudget(input.spec)).toStrictEqual(want));
});
