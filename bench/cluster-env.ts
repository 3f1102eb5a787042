/**
 * What the cluster benchmarks share: the control plane (tools/cluster.sh, our own cluster name,
 * enough kwok nodes for one pod per service), the operator process run the way it runs in a pod but
 * under its own ServiceAccount (so the audit log attributes its writes) and with a probe preloaded
 * that reports memory after a forced GC, a watch that timestamps what each benchmark waits for, and
 * the API server's request counters.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { KubeRest } from '../operator/runtime/rest.ts';
import { type Cluster, clusterInfo, kubectl, startCluster, stopCluster } from '../test/e2e/cluster.ts';
import { installCrd } from '../test/e2e/kube.ts';
import { freePort } from '../test/e2e/operator-process.ts';
import { benchDir, ensureBuild, log, operatorEntry, repoRoot } from './harness.ts';
import { namespaces } from './specs.ts';

export const BENCH_CLUSTER = process.env.MSVC_BENCH_CLUSTER || 'msvc-bench';
export const SYSTEM_NS = 'msvc-bench-system';
export const OPERATOR_SA = 'msvc-bench-operator';
export const OPERATOR_USER = `system:serviceaccount:${SYSTEM_NS}:${OPERATOR_SA}`;
export const LEASE_NAME = 'msvc-operator-bench';

/**
 * The image's ENTRYPOINT Node flags (between the node binary and the entry point) and the ENV of its
 * runtime stage, from the Dockerfile: the cluster benchmarks run the operator with exactly these.
 */
export function imageRuntime(): { nodeFlags: string[]; env: Record<string, string> } {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.split(/^FROM /m).at(-1) ?? '';
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1];
  if (entrypoint === undefined) throw new Error('Dockerfile: no ENTRYPOINT ["…"] in the runtime stage');
  const [, ...rest] = JSON.parse(entrypoint) as string[];
  rest.pop(); // the entry point
  const env: Record<string, string> = {};
  for (const [, pairs] of runtime.matchAll(/^ENV (.+)$/gm)) {
    for (const [, name, value] of (pairs ?? '').matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
      env[name!] = value!.replace(/^"(.*)"$/, '$1');
    }
  }
  return { nodeFlags: rest, env };
}

/**
 * The Node flags the Helm chart adds to the image's ENTRYPOINT by default (values.yaml nodeFlags,
 * e.g. --lite-mode): the cluster benchmarks run the operator as the chart installs it.
 */
export function chartNodeFlags(): string[] {
  const values = parse(readFileSync(join(repoRoot, 'charts/microservice-operator/values.yaml'), 'utf8')) as {
    nodeFlags?: string[];
  };
  return values.nodeFlags ?? [];
}

export interface BenchCluster {
  readonly cluster: Cluster;
  readonly kubeconfig: string;
  /** Same cluster, authenticated as the operator's ServiceAccount (cluster-admin). */
  readonly operatorKubeconfig: string;
  readonly rest: KubeRest;
}

