// Test builders for the renderer's table tests (the pattern of Knative Serving's resource tests): a default
// MicroService and the objects it renders, written out by hand, each deep-cloned and then changed
// by small `withX()` options, so a case lists only how it differs from the default.
// The expected objects are literals on purpose: building them with the renderer would test nothing.
import type { MicroService, MicroServiceSpec } from '../../api/index.ts';
import { contentHash } from '../../render/hash.ts';
import type { RenderedObject } from '../../render/types.ts';

type Json = Record<string, unknown>;
type Option<T> = (target: T) => void;

function build<T>(fixture: T, options: readonly Option<T>[]): T {
  const out = structuredClone(fixture);
  for (const option of options) option(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Input: the MicroService

export const NAME = 'order';
export const NAMESPACE = 'shop';
export const IMAGE = 'registry.example.com/shop/order:1.4.2';

const DEFAULT_MICROSERVICE: MicroService = {
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: NAME, namespace: NAMESPACE },
  spec: { image: IMAGE, ports: [{ name: 'http', port: 8080 }] },
};

export type MicroServiceOption = Option<MicroService>;

/** The default MicroService (`order` in `shop`, one HTTP port 8080) changed by `options`. */
export function microService(...options: MicroServiceOption[]): MicroService {
  return build(DEFAULT_MICROSERVICE, options);
}

/** Sets (or, with `undefined`, removes) top-level spec fields. */
export const withSpec =
  (fields: Partial<MicroServiceSpec>): MicroServiceOption =>
  (ms) => {
    for (const [key, value] of Object.entries(structuredClone(fields))) {
      if (value === undefined) delete (ms.spec as Json)[key];
      else (ms.spec as Json)[key] = value;
    }
  };
export const withImage = (image: string) => withSpec({ image });
export const withReplicas = (replicas: number) => withSpec({ replicas });
export const withAutoscaling = (autoscaling: MicroServiceSpec['autoscaling']) => withSpec({ autoscaling });
export const withPorts = (...ports: NonNullable<MicroServiceSpec['ports']>) => withSpec({ ports });
export const withoutPorts: MicroServiceOption = withSpec({ ports: undefined });
export const withResources = (resources: MicroServiceSpec['resources']) => withSpec({ resources });
export const withProbes = (probes: MicroServiceSpec['probes']) => withSpec({ probes });
export const withEnv = (...env: NonNullable<MicroServiceSpec['env']>) => withSpec({ env });
export const withGo = (go: NonNullable<NonNullable<MicroServiceSpec['runtime']>['go']>) =>
  withSpec({ runtime: { go } });
export const withJvm = (jvm: NonNullable<NonNullable<MicroServiceSpec['runtime']>['jvm']>) =>
  withSpec({ runtime: { jvm } });
export const withNode = (node: NonNullable<NonNullable<MicroServiceSpec['runtime']>['node']>) =>
  withSpec({ runtime: { node } });
export const withMesh = (mesh: MicroServiceSpec['mesh']) => withSpec({ mesh });
export const withShutdown = (shutdown: MicroServiceSpec['shutdown']) => withSpec({ shutdown });
export const withDisruption = (disruption: MicroServiceSpec['disruption']) => withSpec({ disruption });
export const withServiceAccount = (serviceAccount: MicroServiceSpec['serviceAccount']) => withSpec({ serviceAccount });
export const withService = (service: MicroServiceSpec['service']) => withSpec({ service });
export const withPodMetadata = (podLabels?: Record<string, string>, podAnnotations?: Record<string, string>) =>
  withSpec({ podLabels, podAnnotations });
export const withoutNamespace: MicroServiceOption = (ms) => {
  delete ms.metadata.namespace;
};
export const withMetadataLabels =
  (labels: Record<string, string>): MicroServiceOption =>
  (ms) => {
    ms.metadata.labels = { ...labels };
  };

// ---------------------------------------------------------------------------------------------
// Output: labels shared by every object

export const SELECTOR = { 'app.kubernetes.io/name': NAME };

const DEFAULT_LABELS: Record<string, string> = {
  'app.kubernetes.io/name': NAME,
  'app.kubernetes.io/instance': NAME,
  'app.kubernetes.io/version': '1.4.2',
  'app.kubernetes.io/managed-by': 'msvc-operator',
};

export type LabelsOption = Option<Record<string, string>>;

export function labels(...options: LabelsOption[]): Record<string, string> {
  return build(DEFAULT_LABELS, options);
}
export const withVersionLabel =
  (version: string): LabelsOption =>
  (l) => {
    l['app.kubernetes.io/version'] = version;
  };
export const withoutVersionLabel: LabelsOption = (l) => {
  delete l['app.kubernetes.io/version'];
};
export const withLabel =
  (key: string, value: string): LabelsOption =>
  (l) => {
    l[key] = value;
  };

/** Options that apply to the metadata of any rendered object. */
export type ObjectOption = Option<RenderedObject>;
export const withObjectLabels =
  (...options: LabelsOption[]): ObjectOption =>
  (o) => {
    o.metadata.labels = labels(...options);
  };
export const withoutObjectNamespace: ObjectOption = (o) => {
  delete o.metadata.namespace;
};
const metadata = () => ({ name: NAME, namespace: NAMESPACE, labels: labels() });

// ---------------------------------------------------------------------------------------------
// Output: the app container

const DEFAULT_CONTAINER: Json = {
  name: 'app',
  image: IMAGE,
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } },
  livenessProbe: {
    httpGet: { path: '/healthz', port: 'http' },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
    successThreshold: 1,
  },
  readinessProbe: {
    httpGet: { path: '/readyz', port: 'http' },
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold: 3,
    successThreshold: 1,
  },
  startupProbe: {
    httpGet: { path: '/healthz', port: 'http' },
    periodSeconds: 2,
    timeoutSeconds: 2,
    failureThreshold: 30,
    successThreshold: 1,
  },
  lifecycle: { preStop: { sleep: { seconds: 5 } } },
  securityContext: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  terminationMessagePolicy: 'FallbackToLogsOnError',
};

