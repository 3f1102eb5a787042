// Sharding across operator replicas (issue #20, item 2) on the real control plane: several
// operator processes started with --sharding, each holding its own Lease in one ring. Every
// MicroService must be reconciled by the replica the ring gives its uid to (status.reconciledBy,
// and the API server's audit log: every write to its Deployment came from that replica's process),
// each replica must cache only what it owns, a replica SIGKILLed and one added must move the
// ranges and converge, and a spec change on every MicroService after that is applied exactly once.
// Client-side filtering on the e2e cluster (feature gate ShardedListAndWatch off), server-side on
// a second cluster started with the gate on (the shardInfo echo, and each replica's watch carrying
// only its own MicroServices).
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterInfo, startCluster, stopCluster } from '../../test/e2e/cluster.ts';
import { installCrd } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../../test/e2e/operator-process.ts';
import { e2eClusterName, e2eKubeconfigPath, eventually } from '../../test/support/operator.ts';
import { Client } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/key.ts';
import { KubeRest } from '../runtime/rest.ts';
import { HASH_SPACE, liveMembers, Ring, type ShardLease, shardSelector } from '../runtime/ring.ts';
import { SHARD_RING_LABEL } from '../runtime/shard.ts';

const RING = 'e2e';
const MICROSERVICE = 'MicroService.msvc.dev/v1alpha1';

interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
}

interface MicroServiceLike extends KubeObject {
  status?: { reconciledBy?: string; observedGeneration?: number };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function restFor(kubeconfig: string): KubeRest {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  return new KubeRest(kubeConfig);
}

/** One sharded operator replica named `identity`; the lesson of the loaded 2-core machine: 15 s leases. */
async function startShard(kubeconfig: string, ns: string, identity: string): Promise<OperatorProcess> {
  const op = await startOperator({
    kubeconfig,
    namespaces: [ns],
    extraArgs: [
      '--sharding',
      '--shard-ring',
      RING,
      '--shard-identity',
      identity,
      '--lease-namespace',
      ns,
      '--lease-duration',
      '15',
      '--renew-deadline',
      '10',
      '--retry-period',
      '2',
      '--log-level',
      'info',
    ],
  });
  cleanups.push(() => op.stop('SIGKILL'));
  return op;
}

/** A sample of the operator's /metrics (the first series matching `pattern`, 0 if none). */
async function metric(op: OperatorProcess, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => !l.startsWith('#') && pattern.test(l));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

const members = (op: OperatorProcess) => metric(op, /^msvc_shard_members\{/);
const owned = (op: OperatorProcess) => metric(op, /^msvc_shard_owned_objects\{/);
const serverSide = (op: OperatorProcess) =>
  metric(op, new RegExp(`^msvc_shard_server_side\\{.*resource="${MICROSERVICE.replace(/\./g, '\\.')}"`));
const addedEvents = (op: OperatorProcess) =>
  metric(op, new RegExp(`^msvc_watch_events_total\\{resource="${MICROSERVICE.replace(/\./g, '\\.')}",type="ADDED"\\}`));

const DEPLOYMENT = 'Deployment.apps/v1';
/** The resources whose traffic per replica the test reports: the primary, children, pods. */
const RECEIVED = [MICROSERVICE, DEPLOYMENT, 'Service.v1', 'ServiceAccount.v1', 'Pod.v1'] as const;
const escaped = (resource: string) => resource.replace(/[./]/g, (c) => `\\${c}`);

/** What a replica received of `resource`: objects in list answers, and watch events (ADDED, MODIFIED, DELETED). */
async function received(op: OperatorProcess, resource: string): Promise<{ listed: number; events: number }> {
  const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
  const sum = (pattern: RegExp) =>
    text
      .split('\n')
      .filter((l) => pattern.test(l))
      .reduce((total, l) => total + Number(l.split(' ').at(-1)), 0);
  const r = escaped(resource);
  return {
    listed: sum(new RegExp(`^msvc_watch_list_objects_total\\{resource="${r}"\\}`)),
    events: sum(new RegExp(`^msvc_watch_events_total\\{resource="${r}",type="(ADDED|MODIFIED|DELETED)"\\}`)),
  };
}
const cached = (op: OperatorProcess, resource: string) =>
  metric(op, new RegExp(`^msvc_cache_objects\\{resource="${escaped(resource)}"\\}`));
const addedOf = (op: OperatorProcess, resource: string) =>
  metric(op, new RegExp(`^msvc_watch_events_total\\{resource="${escaped(resource)}",type="ADDED"\\}`));

/** One line per replica: what it received (listed + watch events) of each resource. */
async function receivedReport(replicas: ReadonlyMap<string, OperatorProcess>): Promise<string> {
  const lines: string[] = [];
  for (const [id, op] of replicas) {
    const parts = await Promise.all(
      RECEIVED.map(async (resource) => {
        const { listed, events } = await received(op, resource);
        return `${resource.split('.')[0]} ${listed}+${events}`;
      }),
    );
    lines.push(`  ${id}: ${parts.join(', ')}`);
  }
  return lines.join('\n');
}

/** The ring as the replicas derive it from the Leases in `ns` right now. */
async function ringNow(client: Client, ns: string): Promise<Ring> {
  const leases = await client.list<KubeObject>('coordination.k8s.io/v1', 'Lease', {
    namespace: ns,
    labelSelector: `${SHARD_RING_LABEL}=${RING}`,
  });
  return new Ring(liveMembers(leases as ShardLease[], Date.now()));
}

/** MicroServices with pods: a few (what is proven is who reconciles, not pods starting on a loaded machine). */
const WITH_PODS = 10;
const microService = (ns: string, name: string, tag: string, replicas = 0) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name, namespace: ns },
  spec: { image: `registry.example.com/shop/${name}:${tag}`, replicas, ports: [{ name: 'http', port: 8080 }] },
});

