// Wires a watcher to its cache and to event listeners (kube-rs' reflector plus controller-runtime's
// informer event dispatch). Listeners get controller-runtime-style Added/Updated/Deleted events,
// always after the cache has been updated, so a reconcile triggered by an event reads at least
// that object's version. A relist is turned into the events it implies as it goes: new and
// changed objects as they are listed, vanished ones at InitDone (cache.ts swaps incrementally).
import { type Indexers, type Store, unionStore, Writer } from './cache.ts';
import { type KubeObject, stringKey } from './key.ts';
import type { WatchMetrics } from './metrics.ts';
import { type WatcherOptions, watcher } from './source.ts';

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
  readonly #writers: Array<{ namespace: string | undefined; writer: Writer<T> }>;
  readonly #listeners: Array<ObjectEventListener<T>> = [];
  readonly #relistListeners: Array<() => void> = [];
  #sizes: number[];
  readonly #progressAt: number[];
  readonly #lastError: Array<string | undefined>;

  constructor(options: InformerOptions<T>) {
    this.kind = options.kind;
    this.#options = options;
    const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
    this.#sizes = namespaces.map(() => 0);
    this.#progressAt = namespaces.map(() => Date.now());
    this.#lastError = namespaces.map(() => undefined);
    this.#writers = namespaces.map((namespace, i) => ({
      namespace,
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

  /** Watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.#writers.map(async ({ namespace, writer }, i) => {
        const store = writer.asStore();
        const options = {
          ...this.#options,
          namespace,
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
        for await (const event of watcher<T>(options, signal)) {
          switch (event.type) {
            case 'Init':
              writer.apply(event);
              for (const listener of this.#relistListeners) listener();
              break;
            case 'InitApply': {
              const object = event.object;
              const old = store.get(stringKey(object));
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
              for (const object of vanished) this.#emit({ type: 'Deleted', object });
              break;
            }
            case 'Apply': {
              const old = store.get(stringKey(event.object));
              writer.apply(event);
              this.#emit(
                old === undefined
                  ? { type: 'Added', object: event.object }
                  : { type: 'Updated', object: event.object, old },
              );
              break;
            }
            case 'Delete':
              writer.apply(event);
              this.#emit({ type: 'Deleted', object: event.object });
              break;
          }
        }
      }),
    );
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
