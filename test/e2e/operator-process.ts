/**
 * Runs the real operator (`operator/microservice/main.ts`) as a child process against a test cluster, the way it
 * runs in a pod: flags, JSON logs on stdout, SIGTERM to stop. Suites use it to restart the
 * operator, kill a leader, or read its /metrics.
 *
 *   startOperator({ kubeconfig?, env?, namespaces?, leaderElect?, extraArgs?, entry?, nodeArgs? }): Promise<OperatorProcess>
 *   OperatorProcess: { pid, metricsUrl, logs(): string, stop(signal?): Promise<number|null>, exited }
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../../tools/bin.ts';

export interface OperatorProcess {
  readonly pid: number;
  readonly healthUrl: string;
  logs(): string;
  /** Sends the signal and waits for exit; resolves the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface StartOperatorOptions {
  /** Passed as --kubeconfig; omit to let the operator find one itself (e.g. from `env.KUBECONFIG`). */
  readonly kubeconfig?: string;
  /** Extra environment of the process. */
  readonly env?: Readonly<Record<string, string>>;
  readonly namespaces?: readonly string[];
  readonly leaderElect?: { namespace: string; name: string; leaseDurationSeconds?: number };
  readonly resyncSeconds?: number;
  readonly extraArgs?: readonly string[];
  /** The entry point (default operator/microservice/main.ts; e.g. a compiled main.js, as the image runs it). */
  readonly entry?: string;
  /** Node flags before the entry point (e.g. the chart's nodeFlags; --lite-mode needs compiled JS). */
  readonly nodeArgs?: readonly string[];
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Node 24 from the `node` devDependency (this process may itself be it). */
function nodeBinary(): string {
  return Number(process.versions.node.split('.')[0]) >= 24
    ? process.execPath
    : join(repoRoot, 'node_modules/.bin/node');
}

export async function startOperator(options: StartOperatorOptions): Promise<OperatorProcess> {
  const port = await freePort();
  const args = [
    ...(options.nodeArgs ?? []),
    options.entry ?? join(repoRoot, 'operator/microservice/main.ts'),
    ...(options.kubeconfig === undefined ? [] : ['--kubeconfig', options.kubeconfig]),
    '--health-address',
    `127.0.0.1:${port}`,
    '--resync',
    String(options.resyncSeconds ?? 600),
    '--log-level',
    'debug',
  ];
  if (options.namespaces?.length) args.push('--namespaces', options.namespaces.join(','));
  if (options.leaderElect) {
    const le = options.leaderElect;
    const duration = le.leaseDurationSeconds ?? 4;
    args.push('--leader-elect', '--lease-namespace', le.namespace, '--lease-name', le.name);
    args.push(
      '--lease-duration',
      String(duration),
      '--renew-deadline',
      String(Math.max(1, duration - 1)),
      '--retry-period',
      '1',
    );
  }
  args.push(...(options.extraArgs ?? []));
  const child: ChildProcess = spawn(nodeBinary(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const healthUrl = `http://127.0.0.1:${port}`;
  // Ready once /healthz answers (the health server starts first thing in run()).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${healthUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      // Not returned, so no caller can stop it: a slow start must not outlive the test.
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`operator did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid ?? -1,
    healthUrl,
    logs: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
