// How the informer turns watcher events into Added/Updated/Deleted after the cache is updated,
// including the events a relist implies. Scripted transport; the real thing is in source.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { Informer, type ObjectEvent } from './informer.ts';
import type { KubeObject } from './key.ts';
import { ApiError, type KubeRest, type ResourceInfo } from './rest.ts';

type Step = { list: KubeObject[]; rv: string } | { watch: string[] } | { gone: true };

function scriptedRest(script: Step[]): KubeRest {
  const info: ResourceInfo = {
    group: '',
    version: 'v1',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
  };
  const next = () => script.shift() ?? new Promise<never>(() => {});
  return {
    resource: async () => info,
    path: () => '/api/v1/configmaps',
    request: async () => {
      const step = (await next()) as { list: KubeObject[]; rv: string };
      return { metadata: { resourceVersion: step.rv }, items: step.list };
    },
    lines: async function* (options: { signal?: AbortSignal }) {
      // Like the real transport, a pending watch ends when its signal aborts.
      const aborted = new Promise<never>((_, reject) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
      const step = (await Promise.race([next(), aborted])) as { watch: string[] } | { gone: true };
      if ('gone' in step) throw new ApiError('gone', 410, 'Expired');
      yield* step.watch;
    },
  } as unknown as KubeRest;
}

const cm = (name: string, rv: string): KubeObject => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });
const line = (type: string, object: KubeObject) => JSON.stringify({ type, object });

async function collect(script: Step[], count: number) {
  const informer = new Informer<KubeObject>({
    rest: scriptedRest(script),
    apiVersion: 'v1',
    kind: 'ConfigMap',
    backoff: { initialMs: 1, maxMs: 1 },
  });
  const abort = new AbortController();
  const seen: string[] = [];
  /** How many events had been seen when each list started. */
  const relists: number[] = [];
  informer.onRelist(() => relists.push(seen.length));
  const done = new Promise<void>((resolve) => {
    informer.onEvent((event: ObjectEvent<KubeObject>) => {
      // Listeners run after the cache update: the object is already readable.
      const cached = informer.store.get(`ns/${event.object.metadata?.name}`);
      seen.push(`${event.type}:${event.object.metadata?.name}:${cached === undefined ? 'absent' : 'cached'}`);
      if ('old' in event) seen.push(`  old rv ${event.old.metadata?.resourceVersion}`);
      if (seen.filter((s) => !s.startsWith(' ')).length === count) resolve();
    });
  });
  const running = informer.run(abort.signal);
  await done;
  abort.abort();
  await running;
  return { seen, informer, relists };
}

describe('Informer', () => {
  it('emits Added for the initial list only once the cache is ready, then watch events', async () => {
    const { seen } = await collect(
      [{ list: [cm('a', '1')], rv: '1' }, { watch: [line('MODIFIED', cm('a', '2')), line('DELETED', cm('a', '3'))] }],
      3,
    );
    expect(seen).toEqual(['Added:a:cached', 'Updated:a:cached', '  old rv 1', 'Deleted:a:absent']);
  });

  it('turns a relist after 410 into the events it implies, skipping unchanged objects, and tells onRelist first', async () => {
    const { seen, informer, relists } = await collect(
      [
        { list: [cm('same', '1'), cm('changed', '1'), cm('gone', '1')], rv: '1' },
        { gone: true },
        { list: [cm('same', '1'), cm('changed', '5'), cm('new', '6')], rv: '6' },
      ],
      6,
    );
    expect(seen.slice(0, 3)).toEqual(['Added:same:cached', 'Added:changed:cached', 'Added:gone:cached']);
    expect(seen.slice(3)).toEqual(['Updated:changed:cached', '  old rv 1', 'Added:new:cached', 'Deleted:gone:absent']);
    expect(informer.store.keys().sort()).toEqual(['ns/changed', 'ns/new', 'ns/same']);
    // onRelist: at the first list and at the relist, before any event of that list.
    expect(relists).toEqual([0, 3]);
  });
});

describe('Informer with a filter (sharding)', () => {
  it('caches only what the filter keeps, drops an object that stops passing, and relist() re-applies a changed filter', async () => {
    let kept = new Set(['a']);
    const queries: Array<Record<string, unknown>> = [];
    const script: Step[] = [
      { list: [cm('a', '1'), cm('b', '1')], rv: '1' },
      { watch: [line('MODIFIED', cm('b', '2')), line('DELETED', cm('b', '3')), line('MODIFIED', cm('a', '4'))] },
    ];
    const rest = scriptedRest(script);
    const request = rest.request.bind(rest);
    rest.request = (async (options: { query?: Record<string, unknown> }) => {
      queries.push(options.query ?? {});
      return request(options as never);
    }) as KubeRest['request'];
    let selector = 'shardRange(object.metadata.uid, 0x0000000000000000, 0x8000000000000000)';
    const informer = new Informer<KubeObject>({
      rest,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      backoff: { initialMs: 1, maxMs: 1 },
      filter: (obj) => kept.has(obj.metadata?.name ?? ''),
      shardSelector: () => selector,
    });
    const seen: string[] = [];
    informer.onEvent((event) => seen.push(`${event.type}:${event.object.metadata?.name}`));
    const abort = new AbortController();
    const running = informer.run(abort.signal);
    await informer.store.waitUntilReady();
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 1));
    // b was never cached, so neither its update nor its deletion reaches listeners.
    expect(seen).toEqual(['Added:a', 'Updated:a']);
    expect(informer.store.keys()).toEqual(['ns/a']);
    kept = new Set(['b']);
    // relist() with the filter changed: the restarted watch lists again.
    script.push({ list: [cm('a', '4'), cm('b', '5')], rv: '5' });
    selector = 'shardRange(object.metadata.uid, 0x8000000000000000, 0x10000000000000000)';
    await informer.relist();
    expect(informer.store.keys()).toEqual(['ns/b']);
    expect(seen.slice(2)).toEqual(['Added:b', 'Deleted:a']);
    // Each full list sends the selector of its moment.
    expect(queries.map((q) => q['shardSelector'])).toEqual([
      'shardRange(object.metadata.uid, 0x0000000000000000, 0x8000000000000000)',
      'shardRange(object.metadata.uid, 0x8000000000000000, 0x10000000000000000)',
    ]);
    abort.abort();
    await running;
  });
});

