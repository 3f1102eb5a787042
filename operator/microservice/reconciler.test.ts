// The reconciler's control flow, with real caches (Writer/Store) and a recording client in place
// of the API server. What the API server itself does with the writes (SSA merges, conflicts, GC)
// is proven in operator.e2e.test.ts; here: which writes happen, and which do not.
import { describe, expect, it } from 'vitest';
import { Writer } from '../runtime/cache.ts';
import { ObjectError } from '../runtime/client.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import { MemoryEventRecorder } from '../runtime/events.ts';
import { type KubeObject, stringKey } from '../runtime/key.ts';
import { silentLogger } from '../runtime/log.ts';
import { ApiError } from '../runtime/rest.ts';
import {
  CHILD_KINDS,
  kindKey,
  type MicroServiceObject,
  PermanentApplyError,
  POD_INDEX,
  Reconciler,
} from './reconciler.ts';
import type { PodLike } from './status.ts';

const KEY = { namespace: 'shop', name: 'order' };
const ctx: ReconcileContext = { log: silentLogger, retries: 0, signal: new AbortController().signal };

function store<T extends KubeObject>(objects: T[] = [], indexers = {}) {
  const writer = new Writer<T>({ indexers });
  writer.apply({ type: 'Init' });
  for (const object of objects) writer.apply({ type: 'InitApply', object });
  writer.apply({ type: 'InitDone' });
  return writer;
}

const microService = (spec: Record<string, unknown> = {}): MicroServiceObject => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', namespace: 'shop', uid: 'uid-1', generation: 1, resourceVersion: '10' },
  spec: { image: 'registry.example.com/shop/order:1.0.0', ports: [{ name: 'http', port: 8080 }], ...spec },
});

/** A client that records writes; applies answer with the object and a growing resourceVersion. */
function recordingClient(fail?: (obj: KubeObject) => Error | undefined) {
  let rv = 100;
  const writes: string[] = [];
  const applied: KubeObject[] = [];
  const statuses: KubeObject[] = [];
  /** Each request with the abort signal it was given. */
  const signals: Array<[string, AbortSignal | undefined]> = [];
  const client = {
    async apply(obj: KubeObject, options: { fieldManager?: string; signal?: AbortSignal } = {}) {
      signals.push(['apply', options.signal]);
      if (options.fieldManager !== undefined) {
        writes.push(`handoff by ${options.fieldManager}`);
        const handoffError = fail?.({ ...obj, kind: 'handoff' });
        if (handoffError) throw handoffError;
        return obj;
      }
      const error = fail?.(obj);
      writes.push(`apply ${obj.kind}`);
      if (error) throw error;
      rv += 1;
      const out = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
      applied.push(out);
      return out;
    },
    async applyStatus(obj: KubeObject, options: { signal?: AbortSignal } = {}) {
      signals.push(['applyStatus', options.signal]);
      writes.push('status');
      rv += 1;
      const out = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
      statuses.push(out);
      return out;
    },
    async get(_ref: unknown, options: { signal?: AbortSignal } = {}) {
      signals.push(['get', options.signal]);
      return undefined;
    },
    // Children the cache does not hold are listed by name first (adoption.ts); none exists here.
    async list(_apiVersion: string, _kind: string, options: { signal?: AbortSignal } = {}) {
      signals.push(['list', options.signal]);
      return [];
    },
    async delete(ref: { kind: string }, options: { signal?: AbortSignal } = {}) {
      signals.push(['delete', options.signal]);
      writes.push(`delete ${ref.kind}`);
      return true;
    },
  };
  return { client, writes, applied, statuses, signals };
}

