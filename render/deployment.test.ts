import { describe, expect, it } from 'vitest';
import type { MicroService } from '../api/index.ts';
import {
  appContainer,
  deployment,
  istioSidecar,
  linkerdSidecar,
  microService,
  withAutoscaling,
  withContainer,
  withContainerEnv,
  withContainerImage,
  withContainerResources,
  withDeploymentLabels,
  withDeploymentReplicas,
  withDisruption,
  withEnv,
  withGo,
  withGracePeriod,
  withImage,
  withMesh,
  withMeshAnnotations,
  withMetadataLabels,
  withoutNamespace,
  withoutObjectNamespace,
  withoutPreStop,
  withoutVersionLabel,
  withPodAnnotations,
  withPodLabels,
  withPodMetadata,
  withPodResources,
  withPodSpecField,
  withPreStopSleep,
  withReplicas,
  withResources,
  withService,
  withServiceAccount,
  withShutdown,
} from '../test/support/fixtures.ts';
import { POD_TEMPLATE_HASH_ANNOTATION, renderDeployment } from './deployment.ts';
import { DEFAULT_RENDER_CONFIG, type RenderConfig } from './types.ts';

const cfg = DEFAULT_RENDER_CONFIG;
const appOnly = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } };

describe('renderDeployment', () => {
  const cases = [
    { name: 'default', input: microService(), want: deployment() },
    { name: 'replicas as given', input: microService(withReplicas(5)), want: deployment(withDeploymentReplicas(5)) },
    { name: 'zero replicas', input: microService(withReplicas(0)), want: deployment(withDeploymentReplicas(0)) },
    {
      name: 'autoscaling: replicas omitted, so server-side apply never fights the HPA',
      input: microService(withReplicas(5), withAutoscaling({ maxReplicas: 10 })),
      want: deployment(withDeploymentReplicas(undefined)),
    },
    {
      name: 'no namespace',
      input: microService(withoutNamespace),
      want: deployment(withoutObjectNamespace),
    },
    {
      name: 'digest-only image: no version label anywhere',
      input: microService(withImage('registry.example.com/shop/order@sha256:abc')),
      want: deployment(
        withDeploymentLabels(withoutVersionLabel),
        withContainer(withContainerImage('registry.example.com/shop/order@sha256:abc')),
      ),
    },
    // Shutdown budget
    {
      name: 'grace = preStop + timeout + 5s margin',
      input: microService(withShutdown({ preStopSleepSeconds: 10, timeoutSeconds: 40 })),
      want: deployment(withGracePeriod(55), withContainer(withPreStopSleep(10))),
    },
    {
      name: 'no preStop sleep: grace = timeout + margin, no lifecycle hook',
      input: microService(withShutdown({ preStopSleepSeconds: 0 })),
      want: deployment(withGracePeriod(25), withContainer(withoutPreStop)),
    },
    {
      name: "the user's grace period wins",
      input: microService(withShutdown({ gracePeriodSeconds: 90 })),
      want: deployment(withGracePeriod(90)),
    },
    {
      name: 'Linkerd native sidecar: grace adds the 5s proxy shutdown after the app',
      input: microService(withMesh({ provider: 'linkerd', mode: 'native-sidecar' })),
      want: deployment(
        withGracePeriod(35),
        withPodAnnotations(
          linkerdSidecar(
            withMeshAnnotations({
              'config.linkerd.io/proxy-enable-native-sidecar': 'true',
              'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true',
              'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true',
              'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': undefined,
              'config.linkerd.io/shutdown-grace-period': '5s',
            }),
          ).annotations,
        ),
        withPodResources({
          requests: { cpu: '200m', memory: '148Mi' },
          limits: { memory: '378Mi' },
          containers: {
            app: appOnly,
            'linkerd-proxy': { requests: { cpu: '100m', memory: '20Mi' }, limits: { memory: '250Mi' } },
          },
        }),
      ),
    },
    {
      name: 'Istio native sidecar: grace as without a mesh (preStop drain, exit at once on SIGTERM), no proxy.istio.io/config',
      input: microService(withMesh({ provider: 'istio', mode: 'native-sidecar' })),
      want: deployment(
        withGracePeriod(30),
        withPodLabels((l) => Object.assign(l, istioSidecar().labels)),
        withPodAnnotations(
          istioSidecar(
            withMeshAnnotations({ 'sidecar.istio.io/nativeSidecar': 'true', 'proxy.istio.io/config': undefined }),
          ).annotations,
        ),
        withPodResources({
          requests: { cpu: '200m', memory: '256Mi' },
          limits: { cpu: '3', memory: '1152Mi' },
          containers: {
            app: appOnly,
            'istio-proxy': { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
          },
        }),
      ),
    },
    // Identity
    {
      name: 'existing service account',
      input: microService(withServiceAccount({ create: false, name: 'shared', automountToken: true })),
      want: deployment(
        withPodSpecField('serviceAccountName', 'shared'),
        withPodSpecField('automountServiceAccountToken', true),
      ),
    },
    // Mesh
    {
      name: 'istio sidecar: keys on the pod template, proxy in the pod budget',
      input: microService(withMesh({ provider: 'istio' })),
      want: deployment(
        withPodLabels((l) => Object.assign(l, istioSidecar().labels)),
        withPodAnnotations(istioSidecar().annotations),
        withPodResources({
          requests: { cpu: '200m', memory: '256Mi' },
          limits: { cpu: '3', memory: '1152Mi' },
          containers: {
            app: appOnly,
            'istio-proxy': { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
          },
        }),
      ),
    },
    {
      name: 'istio ambient: two labels, no proxy in the budget',
      input: microService(withMesh({ provider: 'istio', mode: 'ambient' })),
      want: deployment(
        withPodLabels((l) =>
          Object.assign(l, { 'istio.io/dataplane-mode': 'ambient', 'sidecar.istio.io/inject': 'false' }),
        ),
      ),
    },
    // User pod metadata
    {
      name: 'pod labels and annotations from the spec go on the template, ours next to them',
      input: microService(
        withPodMetadata({ team: 'checkout' }, { 'prometheus.io/scrape': 'true', 'msvc.dev/simulate': 'x' }),
      ),
      want: deployment(
        withPodLabels((l) => Object.assign(l, { team: 'checkout' })),
        withPodAnnotations({ 'prometheus.io/scrape': 'true', 'msvc.dev/simulate': 'x' }),
      ),
    },
    {
      name: 'user pod metadata never reaches the Deployment metadata or the selector',
      input: microService(withPodMetadata({ team: 'checkout' }), withMesh({ provider: 'istio', mode: 'ambient' })),
      want: deployment(
        withPodLabels((l) =>
          Object.assign(l, {
            team: 'checkout',
            'istio.io/dataplane-mode': 'ambient',
            'sidecar.istio.io/inject': 'false',
          }),
        ),
      ),
    },
    // Runtime
    {
      name: 'go tuning lands in the app container',
      input: microService(withGo({ version: '1.24' }), withResources({ limits: { cpu: '1500m', memory: '512Mi' } })),
      want: deployment(
        withContainer(
          withContainerResources({ requests: {}, limits: { cpu: '1500m', memory: '512Mi' } }),
          withContainerEnv({ name: 'GOMAXPROCS', value: '2' }, { name: 'GOMEMLIMIT', value: '483183820' }),
        ),
        withPodResources({
          requests: { cpu: '1500m', memory: '512Mi' },
          limits: { cpu: '1500m', memory: '512Mi' },
          containers: { app: { requests: {}, limits: { cpu: '1500m', memory: '512Mi' } } },
        }),
      ),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderDeployment(input, cfg)).toStrictEqual(want));

  it('the default pod template holds exactly the default app container', () => {
    const d = renderDeployment(microService(), cfg) as unknown as {
      spec: { template: { spec: { containers: unknown[] } } };
    };
    expect(d.spec.template.spec.containers).toStrictEqual([appContainer()]);
  });

  it('restricted Pod Security: pod and container settings, read-only root with a /tmp emptyDir', () => {
    const d = renderDeployment(microService(), cfg) as unknown as {
      spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };
    const pod = d.spec.template.spec;
    expect(pod['securityContext']).toStrictEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0]?.['securityContext']).toStrictEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod['volumes']).toStrictEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(pod.containers[0]?.['volumeMounts']).toStrictEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });
});

