// Capacity preflight: will the namespace's ResourceQuotas and LimitRanges let this MicroService's
// pods be created, during a rollout included? Pure: the quotas and limit ranges come in as
// arguments (the operator reads them from its cache, `msvc explain` from the files it is given).
//
// What admission does, and so what this mirrors:
// - LimitRanger fills a container's missing requests and limits from a `Container` LimitRange's
//   defaultRequest/default, then rejects a container outside min/max/maxLimitRequestRatio and a pod
//   outside a `Pod` LimitRange's min/max
//   (https://kubernetes.io/docs/concepts/policy/limit-range/).
// - ResourceQuota rejects a pod whose usage would take `used` above `hard` for any tracked resource,
//   and a pod with a container that does not state a resource the quota tracks
//   (https://kubernetes.io/docs/concepts/policy/resource-quotas/#compute-resource-quota); a quota
//   with scopes counts only the pods its scopes match.
// A rollout runs up to replicas + maxSurge pods at once (surgePods), of the new pod template; the
// pods this MicroService already runs are in `used` with their old figures, so the room a rollout
// has is hard - used + what our current pods use.
import {
  type MicroServiceSpec,
  minimumReplicas,
  parseQuantity,
  type ResourceValues,
  surgePods,
  toBytes,
} from '../api/index.ts';
import { type Figures, podBudget } from './budget.ts';

/** The fields of a ResourceQuota the check reads (`kubectl get resourcequota -o yaml`). */
export interface ResourceQuotaLike {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    hard?: Record<string, string | number>;
    scopes?: string[];
    scopeSelector?: { matchExpressions?: { scopeName: string; operator: string; values?: string[] }[] };
  };
  status?: { hard?: Record<string, string | number>; used?: Record<string, string | number> };
}

type ResourceList = Partial<Record<string, string | number>>;

/** The fields of a LimitRange the check reads. */
export interface LimitRangeLike {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    limits?: {
      type: string;
      max?: ResourceList;
      min?: ResourceList;
      default?: ResourceList;
      defaultRequest?: ResourceList;
      maxLimitRequestRatio?: ResourceList;
    }[];
  };
}

export interface CapacityInput {
  readonly spec: MicroServiceSpec;
  /** Pods the Deployment is to run (an autoscaled one: what the HPA set). @default minimumReplicas(spec) */
  readonly replicas?: number;
  /**
   * The pods of this MicroService that exist now, each as the quota charges it ({@link podCharge}):
   * they are in the quotas' `used` and make room as the rollout replaces them. None before the first apply.
   */
  readonly current?: readonly Figures[];
  readonly quotas?: readonly ResourceQuotaLike[];
  readonly limitRanges?: readonly LimitRangeLike[];
}

/** One reason a pod (or the rollout) would be refused. */
export interface CapacityRisk {
  readonly kind: 'ResourceQuota' | 'LimitRange';
  /** The ResourceQuota's or LimitRange's name. */
  readonly name: string;
  /** The quota's resource name (requests.cpu, pods, ...) or the LimitRange resource (cpu, memory, ...). */
  readonly resource: string;
  /** By how much it does not fit, formatted as a quantity (absent when a value is missing, not too big). */
  readonly short?: string;
  /** One sentence: what blocks, by how much, what to change. */
  readonly message: string;
}

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;
type Resource = (typeof RESOURCES)[number];

/** Exact amounts: millicores for CPU, bytes otherwise, pods as a count. */
function amount(resource: string, value: string | number): bigint {
  const { numerator, denominator } = parseQuantity(value);
  if (resource === 'cpu') return (numerator * 1000n + denominator - 1n) / denominator;
  if (resource === 'pods') return (numerator + denominator - 1n) / denominator;
  return toBytes(value);
}

/** Math.max for bigints (which it does not take). */
function maxOf(a: bigint, b: bigint): bigint {
  return a >= b ? a : b;
}

function format(resource: string, value: bigint): string {
  if (resource === 'pods') return String(value);
  if (resource === 'cpu') return value % 1000n === 0n ? String(value / 1000n) : `${value}m`;
  for (const [suffix, unit] of [
    ['Ti', 1n << 40n],
    ['Gi', 1n << 30n],
    ['Mi', 1n << 20n],
    ['Ki', 1n << 10n],
  ] as const) {
    if (value !== 0n && value % unit === 0n) return `${value / unit}${suffix}`;
  }
  // Not a whole binary unit: one decimal of the largest unit below it, rounded up, reads better than bytes.
  for (const [suffix, unit] of [
    ['Gi', 1n << 30n],
    ['Mi', 1n << 20n],
    ['Ki', 1n << 10n],
  ] as const) {
    if (value >= unit) return `${(Number((value * 10n + unit - 1n) / unit) / 10).toFixed(1)}${suffix}`;
  }
  return String(value);
}