/** A scripted transport whose steps may be pushed while a list or watch waits for them. */
function pushableRest(): { rest: KubeRest; push: (step: Step) => void } {
  const steps: Step[] = [];
  const waiting: Array<(step: Step) => void> = [];
  const next = () => {
    const step = steps.shift();
    return step !== undefined ? Promise.resolve(step) : new Promise<Step>((resolve) => waiting.push(resolve));
  };
  const push = (step: Step) => {
    const waiter = waiting.shift();
    if (waiter) waiter(step);
    else steps.push(step);
  };
  const rest = scriptedRest([]);
  rest.request = (async () => {
    const step = (await next()) as { list: KubeObject[]; rv: string };
    return { metadata: { resourceVersion: step.rv }, items: step.list };
  }) as KubeRest['request'];
  rest.lines = async function* (options: { signal?: AbortSignal }) {
    const aborted = new Promise<never>((_, reject) => {
      if (options.signal?.aborted) reject(options.signal.reason);
      options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
    });
    const step = (await Promise.race([next(), aborted])) as { watch: string[] };
    yield* step.watch;
    // A watch that stays open until aborted (the real server's timeout is minutes away).
    await aborted;
  } as unknown as KubeRest['lines'];
  return { rest, push };
}

describe('Informer with several label selectors (sharded children)', () => {
  it('watches each selector, caches them as one store, reports an object that moves between them once, and reads a selector function at each list', async () => {
    // One transport per selector: `mine` (bucket labels, a function) and the unlabelled objects.
    let mine = 'bucket in (1,2)';
    const transports = new Map([
      ['bucket in (1,2)', pushableRest()],
      ['bucket in (3)', pushableRest()],
      ['!bucket', pushableRest()],
    ]);
    const queries: string[] = [];
    const pick = (query: Record<string, unknown> | undefined) => {
      const selector = String(query?.['labelSelector']);
      const transport = transports.get(selector);
      if (transport === undefined) throw new Error(`no script for ${selector}`);
      return transport.rest;
    };
    const rest = scriptedRest([]);
    rest.request = (async (options: { query?: Record<string, unknown> }) => {
      queries.push(String(options.query?.['labelSelector']));
      return pick(options.query).request(options as never);
    }) as KubeRest['request'];
    rest.lines = ((options: { query?: Record<string, unknown> }) =>
      pick(options.query).lines(options as never)) as KubeRest['lines'];
    const informer = new Informer<KubeObject>({
      rest,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      backoff: { initialMs: 1, maxMs: 1 },
      labelSelectors: [() => mine, '!bucket'],
    });
    const seen: string[] = [];
    informer.onEvent((event) => seen.push(`${event.type}:${event.object.metadata?.name}`));
    const until = async (n: number) => {
      while (seen.length < n) await new Promise((r) => setTimeout(r, 1));
    };
    const abort = new AbortController();
    const running = informer.run(abort.signal);
    transports.get('bucket in (1,2)')!.push({ list: [cm('a', '1')], rv: '1' });
    transports.get('!bucket')!.push({ list: [cm('old', '1')], rv: '1' });
    await informer.store.waitUntilReady();
    expect(informer.store.keys().sort()).toEqual(['ns/a', 'ns/old']);
    // `old` gets its bucket label: it arrives on one watch, then leaves the other: one Updated.
    transports.get('bucket in (1,2)')!.push({ watch: [line('ADDED', cm('old', '2'))] });
    await until(3);
    transports.get('!bucket')!.push({ watch: [line('DELETED', cm('old', '2'))] });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['Added:a', 'Added:old', 'Updated:old']);
    expect(informer.store.get('ns/old')?.metadata?.resourceVersion).toBe('2');
    // The ring moved: the relist asks for the new buckets, and drops what it no longer lists.
    mine = 'bucket in (3)';
    transports.get('bucket in (3)')!.push({ list: [cm('c', '4')], rv: '4' });
    transports.get('!bucket')!.push({ list: [], rv: '4' });
    await informer.relist();
    expect(informer.store.keys().sort()).toEqual(['ns/c']);
    expect(seen.slice(3).sort()).toEqual(['Added:c', 'Deleted:a', 'Deleted:old']);
    expect([...queries].sort()).toEqual(['!bucket', '!bucket', 'bucket in (1,2)', 'bucket in (3)']);
    abort.abort();
    await running;
  });
});
