// `msvc validate`: the same checks the API server runs (schema and cross-field rules), before
// anything reaches a cluster. One line per document; exit 1 if any document has a problem.
// Warnings (a valid spec whose pods some clusters would still refuse, e.g. a sidecar mesh without its
// CNI plugin under Pod Security) go to stderr after the OK line and do not change the exit code.
import { meshPodSecurityRisk, meshPodSecurityWarning } from '../../api/index.ts';
import { displayName, formatUserError, load } from '../input.ts';
import { EXIT_OK, EXIT_USER_ERROR, type Io, reportSkipped } from '../io.ts';

export interface ValidateOptions {
  readonly filename: readonly string[];
}

export async function runValidate(options: ValidateOptions, io: Io): Promise<number> {
  const loaded = await load(options.filename, () => io.stdin);
  // Results in input order: OK lines on stdout, problems on stderr, interleaved as the documents come.
  const lines = [
    ...loaded.services.map((s) => ({
      order: s.order,
      print: () => {
        io.out(`${s.where}: OK (MicroService ${displayName(s.value)})\n`);
        const risk = meshPodSecurityRisk(s.value.spec);
        if (risk)
          io.err(`${s.where}: warning: MicroService ${displayName(s.value)}: ${meshPodSecurityWarning(risk)}\n`);
      },
    })),
    ...loaded.errors.map((e) => ({ order: e.order ?? 0, print: () => io.err(`${formatUserError(e)}\n`) })),
  ];
  for (const line of lines.sort((a, b) => a.order - b.order)) line.print();
  reportSkipped(io, loaded.skipped);
  return loaded.errors.length > 0 ? EXIT_USER_ERROR : EXIT_OK;
}
