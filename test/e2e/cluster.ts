/**
 * Start, stop and poke a real local control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok) from TypeScript. A thin layer over tools/cluster.sh (kwokctl, binary runtime).
 *
 *   startCluster({ name?, auditPolicy?, nodes?, fresh?, kwokctlArgs? }): Promise<Cluster>
 *       name        default 'msvc-dev'
 *       auditPolicy true → tools/audit-policy.yaml (writes only), or a path to another policy
 *       nodes       number of kwok nodes (default 3)
 *       fresh       delete an existing cluster of that name first (default false: reuse it)
 *       kwokctlArgs more kwokctl flags, e.g. an API server feature gate (MSVC_KWOKCTL_ARGS)
 *   stopCluster(name): Promise<void>          deletes it; no process or port left behind
 *   clusterInfo(name): Cluster                describe a running cluster (ports read from kwokctl's config)
 *   restartApiServer(name, { downSeconds? }): Promise<void>  kills kube-apiserver, kwokctl starts it again
 *                                             (after downSeconds), waits for /readyz
 *                                             (same ports, same etcd: watches break, state survives)
 *   etcdBackup(name, dir), etcdRestore(name, dir): Promise<void>
 *                                             kube-apiserver and etcd stopped, etcd's data dir copied
 *                                             to dir / put back from it, both started again: the
 *                                             restore takes every resourceVersion back to the backup's
 *   etcdctl(name, args): Promise<string>      the built etcdctl against the cluster's etcd, e.g.
 *                                             etcdctl(name, ['endpoint', 'status', '-w', 'json']) or
 *                                             etcdctl(name, ['compact', String(rev)]) to force 410 Gone
 *   kubectl(kubeconfig, args, { input?, check? }): Promise<{ stdout, stderr, code }>
 *   clusterProcesses(name): number[]          live pids whose command line references the cluster's dir
 *
 * Cluster = { name, kubeconfigPath, workdir, apiServerUrl, apiServerPort, etcdEndpoint, etcdPort,
 *             auditLogPath? }. Kubeconfigs go to <repo>/.kube/<name>.kubeconfig.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { binPath, repoRoot, toolsDir } from '../../tools/bin.ts';

export interface Cluster {
  name: string;
  kubeconfigPath: string;
  /** kwokctl's directory for this cluster: pki/, logs/ (one per component), pids/, kwok.yaml */
  workdir: string;
  apiServerUrl: string;
  apiServerPort: number;
  etcdEndpoint: string;
  etcdPort: number;
  /** JSON-lines audit log, when started with auditPolicy */
  auditLogPath?: string;
}

export interface StartOptions {
  name?: string;
  auditPolicy?: boolean | string;
  nodes?: number;
  fresh?: boolean;
  /** More `kwokctl create cluster` flags (MSVC_KWOKCTL_ARGS), e.g. `--extra-args kube-apiserver=feature-gates=X=true`. */
  kwokctlArgs?: string;
}

export const DEFAULT_CLUSTER = 'msvc-dev';
export const auditPolicyPath: string = join(toolsDir, 'audit-policy.yaml');

const clusterScript = join(toolsDir, 'cluster.sh');

function cacheDir(): string {
  const env = process.env;
  if (env.MSVC_CACHE_DIR) return env.MSVC_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'msvc');
}

/** Mirrors tools/cluster.sh: KWOK_WORKDIR=$cache/kwok, clusters under clusters/<name>. */
export function clusterWorkdir(name: string): string {
  return join(cacheDir(), 'kwok', 'clusters', name);
}

export function kubeconfigPathFor(name: string): string {
  return join(repoRoot, '.kube', `${name}.kubeconfig`);
}

/** Runs tools/cluster.sh; its progress (and component logs on failure) go to our stderr. */
function runClusterScript(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [clusterScript, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`tools/cluster.sh ${args.join(' ')} exited with ${code} (component logs above)`));
    });
  });
}

