// A fast path for reading input files (cli/input.ts): JSON.parse for JSON, and a small strict
// parser for the plain block-style YAML that MicroService files are written in. Both give exactly
// the values `yaml`'s parseAllDocuments(text).map((d) => d.toJS()) gives, or undefined when they
// are not sure, and the caller uses the library (which also owns every error message). The `yaml`
// library composes a node tree with source ranges for every token; that was ~60% of `msvc render`'s
// time on 1,000 small files (bench/render.ts).
//
// The YAML subset: block maps and sequences (compact `- key: value` included), plain and quoted
// single-line scalars, one-line flow sequences and maps of simple scalars, `#` comments and
// documents separated by `---`. Anything else makes it bail out: anchors, aliases, tags, block
// scalars (`|`, `>`), multi-line scalars, nested flow collections, `? ` keys, directives, tabs, CR line ends,
// duplicate keys, keys that are not strings, empty documents. Plain scalars are typed with the YAML
// 1.2 core schema exactly as the library's tags resolve them (yaml/dist/schema/core): `yes`, `on`
// and `0777` stay what 1.2 says (a string, a string, the number 777).

import { kubectlReadsDifferently } from '../yaml/go-yaml.ts';

/** Thrown to give up on the fast path; never escapes this file. */
class Bail extends Error {}

const bail = (): never => {
  throw new Bail();
};

// The YAML 1.2 core schema's tests, in the library's order (yaml/dist/schema/core/schema.js).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** Every scalar the schema types as something other than a string starts with one of these. */
const MAYBE_TYPED = /^[-+.0-9~nNtTfF]|^$/;

/** A plain scalar's value under the YAML 1.2 core schema, as the `yaml` library resolves it. */
export function resolvePlain(text: string): unknown {
  if (!MAYBE_TYPED.test(text)) return text;
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (INT_OCT.test(text)) return parseInt(text.substring(2), 8);
  if (INT.test(text)) return parseInt(text, 10);
  if (INT_HEX.test(text)) return parseInt(text.substring(2), 16);
  if (FLOAT_NAN.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text);
  return text;
}

/**
 * Characters that start something other than a plain scalar (YAML c-indicator), or that we leave to
 * the library: `-`, `?` and `:` are allowed only when followed by a safe character (checked apart).
 */
const INDICATOR = new Set([
  '-',
  '?',
  ':',
  ',',
  '[',
  ']',
  '{',
  '}',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
]);
/**
 * Control characters, CR, tabs, NEL, line/paragraph separators, BOMs and every other character
 * JavaScript's trim() takes for white space (NBSP, U+1680, U+2000–U+200A, U+202F, U+205F, U+3000):
 * YAML trims only space and tab, so all of them are left to the library.
 */
const AWKWARD_CHARACTER =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ufffe\uffff]/;
/** Plain scalars inside a one-line flow collection: no spaces, commas, brackets, quotes or colons. */
const FLOW_PLAIN = /^[A-Za-z0-9_./+=-]+$/;
/** The library rejects implicit keys longer than 1024 characters; stay well away. */
const MAX_KEY = 1000;

/** Marks a text kubectl reads otherwise in {@link unambiguousValues}. */
const AMBIGUOUS = Symbol('ambiguous');
/**
 * unambiguous() by text: keys and values repeat from file to file ("name", "100m", "8080"), and
 * typing one runs the YAML 1.2 and the go-yaml tests. Values are primitives: safe to share.
 */
const unambiguousValues = new Map<string, unknown>();
const UNAMBIGUOUS_MAX = 10_000;

/** A plain scalar's YAML 1.2 value; bails when kubectl (YAML 1.1) reads it otherwise: the library path reports it. */
function unambiguous(text: string): unknown {
  let value = unambiguousValues.get(text);
  if (value === undefined) {
    const resolved = resolvePlain(text);
    value = kubectlReadsDifferently(text, resolved) ? AMBIGUOUS : resolved;
    if (unambiguousValues.size < UNAMBIGUOUS_MAX) unambiguousValues.set(text, value);
  }
  if (value === AMBIGUOUS) bail();
  return value;
}

/** One line with its indentation split off; blank and comment-only lines are dropped before parsing. */
interface Line {
  indent: number;
  text: string;
}

/** A plain scalar in block context: no `: ` or trailing `:` (a nested map), not starting with an indicator. */
function plainScalar(text: string): unknown {
  const first = text[0] as string;
  if (INDICATOR.has(first)) {
    // `-1`, `-foo`: a dash followed by something other than a space is a plain scalar.
    if (first !== '-' || text.length < 2 || text[1] === ' ') bail();
  }
  if (text.includes(': ') || text.endsWith(':')) bail();
  return unambiguous(text);
}

/** Strips a trailing ` # comment` and spaces from the text after a plain scalar starts. */
function withoutComment(text: string): string {
  const hash = text.indexOf(' #');
  return (hash === -1 ? text : text.slice(0, hash)).trimEnd();
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };

