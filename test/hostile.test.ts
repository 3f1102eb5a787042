// The hostile-input corpus (test/hostile/, issue #14): every file is one bad input a user or an
// attacker could hand `msvc`. Each runs through the command's own bin (bin/msvc.js, what the
// package installs as `msvc`) and must give exit code 1, nothing on stdout, and exactly one line on stderr
// of the form `file:document: field.path: message` (or `file: message` where no document applies),
// naming the field test/hostile/expected.json lists, and never a stack trace.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { msvc, type RunResult } from './support/cli.ts';
import { CORPUS, loadCorpus } from './support/hostile.ts';

const expected = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, string>;
const corpus = loadCorpus();
const files = corpus.files;
afterAll(() => rmSync(corpus.root, { recursive: true, force: true }));

/** Looks like a JavaScript stack frame or an uncaught error. */
const STACK = /^\s+at |\n\s+at |node:internal|Uncaught|TypeError|RangeError|ReferenceError/;

const quoteRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('the hostile-input corpus through the installed msvc', () => {
  it('has at least 150 inputs, each with its expected field', () => {
    expect(files.length).toBeGreaterThanOrEqual(150);
    expect(Object.keys(expected).sort()).toStrictEqual(files);
  });

  // Two at a time: a CLI start is most of each case, and the machine is shared.
  const results = new Map<string, Promise<RunResult>>();
  const queue = [...files];
  const slots = Array.from({ length: 2 }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const name = `test/hostile/${file}`;
      const result = msvc(['validate', '-f', name], { cwd: corpus.cwdOf(file) });
      results.set(file, result);
      await result;
    }
  });
  const started = Promise.all(slots);
  // No child outlives the file.
  afterAll(async () => {
    await started;
  });
  const resultOf = async (file: string): Promise<RunResult> => {
    while (!results.has(file)) await new Promise((r) => setTimeout(r, 20));
    return results.get(file) as Promise<RunResult>;
  };

  it.each(files)(
    '%s: exit 1, every line `file:document: field.path: message`, no stack trace',
    async (file) => {
      const { code, stdout, stderr } = await resultOf(file);
      const where = quoteRe(`test/hostile/${file}`);
      expect(stderr, stderr).not.toMatch(STACK);
      expect(code, stderr).toBe(1);
      // Other documents of the same file that are fine say so on stdout.
      for (const line of lines(stdout)) expect(line).toMatch(new RegExp(`^${where}:\\d+( items\\[\\d+\\])?: OK \\(`));
      const errors = lines(stderr);
      expect(errors.length, stderr).toBeGreaterThan(0);
      // A problem of the file or of a document as a whole is `file: message` or `file:N: message`.
      for (const line of errors) expect(line).toMatch(new RegExp(`^${where}(:\\d+( items\\[\\d+\\])?)?: \\S`));
      const field = expected[file] as string;
      if (field !== '-') {
        const named = new RegExp(`^${where}:\\d+( items\\[\\d+\\])?: ${quoteRe(field)}: \\S`);
        expect(
          errors.some((line) => named.test(line)),
          `${field} in\n${stderr}`,
        ).toBe(true);
      }
    },
    120_000,
  );
});

// msvc follows symbolic links in a directory it walks (docs/cli.md): a linked file is read under
// the link's name, a linked folder once (a cycle ends), and a link to nothing is an error.
describe('a directory with symbolic links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msvc-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (name: string, image = 'registry.example.com/x:1') =>
    `apiVersion: msvc.dev/v1alpha1\nkind: MicroService\nmetadata:\n  name: ${name}\nspec:\n  image: ${image}\n`;

  it('follows links to files and folders, reads a cycle once, and names a link to nothing: exit 1', async () => {
    const outside = join(dir, 'outside');
    const walked = join(dir, 'walked');
    mkdirSync(outside);
    mkdirSync(walked);
    writeFileSync(join(walked, 'ok.yaml'), manifest('ok'));
    writeFileSync(join(outside, 'bad.yaml'), `${manifest('bad')}  replicas: -1\n`);
    writeFileSync(join(outside, 'other.yaml'), manifest('other'));
    symlinkSync(join(outside, 'bad.yaml'), join(walked, 'linked-bad.yaml'));
    symlinkSync(outside, join(walked, 'linked-folder'));
    symlinkSync(walked, join(walked, 'loop'));
    symlinkSync(join(dir, 'missing.yaml'), join(walked, 'dangling.yaml'));
    const { code, stdout, stderr } = await msvc(['validate', '-f', walked]);
    expect(stderr).not.toMatch(STACK);
    expect(code, stderr).toBe(1);
    expect(lines(stdout).sort()).toStrictEqual([
      `${walked}/linked-folder/other.yaml:1: OK (MicroService other)`,
      `${walked}/ok.yaml:1: OK (MicroService ok)`,
    ]);
    const errors = lines(stderr);
    expect(errors).toHaveLength(3);
    expect(errors).toContainEqual(
      expect.stringMatching(new RegExp(`^${quoteRe(walked)}/dangling.yaml: symbolic link to nothing`)),
    );
    for (const bad of ['linked-bad.yaml', 'linked-folder/bad.yaml']) {
      expect(errors).toContainEqual(
        expect.stringMatching(new RegExp(`^${quoteRe(`${walked}/${bad}`)}:1: spec.replicas: \\S`)),
      );
    }
  }, 60_000);
});
