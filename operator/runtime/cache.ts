// The in-memory cache of one watched resource (kube-rs' reflector/store). The watcher's events go
// to the single Writer; reconcilers only ever see the read-only Store. A relist is swapped in
// incrementally: each listed object replaces its cached version as it arrives (so the old one
// can be collected at once, and a relist never holds two copies of the cache: at 10,000 objects
// that is the difference between one and two caches' worth of memory), and at InitDone whatever
// was cached but not relisted — deleted while the watch was down — is dropped. Readers may see a
// relist half-way, as they see a watch half-way: every object is a version the API server had;
// deletions show at InitDone. The first list is the same, and the store is ready at its InitDone.
import { formatKey, type KubeObject, type ObjectKey, stringKey } from './key.ts';
import type { WatchEvent } from './source.ts';

/** Read-only view of a cache. Objects are shared: never mutate what you get. */
export interface Store<T extends KubeObject> {
  /** The object with this key (`namespace/name` or an ObjectKey), if cached. */
  get(key: string | ObjectKey): T | undefined;
  /** All objects, or those of one namespace. */
  list(namespace?: string): T[];
  /** All keys (what a resync queues). */
  keys(): string[];
  /** Objects whose indexer returned `value` for `index`; throws for an unknown index. */
  listByIndex(index: string, value: string): T[];
  /** Whether the first full list is complete (InitDone). */
  readonly ready: boolean;
  /** Resolves once ready; rejects if `signal` aborts first. */
  waitUntilReady(signal?: AbortSignal): Promise<void>;
}

/** Named functions from an object to the index values it is found under. */
export type Indexers<T> = Readonly<Record<string, (obj: T) => readonly string[]>>;

export interface WriterOptions<T> {
  readonly indexers?: Indexers<T>;
  /** Told the object count after each change (msvc_cache_objects). */
  readonly onSize?: (size: number) => void;
}

/** The one writer of a cache: apply every watch event in order. */
export class Writer<T extends KubeObject> {
  #objects = new Map<string, T>();
  /** Keys listed by the relist under way (undefined when none is). */
  #listed: Set<string> | undefined;
  #indices = new Map<string, Map<string, Set<string>>>();
  readonly #indexers: Indexers<T>;
  readonly #onSize: ((size: number) => void) | undefined;
  #ready = false;
  #readyWaiters: Array<() => void> = [];
  readonly #store: Store<T>;

  constructor(options: WriterOptions<T> = {}) {
    this.#indexers = options.indexers ?? {};
    this.#onSize = options.onSize;
    for (const name of Object.keys(this.#indexers)) this.#indices.set(name, new Map());
    this.#store = this.#makeStore();
  }

  /**
   * Applies one event and returns the objects it removed from the store: the object of a
   * Delete, or at InitDone every object that was cached but not relisted (deleted while the
   * watch was down), so handlers can react to deletions they never saw.
   */
  apply(event: WatchEvent<T>): T[] {
    switch (event.type) {
      case 'Init':
        this.#listed = new Set();
        return [];
      case 'InitApply': {
        if (this.#listed === undefined) this.#listed = new Set();
        const key = stringKey(event.object);
        this.#listed.add(key);
        this.#put(key, event.object);
        return [];
      }
      case 'InitDone': {
        const listed = this.#listed ?? new Set<string>();
        this.#listed = undefined;
        const vanished: T[] = [];
        for (const [key, obj] of this.#objects) {
          if (listed.has(key)) continue;
          vanished.push(obj);
          this.#unindex(key, obj);
          this.#objects.delete(key);
        }
        this.#onSize?.(this.#objects.size);
        this.#markReady();
        return vanished;
      }
      case 'Apply':
        this.#put(stringKey(event.object), event.object);
        return [];
      case 'Delete': {
        const key = stringKey(event.object);
        const previous = this.#objects.get(key);
        if (previous === undefined) return [];
        this.#unindex(key, previous);
        this.#objects.delete(key);
        this.#onSize?.(this.#objects.size);
        return [previous];
      }
    }
  }

  #put(key: string, obj: T): void {
    const previous = this.#objects.get(key);
    if (previous !== undefined) this.#unindex(key, previous);
    this.#objects.set(key, obj);
    this.#index(key, obj);
    this.#onSize?.(this.#objects.size);
  }

  /** The read-only handle to give reconcilers. */
  asStore(): Store<T> {
    return this.#store;
  }

  #markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    for (const waiter of this.#readyWaiters.splice(0)) waiter();
  }

  #index(key: string, obj: T): void {
    for (const [name, indexer] of Object.entries(this.#indexers)) {
      const index = this.#indices.get(name)!;
      for (const value of indexer(obj)) {
        const keys = index.get(value) ?? new Set<string>();
        keys.add(key);
        index.set(value, keys);
      }
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, indexer] of Object.entries(this.#indexers)) {
      const index = this.#indices.get(name)!;
      for (const value of indexer(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  #makeStore(): Store<T> {
    const writer = this;
    return {
      get: (key) => writer.#objects.get(typeof key === 'string' ? key : formatKey(key)),
      list: (namespace) => {
        const all = [...writer.#objects.values()];
        return namespace === undefined ? all : all.filter((obj) => (obj.metadata?.namespace ?? '') === namespace);
      },
      keys: () => [...writer.#objects.keys()],
      listByIndex: (index, value) => {
        const keys = writer.#indices.get(index);
        if (keys === undefined) throw new Error(`unknown index ${JSON.stringify(index)}`);
        return [...(keys.get(value) ?? [])].map((key) => writer.#objects.get(key)!);
      },
      get ready() {
        return writer.#ready;
      },
      waitUntilReady: (signal) => writer.#waitUntilReady(signal),
    };
  }

  #waitUntilReady(signal?: AbortSignal): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#readyWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

/**
 * One Store over several (one watcher per namespace): ready when all are; keys never collide
 * because every store holds a different namespace.
 */
export function unionStore<T extends KubeObject>(stores: readonly Store<T>[]): Store<T> {
  if (stores.length === 1) return stores[0]!;
  return {
    get: (key) => {
      for (const store of stores) {
        const obj = store.get(key);
        if (obj !== undefined) return obj;
      }
      return undefined;
    },
    list: (namespace) => stores.flatMap((store) => store.list(namespace)),
    keys: () => stores.flatMap((store) => store.keys()),
    listByIndex: (index, value) => stores.flatMap((store) => store.listByIndex(index, value)),
    get ready() {
      return stores.every((store) => store.ready);
    },
    waitUntilReady: async (signal) => {
      await Promise.all(stores.map((store) => store.waitUntilReady(signal)));
    },
  };
}
