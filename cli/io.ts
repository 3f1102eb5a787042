// The streams a command talks to, passed in so commands never reach for `process` themselves.
import type { UserError } from './input.ts';
import { formatUserError } from './input.ts';

export interface Io {
  readonly stdin: NodeJS.ReadableStream;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Exit codes: 0 success, 1 the input (or docs/api.md, for `reference --check`) needs fixing. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;

/** Prints user errors one per line, most useful first (file order), and returns the exit code. */
export function reportErrors(io: Io, errors: readonly UserError[]): number {
  for (const e of errors) io.err(`${formatUserError(e)}\n`);
  return errors.length > 0 ? EXIT_USER_ERROR : EXIT_OK;
}

/** Documents skipped in directories go to stderr, so stdout stays a clean YAML stream. */
export function reportSkipped(io: Io, skipped: readonly { where: string; reason: string }[]): void {
  for (const s of skipped) io.err(`${s.where}: skipped: ${s.reason}\n`);
}
