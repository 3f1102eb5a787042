// Event handlers: turn an object event into the keys to reconcile (controller-runtime's
// pkg/handler). Events say only *which* key; reconcile reads the current state itself.
import type { ObjectEvent } from './informer.ts';
import { formatKey, type KubeObject, stringKey } from './key.ts';

/** Maps an event to the queue keys it concerns. */
export type EventHandler<T extends KubeObject> = (event: ObjectEvent<T>) => string[];

/** The primary resource: an event on X reconciles X (EnqueueRequestForObject). */
export function enqueueSelf<T extends KubeObject>(): EventHandler<T> {
  return (event) => [stringKey(event.object)];
}

export interface OwnerType {
  /** API group of the owner, e.g. `msvc.dev` (any version matches: a conversion keeps the owner). */
  readonly group: string;
  readonly kind: string;
  /**
   * Only the controller owner reference (controller: true), as EnqueueRequestForOwner with
   * OnlyControllerOwner. Our children are always applied with controller: true.
   * @default true
   */
  readonly onlyController?: boolean;
}

/** The group of an apiVersion (`msvc.dev/v1alpha1` → `msvc.dev`, `v1` → ''). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The keys of the owners of `obj` that are of the given type (owners share the child's namespace). */
export function ownerKeys(obj: KubeObject, owner: OwnerType): string[] {
  const namespace = obj.metadata?.namespace ?? '';
  const onlyController = owner.onlyController ?? true;
  return (obj.metadata?.ownerReferences ?? [])
    .filter((ref) => ref.kind === owner.kind && groupOf(ref.apiVersion) === owner.group)
    .filter((ref) => !onlyController || ref.controller === true)
    .map((ref) => formatKey({ namespace, name: ref.name }));
}

/**
 * Owned objects: an event on a child reconciles its owner (EnqueueRequestForOwner). On update
 * both the old and the new owners are enqueued, so an owner that lost a child hears of it.
 */
export function enqueueOwner<T extends KubeObject>(owner: OwnerType): EventHandler<T> {
  return (event) => {
    const keys = ownerKeys(event.object, owner);
    if (event.type === 'Updated') keys.push(...ownerKeys(event.old, owner));
    return [...new Set(keys)];
  };
}
