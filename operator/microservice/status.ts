// Status of a MicroService, derived from what the cluster reports: the Deployment's own
// conditions and counts, and the container states of the current pods. Pure (the clock comes in
// as `now`), so every reason has a table test.
//
// Conditions follow kstatus (what Flux, kpt, Argo CD and `kubectl wait` read):
//   Ready        True when the current spec is fully rolled out and available — the summary.
//   Reconciling  True while a rollout is in progress ("abnormal-true" polarity), else False.
//   Stalled      True when progress needs a person: invalid spec, quota, image, crash loop, OOM,
//                progress deadline. Else False.
// status.observedGeneration is only set once the operator acted on that generation.
import type { Condition, MicroService, MicroServiceStatus } from '../../api/index.ts';
import { DEFAULTS, resolveResources } from '../../api/index.ts';
import { canonicalJson, names, POD_TEMPLATE_HASH_ANNOTATION } from '../../render/index.ts';
import type { KubeObject } from '../runtime/key.ts';

export interface DeploymentLike extends KubeObject {
  spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: unknown;
  terminated?: { reason?: string; exitCode?: number; message?: string };
}

export interface PodLike extends KubeObject {
  status?: {
    phase?: string;
    /** Only PodScheduled=False is kept in the operator's cache (lean.ts): why a pod is Pending. */
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: ContainerState;
      lastState?: ContainerState;
    }[];
  };
}

/** A rendered child of an optional kind that was not applied because its CRD is not installed. */
export interface MissingKind {
  readonly kind: string;
  /** The child's name (the MicroService's own, or e.g. `<name>-<port>` for a Linkerd Server). */
  readonly name: string;
  /** The CRD's name, e.g. servicemonitors.monitoring.coreos.com. */
  readonly crd: string;
  /** The spec field that renders it, e.g. spec.monitoring. */
  readonly field: string;
}

/** What reconcile saw, in the order it can fail. */
export type Observation =
  | { readonly kind: 'invalid'; readonly message: string }
  | {
      readonly kind: 'applyFailed';
      readonly reason: string;
      readonly message: string;
      /** A failure retrying cannot fix (operator/runtime/errors.ts): Stalled=True. */
      readonly stalled?: boolean;
    }
  | {
      readonly kind: 'applied';
      readonly deployment: DeploymentLike | undefined;
      readonly pods: readonly PodLike[];
      readonly templateHash: string;
      /** Env of the app container as rendered, for OOM messages (GOMEMLIMIT). */
      readonly goMemLimit?: string;
      /**
       * Set when the spec renders an optional (CRD) kind: those left out because their CRD is
       * missing (empty when all were applied). Drives the ChildrenApplied condition.
       */
      readonly missingKinds?: readonly MissingKind[];
    };

interface Verdict {
  ready: boolean;
  reconciling: boolean;
  stalled: boolean;
  reason: string;
  message: string;
}

function condition(deployment: DeploymentLike | undefined, type: string) {
  return deployment?.status?.conditions?.find((c) => c.type === type);
}

function appStatuses(pods: readonly PodLike[], templateHash: string) {
  return pods
    .filter((p) => p.metadata?.annotations?.[POD_TEMPLATE_HASH_ANNOTATION] === templateHash)
    .flatMap((p) =>
      (p.status?.containerStatuses ?? []).filter((c) => c.name === names.appContainer).map((c) => ({ pod: p, c })),
    );
}

/**
 * Why a stalled rollout's pods are not running, when the scheduler said so: the usual cause of a
 * progress deadline with no pod-level failure (a node selector, toleration or affinity no node fits).
 */