/** A quoted scalar starting at text[0]; returns its value and the index just past the closing quote. */
function quoted(text: string): [string, number] {
  const quote = text[0];
  let out = '';
  let i = 1;
  if (quote === "'") {
    for (;;) {
      const end = text.indexOf("'", i);
      if (end === -1) bail(); // continues on the next line
      out += text.slice(i, end);
      if (text[end + 1] === "'") {
        out += "'";
        i = end + 2;
      } else {
        return [out, end + 1];
      }
    }
  }
  for (;;) {
    const quoteAt = text.indexOf('"', i);
    const escapeAt = text.indexOf('\\', i);
    if (quoteAt === -1) bail();
    if (escapeAt !== -1 && escapeAt < quoteAt) {
      const escaped = ESCAPES[text[escapeAt + 1] as string];
      if (escaped === undefined) bail();
      out += text.slice(i, escapeAt) + escaped;
      i = escapeAt + 2;
    } else {
      return [out + text.slice(i, quoteAt), quoteAt + 1];
    }
  }
}

/** After a quoted scalar or a flow collection only spaces and a comment may follow on the line. */
function expectEnd(text: string, from: number): void {
  const rest = text.slice(from);
  const trimmed = rest.trimStart();
  if (trimmed !== '' && !(trimmed.startsWith('#') && trimmed.length < rest.length)) bail();
}

/** A scalar inside a one-line flow collection: quoted, or plain without spaces and indicators. */
function flowScalar(item: string): unknown {
  if (item[0] === '"' || item[0] === "'") {
    const [value, end] = quoted(item);
    if (end !== item.length) bail();
    return value;
  }
  if (!FLOW_PLAIN.test(item) || item === '-') bail();
  return unambiguous(item);
}

/**
 * `[]`, `[a, "b", 3]`, `{}`, `{ cpu: 500m, memory: "1Gi" }`: one line, scalars only, no commas
 * inside quotes; the rest of the line may hold only a comment.
 */
function flowCollection(text: string): unknown {
  const close = text[0] === '[' ? ']' : '}';
  const end = text.indexOf(close);
  if (end === -1) bail();
  expectEnd(text, end + 1);
  const inner = text.slice(1, end).trim();
  if (close === ']') return inner === '' ? [] : inner.split(',').map((item) => flowScalar(item.trim()));
  const out: Record<string, unknown> = {};
  if (inner === '') return out;
  for (const raw of inner.split(',')) {
    const item = raw.trim();
    let key: string;
    let rest: string;
    if (item[0] === '"' || item[0] === "'") {
      const [value, stop] = quoted(item);
      key = value;
      rest = item.slice(stop);
    } else {
      const colon = item.indexOf(':');
      if (colon === -1 || !FLOW_PLAIN.test(item.slice(0, colon))) bail();
      key = item.slice(0, colon);
      if (typeof unambiguous(key) !== 'string') bail();
      rest = item.slice(colon);
    }
    if (!rest.startsWith(': ') || key === '__proto__' || key === '<<' || Object.hasOwn(out, key)) bail();
    out[key] = flowScalar(rest.slice(2).trim());
  }
  return out;
}

/** A scalar or flow collection written on the rest of a line (after `key: ` or `- `); text is non-empty. */
function inlineValue(text: string): unknown {
  const first = text[0];
  if (first === '"' || first === "'") {
    const [value, end] = quoted(text);
    expectEnd(text, end);
    return value;
  }
  if (first === '[' || first === '{') return flowCollection(text);
  return plainScalar(withoutComment(text));
}

/**
 * A map entry's key and where its value starts, or undefined when the line is not `key:` / `key: …`
 * (a scalar, or something we leave to the library).
 */
function splitKey(text: string): [string, number] | undefined {
  let key: string;
  let colon: number;
  const first = text[0] as string;
  if (first === '"' || first === "'") {
    const [value, end] = quoted(text);
    if (text[end] !== ':') return undefined;
    key = value;
    colon = end;
  } else {
    colon = text.indexOf(': ');
    if (colon === -1) colon = text.endsWith(':') ? text.length - 1 : -1;
    if (colon <= 0) return undefined;
    key = text.slice(0, colon);
    if (INDICATOR.has(first) || key.includes(':') || key.includes('#') || key.endsWith(' ') || key.includes('"')) {
      bail();
    }
    // `1: a`, `true: b`, `null: c`: keys the library types and then turns into strings its own way.
    if (typeof unambiguous(key) !== 'string') bail();
  }
  if (colon > MAX_KEY || key === '__proto__' || key === '<<') bail();
  const after = text[colon + 1];
  if (after !== undefined && after !== ' ') return undefined;
  return [key, colon + 1];
}

class BlockParser {
  private pos = 0;
  private readonly lines: Line[];
  constructor(lines: Line[]) {
    this.lines = lines;
  }

  /** The whole document (lines holds only content lines). */
  document(): unknown {
    const first = this.lines[0] as Line;
    const value = this.node(first.indent);
    if (this.pos !== this.lines.length) bail();
    return value;
  }

  private get line(): Line | undefined {
    return this.lines[this.pos];
  }

  /** A block collection starting at the current line, whose indentation is `indent`. */
  private node(indent: number): unknown {
    const line = this.line as Line;
    if (line.text === '-' || line.text.startsWith('- ')) return this.sequence(indent);
    return this.map(indent);
  }

