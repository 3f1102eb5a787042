// The watcher and cache against a real API server and etcd: a relist after 410 Gone (etcd
// compaction while the watch was down), an API server restart mid-run, without losing events, and
// a flapping watch (behind a proxy that resets every watch after its first events) backing off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, restartApiServer } from '../../test/e2e/cluster.ts';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { startWatchProxy } from '../../test/e2e/watch-proxy.ts';
import { e2eClusterName, e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from './client.ts';
import { Informer, type ObjectEvent } from './informer.ts';
import type { KubeObject } from './key.ts';
import { OperatorMetrics } from './metrics.ts';
import { KubeRest } from './rest.ts';
import { type BackoffOptions, stripManagedFields, type WatcherState } from './source.ts';

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

function startInformer(
  transport: KubeRest,
  metrics = new OperatorMetrics(),
  backoff: BackoffOptions = { initialMs: 200, maxMs: 1_000 },
) {
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
    backoff,
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

describe('a flapping watch against a real API server', () => {
  // The watch goes through a proxy that resets each watch connection right after the API server's
  // first events on it, while lists and writes pass; a writer changes a ConfigMap every 100 ms,
  // so every watch that opens delivers something before it drops. The retry interval is read at
  // the proxy (from the reset to the next watch request) and the attempts in the watcher's own
  // msvc_watch_errors_total. With the back-off reset on every event (the bug of issue #14,
  // item 6) every interval stays within initialMs.
  it('backs off exponentially while each watch delivers and drops, and starts afresh after a stable watch', async () => {
    const backoff = { initialMs: 200, maxMs: 3_200, stableMs: 3_000 };
    const proxy = await startWatchProxy(e2eKubeconfigPath());
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await client.apply(configMap('flap', String(++writes)));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const metrics = new OperatorMetrics();
    const { informer, stop } = startInformer(new KubeRest(proxy.kubeconfig()), metrics, backoff);
    const cut = () => proxy.watches.filter((w) => w.cutAt !== undefined);
    /** From each reset to the next watch request: the retry interval, as the server side sees it. */
    const intervals = (from: number) => {
      const all = proxy.watches;
      const gaps: number[] = [];
      for (let i = from; i + 1 < all.length; i++) {
        const cutAt = all[i]!.cutAt;
        if (cutAt !== undefined) gaps.push(all[i + 1]!.at - cutAt);
      }
      return gaps;
    };
    const errors = async () =>
      Number((await metrics.expose()).match(/msvc_watch_errors_total\{resource="configmaps"\} (\d+)/)?.[1]);
    try {
      proxy.cutWatches(true);
      await informer.store.waitUntilReady(AbortSignal.timeout(30_000));
      // Ceilings 200, 400, 800, 1600, 3200, 3200 ms: the 7th watch comes 3.5-7 s after the first.
      await eventually(() => proxy.watches.length >= 7 && cut().length >= 7, 'seven cut watches', 30_000);
      const flapping = intervals(0).slice(0, 6);
      expect(flapping).toHaveLength(6);
      // Each delay is drawn from [d/2, d], d doubling from initialMs to maxMs: no retry comes sooner
      // than d/2 (with the bug, every one comes within initialMs), and the first is quick.
      const ceilings = [200, 400, 800, 1_600, 3_200, 3_200];
      for (const [i, interval] of flapping.entries())
        expect(interval, `retry ${i + 1}`).toBeGreaterThanOrEqual(ceilings[i]! / 2 - 50);
      expect(flapping[0]!).toBeLessThan(400);
      // Every cut watch is one failed attempt in the watcher's metrics; none needed a relist.
      await eventually(async () => (await errors()) === cut().length, 'msvc_watch_errors_total = cut watches');
      expect(await metrics.expose()).toMatch(/msvc_watch_relists_total\{resource="configmaps"\} 1\n/);

      // A watch that stays up and delivers for stableMs resets the back-off: the first retry after
      // it is quick again, and the ones after it grow again.
      proxy.cutWatches(false);
      await eventually(
        () => {
          const last = proxy.watches.at(-1)!;
          return last.cutAt === undefined && Date.now() - last.at > backoff.stableMs + 1_000;
        },
        'a watch up for longer than stableMs',
        15_000,
      );
      const stableAt = proxy.watches.length - 1;
      proxy.cutWatches(true);
      await eventually(() => intervals(stableAt).length >= 3, 'three more cut watches', 30_000);
      const afterStable = intervals(stableAt).slice(0, 3);
      expect(afterStable[0]!).toBeLessThan(400);
      expect(afterStable[2]!).toBeGreaterThanOrEqual(400 - 50);
      // No event was lost on the way: the cache holds the last write.
      proxy.cutWatches(false);
      writing = false;
      await writer;
      await eventually(() => values(informer)['flap'] === String(writes), 'the last write in the cache');
      console.log(
        `flapping watch: retry intervals ${flapping.join(', ')} ms; after a stable watch ${afterStable.join(', ')} ms`,
      );
    } finally {
      writing = false;
      await writer.catch(() => {});
      await stop();
      await proxy.close();
      await client.delete(ref('flap')).catch(() => {});
    }
  }, 90_000);
});