function unscheduled(obs: Extract<Observation, { kind: 'applied' }>): string {
  const current = obs.pods.filter((p) => p.metadata?.annotations?.[POD_TEMPLATE_HASH_ANNOTATION] === obs.templateHash);
  const pending = current.flatMap((p) => {
    const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    return c ? [{ pod: p, c }] : [];
  });
  const first = pending[0];
  if (!first) return '';
  const why = first.c.message ?? first.c.reason ?? 'no reason given';
  return ` ${current.length - pending.length}/${current.length} pods are scheduled (pod ${first.pod.metadata?.name ?? '?'}: ${why}): check spec.nodeSelector, spec.tolerations and spec.affinity against the nodes' labels and taints, and the nodes' free resources`;
}

/** First failing pod-level reason, most actionable first. */
function podProblem(ms: MicroService, obs: Extract<Observation, { kind: 'applied' }>): Verdict | undefined {
  const statuses = appStatuses(obs.pods, obs.templateHash);
  const podName = (p: PodLike) => p.metadata?.name ?? '?';
  const oom = statuses.find(
    ({ c }) => c.lastState?.terminated?.reason === 'OOMKilled' || c.state?.terminated?.reason === 'OOMKilled',
  );
  if (oom) {
    const limit = resolveResources(ms.spec).limits.memory;
    return {
      ready: false,
      reconciling: false,
      stalled: true,
      reason: 'OOMKilled',
      message: `container ${names.appContainer} in pod ${podName(oom.pod)} was killed for using more than its memory limit (${limit ?? 'none set'}${obs.goMemLimit ? `, GOMEMLIMIT=${obs.goMemLimit} bytes` : ''}): raise spec.resources.limits.memory${obs.goMemLimit ? ' or lower spec.runtime.go.memoryLimitPercent' : ''}, or find the leak`,
    };
  }
  const crash = statuses.find(({ c }) => c.state?.waiting?.reason === 'CrashLoopBackOff');
  if (crash) {
    const last = crash.c.lastState?.terminated;
    return {
      ready: false,
      reconciling: false,
      stalled: true,
      reason: 'CrashLoopBackOff',
      message: `container ${names.appContainer} in pod ${podName(crash.pod)} keeps exiting${last?.exitCode !== undefined ? ` (exit code ${last.exitCode}${last.reason ? `, ${last.reason}` : ''})` : ''}, restarted ${crash.c.restartCount ?? 0} times: check its logs (kubectl logs --previous)`,
    };
  }
  const pull = statuses.find(
    ({ c }) => c.state?.waiting?.reason === 'ImagePullBackOff' || c.state?.waiting?.reason === 'ErrImagePull',
  );
  if (pull) {
    return {
      ready: false,
      reconciling: false,
      stalled: true,
      reason: 'ImagePullBackOff',
      message: `image ${ms.spec.image} cannot be pulled (pod ${podName(pull.pod)}${pull.c.state?.waiting?.message ? `: ${pull.c.state.waiting.message}` : ''}): check spec.image and the registry credentials`,
    };
  }
  return undefined;
}

