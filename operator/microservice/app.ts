// Wires the MicroService controller: informers for MicroServices, their children and their pods
// (each trimmed before it is cached: lean.ts), the event handlers that map each to a MicroService
// key, and the reconciler. main.ts turns flags into OperatorOptions; tests call startOperator directly.
import { API_GROUP, KIND } from '../../api/index.ts';
import { type ConfigKind, LABEL_MANAGED_BY, LABEL_NAME } from '../../render/index.ts';
import { KubeEventRecorder } from '../runtime/events.ts';
import { enqueueOwner, enqueueSelf } from '../runtime/handler.ts';
import type { Informer } from '../runtime/informer.ts';
import { formatKey, type KubeObject, stringKey } from '../runtime/key.ts';
import { Manager, type ManagerOptions, type Watch } from '../runtime/manager.ts';
import { skipStatusOnlyUpdates } from '../runtime/predicate.ts';
import type { RateLimitOptions } from '../runtime/queue.ts';
import { SHARD_BUCKET_LABEL } from '../runtime/shard.ts';
import { CONFIG_INDEX, configIndex, configIndexValue, leanConfig } from './config.ts';
import { CONTROLLER_NAME, FIELD_MANAGER, MANAGED_BY } from './identity.ts';
import { leanChildOf, leanPod, withLeanMetadata } from './lean.ts';
import { enforceLevelChanged, leanNamespace } from './pod-security.ts';
import {
  CACHED_CHILD_KINDS,
  type CachedChildKey,
  kindKey,
  type MicroServiceObject,
  POD_INDEX,
  Reconciler,
} from './reconciler.ts';
import type { PodLike } from './status.ts';

export { CONTROLLER_NAME, FIELD_MANAGER, MANAGED_BY };

export interface OperatorOptions extends Omit<ManagerOptions, 'fieldManager'> {
  /** Namespaces to watch; all when empty. */
  readonly namespaces?: readonly string[];
  /** @default 4 */
  readonly concurrency?: number;
  /** @see ControllerOptions.resyncIntervalMs */
  readonly resyncIntervalMs?: number;
  /** Retries across all MicroServices (a token bucket over the per-key back-off). */
  readonly retryRateLimit?: RateLimitOptions;
  /**
   * Watch ResourceQuotas and LimitRanges for the capacity preflight (the CapacityRisk condition).
   * @default true
   */
  readonly capacityCheck?: boolean;
  /**
   * Watch ConfigMap and Secret metadata (never their data) for spec.rolloutOnConfigChange. Needs
   * list/watch on both (the chart's configRollout.enabled).
   * @default false
   */
  readonly watchConfig?: boolean;
  /**
   * Watch namespace metadata (the Pod Security enforce label) for the PodSecurityRisk condition: all
   * namespaces, or with `namespaces` one watch per namespace by name (a field selector, which RBAC
   * can grant by resourceNames). Needs get/list/watch on namespaces.
   * @default true
   */
  readonly podSecurityCheck?: boolean;
}

const podMicroService = (pod: PodLike): string[] => {
  const name = pod.metadata?.labels?.[LABEL_NAME];
  return name ? [formatKey({ namespace: pod.metadata?.namespace ?? '', name })] : [];
};

