// What the runtime tuners (go.ts, jvm.ts, node.ts) share: the decision they return, the app
// container's limits and requests as exact numbers, and reading and extending an options variable
// (JAVA_TOOL_OPTIONS, NODE_OPTIONS) the user may have set. One-way: the tuners import this file,
// never the other way round, and never each other.
import { type MicroServiceSpec, parseQuantity, resolveResources, toBytes } from '../../api/index.ts';

/**
 * One tuning decision: an env var (GOMAXPROCS) or one option inside an options variable
 * (`-Xmx` in JAVA_TOOL_OPTIONS). `msvc explain` prints each, rendered or not.
 */
export interface TuningDecision {
  /** The env var it lives in. */
  readonly env: string;
  /** The option inside the variable (`-XX:MaxRAMPercentage`), for options variables. */
  readonly option?: string;
  /** The rendered value (of the variable, or the whole option token); absent: deliberately not rendered. */
  readonly value?: string;
  readonly reason: string;
  /** The public source the reason rests on (release notes, JDK bug, upstream file). */
  readonly source?: string;
}

/** What a tuner returns: its decisions and the variables to render, in order. */
export interface RuntimeTuning {
  readonly decisions: TuningDecision[];
  /**
   * The tuning variables. A name the user set in spec.env (an options variable this tuner
   * extends) replaces the user's entry in place; any other name is added after the user's env.
   */
  readonly env: { name: string; value: string }[];
}

export const MIB = 1n << 20n;

/** The largest CPU count derived from a quantity (GOMAXPROCS, ActiveProcessorCount, UV_THREADPOOL_SIZE). */
export const MAX_DERIVED_CPUS = 1024;

/** max(1, ceil(cores)) of a CPU quantity, capped at {@link MAX_DERIVED_CPUS}; exact for any quantity. */
export function ceilCores(quantity: string | number): { cores: bigint; capped: boolean } {
  const { numerator, denominator } = parseQuantity(quantity);
  const cores = (numerator + denominator - 1n) / denominator;
  if (cores > BigInt(MAX_DERIVED_CPUS)) return { cores: BigInt(MAX_DERIVED_CPUS), capped: true };
  return { cores: cores < 1n ? 1n : cores, capped: false };
}

/**
 * What the app container's CPU parallelism is sized from: its CPU limit, or without one its CPU
 * request (the share it is guaranteed under contention), rounded up the way the kubelet's
 * downward API rounds `requests.cpu` with divisor 1 (`convertResourceCPUToString` in
 * k8s.io/kubernetes pkg/api/v1/resource/helpers.go). Undefined: neither is set.
 */
export function cpuBasis(
  spec: MicroServiceSpec,
): { from: 'limit' | 'request'; quantity: string | number; cores: bigint; capped: boolean } | undefined {
  const resources = resolveResources(spec);
  const limit = resources.limits.cpu;
  if (limit !== undefined) return { from: 'limit', quantity: limit, ...ceilCores(limit) };
  const request = resources.requests.cpu;
  if (request !== undefined) return { from: 'request', quantity: request, ...ceilCores(request) };
  return undefined;
}

/** The app container's own memory limit (a mesh proxy is another container, with its own). */
export function memoryLimit(spec: MicroServiceSpec): { quantity: string | number; bytes: bigint } | undefined {
  const limit = resolveResources(spec).limits.memory;
  return limit === undefined ? undefined : { quantity: limit, bytes: toBytes(limit) };
}

/** MiB, with one decimal where it is not whole, for reasons people read. */
export function mibText(bytes: bigint): string {
  const tenths = (bytes * 10n) / MIB;
  return tenths % 10n === 0n ? `${tenths / 10n} MiB` : `${tenths / 10n}.${tenths % 10n} MiB`;
}

/**
 * Splits an options variable into its words: whitespace separates them, double quotes group
 * (as NODE_OPTIONS allows: https://nodejs.org/api/cli.html#node_optionsoptions). Used only to
 * recognise options; the user's text itself is always kept byte for byte.
 */
export function splitOptions(value: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) word += value[++i];
      else if (c === '"') quoted = false;
      else word += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Where the user set options the runtime reads: a literal spec.env variable, or spec.command/args. */
export interface UserOptions {
  /** `spec.env JAVA_TOOL_OPTIONS`, `spec.args`, … */
  readonly where: string;
  readonly words: string[];
}

/** The options the user set in the named literal spec.env variables and in spec.command and spec.args. */
export function userOptions(spec: MicroServiceSpec, envNames: readonly string[]): UserOptions[] {
  const out: UserOptions[] = [];
  for (const name of envNames) {
    const e = spec.env?.find((v) => v.name === name);
    if (e?.value !== undefined) out.push({ where: `spec.env ${name}`, words: splitOptions(e.value) });
  }
  if (spec.command) out.push({ where: 'spec.command', words: [...spec.command] });
  if (spec.args) out.push({ where: 'spec.args', words: [...spec.args] });
  return out;
}

/** The first user option matching `test`, with where it was set. */
export function findUserOption(
  options: readonly UserOptions[],
  test: (word: string) => boolean,
): { where: string; word: string } | undefined {
  for (const o of options) {
    const word = o.words.find(test);
    if (word !== undefined) return { where: o.where, word };
  }
  return undefined;
}

/**
 * The options variable as rendered: the user's own value byte for byte, then the options added,
 * space-separated. Undefined when there is nothing to render.
 */
export function composeOptions(userValue: string | undefined, added: readonly string[]): string | undefined {
  const parts = [userValue?.trim(), ...added].filter((p): p is string => p !== undefined && p !== '');
  return parts.length === 0 ? undefined : parts.join(' ');
}

/**
 * The decisions and env of an options variable (JAVA_TOOL_OPTIONS, NODE_OPTIONS): the user's value
 * kept byte for byte, the rendered options appended, and a summary decision saying which is which.
 */
export function optionsVariable(
  spec: MicroServiceSpec,
  env: string,
  options: readonly TuningDecision[],
): RuntimeTuning {
  const user = spec.env?.find((e) => e.name === env);
  if (user?.valueFrom !== undefined) {
    const from = Object.keys(user.valueFrom)[0];
    return {
      decisions: [
        ...options.map((o) =>
          o.value === undefined
            ? o
            : {
                env: o.env,
                option: o.option,
                reason: `not added: ${env} comes from ${from} (the rule would have added ${o.value}: ${o.reason})`,
                ...(o.source ? { source: o.source } : {}),
              },
        ),
        {
          env,
          reason: `set in spec.env from ${from}, which the renderer cannot read or extend: put the options above there yourself`,
        },
      ],
      env: [],
    };
  }
  const added = options.flatMap((o) => (o.value === undefined ? [] : [o.value]));
  const value = composeOptions(user?.value, added);
  if (value === undefined) {
    return { decisions: [...options, { env, reason: 'no option to add (see each option above)' }], env: [] };
  }
  const kept = user?.value?.trim() ? `kept as set in spec.env: ${user.value.trim()}` : '';
  const addedText = added.length > 0 ? `added: ${added.join(' ')}` : 'nothing added';
  return {
    decisions: [...options, { env, value, reason: [kept, addedText].filter(Boolean).join('; ') }],
    env: user?.value === value ? [] : [{ name: env, value }],
  };
}