  /** The value of `key:` with nothing after the colon: a nested block, or null. */
  private nestedValue(keyIndent: number, inSequence: boolean): unknown {
    const next = this.line;
    if (next === undefined || next.indent < keyIndent) return null;
    if (next.indent > keyIndent) return this.node(next.indent);
    // Same indentation: only a map's value may be a sequence written at the key's own column.
    if (!inSequence && (next.text === '-' || next.text.startsWith('- '))) return this.sequence(keyIndent);
    return null;
  }

  /** After a scalar on a line, a line indented deeper would continue it (multi-line plain scalar). */
  private endOfScalar(entryIndent: number): void {
    const next = this.line;
    if (next !== undefined && next.indent > entryIndent) bail();
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      const line = this.line;
      if (line === undefined || line.indent < indent) return out;
      if (line.indent > indent) bail();
      const split = splitKey(line.text);
      if (split === undefined) bail();
      const [key, valueAt] = split as [string, number];
      if (Object.hasOwn(out, key)) bail(); // duplicate: the library reports it
      const rest = line.text.slice(valueAt).trimStart();
      this.pos++;
      if (rest === '' || rest[0] === '#') {
        out[key] = this.nestedValue(indent, false);
      } else {
        out[key] = inlineValue(rest);
        this.endOfScalar(indent);
      }
    }
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const line = this.line;
      if (line === undefined || line.indent < indent) return out;
      if (line.indent > indent) bail();
      if (line.text !== '-' && !line.text.startsWith('- ')) return out; // a sibling key of the parent map
      const afterDash = line.text.slice(1);
      const rest = afterDash.trimStart();
      if (rest === '' || rest[0] === '#') {
        this.pos++;
        out.push(this.nestedValue(indent, true));
      } else if (rest !== '-' && !rest.startsWith('- ') && (rest[0] === '[' || rest[0] === '{' || !splitKey(rest))) {
        this.pos++;
        out.push(inlineValue(rest));
        this.endOfScalar(indent);
      } else {
        // `- key: value` (or `- - x`): the rest of the line is the first line of a block node at
        // the column where it starts; read it as if it were a line of its own.
        const column = indent + 1 + (afterDash.length - rest.length);
        this.lines[this.pos] = { indent: column, text: rest };
        out.push(this.node(column));
      }
    }
  }
}

/** Splits a stream into the content lines of each document; undefined when it is not that simple. */
function documents(text: string): Line[][] | undefined {
  const docs: Line[][] = [];
  let current: Line[] = [];
  let started = false; // saw a `---` or content in the current document
  for (const raw of text.split('\n')) {
    if (raw.startsWith('---') || raw.startsWith('...')) {
      // A document marker; `--- value`, `--- # c`, `...` and `----x` are left to the library.
      if (raw.trimEnd() !== '---') return undefined;
      if (started) {
        if (current.length === 0) return undefined; // an empty document
        docs.push(current);
        current = [];
      }
      started = true;
      continue;
    }
    if (raw.startsWith('%')) return undefined; // a directive
    const content = raw.trimStart();
    if (content === '' || content[0] === '#') continue;
    started = true;
    current.push({ indent: raw.length - content.length, text: content.trimEnd() });
  }
  if (current.length === 0) return undefined; // ends with `---`, or no content at all
  docs.push(current);
  return docs;
}

/** Counts `:` outside strings: in valid JSON, exactly one per object member. */
function jsonMemberCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3a /* : */) {
      count++;
    }
  }
  return count;
}

/** Object members in a parsed JSON value; bails on keys the library treats apart. */
function countMembers(value: unknown): number {
  if (Array.isArray(value)) {
    let n = 0;
    for (const item of value) n += countMembers(item);
    return n;
  }
  if (value !== null && typeof value === 'object') {
    let n = 0;
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || key === '<<' || key.length > MAX_KEY) bail();
      n += 1 + countMembers((value as Record<string, unknown>)[key]);
    }
    return n;
  }
  return 0;
}

/** One JSON document (a `.json` file, or any text that is a JSON object or array). */
function parseJson(text: string): unknown[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // YAML after all, or broken: the library will say which
  }
  // JSON.parse keeps the last of duplicate keys where YAML says "Map keys must be unique".
  if (countMembers(value) !== jsonMemberCount(text)) return undefined;
  return [value];
}

/**
 * The documents of a YAML (or JSON) stream as plain values, exactly as the `yaml` library's
 * parseAllDocuments + toJS would give them, or undefined when this parser is not sure: then use the
 * library. Never throws.
 */
export function parseFast(text: string): unknown[] | undefined {
  if (AWKWARD_CHARACTER.test(text)) return undefined;
  try {
    const start = text.trimStart()[0];
    if (start === '{' || start === '[') return parseJson(text);
    const docs = documents(text);
    return docs?.map((lines) => new BlockParser(lines).document());
  } catch (error) {
    // RangeError: nesting deep enough to overflow the stack; the library reports it.
    if (error instanceof Bail || error instanceof RangeError) return undefined;
    throw error;
  }
}