function verdictOf(ms: MicroService, obs: Observation): Verdict {
  if (obs.kind === 'invalid') {
    return { ready: false, reconciling: false, stalled: true, reason: 'InvalidSpec', message: obs.message };
  }
  if (obs.kind === 'applyFailed') {
    return {
      ready: false,
      reconciling: false,
      stalled: obs.stalled === true,
      reason: obs.reason,
      message: obs.message,
    };
  }
  const d = obs.deployment;
  const name = names.deployment(ms.metadata.name);
  if (!d) {
    return {
      ready: false,
      reconciling: true,
      stalled: false,
      reason: 'Progressing',
      message: `Deployment ${name} is being created`,
    };
  }
  const failure = condition(d, 'ReplicaFailure');
  if (failure?.status === 'True') {
    const quota = /exceeded quota/.test(failure.message ?? '');
    const limitRange = /LimitRange|maximum .* usage|minimum .* usage/i.test(failure.message ?? '');
    return {
      ready: false,
      reconciling: false,
      stalled: true,
      reason: quota ? 'QuotaExceeded' : limitRange ? 'LimitRangeViolated' : 'FailedCreate',
      message: `pods cannot be created: ${failure.message ?? failure.reason ?? 'unknown'}${quota ? ` (each pod asks for ${podRequestSummary(d)}): raise the quota or lower spec.resources` : limitRange ? ': fit spec.resources (and spec.mesh.proxy.resources) into the namespace LimitRange' : ''}`,
    };
  }
  const pod = podProblem(ms, obs);
  if (pod) return pod;
  const progressing = condition(d, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      ready: false,
      reconciling: false,
      stalled: true,
      reason: 'ProgressDeadlineExceeded',
      message: `Deployment ${name} made no progress: ${progressing.message ?? ''}`.trim() + unscheduled(obs),
    };
  }
  const s = d.status ?? {};
  const generation = d.metadata?.generation ?? 0;
  const desired = d.spec?.replicas ?? 1;
  const observed = (s.observedGeneration ?? 0) >= generation;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  if (!observed || updated < desired || total > updated || available < updated) {
    return {
      ready: false,
      reconciling: true,
      stalled: false,
      reason: 'Progressing',
      message: !observed
        ? `Deployment ${name} has not seen the new spec yet`
        : `rolling out: ${updated}/${desired} updated, ${available} available${total > updated ? `, ${total - updated} old pending termination` : ''}`,
    };
  }
  return {
    ready: true,
    reconciling: false,
    stalled: false,
    reason: 'Available',
    message: desired === 0 ? `Deployment ${name} is scaled to zero` : `${available}/${desired} replicas available`,
  };
}