function setup(ms: MicroServiceObject, fail?: (obj: KubeObject) => Error | undefined, reconciledBy?: string) {
  const microServices = store([ms]);
  const children = Object.fromEntries(CHILD_KINDS.map((k) => [kindKey(k), store<KubeObject>()])) as Record<
    string,
    Writer<KubeObject>
  >;
  const pods = store<PodLike>([], { [POD_INDEX]: () => [] });
  const { client, writes, applied, statuses, signals } = recordingClient(fail);
  const recorder = new MemoryEventRecorder();
  const reconciler = new Reconciler({
    client: client as never,
    microServices: microServices.asStore(),
    children: Object.fromEntries(Object.entries(children).map(([k, w]) => [k, w.asStore()])) as never,
    pods: pods.asStore(),
    recorder,
    // No optional (CRD) kind is served here: optional-kinds.test.ts covers them.
    discovery: { served: async () => false, forget: () => {}, recheckMs: 30_000 } as never,
    now: () => new Date('2026-11-26T00:00:00Z'),
    reconciledBy,
  });
  /** One watch event into a cache, told to the reconciler after it, as app.ts wires them. */
  const cacheEvent = (kind: string, writer: Writer<KubeObject>, object: KubeObject) => {
    const old = writer.asStore().get(stringKey(object));
    writer.apply({ type: 'Apply', object });
    t.reconciler.observe(kind, old ? { type: 'Updated', object, old } : { type: 'Added', object });
  };
  /** Lets the caches catch up with what was applied, as the watches would. */
  const sync = () => {
    for (const obj of applied.splice(0)) {
      const writer = children[kindKey(obj)];
      if (writer) cacheEvent(kindKey(obj), writer, obj);
    }
  };
  /** Lets the MicroService cache catch up with the status written (a status-only update: no reconcile follows). */
  const syncStatus = () => {
    for (const { metadata, status } of statuses.splice(0)) {
      const cached = microServices.asStore().get(stringKey({ metadata }))!;
      cacheEvent(
        'MicroService',
        microServices as Writer<KubeObject>,
        { ...cached, metadata: { ...cached.metadata, ...metadata }, status } as KubeObject,
      );
    }
  };
  /** A relist of `writer` that lists `objects` (after a 410: an etcd compaction or restore), told as app.ts does. */
  const relist = (writer: Writer<KubeObject>, objects: KubeObject[]) => {
    writer.apply({ type: 'Init' });
    t.reconciler.relisted();
    for (const object of objects) writer.apply({ type: 'InitApply', object });
    writer.apply({ type: 'InitDone' });
  };
  /** From now on the watch events of each write arrive before its answer (both race on the way back). */
  const eventsBeforeAnswers = () => {
    const { apply, applyStatus } = client;
    client.apply = async (...args: Parameters<typeof apply>) => {
      const out = await apply(...args);
      sync();
      return out;
    };
    client.applyStatus = async (...args: Parameters<typeof applyStatus>) => {
      const out = await applyStatus(...args);
      syncStatus();
      return out;
    };
  };
  const t = {
    reconciler,
    writes,
    statuses,
    microServices,
    children,
    sync,
    syncStatus,
    relist,
    recorder,
    signals,
    eventsBeforeAnswers,
  };
  return t;
}