/** What a resource name of a quota charges: [field of the pod budget, resource], or 'pods'. */
function quotaKey(name: string): { field: 'requests' | 'limits'; resource: Resource } | 'pods' | undefined {
  if (name === 'pods' || name === 'count/pods') return 'pods';
  for (const resource of RESOURCES) {
    if (name === resource || name === `requests.${resource}`) return { field: 'requests', resource };
    if (name === `limits.${resource}`) return { field: 'limits', resource };
  }
  return undefined;
}

/** Admission's defaults from the `Container` LimitRanges: a missing request or limit takes theirs. */
function limitRangeFill(limitRanges: readonly LimitRangeLike[]): (f: Figures) => Figures {
  const items = limitRanges.flatMap((lr) => (lr.spec?.limits ?? []).filter((l) => l.type === 'Container'));
  return (f) => {
    const requests: ResourceValues = { ...f.requests };
    const limits: ResourceValues = { ...f.limits };
    for (const item of items) {
      for (const r of RESOURCES) {
        const limit = item.default?.[r];
        if (limits[r] === undefined && limit !== undefined) limits[r] = limit;
      }
    }
    for (const item of items) {
      for (const r of RESOURCES) {
        const request = item.defaultRequest?.[r];
        // The API server's own defaulting made a missing request equal the limit before admission.
        if (requests[r] === undefined && f.limits[r] !== undefined) requests[r] = f.limits[r];
        if (requests[r] === undefined && request !== undefined) requests[r] = request;
      }
    }
    return { requests, limits };
  };
}

/** Whether a quota's scopes select this MicroService's pods (as far as the spec tells). */
function quotaApplies(quota: ResourceQuotaLike, spec: MicroServiceSpec, budget: Figures): boolean {
  const bestEffort = Object.keys(budget.requests).length === 0 && Object.keys(budget.limits).length === 0;
  const priorityClass = spec.priorityClassName;
  const affinity = spec.affinity as
    | Record<string, { requiredDuringSchedulingIgnoredDuringExecution?: Record<string, unknown>[] } | undefined>
    | undefined;
  const crossNamespace = ['podAffinity', 'podAntiAffinity'].some((k) =>
    (affinity?.[k]?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
      (t) => t['namespaces'] !== undefined || t['namespaceSelector'] !== undefined,
    ),
  );
  const matches = (scope: string, operator = 'Exists', values: string[] = []): boolean => {
    switch (scope) {
      case 'Terminating':
        return false; // our pods set no activeDeadlineSeconds
      case 'NotTerminating':
        return true;
      case 'BestEffort':
        return bestEffort;
      case 'NotBestEffort':
        return !bestEffort;
      case 'CrossNamespacePodAffinity':
        return crossNamespace;
      case 'PriorityClass':
        switch (operator) {
          case 'Exists':
            return priorityClass !== undefined;
          case 'DoesNotExist':
            return priorityClass === undefined;
          case 'In':
            return priorityClass !== undefined && values.includes(priorityClass);
          case 'NotIn':
            return priorityClass === undefined || !values.includes(priorityClass);
          default:
            return true;
        }
      default:
        return false; // scopes of other objects (VolumeAttributesClass: claims)
    }
  };
  return (
    (quota.spec?.scopes ?? []).every((s) => matches(s)) &&
    (quota.spec?.scopeSelector?.matchExpressions ?? []).every((e) => matches(e.scopeName, e.operator, e.values))
  );
}

function containerLabel(name: string): string {
  return `container ${name}`;
}

