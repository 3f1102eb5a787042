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

export function parseMicroService(input: unknown): ParseResult<MicroService> {
  const result = microServiceSchema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toIssues(result.error, []) };
}

export function parseSpec(input: unknown): ParseResult<MicroServiceSpec> {
  const result = specSchema.safeParse(input);
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
