// An ApiObject whose synthesized JSON keeps the key order of the object it was made from. cdk8s
// sorts every key alphabetically (ApiObject.toJson, unless CDK8S_DISABLE_SORT is set); the
// renderer's order is part of its contract ("same input → byte-identical YAML"), so without this
// `cdk8s synth` and `msvc render` would print the same objects in a different order.
import {
  ApiObject,
  type ApiObjectMetadata,
  App,
  ImplicitTokenResolver,
  type JsonPatch,
  Lazy,
  LazyResolver,
  NumberStringUnionResolver,
} from 'cdk8s';
import type { Construct } from 'constructs';
import { withFastYaml } from './yaml-document.ts';

/** A JSON object as the renderer and buildCrd() produce it: plain data, no tokens. */
export type JsonObject = { [key: string]: unknown };

export interface OrderedApiObjectOptions {
  /**
   * Produces the whole object (apiVersion, kind, metadata, body) at synth time. Called lazily, so
   * it sees every change made after construction. Its body keys must be the ones it had at
   * construction (the set of top-level keys is fixed when the ApiObject is created).
   *
   * The result is only read, never changed or handed out (toJson returns a copy), so the producer
   * may return the same cached object every time.
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

/** Returned by plainCopy for anything cdk8s's resolvers or sanitizer would treat specially. */
const NOT_PLAIN: unique symbol = Symbol('not plain data');

/**
 * What cdk8s's resolve + sanitize make of plain JSON data, in one pass and in the value's own key
 * order: a fresh copy without shared references, with null and undefined object entries dropped
 * (array items become undefined). Anything else (a Lazy, a class instance, a function, a symbol)
 * gives NOT_PLAIN, and the caller leaves the value to cdk8s.
 */
function plainCopy(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  if (type !== 'object') return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = plainCopy(value[i]);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const object = value as JsonObject;
  const out: JsonObject = {};
  for (const key of Object.keys(object)) {
    if (key === '__proto__') return NOT_PLAIN;
    const item = plainCopy(object[key]);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    if (item !== undefined) out[key] = item;
  }
  return out;
}

/** cdk8s's own resolvers, which leave plain data as it is. */
const BUILT_IN_RESOLVERS = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

/**
 * An ApiObject built from a producer of the full object. The body is resolved lazily through
 * `Lazy`, so `addJsonPatch`, `metadata.addLabel` and the rest of ApiObject work as usual; only
 * the key order of the result differs from a plain ApiObject (the producer's order is kept).
 *
 * toJson() gives what ApiObject.toJson() would, re-ordered like the producer's object. Without
 * JSON patches or custom App resolvers it copies the produced body once instead of resolving it
 * through cdk8s (resolve, sanitize, sort, then re-order), which is what dominated synth time.
 * Its result also writes its own YAML when cdk8s's Yaml.stringify is given it, the same bytes as
 * the yaml library's (yaml-document.ts); as data it is a plain object.
 */
export class OrderedApiObject extends ApiObject {
  private readonly produceObject: () => JsonObject;
  private readonly clusterScoped: boolean;
  /** Metadata is handed to ApiObject once, at construction; the producer must not change it later. */
  private readonly initialMetadata: string;
  /** Top-level body keys, fixed at construction as cdk8s's props are. */
  private readonly bodyKeys: ReadonlySet<string>;
  /** The object being synthesized, read by the Lazy body values while cdk8s resolves them. */
  private readonly synthesizing: { object?: JsonObject };
  private patched = false;

  constructor(scope: Construct, id: string, options: OrderedApiObjectOptions) {
    const initial = options.produce();
    const { apiVersion, kind, metadata, ...body } = initial;
    const synthesizing: { object?: JsonObject } = {};
    const lazyBody: JsonObject = {};
    for (const key of Object.keys(body)) {
      lazyBody[key] = Lazy.any({ produce: () => (synthesizing.object ?? options.produce())[key] });
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
    this.bodyKeys = new Set(Object.keys(lazyBody));
    this.synthesizing = synthesizing;
  }

  override addJsonPatch(...ops: JsonPatch[]): void {
    if (ops.length > 0) this.patched = true;
    super.addJsonPatch(...ops);
  }

  /** The synthesized object: what cdk8s would emit, with the producer's key order. */
  override toJson(): JsonObject {
    const produced = this.produceObject();
    if (JSON.stringify(produced['metadata'] ?? {}) !== this.initialMetadata) {
      throw new Error(
        `${this.node.path}: the metadata of ${this.kind} ${this.name} changed after construction; ApiObject metadata is fixed when the object is created`,
      );
    }
    const fast = this.fastJson(produced);
    if (fast) return withFastYaml(fast);
    const json = this.cdk8sJson(produced);
    if (this.clusterScoped && isPlainObject(json['metadata'])) delete json['metadata']['namespace'];
    return withFastYaml(orderLike(json, produced) as JsonObject);
  }

  /** ApiObject.toJson() over the produced object: resolved, sanitized, sorted and patched. */
  private cdk8sJson(produced: JsonObject): JsonObject {
    this.synthesizing.object = produced;
    try {
      return super.toJson() as JsonObject;
    } finally {
      this.synthesizing.object = undefined;
    }
  }

  /**
   * What the cdk8sJson() path returns, when it can be had by copying the produced object once:
   * no JSON patches, no resolvers but cdk8s's own (which leave plain data alone) and a body of
   * plain data. Else undefined. Keys in the producer's order, then those it lacks in cdk8s's.
   */
  private fastJson(produced: JsonObject): JsonObject | undefined {
    if (this.patched) return undefined;
    const resolvers = App.of(this).resolvers;
    if (!resolvers.every((r) => BUILT_IN_RESOLVERS.some((builtIn) => r instanceof builtIn))) return undefined;
    const metadata = this.metadata.toJson() as unknown;
    if (this.clusterScoped && isPlainObject(metadata)) delete metadata['namespace'];
    const json: JsonObject = {};
    for (const key of Object.keys(produced)) {
      if (key === 'apiVersion') json[key] = this.apiVersion;
      else if (key === 'kind') json[key] = this.kind;
      else if (key === 'metadata') {
        if (metadata !== undefined) json[key] = orderLike(metadata, produced[key]);
      } else if (this.bodyKeys.has(key)) {
        const value = plainCopy(produced[key]);
        if (value === NOT_PLAIN) return undefined;
        if (value !== undefined) json[key] = value;
      }
    }
    if (!('apiVersion' in json)) json['apiVersion'] = this.apiVersion;
    if (!('kind' in json)) json['kind'] = this.kind;
    if (!('metadata' in json) && metadata !== undefined) json['metadata'] = metadata;
    return json;
  }
}
