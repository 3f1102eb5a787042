// The watcher's state machine against a scripted transport. The API server's own watch semantics
// (410 after compaction, restarts) are exercised for real in source.e2e.test.ts.
import { describe, expect, it, vi } from 'vitest';
import type { KubeObject } from './key.ts';
import { ApiError, type KubeRest, type RequestOptions, type ResourceInfo } from './rest.ts';
import {
  Backoff,
  type BackoffOptions,
  retryDelayMs,
  stripManagedFields,
  type WatchEvent,
  type WatcherState,
  watcher,
} from './source.ts';

type Script = Array<
  | { list: { items: KubeObject[]; rv: string; continue?: string } }
  | { listFails: ApiError }
  | { watch: Array<string | ApiError> | ApiError }
>;

const info: ResourceInfo = {
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

function fakeRest(script: Script, requests: Array<Record<string, unknown>>): KubeRest {
  const next = () => {
    const step = script.shift();
    if (step === undefined) return new Promise<never>(() => {}); // hang: the test aborts
    return Promise.resolve(step);
  };
  return {
    resource: async () => info,
    path: () => '/api/v1/configmaps',
    request: async (options: RequestOptions) => {
      requests.push({ kind: 'list', ...options.query });
      const step = await next();
      if ('listFails' in step) throw step.listFails;
      if (!('list' in step)) throw new Error('script expected a watch');
      return { metadata: { resourceVersion: step.list.rv, continue: step.list.continue }, items: step.list.items };
    },
    lines: async function* (options: Omit<RequestOptions, 'method' | 'body'>) {
      requests.push({ kind: 'watch', ...options.query });
      const step = await next();
      if (!('watch' in step)) throw new Error('script expected a list');
      if (step.watch instanceof ApiError) throw step.watch;
      for (const item of step.watch) {
        if (item instanceof ApiError) throw item;
        yield item;
      }
    },
  } as unknown as KubeRest;
}

const cm = (name: string, rv: string): KubeObject => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });
const line = (type: string, object: unknown) => JSON.stringify({ type, object });

async function take(script: Script, count: number, backoff: BackoffOptions = { initialMs: 1, maxMs: 2 }) {
  const requests: Array<Record<string, unknown>> = [];
  const states: WatcherState[] = [];
  const abort = new AbortController();
  const events: Array<WatchEvent<KubeObject>> = [];
  const delays: number[] = [];
  const rest = fakeRest(script, requests);
  const options = {
    rest,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    backoff,
    onState: (s: WatcherState) => states.push(s),
    onRetry: (delayMs: number) => delays.push(delayMs),
  };
  for await (const event of watcher(options, abort.signal)) {
    events.push(event);
    if (events.length === count) break;
  }
  abort.abort();
  const summary = events.map((e) => ('object' in e ? `${e.type}:${e.object.metadata?.name}` : e.type));
  return { events, summary, requests, states, delays };
}

