// What the operator applies for a rendered child: the object with its namespace, the MicroService
// as its controlling owner, its owner's shard bucket as a label, and the hash of what was applied
// (drift.ts). One place, so the reconciler and `msvc diff` (which dry-runs the same body) cannot
// disagree.
import type { RenderedObject } from '../../render/index.ts';
import type { KubeObject } from '../runtime/key.ts';
import { bucketOfValue } from '../runtime/ring.ts';
import { SHARD_BUCKET_LABEL } from '../runtime/shard.ts';
import { withAppliedHash } from './drift.ts';

export { SHARD_BUCKET_LABEL };

/** The MicroService as the controlling owner of its children (garbage collection follows it). */
export function ownerReference(ms: KubeObject) {
  return {
    apiVersion: ms.apiVersion ?? 'msvc.dev/v1alpha1',
    kind: ms.kind ?? 'MicroService',
    name: ms.metadata?.name ?? '',
    uid: ms.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj` is controlled by the object with this uid. */
export function ownedBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && (obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller);
}

/**
 * The child's shard bucket label: its owner's bucket (ring.ts), so a sharded replica watches only
 * its MicroServices' children (docs/sharding.md). On the child's own metadata only, never on the
 * pod template (that would restart every pod once, and an adopted Deployment's pods too). Set
 * whether or not the operator runs sharded, so turning sharding on writes nothing.
 */
export function shardLabels(ms: KubeObject): Record<string, string> {
  const uid = ms.metadata?.uid;
  return uid ? { [SHARD_BUCKET_LABEL]: String(bucketOfValue(uid)) } : {};
}

/** The rendered child with namespace, owner reference, shard bucket label and applied-hash annotation. */
export function desiredChild(obj: RenderedObject, ms: KubeObject, namespace: string): KubeObject {
  return withAppliedHash({
    ...obj,
    metadata: {
      ...obj.metadata,
      namespace,
      labels: { ...obj.metadata.labels, ...shardLabels(ms) },
      ownerReferences: [ownerReference(ms)],
    },
  });
}
