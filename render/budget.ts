// The pod's resource budget, app plus mesh proxy, as ResourceQuota and LimitRange will count it
// (effective request = max(init phase, sum of app containers + sidecars):
// https://kubernetes.io/docs/concepts/resource-management/effective-pod-requests-limits/).
// Written as an annotation so a quota rejection can be explained from the Deployment alone.
import {
  type ExtraContainerSpec,
  formatBytes,
  type MicroServiceSpec,
  meshMode,
  meshProvider,
  parseQuantity,
  type ResourceValues,
  resolveExtraResources,
  resolveProxyResources,
  resolveResources,
  toBytes,
} from '../api/index.ts';
import { PROXY_CONTAINER } from './mesh/index.ts';
import { names } from './names.ts';

export const POD_RESOURCES_ANNOTATION = 'msvc.dev/pod-resources';

export interface PodBudget {
  /** Per container, as rendered or as the mesh will inject it. */
  containers: Record<string, { requests: ResourceValues; limits: ResourceValues }>;
  /**
   * Sum over containers; a limit is absent when any container lacks it (the pod is then unbounded).
   * A request that is missing while its limit is set counts as the limit: Kubernetes defaults it so,
   * and ResourceQuota charges that value.
   */
  requests: ResourceValues;
  limits: ResourceValues;
}

// The bigint arithmetic below runs for every container of every spec, on the same few values
// ("100m", "128Mi"): each conversion is kept by its input (pure functions, bounded caches).
const CACHE_MAX = 10_000;
function cached<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      if (cache.size < CACHE_MAX) cache.set(key, value);
    }
    return value;
  };
}

/** Millicores, rounded up like {@link toMilliCpu}, without the float. */
const milliCpu = cached((value: string | number): bigint => {
  const { numerator, denominator } = parseQuantity(value);
  return (numerator * 1000n + denominator - 1n) / denominator;
});

const formatMilli = cached((milli: bigint): string => (milli % 1000n === 0n ? String(milli / 1000n) : `${milli}m`));
const bytes = cached(toBytes);
const formatBytesCached = cached(formatBytes);

function sum(values: readonly (ResourceValues | undefined)[], all: boolean): ResourceValues {
  const out: ResourceValues = {};
  const cpu = values.map((v) => v?.cpu);
  const memory = values.map((v) => v?.memory);
  const present = <T>(xs: (T | undefined)[]) =>
    all ? xs.every((x) => x !== undefined) : xs.some((x) => x !== undefined);
  // Exact (bigint) millicores: a float sum of huge limits would print as "1.2e+24m", no quantity.
  if (present(cpu)) out.cpu = formatMilli(cpu.reduce((a: bigint, c) => a + (c === undefined ? 0n : milliCpu(c)), 0n));
  if (present(memory))
    out.memory = formatBytesCached(memory.reduce((a: bigint, m) => a + (m === undefined ? 0n : bytes(m)), 0n));
  // Only when some container states it: a pod without any ephemeral-storage figure is not "unbounded" news.
  const storage = values.map((v) => v?.['ephemeral-storage']);
  if (storage.some((x) => x !== undefined) && present(storage))
    out['ephemeral-storage'] = formatBytesCached(
      storage.reduce((a: bigint, m) => a + (m === undefined ? 0n : bytes(m)), 0n),
    );
  return out;
}

/** One container's requests and limits. */
export type Figures = { requests: ResourceValues; limits: ResourceValues };
const KEYS = ['cpu', 'memory', 'ephemeral-storage'] as const;
const amount = (key: (typeof KEYS)[number], v: string | number) => (key === 'cpu' ? milliCpu(v) : bytes(v));

/** The larger of two summed lists, key by key (both formatted as `sum` formats them). */
function larger(a: ResourceValues, b: ResourceValues): ResourceValues {
  const out: ResourceValues = {};
  for (const key of KEYS) {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined) {
      if (x !== undefined || y !== undefined) out[key] = (x ?? y) as string;
      continue;
    }
    out[key] = amount(key, x) >= amount(key, y) ? x : y;
  }
  return out;
}

const effectiveRequest = (c: Figures): ResourceValues => ({
  cpu: c.requests.cpu ?? c.limits.cpu,
  memory: c.requests.memory ?? c.limits.memory,
  'ephemeral-storage': c.requests['ephemeral-storage'] ?? c.limits['ephemeral-storage'],
});

/** A phase of the pod's life: the containers running together, as requests and limits. */
function phase(list: readonly Figures[]): Figures {
  return {
    requests: sum(list.map(effectiveRequest), false),
    limits: sum(
      list.map((c) => c.limits),
      true,
    ),
  };
}

/**
 * Kubernetes' effective pod request: max(each init container + the sidecars started before it,
 * app containers + sidecars). Our sidecars start first, so every init container runs beside all
 * of them; a native-sidecar mesh proxy is started ahead of them too (istio reorderPod, linkerd2
 * charts/patch), a classic one only with the app. The mesh's own init container (istio-init,
 * linkerd-init) gets the proxy's figures or less, so it never sets the maximum.
 * A limit is absent when any container of a phase lacks it (the pod is then unbounded).
 * `fill` completes each container's figures first, e.g. with a LimitRange's defaults as admission
 * would (render/capacity.ts); by default the figures are taken as given.
 */
export function podBudget(spec: MicroServiceSpec, fill: (figures: Figures) => Figures = (f) => f): PodBudget {
  const app = fill(resolveResources(spec));
  const given = resolveProxyResources(spec);
  const proxy = given && fill(given);
  const provider = meshProvider(spec);
  const figures = (c: ExtraContainerSpec): Figures => fill(resolveExtraResources(c));
  const sidecars = (spec.sidecars ?? []).map((c) => [c.name, figures(c)] as const);
  const inits = (spec.initContainers ?? []).map((c) => [c.name, figures(c)] as const);
  const containers: PodBudget['containers'] = { [names.appContainer]: app };
  const proxyEntry = proxy && provider !== 'none' ? ([PROXY_CONTAINER[provider], proxy] as const) : undefined;
  if (proxyEntry) containers[proxyEntry[0]] = proxyEntry[1];
  for (const [name, f] of [...sidecars, ...inits]) containers[name] = f;
  const always = [...(proxyEntry ? [proxyEntry[1]] : []), ...sidecars.map(([, f]) => f)];
  const beforeInits = [
    ...(proxyEntry && meshMode(spec) === 'native-sidecar' ? [proxyEntry[1]] : []),
    ...sidecars.map(([, f]) => f),
  ];
  let effective = phase([app, ...always]);
  for (const [, f] of inits) {
    const p = phase([f, ...beforeInits]);
    const limits = larger(effective.limits, p.limits);
    // A limit either phase lacks leaves the pod unbounded.
    for (const key of KEYS) if (p.limits[key] === undefined || effective.limits[key] === undefined) delete limits[key];
    effective = { requests: larger(effective.requests, p.requests), limits };
  }
  return { containers, requests: effective.requests, limits: effective.limits };
}
