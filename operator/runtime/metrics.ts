// Prometheus metrics under controller-runtime's own names and labels, so the dashboards and alerts
// people already run for Go controllers work unchanged (pkg/internal/controller/metrics,
// pkg/metrics/workqueue.go, pkg/leaderelection). Our own extras live under `msvc_`. Every label
// combination we know of is set to 0 when a controller, queue or lease is registered, so rate()
// and absent() behave from the first scrape.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueMetricsHooks, WorkQueue } from './queue.ts';

/** The `result` label values of controller_runtime_reconcile_total. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;
export type ReconcileResultLabel = (typeof RECONCILE_RESULTS)[number];

// controller-runtime's buckets for reconcile_time_seconds.
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75,
  2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
// client-go/controller-runtime: prometheus.ExponentialBuckets(10e-9, 10, 12).
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/** Metrics of one controller, as the worker loop reports them. */
export interface ControllerMetrics {
  reconcileResult(result: ReconcileResultLabel): void;
  reconcileError(kind: { terminal: boolean; panic: boolean; timeout: boolean }): void;
  reconcileTime(seconds: number): void;
  activeWorkers(delta: number): void;
}

/** Metrics of one watched resource (msvc_ extras). */
export interface WatchMetrics {
  relist(): void;
  watchError(): void;
  event(type: string): void;
  /** Objects received in one list answer (a page). */
  listed?(count: number): void;
  cacheObjects(count: number): void;
  /** A watch was given up as dead: nothing received for the idle timeout. */
  idleTimeout?(): void;
  /** The watch made progress now (msvc_watch_last_progress_timestamp_seconds). */
  progress?(): void;
  /** Whether the cache has synced (msvc_cache_synced). */
  synced?(synced: boolean): void;
}

/** Metrics of this replica's shard (msvc_shard_*). */
export interface ShardMetrics {
  members(count: number): void;
  rebalance(): void;
  /** Whether the last list of `resource` was filtered by the API server (the shardInfo echo). */
  serverSide(resource: string, applied: boolean): void;
}

/** All operator metrics, on one registry that /metrics serves. */
export class OperatorMetrics {
  readonly registry: Registry;
  readonly #queues = new Map<string, WorkQueue>();

  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTimeouts: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkersGauge: Gauge<'controller'>;
  readonly queueDepth: Gauge<'name'>;
  readonly queueAdds: Counter<'name'>;
  readonly queueDuration: Histogram<'name'>;
  readonly workDuration: Histogram<'name'>;
  readonly unfinishedWork: Gauge<'name'>;
  readonly longestRunningProcessor: Gauge<'name'>;
  readonly queueRetries: Counter<'name'>;
  readonly leaderStatus: Gauge<'name'>;
  readonly watchRelists: Counter<'resource'>;
  readonly watchErrors: Counter<'resource'>;
  readonly watchEvents: Counter<'resource' | 'type'>;
  readonly watchListObjects: Counter<'resource'>;
  readonly cacheObjectsGauge: Gauge<'resource'>;
  readonly fencedWrites: Counter;
  readonly watchIdleTimeouts: Counter<'resource'>;
  readonly watchLastProgress: Gauge<'resource'>;
  readonly cacheSynced: Gauge<'resource'>;
  readonly shardMembers: Gauge<'ring'>;
  readonly shardOwnedObjects: Gauge<'ring' | 'shard'>;
  readonly shardQueueDepth: Gauge<'ring' | 'shard'>;
  readonly shardRebalances: Counter<'ring'>;
  readonly shardServerSide: Gauge<'ring' | 'resource'>;
  readonly #shards = new Map<string, { ring: string; shard: string; owned: () => number; queueDepth: () => number }>();