function podRequestSummary(d: DeploymentLike): string {
  const raw = d.metadata?.annotations?.['msvc.dev/pod-resources'];
  if (!raw) return 'its requests';
  try {
    const budget = JSON.parse(raw) as { requests?: Record<string, string>; limits?: Record<string, string> };
    const fmt = (r: Record<string, string> | undefined) =>
      Object.entries(r ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none';
    return `requests ${fmt(budget.requests)}; limits ${fmt(budget.limits)}, mesh proxy included`;
  } catch {
    return 'its requests';
  }
}

function nextCondition(
  previous: readonly Condition[] | undefined,
  c: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition {
  const before = previous?.find((p) => p.type === c.type);
  return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now };
}

/**
 * ChildrenApplied: whether every child the spec renders was applied. False names each kind whose
 * CRD is not installed; the rest of the spec is applied regardless, and Ready does not wait for it.
 */
function childrenApplied(missing: readonly MissingKind[], generation: number): Omit<Condition, 'lastTransitionTime'> {
  if (missing.length === 0) {
    return {
      type: 'ChildrenApplied',
      status: 'True',
      reason: 'Applied',
      message: 'every rendered child is applied',
      observedGeneration: generation,
    };
  }
  const list = missing.map((m) => `${m.kind} ${m.name} (CRD ${m.crd})`).join(', ');
  const fields = [...new Set(missing.map((m) => m.field))]
    .map((f) => `${f} for ${[...new Set(missing.filter((m) => m.field === f).map((m) => m.kind))].join(' and ')}`)
    .join(', ');
  return {
    type: 'ChildrenApplied',
    status: 'False',
    reason: 'CRDNotInstalled',
    message: `not applied, their CRD is not installed: ${list}. Install the CRD (the operator applies the object within a minute) or drop the field that renders it (${fields})`,
    observedGeneration: generation,
  };
}

/**
 * ReplicasIgnored, while spec.autoscaling is set: True when spec.replicas is set too (`kubectl scale
 * msvc/x` writes spec.replicas through the scale subresource), because the HorizontalPodAutoscaler
 * owns the replica count and the Deployment is rendered without one; False while it is not set.
 * Absent without autoscaling, where spec.replicas is the replica count.
 */
export function replicasIgnored(
  ms: MicroService,
  generation: number,
): Omit<Condition, 'lastTransitionTime'> | undefined {
  const a = ms.spec.autoscaling;
  if (!a) return undefined;
  const hpa = `HorizontalPodAutoscaler ${names.horizontalPodAutoscaler(ms.metadata.name)}`;
  const range = `between spec.autoscaling.minReplicas (${a.minReplicas ?? DEFAULTS.autoscaling.minReplicas}) and maxReplicas (${a.maxReplicas})`;
  if (ms.spec.replicas === undefined) {
    return {
      type: 'ReplicasIgnored',
      status: 'False',
      reason: 'AutoscalerOwnsReplicas',
      message: `spec.replicas is not set: ${hpa} sets the replica count, ${range}`,
      observedGeneration: generation,
    };
  }
  return {
    type: 'ReplicasIgnored',
    status: 'True',
    reason: 'AutoscalerOwnsReplicas',
    message: `spec.replicas (${ms.spec.replicas}) is ignored: ${hpa} owns the replica count, ${range}, so kubectl scale and edits of spec.replicas change nothing. Change spec.autoscaling.minReplicas or maxReplicas instead, or remove spec.autoscaling to set the replicas yourself; remove spec.replicas to clear this condition`,
    observedGeneration: generation,
  };
}

/** A condition of one concern beside the kstatus three (CapacityRisk, ...), computed by the reconciler. */
export type ExtraCondition = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** The status to write for `ms`, given what reconcile observed (and the conditions of other concerns). */
export function computeStatus(
  ms: MicroService,
  obs: Observation,
  selector: string,
  now: string,
  extra: readonly ExtraCondition[] = [],
): MicroServiceStatus {
  const v = verdictOf(ms, obs);
  const generation = ms.metadata.generation ?? 0;
  const previous = ms.status?.conditions;
  const bool = (b: boolean) => (b ? 'True' : 'False') as 'True' | 'False';
  const conditions: Condition[] = [
    nextCondition(
      previous,
      { type: 'Ready', status: bool(v.ready), reason: v.reason, message: v.message, observedGeneration: generation },
      now,
    ),
    nextCondition(
      previous,
      {
        type: 'Reconciling',
        status: bool(v.reconciling),
        reason: v.reconciling ? v.reason : 'Done',
        message: v.reconciling ? v.message : 'nothing in progress',
        observedGeneration: generation,
      },
      now,
    ),
    nextCondition(
      previous,
      {
        type: 'Stalled',
        status: bool(v.stalled),
        reason: v.stalled ? v.reason : 'NotStalled',
        message: v.stalled ? v.message : 'no problem needs attention',
        observedGeneration: generation,
      },
      now,
    ),
    ...extra.map((c) => nextCondition(previous, { ...c, observedGeneration: generation }, now)),
  ];
  const missing = obs.kind === 'applied' ? obs.missingKinds : undefined;
  if (missing !== undefined) conditions.push(nextCondition(previous, childrenApplied(missing, generation), now));
  const ignored = obs.kind === 'invalid' ? undefined : replicasIgnored(ms, generation);
  if (ignored) conditions.push(nextCondition(previous, ignored, now));
  const d = obs.kind === 'applied' ? obs.deployment : undefined;
  return {
    observedGeneration: generation,
    conditions,
    replicas: d?.status?.replicas ?? 0,
    readyReplicas: d?.status?.readyReplicas ?? 0,
    selector,
  };
}

/** Whether two statuses differ in anything but lastTransitionTime (the write-only-on-change test). */
export function statusChanged(before: MicroServiceStatus | undefined, after: MicroServiceStatus): boolean {
  const strip = (s: MicroServiceStatus | undefined) =>
    s === undefined ? undefined : { ...s, conditions: s.conditions?.map(({ lastTransitionTime: _, ...c }) => c) };
  return canonicalJson(strip(before)) !== canonicalJson(strip(after));
}

export function readyCondition(status: MicroServiceStatus | undefined): Condition | undefined {
  return status?.conditions?.find((c) => c.type === 'Ready');
}
