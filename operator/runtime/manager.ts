// The process lifecycle (controller-runtime's pkg/manager): owns the shared pieces (REST
// transport, client, metrics, logger), starts every runnable in the right order and stops them in
// the reverse one. Informers and the health server run on every replica (caches warm before
// leadership, standbys report ready); controllers' workers wait for caches and the Lease.
// SIGTERM/SIGINT: stop taking work, finish in-flight reconciles, release the Lease, exit 0.
// With `sharding` every replica is active: each holds its own Lease in a ring (shard.ts) and
// reconciles only the keys it owns; informers registered with `shardBy` cache only owned objects,
// and a change of the ring's members rebalances (see #rebalance).
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { Client } from './client.ts';
import { Controller, type ErrorPolicy, type Reconcile } from './controller.ts';
import type { EventHandler } from './handler.ts';
import { type HealthServer, startHealthServer } from './health.ts';
import { Informer, type InformerOptions } from './informer.ts';
import { formatKey, type KubeObject } from './key.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import { LeaderElector } from './leader-election.ts';
import { createLogger, type Logger } from './log.ts';
import { OperatorMetrics, type ShardMetrics } from './metrics.ts';
import type { Predicate } from './predicate.ts';
import { type BackoffOptions, type RateLimitOptions, WorkQueue } from './queue.ts';
import { FencedError, KubeRest } from './rest.ts';
import { HASH_SPACE, shardSelector } from './ring.ts';
import { bucketSelector, SHARD_RING_LABEL, Shard, type ShardBy } from './shard.ts';

/** A shardSelector that keeps everything (the probe of server-side sharding). */
const FULL_RANGE_SELECTOR = shardSelector('object.metadata.uid', [{ start: 0n, end: HASH_SPACE }]);

export interface ManagerOptions {
  /** The field manager of every write this manager's client makes (controller-runtime's FieldOwner). */
  readonly fieldManager: string;
  /** @default KubeConfig.loadFromDefault() (in-cluster service account, or ~/.kube/config) */
  readonly kubeConfig?: KubeConfigLike;
  /** The transport to use instead of one built from `kubeConfig` (tests). */
  readonly rest?: KubeRest;
  readonly log?: Logger;
  readonly metrics?: OperatorMetrics;
  /** Lease-based leader election; `false` (one replica, tests) reconciles without it. */
  readonly leaderElection?:
    | false
    | {
        namespace: string;
        /** @default the fieldManager */
        name?: string;
        identity?: string;
        leaseDurationMs?: number;
        renewDeadlineMs?: number;
        retryPeriodMs?: number;
      };
  /**
   * Sharding across replicas (shard.ts): every replica active, each owning the keys its ranges of
   * the ring hold. Excludes `leaderElection`; `false` or absent: no sharding.
   */
  readonly sharding?:
    | false
    | {
        /** Namespace of the shard Leases. */
        namespace: string;
        /** The ring's name (the SHARD_RING_LABEL value of its Leases). */
        ring: string;
        /** This replica: its Lease's name and holder (the pod name). */
        identity: string;
        leaseDurationMs?: number;
        renewDeadlineMs?: number;
        retryPeriodMs?: number;
      };
  /**
   * `/healthz`, `/readyz`, `/metrics` listen address; `false` for none.
   * @default '0.0.0.0:8080'
   */
  readonly healthAddress?: string | false;
  /**
   * How long SIGTERM waits for in-flight reconciles. Keep it below the pod's
   * terminationGracePeriodSeconds so the Lease is still released.
   * @default 20000
   */
  readonly shutdownTimeoutMs?: number;
  /** Handle SIGTERM and SIGINT. @default true */
  readonly handleSignals?: boolean;
  /**
   * A cache that has not synced this long after start is logged as an error with the reason (the
   * last list error: a CRD not installed, RBAC), once; /readyz keeps failing, with that reason,
   * until it syncs. controller-runtime's CacheSyncTimeout (it exits instead).
   * @default 120000
   */
  readonly cacheSyncTimeoutMs?: number;
  /**
   * /healthz (liveness) fails when a watch has made no progress (no list page, no event or
   * bookmark, no normal end) for this long: a watcher that is stuck, or an API server that has
   * been unreachable all that time; the kubelet then restarts the process. Above the watches'
   * idle timeout (150 s) plus their retries, so a dead connection is reconnected first.
   * @default 300000
   */
  readonly watchStallMs?: number;
}

