// Reconcile one MicroService (level-based): read it from the cache, render, apply each child that
// differs with server-side apply, prune children it no longer renders, and write status when it
// changed. It never sees the event that queued it; a deleted MicroService is noticed as missing
// and its children go by garbage collection (owner references).
import { type MicroService, type MicroServiceStatus, minimumReplicas, parseMicroService } from '../../api/index.ts';
import {
  DEFAULT_RENDER_CONFIG,
  POD_TEMPLATE_HASH_ANNOTATION,
  type RenderConfig,
  type RenderedObject,
  render,
  selectorString,
} from '../../render/index.ts';
import type { Store } from '../runtime/cache.ts';
import { type Client, ObjectError } from '../runtime/client.ts';
import { type ReconcileContext, type ReconcileResult, TerminalError } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { formatKey, type KubeObject, type ObjectKey } from '../runtime/key.ts';
import { AppliedMemo, needsApply, withAppliedHash } from './drift.ts';
import { handOffReplicas, OWNS_REPLICAS } from './handoff.ts';
import {
  computeStatus,
  type DeploymentLike,
  type Observation,
  type PodLike,
  readyCondition,
  statusChanged,
} from './status.ts';

/** The kinds a MicroService owns, in apply order. Pruning walks the same list. */
export const CHILD_KINDS = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
] as const;
export type ChildKind = (typeof CHILD_KINDS)[number]['kind'];

/** A spec the API server accepted but the renderer cannot use (e.g. a CRD older than the operator). */
export class InvalidSpecError extends TerminalError {}

export interface MicroServiceObject extends KubeObject {
  spec?: unknown;
  status?: MicroServiceStatus;
}

export interface ReconcilerDeps {
  readonly client: Client;
  readonly microServices: Store<MicroServiceObject>;
  readonly children: Readonly<Record<ChildKind, Store<KubeObject>>>;
  /** Pods of MicroServices, indexed by `microservice` → `namespace/name`. */
  readonly pods: Store<PodLike>;
  readonly recorder: EventRecorder;
  readonly now?: () => Date;
  readonly renderConfig?: RenderConfig;
}

export const POD_INDEX = 'microservice';