export type ContainerOption = Option<Json>;

/** The app container the default MicroService renders, changed by `options`. */
export function appContainer(...options: ContainerOption[]): Json {
  return build(DEFAULT_CONTAINER, options);
}
export const withContainerField =
  (field: string, value: unknown): ContainerOption =>
  (c) => {
    if (value === undefined) delete c[field];
    else c[field] = structuredClone(value);
  };
export const withContainerImage = (image: string) => withContainerField('image', image);
export const withContainerEnv = (...env: Json[]) => withContainerField('env', env);
export const withContainerPorts = (...ports: Json[]) => withContainerField('ports', ports);
export const withoutContainerPorts: ContainerOption = withContainerField('ports', undefined);
export const withContainerResources = (resources: Json) => withContainerField('resources', resources);
export const withPreStopSleep = (seconds: number) =>
  withContainerField('lifecycle', { preStop: { sleep: { seconds } } });
export const withoutPreStop: ContainerOption = withContainerField('lifecycle', undefined);
export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export const withProbe = (kind: ProbeKind, probe: Json | undefined) => withContainerField(`${kind}Probe`, probe);
export const withoutProbes: ContainerOption = (c) => {
  delete c['livenessProbe'];
  delete c['readinessProbe'];
  delete c['startupProbe'];
};
/** Replaces the handler of every probe, keeping the default timings. */
export const withProbeHandlers =
  (handlers: Partial<Record<ProbeKind, Json>>): ContainerOption =>
  (c) => {
    for (const [kind, handler] of Object.entries(handlers)) {
      const probe = c[`${kind}Probe`] as Json;
      for (const h of ['httpGet', 'grpc', 'tcpSocket', 'exec']) delete probe[h];
      c[`${kind}Probe`] = { ...structuredClone(handler), ...probe };
    }
  };

// ---------------------------------------------------------------------------------------------
// Output: the Deployment

const POD_TEMPLATE_HASH = 'msvc.dev/pod-template-hash';

/** The default pod budget: the app container only (requests 100m/128Mi, limits 1 CPU/128Mi). */
const DEFAULT_POD_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1', memory: '128Mi' },
  containers: { app: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } } },
};

function defaultDeployment(): RenderedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...metadata(),
      annotations: { 'msvc.dev/pod-resources': JSON.stringify(DEFAULT_POD_RESOURCES) },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { ...SELECTOR } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(), annotations: {} },
        spec: {
          serviceAccountName: NAME,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationGracePeriodSeconds: 30,
          containers: [appContainer()],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { ...SELECTOR } },
            },
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { ...SELECTOR } },
            },
          ],
        },
      },
    },
  };
}

export type DeploymentOption = ObjectOption;

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: Json & { containers: Json[] };
}
const specOf = (d: RenderedObject) => d['spec'] as Json & { template: PodTemplate };

/**
 * The Deployment the default MicroService renders, changed by `options`. The pod-template hash is
 * recomputed last, from the expected template without the hash, so `want` states what the hash covers.
 */
export function deployment(...options: DeploymentOption[]): RenderedObject {
  const d = build(defaultDeployment(), options);
  const template = specOf(d).template;
  delete template.metadata.annotations[POD_TEMPLATE_HASH];
  template.metadata.annotations[POD_TEMPLATE_HASH] = contentHash(template);
  return d;
}
export const withDeploymentReplicas =
  (replicas: number | undefined): DeploymentOption =>
  (d) => {
    const spec = specOf(d);
    const { selector, strategy, template } = spec;
    for (const key of Object.keys(spec)) delete spec[key];
    if (replicas !== undefined) spec['replicas'] = replicas;
    Object.assign(spec, { selector, strategy, template });
  };
export const withPodLabels =
  (...options: LabelsOption[]): DeploymentOption =>
  (d) => {
    specOf(d).template.metadata.labels = build(specOf(d).template.metadata.labels, options);
  };
export const withPodAnnotations =
  (annotations: Record<string, string>): DeploymentOption =>
  (d) => {
    Object.assign(specOf(d).template.metadata.annotations, annotations);
  };
export const withPodSpecField =
  (field: string, value: unknown): DeploymentOption =>
  (d) => {
    const pod = specOf(d).template.spec;
    if (value === undefined) delete pod[field];
    else pod[field] = structuredClone(value);
  };
