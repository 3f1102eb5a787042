// An ApiObject whose synthesized JSON keeps the key order of the object it was made from. cdk8s
// sorts every key alphabetically (ApiObject.toJson, unless CDK8S_DISABLE_SORT is set); the
// renderer's order is part of its contract ("same input → byte-identical YAML"), so without this
// `cdk8s synth` and `msvc render` would print the same objects in a different order.
import { ApiObject, type ApiObjectMetadata, Lazy } from 'cdk8s';
import type { Construct } from 'constructs';

/** A JSON object as the renderer and buildCrd() produce it: plain data, no tokens. */
export type JsonObject = { [key: string]: unknown };

export interface OrderedApiObjectOptions {
  /**
   * Produces the whole object (apiVersion, kind, metadata, body) at synth time. Called lazily, so
   * it sees every change made after construction. Its body keys must be the ones it had at
   * construction (the set of top-level keys is fixed when the ApiObject is created).
   */
  readonly produce: () => JsonObject;
  /** Cluster-scoped kinds (a CRD) never get the Chart's namespace. */
  readonly clusterScoped?: boolean;
}

function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Re-orders `value` like `reference`, recursively: keys the reference has come first, in its
 * order; keys only `value` has (chart labels, JSON patches) follow in the order cdk8s gave them.
 * Array elements are matched by index. Values are never changed, only key order.
 */
export function orderLike(value: unknown, reference: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item, i) => orderLike(item, Array.isArray(reference) ? reference[i] : undefined));
  }
  if (!isPlainObject(value)) return value;
  const ref = isPlainObject(reference) ? reference : {};
  const out: JsonObject = {};
  for (const key of Object.keys(ref)) {
    if (key in value) out[key] = orderLike(value[key], ref[key]);
  }
  for (const key of Object.keys(value)) {
    if (!(key in out)) out[key] = orderLike(value[key], undefined);
  }
  return out;
}

/**
 * An ApiObject built from a producer of the full object. The body is resolved lazily through
 * `Lazy`, so `addJsonPatch`, `metadata.addLabel` and the rest of ApiObject work as usual; only
 * the key order of the result differs from a plain ApiObject (the producer's order is kept).
 */
export class OrderedApiObject extends ApiObject {
  private readonly produceObject: () => JsonObject;
  private readonly clusterScoped: boolean;
  /** Metadata is handed to ApiObject once, at construction; the producer must not change it later. */
  private readonly initialMetadata: string;

  constructor(scope: Construct, id: string, options: OrderedApiObjectOptions) {
    const initial = options.produce();
    const { apiVersion, kind, metadata, ...body } = initial;
    const lazyBody: JsonObject = {};
    for (const key of Object.keys(body)) {
      lazyBody[key] = Lazy.any({ produce: () => options.produce()[key] });
    }
    super(scope, id, {
      ...lazyBody,
      apiVersion: String(apiVersion),
      kind: String(kind),
      metadata: (metadata ?? {}) as ApiObjectMetadata,
    });
    this.produceObject = options.produce;
    this.clusterScoped = options.clusterScoped ?? false;
    this.initialMetadata = JSON.stringify(metadata ?? {});
  }

  /** The synthesized object: what cdk8s would emit, with the producer's key order. */
  override toJson(): JsonObject {
    const json = super.toJson() as JsonObject;
    const produced = this.produceObject();
    if (JSON.stringify(produced['metadata'] ?? {}) !== this.initialMetadata) {
      throw new Error(
        `${this.node.path}: the metadata of ${this.kind} ${this.name} changed after construction; ApiObject metadata is fixed when the object is created`,
      );
    }
    if (this.clusterScoped && isPlainObject(json['metadata'])) delete json['metadata']['namespace'];
    return orderLike(json, produced) as JsonObject;
  }
}