/** One watched source of a controller: events of `informer`, filtered, mapped to keys. */
export interface Watch<T extends KubeObject> {
  readonly informer: Informer<T>;
  readonly handler: EventHandler<T>;
  readonly predicate?: Predicate<T>;
}

export interface ManagedControllerOptions {
  readonly name: string;
  readonly reconcile: Reconcile;
  readonly errorPolicy?: ErrorPolicy;
  /** @default 2 */
  readonly maxConcurrentReconciles?: number;
  /** @see ControllerOptions.resyncIntervalMs */
  readonly resyncIntervalMs?: number;
  /** @see ControllerOptions.reconcileTimeoutMs */
  readonly reconcileTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** The retry budget shared by all keys (a token bucket on top of the per-key back-off). */
  readonly rateLimit?: RateLimitOptions;
  /** The event sources; the first one's keys are what a resync re-queues (the primary resource). */
  // biome-ignore lint/suspicious/noExplicitAny: watches of different object types share one list.
  readonly watches: readonly Watch<any>[];
}

/** A watched resource as the Manager registers it; `shardBy` shards it when sharding is on. */
export type ManagedInformerOptions<T extends KubeObject> = Omit<InformerOptions<T>, 'rest' | 'log' | 'metrics'> & {
  /**
   * What the shard hash of an object is: its own uid (`self`: the primary resource; also sent as
   * a KEP-5866 shardSelector) or its controller owner's (children follow their owner). Ignored
   * without sharding.
   */
  readonly shardBy?: ShardBy;
};

/** Why run() ended: 0 = asked to stop, 1 = leadership lost or a runnable failed. */
export type ExitCode = 0 | 1;

export class Manager {
  readonly rest: KubeRest;
  readonly client: Client;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  readonly elector: LeaderElector | undefined;
  /** This replica's place in the shard ring, when sharding is on. */
  readonly shard: Shard | undefined;
  readonly #options: ManagerOptions;
  /** Informers registered with `shardBy` (only with sharding). */
  // biome-ignore lint/suspicious/noExplicitAny: informers of different object types.
  readonly #sharded: Array<{ informer: Informer<any>; by: ShardBy }> = [];
  /** Controllers whose primary resource is sharded: what a rebalance trims. */
  #shardMetrics: ShardMetrics | undefined;
  readonly #shardedQueues: Array<{ queue: WorkQueue; owns: (key: string) => boolean; primary: Informer<KubeObject> }> =
    [];
  // biome-ignore lint/suspicious/noExplicitAny: informers of different object types.
  readonly #informers: Informer<any>[] = [];
  readonly #controllers: Controller[] = [];
  readonly #stop = new AbortController();
  #stopping: Promise<void> | undefined;

