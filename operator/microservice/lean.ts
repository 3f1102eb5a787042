// The cache transforms of the MicroService controller: every kind it watches is trimmed, as it is
// listed or watched and before it is cached, to the fields this controller reads — reconcile and
// render (the MicroService), drift detection (drift.ts: every field we render, so a child's
// metadata and spec stay whole), status (status.ts: the Deployment's counts and conditions, the
// pods' container states), the replica hand-off (handoff.ts), the capacity check (capacity.ts:
// pods' resources, quotas, limit ranges) and the watch handlers (owner references, labels).
// What nothing reads goes: managedFields, kubectl's last-applied copy of the object, timestamps,
// the status of Services, HPAs and PDBs, condition timestamps, most of a pod. What stays is interned
// (operator/runtime/intern.ts): one copy of each repeated string for all caches.
// This is controller-runtime's cache transform (cache.Options.DefaultTransform and
// ByObject.Transform, https://pkg.go.dev/sigs.k8s.io/controller-runtime/pkg/cache#Options; its
// stock one is TransformStripManagedFields); operator/runtime takes the function as the
// informer's `transform` and stays generic. lean.test.ts proves each transform loses nothing a
// reader uses: every rendered field's hand edit still shows, and status is the same.
import { LABEL_NAME, POD_TEMPLATE_HASH_ANNOTATION } from '../../render/index.ts';
import { StringInterner } from '../runtime/intern.ts';
import type { KubeObject } from '../runtime/key.ts';
import { type KindRef, kindKey } from './child-kinds.ts';
import { appliesReplicas, OWNS_REPLICAS } from './handoff.ts';
import type { DeploymentLike, PodLike } from './status.ts';

type Metadata = NonNullable<KubeObject['metadata']>;

/** One table for every cache: names, namespaces and labels repeat across kinds. */
const strings = new StringInterner();

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Copies the listed keys that are set. */
function pick<T extends object, K extends keyof T>(from: T | undefined, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  if (from === undefined) return out;
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}

const METADATA_READ = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'deletionTimestamp',
] as const;

/**
 * The metadata anything reads: identity and version (cache keys, the applied memo, Events),
 * generation, labels, annotations (drift compares the rendered ones; kubectl's last-applied copy
 * is dropped), owner references (the owner handler, pruning), finalizers and deletionTimestamp
 * (the status-only-update predicate). Gone: managedFields, creationTimestamp, selfLink.
 */
export function leanMetadata(metadata: Metadata | undefined): Metadata {
  const kept = pick(metadata as Record<(typeof METADATA_READ)[number], unknown> | undefined, METADATA_READ);
  const annotations = kept.annotations as Record<string, string> | undefined;
  if (annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _lastApplied, ...rest } = annotations;
    kept.annotations = rest;
  }
  return kept as Metadata;
}

/**
 * Lean metadata, the rest whole: a MicroService (render reads its spec, and its status is compared
 * with the one we write), a ResourceQuota or LimitRange (capacity.ts reads their spec and status).
 */
export function withLeanMetadata<T extends KubeObject>(obj: T): T {
  return strings.intern({ ...obj, metadata: leanMetadata(obj.metadata) });
}

type DeploymentStatus = NonNullable<DeploymentLike['status']>;
const DEPLOYMENT_STATUS_READ = [
  'observedGeneration',
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
] as const satisfies readonly (keyof DeploymentStatus)[];

/**
 * A Deployment: metadata and spec as drift and capacity read them, the status counts and
 * conditions (type, status, reason, message: no timestamps) that status.ts reads, and one bit of
 * its managedFields: whether we own spec.replicas (see handoff.ts).
 */
export function leanDeployment(deployment: KubeObject): KubeObject {
  const d = deployment as DeploymentLike;
  const status = d.status;
  const { status: _status, ...rest } = d;
  return strings.intern({
    ...rest,
    metadata: leanMetadata(d.metadata),
    ...(status === undefined
      ? {}
      : {
          status: {
            ...pick(status, DEPLOYMENT_STATUS_READ),
            ...(status.conditions
              ? { conditions: status.conditions.map((c) => pick(c, ['type', 'status', 'reason', 'message'] as const)) }
              : {}),
          },
        }),
    [OWNS_REPLICAS]: appliesReplicas(deployment),
  });
}

/**
 * A Service, ServiceAccount, HorizontalPodAutoscaler or PodDisruptionBudget: what we render
 * (drift compares it) with lean metadata; their status is read by nothing.
 */
export function leanChild(child: KubeObject): KubeObject {
  const { status: _status, ...rest } = child as KubeObject & { status?: unknown };
  return strings.intern({ ...rest, metadata: leanMetadata(child.metadata) });
}

/** The transform of a cached child kind (app.ts passes it to that kind's informer). */
export function leanChildOf(ref: KindRef): (obj: KubeObject) => KubeObject {
  return kindKey(ref) === 'Deployment.apps' ? leanDeployment : leanChild;
}

type PodResources = { name?: string; resources?: Record<string, unknown>; restartPolicy?: string };

/** A container of a cached pod: its resources (what a ResourceQuota charges) and nothing else. */
const leanContainer = (c: PodResources): PodResources => ({
  resources: c.resources,
  ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
});

type ContainerState = NonNullable<NonNullable<NonNullable<PodLike['status']>['containerStatuses']>[number]['state']>;

/** What status.ts reads of a container state: why it waits, why and how it ended (not when, no IDs). */
function leanState(state: ContainerState | undefined): ContainerState | undefined {
  if (state === undefined) return undefined;
  return {
    ...(state.waiting ? { waiting: pick(state.waiting, ['reason', 'message'] as const) } : {}),
    ...(state.terminated ? { terminated: pick(state.terminated, ['reason', 'exitCode', 'message'] as const) } : {}),
  };
}

/** PodScheduled=False only (why a pod is Pending, for ProgressDeadlineExceeded), not the other conditions. */
function leanScheduled(p: PodLike): Pick<NonNullable<PodLike['status']>, 'conditions'> {
  const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
  return c ? { conditions: [{ type: c.type, status: c.status, reason: c.reason, message: c.message }] } : {};
}

/**
 * A pod, for status and the capacity check: identity, the MicroService label (the pod index and
 * handler), the pod-template-hash annotation (which pods are current), phase, PodScheduled=False, the app
 * containers' waiting and terminated reasons and restart counts, and the containers' resources.
 */
export function leanPod(pod: KubeObject): PodLike {
  const p = pod as PodLike & { spec?: { containers?: PodResources[]; initContainers?: PodResources[] } };
  const name = p.metadata?.labels?.[LABEL_NAME];
  const hash = p.metadata?.annotations?.[POD_TEMPLATE_HASH_ANNOTATION];
  return strings.intern({
    spec: {
      containers: p.spec?.containers?.map(leanContainer),
      ...(p.spec?.initContainers ? { initContainers: p.spec.initContainers.map(leanContainer) } : {}),
    },
    metadata: {
      ...pick(p.metadata, ['name', 'namespace', 'uid', 'resourceVersion'] as const),
      ...(name === undefined ? {} : { labels: { [LABEL_NAME]: name } }),
      ...(hash === undefined ? {} : { annotations: { [POD_TEMPLATE_HASH_ANNOTATION]: hash } }),
    },
    status: {
      phase: p.status?.phase,
      ...leanScheduled(p),
      containerStatuses: p.status?.containerStatuses?.map((c) => ({
        name: c.name,
        restartCount: c.restartCount,
        state: leanState(c.state),
        lastState: leanState(c.lastState),
      })),
    },
  });
}