function ownerReference(ms: MicroServiceObject) {
  return {
    apiVersion: ms.apiVersion ?? 'msvc.dev/v1alpha1',
    kind: ms.kind ?? 'MicroService',
    name: ms.metadata?.name ?? '',
    uid: ms.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function ownedBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && (obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller);
}

/** The rendered child with namespace, owner reference and applied-hash annotation. */
function desiredChild(obj: RenderedObject, ms: MicroServiceObject, namespace: string): KubeObject {
  return withAppliedHash({
    ...obj,
    metadata: { ...obj.metadata, namespace, ownerReferences: [ownerReference(ms)] },
  });
}

/** The API server refuses new objects in a namespace that is being deleted (reason NamespaceTerminating). */
export function namespaceTerminating(error: unknown): boolean {
  return error instanceof ObjectError && error.status === 403 && /because it is being terminated/.test(error.message);
}

function withReplicas(deployment: KubeObject, replicas: number): KubeObject {
  return { ...deployment, spec: { replicas, ...(deployment['spec'] as Record<string, unknown>) } };
}

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #applied = new AppliedMemo();
  readonly #appliedStatus = new AppliedMemo();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /** The controller's Reconcile function. */
  readonly reconcile = async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const raw = this.#deps.microServices.get(key);
    if (!raw || raw.metadata?.deletionTimestamp) return {};
    const parsed = parseMicroService(raw);
    const selector = `app.kubernetes.io/name=${key.name}`;
    if (!parsed.ok) {
      const message = `spec rejected: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
      await this.#writeStatus(
        raw,
        computeStatus(this.#asMicroService(raw), { kind: 'invalid', message }, selector, this.#now()),
      );
      throw new InvalidSpecError(`${formatKey(key)}: ${message}`);
    }
    const ms = parsed.value;
    const { objects } = render(ms, this.#deps.renderConfig ?? DEFAULT_RENDER_CONFIG);
    let deployment: DeploymentLike | undefined;
    let templateHash = '';
    let goMemLimit: string | undefined;
    try {
      for (const obj of objects) {
        const desired = desiredChild(obj, raw, key.namespace);
        const live = this.#deps.children[obj.kind as ChildKind].get(key);
        let current = live;
        const childKey = `${obj.kind}/${formatKey(key)}`;
        if (needsApply(desired, live) && !this.#applied.pending(childKey, desired, live)) {
          const autoscaled = obj.kind === 'Deployment' && ms.spec.autoscaling !== undefined;
          if (autoscaled && live?.[OWNS_REPLICAS]) {
            ctx.log.info({ kind: obj.kind }, 'handing replicas over to the HorizontalPodAutoscaler');
            await handOffReplicas(this.#deps.client, live);
          }
          ctx.log.info({ kind: obj.kind, action: live ? 'update' : 'create' }, 'applying child');
          // A new autoscaled Deployment starts at minReplicas, not the API default of 1, and the
          // count is handed to the HPA at once (same hash: the annotation excludes this field).
          const body = autoscaled && !live ? withReplicas(desired, minimumReplicas(ms.spec)) : desired;
          current = await this.#deps.client.apply(body, { force: true });
          if (autoscaled && !live) await handOffReplicas(this.#deps.client, current);
          this.#applied.remember(childKey, desired, current);
        }
        if (obj.kind === 'Deployment') {
          deployment = current as DeploymentLike;
          const template = (
            obj.spec as {
              template: {
                metadata: { annotations: Record<string, string> };
                spec: { containers: { env?: { name: string; value?: string }[] }[] };
              };
            }
          ).template;
          templateHash = template.metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION] ?? '';
          goMemLimit = template.spec.containers[0]?.env?.find((e) => e.name === 'GOMEMLIMIT')?.value;
        }
      }
      await this.#prune(raw, key, new Set(objects.map((o) => o.kind)), ctx);
    } catch (error) {
      if (namespaceTerminating(error)) {
        // The namespace controller is deleting everything, this MicroService included: re-creating
        // children would fail until then, and retrying (or writing status) only adds requests.
        ctx.log.info('namespace is being deleted; leaving it to the namespace controller');
        return {};
      }
      const reason = error instanceof ObjectError && error.status === 403 ? 'Forbidden' : 'ApplyFailed';
      const message = error instanceof Error ? error.message : String(error);
      await this.#writeStatus(raw, computeStatus(ms, { kind: 'applyFailed', reason, message }, selector, this.#now()));
      await this.#deps.recorder.event(raw, 'Warning', reason, message);
      throw error;
    }
    const observation: Observation = {
      kind: 'applied',
      deployment,
      pods: this.#deps.pods.listByIndex(POD_INDEX, formatKey(key)),
      templateHash,
      goMemLimit,
    };
    await this.#writeStatus(raw, computeStatus(ms, observation, selectorString(ms) || selector, this.#now()));
    return {};
  };

  async #prune(ms: MicroServiceObject, key: ObjectKey, rendered: Set<string>, ctx: ReconcileContext): Promise<void> {
    for (const { apiVersion, kind } of CHILD_KINDS) {
      if (rendered.has(kind)) continue;
      const live = this.#deps.children[kind].get(key);
      if (!live || !ownedBy(live, ms.metadata?.uid)) continue;
      ctx.log.info({ kind }, 'pruning child that is no longer rendered');
      await this.#deps.client.delete(
        { apiVersion, kind, namespace: key.namespace, name: key.name },
        { uid: live.metadata?.uid },
      );
      await this.#deps.recorder.event(
        ms,
        'Normal',
        'Pruned',
        `deleted ${kind} ${key.name}: the spec no longer renders it`,
      );
    }
  }

  async #writeStatus(raw: MicroServiceObject, status: MicroServiceStatus): Promise<void> {
    if (!statusChanged(raw.status, status)) return;
    // The same status we wrote a moment ago, read from a cache that has not seen our write yet.
    const key = formatKey({ namespace: raw.metadata?.namespace ?? '', name: raw.metadata?.name ?? '' });
    const comparable = { ...status, conditions: status.conditions?.map(({ lastTransitionTime: _, ...c }) => c) };
    const probe = withAppliedHash({ metadata: { name: raw.metadata?.name }, status: comparable });
    if (this.#appliedStatus.pending(key, probe, raw)) return;
    const written = await this.#deps.client.applyStatus({
      apiVersion: raw.apiVersion,
      kind: raw.kind,
      metadata: { name: raw.metadata?.name, namespace: raw.metadata?.namespace },
      status,
    });
    this.#appliedStatus.remember(key, probe, written);
    const before = readyCondition(raw.status);
    const after = readyCondition(status);
    if (after && (before?.status !== after.status || before?.reason !== after.reason)) {
      await this.#deps.recorder.event(raw, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
    }
  }

  /** For status of a spec that failed validation: enough of a MicroService to carry metadata. */
  #asMicroService(raw: MicroServiceObject): MicroService {
    return { ...(raw as unknown as MicroService), spec: { image: '' } };
  }

  #now(): string {
    return (this.#deps.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}