  constructor(options: ManagerOptions) {
    this.#options = options;
    this.rest = options.rest ?? new KubeRest(options.kubeConfig ?? defaultKubeConfig());
    this.client = new Client(this.rest, { fieldManager: options.fieldManager });
    this.metrics = options.metrics ?? new OperatorMetrics();
    this.log = options.log ?? createLogger();
    const election = options.leaderElection ?? false;
    const sharding = options.sharding ?? false;
    if (election !== false && sharding !== false) {
      throw new Error('Manager: leaderElection and sharding exclude each other (a shard holds its own Lease)');
    }
    // A shard's own Lease is held exactly like a leader's (same renewals, same fence).
    const lease =
      sharding !== false
        ? {
            ...sharding,
            name: sharding.identity,
            identity: sharding.identity,
            labels: { [SHARD_RING_LABEL]: sharding.ring },
          }
        : election !== false
          ? { ...election, name: election.name ?? options.fieldManager }
          : undefined;
    if (lease !== undefined) {
      const name = lease.name;
      const onLeaderChange = this.metrics.forLease(name);
      const elector = new LeaderElector({ ...lease, name, client: this.client, log: this.log, onLeaderChange });
      this.elector = elector;
      // The fence (leader-election.ts): once the lease may be another replica's, no write leaves.
      this.rest.writeGuard = (request) => {
        if (elector.holdsLease()) return;
        this.metrics.fencedWrite();
        throw new FencedError(
          `${request.method} ${request.path}: not sent: this replica no longer holds the lease ${lease.namespace}/${name} (another replica may lead now)`,
        );
      };
      this.rest.userAgent ??= `${options.fieldManager} (${hostname()}; pid ${process.pid}; ${elector.identity})`;
    }
    this.rest.userAgent ??= `${options.fieldManager} (${hostname()}; pid ${process.pid})`;
    if (sharding !== false) {
      const leases = this.informer<KubeObject>({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespaces: [sharding.namespace],
        labelSelector: `${SHARD_RING_LABEL}=${sharding.ring}`,
        // The probe of server-side sharding: a shardSelector over the whole hash space changes
        // nothing in the answer, but an API server that applies shardSelectors echoes it in
        // shardInfo. Read here, on a built-in kind, because kube-apiserver 1.37 filters custom
        // resources by the selector without echoing it (docs/sharding.md).
        shardSelector: () => FULL_RANGE_SELECTOR,
        onListPage: (metadata) => {
          const serverSide = metadata.shardInfo?.selector !== undefined;
          if (this.shard !== undefined && this.shard.serverSide !== serverSide) {
            this.log.info(
              { ring: sharding.ring, serverSide },
              serverSide
                ? 'the API server applies shardSelector (KEP-5866): sharded lists and watches are filtered server-side'
                : 'the API server ignores shardSelector (feature gate ShardedListAndWatch off or absent): filtering client-side',
            );
            this.shard.serverSide = serverSide;
          }
        },
      });
      const metrics = this.metrics.forShard(sharding.ring, sharding.identity, {
        owned: () =>
          this.#sharded.reduce((sum, { informer, by }) => sum + (by === 'self' ? informer.store.keys().length : 0), 0),
        queueDepth: () => this.#shardedQueues.reduce((sum, { queue }) => sum + queue.len(), 0),
      });
      this.shard = new Shard({
        ring: sharding.ring,
        identity: sharding.identity,
        leases,
        retryPeriodMs: sharding.retryPeriodMs,
        log: this.log,
        onMembers: (members) => metrics.members(members.length),
        // Unfenced like the Lease's own writes; the uid precondition spares a Lease created again.
        deleteLease: async (lease) => {
          await this.client.delete(
            {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              namespace: sharding.namespace,
              name: lease.metadata?.name ?? '',
            },
            { uid: lease.metadata?.uid, unfenced: true },
          );
        },
      });
      this.shard.onChange(() => {
        metrics.rebalance();
        void this.#rebalance();
      });
      this.#shardMetrics = metrics;
    }
  }

  /** Rebalances under way, and a promise that resolves when the last one has ended. */
  #rebalancing = 0;
  #rebalanced: Promise<void> = Promise.resolve();

