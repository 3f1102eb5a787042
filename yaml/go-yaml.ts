// How kubectl types a plain (unquoted) YAML scalar. `kubectl apply -f` decodes YAML with
// sigs.k8s.io/yaml, which is go-yaml v2 underneath: YAML 1.1 booleans (yes/no/on/off/y/n), Go's
// integer syntax after dropping `_` (strconv.ParseInt base 0: `010` octal, `0o17`, `0x1F`, `0X1F`,
// `0b11`, `0B11`) and timestamps (written back as RFC 3339 strings). msvc reads YAML 1.2, where all
// of these are other values or strings; this is the go-yaml half of the comparison, after
// go.yaml.in/yaml/v2 resolve.go (resolveMap, resolve) and checked against the real decoder
// (tools/testhelpers/cmd/kubectl-decode, yaml/go-yaml.oracle.test.ts).

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
/** yamlStyleFloat in resolve.go. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** strconv.ParseInt/ParseUint with base 0, after the underscores are gone. */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** The layouts parseTimestamp tries (2006-1-2T15:4:5.999999999Z07:00, "2006-1-2 15:4:5.999999999", 2006-1-2). */
const TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$/;

/**
 * Texts goYamlPlain can only call 'string': a first character that starts no entry of TRUE, FALSE
 * or NULL (y, o, t, n, f in either case, ~) and is not `<`, `.`, a sign or a digit; or a letter
 * followed by five characters or more (every entry of TRUE, FALSE and NULL is shorter).
 */
const STRING_START = /^(?:[^-+.0-9~<yYoOtTnNfF]|[A-Za-z][\s\S]{5})/;

/** What kind of value go-yaml makes of a plain scalar: its type, and for numbers the value. */
export type GoYamlPlain =
  | { type: 'string' }
  | { type: 'null' }
  | { type: 'bool'; value: boolean }
  | { type: 'number'; value: number }
  | { type: 'timestamp' }
  | { type: 'other' };

function goInt(text: string): number | undefined {
  if (!GO_INT.test(text)) return undefined;
  const negative = text[0] === '-';
  const body = text[0] === '-' || text[0] === '+' ? text.slice(1) : text;
  let n: number;
  if (/^0[xX]/.test(body)) n = Number.parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) n = Number.parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) n = Number.parseInt(body.slice(2), 2);
  else if (body.length > 1 && body[0] === '0') n = Number.parseInt(body.slice(1), 8);
  else n = Number.parseInt(body, 10);
  return negative ? -n : n;
}

/** go-yaml v2's reading of a plain scalar (resolve with no tag). */
export function goYamlPlain(text: string): GoYamlPlain {
  if (TRUE.has(text)) return { type: 'bool', value: true };
  if (FALSE.has(text)) return { type: 'bool', value: false };
  if (NULL.has(text)) return { type: 'null' };
  if (text === '<<') return { type: 'other' }; // a merge key
  const first = text[0] ?? '';
  if (SPECIAL_FLOAT.test(text)) return { type: 'other' }; // ±Inf and NaN: JSON has no such number
  if (first === '.') {
    // strconv.ParseFloat: decimal or hex floats, inf/infinity/nan spelled any case, `_` only between digits.
    if (/^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(text)) return { type: 'number', value: Number.parseFloat(text) };
    return { type: 'string' };
  }
  if (!/^[-+0-9]/.test(first)) return { type: 'string' };
  if (TIMESTAMP.test(text)) return { type: 'timestamp' };
  const plain = text.replaceAll('_', '');
  const int = goInt(plain);
  if (int !== undefined) return { type: 'number', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    // ParseFloat fails out of range (1e400), and go-yaml then keeps the string.
    const float = Number.parseFloat(plain);
    return Number.isFinite(float) ? { type: 'number', value: float } : { type: 'string' };
  }
  if (/^-?0b[01]+$/.test(plain)) return { type: 'number', value: goInt(plain) as number };
  return { type: 'string' };
}

/**
 * Whether a plain scalar that YAML 1.2 (msvc, the `yaml` library) reads as `value` reads as
 * something else in kubectl. Then the input is ambiguous and must be quoted.
 */
export function kubectlReadsDifferently(text: string, value: unknown): boolean {
  // Most scalars (keys, names, images) start with a letter that begins none of go-yaml's booleans
  // or nulls: goYamlPlain would say 'string' at `!/^[-+0-9]/`. Decided here without its tests.
  if (STRING_START.test(text)) return value !== text;
  const go = goYamlPlain(text);
  switch (go.type) {
    case 'string':
      return value !== text;
    case 'null':
      return value !== null;
    case 'bool':
      return value !== go.value;
    case 'number':
      return typeof value !== 'number' || !(Object.is(value, go.value) || value === go.value);
    default:
      return true; // timestamps become RFC 3339 strings; `<<`, .inf, .nan
  }
}