export function buildOperator(options: OperatorOptions = {}): Manager {
  const manager = new Manager({ ...options, fieldManager: FIELD_MANAGER });
  const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const namespaces = options.namespaces;
  const watchConfig = options.watchConfig ?? false;
  const microServices = manager.informer<MicroServiceObject>({
    apiVersion: `${API_GROUP}/v1alpha1`,
    kind: KIND,
    namespaces,
    transform: withLeanMetadata,
    // Sharding (docs/sharding.md): a MicroService by its uid, server-side where the API server can.
    shardBy: 'self',
    ...(watchConfig ? { indexers: { [CONFIG_INDEX]: configIndex } } : {}),
  });
  // Metadata only (PartialObjectMetadata): the resourceVersion is all the hash needs, and a
  // Secret's data never reaches the operator.
  const configs = watchConfig
    ? {
        ConfigMap: manager.informer<KubeObject>({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespaces,
          metadataOnly: true,
          transform: leanConfig,
        }),
        Secret: manager.informer<KubeObject>({
          apiVersion: 'v1',
          kind: 'Secret',
          namespaces,
          metadataOnly: true,
          transform: leanConfig,
        }),
      }
    : undefined;
  const referencing = (kind: ConfigKind) => (event: { object: KubeObject }) =>
    microServices.store
      .listByIndex(
        CONFIG_INDEX,
        configIndexValue(event.object.metadata?.namespace ?? '', kind, event.object.metadata?.name ?? ''),
      )
      .map((ms) => stringKey(ms));
  const children = Object.fromEntries(
    CACHED_CHILD_KINDS.map(({ apiVersion, kind }) => [
      kindKey({ apiVersion, kind }),
      manager.informer<KubeObject>({
        apiVersion,
        kind,
        namespaces,
        labelSelector: managed,
        transform: leanChildOf({ apiVersion, kind }),
        // Children go with their MicroService: hashed by their controller owner's uid, and selected
        // server-side by the owner's bucket, which they carry as a label (children.ts).
        shardBy: { ownerGroup: API_GROUP, ownerKind: KIND, bucketLabel: SHARD_BUCKET_LABEL },
      }),
    ]),
  ) as Record<CachedChildKey, Informer<KubeObject>>;
  const pods = manager.informer<PodLike>({
    apiVersion: 'v1',
    kind: 'Pod',
    namespaces,
    labelSelector: managed,
    transform: leanPod,
    indexers: { [POD_INDEX]: podMicroService },
    // A pod names no MicroService uid (its owner is a ReplicaSet): it is kept while the
    // MicroService its label names is cached, i.e. owned by this replica (client-side).
    shardBy: { primaryKey: (pod) => podMicroService(pod as PodLike)[0] },
  });
  const capacity = options.capacityCheck ?? true;
  // Small and few per namespace (spec and status whole); a change re-queues that namespace's MicroServices.
  const quotas = capacity
    ? manager.informer<KubeObject>({ apiVersion: 'v1', kind: 'ResourceQuota', namespaces, transform: withLeanMetadata })
    : undefined;
  const limitRanges = capacity
    ? manager.informer<KubeObject>({ apiVersion: 'v1', kind: 'LimitRange', namespaces, transform: withLeanMetadata })
    : undefined;
  const inNamespace = (event: { object: KubeObject }) =>
    microServices.store.list(event.object.metadata?.namespace ?? '').map((ms) => stringKey(ms));
  // Cluster-scoped and metadata only: a label change re-queues the MicroServices of that namespace.
  const namespaceInformers =
    (options.podSecurityCheck ?? true)
      ? (namespaces?.length ? namespaces.map((n) => `metadata.name=${n}`) : [undefined]).map((fieldSelector) =>
          manager.informer<KubeObject>({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadataOnly: true,
            fieldSelector,
            transform: leanNamespace,
          }),
        )
      : [];
  const namespaceStore = namespaceInformers.length
    ? { get: (name: string) => namespaceInformers.map((i) => i.store.get(name)).find((n) => n !== undefined) }
    : undefined;
  const reconciler = new Reconciler({
    client: manager.client,
    microServices: microServices.store,
    children: Object.fromEntries(Object.entries(children).map(([k, i]) => [k, i.store])) as Record<
      CachedChildKey,
      Informer<KubeObject>['store']
    >,
    pods: pods.store,
    quotas: quotas?.store,
    limitRanges: limitRanges?.store,
    configs: configs && { ConfigMap: configs.ConfigMap.store, Secret: configs.Secret.store },
    namespaces: namespaceStore,
    recorder: new KubeEventRecorder(manager.client, manager.log, { component: FIELD_MANAGER }),
    reconciledBy: manager.shard?.identity,
  });
  // The memo of writes in flight follows the caches it vouches for (drift.ts AppliedMemo).
  manager.metrics.gaugeOf(
    'msvc_applied_memo_entries',
    'Writes of children and status remembered as in flight until the cache shows them (held only until the watch event arrives, the object is deleted, a cache relists, or 60 s)',
    () => reconciler.rememberedWrites,
  );
  for (const [kind, informer] of [[KIND, microServices], ...Object.entries(children)] as const) {
    informer.onEvent((event) => reconciler.observe(kind, event));
    informer.onRelist(() => reconciler.relisted());
  }
  const owner = { group: API_GROUP, kind: KIND };
  const watches: Watch<KubeObject>[] = [
    // Status-only writes (our own, mostly) change nothing we render from.
    { informer: microServices, handler: enqueueSelf(), predicate: skipStatusOnlyUpdates() },
    ...Object.values(children).map((informer) => ({ informer, handler: enqueueOwner(owner) })),
    { informer: pods as Informer<KubeObject>, handler: (event) => podMicroService(event.object as PodLike) },
    ...[quotas, limitRanges].flatMap((informer) => (informer ? [{ informer, handler: inNamespace }] : [])),
    ...namespaceInformers.map((informer) => ({
      informer,
      predicate: enforceLevelChanged,
      handler: (event: { object: KubeObject }) =>
        microServices.store.list(event.object.metadata?.name ?? '').map((ms) => stringKey(ms)),
    })),
    ...(configs
      ? [
          { informer: configs.ConfigMap, handler: referencing('ConfigMap') },
          { informer: configs.Secret, handler: referencing('Secret') },
        ]
      : []),
  ];
  manager.controller({
    name: CONTROLLER_NAME,
    reconcile: reconciler.reconcile,
    maxConcurrentReconciles: options.concurrency ?? 4,
    resyncIntervalMs: options.resyncIntervalMs,
    rateLimit: options.retryRateLimit,
    watches,
  });
  return manager;
}
