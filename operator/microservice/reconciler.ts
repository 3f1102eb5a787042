// Reconcile one MicroService (level-based): read it from the cache, render, apply each child that
// differs with server-side apply, prune children it no longer renders, and write status when it
// changed. It never sees the event that queued it; a deleted MicroService is noticed as missing
// and its children go by garbage collection (owner references).
import {
  KIND,
  type MicroService,
  type MicroServiceStatus,
  minimumReplicas,
  parseMicroService,
} from '../../api/index.ts';
import {
  DEFAULT_RENDER_CONFIG,
  LABEL_NAME,
  POD_TEMPLATE_HASH_ANNOTATION,
  type RenderConfig,
  type RenderedObject,
  render,
  selectorString,
} from '../../render/index.ts';
import type { Store } from '../runtime/cache.ts';
import { type Client, ObjectError } from '../runtime/client.ts';
import { type ReconcileContext, type ReconcileResult, TerminalError } from '../runtime/controller.ts';
import { KindDiscovery } from '../runtime/discovery.ts';
import { describeFieldOwners, permanentReason } from '../runtime/errors.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { ObjectEvent } from '../runtime/informer.ts';
import { formatKey, type KubeObject, type ObjectKey, objectKey, stringKey } from '../runtime/key.ts';
import { ADOPTION_CONDITION, adoptionMessage, adoptionOptIn, foreignChildren, takeOver } from './adoption.ts';
import { CAPACITY_CONDITION, type ChargedPod, capacityCondition, currentCapacityRisks } from './capacity.ts';
import {
  CACHED_CHILD_KINDS,
  type CachedChildKey,
  CHILD_KINDS,
  childKey,
  childKind,
  crdOf,
  kindKey,
  optionalKind,
  several,
} from './child-kinds.ts';
import { desiredChild, ownedBy } from './children.ts';
import { CONFIG_CONDITION, type ConfigStores, configState } from './config.ts';
import { AppliedMemo, needsApply, withAppliedHash } from './drift.ts';
import { exclusiveTakeover } from './exclusive.ts';
import { handOffReplicas, OWNS_REPLICAS } from './handoff.ts';
import { FIELD_MANAGER } from './identity.ts';
import { POD_SECURITY_CONDITION, podSecurityCondition } from './pod-security.ts';
import {
  computeStatus,
  type DeploymentLike,
  type ExtraCondition,
  type MissingKind,
  type Observation,
  type PodLike,
  readyCondition,
  statusChanged,
} from './status.ts';

/** A spec the API server accepted but the renderer cannot use (e.g. a CRD older than the operator). */
export class InvalidSpecError extends TerminalError {}

/**
 * An apply the API server refuses for good (422 Invalid, 403 Forbidden, 400, or a 409 that force
 * cannot resolve): reported as Stalled=True and not retried with back-off. A change to the
 * MicroService or the child queues it again, and so does the resync (for a fixed RBAC rule).
 */
export class PermanentApplyError extends TerminalError {}

export interface MicroServiceObject extends KubeObject {
  spec?: unknown;
  status?: MicroServiceStatus;
}

export interface ReconcilerDeps {
  readonly client: Client;
  readonly microServices: Store<MicroServiceObject>;
  /** The caches of the built-in child kinds, by kindKey (`Deployment.apps`, `Service`, ...). */
  readonly children: Readonly<Record<CachedChildKey, Store<KubeObject>>>;
  /** Which optional (CRD) kinds are served. @default a KindDiscovery on client.rest */
  readonly discovery?: KindDiscovery;
  /** Pods of MicroServices, indexed by `microservice` → `namespace/name`. */
  readonly pods: Store<PodLike>;
  readonly recorder: EventRecorder;
  /** ResourceQuotas and LimitRanges, for the capacity preflight (CapacityRisk); no check without them. */
  readonly quotas?: Store<KubeObject>;
  readonly limitRanges?: Store<KubeObject>;
  /** Metadata-only caches of ConfigMaps and Secrets, for spec.rolloutOnConfigChange; absent when not watched. */
  readonly configs?: ConfigStores;
  /** Metadata-only cache of namespaces (their Pod Security enforce label), for PodSecurityRisk; no check without it. */
  readonly namespaces?: Pick<Store<KubeObject>, 'get'>;
  readonly now?: () => Date;
  readonly renderConfig?: RenderConfig;
  /** This replica, written to status.reconciledBy (sharding only: which shard reconciled last). */
  readonly reconciledBy?: string;
}

