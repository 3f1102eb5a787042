import { describe, expect, it } from 'vitest';
import { unionStore, Writer } from './cache.ts';
import type { KubeObject } from './key.ts';

function pod(namespace: string, name: string, labels: Record<string, string> = {}, resourceVersion = '1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels, resourceVersion } };
}

const byApp = { app: (obj: KubeObject) => (obj.metadata?.labels?.['app'] ? [obj.metadata.labels['app']] : []) };

describe('Writer and Store', () => {
  it('is not ready until the first InitDone; listed objects are there as they arrive', async () => {
    const writer = new Writer();
    const store = writer.asStore();
    let ready = false;
    void store.waitUntilReady().then(() => {
      ready = true;
    });
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: pod('ns', 'a') });
    await Promise.resolve();
    expect(store.ready).toBe(false);
    expect(ready).toBe(false);
    expect(store.get('ns/a')?.metadata?.name).toBe('a'); // no buffer: in place at once
    writer.apply({ type: 'InitDone' });
    await Promise.resolve();
    expect(store.ready).toBe(true);
    expect(ready).toBe(true);
    expect(store.get({ namespace: 'ns', name: 'a' })?.metadata?.name).toBe('a');
  });

  it('swaps a relist in object by object, and drops (and returns) at InitDone what was deleted meanwhile', () => {
    const writer = new Writer();
    const store = writer.asStore();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: pod('ns', 'a') });
    writer.apply({ type: 'InitApply', object: pod('ns', 'b') });
    writer.apply({ type: 'InitDone' });
    // 410 → relist: b was deleted meanwhile, c created.
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: pod('ns', 'a', {}, '5') });
    writer.apply({ type: 'InitApply', object: pod('ns', 'c') });
    // Each listed object replaced its old version at once (one copy in memory, never two);
    // b, deleted while the watch was down, stays until the relist is complete.
    expect(store.keys().sort()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    expect(store.get('ns/a')?.metadata?.resourceVersion).toBe('5');
    const vanished = writer.apply({ type: 'InitDone' });
    expect(vanished.map((obj) => obj.metadata?.name)).toEqual(['b']);
    expect(store.keys().sort()).toEqual(['ns/a', 'ns/c']);
    expect(store.get('ns/a')?.metadata?.resourceVersion).toBe('5');
    expect(store.ready).toBe(true);
  });

  it('applies and deletes single objects', () => {
    const writer = new Writer();
    const store = writer.asStore();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitDone' });
    writer.apply({ type: 'Apply', object: pod('ns', 'a') });
    writer.apply({ type: 'Apply', object: pod('other', 'b') });
    expect(store.list('ns').map((obj) => obj.metadata?.name)).toEqual(['a']);
    expect(store.list()).toHaveLength(2);
    expect(writer.apply({ type: 'Delete', object: pod('ns', 'a') })).toHaveLength(1);
    expect(writer.apply({ type: 'Delete', object: pod('ns', 'gone') })).toEqual([]);
    expect(store.keys()).toEqual(['other/b']);
  });

  it('keeps indices current through apply, delete and relist', () => {
    const writer = new Writer({ indexers: byApp });
    const store = writer.asStore();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: pod('ns', 'a', { app: 'x' }) });
    writer.apply({ type: 'InitDone' });
    writer.apply({ type: 'Apply', object: pod('ns', 'b', { app: 'x' }) });
    expect(
      store
        .listByIndex('app', 'x')
        .map((obj) => obj.metadata?.name)
        .sort(),
    ).toEqual(['a', 'b']);
    writer.apply({ type: 'Apply', object: pod('ns', 'a', { app: 'y' }) }); // relabelled
    expect(store.listByIndex('app', 'x').map((obj) => obj.metadata?.name)).toEqual(['b']);
    expect(store.listByIndex('app', 'y').map((obj) => obj.metadata?.name)).toEqual(['a']);
    writer.apply({ type: 'Delete', object: pod('ns', 'b', { app: 'x' }) });
    expect(store.listByIndex('app', 'x')).toEqual([]);
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: pod('ns', 'c', { app: 'x' }) });
    writer.apply({ type: 'InitDone' });
    expect(store.listByIndex('app', 'x').map((obj) => obj.metadata?.name)).toEqual(['c']);
    expect(store.listByIndex('app', 'y')).toEqual([]);
    expect(() => store.listByIndex('nope', 'x')).toThrow(/unknown index/);
  });

  it('rejects waitUntilReady when the signal aborts first', async () => {
    const store = new Writer().asStore();
    const abort = new AbortController();
    const waiting = store.waitUntilReady(abort.signal);
    abort.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
  });

  it('reports its size', () => {
    const sizes: number[] = [];
    const writer = new Writer({ onSize: (size) => sizes.push(size) });
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: pod('ns', 'a') });
    writer.apply({ type: 'InitDone' });
    writer.apply({ type: 'Apply', object: pod('ns', 'b') });
    writer.apply({ type: 'Delete', object: pod('ns', 'a') });
    expect(sizes).toEqual([1, 1, 2, 1]); // listed, InitDone, Apply, Delete
  });
});

describe('unionStore', () => {
  it('reads across per-namespace stores and is ready when all are', () => {
    const one = new Writer();
    const two = new Writer();
    const store = unionStore([one.asStore(), two.asStore()]);
    one.apply({ type: 'Init' });
    one.apply({ type: 'InitApply', object: pod('a', 'x') });
    one.apply({ type: 'InitDone' });
    expect(store.ready).toBe(false);
    two.apply({ type: 'Init' });
    two.apply({ type: 'InitApply', object: pod('b', 'y') });
    two.apply({ type: 'InitDone' });
    expect(store.ready).toBe(true);
    expect(store.get('b/y')?.metadata?.name).toBe('y');
    expect(store.keys().sort()).toEqual(['a/x', 'b/y']);
  });
});
