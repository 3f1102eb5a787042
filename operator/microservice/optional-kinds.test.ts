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
import {
  CACHED_CHILD_KINDS,
  CHILD_KINDS,
  kindKey,
  type MicroServiceObject,
  POD_INDEX,
  Reconciler,
} from './reconciler.ts';
import type { PodLike } from './status.ts';

const KEY = { namespace: 'shop', name: 'order' };
const ctx: ReconcileContext = { log: silentLogger, retries: 0, signal: new AbortController().signal };
const SM = 'monitoring.coreos.com/v1/ServiceMonitor';
const OPTIONAL = new Set<string>(CHILD_KINDS.flatMap((k) => ('crd' in k ? [kindKey(k)] : [])));
/** Where the fake cluster keeps an object: group, kind and name. */
const at = (ref: { apiVersion?: string; kind?: string }, name: string | undefined) => `${kindKey(ref)}/${name}`;

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
  /** Optional-kind objects "in the cluster", by `at` (kindKey/name). */
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
      if (OPTIONAL.has(kindKey(obj))) live.set(at(obj, obj.metadata?.name), out);
      return out;
    },
    async applyStatus(obj: KubeObject) {
      writes.push('status');
      return obj;
    },
    async get(ref: { apiVersion: string; kind: string; name: string }) {
      writes.push(`get ${ref.kind}`);
      return live.get(at(ref, ref.name));
    },
    // Children the cache does not hold are listed by name first (adoption.ts): none of the built-in
    // kinds exists here. Optional kinds with several children are listed by label to prune them.
    async list(apiVersion: string, kind: string, options: { labelSelector?: string } = {}) {
      if (OPTIONAL.has(kindKey({ apiVersion, kind }))) writes.push(`list ${kind}`);
      const [label, value] = (options.labelSelector ?? '').split('=');
      return [...live.values()].filter(
        (o) => kindKey(o) === kindKey({ apiVersion, kind }) && label && o.metadata?.labels?.[label] === value,
      );
    },
    async delete(ref: { apiVersion: string; kind: string; name: string }) {
      writes.push(`delete ${ref.kind}${OPTIONAL.has(kindKey(ref)) ? ` ${ref.name}` : ''}`);
      live.delete(at(ref, ref.name));
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
  const writers = Object.fromEntries(CACHED_CHILD_KINDS.map((k) => [kindKey(k), store<KubeObject>()]));
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
    expect(t.live.has('ServiceMonitor.monitoring.coreos.com/order')).toBe(true);
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
    expect(t.writes).toContain('delete ServiceMonitor order');
    expect(t.live.has('ServiceMonitor.monitoring.coreos.com/order')).toBe(false);
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
    t.live.set('ServiceMonitor.monitoring.coreos.com/order', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: 'order',
        namespace: 'shop',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Foo', name: 'x', uid: 'other', controller: true }],
      },
    } as KubeObject);
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes).not.toContain('delete ServiceMonitor order');
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
    expect([...t.live.keys()].sort()).toEqual([
      'AuthorizationPolicy.security.istio.io/order',
      'GRPCRoute.gateway.networking.k8s.io/order',
      'HTTPRoute.gateway.networking.k8s.io/order',
    ]);
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
    t.writers['NetworkPolicy.networking.k8s.io']?.apply({
      type: 'Apply',
      object: owned('networking.k8s.io/v1', 'NetworkPolicy'),
    });
    t.writers['Ingress.networking.k8s.io']?.apply({ type: 'Apply', object: owned('networking.k8s.io/v1', 'Ingress') });
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
      'delete AuthorizationPolicy order',
      'delete GRPCRoute order',
      'delete HTTPRoute order',
      'delete Ingress',
      'delete NetworkPolicy',
    ]);
    expect(t.live.size).toBe(0);
  });
});

