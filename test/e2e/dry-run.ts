// Server-side dry runs of many objects at once: one `kubectl apply --server-side --dry-run=server`
// per batch, and what the API server said about each object (accepted, or the error it gave). The
// differential suites send hundreds of specs; one kubectl per object would take minutes.
import { stringify } from 'yaml';
import { kubectl } from './cluster.ts';

export interface DryRunVerdict {
  readonly accepted: boolean;
  /** The API server's error for this object (empty when accepted). */
  readonly message: string;
}

type Named = { kind: string; metadata: { name: string } };

/** `deployment/order`: how verdicts are keyed (kind lower-cased, as kubectl prints it). */
export const verdictKey = (object: Named): string => `${object.kind.toLowerCase()}/${object.metadata.name}`;

/**
 * Dry-runs every object in `namespace`; names must be unique per kind. The YAML is written as
 * YAML 1.1 would read it back (the `yaml` package's version 1.1 quotes what 1.1 types), so kubectl
 * sends exactly these values.
 */
export async function dryRunEach(
  kubeconfig: string,
  namespace: string,
  objects: readonly Named[],
  batch = 200,
): Promise<Map<string, DryRunVerdict>> {
  const verdicts = new Map<string, DryRunVerdict>();
  for (let i = 0; i < objects.length; i += batch) {
    const chunk = objects.slice(i, i + batch);
    const input = chunk.map((o) => stringify(o, { version: '1.1' })).join('---\n');
    const { stdout, stderr } = await kubectl(
      kubeconfig,
      ['-n', namespace, 'apply', '--server-side', '--dry-run=server', '--field-manager=agreement-e2e', '-f', '-'],
      { input, check: false },
    );
    const accepted = new Set(
      stdout
        .split('\n')
        .map((line) => /^([a-z0-9-]+)(\.[^/]*)?\/(\S+) serverside-applied/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[1]}/${m[3]}`),
    );
    const errors = stderr.split('\n').filter((line) => line.trim() !== '');
    for (const object of chunk) {
      const key = verdictKey(object);
      if (accepted.has(key)) {
        verdicts.set(key, { accepted: true, message: '' });
        continue;
      }
      const quoted = `"${object.metadata.name}"`;
      const kind = object.kind.toLowerCase();
      const message =
        errors.find((line) => line.includes(quoted) && line.toLowerCase().includes(kind)) ??
        errors.find((line) => line.includes(quoted)) ??
        stderr.trim();
      verdicts.set(key, { accepted: false, message });
    }
  }
  return verdicts;
}

/**
 * One strict server-side dry run (`--validate=strict`, unknown or duplicate fields are errors) of
 * `objects` in `namespace`, as kubectl would send them: the exit code and what kubectl printed.
 */
export async function strictDryRun(
  kubeconfig: string,
  namespace: string,
  objects: readonly unknown[],
  fieldManager: string,
): Promise<{ code: number; stderr: string }> {
  const input = objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');
  const result = await kubectl(
    kubeconfig,
    [
      '-n',
      namespace,
      'apply',
      '--server-side',
      '--dry-run=server',
      '--validate=strict',
      `--field-manager=${fieldManager}`,
      '-f',
      '-',
    ],
    { input, check: false },
  );
  return { code: result.code, stderr: result.stderr };
}