/** Starts (or reuses, with reuse) the bench cluster with `nodes` kwok nodes and the audit log on. */
export async function setUpCluster(options: {
  nodes: number;
  reuse: boolean;
  /**
   * More `kwokctl create cluster` flags after the bench's own (e.g. kube-controller-manager's client
   * QPS for 10,000 Deployments: `--extra-args kube-controller-manager=kube-api-qps=200`).
   */
  kwokctlArgs?: readonly string[];
}): Promise<BenchCluster> {
  let cluster: Cluster;
  if (options.reuse && existsSync(join(repoRoot, '.kube', `${BENCH_CLUSTER}.kubeconfig`))) {
    cluster = clusterInfo(BENCH_CLUSTER);
    log(`cluster: reusing ${BENCH_CLUSTER}`);
  } else {
    log(`cluster: starting ${BENCH_CLUSTER} with ${options.nodes} kwok nodes`);
    // kwokctl's default service CIDR is a /24: 254 Services, fewer than the 1,000 we create.
    process.env.MSVC_KWOKCTL_ARGS ??= '--extra-args kube-apiserver=service-cluster-ip-range=10.0.0.0/16';
    const kwokctlArgs = [process.env.MSVC_KWOKCTL_ARGS, ...(options.kwokctlArgs ?? [])].join(' ');
    cluster = await startCluster({
      name: BENCH_CLUSTER,
      nodes: options.nodes,
      auditPolicy: true,
      fresh: true,
      kwokctlArgs,
    });
  }
  const kubeconfig = cluster.kubeconfigPath;
  await installCrd(kubeconfig);
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], {
    input: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NS } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: OPERATOR_SA, namespace: SYSTEM_NS } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: OPERATOR_SA },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: OPERATOR_SA, namespace: SYSTEM_NS }],
      },
    ]
      .map((o) => stringify(o))
      .join('---\n'),
  });
  const token = (
    await kubectl(kubeconfig, ['create', 'token', OPERATOR_SA, '-n', SYSTEM_NS, '--duration=24h'])
  ).stdout.trim();
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfig);
  const server = admin.getCurrentCluster();
  if (!server) throw new Error(`no cluster in ${kubeconfig}`);
  const operatorKubeconfig = join(repoRoot, '.kube', `${BENCH_CLUSTER}-operator.kubeconfig`);
  writeFileSync(
    operatorKubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'bench',
          cluster: {
            server: server.server,
            ...(server.caData ? { 'certificate-authority-data': server.caData } : {}),
            ...(server.caFile ? { 'certificate-authority': server.caFile } : {}),
            ...(server.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
          },
        },
      ],
      users: [{ name: 'operator', user: { token } }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'operator' } }],
      'current-context': 'bench',
    }),
    { mode: 0o600 },
  );
  return { cluster, kubeconfig, operatorKubeconfig, rest: new KubeRest(admin) };
}

export async function tearDownCluster(): Promise<void> {
  log(`cluster: deleting ${BENCH_CLUSTER}`);
  await stopCluster(BENCH_CLUSTER);
}

export async function createNamespaces(kubeconfig: string, prefix: string): Promise<void> {
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], {
    input: namespaces(prefix)
      .map((name) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
      .join('---\n'),
  });
}

/** Deletes the run's namespaces and waits until they (and everything in them) are gone. */
export async function deleteNamespaces(kubeconfig: string, prefix: string): Promise<void> {
  await kubectl(kubeconfig, ['delete', 'namespace', ...namespaces(prefix), '--wait=true', '--timeout=900s'], {
    check: false,
  });
}

// ---------------------------------------------------------------------------------------------
// The operator process

