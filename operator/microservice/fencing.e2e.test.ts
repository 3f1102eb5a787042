// Leader hand-over without overlap (issue "Operator resilience under faults", item 5): two
// replicas, the leader paused with SIGSTOP while it has work queued, the standby takes the Lease
// over and reconciles; when the old leader resumes, its queued reconciles must not write. The API
// server's audit log is the judge: no write from the old leader's process (told apart by its
// User-Agent, which carries the pid) after the new leader's first write (its Lease takeover).
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterInfo } from '../../test/e2e/cluster.ts';
import { installCrd } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../../test/e2e/operator-process.ts';
import { e2eClusterName, e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/key.ts';

interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
beforeAll(async () => {
  // `kubectl wait` can look before the CRD has any condition (right after an apply): ask again.
  await eventually(() => installCrd(e2eKubeconfigPath()).then(() => true), 'the CRD', 60_000);
});

const auditLog = () => clusterInfo(e2eClusterName()).auditLogPath;

function writesIn(ns: string): AuditEvent[] {
  return readFileSync(auditLog()!, 'utf8')
    .split('\n')
    .filter((line) => line.includes(ns))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => event.objectRef?.namespace === ns);
}

const byProcess = (op: OperatorProcess) => (event: AuditEvent) => event.userAgent?.includes(`pid ${op.pid};`);

describe('leader hand-over', () => {
  it.skipIf(!e2eClusterName() || !clusterInfo(e2eClusterName()).auditLogPath)(
    'a paused leader makes no write after the new leader’s first one when it resumes',
    async () => {
      const ns = (await createTestNamespace(e2eKubeconfigPath(), 'fencing')).name;
      const user = new Client(e2eRest(), { fieldManager: 'e2e-user' });
      const microService = (name: string, tag: string) => ({
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        metadata: { name, namespace: ns },
        spec: { image: `registry.example.com/shop/${name}:${tag}`, replicas: 1, ports: [{ name: 'http', port: 8080 }] },
      });
      const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
      const image = async (name: string) =>
        (
          await user.get<KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }>({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            namespace: ns,
            name,
          })
        )?.spec?.template?.spec?.containers?.[0]?.image;
      const converged = (tag: string) =>
        eventually(
          async () => (await Promise.all(names.map(image))).every((i) => i?.endsWith(`:${tag}`)),
          `every Deployment at ${tag}`,
          90_000,
        );

      // Long enough that the leader keeps its lease on a loaded 2-core machine until it is paused.
      const lease = { namespace: ns, name: 'msvc-operator', leaseDurationSeconds: 10 };
      const leads = async (op: OperatorProcess) =>
        /leader_election_master_status\{[^}]*\} 1/.test(await (await fetch(`${op.healthUrl}/metrics`)).text());
      const old = await startOperator({ kubeconfig: e2eKubeconfigPath(), namespaces: [ns], leaderElect: lease });
      cleanups.push(() => old.stop('SIGKILL'));
      await eventually(() => leads(old), 'the first replica to lead', 30_000);
      const next = await startOperator({ kubeconfig: e2eKubeconfigPath(), namespaces: [ns], leaderElect: lease });
      cleanups.push(() => next.stop('SIGKILL'));
      for (const name of names) await user.apply(microService(name, '1'), { force: true });
      await converged('1');

      // Work for the leader, then freeze it mid-way.
      for (const name of names) await user.apply(microService(name, '2'), { force: true });
      await new Promise((resolve) => setTimeout(resolve, 150));
      process.kill(old.pid, 'SIGSTOP');
      let resumed = false;
      cleanups.push(async () => {
        if (!resumed) process.kill(old.pid, 'SIGCONT');
      });
      // More work while it is frozen: its watches buffer these, so it resumes with a full queue.
      for (const name of names) await user.apply(microService(name, '3'), { force: true });
      await eventually(() => leads(next), 'the standby to take over', 30_000);
      await converged('3');
      process.kill(old.pid, 'SIGCONT');
      resumed = true;
      // It notices the lost lease and exits 1 (controller-runtime exits the same way).
      const code = await Promise.race([old.exited, new Promise((r) => setTimeout(() => r('running'), 20_000))]);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the audit log catch up

      const writes = writesIn(ns);
      const firstOfNew = writes.find(byProcess(next));
      expect(firstOfNew, 'the new leader wrote').toBeDefined();
      const after = writes
        .filter(byProcess(old))
        .filter((event) => event.requestReceivedTimestamp > firstOfNew!.requestReceivedTimestamp);
      const summary = after.map(
        (e) =>
          `${e.requestReceivedTimestamp} ${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name} ${e.responseStatus?.code}`,
      );
      console.log(
        `fencing: new leader's first write ${firstOfNew!.requestReceivedTimestamp} (${firstOfNew!.verb} ${firstOfNew!.objectRef?.resource}); ` +
          `old leader's writes after it: ${after.length}; old leader exit: ${code}`,
      );
      expect(summary, old.logs().slice(-3_000)).toEqual([]);
      expect(code).toBe(1);
      expect(old.logs()).toMatch(/leadership lost|no longer holds the lease/);
    },
  );
});
