import { describe, expect, it } from 'vitest';
import type { Client } from './client.ts';
import { KubeEventRecorder } from './events.ts';
import type { KubeObject } from './key.ts';
import { silentLogger } from './log.ts';

/** A Client that keeps Events in a map and bumps resourceVersion like the API server. */
function fakeClient() {
  const events = new Map<string, KubeObject & { count?: number }>();
  let rv = 0;
  const client = {
    async create(obj: KubeObject) {
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
      events.set(obj.metadata?.name ?? '', stored);
      return stored;
    },
    async update(obj: KubeObject) {
      const name = obj.metadata?.name ?? '';
      const live = events.get(name);
      if (!live) throw new Error('404');
      if (live.metadata?.resourceVersion !== obj.metadata?.resourceVersion) throw new Error('409');
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
      events.set(name, stored);
      return stored;
    },
  };
  return { client: client as unknown as Client, events };
}

const subject: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', uid: 'u' } };

describe('KubeEventRecorder correlation', () => {
  it('folds repeats, refills the per-object bucket with time, and starts over when the Event is gone', async () => {
    let now = 0;
    const { client, events } = fakeClient();
    const recorder = new KubeEventRecorder(client, silentLogger, {
      component: 't',
      burst: 3,
      refillMs: 1000,
      now: () => new Date(now),
    });
    for (let i = 0; i < 5; i++) await recorder.event(subject, 'Warning', 'Failed', 'same');
    expect([...events.values()].map((e) => e.count)).toEqual([3]); // 2 dropped by the bucket
    now += 2000; // two tokens back
    await recorder.event(subject, 'Warning', 'Failed', 'same');
    await recorder.event(subject, 'Warning', 'Failed', 'other');
    await recorder.event(subject, 'Warning', 'Failed', 'dropped');
    expect([...events.values()].map((e) => [e['message'], e.count])).toEqual([
      ['same', 4],
      ['other', 1],
    ]);
    events.clear(); // expired (the API server's event TTL)
    now += 1000;
    await recorder.event(subject, 'Warning', 'Failed', 'same');
    expect([...events.values()].map((e) => e.count)).toEqual([1]);
  });
});
