// The CapacityRisk condition: render/capacity.ts's preflight, fed from the operator's caches (the
// namespace's ResourceQuotas and LimitRanges, the live Deployment), computed before each apply so
// a rollout the quota cannot fit is reported before its ReplicaSet is stuck on FailedCreate.
import { type MicroService, minimumReplicas } from '../../api/index.ts';
import {
  type CapacityRisk,
  capacityRisks,
  type LimitRangeLike,
  podCharge,
  type ResourceQuotaLike,
} from '../../render/index.ts';
import type { ExtraCondition } from './status.ts';

export const CAPACITY_CONDITION = 'CapacityRisk';

interface LiveDeployment {
  spec?: { replicas?: number };
}

/** A pod as the pod cache keeps it: phase, and the containers' resources (see app.ts leanPod). */
export interface ChargedPod {
  spec?: Parameters<typeof podCharge>[0];
  status?: { phase?: string };
}

/**
 * The risks for `ms` now: the replicas the Deployment runs (an autoscaled one: what the HPA set),
 * and its current pods as the quota charges them (pods that ended are not charged).
 */
export function currentCapacityRisks(
  ms: MicroService,
  live: LiveDeployment | undefined,
  pods: readonly ChargedPod[],
  quotas: readonly ResourceQuotaLike[],
  limitRanges: readonly LimitRangeLike[],
): CapacityRisk[] {
  const replicas =
    ms.spec.autoscaling !== undefined && live?.spec?.replicas !== undefined
      ? live.spec.replicas
      : minimumReplicas(ms.spec);
  const current = pods
    .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .map((p) => podCharge(p.spec ?? {}));
  return capacityRisks({ spec: ms.spec, replicas, current, quotas, limitRanges });
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