describe("Linkerd's policy: several children of one kind, and a kind name Istio shares", () => {
  const LINKERD = [
    'policy.linkerd.io/v1beta3/Server',
    'policy.linkerd.io/v1alpha1/MeshTLSAuthentication',
    'policy.linkerd.io/v1alpha1/AuthorizationPolicy',
  ];
  const ISTIO_AP = 'security.istio.io/v1/AuthorizationPolicy';
  const callers = { allowedCallers: [{ namespace: 'web' }] };
  /** The next generation of the MicroService, with the status the last reconcile wrote. */
  const next = (t: ReturnType<typeof setup>, status: unknown, spec: Record<string, unknown>, generation: number) => {
    const ms = microService(spec);
    t.microServices.apply({
      type: 'Apply',
      object: {
        ...ms,
        metadata: { ...ms.metadata, generation, resourceVersion: String(10 + generation) },
        status: status as never,
      },
    });
    t.writes.length = 0;
  };

  it('a Server and an AuthorizationPolicy per port, pruned per port; the Istio AuthorizationPolicy is told apart by its group', async () => {
    const t = setup(microService({ mesh: { provider: 'istio' }, ...callers }), new Set([...LINKERD, ISTIO_AP]));
    const status = await t.statusOf();
    await t.reconciler.reconcile(KEY, ctx);
    expect([...t.live.keys()]).toEqual(['AuthorizationPolicy.security.istio.io/order']);

    // Istio → Linkerd: Linkerd's objects are applied, Istio's AuthorizationPolicy of the same kind name pruned.
    next(t, status(), { mesh: { provider: 'linkerd' }, ...callers }, 2);
    await t.reconciler.reconcile(KEY, ctx);
    expect([...t.live.keys()].sort()).toEqual([
      'AuthorizationPolicy.policy.linkerd.io/order-http',
      'AuthorizationPolicy.policy.linkerd.io/order-metrics',
      'MeshTLSAuthentication.policy.linkerd.io/order',
      'Server.policy.linkerd.io/order-http',
      'Server.policy.linkerd.io/order-metrics',
    ]);
    expect(t.writes.filter((w) => w.startsWith('delete'))).toEqual(['delete AuthorizationPolicy order']);
    expect(childrenApplied(status())).toMatchObject({ status: 'True' });

    // Unchanged: Linkerd's objects are read (one GET each, one LIST per kind with several), not written.
    // (The built-in kinds are applied again only because this test's caches never see the first apply.)
    next(t, status(), { mesh: { provider: 'linkerd' }, ...callers }, 2);
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => /Server|MeshTLS|AuthorizationPolicy/.test(w))).toEqual([
      'get Server',
      'get Server',
      'get MeshTLSAuthentication',
      'get AuthorizationPolicy',
      'get AuthorizationPolicy',
      'get AuthorizationPolicy', // Istio's, looked for by the prune: its CRD is served too
      'list Server',
      'list AuthorizationPolicy',
    ]);

    // One port fewer: its Server and AuthorizationPolicy go, the other port's stay.
    next(t, status(), { mesh: { provider: 'linkerd' }, ...callers, ports: [{ name: 'http', port: 8080 }] }, 3);
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => w.startsWith('delete')).sort()).toEqual([
      'delete AuthorizationPolicy order-metrics',
      'delete Server order-metrics',
    ]);
    expect(t.live.has('Server.policy.linkerd.io/order-http')).toBe(true);

    // No allowedCallers: every Linkerd object goes.
    next(t, status(), { mesh: { provider: 'linkerd' } }, 4);
    await t.reconciler.reconcile(KEY, ctx);
    expect(t.writes.filter((w) => w.startsWith('delete')).sort()).toEqual([
      'delete AuthorizationPolicy order-http',
      'delete MeshTLSAuthentication order',
      'delete Server order-http',
    ]);
    expect(t.live.size).toBe(0);
  });

  it('without the CRDs: each missing object is named once in ChildrenApplied, with spec.allowedCallers', async () => {
    const t = setup(microService({ mesh: { provider: 'linkerd' }, ...callers }), new Set());
    const status = await t.statusOf();
    await t.reconciler.reconcile(KEY, ctx);
    const message = childrenApplied(status())?.message ?? '';
    for (const named of [
      'Server order-http (CRD servers.policy.linkerd.io)',
      'Server order-metrics (CRD servers.policy.linkerd.io)',
      'MeshTLSAuthentication order (CRD meshtlsauthentications.policy.linkerd.io)',
      'AuthorizationPolicy order-http (CRD authorizationpolicies.policy.linkerd.io)',
      'spec.allowedCallers for Server and MeshTLSAuthentication and AuthorizationPolicy)',
    ]) {
      expect(message).toContain(named);
    }
  });
});