export const withGracePeriod = (seconds: number) => withPodSpecField('terminationGracePeriodSeconds', seconds);
export const withContainer =
  (...options: ContainerOption[]): DeploymentOption =>
  (d) => {
    const pod = specOf(d).template.spec;
    pod.containers = [build(pod.containers[0] as Json, options)];
  };
export const withPodResources =
  (budget: unknown): DeploymentOption =>
  (d) => {
    d.metadata.annotations = { 'msvc.dev/pod-resources': JSON.stringify(budget) };
  };
export const withDeploymentLabels =
  (...options: LabelsOption[]): DeploymentOption =>
  (d) => {
    d.metadata.labels = labels(...options);
    specOf(d).template.metadata.labels = labels(...options);
  };

// ---------------------------------------------------------------------------------------------
// Output: Service, ServiceAccount, HPA, PDB

const httpServicePort = { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' };

export function service(...options: ObjectOption[]): RenderedObject {
  return build(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: { type: 'ClusterIP', selector: { ...SELECTOR }, ports: [httpServicePort] },
    },
    options,
  );
}
export const withServiceSpec =
  (fields: Json): ObjectOption =>
  (o) => {
    const spec = o['spec'] as Json;
    for (const [key, value] of Object.entries(structuredClone(fields))) {
      if (value === undefined) delete spec[key];
      else spec[key] = value;
    }
  };
export const withServicePorts = (...ports: Json[]) => withServiceSpec({ ports });

export function serviceAccount(...options: ObjectOption[]): RenderedObject {
  return build(
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(), automountServiceAccountToken: false },
    options,
  );
}

export const cpuMetric = (averageUtilization: number) => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } },
});
export const memoryMetric = (averageUtilization: number) => ({
  type: 'Resource',
  resource: { name: 'memory', target: { type: 'Utilization', averageUtilization } },
});

/** The autoscaler for `autoscaling: { maxReplicas: 10 }`. */
export function horizontalPodAutoscaler(...options: ObjectOption[]): RenderedObject {
  return build(
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: metadata(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [cpuMetric(80)],
      },
    },
    options,
  );
}
export const withHpaSpec = withServiceSpec;

export function podDisruptionBudget(...options: ObjectOption[]): RenderedObject {
  return build(
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(),
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: { ...SELECTOR } },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    },
    options,
  );
}
/** Replaces the budget (maxUnavailable / minAvailable), keeping the selector and policy. */
export const withBudget =
  (budget: { maxUnavailable: number | string } | { minAvailable: number | string }): ObjectOption =>
  (o) => {
    const { selector, unhealthyPodEvictionPolicy } = o['spec'] as Json;
    o['spec'] = { ...budget, selector, unhealthyPodEvictionPolicy };
  };

// ---------------------------------------------------------------------------------------------
// Output: mesh keys on the pod template

export interface PodMeshMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export type MeshOption = Option<PodMeshMetadata>;

/** Istio classic sidecar with the default shutdown budget (5s preStop + 20s app) and Istio's proxy defaults. */
export function istioSidecar(...options: MeshOption[]): PodMeshMetadata {
  return build(
    {
      labels: { 'sidecar.istio.io/inject': 'true' },
      annotations: {
        'sidecar.istio.io/nativeSidecar': 'false',
        'sidecar.istio.io/proxyCPU': '100m',
        'sidecar.istio.io/proxyMemory': '128Mi',
        'sidecar.istio.io/proxyCPULimit': '2',
        'sidecar.istio.io/proxyMemoryLimit': '1Gi',
        'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"25s"}',
        'sidecar.istio.io/rewriteAppHTTPProbers': 'true',
      },
    },
    options,
  );
}

/** Linkerd classic sidecar with the default shutdown budget (grace 30s) and the default proxy resources. */
export function linkerdSidecar(...options: MeshOption[]): PodMeshMetadata {
  return build(
    {
      labels: {},
      annotations: {
        'linkerd.io/inject': 'enabled',
        'config.linkerd.io/proxy-enable-native-sidecar': 'false',
        'config.beta.linkerd.io/proxy-enable-native-sidecar': 'false',
        'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'false',
        'config.linkerd.io/proxy-cpu-request': '100m',
        'config.linkerd.io/proxy-memory-request': '20Mi',
        'config.linkerd.io/proxy-memory-limit': '250Mi',
        'config.linkerd.io/proxy-await': 'enabled',
        'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '25',
        'config.linkerd.io/shutdown-grace-period': '4s',
      },
    },
    options,
  );
}

export const withMeshAnnotations =
  (annotations: Record<string, string | undefined>): MeshOption =>
  (m) => {
    for (const [key, value] of Object.entries(annotations)) {
      if (value === undefined) delete m.annotations[key];
      else m.annotations[key] = value;
    }
  };
export const withMeshLabels =
  (labels: Record<string, string | undefined>): MeshOption =>
  (m) => {
    for (const [key, value] of Object.entries(labels)) {
      if (value === undefined) delete m.labels[key];
      else m.labels[key] = value;
    }
  };
