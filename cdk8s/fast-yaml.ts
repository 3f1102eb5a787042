// Block YAML for plain JSON-like objects, byte-identical to a given `yaml` library's stringify with
// given options, at a fraction of its cost (it builds a node tree and tests every scalar against
// every tag). The approach of cli/fast-yaml.ts, which cdk8s/ may not import (test/architecture),
// bound here to the library copy cdk8s writes with. Anything outside the subset it knows gives
// undefined and the caller uses the library: non-plain objects, undefined values, non-integer
// numbers, nested sequences, keys that need quotes, strings the library would not write as one
// line. Strings that are not obviously plain are quoted by the library itself (memoized), so
// quoting rules and the schema (YAML 1.1 keywords like `on`) are never re-implemented here.
import type { CreateNodeOptions, DocumentOptions, SchemaOptions, ToStringOptions } from 'yaml';

export type YamlOptions = DocumentOptions & SchemaOptions & ToStringOptions & CreateNodeOptions;
type YamlLibrary = { stringify(value: unknown, options?: YamlOptions): string };

/**
 * Plain in every YAML schema unless it is a keyword or a YAML 1.1 exponent float: starts with a
 * letter, `_` or `/`, and has no spaces or indicators. Keywords such a string can spell (true, no,
 * off, y, Null, …) are all at most 5 characters long, but YAML 1.1 floats need no digits before
 * the exponent, so `e37376` (any length) is a number there. Those go to the library.
 */
const SAFE_PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const LONGEST_KEYWORD = 5;
const EXPONENT = /^[eE]-?[0-9]+$/;

function obviouslyPlain(value: string): boolean {
  return value.length > LONGEST_KEYWORD && SAFE_PLAIN.test(value) && !EXPONENT.test(value);
}
const CACHE_LIMIT = 10_000;

class Unsupported extends Error {}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A writer for `library.stringify(value, options)`; undefined where it declines. */
export function fastYamlWriter(library: YamlLibrary, options: YamlOptions): (value: unknown) => string | undefined {
  const scalars = new Map<string, string | undefined>();

  function scalar(value: string): string {
    if (obviouslyPlain(value)) return value;
    let out = scalars.get(value);
    if (out === undefined) {
      if (scalars.has(value)) throw new Unsupported();
      const text = library.stringify(value, options);
      // One line and a newline: a plain or quoted scalar. Block scalars (multi-line) depend on context.
      const body = text.endsWith('\n') ? text.slice(0, -1) : undefined;
      out =
        body !== undefined && !body.includes('\n') && !body.startsWith('|') && !body.startsWith('>') ? body : undefined;
      if (scalars.size < CACHE_LIMIT) scalars.set(value, out);
      if (out === undefined) throw new Unsupported();
    }
    return out;
  }

  function key(value: string): string {
    if (obviouslyPlain(value) || (SAFE_PLAIN.test(value) && scalar(value) === value)) return value;
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
        for (const _ in value) return undefined;
        return '{}';
      default:
        // undefined too: keepUndefined or not, the library's handling is left to the library.
        throw new Unsupported();
    }
  }

  function writeMap(out: string[], map: Record<string, unknown>, indent: string, first: string): void {
    let prefix = first;
    for (const k of Object.keys(map)) {
      const v = map[k];
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
      const s = inline(item);
      if (s !== undefined) out.push(`${indent}- ${s}\n`);
      else if (Array.isArray(item))
        throw new Unsupported(); // `- - a`: rare in Kubernetes objects.
      else writeMap(out, item as Record<string, unknown>, `${indent}  `, `${indent}- `);
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
