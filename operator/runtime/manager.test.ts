// Wiring without a cluster: watches feed the controller's queue through their predicate and
// handler, and stop() ends run() with exit code 0. The process-level behaviour (SIGTERM, Lease,
// standby) is in manager.e2e.test.ts.
import { describe, expect, it, vi } from 'vitest';
import type { Reconcile } from './controller.ts';
import { enqueueOwner, enqueueSelf } from './handler.ts';
import type { KubeObject } from './key.ts';
import { silentLogger } from './log.ts';
import { Manager } from './manager.ts';
import { skipStatusOnlyUpdates } from './predicate.ts';
import type { KubeRest, RequestOptions } from './rest.ts';

/** Serves one list and one watch stream per kind, then holds the watch open until aborted. */
interface Script {
  list: KubeObject[];
  watch: Array<{ type: string; object: KubeObject }>;
  /** The watch events are sent only after this resolves. */
  after?: Promise<unknown>;
}

function scriptedRest(byKind: Record<string, Script>) {
  const served = new Set<string>();
  const kindOf = (path: string) => path.split('/').at(-1)!;
  return {
    resource: async (apiVersion: string, kind: string) => ({
      group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '',
      version: apiVersion.split('/').at(-1),
      apiVersion,
      kind,
      plural: kind,
      namespaced: true,
    }),
    path: (info: { plural: string }) => `/x/${info.plural}`,
    request: async (options: RequestOptions) => ({
      metadata: { resourceVersion: '1' },
      items: byKind[kindOf(options.path)]?.list ?? [],
    }),
    lines: async function* (options: { path: string; signal?: AbortSignal }) {
      const kind = kindOf(options.path);
      if (!served.has(kind)) {
        served.add(kind);
        await byKind[kind]?.after;
        for (const event of byKind[kind]?.watch ?? []) yield JSON.stringify(event);
      }
      await new Promise((_, reject) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
    },
  } as unknown as KubeRest;
}

const ms = (name: string, generation: number, status: unknown = {}): KubeObject => ({
  metadata: { namespace: 'shop', name, generation, resourceVersion: `${generation}-${JSON.stringify(status)}` },
  status,
});
const deployment = (name: string, owner: string): KubeObject => ({
  metadata: {
    namespace: 'shop',
    name,
    resourceVersion: '7',
    ownerReferences: [
      { apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', name: owner, uid: 'u', controller: true },
    ],
  },
});

function setup(rest: KubeRest) {
  const manager = new Manager({
    fieldManager: 'test',
    rest,
    log: silentLogger,
    healthAddress: false,
    handleSignals: false,
  });
  const microServices = manager.informer<KubeObject>({ apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService' });
  const deployments = manager.informer<KubeObject>({ apiVersion: 'apps/v1', kind: 'Deployment' });
  return { manager, microServices, deployments };
}

describe('Manager', () => {
  it('skips status-only updates of the primary resource through its predicate', async () => {
    let orderStarted!: () => void;
    const after = new Promise<void>((resolve) => {
      orderStarted = resolve;
    });
    const { manager, microServices, deployments } = setup(
      scriptedRest({
        MicroService: {
          after,
          list: [ms('order', 1)],
          watch: [
            { type: 'MODIFIED', object: ms('order', 1, { ready: true }) }, // status only
            { type: 'ADDED', object: ms('cart', 1) },
          ],
        },
      }),
    );
    const seen: string[] = [];
    manager.controller({
      name: 'microservice',
      maxConcurrentReconciles: 1,
      watches: [
        { informer: microServices, handler: enqueueSelf(), predicate: skipStatusOnlyUpdates() },
        { informer: deployments, handler: enqueueOwner({ group: 'msvc.dev', kind: 'MicroService' }) },
      ],
      reconcile: async (key) => {
        seen.push(`${key.namespace}/${key.name}`);
        // The update arrives while `order` runs: unfiltered, it would be held and run it again.
        orderStarted();
        await vi.waitFor(() => expect(microServices.store.get('shop/cart')).toBeDefined());
        return {};
      },
    });
    const running = manager.run();
    await vi.waitFor(() => expect(seen).toEqual(['shop/order', 'shop/cart']));
    expect(manager.cachesSynced()).toBe(true);
    await manager.stop();
    expect(await running).toBe(0);
    expect(seen).toEqual(['shop/order', 'shop/cart']);
  });

  it('reconciles the owner when an owned object changes', async () => {
    const { manager, microServices, deployments } = setup(
      scriptedRest({
        MicroService: { list: [], watch: [] },
        Deployment: { list: [], watch: [{ type: 'ADDED', object: deployment('order-deploy', 'order') }] },
      }),
    );
    const reconcile = vi.fn<Reconcile>(async () => ({}));
    manager.controller({
      name: 'microservice',
      reconcile,
      watches: [
        { informer: microServices, handler: enqueueSelf() },
        { informer: deployments, handler: enqueueOwner({ group: 'msvc.dev', kind: 'MicroService' }) },
      ],
    });
    const running = manager.run();
    await vi.waitFor(() => expect(reconcile).toHaveBeenCalledTimes(1));
    expect(reconcile.mock.calls[0]?.[0]).toEqual({ namespace: 'shop', name: 'order' });
    await manager.stop();
    expect(await running).toBe(0);
  });
});