  /**
   * The ring's members changed: queued keys this replica no longer owns are dropped at once (a
   * reconcile in flight finishes: the overlap docs/sharding.md argues is safe), then the sharded
   * caches relist with the new ranges: MicroServices and the children hashed by their owner, then
   * what follows a cached MicroService (pods), once the MicroServices are in. Objects no longer
   * owned leave the caches at each relist's end, and their keys the queues. Reconciles wait until
   * it is over, so a newly owned MicroService is reconciled with its children and pods cached.
   */
  async #rebalance(): Promise<void> {
    let done = () => {};
    const ended = new Promise<void>((resolve) => {
      done = resolve;
    });
    const previous = this.#rebalanced;
    this.#rebalanced = previous.then(() => ended);
    this.#rebalancing++;
    try {
      for (const { queue, owns } of this.#shardedQueues) queue.retain(owns);
      const following = this.#sharded.filter(({ by }) => typeof by === 'object' && 'primaryKey' in by);
      const hashed = this.#sharded.filter((entry) => !following.includes(entry));
      await Promise.all(hashed.map(({ informer }) => informer.relist()));
      await Promise.all(following.map(({ informer }) => informer.relist()));
      for (const { queue, primary } of this.#shardedQueues) queue.retain((key) => primary.store.get(key) !== undefined);
    } finally {
      this.#rebalancing--;
      done();
    }
  }

  /** Resolves once no rebalance is under way. */
  async #settled(): Promise<void> {
    while (this.#rebalancing > 0) await this.#rebalanced;
  }

  /** The sharded informer everything else follows (the one hashed by its own uid). */
  #primaryInformer(): Informer<KubeObject> | undefined {
    return this.#sharded.find(({ by }) => by === 'self')?.informer;
  }

  /** Registers a watched resource; its cache warms from run() on, leader or not. */
  informer<T extends KubeObject>(options: ManagedInformerOptions<T>): Informer<T> {
    const resource = `${options.kind}.${options.apiVersion}`;
    const { shardBy, ...rest } = options;
    const shard = this.shard;
    const follows = typeof shardBy === 'object' && 'primaryKey' in shardBy ? shardBy.primaryKey : undefined;
    const sharded =
      shard !== undefined && shardBy !== undefined
        ? {
            filter:
              follows === undefined
                ? (obj: T) => shard.owns(obj, shardBy)
                : (obj: T) => {
                    // Kept while its primary object is cached: the primary cache holds only what we own.
                    const key = follows(obj);
                    return key === undefined || this.#primaryInformer()?.store.get(key) !== undefined;
                  },
            startAfter: async (signal: AbortSignal) => {
              await shard.waitUntilMember(signal);
              if (follows !== undefined) await this.#primaryInformer()?.store.waitUntilReady(signal);
            },
            // Children labelled with their owner's bucket: two watches, the label values of this
            // replica's buckets (server-side on any API server: a label selector; exact, since
            // the ranges are whole buckets) and the objects without the label (made before it
            // existed, or by hand), which every replica receives and the filter sorts.
            ...(typeof shardBy === 'object' && 'bucketLabel' in shardBy && shardBy.bucketLabel !== undefined
              ? { labelSelectors: bucketWatches(rest.labelSelector, shardBy.bucketLabel, () => shard.buckets()) }
              : {}),
            // Server-side sharding where the API server applies it (the Lease list's echo says);
            // the filter stays, as the fallback and a guard (it drops nothing the server kept).
            ...(shardBy === 'self'
              ? {
                  shardSelector: () => {
                    this.#shardMetrics?.serverSide(resource, shard.serverSide === true);
                    return shard.serverSide ? shard.selector() : undefined;
                  },
                }
              : {}),
          }
        : {};
    const informer = new Informer<T>({
      ...rest,
      ...sharded,
      rest: this.rest,
      log: this.log,
      metrics: this.metrics.forWatch(resource),
    });
    this.#informers.push(informer);
    if (shard !== undefined && shardBy !== undefined) this.#sharded.push({ informer, by: shardBy });
    return informer;
  }