describe('watcher', () => {
  it('lists page by page, then watches from the list resourceVersion with bookmarks', async () => {
    const { summary, requests } = await take(
      [
        { list: { items: [cm('a', '1')], rv: '', continue: 'tok' } },
        { list: { items: [cm('b', '2')], rv: '10' } },
        { watch: [line('ADDED', cm('c', '11')), line('BOOKMARK', { metadata: { resourceVersion: '15' } })] },
        { watch: [line('DELETED', cm('a', '16'))] },
      ],
      6,
    );
    expect(summary).toEqual(['Init', 'InitApply:a', 'InitApply:b', 'InitDone', 'Apply:c', 'Delete:a']);
    // Pages of 100 by default: a small transient per page (pageSize).
    expect(requests[0]).toMatchObject({ kind: 'list', limit: 100 });
    expect(requests[1]).toMatchObject({ kind: 'list', continue: 'tok', limit: 100 });
    expect(requests[2]).toMatchObject({ kind: 'watch', resourceVersion: '10', allowWatchBookmarks: true, watch: true });
    // The second watch resumes from the bookmark's resourceVersion, not the last object's.
    expect(requests[3]).toMatchObject({ kind: 'watch', resourceVersion: '15' });
  });

  it("asks every watch for a server-side timeout jittered over 5–10 min (client-go's reflector: minWatchTimeout × (1 + rand))", async () => {
    const random = vi.spyOn(Math, 'random');
    try {
      random.mockReturnValueOnce(0).mockReturnValueOnce(0.9999);
      const { requests } = await take(
        [
          { list: { items: [], rv: '10' } },
          { watch: [line('BOOKMARK', { metadata: { resourceVersion: '11' } })] },
          { watch: [line('ADDED', cm('a', '12'))] },
        ],
        3,
      );
      expect(requests.filter((r) => r.kind === 'watch').map((r) => r.timeoutSeconds)).toEqual([300, 599]);
    } finally {
      random.mockRestore();
    }
  });

  it('relists after a 410 Gone watch event', async () => {
    const gone = line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    const { summary, requests, states } = await take(
      [{ list: { items: [cm('a', '1')], rv: '5' } }, { watch: [gone] }, { list: { items: [cm('b', '20')], rv: '20' } }],
      6,
    );
    expect(summary).toEqual(['Init', 'InitApply:a', 'InitDone', 'Init', 'InitApply:b', 'InitDone']);
    expect(requests.map((r) => r['kind'])).toEqual(['list', 'watch', 'list']);
    expect(states.map((s) => s.phase)).toContain('Empty');
  });

  it('relists after a 410 answer to the watch request, and resumes after other errors', async () => {
    const { summary, requests } = await take(
      [
        { list: { items: [], rv: '5' } },
        { watch: new ApiError('connection refused', 0, 'Transport') },
        { watch: [line('ADDED', cm('a', '6'))] },
        { watch: new ApiError('gone', 410, 'Expired') },
        { list: { items: [cm('a', '9')], rv: '9' } },
      ],
      6,
    );
    expect(summary).toEqual(['Init', 'InitDone', 'Apply:a', 'Init', 'InitApply:a', 'InitDone']);
    expect(requests.map((r) => `${r['kind']}:${r['resourceVersion'] ?? ''}`)).toEqual([
      'list:',
      'watch:5',
      'watch:5', // transport error: resume from the same resourceVersion
      'watch:6',
      'list:',
    ]);
  });

  it('sets apiVersion and kind on listed items and strips managedFields by default', async () => {
    const item = {
      metadata: {
        namespace: 'ns',
        name: 'a',
        managedFields: [{ manager: 'kubectl' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
      },
    };
    const { events } = await take([{ list: { items: [item], rv: '1' } }], 2);
    const object = (events[1] as { object: KubeObject }).object;
    expect(object).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'ns', name: 'a', annotations: { keep: 'me' } },
    });
  });

  it('stripManagedFields leaves its input alone', () => {
    const input = { metadata: { name: 'a', managedFields: [] } };
    stripManagedFields(input);
    expect(input.metadata.managedFields).toEqual([]);
  });

  it('starts the back-off over after a 2xx answer (a list that succeeds after failures)', async () => {
    const failing = () => ({ listFails: new ApiError('etcdserver: request timed out', 500, 'InternalError') });
    const { delays } = await take(
      [
        failing(),
        failing(),
        failing(),
        { list: { items: [], rv: '1' } },
        { watch: new ApiError('etcdserver: leader changed', 500, 'InternalError') },
        { watch: [line('ADDED', cm('a', '2'))] },
      ],
      3,
      { initialMs: 4, maxMs: 10_000 },
    );
    // Ceilings 4, 8, 16 (each delay in [d/2, d]) while failing; 4 again once the list succeeded.
    expect(delays).toHaveLength(4);
    expect(delays[2]).toBeGreaterThanOrEqual(8);
    expect(delays[3]).toBeLessThanOrEqual(4);
  });

  it('keeps backing off a flapping watch (one event, then a drop) instead of resetting on every event', async () => {
    const broke = new ApiError('read ECONNRESET', 0, 'Transport');
    const flap = (rv: string) => ({ watch: [line('MODIFIED', cm('a', rv)), broke] });
    const { delays } = await take(
      [{ list: { items: [cm('a', '1')], rv: '1' } }, flap('2'), flap('3'), flap('4'), flap('5'), flap('6'), flap('7')],
      9,
      { initialMs: 4, maxMs: 10_000, unreachableMaxMs: 8 },
    );
    // Doubling ceilings 4, 8, 16, 32, 64 (each delay in [d/2, d]); a reset per event would keep them ≤ 4.
    expect(delays.length).toBeGreaterThanOrEqual(5);
    expect(delays[4]).toBeGreaterThanOrEqual(32);
  });
});

describe('retryDelayMs', () => {
  /** After a long outage: the unreachable back-off at its 2 s cap, the other one still fresh. */
  const afterOutage = () => {
    const backoffs = {
      answered: new Backoff({ initialMs: 800, maxMs: 30_000 }, () => 1),
      unreachable: new Backoff({ initialMs: 800, maxMs: 2_000 }, () => 1),
    };
    for (let i = 0; i < 10; i++) backoffs.unreachable.next();
    return backoffs;
  };
  const options = { goneInARow: 0, random: () => 1 };

  it('waits what a 429 says in Retry-After (plus up to 20 % jitter), not the back-off', () => {
    const busy = new ApiError('storage is (re)initializing', 429, 'TooManyRequests', undefined, {
      retryAfterSeconds: 1,
    });
    expect(retryDelayMs(busy, afterOutage(), options)).toBe(1_200);
    expect(retryDelayMs(busy, afterOutage(), { ...options, random: () => 0 })).toBe(1_000);
    // The Status body carries it too (a watch ERROR event has no headers).
    const inBody = new ApiError('busy', 429, 'TooManyRequests', { details: { retryAfterSeconds: 3 } });
    expect(retryDelayMs(inBody, afterOutage(), { ...options, random: () => 0 })).toBe(3_000);
  });

  it('relists at once after a first 410 (the server answered), and backs off if 410s repeat', () => {
    const gone = new ApiError('too old resource version', 410, 'Expired');
    expect(retryDelayMs(gone, afterOutage(), { ...options, goneInARow: 1 })).toBeLessThanOrEqual(100);
    expect(retryDelayMs(gone, afterOutage(), { ...options, goneInARow: 2 })).toBe(800);
  });

  it('retries an unreachable server at least every 2 s, and an outage does not grow the other back-off', () => {
    const backoffs = afterOutage();
    const refused = new ApiError('connect ECONNREFUSED', 0, 'Transport');
    expect(retryDelayMs(refused, backoffs, options)).toBe(2_000);
    // The server is back but still starting (503): the first answer gets the initial delay.
    const starting = new ApiError('not all paths installed', 503, 'ServiceUnavailable');
    expect(retryDelayMs(starting, backoffs, options)).toBe(800);
    expect(retryDelayMs(starting, backoffs, options)).toBe(1_600);
    // A stream that broke after delivering events is a flapping watch, not an unreachable server.
    expect(retryDelayMs(refused, backoffs, { ...options, connected: true })).toBe(3_200);
  });
});
