// The hostile-input corpus (test/hostile/): the committed files, plus the inputs generated here
// because they are too large to keep in the repository. Both corpus tests read it through this.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export const CORPUS = join(ROOT, 'test', 'hostile');

/** A 2.4 MB MicroService with 60,000 env entries: big input must give a field error, not a crash. */
function hugeFile(): string {
  const head = [
    'apiVersion: msvc.dev/v1alpha1',
    'kind: MicroService',
    'metadata:',
    '  name: order',
    'spec:',
    '  image: registry.example.com/shop/order:1.0.0',
    '  ports:',
    '    - name: http',
    '      port: 8080',
    '  env:',
  ];
  const env = Array.from({ length: 60_000 }, (_, i) => `    - name: V${i}\n      value: '${i}'`);
  return `${[...head, ...env].join('\n')}\n`;
}

/** Generated inputs by file name (their expected field is in test/hostile/expected.json too). */
export const GENERATED: Readonly<Record<string, () => string>> = { '202-huge-file.yaml': hugeFile };

export interface Corpus {
  /** Every input's file name, sorted. */
  readonly files: readonly string[];
  /** The directory to run msvc in so that `test/hostile/FILE` names the input. */
  cwdOf(file: string): string;
  /** The input's absolute path. */
  pathOf(file: string): string;
}

/** The corpus, with the generated inputs written under a fresh temp dir (`root`, removed by the caller). */
export function loadCorpus(): Corpus & { readonly root: string } {
  const root = mkdtempSync(join(tmpdir(), 'msvc-hostile-generated-'));
  mkdirSync(join(root, 'test', 'hostile'), { recursive: true });
  for (const [file, make] of Object.entries(GENERATED)) writeFileSync(join(root, 'test', 'hostile', file), make());
  const committed = readdirSync(CORPUS).filter((f) => f !== 'expected.json' && f !== 'README.md');
  const cwdOf = (file: string) => (file in GENERATED ? root : ROOT);
  return {
    root,
    files: [...committed, ...Object.keys(GENERATED)].sort(),
    cwdOf,
    pathOf: (file) => join(cwdOf(file), 'test', 'hostile', file),
  };
}