/** Each replica caches exactly the pods of the MicroServices it owns (pods follow their MicroService). */
async function podsCachedByOwner(
  client: Client,
  ns: string,
  replicas: ReadonlyMap<string, OperatorProcess>,
  owners: ReadonlyMap<string, string>,
): Promise<boolean> {
  const pods = await client.list<KubeObject>('v1', 'Pod', { namespace: ns });
  if (pods.length < WITH_PODS) return false;
  for (const [id, op] of replicas) {
    const mine = pods.filter((p) => owners.get(p.metadata?.labels?.['app.kubernetes.io/name'] ?? '') === id).length;
    if ((await metric(op, /^msvc_cache_objects\{resource="Pod\.v1"\}/)) !== mine) return false;
  }
  return true;
}

async function applyAll(client: Client, objects: KubeObject[]): Promise<void> {
  for (let i = 0; i < objects.length; i += 25) {
    await Promise.all(objects.slice(i, i + 25).map((obj) => client.apply(obj, { force: true })));
  }
}

/** Every MicroService's status names the member `ring` gives its uid, for the current generation. */
async function reconciledByOwners(client: Client, ns: string, ring: Ring, count: number): Promise<Map<string, string>> {
  const list = await client.list<MicroServiceLike>('msvc.dev/v1alpha1', 'MicroService', { namespace: ns });
  const owners = new Map<string, string>();
  for (const ms of list) {
    const owner = ring.ownerOfValue(ms.metadata?.uid ?? '');
    if (owner === undefined || ms.status?.reconciledBy !== owner) return new Map();
    if ((ms.status?.observedGeneration ?? 0) < (ms.metadata?.generation ?? 1)) return new Map();
    owners.set(ms.metadata?.name ?? '', owner);
  }
  return list.length === count ? owners : new Map();
}