export { CACHED_CHILD_KINDS, type CachedChildKey, CHILD_KINDS, childKey, crdOf, kindKey };

export const POD_INDEX = 'microservice';

/** The last status said the spec rendered optional children (see status.ts, ChildrenApplied). */
function hasChildrenApplied(ms: MicroServiceObject): boolean {
  return (ms.status?.conditions ?? []).some((c) => c.type === 'ChildrenApplied');
}

/** The API server refuses new objects in a namespace that is being deleted (reason NamespaceTerminating). */
export function namespaceTerminating(error: unknown): boolean {
  return error instanceof ObjectError && error.status === 403 && /because it is being terminated/.test(error.message);
}

/** What to do about each kind of permanent failure, appended to the Stalled message. */
const ADVICE: Record<string, string> = {
  Invalid:
    'the API server or an admission policy refuses the object; undo the hand edit of the fields named, or fix spec or the policy',
  Forbidden: 'grant the operator this verb on this resource (RBAC), or lift the admission policy that denies it',
  BadRequest: 'the API server cannot decode the object: the operator and the cluster versions may not match',
  Conflict: 'a forced apply cannot resolve this conflict: delete the child and the operator re-creates it',
};

/** What status reads from the rendered pod template: its hash and the app's GOMEMLIMIT. */
function templateFacts(objects: readonly RenderedObject[]): { templateHash: string; goMemLimit?: string } {
  const rendered = objects.find((o) => o.kind === 'Deployment');
  if (!rendered) return { templateHash: '' };
  const template = (
    rendered.spec as {
      template: {
        metadata: { annotations: Record<string, string> };
        spec: { containers: { env?: { name: string; value?: string }[] }[] };
      };
    }
  ).template;
  return {
    templateHash: template.metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION] ?? '',
    goMemLimit: template.spec.containers[0]?.env?.find((e) => e.name === 'GOMEMLIMIT')?.value,
  };
}

