// Fast YAML for synthesized objects. `cdk8s synth` writes every object with cdk8s's Yaml.stringify,
// that is the `yaml` library's stringify, which builds a node tree and tests each scalar against
// every YAML 1.1 tag: for a MicroService app that was over half of synth time, as it was for
// `msvc render` before yaml/write.ts. cdk8s has no serializer hook, but the library's
// stringify(value) returns value.toString(options) when value is a yaml Document, recognized by a
// registered symbol. So toJson() results carry that symbol and a toString, both non-enumerable:
// to everything else (JSON, spreads, Testing.synth, patches, equality) they stay plain objects.
// toString writes the same bytes as the library (yaml/write.ts, property-tested against it) and hands
// anything unusual to the library itself: other options, shared objects (the library would write
// anchors), undefined values (keepUndefined writes null), or whatever fastYaml declines. Both quote
// strings kubectl would read as something else (`0o17`, `0X1F`: readsAsNonString), as `msvc render` does.
import { createRequire } from 'node:module';
import { fastYamlWriter, libraryStringify, type YamlOptions } from '../yaml/write.ts';

/** yaml's node-type brand (nodes/identity.js): Symbol.for, so every copy of the library shares it. */
const NODE_TYPE = Symbol.for('yaml.node.type');
const DOC = Symbol.for('yaml.document');

/** What cdk8s's Yaml.stringify passes for each document (cdk8s/lib/yaml.js). */
const CDK8S_OPTIONS: YamlOptions = { keepUndefined: true, lineWidth: 0, version: '1.1' };

/** A JSON object as ordered-api-object.ts produces it (the same type; declared here so this file imports nothing of it). */
type JsonObject = { [key: string]: unknown };

type YamlLibrary = typeof import('yaml');

let writers: { library: YamlLibrary; fast: (value: unknown) => string | undefined } | undefined;

/** The yaml library cdk8s writes with (it bundles its own copy), and the fast writer bound to it. */
function yamlWriters(): { library: YamlLibrary; fast: (value: unknown) => string | undefined } {
  if (!writers) {
    const cdk8s = createRequire(import.meta.url).resolve('cdk8s');
    const library = createRequire(cdk8s)('yaml') as YamlLibrary;
    writers = { library, fast: fastYamlWriter(() => library, CDK8S_OPTIONS) };
  }
  return writers;
}

function isCdk8sOptions(options: unknown): boolean {
  if (options === null || typeof options !== 'object') return false;
  const o = options as Record<string, unknown>;
  return Object.keys(o).length === 3 && o['keepUndefined'] === true && o['lineWidth'] === 0 && o['version'] === '1.1';
}

/** No object reached twice (the library would write an anchor and an alias). */
function isTree(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.every((item) => isTree(item, seen));
  for (const key in value) if (!isTree((value as JsonObject)[key], seen)) return false;
  return true;
}

/** The object without the Document brand, for the library (a shallow copy of its own fields). */
function unbranded(object: JsonObject): JsonObject {
  return { ...object };
}

function toYaml(this: JsonObject, options?: unknown): string {
  const { library, fast } = yamlWriters();
  if (isCdk8sOptions(options) && isTree(this, new Set())) {
    const text = fast(unbranded(this));
    if (text !== undefined) return text;
  }
  return libraryStringify(library, unbranded(this), options as YamlOptions | undefined);
}

/**
 * Makes yaml's stringify (and so cdk8s's Yaml.stringify) write `object` with toYaml, without
 * changing it as data. `contents` is what yaml reads when such an object is nested in another
 * value; the plain copy then goes the library's usual way.
 */
export function withFastYaml<T extends JsonObject>(object: T): T {
  // A field of that name (none in Kubernetes objects) stays a field, and the object stays unbranded.
  if (Object.hasOwn(object, 'contents') || Object.hasOwn(object, 'toString')) return object;
  Object.defineProperties(object, {
    [NODE_TYPE]: { value: DOC, configurable: true },
    toString: { value: toYaml, configurable: true, writable: true },
    contents: {
      get(this: JsonObject) {
        return unbranded(this);
      },
      // Setting it makes it a field like any other.
      set(this: JsonObject, value: unknown) {
        Object.defineProperty(this, 'contents', { value, writable: true, enumerable: true, configurable: true });
      },
      configurable: true,
    },
  });
  return object;
}
