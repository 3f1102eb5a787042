// Optional children (kinds whose CRD may be missing, e.g. ServiceMonitor): applied only where
// discovery says the kind is served, named in ChildrenApplied when not, read by GET and pruned
// like the others. A scripted client stands in for the API server; the e2e suite proves the same
// on a real one (optional-kinds.e2e.test.ts).
import { describe, expect, it } from 'vitest';
import { Writer } from '../runtime/cache.ts';
import { ObjectError } from '../runtime/client.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import type { KindDiscovery } from '../runtime/discovery.ts';
import { MemoryEventRecorder } from '../runtime/events.ts';
import type { KubeObject } from '../runtime/key.ts';
import { silentLogger } from '../runtime/log.ts';
import { ApiError } from '../runtime/rest.ts';
import { CACHED_CHILD_KINDS, CHILD_KINDS, type MicroServiceObject, POD_INDEX, Reconciler } from './reconciler.ts';
import type { PodLike } from './status.ts';

const KEY = { namespace: 'shop', name: 'order' };
const ctx: ReconcileContext = { log: silentLogger, retries: 0, signal: new AbortController().signal };
const SM = 'monitoring.coreos.com/v1/ServiceMonitor';
const OPTIONAL = new Set<string>(CHILD_KINDS.flatMap((k) => ('crd' in k ? [k.kind] : [])));

function store<T extends KubeObject>(objects: T[] = [], indexers = {}) {
  const writer = new Writer<T>({ indexers });
  writer.apply({ type: 'Init' });
  for (const object of objects) writer.apply({ type: 'InitApply', object });
  writer.apply({ type: 'InitDone' });
  return writer;
}

const monitored = { monitoring: { port: 'metrics' } };
const microService = (spec: Record<string, unknown> = {}): MicroServiceObject => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', namespace: 'shop', uid: 'uid-1', generation: 1, resourceVersion: '10' },
  spec: {
    image: 'registry.example.com/shop/order:1.0.0',
    ports: [
      { name: 'http', port: 8080 },
      { name: 'metrics', port: 9102 },
    ],
    ...spec,
  },
});

/** `discovered`: what discovery reports; `served`: what the API server really serves (default the same). */
function setup(ms: MicroServiceObject, discovered: Set<string>, served: Set<string> = discovered) {
  const writes: string[] = [];
  const forgotten: string[] = [];
  /** Optional-kind objects "in the cluster", by kind. */
  const live = new Map<string, KubeObject>();
  let rv = 100;
  const client = {
    async apply(obj: KubeObject) {
      writes.push(`apply ${obj.kind}`);
      if (obj.kind === 'ServiceMonitor' && !served.has(SM)) {
        throw new ObjectError(
          'apply',
          { apiVersion: obj.apiVersion ?? '', kind: obj.kind, name: 'order' },
          new ApiError('the server could not find the requested resource', 404, 'NotFound'),
        );
      }
      rv += 1;
      const out = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv), uid: `uid-${obj.kind}` } };
      if (OPTIONAL.has(obj.kind ?? '')) live.set(obj.kind ?? '', out);
      return out;
    },
    async applyStatus(obj: KubeObject) {
      writes.push('status');
      return obj;
    },
    async get(ref: { kind: string }) {
      writes.push(`get ${ref.kind}`);
      return live.get(ref.kind);
    },
    // Children the cache does not hold are listed by name first (adoption.ts); none exists here.
    async list() {
      return [];
    },
    async delete(ref: { kind: string }) {
      writes.push(`delete ${ref.kind}`);
      live.delete(ref.kind);
      return true;
    },
  };
  const discovery = {
    recheckMs: 30_000,
    async served(apiVersion: string, kind: string) {
      return discovered.has(`${apiVersion}/${kind}`);
    },
    forget(apiVersion: string, kind: string) {
      forgotten.push(`${apiVersion}/${kind}`);
    },
  } as unknown as KindDiscovery;
  const microServices = store([ms]);
  const writers = Object.fromEntries(CACHED_CHILD_KINDS.map(({ kind }) => [kind, store<KubeObject>()]));
  const children = Object.fromEntries(Object.entries(writers).map(([kind, w]) => [kind, w.asStore()]));
  const reconciler = new Reconciler({
    client: client as never,
    microServices: microServices.asStore(),
    children: children as never,
    pods: store<PodLike>([], { [POD_INDEX]: () => [] }).asStore(),
    recorder: new MemoryEventRecorder(),
    discovery,
    now: () => new Date('2026-11-26T00:00:00Z'),
  });
  const statusOf = async () => {
    let status: { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined;
    client.applyStatus = async (obj: KubeObject) => {
      writes.push('status');
      status = (obj as { status?: typeof status }).status;
      return obj;
    };
    return () => status;
  };
  return { reconciler, writes, live, forgotten, microServices, writers, statusOf };
}

