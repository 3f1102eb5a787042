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
      return want.every((w) => {
        const match = got.find((g) => g.name === w.name);
        return match !== undefined && containsFields(w, match);
      });
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

function newerThan(a: string | undefined, b: string | undefined): boolean | undefined {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  return BigInt(a) > BigInt(b);
}

/**
 * What this process applied last, per child. The cache learns of our own write only when its
 * watch event arrives; a reconcile in between (a resync, another child's event) would see the old
 * object and apply the same content again. `pending` says "already applied, the cache is just
 * behind": same hash and a cached resourceVersion older than the one our apply returned.
 * resourceVersions are opaque by contract; if one is not a plain number this never skips.
 */
export class AppliedMemo {
  readonly #entries = new Map<string, { hash: string; resourceVersion: string | undefined }>();

  remember(key: string, desired: KubeObject, applied: KubeObject): void {
    const hash = desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
    if (hash !== undefined) this.#entries.set(key, { hash, resourceVersion: applied.metadata?.resourceVersion });
  }

  pending(key: string, desired: KubeObject, live: KubeObject | undefined): boolean {
    const entry = this.#entries.get(key);
    if (!entry || !live || entry.hash !== desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]) return false;
    return newerThan(entry.resourceVersion, live.metadata?.resourceVersion) === true;
  }
}