export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  const name = options.name ?? DEFAULT_CLUSTER;
  const env: Record<string, string> = { MSVC_CLUSTER: name };
  if (options.auditPolicy) {
    env.MSVC_AUDIT_POLICY = options.auditPolicy === true ? auditPolicyPath : options.auditPolicy;
  }
  if (options.nodes !== undefined) env.MSVC_NODES = String(options.nodes);
  if (options.fresh) env.MSVC_FRESH = '1';
  if (options.kwokctlArgs) env.MSVC_KWOKCTL_ARGS = options.kwokctlArgs;
  await runClusterScript(['up', name], env);
  return clusterInfo(name);
}

export async function stopCluster(name: string): Promise<void> {
  await runClusterScript(['down', name]);
}

/** `downSeconds`: how long kube-apiserver stays stopped before it is started again (default 0). */
export async function restartApiServer(name: string, options: { downSeconds?: number } = {}): Promise<void> {
  const env: Record<string, string> = {};
  if (options.downSeconds !== undefined) env.MSVC_APISERVER_DOWN_SECONDS = String(options.downSeconds);
  await runClusterScript(['restart-apiserver', name], env);
}

/** Copies etcd's data dir to `dir` (kube-apiserver and etcd stopped meanwhile). */
export async function etcdBackup(name: string, dir: string): Promise<void> {
  await runClusterScript(['etcd-backup', name, dir]);
}

/** Puts the copy in `dir` back as etcd's data (an etcd restore: revisions go back to the backup's). */
export async function etcdRestore(name: string, dir: string): Promise<void> {
  await runClusterScript(['etcd-restore', name, dir]);
}

/** Describes a running cluster from kwokctl's saved configuration (<workdir>/kwok.yaml). */
export function clusterInfo(name: string): Cluster {
  const workdir = clusterWorkdir(name);
  const configPath = join(workdir, 'kwok.yaml');
  if (!existsSync(configPath)) throw new Error(`cluster ${name} does not exist (no ${configPath})`);
  const docs = parseAllDocuments(readFileSync(configPath, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  const conf = docs.find((d) => d?.kind === 'KwokctlConfiguration') as
    | { options?: { kubeApiserverPort?: number; etcdPort?: number; kubeAuditPolicy?: string } }
    | undefined;
  const apiServerPort = conf?.options?.kubeApiserverPort;
  const etcdPort = conf?.options?.etcdPort;
  if (!apiServerPort || !etcdPort) throw new Error(`no kube-apiserver/etcd port in ${configPath}`);
  const cluster: Cluster = {
    name,
    kubeconfigPath: kubeconfigPathFor(name),
    workdir,
    apiServerUrl: `https://127.0.0.1:${apiServerPort}`,
    apiServerPort,
    etcdEndpoint: `http://127.0.0.1:${etcdPort}`,
    etcdPort,
  };
  if (conf?.options?.kubeAuditPolicy) cluster.auditLogPath = join(workdir, 'logs', 'audit.log');
  return cluster;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

function run(file: string, args: string[], input?: string): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolvePromise({ stdout, stderr, code: typeof error?.code === 'number' ? error.code : 0 });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/**
 * Runs the built kubectl against a kubeconfig. With check (the default) a non-zero exit throws
 * with kubectl's stderr; with check: false the caller inspects code/stderr (e.g. expected denials).
 */
export async function kubectl(
  kubeconfig: string,
  args: string[],
  options: { input?: string; check?: boolean } = {},
): Promise<ExecResult> {
  const result = await run(binPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], options.input);
  if ((options.check ?? true) && result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  }
  return result;
}

/** The built etcdctl against the cluster's etcd (plain HTTP on loopback, as kwokctl runs it). */
export async function etcdctl(name: string, args: string[]): Promise<string> {
  const { etcdEndpoint } = clusterInfo(name);
  const result = await run(binPath('etcdctl'), [`--endpoints=${etcdEndpoint}`, ...args]);
  if (result.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Live processes whose command line mentions the cluster's work dir (every component's does). */
export function clusterProcesses(name: string): number[] {
  const needle = `${clusterWorkdir(name)}/`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}
