/**
 * Small helpers the e2e suites share: install the CRD generated from the schema, apply YAML,
 * read objects as JSON, poll until a condition holds, and read the API server's own request
 * counters (apiserver_request_total), which is how suites count writes without trusting our code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { buildCrd } from '../../api/index.ts';
import { KubeRest } from '../../operator/runtime/rest.ts';
import { type Cluster, kubectl, startCluster } from './cluster.ts';

export async function installCrd(kubeconfig: string): Promise<void> {
  await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', '-'], {
    input: stringify(buildCrd()),
  });
  await waitEstablished(kubeconfig, ['crd/microservices.msvc.dev']);
}

/**
 * A fresh one-node cluster of a suite's own (for faults that would disturb the shared e2e
 * cluster: an API server restart, an etcd restore), the CRD installed, and a client for it.
 */
export async function startSuiteCluster(name: string): Promise<{ cluster: Cluster; rest: KubeRest }> {
  const cluster = await startCluster({ name, nodes: 1, fresh: true });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfigPath);
  // On a fresh cluster `kubectl wait` can look before the CRD has any condition: ask again.
  await eventually(() => installCrd(cluster.kubeconfigPath).then(() => true), { what: 'the CRD', timeoutMs: 60_000 });
  return { cluster, rest: new KubeRest(kubeConfig) };
}

/**
 * Polls until every CRD is Established. Not `kubectl wait --for=condition=Established`: it fails at
 * once ("status.conditions accessor error: <nil>") when it reads a CRD that has no conditions yet,
 * which a loaded machine shows right after the apply.
 */
export async function waitEstablished(kubeconfig: string, crds: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const obj = await getJson<{ status?: { conditions?: { type?: string; status?: string }[] } }>(kubeconfig, [crd]);
      if (obj?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`${crd} is not Established after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function apply(kubeconfig: string, objects: unknown[], fieldManager = 'e2e-test'): Promise<void> {
  const input = objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');
  await kubectl(kubeconfig, ['apply', '--server-side', `--field-manager=${fieldManager}`, '-f', '-'], { input });
}

export async function getJson<T = Record<string, unknown>>(kubeconfig: string, args: string[]): Promise<T | undefined> {
  const result = await kubectl(kubeconfig, ['get', ...args, '-o', 'json'], { check: false });
  if (result.code !== 0) {
    if (/NotFound|not found/.test(result.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** Polls `probe` until it returns a value other than undefined/false, or throws with the last value. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 250, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Sum of apiserver_request_total per verb, optionally only for some resources. */
export async function requestCounts(
  kubeconfig: string,
  resources?: readonly string[],
): Promise<Record<string, number>> {
  const { stdout } = await kubectl(kubeconfig, ['get', '--raw', '/metrics']);
  const counts: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (resources && !resources.includes(labels['resource'] ?? '')) continue;
    const verb = labels['verb'] ?? '?';
    counts[verb] = (counts[verb] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

export const MUTATING_VERBS = ['APPLY', 'POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION'] as const;

export function writesBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const verb of MUTATING_VERBS) {
    const delta = (after[verb] ?? 0) - (before[verb] ?? 0);
    if (delta !== 0) out[verb] = delta;
  }
  return out;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function conditionOf(
  obj: { status?: { conditions?: Condition[] } } | undefined,
  type: string,
): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** The third-party CRDs vendored in test/support/crds (see its README), by file name without `.yaml`. */
export const VENDORED_CRDS = {
  serviceMonitors: 'monitoring.coreos.com_servicemonitors',
  podMonitors: 'monitoring.coreos.com_podmonitors',
  httpRoutes: 'gateway.networking.k8s.io_httproutes',
  grpcRoutes: 'gateway.networking.k8s.io_grpcroutes',
  istioAuthorizationPolicies: 'security.istio.io_authorizationpolicies',
  linkerdServers: 'policy.linkerd.io_server',
  linkerdMeshTLSAuthentications: 'policy.linkerd.io_meshtls-authentication',
  linkerdAuthorizationPolicies: 'policy.linkerd.io_authorization-policy',
} as const;

/** Installs vendored CRDs (default: all of test/support/crds) and waits until they are served. */
export async function installVendoredCrds(kubeconfig: string, files?: readonly string[]): Promise<void> {
  const dir = new URL('../support/crds/', import.meta.url).pathname;
  const names =
    files ??
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length));
  const crds: string[] = [];
  for (const name of names) {
    const file = `${dir}${name}.yaml`;
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as { metadata?: { name?: string } } | null;
      if (crd?.metadata?.name) crds.push(`crd/${crd.metadata.name}`);
    }
    await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', file]);
  }
  await waitEstablished(kubeconfig, crds);
}