describe('Reconciler', () => {
  it('applies every rendered child once, then writes nothing while nothing changes', async () => {
    const t = setup(microService());
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toEqual([
      'apply ServiceAccount',
      'apply Service',
      'apply Deployment',
      'apply PodDisruptionBudget',
      'status',
    ]);
    t.writes.length = 0;
    t.sync();
    await t.reconciler.reconcile(KEY, ctx);
    // Status differs from the cached (empty) one, but it is the status this process just wrote.
    expect(t.writes).toEqual([]);
  });

  it('names the shard in status.reconciledBy when sharded, once (no write while nothing changes), and not at all otherwise', async () => {
    const sharded = setup(microService(), undefined, 'shard-a');
    await sharded.reconciler.reconcile(KEY, ctx);
    expect(sharded.statuses.map((s) => (s['status'] as { reconciledBy?: string }).reconciledBy)).toEqual(['shard-a']);
    sharded.sync();
    sharded.syncStatus();
    sharded.writes.length = 0;
    await sharded.reconciler.reconcile(KEY, ctx);
    expect(sharded.writes).toEqual([]);
    const single = setup(microService());
    await single.reconciler.reconcile(KEY, ctx);
    expect(single.statuses[0]?.['status']).not.toHaveProperty('reconciledBy');
  });

  it('does not re-apply a change while the cache still holds the object from before it', async () => {
    const t = setup(microService());
    await t.reconciler.reconcile(KEY, ctx);
    t.sync();
    t.microServices.apply({ type: 'Apply', object: microService({ env: [{ name: 'LOG_LEVEL', value: 'debug' }] }) });
    t.writes.length = 0;
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => w.startsWith('apply'))).toEqual(['apply Deployment']);
    t.writes.length = 0;
    await t.reconciler.reconcile(KEY, ctx); // no sync(): the cache holds the old Deployment
    expect(t.writes).toEqual([]);
    t.sync();
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toEqual([]);
  });

  it('forgets what it applied once the MicroService is deleted (the memo does not grow without bound)', async () => {
    const t = setup(microService());
    await t.reconciler.reconcile(KEY, ctx);
    t.sync();
    t.microServices.apply({ type: 'Apply', object: microService({ env: [{ name: 'A', value: '1' }] }) });
    await t.reconciler.reconcile(KEY, ctx); // the Deployment and the status are remembered as in flight
    expect(t.reconciler.rememberedWrites).toBeGreaterThan(0);
    t.microServices.apply({ type: 'Delete', object: microService() });
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.reconciler.rememberedWrites).toBe(0);
  });

  it('remembers only writes in flight: once the caches show them (a status-only update queues no reconcile), nothing is', async () => {
    const t = setup(microService());
    await t.reconciler.reconcile(KEY, ctx); // children created (nothing to remember), status over rv 10
    t.sync();
    t.microServices.apply({ type: 'Apply', object: microService({ env: [{ name: 'A', value: '1' }] }) });
    await t.reconciler.reconcile(KEY, ctx); // the Deployment, applied over its cached version
    expect(t.reconciler.rememberedWrites).toBe(2);
    t.sync();
    expect(t.reconciler.rememberedWrites).toBe(1);
    t.syncStatus();
    expect(t.reconciler.rememberedWrites).toBe(0);
  });

  it('remembers nothing when the watch events of its writes arrive before their answers', async () => {
    const t = setup(microService());
    await t.reconciler.reconcile(KEY, ctx);
    t.sync();
    t.syncStatus();
    t.eventsBeforeAnswers();
    t.microServices.apply({ type: 'Apply', object: microService({ env: [{ name: 'A', value: '1' }] }) });
    await t.reconciler.reconcile(KEY, ctx); // the Deployment and the status written, the caches shown them
    expect(t.writes.filter((w) => w === 'apply Deployment' || w === 'status')).toHaveLength(4);
    // No cache event is coming for them: an entry now would stay until the next change.
    expect(t.reconciler.rememberedWrites).toBe(0);
  });

  it('forgets a deleted child, and a MicroService dropped at a relist, from the cache events alone', async () => {
    const t = setup(microService());
    await t.reconciler.reconcile(KEY, ctx);
    t.sync();
    t.microServices.apply({ type: 'Apply', object: microService({ env: [{ name: 'A', value: '1' }] }) });
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.reconciler.rememberedWrites).toBe(2);
    const deployment = t.children['Deployment.apps']!.asStore().get(KEY)!;
    t.children['Deployment.apps']!.apply({ type: 'Delete', object: deployment });
    t.reconciler.observe('Deployment.apps', { type: 'Deleted', object: deployment });
    expect(t.reconciler.rememberedWrites).toBe(1);
    // Deleted while the watch was down: the relist's InitDone drops it (the informer emits Deleted).
    const ms = t.microServices.asStore().get(KEY)!;
    t.microServices.apply({ type: 'Init' });
    expect(t.microServices.apply({ type: 'InitDone' })).toEqual([ms]);
    t.reconciler.observe('MicroService', { type: 'Deleted', object: ms });
    expect(t.reconciler.rememberedWrites).toBe(0);
  });

  it('re-applies a write an etcd restore undid, though the restored child carries the version it was applied over', async () => {
    const scenario = async (withRelist: boolean) => {
      const v1 = microService();
      const v2 = microService({ env: [{ name: 'A', value: '1' }] });
      const t = setup(v1);
      await t.reconciler.reconcile(KEY, ctx);
      t.sync();
      const snapshot = t.children['Deployment.apps']!.asStore().get(KEY)!; // etcdctl snapshot save
      t.microServices.apply({ type: 'Apply', object: v2 });
      await t.reconciler.reconcile(KEY, ctx); // applied; the restore comes before its watch event
      // etcdutl snapshot restore, API server restarted: the watches relist what the snapshot held.
      if (withRelist) {
        t.relist(t.microServices as Writer<KubeObject>, [v1]);
        t.relist(t.children['Deployment.apps']!, [snapshot]);
      } else t.microServices.apply({ type: 'Apply', object: v1 });
      await t.reconciler.reconcile(KEY, ctx);
      t.writes.length = 0;
      t.microServices.apply({ type: 'Apply', object: v2 }); // the change is made again (GitOps)
      await t.reconciler.reconcile(KEY, ctx);
      return t.writes.filter((w) => w.startsWith('apply'));
    };
    expect(await scenario(true)).toEqual(['apply Deployment']);
    // The same reads without a relist mean "the cache is behind": skipping is what the memo is for.
    expect(await scenario(false)).toEqual([]);
  });

  it("passes the reconcile's abort signal to every request it makes (lease lost: in-flight requests abort)", async () => {
    const t = setup(microService({ autoscaling: { minReplicas: 2, maxReplicas: 4 } }));
    await t.reconciler.reconcile(KEY, ctx); // creates, the replica hand-off, status
    t.sync();
    t.microServices.apply({ type: 'Apply', object: microService({ replicas: 1 }) });
    await t.reconciler.reconcile(KEY, ctx); // updates, prunes the HPA and PDB
    expect(new Set(t.signals.map(([request]) => request))).toEqual(new Set(['apply', 'applyStatus', 'list', 'delete']));
    for (const [request, signal] of t.signals) expect(signal, request).toBe(ctx.signal);
  });

  it('creates an autoscaled Deployment at minReplicas and hands the count to the HPA', async () => {
    const t = setup(microService({ autoscaling: { minReplicas: 3, maxReplicas: 6 } }));
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toContain('handoff by msvc-operator-handoff');
    expect(t.writes.indexOf('handoff by msvc-operator-handoff')).toBe(t.writes.indexOf('apply Deployment') + 1);
  });

  it('warns once that spec.replicas is ignored while autoscaled (kubectl scale), and again for a new count', async () => {
    const t = setup(microService({ replicas: 5, autoscaling: { maxReplicas: 6 } }));
    const ignored = () => t.recorder.events.filter((e) => e.reason === 'ReplicasIgnored');
    await t.reconciler.reconcile(KEY, ctx);
    expect(ignored()).toEqual([expect.objectContaining({ type: 'Warning' })]);
    expect(ignored()[0]?.message).toMatch(/^spec\.replicas \(5\) is ignored: HorizontalPodAutoscaler order owns/);
    t.sync();
    await t.reconciler.reconcile(KEY, ctx);
    expect(ignored()).toHaveLength(1);
    t.microServices.apply({ type: 'Apply', object: microService({ replicas: 7, autoscaling: { maxReplicas: 6 } }) });
    await t.reconciler.reconcile(KEY, ctx);
    expect(ignored().map((e) => e.message.slice(0, 19))).toEqual(['spec.replicas (5) i', 'spec.replicas (7) i']);
  });

  it('prunes a child it no longer renders', async () => {
    const t = setup(microService({ autoscaling: { maxReplicas: 4 } }));
    await t.reconciler.reconcile(KEY, ctx);
    t.sync();
    t.writes.length = 0;
    t.microServices.apply({ type: 'Apply', object: microService({ replicas: 1 }) });
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toContain('delete HorizontalPodAutoscaler');
    expect(t.writes).toContain('delete PodDisruptionBudget');
    expect(t.recorder.events.map((e) => e.reason)).toContain('Pruned');
  });

  it('leaves a namespace that is being deleted alone: no retry, no status', async () => {
    const terminating = new ObjectError(
      'apply',
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop', name: 'order' },
      Object.assign(new Error('unable to create new content in namespace shop because it is being terminated'), {}),
    );
    Object.defineProperty(terminating, 'status', { value: 403 });
    const t = setup(microService(), () => terminating);
    await expect(t.reconciler.reconcile(KEY, ctx)).resolves.toEqual({});
    expect(t.writes).toEqual(['apply ServiceAccount']);
  });

  it('reports any other failed apply in status and retries (throws)', async () => {
    const forbidden = new ObjectError(
      'apply',
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop', name: 'order' },
      new Error('serviceaccounts is forbidden'),
    );
    Object.defineProperty(forbidden, 'status', { value: 403 });
    const t = setup(microService(), () => forbidden);
    await expect(t.reconciler.reconcile(KEY, ctx)).rejects.toThrow(/forbidden/);
    expect(t.writes).toEqual(['apply ServiceAccount', 'status']);
    expect(t.recorder.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'Forbidden' }));
  });

  it('reports a permanent failure as Stalled and stops retrying, but retries a conflict of the unforced hand-off', async () => {
    const ref = { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop', name: 'order' };
    const invalid = new ObjectError('apply', ref, new ApiError('is invalid', 422, 'Invalid'));
    const t = setup(microService(), () => invalid);
    await expect(t.reconciler.reconcile(KEY, ctx)).rejects.toBeInstanceOf(PermanentApplyError);
    expect(t.recorder.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'Invalid' }));

    const conflict = new ObjectError('apply', ref, new ApiError('conflict', 409, 'Conflict'));
    const h = setup(microService({ autoscaling: { minReplicas: 2, maxReplicas: 4 } }), (obj) =>
      obj.kind === 'handoff' ? conflict : undefined,
    );
    const error = await h.reconciler.reconcile(KEY, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBe(conflict);
    expect(h.recorder.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'ApplyFailed' }));
  });
});
