import { describe, expect, it } from 'vitest';
import {
  deployment,
  microService,
  withMesh,
  withPodResources,
  withPodSpecField,
  withSpec,
} from '../test/support/fixtures.ts';
import { podBudget } from './budget.ts';
import { renderDeployment } from './deployment.ts';
import { explain } from './explain.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

const cfg = DEFAULT_RENDER_CONFIG;
const RESTRICTED = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const APP = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } };
const migrate = {
  name: 'migrate',
  image: 'registry.example.com/shop/order-migrate:1.4.2',
  args: ['up'],
  env: [{ name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'order-db', key: 'url' } } }],
  resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '256Mi' } },
};
/** What the renderer gives migrate and shipper: their CPU request plus the default CPU limit, max(1, ceil(2 × request)). */
const MIGRATE = { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } };
const SHIPPER = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '64Mi' } };
const shipper = {
  name: 'logs',
  image: 'fluent/fluent-bit:3.2',
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '64Mi' } },
  volumeMounts: [{ name: 'tmp', mountPath: '/var/log/app' }],
};

describe('init containers and sidecars', () => {
  const cases = [
    {
      name: 'a migration init container: restricted, /tmp mounted, counted in the budget (init phase wins)',
      input: microService(withSpec({ initContainers: [migrate] })),
      want: deployment(
        withPodSpecField('initContainers', [
          {
            name: 'migrate',
            image: 'registry.example.com/shop/order-migrate:1.4.2',
            args: ['up'],
            env: [{ name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'order-db', key: 'url' } } }],
            resources: MIGRATE,
            securityContext: RESTRICTED,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
        ]),
        withPodResources({
          requests: { cpu: '500m', memory: '256Mi' },
          limits: { cpu: '1', memory: '256Mi' },
          containers: { app: APP, migrate: MIGRATE },
        }),
      ),
    },
    {
      name: 'a sidecar is a native sidecar ahead of the init containers, and runs in both phases',
      input: microService(withSpec({ initContainers: [migrate], sidecars: [shipper] })),
      want: deployment(
        withPodSpecField('initContainers', [
          {
            name: 'logs',
            image: 'fluent/fluent-bit:3.2',
            resources: SHIPPER,
            restartPolicy: 'Always',
            securityContext: RESTRICTED,
            volumeMounts: [
              { name: 'tmp', mountPath: '/tmp' },
              { name: 'tmp', mountPath: '/var/log/app' },
            ],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
          {
            name: 'migrate',
            image: 'registry.example.com/shop/order-migrate:1.4.2',
            args: ['up'],
            env: [{ name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'order-db', key: 'url' } } }],
            resources: MIGRATE,
            securityContext: RESTRICTED,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
        ]),
        withPodResources({
          // Running: app 1 + logs 1 core; init phase: migrate 1 + logs 1 (it starts first).
          requests: { cpu: '550m', memory: '320Mi' },
          limits: { cpu: '2', memory: '320Mi' },
          containers: { app: APP, logs: SHIPPER, migrate: MIGRATE },
        }),
      ),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderDeployment(input, cfg)).toStrictEqual(want));

  it('a resourceFieldRef reads the init container’s own resources', () => {
    const d = renderDeployment(
      microService(
        withSpec({
          initContainers: [
            {
              name: 'x',
              image: 'busybox',
              env: [{ name: 'M', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }],
            },
          ],
        }),
      ),
      cfg,
    ) as unknown as { spec: { template: { spec: { initContainers: { env: unknown[] }[] } } } };
    expect(d.spec.template.spec.initContainers[0]?.env).toStrictEqual([
      { name: 'M', valueFrom: { resourceFieldRef: { containerName: 'x', resource: 'limits.memory' } } },
    ]);
  });

  const cpuLimitCases = [
    {
      name: 'a CPU request without a limit gets max(1, ceil(2 × request))',
      resources: { requests: { cpu: '1500m', memory: '64Mi' } },
      limits: { cpu: '3' },
      reason:
        /^default: max\(1, ceil\(2 × CPU request 1500m\)\) = 3 cores, so container c bursts .*\(spec\.(sidecars|initContainers)\[0\]\.resources\.defaultCPULimit: false renders none\)$/,
    },
    {
      name: 'a given limit wins, whatever defaultCPULimit says',
      resources: { requests: { cpu: '100m' }, limits: { cpu: '250m' }, defaultCPULimit: true },
      limits: { cpu: '250m' },
      reason: /^set in spec\.(sidecars|initContainers)\[0\]\.resources\.limits\.cpu$/,
    },
    {
      name: 'defaultCPULimit: false renders none',
      resources: { requests: { cpu: '100m' }, defaultCPULimit: false },
      limits: {},
      reason:
        /^spec\.(sidecars|initContainers)\[0\]\.resources\.defaultCPULimit is false: no CPU limit, container c may use any idle CPU/,
    },
    {
      name: 'no CPU request, no default limit (Kubernetes would reserve it as the request)',
      resources: { limits: { memory: '64Mi' } },
      limits: { memory: '64Mi' },
      reason: /^spec\.(sidecars|initContainers)\[0\]\.resources sets no CPU request/,
    },
    {
      name: 'no resources at all: nothing is defaulted',
      resources: undefined,
      limits: {},
      reason: /sets no CPU request/,
    },
  ];
  describe.each(['sidecars', 'initContainers'] as const)('the CPU-limit rule of the app, for %s', (field) => {
    it.each(cpuLimitCases)('$name', ({ resources, limits, reason }) => {
      const c = { name: 'c', image: 'busybox', ...(resources ? { resources } : {}) };
      const ms = microService(withSpec({ [field]: [c] }));
      const d = renderDeployment(ms, cfg) as unknown as {
        spec: { template: { spec: { initContainers: { resources: { limits: object } }[] } } };
      };
      expect(d.spec.template.spec.initContainers[0]?.resources.limits).toStrictEqual(limits);
      expect(podBudget(ms.spec).containers['c']?.limits).toStrictEqual(limits);
      const e = explain(ms).find((x) => x.field === 'container c resources.limits.cpu');
      expect(e?.reason).toMatch(reason);
      expect(e?.value).toBe('cpu' in limits ? limits.cpu : '(unset)');
    });
  });

  const budgetCases = [
    {
      name: 'classic sidecar proxy: not running during init, so app + proxy wins over a small init',
      mesh: {
        provider: 'linkerd' as const,
        mode: 'sidecar' as const,
        proxy: { resources: { requests: { cpu: '100m', memory: '64Mi' } } },
      },
      init: { requests: { cpu: '150m', memory: '64Mi' } },
      want: { cpu: '200m', memory: '192Mi' },
    },
    {
      name: 'native-sidecar proxy: runs beside the init container too',
      mesh: {
        provider: 'linkerd' as const,
        mode: 'native-sidecar' as const,
        proxy: { resources: { requests: { cpu: '100m', memory: '64Mi' } } },
      },
      init: { requests: { cpu: '400m', memory: '64Mi' } },
      want: { cpu: '500m', memory: '192Mi' },
    },
  ];
  it.each(budgetCases)('budget: $name', ({ mesh, init, want }) => {
    const ms = microService(
      withMesh(mesh),
      withSpec({ initContainers: [{ name: 'i', image: 'busybox', resources: init }] }),
    );
    expect(podBudget(ms.spec).requests).toStrictEqual(want);
  });

  const orderCases = [
    {
      mode: 'native-sidecar' as const,
      provider: 'istio' as const,
      want: /starts the proxy before your init containers/,
    },
    { mode: 'sidecar' as const, provider: 'istio' as const, want: /outside the mesh/ },
    { mode: 'sidecar' as const, provider: 'linkerd' as const, want: /fail/ },
  ];
  it.each(orderCases)('explain: an init container under $provider $mode', ({ mode, provider, want }) => {
    const ms = microService(
      withMesh({ provider, mode }),
      withSpec({ initContainers: [{ name: 'i', image: 'busybox' }] }),
    );
    const e = explain(ms).find((x) => x.field === 'initContainers i');
    expect(e?.reason).toMatch(want);
  });
});
