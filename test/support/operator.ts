// Helpers shared by the operator's e2e tests (never imported by production code): a KubeRest for
// the e2e cluster that test/e2e/global-setup.ts started, and polling.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../operator/runtime/rest.ts';

/** Path of the e2e cluster's kubeconfig (set by test/e2e/global-setup.ts). */
export function e2eKubeconfigPath(): string {
  const path = process.env['MSVC_E2E_KUBECONFIG'];
  if (!path) throw new Error('MSVC_E2E_KUBECONFIG is not set: run with `npx vitest run --project e2e`');
  return path;
}

/**
 * Name of the e2e cluster for the test/e2e/cluster.ts helpers (etcdctl, restartApiServer); ''
 * when global-setup reuses a cluster it did not start, and tests that need it are skipped.
 */
export function e2eClusterName(): string {
  return process.env['MSVC_E2E_CLUSTER'] ?? '';
}

export function e2eRest(): KubeRest {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(e2eKubeconfigPath());
  return new KubeRest(kubeConfig);
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