/** Violations of the LimitRanges by the containers and the pod as admission would fill them in. */
function limitRangeRisks(
  limitRanges: readonly LimitRangeLike[],
  containers: Record<string, Figures>,
  pod: Figures,
): CapacityRisk[] {
  const risks: CapacityRisk[] = [];
  for (const lr of limitRanges) {
    const name = lr.metadata?.name ?? '?';
    for (const item of lr.spec?.limits ?? []) {
      const targets =
        item.type === 'Container'
          ? Object.entries(containers).map(([c, f]) => [containerLabel(c), f] as const)
          : item.type === 'Pod'
            ? [['the pod (all containers together)', pod] as const]
            : [];
      for (const [who, f] of targets) {
        for (const r of RESOURCES) {
          const max = item.max?.[r];
          const limit = f.limits[r];
          if (max !== undefined) {
            if (limit === undefined) {
              risks.push({
                kind: 'LimitRange',
                name,
                resource: r,
                message: `LimitRange ${name} caps ${r} at ${max} per ${item.type.toLowerCase()}, and ${who} sets no ${r} limit: set one (spec.resources.limits.${r}, or the container's own)`,
              });
            } else if (amount(r, limit) > amount(r, max)) {
              const short = format(r, amount(r, limit) - amount(r, max));
              risks.push({
                kind: 'LimitRange',
                name,
                resource: r,
                short,
                message: `LimitRange ${name} caps ${r} at ${max} per ${item.type.toLowerCase()}, and ${who} has a limit of ${limit}: ${short} too much; lower the limit or raise the LimitRange's max`,
              });
            }
          }
          const min = item.min?.[r];
          const request = f.requests[r];
          if (min !== undefined && request !== undefined && amount(r, request) < amount(r, min)) {
            const short = format(r, amount(r, min) - amount(r, request));
            risks.push({
              kind: 'LimitRange',
              name,
              resource: r,
              short,
              message: `LimitRange ${name} wants ${r} requests of at least ${min} per ${item.type.toLowerCase()}, and ${who} requests ${request}: ${short} too little; raise the request`,
            });
          }
          const ratio = item.maxLimitRequestRatio?.[r];
          if (ratio !== undefined && request !== undefined && limit !== undefined) {
            const req = amount(r, request);
            if (req > 0n) {
              const { numerator, denominator } = parseQuantity(ratio);
              // limit / request > ratio, in integers: limit * denominator > ratio numerator * request
              if (amount(r, limit) * denominator > numerator * req) {
                risks.push({
                  kind: 'LimitRange',
                  name,
                  resource: r,
                  message: `LimitRange ${name} allows a ${r} limit of at most ${ratio}x the request, and ${who} has limit ${limit} for request ${request}: raise the request or lower the limit`,
                });
              }
            }
          }
        }
      }
    }
  }
  return risks;
}

/** Risks of the quotas, for a rollout that runs `peak` new pods while the current ones held `held`. */
function quotaRisks(
  quotas: readonly ResourceQuotaLike[],
  spec: MicroServiceSpec,
  containers: Record<string, Figures>,
  pod: Figures,
  current: readonly Figures[],
  peak: number,
  what: string,
): CapacityRisk[] {
  const risks: CapacityRisk[] = [];
  for (const quota of quotas) {
    if (!quotaApplies(quota, spec, pod)) continue;
    const name = quota.metadata?.name ?? '?';
    const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
    const used = quota.status?.used ?? {};
    for (const [resourceName, hardValue] of Object.entries(hard)) {
      const key = quotaKey(resourceName);
      if (key === undefined) continue;
      const r = key === 'pods' ? 'pods' : key.resource;
      if (key !== 'pods') {
        const missing = Object.entries(containers)
          .filter(([, f]) => f[key.field][key.resource] === undefined)
          .map(([c]) => c);
        if (missing.length > 0) {
          risks.push({
            kind: 'ResourceQuota',
            name,
            resource: resourceName,
            message: `ResourceQuota ${name} tracks ${resourceName}, so every container must state it, and ${missing.map(containerLabel).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not: set ${key.field}.${key.resource} on ${missing.length === 1 ? 'it' : 'them'} (or add a LimitRange default)`,
          });
          continue;
        }
      }
      const each = (f: Figures): bigint => {
        if (key === 'pods') return 1n;
        const v = f[key.field][key.resource];
        return v === undefined ? 0n : amount(r, v);
      };
      const perPod = each(pod);
      const held = current.reduce((a, f) => a + each(f), 0n);
      // During the rollout old and new pods mix; counting each at the larger figure bounds the peak.
      const larger = current.reduce((a, f) => maxOf(a, each(f)), perPod);
      const need = BigInt(peak) * larger;
      const usedValue = used[resourceName];
      const room = amount(r, hardValue) - (usedValue === undefined ? 0n : amount(r, usedValue)) + held;
      if (need <= room) continue;
      const short = format(r, need - room);
      const left = amount(r, hardValue) - (usedValue === undefined ? 0n : amount(r, usedValue));
      risks.push({
        kind: 'ResourceQuota',
        name,
        resource: resourceName,
        short,
        message: `ResourceQuota ${name} would block ${what}: it needs ${resourceName} ${format(r, need)} (${peak} pod${peak === 1 ? '' : 's'} of ${format(r, larger)}), and ${format(r, room < 0n ? 0n : room)} is free for it (hard ${hardValue}, used ${usedValue ?? 0}${current.length > 0 ? `, ${format(r, held)} of that by its ${current.length} current pod${current.length === 1 ? '' : 's'}` : ''}${left < 0n ? ', already over' : ''}): short by ${short}; raise the quota's ${resourceName}, or lower ${key === 'pods' ? 'spec.replicas' : `spec.resources.${key.field}.${key.resource}`}${spec.strategy?.type === 'Recreate' ? '' : ' or spec.strategy.rollingUpdate.maxSurge'}`,
      });
    }
  }
  return risks;
}

