// `msvc validate`: the same checks the API server runs (schema and cross-field rules), before
// anything reaches a cluster. One line per document; exit 1 if any document has a problem.
import { displayName, load } from '../input.ts';
import { EXIT_OK, type Io, reportErrors, reportSkipped } from '../io.ts';

export interface ValidateOptions {
  readonly filename: readonly string[];
}

export async function runValidate(options: ValidateOptions, io: Io): Promise<number> {
  const loaded = await load(options.filename, io.stdin);
  for (const { where, value } of loaded.services) io.out(`${where}: OK (MicroService ${displayName(value)})\n`);
  reportSkipped(io, loaded.skipped);
  if (loaded.errors.length > 0) return reportErrors(io, loaded.errors);
  return EXIT_OK;
}