const childrenApplied = (status: { conditions?: { type: string; message?: string }[] } | undefined) =>
  status?.conditions?.find((c) => c.type === 'ChildrenApplied');

describe('optional children (CRD kinds)', () => {
  it('without the CRD: the rest is applied, the ServiceMonitor is named in ChildrenApplied, and discovery is asked again later', async () => {
    const t = setup(microService(monitored), new Set());
    const status = await t.statusOf();
    const result = await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toEqual([
      'apply ServiceAccount',
      'apply Service',
      'apply Deployment',
      'apply PodDisruptionBudget',
      'status',
    ]);
    expect(childrenApplied(status())).toMatchObject({
      status: 'False',
      reason: 'CRDNotInstalled',
      message: expect.stringContaining('ServiceMonitor order (CRD servicemonitors.monitoring.coreos.com)'),
    });
    expect(status()?.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('False');
    expect(result).toStrictEqual({ requeueAfterMs: 30_000 });
  });

  it('with the CRD: the ServiceMonitor is applied once (read by GET), and ChildrenApplied is True', async () => {
    const t = setup(microService(monitored), new Set([SM]));
    const status = await t.statusOf();
    expect(await t.reconciler.reconcile(KEY, ctx)).toStrictEqual({});
    expect(t.writes.filter((w) => w.includes('Monitor'))).toEqual([
      'get ServiceMonitor',
      'apply ServiceMonitor',
      // PodMonitor is not served either way: not even read.
    ]);
    expect(childrenApplied(status())).toMatchObject({ status: 'True', reason: 'Applied' });
    t.writes.length = 0;
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => w.includes('Monitor'))).toEqual(['get ServiceMonitor']);
  });

  it('removing spec.monitoring prunes the ServiceMonitor the MicroService owns', async () => {
    const t = setup(microService(monitored), new Set([SM]));
    const status = await t.statusOf();
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.live.has('ServiceMonitor')).toBe(true);
    // The spec without monitoring, with the status the last reconcile wrote (as the cache would see it).
    const next = microService();
    t.microServices.apply({
      type: 'Apply',
      object: {
        ...next,
        metadata: { ...next.metadata, generation: 2, resourceVersion: '11' },
        status: status() as never,
      },
    });
    t.writes.length = 0;
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toContain('delete ServiceMonitor');
    expect(t.live.has('ServiceMonitor')).toBe(false);
    expect(childrenApplied(status()), 'nothing optional is rendered any more: no condition').toBeUndefined();
  });

  it('a spec that never rendered an optional kind costs no reads for them, CRDs installed or not', async () => {
    const t = setup(microService(), new Set([SM, 'monitoring.coreos.com/v1/PodMonitor']));
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => w.includes('Monitor'))).toEqual([]);
  });

  it('a ServiceMonitor someone else owns is left alone', async () => {
    const t = setup(
      {
        ...microService(),
        status: {
          conditions: [
            {
              type: 'ChildrenApplied',
              status: 'True',
              reason: 'Applied',
              message: '',
              lastTransitionTime: '2026-11-26T00:00:00Z',
            },
          ],
        },
      },
      new Set([SM]),
    );
    t.live.set('ServiceMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: 'order',
        namespace: 'shop',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Foo', name: 'x', uid: 'other', controller: true }],
      },
    } as KubeObject);
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).not.toContain('delete ServiceMonitor');
  });

  it('a 404 on apply (the CRD was just removed) is reported as missing, and discovery forgets the kind', async () => {
    const t = setup(microService(monitored), new Set([SM]), new Set());
    const status = await t.statusOf();
    const result = await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toContain('apply ServiceMonitor');
    expect(t.forgotten).toStrictEqual([SM]);
    expect(childrenApplied(status())).toMatchObject({ status: 'False', reason: 'CRDNotInstalled' });
    expect(result).toStrictEqual({ requeueAfterMs: 30_000 });
  });
});