  /** Registers a controller fed by `watches`; its workers start once caches synced and we lead. */
  controller(options: ManagedControllerOptions): Controller {
    const queue = new WorkQueue({
      name: options.name,
      backoff: options.backoff,
      rateLimit: options.rateLimit,
      metrics: this.metrics.forQueue(options.name),
    });
    this.metrics.trackQueue(queue);
    const primary = options.watches[0]?.informer;
    // Sharded primary: a key is this replica's while its object is cached and owned (an object
    // not cached is gone or never was ours: reconcile sees that for itself).
    const shardBy = this.#sharded.find(({ informer }) => informer === primary)?.by;
    const shard = this.shard;
    const owns =
      shard !== undefined && shardBy !== undefined && primary !== undefined
        ? (key: string) => {
            const obj = primary.store.get(key);
            return obj === undefined || shard.owns(obj, shardBy);
          }
        : undefined;
    if (owns !== undefined && primary !== undefined) this.#shardedQueues.push({ queue, owns, primary });
    for (const watch of options.watches) {
      // Keys from other sources (a pod's MicroService) count only for a primary object we hold.
      const foreign = owns !== undefined && watch.informer !== primary;
      watch.informer.onEvent((event) => {
        if (watch.predicate !== undefined && !watch.predicate(event)) return;
        for (const key of watch.handler(event)) {
          if (foreign && (primary?.store.get(key) === undefined || !owns(key))) continue;
          queue.add(key);
        }
      });
    }
    const workers = options.maxConcurrentReconciles ?? 2;
    const controller = new Controller({
      name: options.name,
      // A key handed over a moment ago (the ring moved while it was queued) is not reconciled here.
      reconcile:
        owns === undefined
          ? options.reconcile
          : async (key, ctx) => {
              await this.#settled();
              return owns(formatKey(key)) ? options.reconcile(key, ctx) : {};
            },
      errorPolicy: options.errorPolicy,
      queue,
      maxConcurrentReconciles: workers,
      caches: options.watches.map((watch) => watch.informer.store),
      waitForLeadership: this.elector === undefined ? undefined : (signal) => this.elector!.waitForLeadership(signal),
      resyncIntervalMs: options.resyncIntervalMs,
      reconcileTimeoutMs: options.reconcileTimeoutMs,
      resyncKeys: primary === undefined ? undefined : () => primary.store.keys(),
      metrics: this.metrics.forController(options.name, workers),
      log: this.log,
    });
    this.#controllers.push(controller);
    return controller;
  }

  /** Whether every cache has synced (/readyz). */
  cachesSynced(): boolean {
    return this.#informers.every((informer) => informer.store.ready);
  }

