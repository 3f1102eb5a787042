// Kubernetes resource quantities ("500m", "1.5Gi", 2): syntax check and exact arithmetic.
// The API server, the renderer (GOMEMLIMIT, GOMAXPROCS, pod budgets) and validation
// (requests ≤ limits) must agree on what a quantity means, so all of them use this file.

/**
 * The quantity grammar of k8s.io/apimachinery `pkg/api/resource/quantity.go`
 * (`<signedNumber><suffix>`, suffix binary Ki…Ei, decimal n u m k M G T P E, or an exponent),
 * without the sign: resources are never negative. The grammar comment there allows a fractional
 * exponent, but `parseQuantityString` accepts only digits after `e`/`E` (the API server rejects
 * "1e1.5"), so the exponent here is a whole number too. It has at most three digits: no resource
 * needs more, and exact arithmetic on "1e999999999" would never finish (validation hung on it).
 */
export const QUANTITY_PATTERN = '^(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]{1,3}))?$';

const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);

const BINARY: Record<string, bigint> = {
  Ki: 2n ** 10n,
  Mi: 2n ** 20n,
  Gi: 2n ** 30n,
  Ti: 2n ** 40n,
  Pi: 2n ** 50n,
  Ei: 2n ** 60n,
};
const NANO = 10n ** 9n;
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A quantity as an exact fraction `numerator / denominator` (both non-negative bigints). */
export interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export function isQuantity(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  return typeof value === 'string' && QUANTITY_RE.test(value);
}

/**
 * Parsed quantities by their text: specs repeat the same few ("100m", "128Mi") and validation,
 * budgets and runtime tuning parse each several times. Fractions are immutable, so sharing is safe.
 */
const parsed = new Map<string | number, Fraction>();
const PARSED_MAX = 10_000;

/** Parses a quantity exactly. Throws on malformed input (validate with {@link isQuantity} first). */
export function parseQuantity(value: string | number): Fraction {
  const known = parsed.get(value);
  if (known !== undefined) return known;
  const fraction = Object.freeze(parseUncached(value));
  if (parsed.size < PARSED_MAX) parsed.set(value, fraction);
  return fraction;
}

function parseUncached(value: string | number): Fraction {
  const text = String(value);
  if (!isQuantity(typeof value === 'number' ? value : text)) {
    throw new Error(`"${text}" is not a Kubernetes quantity (e.g. 500m, 2, 256Mi, 1Gi)`);
  }
  const match = /^([0-9]*\.?[0-9]*)(.*)$/.exec(text);
  const [, digits = '', suffix = ''] = match ?? [];
  const [whole = '', frac = ''] = digits.split('.');
  let numerator = BigInt((whole || '0') + frac);
  let denominator = 10n ** BigInt(frac.length);
  const binary = BINARY[suffix];
  if (binary !== undefined) {
    numerator *= binary;
    // ParseQuantity caps binary-suffixed values at the int64 maximum ("9Ei" is 2^63 − 1 there).
    if (numerator > INT64_MAX * denominator) return { numerator: INT64_MAX, denominator: 1n };
  } else {
    // A lone `E` is the exa suffix (10^18); only `e`/`E` followed by digits is an exponent, as in
    // resource.ParseQuantity (quantity_suffixer.go interpret: `len(suffix) > 1`).
    const exponent =
      suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') ? Number(suffix.slice(1)) : DECIMAL[suffix];
    if (exponent === undefined || !Number.isInteger(exponent)) {
      // Fractional exponents ("1e1.5") are legal syntax but no resource uses them.
      throw new Error(`"${text}" uses an exponent this tool does not support; write it as a plain number`);
    }
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  // The API server rounds a non-zero value up to a whole nano (1n) before it stores or compares it
  // (ParseQuantity: `amount.Round(amount, Nano.infScale(), inf.RoundUp)`), so "0.1n" is 1n there:
  // do the same, or "request 0.5n, limit 0.1n" would fail here and pass there.
  const nanos = numerator * NANO;
  if (nanos % denominator !== 0n) return { numerator: ceilDiv(nanos, denominator), denominator: NANO };
  return { numerator, denominator };
}

/**
 * Like {@link parseQuantity}, but `undefined` for anything that is not a quantity, for rules that run
 * beside the field checks and must report, never throw, whatever the other fields hold.
 */
export function tryParseQuantity(value: unknown): Fraction | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (!isQuantity(value)) return undefined;
  return parseQuantity(value);
}

/** {@link compareQuantities} when both values are quantities, else `undefined` (nothing to compare). */
export function tryCompareQuantities(a: unknown, b: unknown): number | undefined {
  const x = tryParseQuantity(a);
  const y = tryParseQuantity(b);
  if (x === undefined || y === undefined) return undefined;
  return compareFractions(x, y);
}

function compareFractions(x: Fraction, y: Fraction): number {
  const left = x.numerator * y.denominator;
  const right = y.numerator * x.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** -1, 0 or 1 as a < b, a == b, a > b. */
export function compareQuantities(a: string | number, b: string | number): number {
  return compareFractions(parseQuantity(a), parseQuantity(b));
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/** Millicores, rounded up as the API server does for sub-milli CPU values. */
export function toMilliCpu(value: string | number): number {
  const { numerator, denominator } = parseQuantity(value);
  return Number(ceilDiv(numerator * 1000n, denominator));
}

/** Bytes, rounded up (kubelet `convertResourceMemoryToString` uses ceil). */
export function toBytes(value: string | number): bigint {
  const { numerator, denominator } = parseQuantity(value);
  return ceilDiv(numerator, denominator);
}

/** Formats millicores the way kubectl shows them: whole cores when exact, else `<n>m`. */
export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes with the largest binary suffix that divides them exactly. */
export function formatBytes(bytes: bigint): string {
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = BINARY[suffix] as bigint;
    if (bytes !== 0n && bytes % unit === 0n) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}