/**
 * Everything the namespace's quotas and limit ranges would refuse, for this spec's pods and for a
 * rollout of them (replicas + maxSurge pods of the new template at the peak). Empty when it fits.
 */
export function capacityRisks(input: CapacityInput): CapacityRisk[] {
  const { spec } = input;
  const limitRanges = input.limitRanges ?? [];
  const budget = podBudget(spec, limitRangeFill(limitRanges));
  const pod: Figures = { requests: budget.requests, limits: budget.limits };
  const replicas = input.replicas ?? minimumReplicas(spec);
  const current = input.current ?? [];
  const currentPods = current.length;
  const surge = surgePods(spec, replicas);
  const peak = replicas + surge;
  const what =
    currentPods === 0
      ? `creating the ${replicas} pod${replicas === 1 ? '' : 's'}${surge > 0 ? ` and a rollout's ${surge} surge pod${surge === 1 ? '' : 's'} after that` : ''}`
      : `a rollout (${replicas} pod${replicas === 1 ? '' : 's'}${surge > 0 ? ` + ${surge} surge pod${surge === 1 ? '' : 's'} (maxSurge)` : ''} at its peak)`;
  return [
    ...limitRangeRisks(limitRanges, budget.containers, pod),
    ...(replicas === 0 ? [] : quotaRisks(input.quotas ?? [], spec, budget.containers, pod, current, peak, what)),
  ];
}

interface PodContainer {
  resources?: { requests?: ResourceValues; limits?: ResourceValues };
  restartPolicy?: string;
}

/**
 * What a ResourceQuota charges for a pod as it exists (its spec as admitted, defaults filled in):
 * the effective request and limit, max(each init container beside the sidecars started before it,
 * the containers and all sidecars), sidecars being init containers with restartPolicy Always
 * (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#resource-sharing-within-containers).
 */
export function podCharge(spec: { containers?: PodContainer[]; initContainers?: PodContainer[] }): Figures {
  const add = (a: ResourceValues, b: ResourceValues | undefined): ResourceValues => {
    const out: ResourceValues = { ...a };
    for (const r of RESOURCES) {
      const v = b?.[r];
      if (v === undefined) continue;
      out[r] = format(r, (out[r] === undefined ? 0n : amount(r, out[r] as string)) + amount(r, v));
    }
    return out;
  };
  const larger = (a: ResourceValues, b: ResourceValues): ResourceValues => {
    const out: ResourceValues = { ...a };
    for (const r of RESOURCES) {
      const v = b[r];
      if (v !== undefined && (out[r] === undefined || amount(r, v) > amount(r, out[r] as string))) out[r] = v;
    }
    return out;
  };
  const totals = (list: PodContainer[]): Figures =>
    list.reduce<Figures>(
      (f, c) => ({ requests: add(f.requests, c.resources?.requests), limits: add(f.limits, c.resources?.limits) }),
      { requests: {}, limits: {} },
    );
  const sidecars: PodContainer[] = [];
  let charge: Figures = { requests: {}, limits: {} };
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {
      sidecars.push(c);
      continue;
    }
    const phase = totals([...sidecars, c]);
    charge = { requests: larger(charge.requests, phase.requests), limits: larger(charge.limits, phase.limits) };
  }
  const running = totals([...(spec.containers ?? []), ...sidecars]);
  return { requests: larger(charge.requests, running.requests), limits: larger(charge.limits, running.limits) };
}
