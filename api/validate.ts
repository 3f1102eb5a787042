// Turns untrusted input (YAML from a file, cdk8s props, a CR read from the cluster) into a typed
// MicroService, or into issues that name the field and say what to do.
import type { z } from 'zod';
import { type MicroService, microServiceSchema } from './schema.ts';
import { type MicroServiceSpec, specSchema } from './spec/index.ts';

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
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]) || '(root)',
    message: issue.message,
  }));
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