  /**
   * Runs everything until stop() or a signal (→ 0) or lost leadership (→ 1). Always releases
   * the Lease and closes the health server before resolving. main: `process.exit(await mgr.run())`.
   */
  async run(): Promise<ExitCode> {
    const signal = this.#stop.signal;
    const onSignal = (name: string) => {
      this.log.info({ signal: name }, 'shutting down');
      void this.stop();
    };
    const handlers = { SIGTERM: () => onSignal('SIGTERM'), SIGINT: () => onSignal('SIGINT') };
    if (this.#options.handleSignals ?? true)
      for (const [name, handler] of Object.entries(handlers)) process.once(name, handler);
    let health: HealthServer | undefined;
    let syncTimerRef: ReturnType<typeof setTimeout> | undefined;
    let exitCode: ExitCode = 0;
    try {
      const startedAt = Date.now();
      const syncTimeoutMs = this.#options.cacheSyncTimeoutMs ?? 120_000;
      const stallMs = this.#options.watchStallMs ?? 300_000;
      const syncTimer = setTimeout(() => {
        for (const informer of this.#informers) {
          const { synced, lastError } = informer.health();
          if (synced) continue;
          this.log.error(
            { kind: informer.kind, timeoutMs: syncTimeoutMs, reason: lastError ?? 'no list has completed yet' },
            `cache of ${informer.kind} did not sync within ${syncTimeoutMs / 1000}s; /readyz fails until it does`,
          );
        }
      }, syncTimeoutMs);
      syncTimer.unref();
      syncTimerRef = syncTimer;
      const stalled = new Set<string>();
      const readyCheck = (informer: Informer<KubeObject>) => () => {
        const { synced, lastError } = informer.health();
        if (synced) return true;
        const seconds = Math.round((Date.now() - startedAt) / 1000);
        return `${informer.kind}: not synced after ${seconds}s${lastError ? ` (last error: ${lastError})` : ''}`;
      };
      const progressCheck = () => {
        const stuck: string[] = [];
        for (const informer of this.#informers) {
          const { sinceProgressMs, lastError } = informer.health();
          if (sinceProgressMs < stallMs) {
            if (stalled.delete(informer.kind)) this.log.info({ kind: informer.kind }, 'watch makes progress again');
            continue;
          }
          const reason = `${informer.kind}: no watch progress for ${Math.round(sinceProgressMs / 1000)}s${lastError ? ` (last error: ${lastError})` : ''}`;
          if (!stalled.has(informer.kind)) {
            stalled.add(informer.kind);
            this.log.error({ kind: informer.kind, stallMs, reason: lastError }, `${reason}; /healthz fails`);
          }
          stuck.push(reason);
        }
        return stuck.length === 0 ? true : stuck.join('; ');
      };
      if (this.#options.healthAddress !== false) {
        health = await startHealthServer({
          address: this.#options.healthAddress,
          metrics: this.metrics,
          readyChecks: Object.fromEntries(this.#informers.map((i, n) => [`cache-${n}-${i.kind}`, readyCheck(i)])),
          healthChecks: { watches: progressCheck },
        });
        this.log.info({ address: health.address }, 'serving /healthz, /readyz, /metrics');
      }
      // A dead informer means a cache that silently stops changing: stop and exit non-zero.
      const informers = this.#informers.map((informer) =>
        informer.run(signal).catch((error: unknown) => {
          this.log.error({ err: error, kind: informer.kind }, 'informer failed; stopping');
          exitCode = 1;
          void this.stop();
        }),
      );
      const controllers = this.#controllers.map((controller) => controller.start());
      const shardLoop = this.shard?.run(signal);
      const election = this.elector?.run(signal).then((outcome) => {
        if (outcome === 'lost') {
          exitCode = 1;
          // Abort in-flight reconciles now: the fence already refuses their writes, and the
          // margin until another replica may lead (leaseDuration − renewDeadline) is for stopping.
          void this.stop({ abortInFlight: true });
        }
      });
      await Promise.all([...controllers, ...(election ? [election] : [])]).catch((error: unknown) => {
        this.log.error({ err: error }, 'a runnable failed; stopping');
        exitCode = 1;
        return this.stop();
      });
      await this.stop();
      await Promise.allSettled([...informers, ...(shardLoop ? [shardLoop] : [])]);
    } finally {
      clearTimeout(syncTimerRef);
      for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
      await health?.close();
    }
    this.log.info({ exitCode }, 'stopped');
    return exitCode;
  }

  /**
   * Stop taking work, finish in-flight reconciles (or abort them at once: `abortInFlight`, when
   * leadership was lost), release the Lease, stop watching. Idempotent.
   */
  stop(options: { abortInFlight?: boolean } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      const timeoutMs = options.abortInFlight ? 0 : (this.#options.shutdownTimeoutMs ?? 20_000);
      await Promise.all(this.#controllers.map((controller) => controller.stop(timeoutMs)));
      // Only now: releasing earlier would let the next leader reconcile next to our in-flight work.
      await this.elector?.release();
      this.#stop.abort();
    })();
    return this.#stopping;
  }
}

/**
 * The label selectors of a child informer sharded by bucket label: `base` and this replica's
 * buckets (read at each list, so a relist after the ring moved asks for the new ones), and `base`
 * and no bucket label at all.
 */
export function bucketWatches(
  base: string | (() => string | undefined) | undefined,
  label: string,
  buckets: () => readonly number[],
): Array<() => string> {
  const join = (requirement: string) => {
    const b = typeof base === 'function' ? base() : base;
    return b ? `${b},${requirement}` : requirement;
  };
  return [() => join(bucketSelector(label, buckets())), () => join(`!${label}`)];
}

/** client-node, loaded only here (it costs ~80 MiB; main.ts uses the light loader in kubeconfig.ts). */
function defaultKubeConfig(): KubeConfigLike {
  const { KubeConfig } = createRequire(import.meta.url)(
    '@kubernetes/client-node',
  ) as typeof import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
