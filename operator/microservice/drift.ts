// Decides whether a child needs a write. Server-side apply of unchanged content is a no-op for
// the object but still a PATCH request; at a thousand MicroServices and a resync every few minutes
// those add up. A child is skipped only when (1) its applied-hash annotation equals the hash of
// what we render now, so nothing we render was added, changed or removed since the last apply, and
// (2) every field we render still holds our value in the live object, so nobody edited it by hand.
// Fields other managers own (an HPA's replicas, someone's extra annotation or env var) are never
// compared, so they never cause a write.

import { compareQuantities, isQuantity } from '../../api/index.ts';
import { contentHash } from '../../render/index.ts';
import type { KubeObject } from '../runtime/key.ts';

/** On every child: the hash of what the operator last applied (without this annotation). */
export const APPLIED_HASH_ANNOTATION = 'msvc.dev/applied-hash';

/** Returns a copy of `desired` carrying its own hash annotation. */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  const hash = contentHash(desired);
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash },
    },
  };
}

const QUANTITY_KEYS = new Set(['cpu', 'memory', 'ephemeral-storage']);

function scalarEqual(key: string | undefined, want: unknown, got: unknown): boolean {
  if (want === got) return true;
  // The API server canonicalises quantities ("0.5" → "500m", 1 → "1").
  if (key !== undefined && QUANTITY_KEYS.has(key) && isQuantity(want) && isQuantity(got)) {
    return compareQuantities(want as string | number, got as string | number) === 0;
  }
  return false;
}

function isNamedList(value: unknown[]): value is { name: unknown }[] {
  return value.every((v) => v !== null && typeof v === 'object' && 'name' in (v as object));
}

/**
 * Whether every field in `want` is present in `got` with an equal value. Lists of objects with a
 * `name` (containers, env, ports, volumes) match by name and tolerate extra live items, which
 * belong to other managers; other lists must match item by item.
 */
export function containsFields(want: unknown, got: unknown, key?: string): boolean {
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return false;
    if (want.length > 0 && isNamedList(want) && isNamedList(got)) {
      // A name need not be unique: volumeMounts are keyed by mountPath and may mount one volume
      // twice, so any live item of that name that holds every field will do.
      return want.every((w) => got.some((g) => g.name === w.name && containsFields(w, g)));
    }
    return want.length === got.length && want.every((w, i) => containsFields(w, got[i]));
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return false;
    return Object.entries(want as Record<string, unknown>).every(
      ([k, v]) => v === undefined || containsFields(v, (got as Record<string, unknown>)[k], k),
    );
  }
  return scalarEqual(key, want, got);
}

/** True when `desired` (already carrying its applied hash) must be applied over `live`. */
export function needsApply(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live) return true;
  const want = desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  if (want === undefined || live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] !== want) return true;
  return !containsFields(desired, live);
}

/**
 * What this process applied last, per child (or per status). The cache learns of our own write
 * only when its watch event arrives; a reconcile in between (a resync, another child's event)
 * would see the old object and apply the same content again. `pending` says "already applied, the
 * cache is just behind": same hash, and the cached object is still the very version our apply
 * started from. resourceVersions are compared for equality only, the one thing their contract
 * defines (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions): never
 * as numbers, so a version that went backwards or any other write is never mistaken for "behind".
 *
 * The memo holds only writes in flight. The caches tell it (`observed`, from every cache event)
 * when an object shows any other version — our write arrived, or someone else's — and when it is
 * deleted, on a watch event or dropped at a relist's InitDone; a reconcile that reads a fresher
 * object says so too (`pending`).
 *
 * Equality alone is not enough after an etcd restore: the restored object carries again the very
 * version our apply started from (or, restored without `etcdutl snapshot restore --bump-revision`,
 * a reused one), so "cached at `before`" no longer means "cache behind" — the write is lost, and
 * trusting the entry would skip re-applying it for as long as nothing else touches the object.
 * A restore shows as a relist when it is done as etcd's recovery guide advises for Kubernetes
 * (https://etcd.io/docs/v3.6/op-guide/recovery/: `--bump-revision --mark-compacted`, API servers
 * stopped meanwhile, https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/#restoring-an-etcd-cluster):
 * every watch resumes from a compacted version and gets 410 Gone
 * (https://github.com/etcd-io/etcd/issues/16028; etcd-restore.e2e.test.ts). So `clear` drops
 * everything at every relist of a MicroService or child cache — a version is never trusted across
 * one — and, whatever else happens, no entry lives longer than `maxAgeMs` (a watch event takes well
 * under a second; after a minute it is not coming). Either costs at most one redundant, no-op apply per write in flight.
 */
export class AppliedMemo {
  readonly #entries = new Map<string, { hash: string; before: string; after: string | undefined; at: number }>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: { maxAgeMs?: number; now?: () => number } = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records an apply of `desired` over `before` (the cached object it replaced) that returned `applied`. */
  remember(key: string, desired: KubeObject, before: KubeObject | undefined, applied: KubeObject): void {
    const hash = desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
    const from = before?.metadata?.resourceVersion;
    // A create (nothing cached before) has no version to recognise: the next reconcile applies.
    if (hash === undefined || from === undefined) {
      this.#entries.delete(key);
      return;
    }
    this.#entries.set(key, { hash, before: from, after: applied.metadata?.resourceVersion, at: this.#now() });
  }

  pending(key: string, desired: KubeObject, live: KubeObject | undefined): boolean {
    this.observed(key, live);
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (this.#now() - entry.at > this.#maxAgeMs) {
      this.#entries.delete(key);
      return false;
    }
    return entry.hash === desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  }

  /**
   * The cache now holds `live` for `key` (undefined: deleted). Any version other than the one the
   * apply started from ends the entry: the cache moved on, to our write or past it.
   */
  observed(key: string, live: KubeObject | undefined): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined && live?.metadata?.resourceVersion !== entry.before) this.#entries.delete(key);
  }

  /** Drops what is remembered for `key` (its object was deleted). */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops everything: a cache relisted, so no version read before can be trusted. */
  clear(): void {
    this.#entries.clear();
  }

  /** Entries held (tests, and a bound on memory). */
  get size(): number {
    return this.#entries.size;
  }
}
