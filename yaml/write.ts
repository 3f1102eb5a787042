// Block YAML for the plain JSON-like objects the renderer builds, byte-identical to the `yaml`
// library's stringify with given options, at a fraction of its cost: the library builds a document
// node tree and tests every scalar against every tag, which was over half of `msvc render`'s time
// and of `cdk8s synth`'s for a MicroService app (bench/render.ts, bench/cdk8s-synth.ts). One
// writer for both: cli/yaml.ts binds it to the CLI's options, cdk8s/yaml-document.ts to cdk8s's
// (and to cdk8s's bundled copy of the library).
//
// Anything outside the subset it knows makes it return undefined, and the caller uses the library:
// non-plain objects, non-integer numbers, nested sequences, undefined values where the options keep
// them, keys that need quotes, strings the library would not write as one line. Strings of
// letters, digits and `_./:%-` are decided here the way the library decides them (plain, unless
// one of the schema's implicit tags would read them back as something else; then double-quoted),
// with the library's own tag tests (TYPED_SCALAR_TESTS, compared with the library's in
// write.test.ts), and so is a JSON text in an annotation (single-quoted). Every other string is
// quoted by the library itself (memoized), so quoting rules are never re-implemented here.
//
// One rule is added to the library's: a string that any reader msvc's output meets would type is
// double-quoted, whatever the options' YAML version (readsAsNonString). The library's 1.1 schema
// is not kubectl's: `kubectl apply -f` reads YAML with sigs.k8s.io/yaml (go-yaml v2), which also
// takes Go's integer syntax (`0o17`, `0X1F`, `0B11`, `+0o7`) as numbers, and a YAML 1.2 reader
// takes `0o17` too; the library would write all of these plain. yamlWriter applies the rule on
// the fast path and, through the library's document API, on the library's path.
import type * as Yaml from 'yaml';
import type { CreateNodeOptions, DocumentOptions, SchemaOptions, ToStringOptions } from 'yaml';
import { goYamlPlain } from './go-yaml.ts';

export type YamlOptions = DocumentOptions & SchemaOptions & ToStringOptions & CreateNodeOptions;
/** What the writer needs of the library (any copy of `yaml` 2: cdk8s bundles its own). */
export type YamlLibrary = Pick<typeof Yaml, 'stringify' | 'Document' | 'visit'>;

/**
 * Keys written here: a letter, `_` or `/` first, no spaces or indicators, and plain as a scalar
 * (not a keyword or a number: `on`, `y`, and in YAML 1.1 also `e1000`, a float).
 */
const SAFE_PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;

/**
 * The tests of the implicit (untagged) scalar types of the library's schemas, other than str: a
 * plain scalar matching one reads back as null, a boolean, a number or a timestamp, so the library
 * quotes such a string. Copied from yaml/dist/schema; fast-yaml.test.ts checks they are the same.
 */
export const TYPED_SCALAR_TESTS: Record<'1.1' | '1.2', readonly RegExp[]> = {
  '1.1': [
    /^(?:~|[Nn]ull|NULL)?$/,
    /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    /^[-+]?0b[0-1_]+$/,
    /^[-+]?0[0-7_]+$/,
    /^[-+]?[0-9][0-9_]*$/,
    /^[-+]?0x[0-9a-fA-F_]+$/,
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    /^<<$/,
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
  ],
  '1.2': [
    /^(?:~|[Nn]ull|NULL)?$/,
    /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    /^0o[0-7]+$/,
    /^[-+]?[0-9]+$/,
    /^0x[0-9a-fA-F]+$/,
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  ],
};

/**
 * Strings the library writes plain unless a typed test matches, and double-quoted as their JSON
 * otherwise (`25%`, `100m`, `registry/app:1.2`): no character needs escaping or starts an
 * indicator, no `: `, ` #`, document marker (`---`, `...`, `%` first) or trailing `:`.
 */
const SIMPLE = /^[A-Za-z0-9_/][A-Za-z0-9_./:%-]*$/;
/** Every typed test needs one of these first (or the empty string, which SIMPLE excludes). */
const MAYBE_TYPED = /^[-+.0-9~<eEnNyYtTfFoO]/;
/**
 * A JSON object or array as one line of printable ASCII without `'`: the library cannot write it
 * plain (it starts with an indicator) and, since it holds `"` but no `'`, single-quotes it as is.
 */
