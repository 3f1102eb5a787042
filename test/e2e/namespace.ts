/**
 * One isolated namespace per test, on the e2e cluster.
 *
 *   createTestNamespace(kubeconfig, prefix, { labels?, timeoutMs? }): Promise<TestNamespace>
 *     creates `<prefix>-<random>` (generateName), waits until the controller manager has created its
 *     `default` ServiceAccount (pods are rejected before that), and returns
 *     { name, cleanup }. cleanup() deletes the namespace without waiting for it to finish.
 *
 * Labels, e.g. { 'pod-security.kubernetes.io/enforce': 'restricted' }, are set at creation.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface TestNamespace {
  name: string;
  cleanup: () => Promise<void>;
}

export interface TestNamespaceOptions {
  labels?: Record<string, string>;
  timeoutMs?: number;
}

function statusCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export async function createTestNamespace(
  kubeconfig: string,
  prefix: string,
  options: TestNamespaceOptions = {},
): Promise<TestNamespace> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const created = await core.createNamespace({
    body: {
      metadata: { generateName: `${base || 'test'}-`, labels: { 'msvc.dev/e2e': 'true', ...options.labels } },
    },
  });
  const name = created.metadata?.name;
  if (!name) throw new Error('namespace creation returned no name');

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      break;
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      if (Date.now() > deadline) throw new Error(`namespace ${name}: no default ServiceAccount after waiting`);
      await sleep(100);
    }
  }

  return {
    name,
    cleanup: async () => {
      try {
        await core.deleteNamespace({ name });
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
    },
  };
}
