/**
 * The control-plane binaries that tools/build.sh builds from the Go modules pinned under tools/.
 *
 *   binDir(): string               the directory holding every binary (built by `make tools`;
 *                                  MSVC_BIN_DIR overrides); throws with a hint if not built yet
 *   binPath(name: ToolBinary): string   absolute path of one binary, e.g. binPath('kubectl')
 *   ensureTools(): string          runs tools/build.sh (idempotent; seconds when warm), returns binDir()
 *   repoRoot, toolsDir             absolute paths
 *
 * Binaries: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, etcdctl, kwok,
 * kwokctl, helm. They live in ${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/msvc}/bin/<hash>/,
 * where <hash> covers every tool's go.mod/go.sum, so a changed pin resolves to a new directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const toolsDir: string = dirname(fileURLToPath(import.meta.url));
export const repoRoot: string = resolve(toolsDir, '..');

export const TOOL_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'etcd',
  'etcdctl',
  'kwok',
  'kwokctl',
  'helm',
] as const;
export type ToolBinary = (typeof TOOL_BINARIES)[number];

let cached: string | undefined;

/** The bin directory of the current pins. Throws (with what to run) if it has not been built. */
export function binDir(): string {
  if (cached !== undefined) return cached;
  const override = process.env.MSVC_BIN_DIR;
  if (override) {
    cached = resolve(override);
    return cached;
  }
  let dir: string;
  try {
    dir = execFileSync('bash', [join(toolsDir, 'build.sh'), '--bin-dir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('The control-plane binaries are not built yet: run `make tools` (needs Go >= 1.26).');
  }
  cached = dir;
  return dir;
}

/** Absolute path of one built binary, e.g. binPath('kubectl'). */
export function binPath(name: ToolBinary): string {
  const path = join(binDir(), name);
  if (!existsSync(path)) throw new Error(`${path} does not exist: run \`make tools\``);
  return path;
}

/** Builds whatever is missing (prints one line per tool to stderr) and returns binDir(). */
export function ensureTools(): string {
  execFileSync('bash', [join(toolsDir, 'build.sh')], { stdio: ['ignore', process.stderr, 'inherit'] });
  cached = undefined;
  return binDir();
}