const JSON_TEXT = /^[[{][\x20-\x26\x28-\x7e]*"[\x20-\x26\x28-\x7e]*$/;
/**
 * Options under which the rules above are the library's: the CLI's, cdk8s's (keepUndefined) and
 * the defaults. Under any other option every string is quoted by the library itself.
 */
const KNOWN_OPTIONS = new Set([
  'version',
  'lineWidth',
  'minContentWidth',
  'aliasDuplicateObjects',
  'indent',
  'keepUndefined',
]);

class Unsupported extends Error {}

/**
 * Whether a plain scalar `text` reads back as something other than the string in kubectl
 * (go-yaml v2, yaml/go-yaml.ts), in YAML 1.1 or in YAML 1.2 (the library's schemas): then it
 * must be quoted, in every output. `1:20` (a 1.1 base-60 integer), `0o17` (1.2 and Go), `0X1F`
 * (Go), `yes` (1.1 and Go), `2024-01-02` (a timestamp).
 */
export function readsAsNonString(text: string): boolean {
  return (
    goYamlPlain(text).type !== 'string' ||
    TYPED_SCALAR_TESTS['1.1'].some((test) => test.test(text)) ||
    TYPED_SCALAR_TESTS['1.2'].some((test) => test.test(text))
  );
}

const CACHE_LIMIT = 10_000;

function typedTestsFor(options: YamlOptions): readonly RegExp[] | undefined {
  if (options.lineWidth !== 0 || !Object.keys(options).every((k) => KNOWN_OPTIONS.has(k))) return undefined;
  const version = options.version ?? '1.2';
  return version === '1.1' || version === '1.2' ? TYPED_SCALAR_TESTS[version] : undefined;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A writer for `library().stringify(value, options)`: the same text for a plain object (a
 * Kubernetes object), or undefined when the value is outside the subset handled here. The library
 * is asked for (and so loaded) only for strings the rules above do not decide.
 */
export function fastYamlWriter(
  library: () => Pick<YamlLibrary, 'stringify'>,
  options: YamlOptions,
): (value: unknown) => string | undefined {
  const append = fastYamlAppender(library, options);
  return (value) => {
    const out: string[] = [];
    return append(out, value) ? out.join('') : undefined;
  };
}

/**
 * {@link fastYamlWriter} that appends the text's pieces to `out` (joined, they are its text) and
 * says whether it did; on false `out` is as it was. A stream of many objects is then joined once
 * (cli/yaml.ts) instead of once per object and again for the stream.
 */
export function fastYamlAppender(
  library: () => Pick<YamlLibrary, 'stringify'>,
  options: YamlOptions,
): (out: string[], value: unknown) => boolean {
  /** The typed tests of the options' schema, when the options are ones the rules above hold for. */
  const typedTests = typedTestsFor(options);
  const keepUndefined = options.keepUndefined === true;
  /** The string as written after `key: ` or `- `; keys and most values repeat from object to object. */
  const scalars = new Map<string, string | undefined>();
  /** Keys already known to be written as they are. */
  const plainKeys = new Set<string>();

  /** The library's answer for the strings the rules above cover, or undefined for the others. */
  function decided(value: string): string | undefined {
    if (SIMPLE.test(value) && !value.endsWith(':')) {
      // readsAsNonString covers the options' own schema (typedTests) and the other readers.
      return MAYBE_TYPED.test(value) && readsAsNonString(value) ? `"${value}"` : value;
    }
    return JSON_TEXT.test(value) ? `'${value}'` : undefined;
  }

  function scalar(value: string): string {
    let out = scalars.get(value);
    if (out !== undefined) return out;
    if (scalars.has(value)) throw new Unsupported();
    out = typedTests === undefined ? undefined : decided(value);
    if (out === undefined) {
      const text = library().stringify(value, options);
      // One line and a newline: a plain or quoted scalar. Block scalars (multi-line) depend on context.
      const body = text.endsWith('\n') ? text.slice(0, -1) : undefined;
      out =
        body !== undefined && !body.includes('\n') && !body.startsWith('|') && !body.startsWith('>') ? body : undefined;
      // Left plain by the library although kubectl or the other YAML version types it: as the library
      // quotes the strings of its own schema (none of these holds `"`, `\\` or a control character).
      if (out === value && readsAsNonString(value)) out = JSON.stringify(value);
    }
    if (scalars.size < CACHE_LIMIT) scalars.set(value, out);
    if (out === undefined) throw new Unsupported();
    return out;
  }

  function key(value: string): string {
    if (plainKeys.has(value)) return value;
    if (SAFE_PLAIN.test(value) && scalar(value) === value) {
      if (plainKeys.size < CACHE_LIMIT) plainKeys.add(value);
      return value;
    }
    throw new Unsupported();
  }

  /** A scalar or an empty collection as it appears after `key: ` or `- `; undefined for a non-empty collection. */
  function inline(value: unknown): string | undefined {
    switch (typeof value) {
      case 'string':
        return scalar(value);
      case 'number':
        if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw new Unsupported();
        return String(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        if (value === null) return 'null';
        if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
        if (!isPlainObject(value)) throw new Unsupported();
        for (const k in value) if (value[k] !== undefined || keepUndefined) return undefined;
        return '{}';
      default:
        throw new Unsupported();
    }
  }

  function writeMap(out: string[], map: Record<string, unknown>, indent: string, first: string): void {
    let prefix = first;
    for (const k of Object.keys(map)) {
      const v = map[k];
      if (v === undefined) {
        // Dropped by the library unless the options keep it (as null); that case is the library's.
        if (keepUndefined) throw new Unsupported();
        continue;
      }
      const s = inline(v);
      if (s !== undefined) out.push(`${prefix}${key(k)}: ${s}\n`);
      else {
        out.push(`${prefix}${key(k)}:\n`);
        writeCollection(out, v as object, `${indent}  `);
      }
      prefix = indent;
    }
  }

  function writeSeq(out: string[], seq: readonly unknown[], indent: string): void {
    for (const item of seq) {
      if (item === undefined) throw new Unsupported();
      const s = inline(item);
      if (s !== undefined) out.push(`${indent}- ${s}\n`);
      else if (Array.isArray(item)) {
        // `- - a`: nested sequences are rare in Kubernetes objects; leave them to the library.
        throw new Unsupported();
      } else writeMap(out, item as Record<string, unknown>, `${indent}  `, `${indent}- `);
    }
  }

  function writeCollection(out: string[], value: object, indent: string): void {
    if (Array.isArray(value)) writeSeq(out, value, indent);
    else writeMap(out, value as Record<string, unknown>, indent, indent);
  }

  return (out, value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainObject(value)) return false;
    const start = out.length;
    try {
      const s = inline(value);
      if (s !== undefined) out.push(`${s}\n`);
      else writeMap(out, value, '', '');
      return true;
    } catch (error) {
      out.length = start;
      if (error instanceof Unsupported) return false;
      throw error;
    }
  };
}

/**
 * The library's stringify(value, options) with readsAsNonString added to its quoting: every
 * plain string scalar (key or value) that some reader would type is double-quoted, as the
 * library itself quotes the strings its own schema types.
 */
export function libraryStringify(library: YamlLibrary, value: unknown, options: YamlOptions = {}): string {
  // Without the merge tag: the 1.1 schema always has it, and it writes the string `<<` as a merge
  // key, plain whatever the node's style. With it gone, `<<` is a string the visitor quotes.
  const withoutMerge = (tags: Yaml.Tags): Yaml.Tags =>
    tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:merge');
  const doc = new library.Document(value, options.customTags ? options : { ...options, customTags: withoutMerge });
  library.visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && (node.type === undefined || node.type === 'PLAIN')) {
        if (readsAsNonString(node.value)) node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return doc.toString(options);
}

/**
 * A writer for YAML every reader of msvc's output reads back as written: fastYamlWriter where it
 * applies, else libraryStringify (the same bytes where both apply, yaml/write.test.ts).
 */
export function yamlWriter(library: () => YamlLibrary, options: YamlOptions): (value: unknown) => string {
  const fast = fastYamlWriter(library, options);
  return (value) => fast(value) ?? libraryStringify(library(), value, options);
}

/** {@link yamlWriter} appending to `out` (see {@link fastYamlAppender}): the same text, joined. */
export function yamlAppender(
  library: () => YamlLibrary,
  options: YamlOptions,
): (out: string[], value: unknown) => void {
  const append = fastYamlAppender(library, options);
  return (out, value) => {
    if (!append(out, value)) out.push(libraryStringify(library(), value, options));
  };
}
