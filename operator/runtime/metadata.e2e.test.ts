// Metadata-only informers against the real API server: list and watch answer PartialObjectMetadata
// (no data), objects keep the watched kind, and updates move the resourceVersion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from './client.ts';
import { Informer, type ObjectEvent } from './informer.ts';
import type { KubeObject } from './key.ts';

const rest = e2eRest();
const client = new Client(rest, { fieldManager: 'metadata-e2e' });
let namespace: TestNamespace;

beforeAll(async () => {
  namespace = await createTestNamespace(e2eKubeconfigPath(), 'op-metadata');
});
afterAll(async () => {
  await namespace?.cleanup();
});

const secret = (name: string, value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: namespace.name, labels: { app: 'metadata-e2e' } },
  stringData: { password: value },
});

describe('metadata-only informer', () => {
  it('never receives the data, keeps the kind and sees every change of resourceVersion', async () => {
    await client.apply(secret('listed', 'one'), { force: true });
    const seen: KubeObject[] = [];
    const events: ObjectEvent<KubeObject>[] = [];
    const informer = new Informer<KubeObject>({
      rest,
      apiVersion: 'v1',
      kind: 'Secret',
      namespaces: [namespace.name],
      metadataOnly: true,
      transform: (obj) => {
        seen.push(obj);
        return obj;
      },
    });
    informer.onEvent((event) => events.push(event));
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      await informer.store.waitUntilReady();
      const listed = informer.store.get({ namespace: namespace.name, name: 'listed' });
      expect(listed).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'listed' } });
      expect(listed?.metadata?.resourceVersion).toMatch(/^\d+$/);

      await client.apply(secret('watched', 'one'), { force: true });
      const created = await eventually(
        () => informer.store.get({ namespace: namespace.name, name: 'watched' }),
        'the watch to deliver the new Secret',
      );
      await client.apply(secret('watched', 'two'), { force: true });
      await eventually(
        () =>
          events.some(
            (e) =>
              e.type === 'Updated' &&
              e.object.metadata?.name === 'watched' &&
              e.object.metadata.resourceVersion !== created.metadata?.resourceVersion,
          ),
        'an Updated event with a new resourceVersion',
      );
      // What the API server sent, before any transform: metadata and nothing else.
      expect(seen.length).toBeGreaterThanOrEqual(3);
      for (const obj of seen) {
        expect(Object.keys(obj).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
      }
    } finally {
      stop.abort();
      await running;
    }
  });

  it('without metadataOnly the same watch receives the data (the flag is what keeps it out)', async () => {
    const informer = new Informer<KubeObject>({
      rest,
      apiVersion: 'v1',
      kind: 'Secret',
      namespaces: [namespace.name],
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      await informer.store.waitUntilReady();
      expect(informer.store.get({ namespace: namespace.name, name: 'listed' })).toHaveProperty('data');
    } finally {
      stop.abort();
      await running;
    }
  });
});
