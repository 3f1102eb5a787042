/**
 * The packages as a user gets them, for the smoke test (test/package/): `npm pack` of every
 * workspace in packages/ (their prepack builds dist/) into a temporary directory OUTSIDE the
 * repository, then fresh throwaway projects there that `npm install` the tarballs: no workspace
 * links, no access to the source tree, dependencies from the npm registry as a user resolves them.
 *
 *   packAll()                    the tarballs, packed once per process (cached)
 *   freshProject(name, specs)    a new project with `npm install <specs…>` done; its directory
 *   installedPackages(dir)       every package name in the installed tree (npm ls --all)
 *   npm(args, cwd)               npm with the repository's Node 24 first on PATH
 *
 * MSVC_PACKED_DIR reuses tarballs packed earlier (e.g. by `make release-check`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../tools/bin.ts';

export interface Packed {
  /** The temporary directory holding the tarballs and the projects. */
  readonly dir: string;
  /** Tarball path by package name. */
  readonly tarballs: Readonly<Record<string, string>>;
}

/** npm with the repository's Node 24 first on PATH (prepack runs `node ../build.ts`). */
export function npm(args: readonly string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
}

let packed: Packed | undefined;

export function packAll(): Packed {
  if (packed) return packed;
  // realpath: on some systems the temp directory is a symlink; the checks compare real paths.
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'msvc-packages-')));
  const tarballDir = process.env.MSVC_PACKED_DIR ?? join(dir, 'tarballs');
  if (!process.env.MSVC_PACKED_DIR) {
    mkdirSync(tarballDir);
    npm(['pack', '--workspaces', '--pack-destination', tarballDir, '--json'], repoRoot);
  }
  const tarballs: Record<string, string> = {};
  for (const file of readdirSync(tarballDir).filter((f) => f.endsWith('.tgz'))) {
    const listed = execFileSync('tar', ['-xzOf', join(tarballDir, file), 'package/package.json'], { encoding: 'utf8' });
    tarballs[(JSON.parse(listed) as { name: string }).name] = join(tarballDir, file);
  }
  packed = { dir, tarballs };
  return packed;
}

/** A new project under the packed directory with `npm install` of the given specs (tarball paths or names). */
export function freshProject(name: string, specs: readonly string[]): string {
  const { dir } = packAll();
  const project = join(dir, name);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
  npm(['install', '--prefer-offline', ...specs], project);
  return project;
}

/** Every package name installed in the project, at any depth. */
export function installedPackages(project: string): Set<string> {
  // `npm ls` exits non-zero on problems (e.g. an unmet optional peer): the JSON is still complete.
  let out: string;
  try {
    out = npm(['ls', '--all', '--json'], project);
  } catch (error) {
    out = (error as { stdout?: string }).stdout ?? '{}';
  }
  interface Node {
    dependencies?: Record<string, Node>;
  }
  const names = new Set<string>();
  const walk = (node: Node) => {
    for (const [depName, dep] of Object.entries(node.dependencies ?? {})) {
      names.add(depName);
      walk(dep);
    }
  };
  walk(JSON.parse(out) as Node);
  return names;
}

/** The files of a tarball, without the leading `package/`. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}