/** The operator's writes (apply/patch/update) to the Deployments in `ns` since `since`, from the audit log. */
function deploymentWrites(auditLog: string, ns: string, since: string): AuditEvent[] {
  return readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"${ns}"`) && line.includes('deployments'))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter(
      (e) =>
        e.objectRef?.namespace === ns &&
        e.objectRef.resource === 'deployments' &&
        e.objectRef.subresource === undefined &&
        ['patch', 'update', 'create', 'apply'].includes(e.verb) &&
        // The operator's own (kube-controller-manager writes the revision annotation).
        (e.userAgent ?? '').startsWith('msvc-operator') &&
        Date.parse(e.requestReceivedTimestamp) >= Date.parse(since),
    );
}

/** The shard whose process sent an audited request (its User-Agent ends with the identity). */
const shardOf = (event: AuditEvent) => /; ([^;()]+)\)$/.exec(event.userAgent ?? '')?.[1];

beforeAll(async () => {
  await eventually(() => installCrd(e2eKubeconfigPath()).then(() => true), 'the CRD', 60_000);
});

describe('sharding across replicas', () => {
  it('3 replicas, 200 MicroServices: each reconciled by its owner only, a replica killed and one added, a spec change applied once each (client-side filtering)', async () => {
    const kubeconfig = e2eKubeconfigPath();
    const count = 200;
    const ns = (await createTestNamespace(kubeconfig, 'sharding')).name;
    const client = new Client(restFor(kubeconfig), { fieldManager: 'e2e-user' });
    const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const auditLog = e2eClusterName() ? clusterInfo(e2eClusterName()).auditLogPath : undefined;

    const replicas = new Map<string, OperatorProcess>();
    for (const id of ['shard-a', 'shard-b', 'shard-c']) replicas.set(id, await startShard(kubeconfig, ns, id));
    const all = () => [...replicas.values()];
    await eventually(
      async () => (await Promise.all(all().map(members))).every((m) => m === 3),
      'every replica to see 3 members',
      60_000,
    );

    const started = new Date().toISOString();
    await applyAll(
      client,
      names.map((name, i) => microService(ns, name, '1', i < WITH_PODS ? 1 : 0)),
    );
    const ring = await ringNow(client, ns);
    expect(ring.members).toEqual(['shard-a', 'shard-b', 'shard-c']);
    const owners = await eventually(
      async () => {
        const found = await reconciledByOwners(client, ns, ring, count);
        return found.size === count && found;
      },
      'every MicroService reconciled by its owner',
      240_000,
    );
    // Each replica caches exactly what it owns; the API server ignored the shardSelector (gate off),
    // so every replica's watch carried every MicroService, and the filter dropped the others.
    for (const [id, op] of replicas) {
      expect(await owned(op)).toBe([...owners.values()].filter((o) => o === id).length);
      expect(await serverSide(op)).toBe(0);
      expect(await addedEvents(op)).toBe(count);
    }
    for (const id of ring.members) expect([...owners.values()].filter((o) => o === id).length).toBeGreaterThan(20);
    // Children are selected server-side by their owner's bucket label (any API server): each
    // replica's Deployment watch carried only the Deployments of its own MicroServices, where its
    // MicroService watch (gate off: client-side) carried all 200.
    for (const [id, op] of replicas) {
      const mine = [...owners.values()].filter((o) => o === id).length;
      await eventually(
        async () => (await addedOf(op, DEPLOYMENT)) === mine && (await cached(op, DEPLOYMENT)) === mine,
        `${id}'s Deployment watch to have carried exactly its ${mine} Deployments`,
        60_000,
      );
    }
    console.error(
      `sharding e2e: received per replica (objects listed + watch events), after converging:\n${await receivedReport(replicas)}`,
    );
    await eventually(
      () => podsCachedByOwner(client, ns, replicas, owners),
      'each replica to cache the pods of its MicroServices',
      120_000,
    );
    if (auditLog) {
      const writes = deploymentWrites(auditLog, ns, started);
      expect(new Set(writes.map((e) => e.objectRef?.name)).size).toBe(count);
      console.error(`sharding e2e: ${writes.length} audited Deployment writes, each by its owner`);
      for (const e of writes)
        expect(`${e.objectRef?.name} by ${shardOf(e)}`).toBe(
          `${e.objectRef?.name} by ${owners.get(e.objectRef?.name ?? '')}`,
        );
    }

    // One replica SIGKILLed (its Lease expires after 15 s), one added (joins at once).
    const killedAt = Date.now();
    await replicas.get('shard-b')!.stop('SIGKILL');
    replicas.delete('shard-b');
    replicas.set('shard-d', await startShard(kubeconfig, ns, 'shard-d'));
    const after = new Ring(['shard-a', 'shard-c', 'shard-d']);
    const moved = await eventually(
      async () => {
        const found = await reconciledByOwners(client, ns, after, count);
        return found.size === count && found;
      },
      'every MicroService reconciled by its owner in the new ring',
      240_000,
    );
    const handOverSeconds = (Date.now() - killedAt) / 1000;
    const movedCount = names.filter((n) => moved.get(n) !== owners.get(n)).length;
    console.error(
      `sharding e2e: ${movedCount}/${count} MicroServices changed owner; all reconciled by their new owner ${handOverSeconds.toFixed(1)} s after the SIGKILL`,
    );
    // Only the keys of the member that left and of the one that joined moved (ring.ts' minimal movement).
    for (const n of names) {
      if (moved.get(n) !== owners.get(n)) expect(owners.get(n) === 'shard-b' || moved.get(n) === 'shard-d').toBe(true);
    }
    for (const [id, op] of replicas) {
      await eventually(
        async () => (await owned(op)) === [...moved.values()].filter((o) => o === id).length,
        `${id} to cache exactly what it owns`,
        30_000,
      );
    }
    await eventually(
      () => podsCachedByOwner(client, ns, replicas, moved),
      'each replica to cache the pods of its MicroServices after the hand-over',
      60_000,
    );
    // The new replica listed only its own buckets' Deployments (at its start and at each move of
    // the ring), never all 200; every replica caches exactly its own.
    for (const [id, op] of replicas) {
      const mine = [...moved.values()].filter((o) => o === id).length;
      await eventually(
        async () => (await cached(op, DEPLOYMENT)) === mine,
        `${id} to cache exactly its ${mine} Deployments`,
        30_000,
      );
    }
    const joiner = await received(replicas.get('shard-d')!, DEPLOYMENT);
    expect(joiner.listed).toBeLessThan(count);
    console.error(
      `sharding e2e: received per replica after the hand-over (objects listed + watch events):\n${await receivedReport(replicas)}`,
    );

    // A spec change on every MicroService: each Deployment written once, by its owner.
    const changedAt = new Date().toISOString();
    await applyAll(
      client,
      names.map((name, i) => microService(ns, name, '2', i < WITH_PODS ? 1 : 0)),
    );
    const image = async (name: string) =>
      (
        await client.get<KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }>({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: ns,
          name,
        })
      )?.spec?.template?.spec?.containers?.[0]?.image;
    await eventually(
      async () => (await Promise.all(names.map(image))).every((i) => i?.endsWith(':2')),
      'every Deployment at :2',
      240_000,
    );
    if (auditLog) {
      // Let a late duplicate show up before counting.
      await new Promise((r) => setTimeout(r, 3_000));
      const writes = deploymentWrites(auditLog, ns, changedAt);
      const perDeployment = new Map<string, string[]>();
      for (const e of writes)
        perDeployment.set(e.objectRef?.name ?? '', [
          ...(perDeployment.get(e.objectRef?.name ?? '') ?? []),
          shardOf(e) ?? '?',
        ]);
      expect(perDeployment.size).toBe(count);
      console.error(`sharding e2e: spec change: ${writes.length} audited Deployment writes for ${count} Deployments`);
      for (const [name, by] of perDeployment) expect(`${name}: ${by.join(',')}`).toBe(`${name}: ${moved.get(name)}`);
    }
    // The killed replica's Lease is deleted by a member a minute after it expired (pods come and go).
    await eventually(
      async () =>
        (await client.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name: 'shard-b' })) ===
        undefined,
      'the Lease of the killed replica to be deleted',
      150_000,
    );
    expect((await ringNow(client, ns)).members).toEqual(['shard-a', 'shard-c', 'shard-d']);
  }, 900_000);

  it('server-side: with ShardedListAndWatch on, the API server echoes the selector and each replica receives only its own MicroServices', async () => {
    const name = `${e2eClusterName() || 'msvc-e2e'}-ss`;
    const cluster = await startCluster({
      name,
      fresh: true,
      nodes: 1,
      kwokctlArgs: '--extra-args kube-apiserver=feature-gates=ShardedListAndWatch=true',
    });
    cleanups.push(() => stopCluster(name));
    const kubeconfig = cluster.kubeconfigPath;
    await eventually(() => installCrd(kubeconfig).then(() => true), 'the CRD', 60_000);
    const ns = (await createTestNamespace(kubeconfig, 'sharding-ss')).name;
    const rest = restFor(kubeconfig);
    const client = new Client(rest, { fieldManager: 'e2e-user' });
    const count = 40;
    const names = Array.from({ length: count }, (_, i) => `svc-${i}`);
    const replicas = new Map<string, OperatorProcess>();
    for (const id of ['shard-a', 'shard-b']) replicas.set(id, await startShard(kubeconfig, ns, id));
    await eventually(
      async () => (await Promise.all([...replicas.values()].map(members))).every((m) => m === 2),
      'both replicas to see 2 members',
      60_000,
    );
    await applyAll(
      client,
      names.map((n) => microService(ns, n, '1')),
    );
    const ring = await ringNow(client, ns);
    const owners = await eventually(
      async () => {
        const found = await reconciledByOwners(client, ns, ring, count);
        return found.size === count && found;
      },
      'every MicroService reconciled by its owner',
      180_000,
    );
    // Each replica's watch carried only its own MicroServices: together they received each once.
    let received = 0;
    for (const [id, op] of replicas) {
      expect(await serverSide(op)).toBe(1);
      const mine = [...owners.values()].filter((o) => o === id).length;
      expect(await owned(op)).toBe(mine);
      expect(await addedEvents(op)).toBe(mine);
      received += await addedEvents(op);
    }
    expect(received).toBe(count);
    // The echo, and the list with a replica's ranges holding exactly what the ring gives it.
    const info = await rest.resource('coordination.k8s.io/v1', 'Lease');
    const everything = shardSelector('object.metadata.uid', [{ start: 0n, end: HASH_SPACE }]);
    const leases = await rest.request<{ metadata?: { shardInfo?: { selector?: string } } }>({
      method: 'GET',
      path: rest.path(info, { namespace: ns }),
      query: { shardSelector: everything },
    });
    expect(leases.metadata?.shardInfo?.selector).toBe(everything);
    const msInfo = await rest.resource('msvc.dev/v1alpha1', 'MicroService');
    const mine = await rest.request<{ items?: KubeObject[] }>({
      method: 'GET',
      path: rest.path(msInfo, { namespace: ns }),
      query: { shardSelector: shardSelector('object.metadata.uid', ring.rangesOf('shard-a')) },
    });
    expect((mine.items ?? []).map((ms) => ms.metadata?.name).sort()).toEqual(
      names.filter((n) => owners.get(n) === 'shard-a').sort(),
    );
  }, 600_000);
});
