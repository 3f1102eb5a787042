// The hostile-input corpus (test/hostile/) against the real API server (issue #14, 5b): every file
// msvc refuses is refused by `kubectl apply --server-side --dry-run=server -f FILE` too (kubectl's
// own decoding, then the CRD's schema and CEL), except those msvc refuses on purpose where kubectl
// accepts (MSVC_ONLY, each with its reason, kubectl's side checked as well).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl } from './e2e/cluster.ts';
import { installCrd } from './e2e/kube.ts';
import { createTestNamespace } from './e2e/namespace.ts';
import { loadCorpus } from './support/hostile.ts';
import { e2eKubeconfigPath as kubeconfig } from './support/operator.ts';

const corpus = loadCorpus();
const files = corpus.files;

const YAML11 =
  'a plain scalar that YAML 1.1 (kubectl) and YAML 1.2 read differently: msvc refuses it and says what to write (docs/cli.md), so that no file means two things; kubectl takes the YAML 1.1 reading, which is valid here';

/**
 * Refused by msvc on purpose where kubectl and the API server accept: msvc is stricter, never more
 * lenient (msvc validate OK still means the API server accepts). The test checks kubectl's side.
 */
const MSVC_ONLY: Record<string, string> = {
  '007-quantity-cpu-underscore.yaml': YAML11,
  '026-yaml11-replicas-octal.yaml': YAML11,
  '027-yaml11-replicas-upper-0o-octal.yaml': YAML11,
  '028-yaml11-replicas-underscore.yaml': YAML11,
  '030-yaml11-replicas-upper-hex.yaml': YAML11,
  '031-yaml11-replicas-binary.yaml': YAML11,
  '032-yaml11-replicas-plus-0o-octal.yaml': YAML11,
  '034-yaml11-holdapp-on.yaml': YAML11,
  '035-yaml11-holdapp-off.yaml': YAML11,
  '036-yaml11-holdapp-yes.yaml': YAML11,
  '037-yaml11-holdapp-no.yaml': YAML11,
  '038-yaml11-holdapp-y.yaml': YAML11,
  '039-yaml11-holdapp-n.yaml': YAML11,
  '040-yaml11-holdapp-Yes.yaml': YAML11,
  '041-yaml11-holdapp-OFF.yaml': YAML11,
  '044-yaml11-env-value-date.yaml': YAML11,
  '062-yaml-document-end-garbage.yaml':
    "text after a '...' document end: kubectl's decoder reads the first document of a chunk and drops the rest silently, msvc reports it",
  '190-foreign-kind-named.yaml':
    'a ConfigMap named on the command line: msvc validate and render take MicroServices only, kubectl applies anything',
  '192-status-bad.yaml':
    'a status the schema refuses: the API server drops status on writes to the resource (status subresource), msvc reports it',
  '195-duplicate-name-two-docs.yaml':
    'two MicroServices of one name in one stream: msvc refuses them (their rendered objects would overwrite each other), kubectl applies the second over the first',
};

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
const verdicts = new Map<string, { code: number | null; stderr: string }>();
beforeAll(async () => {
  await installCrd(kubeconfig());
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'hostile'));
  // One kubectl per file (its errors do not say which file they came from), four at a time.
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const { code, stderr } = await kubectl(
          kubeconfig(),
          [
            '-n',
            namespace,
            'apply',
            '--server-side',
            '--dry-run=server',
            '--field-manager=hostile-e2e',
            '-f',
            corpus.pathOf(file),
          ],
          { check: false },
        );
        verdicts.set(file, { code, stderr });
      }
    }),
  );
}, 900_000);
afterAll(async () => {
  await cleanup?.();
  rmSync(corpus.root, { recursive: true, force: true });
});

describe('the API server refuses what msvc refuses', () => {
  it.each(files.filter((f) => MSVC_ONLY[f] === undefined))('%s', (file) => {
    const verdict = verdicts.get(file);
    expect(verdict?.code, `kubectl accepted ${file}`).not.toBe(0);
    expect(verdict?.stderr.trim()).not.toBe('');
  });

  it.each(Object.entries(MSVC_ONLY))('%s is refused by msvc only: %s', (file) => {
    expect(files).toContain(file);
    expect(verdicts.get(file)?.code, verdicts.get(file)?.stderr).toBe(0);
  });
});
