// The pod fields on a real control plane: examples/payments.yaml (volumes, mounts, pull secrets,
// a sidecar and an init container, node pool scheduling, a securityContext, autoscaling with a
// scale-down policy, a rolling-update strategy and minReadySeconds)
// rendered and applied with strict field validation into a namespace that enforces, audits and
// warns at the `restricted` Pod Security level; no warning comes back, every pod is
// admitted and becomes Ready on kwok nodes (the example states no ephemeral-storage: kwok nodes have none).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseMicroService } from '../api/index.ts';
import { render } from '../render/index.ts';
import { repoRoot } from '../tools/bin.ts';
import { kubectl } from './e2e/cluster.ts';
import { eventually, getJson } from './e2e/kube.ts';
import { createTestNamespace } from './e2e/namespace.ts';
import { e2eKubeconfigPath as kubeconfig } from './support/operator.ts';

const POOL = 'pool.example.com/name';

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'pod-fields', {
    labels: Object.fromEntries(
      ['enforce', 'audit', 'warn'].map((m) => [`pod-security.kubernetes.io/${m}`, 'restricted']),
    ),
  }));
  // The example's node pool: every kwok node joins it for this test.
  await kubectl(kubeconfig(), ['label', 'node', '--all', `${POOL}=payments`, '--overwrite']);
});
afterAll(async () => {
  await kubectl(kubeconfig(), ['label', 'node', '--all', `${POOL}-`], { check: false });
  await cleanup?.();
});

it('examples/payments.yaml applies strictly in a restricted namespace without warnings, and its pods are admitted and become Ready', async () => {
  const doc = parse(readFileSync(join(repoRoot, 'examples', 'payments.yaml'), 'utf8')) as Record<string, unknown>;
  const parsed = parseMicroService({ ...doc, metadata: { ...(doc['metadata'] as object), namespace } });
  expect(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.issues)).toBe(true);
  if (!parsed.ok) return;
  const objects = render(parsed.value).objects;
  const result = await kubectl(
    kubeconfig(),
    ['apply', '--server-side', '--field-manager=pod-fields-e2e', '--validate=strict', '-f', '-'],
    { input: objects.map((o) => stringify(o)).join('---\n'), check: false },
  );
  expect(result.code, result.stderr).toBe(0);
  // Pod Security warnings (warn=restricted) and unknown-field warnings would both land on stderr.
  expect(result.stderr).toBe('');
  // Admitted: the ReplicaSet created every pod in the namespace that enforces restricted. The
  // Deployment has no replicas (the HPA owns them): the HPA raises it to minReplicas 3.
  const pods = await eventually(
    async () => {
      const list = await getJson<{
        items: {
          spec: { nodeName?: string; initContainers: { name: string; restartPolicy?: string }[] };
          status?: unknown;
        }[];
      }>(kubeconfig(), ['pods', '-n', namespace, '-l', 'app.kubernetes.io/name=payments']);
      return list?.items.length === 3 ? list : undefined;
    },
    { what: 'the ReplicaSet to create 3 pods', timeoutMs: 60_000 },
  );
  await eventually(
    async () => {
      const d = await getJson<{ status?: { readyReplicas?: number } }>(kubeconfig(), [
        'deployment',
        'payments',
        '-n',
        namespace,
      ]);
      return d?.status?.readyReplicas === 3;
    },
    { what: 'payments to have 3 ready replicas on kwok nodes', timeoutMs: 90_000 },
  );
  expect(pods?.items).toHaveLength(3);
  for (const pod of pods?.items ?? []) {
    expect(pod.spec.initContainers.map((c) => [c.name, c.restartPolicy])).toStrictEqual([
      ['db-proxy', 'Always'],
      ['migrate', undefined],
    ]);
  }
});
