// The watcher and cache against a real API server and etcd: a relist after 410 Gone (etcd
// compaction while the watch was down), and an API server restart mid-run, without losing events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, restartApiServer } from '../../test/e2e/cluster.ts';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { e2eClusterName, e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from './client.ts';
import { Informer, type ObjectEvent } from './informer.ts';
import type { KubeObject } from './key.ts';
import { OperatorMetrics } from './metrics.ts';
import type { KubeRest } from './rest.ts';
import { stripManagedFields, type WatcherState } from './source.ts';

const MANAGED = { 'app.kubernetes.io/managed-by': 'msvc-operator' };
const rest = e2eRest();
const client = new Client(rest, { fieldManager: 'source-e2e' });
let namespace: TestNamespace;

beforeAll(async () => {
  namespace = await createTestNamespace(e2eKubeconfigPath(), 'op-source');
});
afterAll(async () => {
  await namespace?.cleanup();
});

function configMap(name: string, value: string, labels: Record<string, string> = MANAGED): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: namespace.name, labels },
    data: { value },
  };
}
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name });

/**
 * A transport whose watches can be cut and held down, standing in for a dropped connection: a
 * blocked watch fails like a refused connection, so the watcher backs off and retries with the
 * resourceVersion it had.
 */
function cuttableRest(inner: KubeRest) {
  let blocked = false;
  const cuts = new Set<AbortController>();
  const proxy = {
    kubeConfig: inner.kubeConfig,
    resource: (apiVersion: string, kind: string) => inner.resource(apiVersion, kind),
    path: (...args: Parameters<KubeRest['path']>) => inner.path(...args),
    request: <T>(options: Parameters<KubeRest['request']>[0]) => inner.request<T>(options),
    async *lines(options: Parameters<KubeRest['lines']>[0]) {
      if (blocked) throw Object.assign(new Error('connection refused (test)'), { status: 0 });
      const cut = new AbortController();
      cuts.add(cut);
      try {
        const signal = options.signal ? AbortSignal.any([options.signal, cut.signal]) : cut.signal;
        yield* inner.lines({ ...options, signal });
      } finally {
        cuts.delete(cut);
      }
    },
  } as unknown as KubeRest;
  return {
    rest: proxy,
    cut() {
      blocked = true;
      for (const cut of cuts) cut.abort(new Error('cut (test)'));
    },
    restore() {
      blocked = false;
    },
  };
}

function startInformer(transport: KubeRest, metrics = new OperatorMetrics()) {
  const states: WatcherState[] = [];
  const events: Array<ObjectEvent<KubeObject>> = [];
  const informer = new Informer<KubeObject>({
    rest: transport,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespaces: [namespace.name],
    labelSelector: 'app.kubernetes.io/managed-by=msvc-operator',
    // The transform hook: keep only what "reconcile" reads.
    transform: (obj) => {
      const { apiVersion, kind, metadata } = stripManagedFields(obj);
      return { apiVersion, kind, metadata, data: obj['data'] };
    },
    backoff: { initialMs: 200, maxMs: 1_000 },
    onState: (state) => states.push(state),
    metrics: metrics.forWatch('configmaps'),
  });
  informer.onEvent((event) => events.push(event));
  const abort = new AbortController();
  const running = informer.run(abort.signal);
  const stop = () => {
    abort.abort();
    return running;
  };
  return { informer, states, events, metrics, stop };
}

const values = (informer: Informer<KubeObject>) =>
  Object.fromEntries(
    informer.store
      .list()
      .map((obj) => [obj.metadata?.name, (obj['data'] as { value: string }).value])
      .sort(),
  );