describe('routes and policies: built-in NetworkPolicy and Ingress, optional Gateway API routes and Istio AuthorizationPolicy', () => {
  const traffic = {
    mesh: { provider: 'istio' },
    routes: {
      parentRefs: [{ namespace: 'infra', name: 'shop' }],
      http: [{ port: 'http' }],
      grpc: [{ port: 'grpc' }],
      ingress: { className: 'nginx' },
    },
    allowedCallers: [{ namespace: 'infra' }],
  };
  const ports = [
    { name: 'http', port: 8080 },
    { name: 'grpc', port: 9090, protocol: 'GRPC' },
  ];
  const ROUTE_KINDS = ['gateway.networking.k8s.io/v1/HTTPRoute', 'gateway.networking.k8s.io/v1/GRPCRoute'];
  const ISTIO_AP = 'security.istio.io/v1/AuthorizationPolicy';

  it('without the CRDs: NetworkPolicy and Ingress are applied, and ChildrenApplied names each missing CRD with the field that renders it', async () => {
    const t = setup(microService({ ports, ...traffic }), new Set());
    const status = await t.statusOf();
    const result = await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).toEqual([
      'apply ServiceAccount',
      'apply Service',
      'apply Deployment',
      'apply PodDisruptionBudget',
      'apply Ingress',
      'apply NetworkPolicy',
      'status',
    ]);
    const condition = childrenApplied(status());
    expect(condition).toMatchObject({ status: 'False', reason: 'CRDNotInstalled' });
    for (const named of [
      'HTTPRoute order (CRD httproutes.gateway.networking.k8s.io)',
      'GRPCRoute order (CRD grpcroutes.gateway.networking.k8s.io)',
      'AuthorizationPolicy order (CRD authorizationpolicies.security.istio.io)',
      'spec.routes for HTTPRoute and GRPCRoute',
      'spec.allowedCallers for AuthorizationPolicy',
    ]) {
      expect(condition?.message).toContain(named);
    }
    expect(result).toStrictEqual({ requeueAfterMs: 30_000 });
  });

  it('with the CRDs: every kind is applied; dropping spec.routes and spec.allowedCallers prunes all five', async () => {
    const t = setup(microService({ ports, ...traffic }), new Set([...ROUTE_KINDS, ISTIO_AP]));
    const status = await t.statusOf();
    expect(await t.reconciler.reconcile(KEY, ctx)).toStrictEqual({});
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'Ingress', 'NetworkPolicy', 'AuthorizationPolicy']) {
      expect(t.writes).toContain(`apply ${kind}`);
    }
    expect([...t.live.keys()].sort()).toEqual(['AuthorizationPolicy', 'GRPCRoute', 'HTTPRoute']);
    expect(childrenApplied(status())).toMatchObject({ status: 'True', reason: 'Applied' });
    // What the informers would have cached of the two built-in kinds the reconcile applied.
    const owned = (apiVersion: string, kind: string): KubeObject => ({
      apiVersion,
      kind,
      metadata: {
        name: 'order',
        namespace: 'shop',
        uid: `uid-${kind}`,
        ownerReferences: [
          { apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', name: 'order', uid: 'uid-1', controller: true },
        ],
      },
    });
    t.writers['NetworkPolicy']?.apply({ type: 'Apply', object: owned('networking.k8s.io/v1', 'NetworkPolicy') });
    t.writers['Ingress']?.apply({ type: 'Apply', object: owned('networking.k8s.io/v1', 'Ingress') });
    const next = microService({ ports, mesh: { provider: 'istio' } });
    t.microServices.apply({
      type: 'Apply',
      object: {
        ...next,
        metadata: { ...next.metadata, generation: 2, resourceVersion: '11' },
        status: status() as never,
      },
    });
    t.writes.length = 0;
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => w.startsWith('delete')).sort()).toEqual([
      'delete AuthorizationPolicy',
      'delete GRPCRoute',
      'delete HTTPRoute',
      'delete Ingress',
      'delete NetworkPolicy',
    ]);
    expect(t.live.size).toBe(0);
  });
});