describe('pod-template hash', () => {
  const hashOf = (ms: MicroService, c: RenderConfig = cfg) =>
    (renderDeployment(ms, c)['spec'] as { template: { metadata: { annotations: Record<string, string> } } }).template
      .metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION];

  const cases = [
    // Outside the template: same hash.
    { name: 'replicas', input: [microService(), microService(withReplicas(7))], want: 'same' },
    { name: 'autoscaling', input: [microService(), microService(withAutoscaling({ maxReplicas: 9 }))], want: 'same' },
    {
      name: 'disruption budget',
      input: [microService(), microService(withDisruption({ minAvailable: 1 }))],
      want: 'same',
    },
    { name: 'service type', input: [microService(), microService(withService({ type: 'NodePort' }))], want: 'same' },
    { name: 'namespace', input: [microService(), microService(withoutNamespace)], want: 'same' },
    {
      name: 'an unrelated MicroService label',
      input: [microService(), microService(withMetadataLabels({ team: 'x' }))],
      want: 'same',
    },
    // Inside the template: new hash.
    {
      name: 'image',
      input: [microService(), microService(withImage('registry.example.com/shop/order:1.4.3'))],
      want: 'changed',
    },
    { name: 'env', input: [microService(), microService(withEnv({ name: 'A', value: '1' }))], want: 'changed' },
    {
      name: 'env value',
      input: [microService(withEnv({ name: 'A', value: '1' })), microService(withEnv({ name: 'A', value: '2' }))],
      want: 'changed',
    },
    {
      name: 'resources',
      input: [microService(), microService(withResources({ requests: { cpu: '1' } }))],
      want: 'changed',
    },
    {
      name: 'grace period',
      input: [microService(), microService(withShutdown({ gracePeriodSeconds: 60 }))],
      want: 'changed',
    },
    { name: 'mesh keys', input: [microService(), microService(withMesh({ provider: 'istio' }))], want: 'changed' },
    {
      name: 'a mesh option',
      input: [
        microService(withMesh({ provider: 'istio' })),
        microService(withMesh({ provider: 'istio', excludeOutboundPorts: [5432] })),
      ],
      want: 'changed',
    },
    {
      name: 'service account',
      input: [microService(), microService(withServiceAccount({ automountToken: true }))],
      want: 'changed',
    },
    {
      name: 'part-of label',
      input: [microService(), microService(withMetadataLabels({ 'app.kubernetes.io/part-of': 'shop' }))],
      want: 'changed',
    },
  ] as const;
  it.each(cases)('$name: $want', ({ input: [a, b], want }) => {
    const [x, y] = [hashOf(a), hashOf(b)];
    expect(x).toMatch(/^[0-9a-f]{16}$/);
    expect(x === y ? 'same' : 'changed').toBe(want);
  });

  it('follows the render config (managed-by is a pod label)', () => {
    expect(hashOf(microService(), { managedBy: 'cdk8s' })).not.toBe(hashOf(microService()));
  });

  it('does not depend on the key order of the input', () => {
    const a = microService(withResources({ requests: { cpu: '1', memory: '1Gi' } }));
    const b = microService(withResources({ requests: { memory: '1Gi', cpu: '1' } }));
    expect(hashOf(a)).toBe(hashOf(b));
  });
});
