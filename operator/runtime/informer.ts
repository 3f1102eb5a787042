// Wires a watcher to its cache and to event listeners (kube-rs' reflector plus controller-runtime's
// informer event dispatch). Listeners get controller-runtime-style Added/Updated/Deleted events,
// always after the cache has been updated, so a reconcile triggered by an event reads at least
// that object's version. A relist is turned into the events it implies as it goes: new and
// changed objects as they are listed, vanished ones at InitDone (cache.ts swaps incrementally).
import { type Indexers, type Store, unionStore, Writer } from './cache.ts';
import { type KubeObject, stringKey } from './key.ts';
import type { WatchMetrics } from './metrics.ts';
import { type WatchEvent, type WatcherOptions, watcher } from './source.ts';

/** A change of one object, as handlers and predicates see it. `old` is set for Updated. */
export type ObjectEvent<T> =
  | { readonly type: 'Added'; readonly object: T }
  | { readonly type: 'Updated'; readonly object: T; readonly old: T }
  | { readonly type: 'Deleted'; readonly object: T };

export type ObjectEventListener<T> = (event: ObjectEvent<T>) => void;

export interface InformerOptions<T extends KubeObject> extends Omit<WatcherOptions<T>, 'namespace' | 'metrics'> {
  /** Watch only these namespaces (one watch each); all namespaces when omitted or empty. */
  readonly namespaces?: readonly string[];
  readonly indexers?: Indexers<T>;
  readonly metrics?: WatchMetrics;
  /**
   * Which objects this informer keeps (sharding: the ones this replica owns). Others are never
   * cached nor handed to listeners; one that stops passing (an update) is removed as Deleted. The
   * answer may change over time: relist() then brings the cache in line. Runs after `transform`.
   */
  readonly filter?: (obj: T) => boolean;
  /** Resolves when the watches may start (sharding: once this replica is in the ring). */
  readonly startAfter?: (signal: AbortSignal) => Promise<void>;
  /**
   * Several watches per namespace, one per label selector, cached as one store (instead of
   * `labelSelector`). The selectors should select disjoint sets; an object that moves from one
   * to another (a label added) is reported as Updated when the watch it moves to tells first (the
   * other watch's Delete then says nothing), as Deleted and Added otherwise. Sharded children:
   * the ones labelled with this replica's buckets, and the ones without a bucket label.
   */
  readonly labelSelectors?: readonly (string | (() => string | undefined))[];
}

/** How an informer's watches are doing, for /healthz and /readyz. */
export interface InformerHealth {
  /** Every watch's first full list is in the cache. */
  readonly synced: boolean;
  /** Milliseconds since the watch that progressed least recently last made progress. */
  readonly sinceProgressMs: number;
  /** The last list/watch error of a watch that has not progressed since (a reason for the logs). */
  readonly lastError: string | undefined;
}

