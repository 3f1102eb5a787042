// Test helper (not part of the command): runs the real `msvc` (bin/msvc.js) in a child process on Node 24, as a user would.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'msvc.js');

function supportsTypeStripping(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

/** The Node that runs the CLI: this process's when it can, else the pinned one in node_modules. */
export const NODE = supportsTypeStripping(process.versions.node)
  ? process.execPath
  : join(ROOT, 'node_modules', '.bin', 'node');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string;
  readonly cwd?: string;
  /** Added to (or, as undefined, removed from) the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function runWith(node: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const env = options.env === undefined ? process.env : { ...process.env, ...options.env };
    const child = spawn(node, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** `msvc …args` from the repository root. */
export function msvc(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runWith(NODE, args, options);
}
