// `msvc render`: MicroServices in, every rendered Kubernetes object out as one YAML stream, ready
// for `kubectl apply -f -`. All input is validated before anything is printed, so a bad document
// never leaves half a stream in a pipe.
import { labelValueProblem } from '../../api/index.ts';
import { DEFAULT_RENDER_CONFIG, render } from '../../render/index.ts';
import { displayName, load } from '../input.ts';
import { EXIT_OK, type Io, reportErrors, reportSkipped } from '../io.ts';
import { type StreamDocument, toYamlStream } from '../yaml.ts';

export interface RenderOptions {
  readonly filename: readonly string[];
  /** Value of app.kubernetes.io/managed-by on every object. */
  readonly managedBy?: string;
}

export async function runRender(options: RenderOptions, io: Io): Promise<number> {
  // It becomes a label value on every object: one the API server would refuse fails here instead.
  const managedByProblem = options.managedBy === undefined ? undefined : labelValueProblem(options.managedBy);
  if (managedByProblem !== undefined) {
    return reportErrors(io, [
      {
        where: 'msvc render',
        path: '--managed-by',
        message: `${JSON.stringify(options.managedBy)} ${managedByProblem}`,
      },
    ]);
  }
  const loaded = await load(options.filename, io.stdin);
  if (loaded.errors.length > 0) return reportErrors(io, loaded.errors);
  reportSkipped(io, loaded.skipped);
  const cfg = { ...DEFAULT_RENDER_CONFIG, ...(options.managedBy ? { managedBy: options.managedBy } : {}) };
  const documents: StreamDocument[] = [];
  for (const { where, value } of loaded.services) {
    for (const object of render(value, cfg).objects) {
      documents.push({ comment: `Source: ${where} (MicroService ${displayName(value)})`, value: object });
    }
  }
  io.out(toYamlStream(documents));
  return EXIT_OK;
}