/** One resource's watch(es), cache and listeners. */
export class Informer<T extends KubeObject> {
  readonly kind: string;
  readonly store: Store<T>;
  readonly #options: InformerOptions<T>;
  readonly #writers: Array<{
    namespace: string | undefined;
    labelSelector: WatcherOptions<T>['labelSelector'];
    writer: Writer<T>;
  }>;
  readonly #listeners: Array<ObjectEventListener<T>> = [];
  readonly #relistListeners: Array<() => void> = [];
  /** Per watch: aborting it restarts that watch with a full list (relist()). */
  readonly #restarts: Array<AbortController | undefined>;
  /** Per watch: relist() callers waiting for its next InitDone. */
  readonly #relistWaiters: Array<Array<() => void>>;
  #sizes: number[];
  readonly #progressAt: number[];
  readonly #lastError: Array<string | undefined>;

  constructor(options: InformerOptions<T>) {
    this.kind = options.kind;
    this.#options = options;
    const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
    const selectors = options.labelSelectors?.length ? options.labelSelectors : [options.labelSelector];
    const watches = namespaces.flatMap((namespace) => selectors.map((labelSelector) => ({ namespace, labelSelector })));
    this.#sizes = watches.map(() => 0);
    this.#progressAt = watches.map(() => Date.now());
    this.#lastError = watches.map(() => undefined);
    this.#restarts = watches.map(() => undefined);
    this.#relistWaiters = watches.map(() => []);
    this.#writers = watches.map(({ namespace, labelSelector }, i) => ({
      namespace,
      labelSelector,
      writer: new Writer<T>({
        indexers: options.indexers,
        onSize: (size) => {
          this.#sizes[i] = size;
          options.metrics?.cacheObjects(this.#sizes.reduce((a, b) => a + b, 0));
        },
      }),
    }));
    this.store = unionStore(this.#writers.map(({ writer }) => writer.asStore()));
  }

  /** Adds a listener; call before run(). */
  onEvent(listener: ObjectEventListener<T>): void {
    this.#listeners.push(listener);
  }

  /**
   * Adds a listener told when a watch starts a list: the first one and every relist (after 410
   * Gone, e.g. an etcd compaction or restore). Whatever was read before may describe a history the
   * API server no longer has. Call before run().
   */
  onRelist(listener: () => void): void {
    this.#relistListeners.push(listener);
  }

  /** How the watches are doing (see InformerHealth). */
  health(now = Date.now()): InformerHealth {
    const oldest = Math.min(...this.#progressAt);
    const stuck = this.#progressAt.indexOf(oldest);
    return { synced: this.store.ready, sinceProgressMs: now - oldest, lastError: this.#lastError[stuck] };
  }

  /**
   * Restarts every watch with a full list (what `filter` keeps has changed: the shard's ranges
   * moved) and resolves once each has reached InitDone: objects now kept are cached and emitted
   * as Added, objects no longer kept are dropped and emitted as Deleted.
   */
  relist(): Promise<void> {
    const done = this.#relistWaiters.map((waiters) => new Promise<void>((resolve) => waiters.push(resolve)));
    for (const restart of this.#restarts) restart?.abort();
    return Promise.all(done).then(() => {});
  }

  /** Watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.#options.startAfter?.(signal);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    const keep = this.#options.filter;
    await Promise.all(
      this.#writers.map(async ({ namespace, labelSelector, writer }, i) => {
        const store = writer.asStore();
        const options = {
          ...this.#options,
          namespace,
          labelSelector,
          onProgress: () => {
            this.#progressAt[i] = Date.now();
            this.#lastError[i] = undefined;
            this.#options.metrics?.progress?.();
            this.#options.onProgress?.();
          },
          onRetry: (delayMs: number, error: unknown) => {
            this.#lastError[i] = error instanceof Error ? error.message : String(error);
            this.#options.onRetry?.(delayMs, error);
          },
        };
        while (!signal.aborted) {
          const restart = new AbortController();
          this.#restarts[i] = restart;
          for await (const event of watcher<T>(options, AbortSignal.any([signal, restart.signal]))) {
            this.#dispatch(event, writer, store, keep);
            if (event.type === 'InitDone') for (const resolve of this.#relistWaiters[i]!.splice(0)) resolve();
          }
        }
      }),
    );
  }

  #dispatch(event: WatchEvent<T>, writer: Writer<T>, store: Store<T>, keep: ((obj: T) => boolean) | undefined): void {
    switch (event.type) {
      case 'Init':
        writer.apply(event);
        for (const listener of this.#relistListeners) listener();
        break;
      case 'InitApply': {
        const object = event.object;
        // Not kept: not listed, so InitDone drops a copy cached before.
        if (keep !== undefined && !keep(object)) break;
        const old = store.get(stringKey(object)) ?? this.#elsewhere(object);
        writer.apply(event);
        if (old === undefined) this.#emit({ type: 'Added', object });
        // Unchanged objects (same resourceVersion) imply no event; the resync covers drift.
        else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
          this.#emit({ type: 'Updated', object, old });
        }
        break;
      }
      case 'InitDone': {
        const vanished = writer.apply(event);
        this.#options.metrics?.synced?.(this.store.ready);
        for (const object of vanished) this.#emitDeleted(object);
        break;
      }
      case 'Apply': {
        if (keep !== undefined && !keep(event.object)) {
          for (const object of writer.apply({ type: 'Delete', object: event.object })) this.#emitDeleted(object);
          break;
        }
        const old = store.get(stringKey(event.object)) ?? this.#elsewhere(event.object);
        writer.apply(event);
        this.#emit(
          old === undefined ? { type: 'Added', object: event.object } : { type: 'Updated', object: event.object, old },
        );
        break;
      }
      case 'Delete': {
        const removed = writer.apply(event);
        // Filtered: an object never cached was never seen by listeners either.
        if (keep === undefined || removed.length > 0) this.#emitDeleted(event.object);
        break;
      }
    }
  }

  /** With several watches: the object as another watch of this informer holds it (it moved between selectors). */
  #elsewhere(object: T): T | undefined {
    return this.#writers.length > 1 ? this.store.get(stringKey(object)) : undefined;
  }

  /** Deleted, unless another watch of this informer still holds the object (it moved between selectors). */
  #emitDeleted(object: T): void {
    if (this.#writers.length > 1 && this.store.get(stringKey(object)) !== undefined) return;
    this.#emit({ type: 'Deleted', object });
  }

  #emit(event: ObjectEvent<T>): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A broken listener must not stop the watch (and with it every other listener).
        this.#options.log?.error({ err: error, kind: this.kind, key: stringKey(event.object) }, 'event listener threw');
      }
    }
  }
}