  /**
   * Adds the process's own metrics to the registry: process_cpu_seconds_total,
   * process_resident_memory_bytes, process_start_time_seconds, open fds, and nodejs_heap_* /
   * nodejs_eventloop_lag_* (prom-client's default collectors), the Node counterparts of the process
   * and Go runtime collectors a controller-runtime binary registers. Once per process (main.ts).
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** @param registry where to register; a fresh one by default so tests and two managers don't collide. */
  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    const queues = this.#queues;
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.terminalReconcileErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcilePanics = new Counter({
      name: 'controller_runtime_reconcile_panics_total',
      help: 'Total number of reconciliation panics (programming errors) per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTimeouts = new Counter({
      name: 'controller_runtime_reconcile_timeouts_total',
      help: 'Total number of reconciliation timeouts per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    });
    this.activeWorkersGauge = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
    });
    this.queueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name'],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.unfinishedWork = new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, queue] of queues) this.set({ name }, queue.unfinishedWorkSeconds());
      },
    });
    this.longestRunningProcessor = new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, queue] of queues) this.set({ name }, queue.longestRunningProcessorSeconds());
      },
    });
    this.queueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
    });
    this.watchRelists = new Counter({
      name: 'msvc_watch_relists_total',
      help: 'Full relists of a watched resource (start, 410 Gone, expired continue token)',
      labelNames: ['resource'],
      registers,
    });
    this.watchErrors = new Counter({
      name: 'msvc_watch_errors_total',
      help: 'Failed list or watch requests of a watched resource (each is retried after back-off)',
      labelNames: ['resource'],
      registers,
    });
    this.watchEvents = new Counter({
      name: 'msvc_watch_events_total',
      help: 'Watch events received per resource and type',
      labelNames: ['resource', 'type'],
      registers,
    });
    this.watchListObjects = new Counter({
      name: 'msvc_watch_list_objects_total',
      help: 'Objects received in list answers per resource (every full list: start, relist, rebalance); with msvc_watch_events_total, what this replica received and decoded, whether its filter kept it or not',
      labelNames: ['resource'],
      registers,
    });
    this.cacheObjectsGauge = new Gauge({
      name: 'msvc_cache_objects',
      help: 'Objects held in the cache per resource',
      labelNames: ['resource'],
      registers,
    });
    this.watchIdleTimeouts = new Counter({
      name: 'msvc_watch_idle_timeouts_total',
      help: 'Watches reconnected because nothing (no event, no bookmark) arrived for the idle timeout: a dead connection',
      labelNames: ['resource'],
      registers,
    });
    this.watchLastProgress = new Gauge({
      name: 'msvc_watch_last_progress_timestamp_seconds',
      help: 'When a watch of the resource last made progress (a list page, an event or bookmark, a normal end); /healthz fails when one is older than the stall period',
      labelNames: ['resource'],
      registers,
    });
    this.cacheSynced = new Gauge({
      name: 'msvc_cache_synced',
      help: '1 once the cache of the resource has synced (its first full list is in); /readyz fails while one is 0',
      labelNames: ['resource'],
      registers,
    });
    const shards = this.#shards;
    this.shardMembers = new Gauge({
      name: 'msvc_shard_members',
      help: 'Live members of the shard ring, as this replica sees them',
      labelNames: ['ring'],
      registers,
    });
    this.shardOwnedObjects = new Gauge({
      name: 'msvc_shard_owned_objects',
      help: "Primary objects (the sharded controllers' own resource, hashed by uid) this shard owns and caches",
      labelNames: ['ring', 'shard'],
      registers,
      collect() {
        for (const { ring, shard, owned } of shards.values()) this.set({ ring, shard }, owned());
      },
    });
    this.shardQueueDepth = new Gauge({
      name: 'msvc_shard_queue_depth',
      help: 'Keys of this shard waiting for a worker (workqueue_depth of its sharded controllers)',
      labelNames: ['ring', 'shard'],
      registers,
      collect() {
        for (const { ring, shard, queueDepth } of shards.values()) this.set({ ring, shard }, queueDepth());
      },
    });
    this.shardRebalances = new Counter({
      name: 'msvc_shard_rebalances_total',
      help: 'Changes of the ring members this replica rebalanced for (queues trimmed, sharded caches relisted)',
      labelNames: ['ring'],
      registers,
    });
    this.shardServerSide = new Gauge({
      name: 'msvc_shard_server_side',
      help: '1 when the API server applied the shardSelector to the last list of the resource (KEP-5866 shardInfo echo), 0 when this replica filters client-side',
      labelNames: ['ring', 'resource'],
      registers,
    });
    this.fencedWrites = new Counter({
      name: 'msvc_leader_election_fenced_writes_total',
      help: 'Writes refused before they were sent because this replica no longer held the lease',
      registers,
    });
  }

  /**
   * Registers a gauge without labels whose value is read from `read` at every scrape: a size that
   * a controller owns (e.g. msvc_applied_memo_entries), reported without the runtime knowing it.
   */
  gaugeOf(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** A write the leader-election fence refused. */
  fencedWrite(): void {
    this.fencedWrites.inc();
  }

  /** Zeroes the controller's series and returns the hooks its worker loop reports to. */
  forController(controller: string, maxConcurrentReconciles: number): ControllerMetrics {
    for (const result of RECONCILE_RESULTS) this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileErrors.inc({ controller }, 0);
    this.terminalReconcileErrors.inc({ controller }, 0);
    this.reconcilePanics.inc({ controller }, 0);
    this.reconcileTimeouts.inc({ controller }, 0);
    this.reconcileTime.zero({ controller });
    this.maxConcurrentReconciles.set({ controller }, maxConcurrentReconciles);
    this.activeWorkersGauge.set({ controller }, 0);
    return {
      reconcileResult: (result) => this.reconcileTotal.inc({ controller, result }),
      reconcileError: ({ terminal, panic, timeout }) => {
        this.reconcileErrors.inc({ controller });
        if (timeout) this.reconcileTimeouts.inc({ controller });
        if (terminal) this.terminalReconcileErrors.inc({ controller });
        if (panic) this.reconcilePanics.inc({ controller });
      },
      reconcileTime: (seconds) => this.reconcileTime.observe({ controller }, seconds),
      activeWorkers: (delta) => this.activeWorkersGauge.inc({ controller }, delta),
    };
  }

  /**
   * Zeroes the queue's series and returns the hooks to pass as `WorkQueueOptions.metrics`; call
   * {@link trackQueue} once the queue exists so the in-flight gauges can read it at scrape time.
   */
  forQueue(name: string): QueueMetricsHooks {
    this.queueDepth.set({ name }, 0);
    this.queueAdds.inc({ name }, 0);
    this.queueDuration.zero({ name });
    this.workDuration.zero({ name });
    this.unfinishedWork.set({ name }, 0);
    this.longestRunningProcessor.set({ name }, 0);
    this.queueRetries.inc({ name }, 0);
    return {
      add: () => this.queueAdds.inc({ name }),
      depth: (depth) => this.queueDepth.set({ name }, depth),
      queueDuration: (seconds) => this.queueDuration.observe({ name }, seconds),
      workDuration: (seconds) => this.workDuration.observe({ name }, seconds),
      retry: () => this.queueRetries.inc({ name }),
    };
  }

  trackQueue(queue: WorkQueue): void {
    this.#queues.set(queue.name, queue);
  }

  /** Zeroes the lease's series; returns a setter for leader_election_master_status. */
  forLease(name: string): (isLeader: boolean) => void {
    this.leaderStatus.set({ name }, 0);
    return (isLeader) => this.leaderStatus.set({ name }, isLeader ? 1 : 0);
  }

  /** Zeroes the shard's series; `owned` and `queueDepth` are read at scrape time. */
  forShard(ring: string, shard: string, read: { owned: () => number; queueDepth: () => number }): ShardMetrics {
    this.#shards.set(`${ring}/${shard}`, { ring, shard, ...read });
    this.shardMembers.set({ ring }, 0);
    this.shardRebalances.inc({ ring }, 0);
    return {
      members: (count) => this.shardMembers.set({ ring }, count),
      rebalance: () => this.shardRebalances.inc({ ring }),
      serverSide: (resource, applied) => this.shardServerSide.set({ ring, resource }, applied ? 1 : 0),
    };
  }

  /** Zeroes the resource's series and returns the hooks its watcher reports to. */
  forWatch(resource: string): WatchMetrics {
    this.watchRelists.inc({ resource }, 0);
    this.watchErrors.inc({ resource }, 0);
    for (const type of ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'])
      this.watchEvents.inc({ resource, type }, 0);
    this.watchListObjects.inc({ resource }, 0);
    this.cacheObjectsGauge.set({ resource }, 0);
    this.watchIdleTimeouts.inc({ resource }, 0);
    this.watchLastProgress.set({ resource }, Date.now() / 1000);
    this.cacheSynced.set({ resource }, 0);
    return {
      relist: () => this.watchRelists.inc({ resource }),
      watchError: () => this.watchErrors.inc({ resource }),
      event: (type) => this.watchEvents.inc({ resource, type }),
      listed: (count) => this.watchListObjects.inc({ resource }, count),
      cacheObjects: (count) => this.cacheObjectsGauge.set({ resource }, count),
      idleTimeout: () => this.watchIdleTimeouts.inc({ resource }),
      progress: () => this.watchLastProgress.set({ resource }, Date.now() / 1000),
      synced: (synced) => this.cacheSynced.set({ resource }, synced ? 1 : 0),
    };
  }

  /** The text exposition for /metrics. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
