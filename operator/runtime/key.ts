// Object keys: the one currency between events, queue, cache and reconcile. A request carries
// only `namespace/name` (never event data), so reconcile is level-based and reads what it needs.

/** The namespaced name of one object; `namespace` is '' for cluster-scoped objects. */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

/** The minimal shape of a Kubernetes object that the runtime reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: unknown[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** metav1.OwnerReference, as the API server returns it. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function formatKey(key: ObjectKey): string {
  return key.namespace === '' ? key.name : `${key.namespace}/${key.name}`;
}

/** The inverse of {@link formatKey}. */
export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The key of an object; throws if it has no name (every stored object has one). */
export function objectKey(obj: KubeObject): ObjectKey {
  const name = obj.metadata?.name;
  if (name === undefined || name === '') throw new Error(`object of kind ${obj.kind ?? '?'} has no metadata.name`);
  return { namespace: obj.metadata?.namespace ?? '', name };
}

/** `formatKey(objectKey(obj))`. */
export function stringKey(obj: KubeObject): string {
  return formatKey(objectKey(obj));
}