export interface OperatorHandle {
  readonly pid: number;
  readonly healthUrl: string;
  readonly logPath: string;
  /** Forces two full GCs in the operator and returns process.memoryUsage() and VmRSS/VmHWM. */
  memory(): Promise<{ rssMiB: number; hwmMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number }>;
  /**
   * Forces two full GCs and answers what the probe reads in the operator (process.memoryUsage(),
   * v8.getHeapStatistics(), v8.getHeapSpaceStatistics()); bench/memory.ts's breakdown() adds
   * /proc/<pid>/smaps to it.
   */
  probe(): Promise<ProbeReply>;
  /** Writes a heap snapshot of the operator (after GC) to `path`. */
  heapSnapshot(path: string): Promise<string>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Sends a signal (SIGKILL: a crash, nothing released) and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** A replica of a sharded operator (--sharding): its name in the ring and its Lease's. */
export interface ShardOptions {
  readonly ring: string;
  readonly identity: string;
  /** --lease-duration (renew deadline and retry period stay the defaults, 10 s and 2 s). */
  readonly leaseDurationSeconds?: number;
}

/** What bench/operator-probe.mjs answers to 'gc'. */
export interface ProbeReply {
  readonly memory: NodeJS.MemoryUsage;
  readonly heap: import('node:v8').HeapInfo;
  readonly spaces: import('node:v8').HeapSpaceInfo[];
}

/** A field of /proc/<pid>/status (VmRSS, VmHWM) in MiB. */
export function statusMiB(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

export async function startBenchOperator(
  env: BenchCluster,
  options: {
    resyncSeconds: number;
    concurrency?: number;
    nodeArgs?: readonly string[];
    tag: string;
    /** A compiled tree holding the operator (operatorEntry; default: this checkout, ensureBuild()). */
    build?: string;
    kubeconfig?: string;
    /** Environment variables over this process's and the image's (imageRuntime().env); undefined unsets one. */
    env?: Readonly<Record<string, string | undefined>>;
    /** The image's Node flags instead of the Dockerfile's (a variant that changes them). */
    imageNodeArgs?: readonly string[];
    /**
     * Hold the bench Lease (default true). Off for a run that freezes the operator (SIGSTOP) longer
     * than the renew deadline, which a leader rightly answers by exiting.
     */
    leaderElect?: boolean;
    /** Run as one replica of a ring (--sharding; excludes leader election). */
    shard?: ShardOptions;
  },
): Promise<OperatorHandle> {
  const shard = options.shard;
  const leaderElect = !shard && (options.leaderElect ?? true);
  const port = await freePort();
  const logPath = join(benchDir, 'results', `.operator-${options.tag}.log`);
  const out = openSync(logPath, 'w');
  const image = imageRuntime();
  const args = [
    // As the image runs it (Dockerfile ENTRYPOINT).
    ...(options.imageNodeArgs ?? image.nodeFlags),
    '--expose-gc',
    '--import',
    join(benchDir, 'operator-probe.mjs'),
    ...(options.nodeArgs ?? []),
    operatorEntry(options.build ?? ensureBuild()),
    '--kubeconfig',
    options.kubeconfig ?? env.operatorKubeconfig,
    '--health-address',
    `127.0.0.1:${port}`,
    '--resync',
    String(options.resyncSeconds),
    '--log-level',
    'info',
    ...(leaderElect ? ['--leader-elect', '--lease-namespace', SYSTEM_NS, '--lease-name', LEASE_NAME] : []),
    ...(shard
      ? [
          '--sharding',
          '--shard-ring',
          shard.ring,
          '--shard-identity',
          shard.identity,
          '--lease-namespace',
          SYSTEM_NS,
          ...(shard.leaseDurationSeconds ? ['--lease-duration', String(shard.leaseDurationSeconds)] : []),
        ]
      : []),
    ...(options.concurrency ? ['--concurrency', String(options.concurrency)] : []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', out, out, 'ipc'],
    env: Object.fromEntries(
      Object.entries({ ...process.env, ...image.env, ...options.env }).filter(([, value]) => value !== undefined),
    ),
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const healthUrl = `http://127.0.0.1:${port}`;
  const metricsText = async () => (await fetch(`${healthUrl}/metrics`)).text();
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    let sum = 0;
    for (const line of (await metricsText()).split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
  // Ready (caches synced; a shard: in the ring and its slice synced) and leading (when it elects).
  const deadline = Date.now() + (shard ? 300_000 : 120_000);
  for (;;) {
    try {
      const ready = await fetch(`${healthUrl}/readyz`);
      if (ready.ok && (!leaderElect || (await metric('leader_election_master_status')) >= 1)) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`operator did not become ready and leader (exit ${child.exitCode}); log: ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid ?? -1;
  const ask = <T>(message: unknown, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('operator memory probe timed out')), timeoutMs);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
      child.send(message as string);
    });
  const probe = () => ask<ProbeReply>('gc');
  return {
    pid,
    healthUrl,
    logPath,
    metric,
    probe,
    heapSnapshot: async (path) => (await ask<{ snapshot: string }>({ snapshot: path }, 300_000)).snapshot,
    memory: async () => {
      const u = (await probe()).memory;
      const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
      return {
        rssMiB: statusMiB(pid, 'VmRSS'),
        hwmMiB: statusMiB(pid, 'VmHWM'),
        heapUsedMiB: mib(u.heapUsed),
        heapTotalMiB: mib(u.heapTotal),
        externalMiB: mib(u.external),
      };
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Watching what a benchmark waits for

export interface WatchedObject {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly object: Record<string, unknown>;
  /** performance.now() when the event arrived. */
  readonly at: number;
}

/**
 * Watches every object of a resource in the cluster (all namespaces) from "now" and calls onEvent
 * for each event, with the arrival time. Returns a stop function.
 */
export async function watchAll(
  rest: KubeRest,
  apiVersion: string,
  kind: string,
  onEvent: (event: WatchedObject) => void,
): Promise<() => void> {
  const info = await rest.resource(apiVersion, kind);
  const path = rest.path({ ...info, namespaced: false });
  const list = await rest.request<{ metadata: { resourceVersion: string } }>({
    method: 'GET',
    path,
    query: { limit: 1 },
  });
  let resourceVersion = list.metadata.resourceVersion;
  const abort = new AbortController();
  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const line of rest.lines({
          path,
          query: { watch: 1, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
          signal: abort.signal,
        })) {
          const at = performance.now();
          const event = JSON.parse(line) as {
            type: string;
            object: { metadata: { namespace: string; name: string; resourceVersion: string } };
          };
          if (event.type === 'ERROR') throw new Error(`watch ${kind}: ${line}`);
          resourceVersion = event.object.metadata.resourceVersion;
          if (event.type === 'BOOKMARK') continue;
          onEvent({
            namespace: event.object.metadata.namespace,
            name: event.object.metadata.name,
            type: event.type,
            object: event.object as unknown as Record<string, unknown>,
            at,
          });
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        log(`watch ${kind} restarting: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  void loop();
  return () => abort.abort();
}

// ---------------------------------------------------------------------------------------------
// Request counters

/** apiserver_request_total summed by "VERB resource[/subresource]". */
export async function requestTotals(kubeconfig: string): Promise<Map<string, number>> {
  const { stdout } = await kubectl(kubeconfig, ['get', '--raw', '/metrics']);
  const totals = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const resource = (labels['resource'] ?? '') + (labels['subresource'] ? `/${labels['subresource']}` : '');
    const key = `${labels['verb']} ${resource || '(non-resource)'}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return totals;
}

export function deltaTotals(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) out[key] = d;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export const MUTATING = ['APPLY', 'POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION'];

/** Byte offset of the end of the audit log now (read the events after it later). */
export function auditMark(cluster: Cluster): number {
  return cluster.auditLogPath && existsSync(cluster.auditLogPath) ? statSync(cluster.auditLogPath).size : 0;
}

export interface AuditWrite {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
}

/** Writes in the audit log after the mark (the policy logs writes only), ResponseComplete stage. */
export function auditWritesSince(cluster: Cluster, mark: number): AuditWrite[] {
  if (!cluster.auditLogPath || !existsSync(cluster.auditLogPath)) return [];
  const text = readFileSync(cluster.auditLogPath).subarray(mark).toString('utf8');
  const out: AuditWrite[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as {
      stage: string;
      verb: string;
      user?: { username?: string };
      objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
    };
    if (e.stage !== 'ResponseComplete') continue;
    const ref = e.objectRef ?? {};
    out.push({
      user: e.user?.username ?? '',
      verb: e.verb,
      resource: (ref.resource ?? '') + (ref.subresource ? `/${ref.subresource}` : ''),
      namespace: ref.namespace ?? '',
      name: ref.name ?? '',
    });
  }
  return out;
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------
// The control plane's load: what bounds a run when the API server, not the operator, is the limit

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (USER_HZ = 100). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name (which may hold spaces) come state, …; utime and stime are fields 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total CPU seconds of the whole machine, from the first line of /proc/stat. */
function hostCpuSeconds(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** apiserver_request_duration_seconds buckets (le → cumulative count) of mutating requests, all resources. */
export function mutatingLatencyBuckets(metricsText: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_duration_seconds_bucket{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '';
    if (!MUTATING.includes(verb)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/**
 * The q-quantile (0–1) of the requests between two snapshots of a cumulative histogram, interpolated
 * linearly inside the bucket as Prometheus's histogram_quantile does; NaN when nothing was observed.
 */
export function histogramQuantile(q: number, before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  for (const [i, bound] of bounds.entries()) {
    if (counts[i]! < rank) continue;
    if (!Number.isFinite(bound)) return bounds[i - 1] ?? Number.NaN;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    const below = i === 0 ? 0 : counts[i - 1]!;
    const inBucket = counts[i]! - below;
    return inBucket > 0 ? lower + ((bound - lower) * (rank - below)) / inBucket : bound;
  }
  return Number.NaN;
}

export interface ControlPlaneLoad {
  readonly seconds: number;
  /** Mean cores used over the span, per component (kube-apiserver, etcd, kube-controller-manager, …). */
  readonly meanCores: Record<string, number>;
  /** Highest mean over any 5 s sample, per component. */
  readonly peakCores: Record<string, number>;
  /** Cores of the whole machine in use (every process, other users' included), mean and of `cores`. */
  readonly hostBusyCores: number;
  readonly cores: number;
  /** p50/p99 of the API server's mutating requests (every client) over the span, seconds. */
  readonly mutatingP50Seconds: number;
  readonly mutatingP99Seconds: number;
  readonly mutatingRequests: number;
}

const COMPONENTS = ['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'];

/**
 * Samples the control plane's processes (kwokctl's pids/<component>.pid) every 5 s from now until
 * the returned function is called, which resolves to the load over the span: how busy the API
 * server and etcd were, how busy the machine was, and the API server's own mutating latency.
 */
export async function sampleControlPlane(env: BenchCluster): Promise<() => Promise<ControlPlaneLoad>> {
  const pids = new Map<string, number>();
  for (const c of COMPONENTS) {
    const file = join(env.cluster.workdir, 'pids', `${c}.pid`);
    if (existsSync(file)) pids.set(c, Number(readFileSync(file, 'utf8').trim()));
  }
  const cpu = () => {
    const out = new Map<string, number>();
    for (const [c, pid] of pids) {
      try {
        out.set(c, processCpuSeconds(pid));
      } catch {
        // the process is gone (restarted): its samples end here
      }
    }
    return out;
  };
  const latency = async () =>
    mutatingLatencyBuckets((await kubectl(env.kubeconfig, ['get', '--raw', '/metrics'], { check: false })).stdout);
  const t0 = performance.now();
  const start = cpu();
  const host0 = hostCpuSeconds();
  const latency0 = await latency();
  const peak: Record<string, number> = {};
  let last = { at: t0, cpu: start };
  const timer = setInterval(() => {
    const at = performance.now();
    const now = cpu();
    for (const [c, s] of now) {
      const cores = (s - (last.cpu.get(c) ?? s)) / ((at - last.at) / 1000);
      peak[c] = Math.max(peak[c] ?? 0, Math.round(cores * 100) / 100);
    }
    last = { at, cpu: now };
  }, 5000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    const seconds = (performance.now() - t0) / 1000;
    const end = cpu();
    const host1 = hostCpuSeconds();
    const latency1 = await latency();
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const meanCores: Record<string, number> = {};
    for (const [c, s] of end) meanCores[c] = round((s - (start.get(c) ?? s)) / seconds);
    const cores = os.availableParallelism();
    const hostShare = (host1.busy - host0.busy) / Math.max(host1.total - host0.total, 1e-9);
    return {
      seconds: round(seconds),
      meanCores,
      peakCores: peak,
      hostBusyCores: round(hostShare * cores),
      cores,
      mutatingP50Seconds: round(histogramQuantile(0.5, latency0, latency1)),
      mutatingP99Seconds: round(histogramQuantile(0.99, latency0, latency1)),
      mutatingRequests: (latency1.get(Number.POSITIVE_INFINITY) ?? 0) - (latency0.get(Number.POSITIVE_INFINITY) ?? 0),
    };
  };
}
