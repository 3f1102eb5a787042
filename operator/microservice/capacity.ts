// The CapacityRisk condition: render/capacity.ts's preflight, fed from the operator's caches (the
// namespace's ResourceQuotas and LimitRanges, the live Deployment), computed before each apply so
// a rollout the quota cannot fit is reported before its ReplicaSet is stuck on FailedCreate.
import { type MicroService, minimumReplicas } from '../../api/index.ts';
import {
  type CapacityRisk,
  capacityRisks,
  type LimitRangeLike,
  POD_RESOURCES_ANNOTATION,
  type ResourceQuotaLike,
} from '../../render/index.ts';
import type { ExtraCondition } from './status.ts';

export const CAPACITY_CONDITION = 'CapacityRisk';

interface LiveDeployment {
  metadata?: { annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

/** The live pods' figures, from the annotation the last apply wrote; undefined if unreadable. */
function currentBudget(live: LiveDeployment | undefined) {
  const raw = live?.metadata?.annotations?.[POD_RESOURCES_ANNOTATION];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as { requests?: Record<string, string>; limits?: Record<string, string> };
    return { requests: parsed.requests ?? {}, limits: parsed.limits ?? {} };
  } catch {
    return undefined;
  }
}

/** The risks for `ms` now: the replicas the Deployment runs (an autoscaled one: what the HPA set). */
export function currentCapacityRisks(
  ms: MicroService,
  live: LiveDeployment | undefined,
  quotas: readonly ResourceQuotaLike[],
  limitRanges: readonly LimitRangeLike[],
): CapacityRisk[] {
  const replicas =
    ms.spec.autoscaling !== undefined && live?.spec?.replicas !== undefined
      ? live.spec.replicas
      : minimumReplicas(ms.spec);
  return capacityRisks({
    spec: ms.spec,
    replicas,
    currentPods: live?.status?.replicas ?? 0,
    currentBudget: currentBudget(live),
    quotas,
    limitRanges,
  });
}

/**
 * CapacityRisk=True naming every quota and limit range that would refuse the pods, False when
 * they fit; undefined (no condition) in a namespace without either, unless one was reported
 * before (so it turns False rather than vanishing).
 */
export function capacityCondition(
  risks: readonly CapacityRisk[],
  checked: boolean,
  previous: readonly { type: string }[] | undefined,
): ExtraCondition | undefined {
  if (risks.length > 0) {
    const kinds = new Set(risks.map((r) => r.kind));
    return {
      type: CAPACITY_CONDITION,
      status: 'True',
      reason:
        kinds.size > 1 ? 'QuotaAndLimitRange' : kinds.has('ResourceQuota') ? 'QuotaTooSmall' : 'LimitRangeViolated',
      message: risks.map((r) => r.message).join('; '),
    };
  }
  if (!checked && !previous?.some((c) => c.type === CAPACITY_CONDITION)) return undefined;
  return {
    type: CAPACITY_CONDITION,
    status: 'False',
    reason: 'Fits',
    message: checked
      ? "the pods and a rollout's surge fit the namespace's ResourceQuotas and LimitRanges"
      : 'the namespace has no ResourceQuota or LimitRange',
  };
}
