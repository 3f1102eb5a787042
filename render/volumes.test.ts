import { describe, expect, it } from 'vitest';
import {
  deployment,
  microService,
  withContainer,
  withContainerField,
  withContainerResources,
  withPodResources,
  withPodSpecField,
  withSpec,
} from '../test/support/fixtures.ts';
import { renderDeployment } from './deployment.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

const cfg = DEFAULT_RENDER_CONFIG;
const TMP = { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } };
const TMP_MOUNT = { name: 'tmp', mountPath: '/tmp' };

describe('volumes, mounts, ephemeral storage and pull secrets in the Deployment', () => {
  const cases = [
    {
      name: 'a ConfigMap file and a TLS Secret: volumes after tmp, mounts after /tmp, as given',
      input: microService(
        withSpec({
          volumes: [
            { name: 'config', configMap: { name: 'order-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
            { name: 'tls', secret: { secretName: 'order-tls', defaultMode: 0o440 } },
          ],
          volumeMounts: [
            { name: 'config', mountPath: '/etc/order/app.yaml', subPath: 'app.yaml', readOnly: true },
            { name: 'tls', mountPath: '/etc/tls', readOnly: true },
          ],
        }),
      ),
      want: deployment(
        withPodSpecField('volumes', [
          TMP,
          { name: 'config', configMap: { name: 'order-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
          { name: 'tls', secret: { secretName: 'order-tls', defaultMode: 288 } },
        ]),
        withContainer(
          withContainerField('volumeMounts', [
            TMP_MOUNT,
            { name: 'config', mountPath: '/etc/order/app.yaml', subPath: 'app.yaml', readOnly: true },
            { name: 'tls', mountPath: '/etc/tls', readOnly: true },
          ]),
        ),
      ),
    },
    {
      name: 'a volume named tmp replaces the default one, still mounted at /tmp',
      input: microService(withSpec({ volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] })),
      want: deployment(
        withPodSpecField('volumes', [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }]),
      ),
    },
    {
      name: 'pull secrets go on the pod',
      input: microService(withSpec({ imagePullSecrets: [{ name: 'registry' }] })),
      want: deployment(withPodSpecField('imagePullSecrets', [{ name: 'registry' }])),
    },
    {
      name: 'ephemeral-storage lands in the container and in the pod budget',
      input: microService(
        withSpec({
          resources: {
            requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
            limits: { memory: '128Mi', 'ephemeral-storage': '2Gi' },
          },
        }),
      ),
      want: deployment(
        withContainer(
          withContainerResources({
            requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
            limits: { cpu: '1', memory: '128Mi', 'ephemeral-storage': '2Gi' },
          }),
        ),
        withPodResources({
          requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
          limits: { cpu: '1', memory: '128Mi', 'ephemeral-storage': '2Gi' },
          containers: {
            app: {
              requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
              limits: { cpu: '1', memory: '128Mi', 'ephemeral-storage': '2Gi' },
            },
          },
        }),
      ),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderDeployment(input, cfg)).toStrictEqual(want));

  it('the user volume objects are copies: the input stays untouched', () => {
    const ms = microService(withSpec({ volumes: [{ name: 'a', emptyDir: {} }] }));
    const d = renderDeployment(ms, cfg) as unknown as { spec: { template: { spec: { volumes: object[] } } } };
    expect(d.spec.template.spec.volumes[1]).not.toBe(ms.spec.volumes?.[0]);
  });
});
