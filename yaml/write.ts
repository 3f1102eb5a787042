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
import type { CreateNodeOptions, DocumentOptions, SchemaOptions, ToStringOptions } from 'yaml';

export type YamlOptions = DocumentOptions & SchemaOptions & ToStringOptions & CreateNodeOptions;
/** What the writer needs of the library: its stringify (any copy of `yaml` 2). */
export interface YamlLibrary {
  stringify(value: unknown, options?: YamlOptions): string;
}

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
  library: () => YamlLibrary,
  options: YamlOptions,
): (value: unknown) => string | undefined {
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
      if (MAYBE_TYPED.test(value)) for (const test of typedTests ?? []) if (test.test(value)) return `"${value}"`;
      return value;
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

  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainObject(value)) return undefined;
    try {
      const s = inline(value);
      if (s !== undefined) return `${s}\n`;
      const out: string[] = [];
      writeMap(out, value, '', '');
      return out.join('');
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
  };
}
