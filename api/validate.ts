// Turns untrusted input (YAML from a file, cdk8s props, a CR read from the cluster) into a typed
// MicroService, or into issues that name the field and say what to do.
import type { z } from 'zod';
import { type MicroService, microServiceSchema } from './schema.ts';
import { type MicroServiceSpec, specSchema } from './spec/index.ts';
import { restrictedHint } from './spec/pod-security.ts';

export interface ValidationIssue {
  /** Field path, e.g. `spec.ports[1].name`. */
  readonly path: string;
  readonly message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function toIssues(error: z.ZodError, prefix: PropertyKey[]): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = formatPath([...prefix, ...issue.path]) || '(root)';
    if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
    // A Kubernetes key left out on purpose says which Pod Security rule it would break.
    const hints = issue.keys.map((k) => restrictedHint(issue.path, k));
    const plain = issue.keys.filter((_, i) => hints[i] === undefined);
    return [
      ...hints.filter((h): h is string => h !== undefined).map((message) => ({ path, message })),
      ...(plain.length > 0
        ? [
            {
              path,
              message: plain.length === issue.keys.length ? issue.message : `Unrecognized key(s): ${plain.join(', ')}`,
            },
          ]
        : []),
    ];
  });
}

/** How a value reads in a message: `the number 0.5`, `true`, `the string "3"`. */
function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (typeof input === 'string')
    return `the string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  if (typeof input === 'number') return `the number ${input}`;
  if (typeof input === 'boolean') return String(input);
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a map' : typeof input;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

/** What to write instead, when the value was given as the wrong type. */
function typeHint(expected: string, input: unknown): string {
  if (expected === 'string' && typeof input === 'number' && !Number.isInteger(input)) {
    // The YAML trap worth naming: an unquoted 1.20 is the number 1.2.
    return `: quote it (unquoted, YAML reads 1.20 as the number 1.2: write "1.20")`;
  }
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
    return `: quote it ("${String(input)}")`;
  }
  if ((expected === 'int' || expected === 'number') && typeof input === 'number') return ': write a whole number';
  if ((expected === 'int' || expected === 'number' || expected === 'boolean') && typeof input === 'string') {
    return ': write it without quotes';
  }
  return '';
}

type ZodIssueLike = {
  code: string;
  expected?: string;
  values?: unknown[];
  input?: unknown;
  errors?: ZodIssueLike[][];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
};

const UNITS: Record<string, string> = { string: ' characters', array: ' items', set: ' items', record: ' entries' };

/** `must be at least 1`, `must be at most 63 characters`, with what was given for numbers. */
function boundMessage(issue: ZodIssueLike): string | undefined {
  const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  if (bound === undefined || issue.origin === undefined) return undefined;
  const unit = UNITS[issue.origin] ?? '';
  const word =
    issue.code === 'too_small'
      ? issue.inclusive === false
        ? 'more than'
        : 'at least'
      : issue.inclusive === false
        ? 'less than'
        : 'at most';
  const given = typeof issue.input === 'number' ? ` (got ${issue.input})` : '';
  return `must be ${word} ${bound}${unit}${given}`;
}

/** The alternative one union branch stands for, in words (`'off'`, `a whole number`). */
function alternative(branch: readonly ZodIssueLike[]): string | undefined {
  const first = branch[0];
  if (first === undefined) return undefined;
  if (first.code === 'invalid_value' && first.values)
    return first.values.map((v) => JSON.stringify(v).replaceAll('"', "'")).join(' or ');
  if (first.code === 'invalid_type' && first.expected) return EXPECTED[first.expected] ?? first.expected;
  return undefined;
}

/**
 * zod's messages for a wrong type say "Invalid input"; these say what was given and what to write
 * (`cpu: 0.5`, `gcPercent: false`, `replicas: "3"`). Schema-level messages (quantities, names) win.
 */
function errorMap(issue: ZodIssueLike): string | undefined {
  if (issue.code === 'invalid_type' && issue.expected !== undefined) {
    if (issue.input === undefined) return 'is required';
    const expected = EXPECTED[issue.expected] ?? issue.expected;
    return `must be ${expected}, not ${describeInput(issue.input)}${typeHint(issue.expected, issue.input)}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') return boundMessage(issue);
  if (issue.code === 'invalid_value' && issue.values && issue.values.length > 0) {
    const values = issue.values.map((v) => JSON.stringify(v));
    const list = values.length > 2 ? `one of ${values.join(', ')}` : values.join(' or ');
    return `must be ${list}, not ${describeInput(issue.input)}`;
  }
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
    const alternatives = issue.errors.map(alternative);
    if (alternatives.some((a) => a === undefined)) return undefined;
    const hint =
      typeof issue.input === 'number' && !Number.isInteger(issue.input) && alternatives.includes(EXPECTED['int'])
        ? ': write a whole number'
        : typeof issue.input === 'boolean' && alternatives.some((a) => a?.startsWith("'"))
          ? ': quote it if you meant the string'
          : '';
    return `must be ${alternatives.join(' or ')}, not ${describeInput(issue.input)}${hint}`;
  }
  return undefined;
}

export function parseMicroService(input: unknown): ParseResult<MicroService> {
  const result = microServiceSchema.safeParse(input, { error: errorMap as never });
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toIssues(result.error, []) };
}

export function parseSpec(input: unknown): ParseResult<MicroServiceSpec> {
  const result = specSchema.safeParse(input, { error: errorMap as never });
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toIssues(result.error, ['spec']) };
}

/** Thrown by the construct and library callers; `issues` keeps every problem, not just the first. */
export class MicroServiceValidationError extends Error {
  readonly issues: readonly ValidationIssue[];
  constructor(resource: string, issues: readonly ValidationIssue[]) {
    super(`${resource} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'MicroServiceValidationError';
    this.issues = issues;
  }
}
