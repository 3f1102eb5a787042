// Every default of the MicroService API, in one place. The renderer, the cdk8s construct's
// `@default` docs, the CLI's `explain` and the rules in rules.ts all read these values, so a
// default changes here or nowhere. `resolveSpec` applies them; nothing else fills in fields.
import { compareQuantities } from './quantity.ts';
import type { MicroServiceSpec } from './schema.ts';

export const DEFAULTS = {
  replicas: 2,
  /** Memory is not compressible: a limit equal to the request avoids overcommit and OOM surprises. */
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
  autoscaling: { minReplicas: 2, targetCPUUtilizationPercent: 80 },
  portProtocol: 'HTTP',
  probes: {
    liveness: { path: '/healthz', periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readiness: { path: '/readyz', periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
    /** 30 × 2s = 60s to start before liveness takes over. */
    startup: { path: '/healthz', periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
  },
  runtime: { go: { maxProcs: 'auto', memoryLimitPercent: 90 } },
  mesh: {
    mode: 'sidecar',
    holdApplicationUntilProxyStarts: true,
    /** Istio's terminationDrainDuration default (ProxyConfig; see docs/mesh.md); used for native sidecars. */
    nativeSidecarDrainSeconds: 5,
    /** Istio's global.proxy.resources defaults (its Helm values; see docs/mesh.md). */
    istioProxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    /**
     * Linkerd ships no proxy resources (https://linkerd.io/2/reference/proxy-configuration/); these are the linkerd-control-plane
     * chart's values-ha.yaml figures, so quota and LimitRange math has something to count.
     */
    linkerdProxyResources: { requests: { cpu: '100m', memory: '20Mi' }, limits: { memory: '250Mi' } },
  },
  shutdown: { preStopSleepSeconds: 5, timeoutSeconds: 20, marginSeconds: 5 },
  disruption: { maxUnavailable: 1 },
  /** A PodDisruptionBudget is rendered only from this many replicas (minimum, when autoscaled). */
  disruptionMinReplicas: 2,
  serviceAccount: { create: true, automountToken: false },
  service: { type: 'ClusterIP', headless: false },
} as const;

export interface ResourceValues {
  cpu?: string | number;
  memory?: string | number;
}
export interface Resources {
  requests: ResourceValues;
  limits: ResourceValues;
}

function copyResources(r: { requests?: ResourceValues; limits?: ResourceValues }): Resources {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** App resources: the whole default block when `resources` is absent, else exactly what was given. */
export function resolveResources(spec: MicroServiceSpec): Resources {
  return copyResources(spec.resources ?? DEFAULTS.resources);
}

/**
 * Proxy resources for a sidecar mesh. Istio gets all four values (it drops the rest when one is
 * annotated, see docs/mesh.md), missing ones filled from Istio's own defaults; Linkerd gets
 * the requests at least (so quota has something to count), missing ones from our Linkerd defaults. A filled-in value
 * never crosses a given one.
 */
export function resolveProxyResources(spec: MicroServiceSpec): Resources | undefined {
  const mesh = spec.mesh;
  if (!mesh || mesh.provider === 'none' || (mesh.mode ?? DEFAULTS.mesh.mode) === 'ambient') return undefined;
  const given = mesh.proxy?.resources;
  const base = mesh.provider === 'istio' ? DEFAULTS.mesh.istioProxyResources : DEFAULTS.mesh.linkerdProxyResources;
  if (!given) return copyResources(base);
  if (mesh.provider === 'istio') {
    // A filled-in default must not cross a given value: a request above its limit is rejected when
    // the pod is created, so a missing request is capped at the given limit and a missing limit is
    // raised to the given request.
    const istio = DEFAULTS.mesh.istioProxyResources;
    const requests: ResourceValues = {};
    const limits: ResourceValues = {};
    for (const r of ['cpu', 'memory'] as const) {
      const request = given.requests?.[r];
      const limit = given.limits?.[r];
      requests[r] = request ?? (limit !== undefined ? min(istio.requests[r], limit) : istio.requests[r]);
      limits[r] = limit ?? (request !== undefined ? max(istio.limits[r], request) : istio.limits[r]);
    }
    return { requests, limits };
  }
  // Linkerd merges each annotation on its own and installs with no proxy resources at all, so only
  // the requests are filled in (capped at a given limit), never a limit the user left out.
  const linkerd = DEFAULTS.mesh.linkerdProxyResources;
  const out = copyResources(given);
  for (const r of ['cpu', 'memory'] as const) {
    const limit = given.limits?.[r];
    if (out.requests[r] === undefined) {
      out.requests[r] = limit !== undefined ? min(linkerd.requests[r], limit) : linkerd.requests[r];
    }
  }
  return out;
}

const min = (a: string | number, b: string | number) => (compareQuantities(a, b) <= 0 ? a : b);
const max = (a: string | number, b: string | number) => (compareQuantities(a, b) >= 0 ? a : b);

export type MeshProvider = 'istio' | 'linkerd' | 'none';
export type MeshMode = 'sidecar' | 'native-sidecar' | 'ambient';

export function meshProvider(spec: MicroServiceSpec): MeshProvider {
  return spec.mesh?.provider ?? 'none';
}

export function meshMode(spec: MicroServiceSpec): MeshMode | undefined {
  if (meshProvider(spec) === 'none') return undefined;
  return spec.mesh?.mode ?? DEFAULTS.mesh.mode;
}

export interface ShutdownBudget {
  preStopSleepSeconds: number;
  timeoutSeconds: number;
  /** Seconds the proxy drains after the app is done (native sidecars), else 0. */
  proxyDrainAfterAppSeconds: number;
  gracePeriodSeconds: number;
}

/** The termination budget: preStop sleep, app shutdown, proxy drain, margin (docs/mesh.md, "Shutdown"). */
export function resolveShutdown(spec: MicroServiceSpec): ShutdownBudget {
  const preStopSleepSeconds = spec.shutdown?.preStopSleepSeconds ?? DEFAULTS.shutdown.preStopSleepSeconds;
  const timeoutSeconds = spec.shutdown?.timeoutSeconds ?? DEFAULTS.shutdown.timeoutSeconds;
  const proxyDrainAfterAppSeconds = meshMode(spec) === 'native-sidecar' ? DEFAULTS.mesh.nativeSidecarDrainSeconds : 0;
  const gracePeriodSeconds =
    spec.shutdown?.gracePeriodSeconds ??
    preStopSleepSeconds + timeoutSeconds + proxyDrainAfterAppSeconds + DEFAULTS.shutdown.marginSeconds;
  return { preStopSleepSeconds, timeoutSeconds, proxyDrainAfterAppSeconds, gracePeriodSeconds };
}

/** The fewest pods that run: minReplicas when autoscaled, else replicas. */
export function minimumReplicas(spec: MicroServiceSpec): number {
  return spec.autoscaling
    ? (spec.autoscaling.minReplicas ?? DEFAULTS.autoscaling.minReplicas)
    : (spec.replicas ?? DEFAULTS.replicas);
}

export function serviceAccountName(spec: MicroServiceSpec, microServiceName: string): string | undefined {
  const create = spec.serviceAccount?.create ?? spec.serviceAccount?.name === undefined;
  return create ? microServiceName : spec.serviceAccount?.name;
}
