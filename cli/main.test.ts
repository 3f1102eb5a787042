// What a run of `msvc` loads: only the command it runs, and the `yaml` library only when a
// command needs it; compiled code is cached between runs (cli/main.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, NODE, ROOT } from '../test/support/cli.ts';

/** Preloaded into the child: prints every module URL it loaded, as one JSON line on stderr, at exit. */
const RECORD_LOADS = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(urls) + '\\n'));
`)}`;

const scratch = mkdtempSync(join(tmpdir(), 'msvc-main-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(NODE, ['--import', RECORD_LOADS, BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_COMPILE_CACHE: '', ...env },
  });
  const line = result.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  const loaded = JSON.parse(line?.slice('LOADED '.length) ?? '[]') as string[];
  return { status: result.status, stdout: result.stdout, loaded: loaded.map((u) => u.replace(/^file:\/\//, '')) };
}

const ours = (loaded: string[], path: string) => loaded.some((u) => u.startsWith(join(ROOT, path)));
const dependency = (loaded: string[], name: string) => loaded.some((u) => u.includes(`/node_modules/${name}/`));

describe('msvc loads only what the command needs', () => {
  it('render loads its own command, not the others, and no yaml library for plain specs', () => {
    const { status, stdout, loaded } = run(['render', '-f', 'examples/catalog.yaml', '-f', 'examples/billing.yaml']);
    expect(status).toBe(0);
    expect(stdout).toContain('kind: Deployment');
    expect(ours(loaded, 'cli/commands/render.ts')).toBe(true);
    expect(dependency(loaded, 'yaml')).toBe(false);
    for (const other of ['explain', 'validate', 'crd', 'reference']) {
      expect(ours(loaded, `cli/commands/${other}.ts`), other).toBe(false);
    }
  });

  it('validate reads plain YAML without the yaml library', () => {
    const { status, loaded } = run(['validate', '-f', 'examples/catalog.yaml']);
    expect(status).toBe(0);
    expect(ours(loaded, 'cli/commands/validate.ts')).toBe(true);
    expect(dependency(loaded, 'zod')).toBe(true);
    expect(dependency(loaded, 'yaml')).toBe(false);
  });

  it('--version loads no command, no zod and no yaml', () => {
    const { status, stdout, loaded } = run(['--version']);
    expect(status).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(loaded.some((u) => u.includes('/cli/commands/'))).toBe(false);
    expect(dependency(loaded, 'zod')).toBe(false);
    expect(dependency(loaded, 'yaml')).toBe(false);
  });

  it('caches compiled code in the OS temp directory', () => {
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    const { status } = run(['--version'], { TMPDIR: tmp });
    expect(status).toBe(0);
    expect(existsSync(join(tmp, 'node-compile-cache'))).toBe(true);
  });
});
