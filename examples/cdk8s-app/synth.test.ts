// Runs the example app through the real `cdk8s synth` CLI (cdk8s-cli) and checks it against the
// other doors into the renderer: for gateway, user, order and payments, the synthesized objects equal
// render() of examples/<name>.yaml, the YAML bytes equal what `msvc render` prints, and the
// custom resources of the operator mode render to the very same objects.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildCrd, type MicroService, parseMicroService } from '../../api/index.ts';
import { render } from '../../render/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const APP = new URL('./', import.meta.url).pathname;
const SERVICES = ['gateway', 'user', 'order', 'payments'] as const;
// The pinned Node 24 first: cdk8s.yaml runs `node main.ts`.
const env = { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}` };

/** JSON text keeps key order, so equal strings mean equal values in the same order. */
const ordered = (value: unknown) => JSON.stringify(value, null, 1);

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

function example(name: string): MicroService {
  const parsed = parseMicroService(parse(readFileSync(join(ROOT, 'examples', `${name}.yaml`), 'utf8')));
  if (!parsed.ok) throw new Error(`examples/${name}.yaml: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

let outdir: string;
const files: Record<string, string> = {};

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk8s-app-'));
  // --no-check-upgrade: the CLI would otherwise ask the npm registry for a newer version.
  run(join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade', '--output', outdir], APP);
  for (const file of readdirSync(outdir)) {
    // Charts with dependencies get an index prefix (0000-services.k8s.yaml): key them by chart name.
    files[file.replace(/^\d{4}-/, '').replace(/\.k8s\.yaml$/, '')] = readFileSync(join(outdir, file), 'utf8');
  }
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const documents = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);

describe('cdk8s synth of examples/cdk8s-app (real CLI)', () => {
  it('writes one file per chart', () => {
    expect(Object.keys(files).sort()).toEqual(['msvc-crd', 'msvc-resources', 'services']);
  });

  it('synthesizes, for each example, exactly the objects render() makes of examples/<name>.yaml', () => {
    const want = SERVICES.flatMap((name) => render(example(name)).objects);
    expect(ordered(documents(files['services']!))).toBe(ordered(want));
  });

  it('prints the same YAML bytes as `msvc render`, document by document', () => {
    // cdk8s joins documents with `---`; msvc render starts each with `---` and a `# Source:` comment.
    const cdk8sDocs = files['services']!.split(/^---\n/m);
    const cli = SERVICES.map((name) =>
      run('node', ['cli/main.ts', 'render', '-f', `examples/${name}.yaml`], ROOT),
    ).join('');
    const cliDocs = cli
      .split(/^---\n/m)
      .filter((d) => d !== '')
      .map((d) => d.replace(/^# .*\n/, ''));
    expect(cdk8sDocs).toEqual(cliDocs);
  });

  it('emits custom resources that the operator renders into the same objects', () => {
    const crs = documents(files['msvc-resources']!);
    expect(crs.map((cr) => (cr['metadata'] as { name: string }).name)).toEqual([...SERVICES]);
    const rendered = crs.flatMap((cr) => {
      const parsed = parseMicroService(cr);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      return render(parsed.value).objects;
    });
    expect(ordered(rendered)).toBe(ordered(documents(files['services']!)));
  });

  it('emits the CRD buildCrd() makes', () => {
    expect(ordered(documents(files['msvc-crd']!))).toBe(ordered([buildCrd()]));
  });
});