describe('watcher + cache against a real API server', () => {
  it('caches only labelled objects, keeps them lean and dispatches Added/Updated/Deleted', async () => {
    await client.apply(configMap('w-a', '1'));
    await client.apply(configMap('w-unmanaged', '1', {}));
    const { informer, events, stop } = startInformer(rest);
    try {
      await informer.store.waitUntilReady(AbortSignal.timeout(30_000));
      expect(values(informer)).toEqual({ 'w-a': '1' });
      expect(informer.store.get(`${namespace.name}/w-a`)?.metadata?.managedFields).toBeUndefined();
      await client.apply(configMap('w-a', '2'));
      await client.apply(configMap('w-b', '1'));
      await client.delete(ref('w-a'));
      await eventually(() => events.some((e) => e.type === 'Deleted' && e.object.metadata?.name === 'w-a'), 'delete');
      expect(values(informer)).toEqual({ 'w-b': '1' });
      const summary = events.map((e) => `${e.type}:${e.object.metadata?.name}`);
      expect(summary).toEqual(['Added:w-a', 'Updated:w-a', 'Added:w-b', 'Deleted:w-a']);
      const update = events[1] as Extract<ObjectEvent<KubeObject>, { type: 'Updated' }>;
      expect(update.old['data']).toEqual({ value: '1' });
    } finally {
      await stop();
      await client.delete(ref('w-b'));
    }
  });

  it.skipIf(!e2eClusterName())(
    'relists after 410 Gone when its resourceVersion was compacted while the watch was down',
    async () => {
      await client.apply(configMap('g-keep', '1'));
      await client.apply(configMap('g-delete', '1'));
      await client.apply(configMap('g-update', '1'));
      const transport = cuttableRest(rest);
      const { informer, states, events, metrics, stop } = startInformer(transport.rest);
      try {
        await informer.store.waitUntilReady(AbortSignal.timeout(30_000));
        await eventually(() => states.at(-1)?.phase === 'Watching', 'the watch to start');
        const watchedFrom = (states.at(-1) as { resourceVersion: string }).resourceVersion;
        transport.cut();
        // Changes the watcher cannot see…
        await client.delete(ref('g-delete'));
        await client.apply(configMap('g-update', '2'));
        await client.apply(configMap('g-create', '1'));
        // …and history it cannot catch up on: compact etcd, and restart the API server so its
        // watch cache starts after our resourceVersion too.
        const status = JSON.parse(await etcdctl(e2eClusterName(), ['endpoint', 'status', '-w', 'json'])) as Array<{
          Status: { header: { revision: number } };
        }>;
        const revision = status[0]!.Status.header.revision;
        expect(revision).toBeGreaterThan(Number(watchedFrom));
        await etcdctl(e2eClusterName(), ['compact', String(revision)]);
        await restartApiServer(e2eClusterName());
        transport.restore();
        await eventually(
          () => values(informer)['g-create'] === '1' && !('g-delete' in values(informer)),
          'the relisted cache',
          60_000,
        );
        expect(values(informer)).toEqual({ 'g-create': '1', 'g-keep': '1', 'g-update': '2' });
        // The relist went through Empty again (a 410, not a resumed watch).
        const phases = states.map((s) => s.phase);
        expect(phases.filter((p) => p === 'Empty').length).toBeGreaterThanOrEqual(1);
        expect(await metrics.expose()).toMatch(/msvc_watch_relists_total\{resource="configmaps"\} [2-9]/);
        // The relist is turned into the events it implies, so handlers miss nothing.
        const after = events.slice(3).map((e) => `${e.type}:${e.object.metadata?.name}`);
        expect(after.sort()).toEqual(['Added:g-create', 'Deleted:g-delete', 'Updated:g-update']);
      } finally {
        transport.restore();
        await stop();
      }
    },
  );

  it.skipIf(!e2eClusterName())('survives an API server restart mid-run without losing an event', async () => {
    const { informer, events, stop } = startInformer(rest);
    try {
      await informer.store.waitUntilReady(AbortSignal.timeout(30_000));
      const restarting = restartApiServer(e2eClusterName());
      await restarting;
      await client.apply(configMap('r-after', '1'));
      await eventually(() => values(informer)['r-after'] === '1', 'the change made after the restart', 60_000);
      await client.apply(configMap('r-after', '2'));
      await eventually(() => values(informer)['r-after'] === '2', 'a second change', 30_000);
      expect(events.filter((e) => e.object.metadata?.name === 'r-after').map((e) => e.type)).toEqual([
        'Added',
        'Updated',
      ]);
    } finally {
      await stop();
    }
  });
});
