// The operator against the real local control plane: every behaviour of issue "The operator"
// that the API server owns (SSA ownership, garbage collection, watch expiry, quota) is proven
// here, with the real operator process and write counts read from the API server's own metrics.
import { describe, expect, it } from 'vitest';
import { type MicroService, parseMicroService } from '../../api/index.ts';
import { render } from '../../render/index.ts';
import { etcdctl, kubectl, restartApiServer } from '../../test/e2e/cluster.ts';
import { apply, conditionOf, eventually, getJson, requestCounts, writesBetween } from '../../test/e2e/kube.ts';
import type { OperatorProcess } from '../../test/e2e/operator-process.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';
import { bucketOfValue } from '../runtime/ring.ts';
import { SHARD_BUCKET_LABEL } from '../runtime/shard.ts';
import { desiredChild } from './children.ts';
import { containsFields } from './drift.ts';

const clusterName = () => process.env['MSVC_E2E_CLUSTER'] ?? 'msvc-e2e';

type Obj = {
  metadata: {
    name: string;
    uid: string;
    generation?: number;
    ownerReferences?: { uid: string; controller?: boolean }[];
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown> & { replicas?: number };
  status?: Record<string, unknown> & {
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};

function microService(name: string, namespace: string, spec: Record<string, unknown> = {}): MicroService {
  return {
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name, namespace },
    spec: {
      image: `registry.example.com/shop/${name}:1.0.0`,
      replicas: 2,
      ports: [{ name: 'http', port: 8080 }],
      ...spec,
    },
  } as MicroService;
}

const e2e = operatorSuite();

type Template = { spec: { containers: { image: string; env?: { name: string }[] }[] } };
/** The app container of a live Deployment. */
const appContainer = (d: Obj | undefined) => (d?.spec?.['template'] as Template | undefined)?.spec.containers[0];

const get = (ns: string, what: string) => getJson<Obj>(kubeconfig(), ['-n', ns, what]);

async function waitReady(ns: string, name: string, generation?: number): Promise<Obj> {
  return eventually(
    async () => {
      const ms = await get(ns, `microservice/${name}`);
      const ready = conditionOf(ms, 'Ready');
      if (ready?.status !== 'True') return undefined;
      if (generation !== undefined && ms?.status?.['observedGeneration'] !== generation) return undefined;
      return ms;
    },
    { what: `${ns}/${name} Ready`, timeoutMs: 90_000 },
  );
}

describe('operator on a real control plane', () => {
  it('creates every child with owner references and the rendered content, and reports Ready', async () => {
    const ns = await e2e.namespace('create');
    await e2e.operator(ns);
    const ms = microService('order', ns, {
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
      runtime: { go: { version: '1.24' } },
      resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    });
    await apply(kubeconfig(), [ms]);
    const wait = await kubectl(kubeconfig(), [
      '-n',
      ns,
      'wait',
      '--for=condition=Ready',
      'microservice/order',
      '--timeout=90s',
    ]);
    expect(wait.stdout).toContain('condition met');

    const live = await get(ns, 'microservice/order');
    const parsed = parseMicroService({ ...ms, metadata: { ...ms.metadata, uid: live?.metadata.uid } });
    if (!parsed.ok) throw new Error('fixture invalid');
    const kinds = {
      ServiceAccount: 'serviceaccount',
      Service: 'service',
      Deployment: 'deployment',
      HorizontalPodAutoscaler: 'hpa',
      PodDisruptionBudget: 'pdb',
    } as const;
    const rendered = render(parsed.value).objects;
    expect(rendered.map((o) => o.kind).sort()).toEqual(Object.keys(kinds).sort());
    for (const obj of rendered) {
      const child = await get(ns, `${kinds[obj.kind as keyof typeof kinds]}/order`);
      expect(child, obj.kind).toBeDefined();
      expect(child?.metadata.ownerReferences).toEqual([
        expect.objectContaining({ uid: live?.metadata.uid, controller: true, kind: 'MicroService' }),
      ]);
      // Every rendered field, as rendered (the namespace, owner and shard bucket label added), is in the live object.
      const desired = desiredChild(
        obj,
        {
          apiVersion: 'msvc.dev/v1alpha1',
          kind: 'MicroService',
          metadata: { name: 'order', uid: live?.metadata.uid ?? '' },
        },
        ns,
      );
      expect(containsFields(desired, child), `${obj.kind} holds the rendered fields`).toBe(true);
      expect((child?.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[SHARD_BUCKET_LABEL]).toBe(
        String(bucketOfValue(live?.metadata.uid ?? '')),
      );
    }
    expect(live?.status, JSON.stringify(live?.status)).toMatchObject({
      observedGeneration: live?.metadata.generation,
      readyReplicas: 2,
      selector: 'app.kubernetes.io/name=order',
    });
    // The scale subresource reads status.selector/replicas.
    const scale = await getJson<{ status: { selector: string } }>(kubeconfig(), [
      '-n',
      ns,
      '--subresource=scale',
      'microservice/order',
    ]);
    expect(scale?.status.selector).toBe('app.kubernetes.io/name=order');
  });

  it('rolls out spec changes, restores hand edits of owned fields, and leaves other managers alone', async () => {
    const ns = await e2e.namespace('drift');
    await e2e.operator(ns, { resyncSeconds: 2 });
    await apply(kubeconfig(), [microService('user', ns)]);
    const first = await waitReady(ns, 'user');

    await apply(kubeconfig(), [microService('user', ns, { image: 'registry.example.com/shop/user:2.0.0' })]);
    await waitReady(ns, 'user', (first.metadata.generation ?? 1) + 1);
    const rolled = await get(ns, 'deployment/user');
    expect(appContainer(rolled)?.image).toBe('registry.example.com/shop/user:2.0.0');

    // Another manager's annotation and env var; then a hand edit of a field we own.
    await kubectl(kubeconfig(), ['-n', ns, 'annotate', 'deployment/user', 'team.example.com/owner=payments']);
    await kubectl(kubeconfig(), ['-n', ns, 'set', 'env', 'deployment/user', '-c', 'app', 'EXTRA_FLAG=1']);
    await kubectl(kubeconfig(), ['-n', ns, 'set', 'image', 'deployment/user', 'app=evil.example.com/miner:1']);
    const restored = await eventually(
      async () => {
        const d = await get(ns, 'deployment/user');
        return appContainer(d)?.image === 'registry.example.com/shop/user:2.0.0' ? d : undefined;
      },
      { what: 'hand-edited image restored' },
    );
    expect(restored.metadata.annotations?.['team.example.com/owner']).toBe('payments');
    expect(appContainer(restored)?.env?.map((e) => e.name)).toContain('EXTRA_FLAG');
  });

  it('never fights another manager over replicas while autoscaling is on', async () => {
    const ns = await e2e.namespace('hpa');
    const op = await e2e.operator(ns, { resyncSeconds: 1 });
    await apply(kubeconfig(), [microService('gateway', ns, { replicas: 3 })]);
    await waitReady(ns, 'gateway');
    // Turning autoscaling on keeps the 3 replicas (handed over, not reset to 1).
    await apply(kubeconfig(), [
      microService('gateway', ns, { replicas: 3, autoscaling: { minReplicas: 2, maxReplicas: 10 } }),
    ]);
    await eventually(() => get(ns, 'hpa/gateway'), { what: 'HPA created' });
    expect((await get(ns, 'deployment/gateway'))?.spec?.replicas).toBe(3);

    await kubectl(kubeconfig(), ['-n', ns, 'scale', 'deployment/gateway', '--replicas=7']);
    const before = await requestCounts(kubeconfig(), ['deployments']);
    // A spec change in the window: the operator writes the Deployment but not replicas.
    await apply(kubeconfig(), [
      microService('gateway', ns, {
        replicas: 3,
        autoscaling: { minReplicas: 2, maxReplicas: 10 },
        env: [{ name: 'LOG_LEVEL', value: 'debug' }],
      }),
    ]);
    const seen: number[] = [];
    const until = Date.now() + 20_000; // 20 resyncs
    while (Date.now() < until) {
      seen.push((await get(ns, 'deployment/gateway'))?.spec?.replicas ?? -1);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(new Set(seen)).toEqual(new Set([7]));
    const writes = writesBetween(before, await requestCounts(kubeconfig(), ['deployments']));
    // Exactly the one apply for the env change (the scale came before the window).
    expect(writes['APPLY'] ?? 0).toBeLessThanOrEqual(1);
    expect(op.logs()).toContain('handing replicas over');
  });

  it('prunes the HPA when autoscaling is removed, and children go with the MicroService', async () => {
    const ns = await e2e.namespace('prune');
    await e2e.operator(ns);
    await apply(kubeconfig(), [microService('order', ns, { autoscaling: { maxReplicas: 3 } })]);
    await waitReady(ns, 'order');
    expect(await get(ns, 'hpa/order')).toBeDefined();

    await apply(kubeconfig(), [microService('order', ns, { replicas: 1 })]);
    await eventually(async () => (await get(ns, 'hpa/order')) === undefined, { what: 'HPA pruned' });
    // One replica: a PDB would protect nothing, so it goes too.
    await eventually(async () => (await get(ns, 'pdb/order')) === undefined, { what: 'PDB pruned' });
    expect((await get(ns, 'deployment/order'))?.spec?.replicas).toBe(1);

    await kubectl(kubeconfig(), ['-n', ns, 'delete', 'microservice/order', '--wait=true']);
    for (const kind of ['deployment', 'service', 'serviceaccount']) {
      await eventually(async () => (await get(ns, `${kind}/order`)) === undefined, {
        what: `${kind} garbage-collected`,
      });
    }
  });

  it('makes zero write requests when restarted on a converged namespace of 50 MicroServices', async () => {
    const ns = await e2e.namespace('noop');
    const first = await e2e.operator(ns);
    const names = Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    await apply(
      kubeconfig(),
      names.map((n) => microService(n, ns, { replicas: 1 })),
    );
    await eventually(
      async () => {
        const list = await getJson<{ items: Obj[] }>(kubeconfig(), ['-n', ns, 'microservices']);
        return list?.items.length === 50 && list.items.every((i) => conditionOf(i, 'Ready')?.status === 'True');
      },
      { what: '50 MicroServices Ready', timeoutMs: 180_000, intervalMs: 1000 },
    );
    expect(await first.stop('SIGTERM')).toBe(0);

    const resources = [
      'microservices',
      'deployments',
      'services',
      'serviceaccounts',
      'horizontalpodautoscalers',
      'poddisruptionbudgets',
    ];
    // Events are counted in the namespace: other tests' leftovers post events cluster-wide.
    const ourEvents = async () =>
      (
        (await getJson<{ items: { source?: { component?: string } }[] }>(kubeconfig(), ['-n', ns, 'events']))?.items ??
        []
      ).filter((e) => e.source?.component === 'msvc-operator').length;
    const eventsBefore = await ourEvents();
    const before = await requestCounts(kubeconfig(), resources);
    const second = await e2e.operator(ns);
    // Wait until the new process has reconciled every key at least once.
    await eventually(
      async () => {
        const metrics = await (await fetch(`${second.healthUrl}/metrics`)).text();
        const m = /controller_runtime_reconcile_total\{controller="microservice",result="success"\} (\d+)/.exec(
          metrics,
        );
        return Number(m?.[1] ?? 0) >= 50;
      },
      { what: '50 reconciles', timeoutMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const writes = writesBetween(before, await requestCounts(kubeconfig(), resources));
    expect(writes).toEqual({});
    expect(await ourEvents()).toBe(eventsBefore);
  });

  it('converges every MicroService across an expired watch (etcd compacted) and an API server restart', async () => {
    const ns = await e2e.namespace('expiry');
    const op = await e2e.operator(ns);
    const names = ['alpha', 'beta', 'gamma'];
    await apply(
      kubeconfig(),
      names.map((n) => microService(n, ns, { replicas: 1 })),
    );
    for (const n of names) await waitReady(ns, n);

    // Freeze the operator, change every spec (several revisions), compact etcd past them, and
    // restart the API server so the frozen watches must resume from a compacted revision.
    process.kill(op.pid, 'SIGSTOP');
    try {
      for (const n of names) {
        await apply(kubeconfig(), [
          microService(n, ns, { replicas: 1, image: `registry.example.com/shop/${n}:9.9.9` }),
        ]);
      }
      const status = JSON.parse(await etcdctl(clusterName(), ['endpoint', 'status', '-w', 'json'])) as {
        Status: { header: { revision: number } };
      }[];
      const revision = status[0]?.Status.header.revision;
      expect(revision).toBeGreaterThan(0);
      await etcdctl(clusterName(), ['compact', String(revision)]);
      await restartApiServer(clusterName());
    } finally {
      process.kill(op.pid, 'SIGCONT');
    }
    for (const n of names) {
      await eventually(
        async () => {
          const d = await get(ns, `deployment/${n}`);
          return appContainer(d)?.image === `registry.example.com/shop/${n}:9.9.9`;
        },
        { what: `${n} converged after expiry`, timeoutMs: 90_000 },
      );
      await waitReady(ns, n, 2);
    }
    // The relist path ran (410 Gone or a reconnect) rather than the watch silently resuming.
    expect(op.logs()).toMatch(/relist|410|Gone|expired/i);
  });

  it('fails over to a second replica through the Lease and converges pending changes', async () => {
    const ns = await e2e.namespace('lease');
    const lease = { namespace: ns, name: 'msvc-operator', leaseDurationSeconds: 4 };
    const a = await e2e.operator(ns, { leaderElect: lease });
    const b = await e2e.operator(ns, { leaderElect: lease });
    // A replica that is not answering (exited: lost the lease on a loaded machine) does not lead.
    const leads = async (op: OperatorProcess) =>
      /leader_election_master_status\{[^}]*\} 1/.test(
        await fetch(`${op.healthUrl}/metrics`).then(
          (r) => r.text(),
          () => '',
        ),
      );
    const leader = await eventually(async () => ((await leads(a)) ? a : (await leads(b)) ? b : undefined), {
      what: 'a leader',
    });
    const standby = leader === a ? b : a;
    expect(await leads(standby)).toBe(false);

    await apply(kubeconfig(), [microService('order', ns, { replicas: 1 })]);
    await waitReady(ns, 'order');
    await leader.stop('SIGKILL'); // no release: the standby must wait out the lease
    await apply(kubeconfig(), [
      microService('order', ns, { replicas: 1, image: 'registry.example.com/shop/order:3.0.0' }),
    ]);
    await eventually(() => leads(standby), { what: 'standby takes over', timeoutMs: 30_000 });
    await waitReady(ns, 'order', 2);
    const d = await get(ns, 'deployment/order');
    expect(appContainer(d)?.image).toBe('registry.example.com/shop/order:3.0.0');
  });

  it('reports a quota that rejects the pods, then Ready once the quota is raised', async () => {
    const ns = await e2e.namespace('quota');
    await e2e.operator(ns);
    await apply(kubeconfig(), [
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'small', namespace: ns },
        spec: { hard: { 'requests.cpu': '100m' } },
      },
    ]);
    await apply(kubeconfig(), [
      microService('order', ns, {
        replicas: 1,
        resources: { requests: { cpu: '500m', memory: '64Mi' }, limits: { memory: '64Mi' } },
      }),
    ]);
    const stalled = await eventually(
      async () => {
        const ms = await get(ns, 'microservice/order');
        return conditionOf(ms, 'Ready')?.reason === 'QuotaExceeded' ? ms : undefined;
      },
      { what: 'QuotaExceeded', timeoutMs: 90_000 },
    );
    expect(conditionOf(stalled, 'Ready')?.message).toMatch(/exceeded quota.*requests cpu 500m/);
    expect(conditionOf(stalled, 'Stalled')?.status).toBe('True');

    await apply(kubeconfig(), [
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'small', namespace: ns },
        spec: { hard: { 'requests.cpu': '4' } },
      },
    ]);
    await waitReady(ns, 'order');
  });

  it.each([
    { simulate: 'ImagePullBackOff', reason: 'ImagePullBackOff', message: /cannot be pulled/ },
    { simulate: 'CrashLoopBackOff', reason: 'CrashLoopBackOff', message: /keeps exiting/ },
    { simulate: 'OOMKilled', reason: 'OOMKilled', message: /memory limit \(256Mi, GOMEMLIMIT=241591910 bytes\)/ },
  ])('reports $reason from the pods', async ({ simulate, reason, message }) => {
    const ns = await e2e.namespace(simulate.toLowerCase());
    await e2e.operator(ns);
    await apply(kubeconfig(), [
      microService('order', ns, {
        replicas: 1,
        podAnnotations: { 'msvc.dev/simulate': simulate },
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } },
        runtime: { go: { version: '1.26' } },
      }),
    ]);
    const ms = await eventually(
      async () => {
        const m = await get(ns, 'microservice/order');
        return conditionOf(m, 'Ready')?.reason === reason ? m : undefined;
      },
      { what: reason, timeoutMs: 90_000 },
    );
    expect(conditionOf(ms, 'Ready')?.status).toBe('False');
    expect(conditionOf(ms, 'Ready')?.message).toMatch(message);
    const events = await kubectl(kubeconfig(), [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      'involvedObject.kind=MicroService',
      '-o',
      'json',
    ]);
    expect((JSON.parse(events.stdout) as { items: { reason: string; type: string }[] }).items).toContainEqual(
      expect.objectContaining({ reason, type: 'Warning' }),
    );
  });
});
