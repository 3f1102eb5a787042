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
            resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '256Mi' } },
            securityContext: RESTRICTED,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
        ]),
        withPodResources({
          requests: { cpu: '500m', memory: '256Mi' },
          limits: { memory: '256Mi' },
          containers: { app: APP, migrate: migrate.resources },
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
            resources: shipper.resources,
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
            resources: migrate.resources,
            securityContext: RESTRICTED,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
        ]),
        withPodResources({
          requests: { cpu: '550m', memory: '320Mi' },
          limits: { memory: '320Mi' },
          containers: { app: APP, logs: shipper.resources, migrate: migrate.resources },
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
