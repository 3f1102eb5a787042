/**
 * vitest globalSetup of the `e2e` project: one real control plane per run.
 *
 * Default: builds/reuses the binaries (tools/build.sh), starts a fresh cluster named
 * $MSVC_E2E_CLUSTER (default 'msvc-e2e'; 'msvc-e2e-<pid>' if another live run owns 'msvc-e2e')
 * with the audit policy on (MSVC_E2E_AUDIT=0 turns it off), and deletes it when the run ends
 * (MSVC_E2E_KEEP=1 keeps it for debugging).
 * Opt-in reuse: if the user sets MSVC_E2E_KUBECONFIG, that existing cluster is used as it is and
 * nothing is started or stopped. A user's current kubeconfig/context is never used implicitly.
 *
 * Test files read (both set here; the env vars are inherited by the test workers):
 *   process.env.MSVC_E2E_KUBECONFIG / inject('msvcKubeconfig')   kubeconfig path of the cluster
 *   process.env.MSVC_E2E_CLUSTER    / inject('msvcCluster')      cluster name for restartApiServer,
 *                                                                etcdctl, clusterInfo ('' when reused)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureTools } from '../../tools/bin.ts';
import { clusterWorkdir, startCluster, stopCluster } from './cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    msvcKubeconfig: string;
    msvcCluster: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const reuse = process.env.MSVC_E2E_KUBECONFIG;
  if (reuse) {
    console.error(`e2e: using the existing cluster of MSVC_E2E_KUBECONFIG=${reuse}`);
    process.env.MSVC_E2E_CLUSTER ??= '';
    project.provide('msvcKubeconfig', reuse);
    project.provide('msvcCluster', process.env.MSVC_E2E_CLUSTER);
    return undefined;
  }

  ensureTools();
  const name = process.env.MSVC_E2E_CLUSTER || defaultName();
  const owner = ownerFile(name);
  mkdirSync(dirname(owner), { recursive: true });
  writeFileSync(owner, String(process.pid));
  const started = Date.now();
  const cluster = await startCluster({ name, fresh: true, auditPolicy: process.env.MSVC_E2E_AUDIT !== '0' });
  console.error(
    `e2e: cluster ${name} ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${cluster.kubeconfigPath})`,
  );
  process.env.MSVC_E2E_KUBECONFIG = cluster.kubeconfigPath;
  process.env.MSVC_E2E_CLUSTER = name;
  project.provide('msvcKubeconfig', cluster.kubeconfigPath);
  project.provide('msvcCluster', name);

  return async () => {
    delete process.env.MSVC_E2E_KUBECONFIG;
    if (process.env.MSVC_E2E_KEEP === '1') {
      console.error(`e2e: keeping cluster ${name} (tools/cluster.sh down ${name} removes it)`);
      return;
    }
    await stopCluster(name);
    rmSync(owner, { force: true });
  };
}

// Two runs on one machine must not share (and delete) each other's cluster.
function ownerFile(name: string): string {
  return join(dirname(dirname(clusterWorkdir(name))), `${name}.owner`);
}

function defaultName(): string {
  try {
    const pid = Number(readFileSync(ownerFile('msvc-e2e'), 'utf8'));
    if (pid && pid !== process.pid) {
      process.kill(pid, 0); // throws if that run is gone
      return `msvc-e2e-${process.pid}`;
    }
  } catch {
    // no owner, or it is gone
  }
  return 'msvc-e2e';
}
