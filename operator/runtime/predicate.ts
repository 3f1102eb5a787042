// Predicates: filter object events before they reach the queue (controller-runtime's
// pkg/predicate). Filtering only saves work; correctness never depends on it, because the
// periodic resync reconciles every key anyway.
import type { ObjectEvent } from './informer.ts';
import type { KubeObject } from './key.ts';

/** `true` lets the event through. */
export type Predicate<T extends KubeObject> = (event: ObjectEvent<T>) => boolean;

function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const left = Object.entries(a ?? {});
  if (left.length !== Object.keys(b ?? {}).length) return false;
  return left.every(([key, value]) => b?.[key] === value);
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((value, i) => value === right[i]);
}

/**
 * Skips updates of our own CR that change only status (or other fields that do not bump
 * metadata.generation): generation, labels, annotations, finalizers and deletionTimestamp all
 * unchanged. Adds and deletes always pass.
 *
 * Caveats (as controller-runtime's GenerationChangedPredicate documents):
 * - Only for resources with a status subresource, where the API server bumps generation on
 *   every spec change. Without one, generation moves on every write and nothing is skipped.
 * - Status written by someone else (a user running `kubectl edit --subresource=status`) does not
 *   trigger a reconcile; our own status is corrected at the next spec change or resync.
 * - Do not use it on children: a Deployment's generation moves when its annotations change, but
 *   its status (readyReplicas) is exactly what our status mirrors.
 */
export function skipStatusOnlyUpdates<T extends KubeObject>(): Predicate<T> {
  return (event) => {
    if (event.type !== 'Updated') return true;
    const before = event.old.metadata ?? {};
    const after = event.object.metadata ?? {};
    return !(
      before.generation === after.generation &&
      sameStringMap(before.labels, after.labels) &&
      sameStringMap(before.annotations, after.annotations) &&
      sameList(before.finalizers, after.finalizers) &&
      before.deletionTimestamp === after.deletionTimestamp
    );
  };
}

/** Passes an event only if every predicate does. */
export function all<T extends KubeObject>(...predicates: readonly Predicate<T>[]): Predicate<T> {
  return (event) => predicates.every((predicate) => predicate(event));
}
