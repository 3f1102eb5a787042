// `msvc import`: Deployments (with their Service, HorizontalPodAutoscaler, PodDisruptionBudget and
// ServiceAccount) in, as `helm template` or `kubectl get -o yaml` print them, one MicroService per
// Deployment out as a YAML stream. What a MicroService cannot carry over is printed to stderr, one
// finding per line with its object and field path; the exit code says whether anything was:
// 0 nothing, 2 some field is dropped or changes, 1 the input could not be read.
import type { Document } from 'yaml';
import { type Finding, importObjects, type SourceObject } from '../../import/index.ts';
import { DEFAULT_RENDER_CONFIG } from '../../render/index.ts';
import { formatUserError, readSources, type UserError } from '../input.ts';
import { EXIT_OK, EXIT_USER_ERROR, type Io, reportErrors } from '../io.ts';
import { toYamlStream } from '../yaml.ts';
import { yaml } from '../yaml-library.ts';

/** Some field of the input is not carried over as it is (see the warnings). */
export const EXIT_NOT_CARRIED = 2;

export interface ImportOptions {
  readonly filename: readonly string[];
  /** Value of app.kubernetes.io/managed-by the MicroServices will be rendered with. */
  readonly managedBy?: string;
  /** Print notes (bookkeeping left behind, objects added) too. */
  readonly notes?: boolean;
}

type Json = SourceObject['object'];
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every object of every document, `kind: List` unpacked. Read as YAML 1.1, the way kubectl reads
 * what `helm template` prints (a bare `on` is true, `010` is 8), so the values are the cluster's.
 */
function objectsOf(name: string, text: string, errors: UserError[]): SourceObject[] {
  const { LineCounter, parseAllDocuments } = yaml();
  const lines = new LineCounter();
  let docs: Document[];
  try {
    const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, version: '1.1' });
    docs = Array.isArray(parsed) ? parsed : [parsed as unknown as Document];
  } catch (error) {
    errors.push({ where: name, message: `YAML could not be read: ${(error as Error).message}` });
    return [];
  }
  const out: SourceObject[] = [];
  docs.forEach((doc, i) => {
    const where = `${name}:${i + 1}`;
    for (const e of doc.errors) {
      const pos = lines.linePos(e.pos[0]);
      errors.push({
        where,
        message: `YAML syntax error at line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}`,
      });
    }
    if (doc.errors.length > 0) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      errors.push({ where, message: `YAML could not be read: ${(error as Error).message}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (
      isObject(value) &&
      typeof value['kind'] === 'string' &&
      value['kind'].endsWith('List') &&
      Array.isArray(value['items'])
    ) {
      value['items'].forEach((item, j) => {
        if (isObject(item)) out.push({ where: `${where} items[${j}]`, object: item });
      });
    } else if (isObject(value)) {
      out.push({ where, object: value });
    }
  });
  return out;
}

function formatFinding(where: string, f: Finding): string {
  const label = f.kind === 'note' ? 'note' : 'warning';
  return `${label}: ${where}: ${f.object}${f.path ? `: ${f.path}` : ''}: ${f.message}\n`;
}

export async function runImport(options: ImportOptions, io: Io): Promise<number> {
  const read = await readSources(options.filename, () => io.stdin);
  const errors: UserError[] = [...read.errors];
  const objects = read.sources.flatMap((s) => objectsOf(s.name, s.text, errors));
  if (errors.length > 0) return reportErrors(io, errors);
  const cfg = { ...DEFAULT_RENDER_CONFIG, ...(options.managedBy ? { managedBy: options.managedBy } : {}) };
  const result = importObjects(objects, { renderConfig: cfg });
  if (result.errors.length > 0) {
    for (const e of result.errors) io.err(`${formatUserError(e)}\n`);
    return EXIT_USER_ERROR;
  }
  let carriedAll = true;
  for (const s of result.services) {
    for (const f of s.findings) {
      if (f.kind !== 'note') carriedAll = false;
      if (f.kind !== 'note' || options.notes) io.err(formatFinding(s.where, f));
    }
  }
  if (options.notes) for (const f of result.others) io.err(formatFinding(f.where, f));
  io.out(
    toYamlStream(
      result.services.map((s) => ({
        comment: `Imported from ${s.from.join(', ')} (${s.where})`,
        value: s.microService,
      })),
    ),
  );
  const dropped = result.services.reduce((n, s) => n + s.findings.filter((f) => f.kind !== 'note').length, 0);
  if (!carriedAll) {
    io.err(
      `${dropped} field${dropped === 1 ? '' : 's'} not carried over as ${dropped === 1 ? 'it is' : 'they are'} (warnings above); --notes lists what is left behind on purpose\n`,
    );
  }
  return carriedAll ? EXIT_OK : EXIT_NOT_CARRIED;
}
