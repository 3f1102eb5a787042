// The pod's resource budget, app plus mesh proxy, as ResourceQuota and LimitRange will count it
// (effective request = max(init phase, sum of app containers + sidecars):
// https://kubernetes.io/docs/concepts/resource-management/effective-pod-requests-limits/).
// Written as an annotation so a quota rejection can be explained from the Deployment alone.
import {
  formatBytes,
  type MicroServiceSpec,
  meshProvider,
  parseQuantity,
  type ResourceValues,
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

/** Millicores, rounded up like {@link toMilliCpu}, without the float. */
function milliCpu(value: string | number): bigint {
  const { numerator, denominator } = parseQuantity(value);
  return (numerator * 1000n + denominator - 1n) / denominator;
}

function formatMilli(milli: bigint): string {
  return milli % 1000n === 0n ? String(milli / 1000n) : `${milli}m`;
}

function sum(values: readonly (ResourceValues | undefined)[], all: boolean): ResourceValues {
  const out: ResourceValues = {};
  const cpu = values.map((v) => v?.cpu);
  const memory = values.map((v) => v?.memory);
  const present = <T>(xs: (T | undefined)[]) =>
    all ? xs.every((x) => x !== undefined) : xs.some((x) => x !== undefined);
  // Exact (bigint) millicores: a float sum of huge limits would print as "1.2e+24m", no quantity.
  if (present(cpu)) out.cpu = formatMilli(cpu.reduce((a: bigint, c) => a + (c === undefined ? 0n : milliCpu(c)), 0n));
  if (present(memory))
    out.memory = formatBytes(memory.reduce((a: bigint, m) => a + (m === undefined ? 0n : toBytes(m)), 0n));
  // Only when some container states it: a pod without any ephemeral-storage figure is not "unbounded" news.
  const storage = values.map((v) => v?.['ephemeral-storage']);
  if (storage.some((x) => x !== undefined) && present(storage))
    out['ephemeral-storage'] = formatBytes(
      storage.reduce((a: bigint, m) => a + (m === undefined ? 0n : toBytes(m)), 0n),
    );
  return out;
}

/**
 * Init containers (istio-init, linkerd-init) get the proxy's own figures or less, so with one app
 * container the app + proxy sum is the effective request in every mode.
 */
export function podBudget(spec: MicroServiceSpec): PodBudget {
  const app = resolveResources(spec);
  const containers: PodBudget['containers'] = { [names.appContainer]: app };
  const proxy = resolveProxyResources(spec);
  const provider = meshProvider(spec);
  if (proxy && provider !== 'none') containers[PROXY_CONTAINER[provider]] = proxy;
  const list = Object.values(containers);
  const effectiveRequests = list.map((c) => ({
    cpu: c.requests.cpu ?? c.limits.cpu,
    memory: c.requests.memory ?? c.limits.memory,
    'ephemeral-storage': c.requests['ephemeral-storage'] ?? c.limits['ephemeral-storage'],
  }));
  return {
    containers,
    requests: sum(effectiveRequests, false),
    limits: sum(
      list.map((c) => c.limits),
      true,
    ),
  };
}
