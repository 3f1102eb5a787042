// An etcd restore (issue "Operator resilience under faults", item 6): objects go back to the
// backup's resourceVersions, so a child the operator had updated is again the very version it
// applied over, while the MicroService still asks for the update. The lost write must be made
// again, not skipped as "the cache is just behind" by the memo of writes in flight (drift.ts
// AppliedMemo). The Service shows it: nobody else writes it (kube-controller-manager rewrites a
// restored Deployment's status, which moves its version on and hides the problem). The restore is
// done as etcd's recovery guide advises for Kubernetes (revision bumped, history marked compacted:
// every watch gets 410 Gone and relists). A dedicated cluster: the restore would undo the other
// suites' work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, etcdBackup, etcdRestore, stopCluster } from '../../test/e2e/cluster.ts';
import { startSuiteCluster } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../../test/e2e/operator-process.ts';
import { microService, withImage, withReplicas } from '../../test/support/fixtures.ts';
import { eventually } from '../../test/support/operator.ts';
import { Client } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/key.ts';
import type { KubeRest } from '../runtime/rest.ts';

const NAME = `msvc-restore-${process.pid}`;

let cluster: Cluster | undefined;
let operator: OperatorProcess | undefined;
let rest: KubeRest;
const backup = join(mkdtempSync(join(tmpdir(), 'msvc-etcd-')), 'etcd');

beforeAll(async () => {
  ({ cluster, rest } = await startSuiteCluster(NAME));
});
afterAll(async () => {
  await operator?.stop('SIGKILL');
  if (cluster) await stopCluster(cluster.name);
  rmSync(join(backup, '..'), { recursive: true, force: true });
});

type DeploymentView = KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } };
const VERSION = 'app.kubernetes.io/version';

describe('after an etcd restore', () => {
  it('re-applies what the restore undid, though the restored Service carries the very version it was applied over', async () => {
    const ns = (await createTestNamespace(cluster!.kubeconfigPath, 'restore')).name;
    operator = await startOperator({ kubeconfig: cluster!.kubeconfigPath, namespaces: [ns] });
    const user = new Client(rest, { fieldManager: 'e2e-user' });
    const order = (tag: string) =>
      microService(withImage(`registry.example.com/shop/order:${tag}`), withReplicas(1), (ms) => {
        ms.metadata.namespace = ns;
      });
    const deployment = () =>
      user.get<DeploymentView>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'order' });
    const service = () => user.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'order' });
    const image = async () => (await deployment().catch(() => undefined))?.spec?.template?.spec?.containers?.[0]?.image;
    const apply = (tag: string) =>
      eventually(
        async () => (await user.apply(order(tag) as KubeObject, { force: true, timeoutMs: 2_000 })) !== undefined,
        `MicroService ${tag} accepted`,
        60_000,
      );

    const ready = async () => {
      const ms = await user.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>({
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        namespace: ns,
        name: 'order',
      });
      return ms?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    };

    await apply('1.0.0');
    await eventually(async () => (await image())?.endsWith(':1.0.0') && (await ready()), 'the first rollout', 90_000);
    await new Promise((r) => setTimeout(r, 3_000));
    // The backup holds the change and the children from before it: the operator is frozen.
    let backedUp: string | undefined;
    process.kill(operator.pid, 'SIGSTOP');
    try {
      await apply('2.0.0');
      backedUp = (await service())?.metadata?.resourceVersion;
      await etcdBackup(cluster!.name, backup);
    } finally {
      process.kill(operator.pid, 'SIGCONT');
    }
    await eventually(async () => (await image())?.endsWith(':2.0.0'), 'the change applied', 60_000);
    // Settled: the operator's cache shows its write (nothing in flight to bridge).
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await service())?.metadata?.labels?.[VERSION]).toBe('2.0.0');

    // Back to the backup: the Service at 1.0.0 as the very version the operator applied 2.0.0
    // over; the MicroService still says 2.0.0. The write is lost and must be made again.
    await etcdRestore(cluster!.name, backup);
    await eventually(
      async () => (await service())?.metadata?.labels?.[VERSION] === '2.0.0' && (await image())?.endsWith(':2.0.0'),
      `the Service the restore took back to resourceVersion ${backedUp} to be applied again`,
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${operator?.logs().slice(-6_000)}`);
    });
  });
});
