/**
 * Helpers for the chart's tests: the built helm binary, the chart's paths, and a kubeconfig that
 * authenticates as a ServiceAccount (a TokenRequest token) instead of the cluster admin.
 *
 *   helm(args, { kubeconfig?, check? }): Promise<ExecResult>   runs tools' helm (no repo cache, no
 *                                                             plugins: HELM_* dirs under a temp dir)
 *   chartDir, chartCrdPath, sourceCrdPath                     absolute paths
 *   serviceAccountKubeconfig(adminKubeconfig, namespace, sa, dir): Promise<string>
 *       writes <dir>/<sa>.kubeconfig with the admin kubeconfig's cluster (server, CA) and a
 *       `kubectl create token` token of namespace/sa, and returns its path
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubectl } from '../test/e2e/cluster.ts';
import { binPath, repoRoot } from '../tools/bin.ts';

export const chartDir: string = join(repoRoot, 'charts/microservice-operator');
export const chartCrdPath: string = join(chartDir, 'crds/microservices.msvc.dev.yaml');
export const sourceCrdPath: string = join(repoRoot, 'crds/microservices.msvc.dev.yaml');

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

let helmHome: string | undefined;

/** Runs the built helm; with check (default) a non-zero exit throws with helm's stderr. */
export function helm(args: string[], options: { kubeconfig?: string; check?: boolean } = {}): Promise<ExecResult> {
  helmHome ??= mkdtempSync(join(tmpdir(), 'msvc-helm-'));
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}),
  };
  return new Promise((resolve, reject) => {
    execFile(binPath('helm'), args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      const result = { stdout, stderr, code: typeof error?.code === 'number' ? error.code : 0 };
      if ((options.check ?? true) && result.code !== 0) {
        reject(new Error(`helm ${args.join(' ')} failed (${result.code}): ${stderr.trim()}`));
        return;
      }
      resolve(result);
    });
  });
}

interface KubeconfigFile {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string } }[];
  'current-context': string;
}

/** A kubeconfig for namespace/sa: the admin kubeconfig's server and CA, a TokenRequest token. */
export async function serviceAccountKubeconfig(
  adminKubeconfig: string,
  namespace: string,
  serviceAccount: string,
  dir: string,
): Promise<string> {
  const admin = parse(readFileSync(adminKubeconfig, 'utf8')) as KubeconfigFile;
  const context = admin.contexts.find((c) => c.name === admin['current-context']);
  const cluster = admin.clusters.find((c) => c.name === context?.context.cluster);
  if (!cluster) throw new Error(`${adminKubeconfig}: no cluster for the current context`);
  const { stdout } = await kubectl(adminKubeconfig, [
    'create',
    'token',
    serviceAccount,
    '-n',
    namespace,
    '--duration=1h',
  ]);
  const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
  const path = join(dir, `${namespace}-${serviceAccount}.kubeconfig`);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cluster', cluster: cluster.cluster }],
      users: [{ name: user, user: { token: stdout.trim() } }],
      contexts: [{ name: 'sa', context: { cluster: 'cluster', user: user, namespace } }],
      'current-context': 'sa',
    }),
    { mode: 0o600 },
  );
  return path;
}