const isTrue = (conditions: readonly { type: string; status: string }[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === 'True') === true;

function withReplicas(deployment: KubeObject, replicas: number): KubeObject {
  return { ...deployment, spec: { replicas, ...(deployment['spec'] as Record<string, unknown>) } };
}

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #applied = new AppliedMemo();
  readonly #appliedStatus = new AppliedMemo();

  readonly #discovery: KindDiscovery;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#discovery = deps.discovery ?? new KindDiscovery(deps.client.rest);
  }

  /** The controller's Reconcile function. */
  readonly reconcile = async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const raw = this.#deps.microServices.get(key);
    if (!raw || raw.metadata?.deletionTimestamp) {
      this.#forget(key);
      return {};
    }
    const parsed = parseMicroService(raw);
    const selector = `app.kubernetes.io/name=${key.name}`;
    if (!parsed.ok) {
      const message = `spec rejected: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
      await this.#writeStatus(
        raw,
        computeStatus(this.#asMicroService(raw), { kind: 'invalid', message }, selector, this.#now()),
        ctx,
      );
      throw new InvalidSpecError(`${formatKey(key)}: ${message}`);
    }
    const ms = parsed.value;
    let deployment = this.#deps.children['Deployment.apps'].get(key) as DeploymentLike | undefined;
    const config = configState(ms, this.#deps.configs, deployment?.spec?.template?.metadata?.annotations);
    const baseConfig = this.#deps.renderConfig ?? DEFAULT_RENDER_CONFIG;
    const { objects } = render(ms, config.hash === undefined ? baseConfig : { ...baseConfig, configHash: config.hash });
    /** Rendered children whose CRD is not installed: named in status, not applied. */
    const missing: MissingKind[] = [];
    // Before any apply: a rollout the namespace cannot fit is said now, not after a FailedCreate.
    const { templateHash, goMemLimit } = templateFacts(objects);
    const extra: ExtraCondition[] = [];
    const capacity = await this.#capacity(ms, raw, key, ctx);
    if (capacity) extra.push(capacity);
    const podSecurity = this.#deps.namespaces
      ? podSecurityCondition(ms, this.#deps.namespaces.get(key.namespace), raw.status?.conditions)
      : undefined;
    if (podSecurity) {
      extra.push(podSecurity);
      if (podSecurity.status === 'True' && !isTrue(raw.status?.conditions, POD_SECURITY_CONDITION)) {
        await this.#deps.recorder.event(raw, 'Warning', POD_SECURITY_CONDITION, podSecurity.message);
      }
    }
    if (config.condition) {
      extra.push(config.condition);
      const before = raw.status?.conditions?.find((c) => c.type === CONFIG_CONDITION);
      if (config.condition.status === 'False' && before?.status !== 'False') {
        await this.#deps.recorder.event(raw, 'Warning', 'ConfigNotFound', config.condition.message);
      }
    }
    if (capacity?.status === 'True' && !isTrue(raw.status?.conditions, CAPACITY_CONDITION)) {
      // Said before the apply starts the rollout, so it is on the MicroService before a pod fails.
      await this.#writeStatus(
        raw,
        computeStatus(
          ms,
          this.#observe(key, deployment, templateHash, goMemLimit),
          selectorString(ms) || selector,
          this.#now(),
          extra,
        ),
        ctx,
      );
    }
    // A child that exists without this MicroService as its controller is taken over only on request.
    const foreign = await foreignChildren(
      this.#deps.client,
      raw,
      objects
        .filter((o) => childKind(o) !== undefined && crdOf(o) === undefined)
        .map((o) => desiredChild(o, raw, key.namespace)),
      (d) => this.#deps.children[kindKey(d) as CachedChildKey].get(key),
      ctx.signal,
    );
    if (foreign.length > 0) {
      const adopt = adoptionOptIn(raw) && !foreign.some((f) => f.controller);
      const message = adoptionMessage(foreign, adopt);
      if (!adopt) {
        const reason = foreign.some((f) => f.controller) ? 'ControlledByOther' : 'NotOwned';
        const adoption = { type: ADOPTION_CONDITION, status: 'True' as const, reason, message };
        const observed = { kind: 'applyFailed' as const, reason: ADOPTION_CONDITION, message, stalled: true };
        await this.#writeStatus(raw, computeStatus(ms, observed, selector, this.#now(), [...extra, adoption]), ctx);
        return {};
      }
      ctx.log.info({ objects: foreign.map((f) => f.object) }, 'adopting children');
      await takeOver(this.#deps.client, foreign, ctx.signal);
      await this.#deps.recorder.event(
        raw,
        'Normal',
        'Adopted',
        `took over ${message.replace(/: taking it over$/, '')}`,
      );
    }
    // The replica hand-off applies without force: a 409 there is a conflict to retry, not a wedge.
    let unforced = false;
    try {
      for (const obj of objects) {
        if (childKind(obj) === undefined) {
          // Rendered but not (yet) a child kind of this operator: one CHILD_KINDS entry makes it one.
          ctx.log.debug({ kind: kindKey(obj) }, 'not applied: not a child kind of this operator');
          continue;
        }
        const name = obj.metadata.name;
        const optional = optionalKind(obj);
        if (optional && !(await this.#discovery.served(obj.apiVersion, obj.kind))) {
          missing.push({ kind: obj.kind, name, crd: optional.crd, field: optional.field });
          continue;
        }
        const desired = desiredChild(obj, raw, key.namespace);
        const live = await this.#live(obj, { namespace: key.namespace, name }, ctx);
        let current = live;
        const memoKey = childKey(obj, key.namespace, name);
        // Asked first, whatever needsApply says: a fresher version than the one applied over ends the entry.
        const inFlight = this.#applied.pending(memoKey, desired, live);
        if (needsApply(desired, live) && !inFlight) {
          const autoscaled = obj.kind === 'Deployment' && ms.spec.autoscaling !== undefined;
          if (autoscaled && live?.[OWNS_REPLICAS]) {
            ctx.log.info({ kind: obj.kind }, 'handing replicas over to the HorizontalPodAutoscaler');
            unforced = true;
            await handOffReplicas(this.#deps.client, live, { signal: ctx.signal });
            unforced = false;
          }
          ctx.log.info({ kind: obj.kind, action: live ? 'update' : 'create' }, 'applying child');
          // A new autoscaled Deployment starts at minReplicas, not the API default of 1, and the
          // count is handed to the HPA at once (same hash: the annotation excludes this field).
          const body = autoscaled && !live ? withReplicas(desired, minimumReplicas(ms.spec)) : desired;
          try {
            current = await this.#applyChild(body, raw, ctx);
          } catch (error) {
            // The CRD went away since discovery said it was served: report it as missing.
            if (!optional || !(error instanceof ObjectError) || error.status !== 404) throw error;
            this.#discovery.forget(obj.apiVersion, obj.kind);
            missing.push({ kind: obj.kind, name, crd: optional.crd, field: optional.field });
            continue;
          }
          if (autoscaled && !live) {
            unforced = true;
            await handOffReplicas(this.#deps.client, current, { signal: ctx.signal });
            unforced = false;
          }
          this.#applied.remember(memoKey, desired, live, current);
          // The watch event of this write may have come in while its answer was on the way: then
          // the cache shows it already, and nothing is in flight.
          if (crdOf(obj) === undefined)
            this.#applied.observed(
              memoKey,
              this.#deps.children[kindKey(obj) as CachedChildKey].get({ namespace: key.namespace, name }),
            );
        }
        if (obj.kind === 'Deployment') deployment = current as DeploymentLike;
      }
      await this.#prune(raw, key, objects, ctx);
    } catch (error) {
      if (namespaceTerminating(error)) {
        // The namespace controller is deleting everything, this MicroService included: re-creating
        // children would fail until then, and retrying (or writing status) only adds requests.
        ctx.log.info('namespace is being deleted; leaving it to the namespace controller');
        return {};
      }
      const permanent = permanentReason(error, { forced: !unforced });
      const reason = permanent ?? 'ApplyFailed';
      let message = error instanceof Error ? error.message : String(error);
      if (permanent !== undefined) message = `${message}${await this.#owners(error, ctx)}: ${ADVICE[permanent]}`;
      await this.#writeStatus(
        raw,
        computeStatus(
          ms,
          { kind: 'applyFailed', reason, message, stalled: permanent !== undefined },
          selector,
          this.#now(),
          extra,
        ),
        ctx,
      );
      await this.#deps.recorder.event(raw, 'Warning', reason, message);
      if (permanent !== undefined) throw new PermanentApplyError(message, { cause: error });
      throw error;
    }
    const observation: Observation = {
      kind: 'applied',
      // Only specs that render an optional kind get the ChildrenApplied condition.
      ...(objects.some((o) => crdOf(o) !== undefined) ? { missingKinds: missing } : {}),
      deployment,
      pods: this.#deps.pods.listByIndex(POD_INDEX, formatKey(key)),
      templateHash,
      goMemLimit,
    };
    await this.#writeStatus(
      raw,
      computeStatus(ms, observation, selectorString(ms) || selector, this.#now(), extra),
      ctx,
    );
    // A missing CRD is looked for again on a timer: once it is installed, the child is applied.
    return missing.length > 0 ? { requeueAfterMs: this.#discovery.recheckMs } : {};
  };

  /** The live child: from the cache for the built-in kinds, by GET for optional ones (they have no cache). */
  async #live(
    ref: { readonly apiVersion: string; readonly kind: string },
    key: ObjectKey,
    ctx: ReconcileContext,
  ): Promise<KubeObject | undefined> {
    if (crdOf(ref) === undefined) return this.#deps.children[kindKey(ref) as CachedChildKey].get(key);
    return this.#deps.client.get(
      { apiVersion: ref.apiVersion, kind: ref.kind, namespace: key.namespace, name: key.name },
      { signal: ctx.signal },
    );
  }

  #observe(
    key: ObjectKey,
    deployment: DeploymentLike | undefined,
    templateHash: string,
    goMemLimit: string | undefined,
  ): Observation {
    const pods = this.#deps.pods.listByIndex(POD_INDEX, formatKey(key));
    return { kind: 'applied', deployment, pods, templateHash, goMemLimit };
  }

  /** The CapacityRisk condition from the cached quotas and limit ranges; an Event when it turns True. */
  async #capacity(
    ms: MicroService,
    raw: MicroServiceObject,
    key: ObjectKey,
    ctx: ReconcileContext,
  ): Promise<ExtraCondition | undefined> {
    const { quotas, limitRanges } = this.#deps;
    if (!quotas || !limitRanges) return undefined;
    const namespaceQuotas = quotas.list(key.namespace);
    const namespaceLimitRanges = limitRanges.list(key.namespace);
    const risks = currentCapacityRisks(
      ms,
      this.#deps.children['Deployment.apps'].get(key) as DeploymentLike | undefined,
      this.#deps.pods.listByIndex(POD_INDEX, formatKey(key)) as ChargedPod[],
      namespaceQuotas,
      namespaceLimitRanges,
    );
    const previous = raw.status?.conditions;
    const condition = capacityCondition(risks, namespaceQuotas.length + namespaceLimitRanges.length > 0, previous);
    // On the transition only: the message moves with the quota's `used` while pods come and go.
    if (condition?.status === 'True' && !isTrue(previous, CAPACITY_CONDITION)) {
      ctx.log.info({ risks: risks.length }, 'capacity risk');
      await this.#deps.recorder.event(raw, 'Warning', CAPACITY_CONDITION, condition.message);
    }
    return condition;
  }

  /**
   * Forced server-side apply of one child. A 422 on a kind with exclusive fields (a PDB's
   * minAvailable/maxUnavailable) is recovered by taking the foreign field over and applying again
   * without it (exclusive.ts); anything else is the caller's to classify.
   */
  async #applyChild(body: KubeObject, ms: MicroServiceObject, ctx: ReconcileContext): Promise<KubeObject> {
    try {
      return await this.#deps.client.apply(body, { force: true, signal: ctx.signal });
    } catch (error) {
      if (!(error instanceof ObjectError) || error.status !== 422) throw error;
      const live = await this.#deps.client.get(this.#ref(body), { signal: ctx.signal });
      const takeover = exclusiveTakeover(body, live, FIELD_MANAGER);
      if (!takeover) throw error;
      ctx.log.info(
        { kind: body.kind, field: takeover.field, managers: takeover.managers },
        'taking over a field that excludes ours, to remove it',
      );
      await this.#deps.client.apply(takeover.body, { force: true, signal: ctx.signal });
      const applied = await this.#deps.client.apply(body, { force: true, signal: ctx.signal });
      await this.#deps.recorder.event(
        ms,
        'Normal',
        'FieldTakenOver',
        `removed ${takeover.field} of ${body.kind} ${body.metadata?.name}, set by ${takeover.managers.join(', ')}: it excludes a field the MicroService renders`,
      );
      return applied;
    }
  }

  /** For a failed child apply: who set the fields the API server names (read fresh, with managedFields). */
  async #owners(error: unknown, ctx: ReconcileContext): Promise<string> {
    if (!(error instanceof ObjectError) || error.status !== 422) return '';
    const { namespace, name } = error.ref;
    if (!childKind(error.ref) || !namespace || !name) return '';
    try {
      const live = await this.#deps.client.get(error.ref, { signal: ctx.signal });
      const lines = describeFieldOwners(error, live, FIELD_MANAGER);
      return lines.length > 0 ? ` (${lines.join('; ')})` : '';
    } catch (readError) {
      ctx.log.debug({ err: readError }, 'could not read field owners');
      return '';
    }
  }

  /**
   * A cache event of a MicroService (`kind` MicroService) or of a cached child (`kind` its kindKey,
   * e.g. `Deployment.apps`, as app.ts keys the child caches): the memo keeps only
   * writes the cache has not shown yet, and nothing of a deleted object. Wired to every such
   * informer (app.ts), so it holds whatever the reconciles that follow do or do not do (a
   * status-only update of a MicroService queues no reconcile at all).
   */
  observe(kind: string, event: ObjectEvent<KubeObject>): void {
    const key = stringKey(event.object);
    const live = event.type === 'Deleted' ? undefined : event.object;
    if (kind === KIND) {
      if (live === undefined) this.#forget(objectKey(event.object));
      else this.#appliedStatus.observed(key, live);
    } else this.#applied.observed(`${kind}/${key}`, live);
  }

  /** A cache relisted: no version read before it is trusted (see AppliedMemo, an etcd restore). */
  relisted(): void {
    this.#applied.clear();
    this.#appliedStatus.clear();
  }

  /** The MicroService is gone: what was remembered about its writes goes too. */
  #forget(key: ObjectKey): void {
    // Children named after the MicroService; Linkerd's per-port ones end with their 60 s bound.
    for (const k of CHILD_KINDS) this.#applied.forget(childKey(k, key.namespace, key.name));
    this.#appliedStatus.forget(formatKey(key));
  }

  /** Writes remembered as in flight (children and status); a bound on memory, for tests. */
  get rememberedWrites(): number {
    return this.#applied.size + this.#appliedStatus.size;
  }

  #ref(obj: KubeObject) {
    return {
      apiVersion: obj.apiVersion ?? '',
      kind: obj.kind ?? '',
      namespace: obj.metadata?.namespace,
      name: obj.metadata?.name ?? '',
    };
  }

  async #prune(
    ms: MicroServiceObject,
    key: ObjectKey,
    objects: readonly RenderedObject[],
    ctx: ReconcileContext,
  ): Promise<void> {
    const rendered = new Set(objects.map((o) => childKey(o, key.namespace, o.metadata.name)));
    const optionalRendered = objects.some((o) => crdOf(o) !== undefined);
    for (const entry of CHILD_KINDS) {
      const many = several(entry);
      if (!many && rendered.has(childKey(entry, key.namespace, key.name))) continue;
      // Optional kinds are read by GET, so they are only looked for where one may exist: the spec
      // renders one now (a ServiceMonitor may have become a PodMonitor), or it did when the last
      // status was written (ChildrenApplied is there exactly then). A kind not served has none.
      if (crdOf(entry) !== undefined) {
        const mayExist = optionalRendered || hasChildrenApplied(ms);
        if (!mayExist || !(await this.#discovery.served(entry.apiVersion, entry.kind))) continue;
      }
      // A kind with several children per MicroService (one per port) is listed by its name label.
      const candidates = many
        ? await this.#deps.client.list(entry.apiVersion, entry.kind, {
            namespace: key.namespace,
            labelSelector: `${LABEL_NAME}=${key.name}`,
            signal: ctx.signal,
          })
        : [await this.#live(entry, key, ctx)];
      for (const live of candidates) {
        const name = live?.metadata?.name;
        if (!live || name === undefined || rendered.has(childKey(entry, key.namespace, name))) continue;
        if (!ownedBy(live, ms.metadata?.uid)) continue;
        ctx.log.info({ kind: kindKey(entry), name }, 'pruning child that is no longer rendered');
        this.#applied.forget(childKey(entry, key.namespace, name));
        await this.#deps.client.delete(
          { apiVersion: entry.apiVersion, kind: entry.kind, namespace: key.namespace, name },
          { uid: live.metadata?.uid, signal: ctx.signal },
        );
        await this.#deps.recorder.event(
          ms,
          'Normal',
          'Pruned',
          `deleted ${entry.kind} ${name} (${entry.apiVersion}): the spec no longer renders it`,
        );
      }
    }
  }

  async #writeStatus(raw: MicroServiceObject, computed: MicroServiceStatus, ctx: ReconcileContext): Promise<void> {
    const reconciledBy = this.#deps.reconciledBy;
    // A new owner (the ring moved) writes status once, to say so; then nothing until a change.
    const status = reconciledBy === undefined ? computed : { ...computed, reconciledBy };
    if (!statusChanged(raw.status, status)) return;
    // The same status we wrote a moment ago, read from a cache that has not seen our write yet.
    const key = formatKey({ namespace: raw.metadata?.namespace ?? '', name: raw.metadata?.name ?? '' });
    const comparable = { ...status, conditions: status.conditions?.map(({ lastTransitionTime: _, ...c }) => c) };
    const probe = withAppliedHash({ metadata: { name: raw.metadata?.name }, status: comparable });
    if (this.#appliedStatus.pending(key, probe, raw)) return;
    const written = await this.#deps.client.applyStatus(
      {
        apiVersion: raw.apiVersion,
        kind: raw.kind,
        metadata: { name: raw.metadata?.name, namespace: raw.metadata?.namespace },
        status,
      },
      { signal: ctx.signal },
    );
    this.#appliedStatus.remember(key, probe, raw, written);
    // As for a child: the cache may show this write already (its event came in before the answer).
    this.#appliedStatus.observed(key, this.#deps.microServices.get(key));
    const before = readyCondition(raw.status);
    const after = readyCondition(status);
    if (after && (before?.status !== after.status || before?.reason !== after.reason)) {
      await this.#deps.recorder.event(raw, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
    }
    // `kubectl scale` on an autoscaled MicroService: said where kubectl describe and get events show it.
    const ignored = status.conditions?.find((c) => c.type === 'ReplicasIgnored');
    const wasIgnored = raw.status?.conditions?.find((c) => c.type === 'ReplicasIgnored');
    if (ignored?.status === 'True' && (wasIgnored?.status !== 'True' || wasIgnored.message !== ignored.message)) {
      await this.#deps.recorder.event(raw, 'Warning', 'ReplicasIgnored', ignored.message);
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
