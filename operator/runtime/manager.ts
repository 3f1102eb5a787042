// The process lifecycle (controller-runtime's pkg/manager): owns the shared pieces (REST
// transport, client, metrics, logger), starts every runnable in the right order and stops them in
// the reverse one. Informers and the health server run on every replica (caches warm before
// leadership, standbys report ready); controllers' workers wait for caches and the Lease.
// SIGTERM/SIGINT: stop taking work, finish in-flight reconciles, release the Lease, exit 0.
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { Client } from './client.ts';
import { Controller, type ErrorPolicy, type Reconcile } from './controller.ts';
import type { EventHandler } from './handler.ts';
import { type HealthServer, startHealthServer } from './health.ts';
import { Informer, type InformerOptions } from './informer.ts';
import type { KubeObject } from './key.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import { LeaderElector } from './leader-election.ts';
import { createLogger, type Logger } from './log.ts';
import { OperatorMetrics } from './metrics.ts';
import type { Predicate } from './predicate.ts';
import { type BackoffOptions, type RateLimitOptions, WorkQueue } from './queue.ts';
import { FencedError, KubeRest } from './rest.ts';

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

/** Why run() ended: 0 = asked to stop, 1 = leadership lost or a runnable failed. */
export type ExitCode = 0 | 1;

export class Manager {
  readonly rest: KubeRest;
  readonly client: Client;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  readonly elector: LeaderElector | undefined;
  readonly #options: ManagerOptions;
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
    if (election !== false) {
      const name = election.name ?? options.fieldManager;
      const onLeaderChange = this.metrics.forLease(name);
      const elector = new LeaderElector({ ...election, name, client: this.client, log: this.log, onLeaderChange });
      this.elector = elector;
      // The fence (leader-election.ts): once the lease may be another replica's, no write leaves.
      this.rest.writeGuard = (request) => {
        if (elector.holdsLease()) return;
        this.metrics.fencedWrite();
        throw new FencedError(
          `${request.method} ${request.path}: not sent: this replica no longer holds the lease ${election.namespace}/${name} (another replica may lead now)`,
        );
      };
      this.rest.userAgent ??= `${options.fieldManager} (${hostname()}; pid ${process.pid}; ${elector.identity})`;
    }
    this.rest.userAgent ??= `${options.fieldManager} (${hostname()}; pid ${process.pid})`;
  }

  /** Registers a watched resource; its cache warms from run() on, leader or not. */
  informer<T extends KubeObject>(options: Omit<InformerOptions<T>, 'rest' | 'log' | 'metrics'>): Informer<T> {
    const resource = `${options.kind}.${options.apiVersion}`;
    const informer = new Informer<T>({
      ...options,
      rest: this.rest,
      log: this.log,
      metrics: this.metrics.forWatch(resource),
    });
    this.#informers.push(informer);
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
    for (const watch of options.watches) {
      watch.informer.onEvent((event) => {
        if (watch.predicate !== undefined && !watch.predicate(event)) return;
        for (const key of watch.handler(event)) queue.add(key);
      });
    }
    const primary = options.watches[0]?.informer;
    const workers = options.maxConcurrentReconciles ?? 2;
    const controller = new Controller({
      name: options.name,
      reconcile: options.reconcile,
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
      await Promise.allSettled(informers);
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

/** client-node, loaded only here (it costs ~80 MiB; main.ts uses the light loader in kubeconfig.ts). */
function defaultKubeConfig(): KubeConfigLike {
  const { KubeConfig } = createRequire(import.meta.url)(
    '@kubernetes/client-node',
  ) as typeof import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
