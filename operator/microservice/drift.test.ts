import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../runtime/key.ts';
import { APPLIED_HASH_ANNOTATION, AppliedMemo, containsFields, needsApply, withAppliedHash } from './drift.ts';

type Deployment = KubeObject & {
  spec: { replicas?: number; template: { spec: { containers: Record<string, unknown>[] } } };
};

const desired = withAppliedHash<Deployment>({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'order', namespace: 'shop', labels: { a: '1' } },
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'order:1',
            env: [{ name: 'GOMEMLIMIT', value: '100' }],
            resources: { limits: { cpu: '0.5', memory: '1Gi' } },
          },
        ],
      },
    },
  },
});

/** The live object the API server returns after applying `desired`: defaults and other managers' fields added. */
const live = () => {
  const copy = structuredClone(desired);
  copy.metadata = {
    ...copy.metadata,
    uid: 'u1',
    resourceVersion: '7',
    annotations: { ...copy.metadata?.annotations, 'other/annotation': 'x' },
  };
  copy.spec.replicas = 5; // an HPA's
  const container = copy.spec.template.spec.containers[0] as Record<string, unknown>;
  container['imagePullPolicy'] = 'IfNotPresent';
  container['resources'] = { limits: { cpu: '500m', memory: '1Gi' } }; // canonicalised by the API server
  container['env'] = [
    { name: 'GOMEMLIMIT', value: '100' },
    { name: 'INJECTED', value: 'by-someone' },
  ];
  return copy;
};

describe('needsApply', () => {
  it('creates what does not exist', () => expect(needsApply(desired, undefined)).toBe(true));
  it('skips a live object that holds every rendered field, whatever others added', () => {
    expect(needsApply(desired, live())).toBe(false);
  });
  it('applies when the rendered content changed (hash differs)', () => {
    const changed = withAppliedHash({ ...desired, metadata: { ...desired.metadata, labels: { a: '2' } } });
    expect(needsApply(changed, live())).toBe(true);
  });
  it('applies when a field was removed from the render (only the hash shows it)', () => {
    const removed = structuredClone(desired);
    delete (removed.metadata as { labels?: unknown }).labels;
    expect(
      needsApply(withAppliedHash({ ...removed, metadata: { ...removed.metadata, annotations: {} } }), live()),
    ).toBe(true);
  });
  it('applies when someone edited an owned field by hand', () => {
    const edited = live();
    (edited.spec.template.spec.containers[0] as { image: string }).image = 'order:hacked';
    expect(needsApply(desired, edited)).toBe(true);
  });
  it('applies when the applied-hash annotation was removed', () => {
    const stripped = live();
    const annotations = stripped.metadata?.annotations ?? {};
    delete annotations[APPLIED_HASH_ANNOTATION];
    expect(needsApply(desired, stripped)).toBe(true);
  });
});

describe('containsFields', () => {
  it('matches named lists by name and ignores extra live items', () => {
    expect(containsFields([{ name: 'a', v: 1 }], [{ name: 'b' }, { name: 'a', v: 1, extra: true }])).toBe(true);
    expect(containsFields([{ name: 'a', v: 1 }], [{ name: 'a', v: 2 }])).toBe(false);
  });
  it('matches items that share a name (one volume mounted twice) each to its own', () => {
    const mounts = [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'tmp', mountPath: '/etc/app' },
    ];
    expect(containsFields(mounts, structuredClone(mounts))).toBe(true);
    expect(containsFields(mounts, [mounts[0]])).toBe(false);
    expect(containsFields(mounts, [mounts[0], { name: 'tmp', mountPath: '/etc/other' }])).toBe(false);
  });
  it('requires unnamed lists to match item by item', () => {
    expect(containsFields(['ALL'], ['ALL', 'NET_RAW'])).toBe(false);
    expect(containsFields([{ maxSkew: 1 }], [{ maxSkew: 1, extra: 1 }])).toBe(true);
  });
  it('compares quantities by value only under resource keys', () => {
    expect(containsFields({ cpu: '1' }, { cpu: '1000m' })).toBe(true);
    expect(containsFields({ memory: '1Gi' }, { memory: '1024Mi' })).toBe(true);
    expect(containsFields({ replicas: '1' }, { replicas: '1000m' })).toBe(false);
  });
});

describe('AppliedMemo', () => {
  const desired = withAppliedHash({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { x: 1 } });
  const at = (resourceVersion: string | undefined): KubeObject => ({ ...desired, metadata: { resourceVersion } });

  it('skips while the cache holds the version the apply started from, whatever its spelling', () => {
    const memo = new AppliedMemo();
    // Opaque versions: only equality means anything (no number in sight here).
    memo.remember('k', desired, at('b7f-x'), at('a01'));
    expect(memo.pending('k', desired, at('b7f-x'))).toBe(true);
    expect(memo.pending('k', desired, at('a01'))).toBe(false);
    expect(memo.size).toBe(0); // caught up: forgotten
  });

  it('does not trust a version that went backwards (an etcd restore) or any other write', () => {
    const memo = new AppliedMemo();
    memo.remember('k', desired, at('200'), at('201'));
    expect(memo.pending('k', desired, at('150'))).toBe(false); // restored to an older version
    memo.remember('k', desired, at('200'), at('201'));
    expect(memo.pending('k', desired, at('9999'))).toBe(false); // someone else wrote: compare for real
  });

  it('compares "10" and "9" by equality only, neither as numbers nor as strings in order', () => {
    const memo = new AppliedMemo();
    // Ordered as strings "10" < "9": taking the cached "10" for older than "9" would skip for good.
    memo.remember('k', desired, at('9'), at('10'));
    expect(memo.pending('k', desired, at('9'))).toBe(true); // the cache is behind: still "9"
    expect(memo.pending('k', desired, at('10'))).toBe(false);
    expect(memo.size).toBe(0);
    // Ordered as numbers 9 < 10: a version that went backwards ("9", an etcd restore) is not "behind".
    memo.remember('k', desired, at('10'), at('11'));
    expect(memo.pending('k', desired, at('9'))).toBe(false);
    expect(memo.size).toBe(0);
    memo.remember('k', desired, at('10'), at('11'));
    expect(memo.pending('k', desired, at('10'))).toBe(true);
    // Not parsed either: "010" and "1e1" are 10 as numbers, and other versions here.
    expect(memo.pending('k', desired, at('010'))).toBe(false);
    memo.remember('k', desired, at('10'), at('11'));
    expect(memo.pending('k', desired, at('1e1'))).toBe(false);
  });

  it('never skips other content, a create, or an object that is gone', () => {
    const memo = new AppliedMemo();
    memo.remember('k', desired, at('5'), at('6'));
    const other = withAppliedHash({ ...desired, spec: { x: 2 } });
    expect(memo.pending('k', other, at('5'))).toBe(false);
    memo.remember('new', desired, undefined, at('1'));
    expect(memo.pending('new', desired, undefined)).toBe(false);
    expect(memo.size).toBe(1);
    memo.remember('gone', desired, at('5'), at('6'));
    expect(memo.pending('gone', desired, undefined)).toBe(false);
  });

  it('forgets a deleted key', () => {
    const memo = new AppliedMemo();
    memo.remember('k', desired, at('5'), at('6'));
    memo.forget('k');
    expect(memo.size).toBe(0);
    expect(memo.pending('k', desired, at('5'))).toBe(false);
  });

  it('holds only writes in flight: the cache showing another version, or a deletion, ends an entry', () => {
    const memo = new AppliedMemo();
    memo.remember('k', desired, at('5'), at('6'));
    memo.observed('k', at('5')); // a relist of the unchanged object: still in flight
    expect(memo.size).toBe(1);
    memo.observed('k', at('6')); // our write arrived
    expect(memo.size).toBe(0);
    memo.remember('k', desired, at('6'), at('7'));
    memo.observed('k', undefined); // deleted (a watch event, or dropped at a relist's InitDone)
    expect(memo.size).toBe(0);
    expect(memo.pending('k', desired, at('6'))).toBe(false);
  });

  it('trusts no version across a relist: an etcd restore brings back the very version the apply started from', () => {
    const memo = new AppliedMemo();
    memo.remember('k', desired, at('5'), at('6'));
    // Same reads without a relist: the cache is behind, which is what the memo is for.
    expect(memo.pending('k', desired, at('5'))).toBe(true);
    memo.clear();
    expect(memo.pending('k', desired, at('5'))).toBe(false);
  });

  it('keeps no entry longer than maxAgeMs (a watch event that never comes)', () => {
    let now = 1_000;
    const memo = new AppliedMemo({ maxAgeMs: 60_000, now: () => now });
    memo.remember('k', desired, at('5'), at('6'));
    now += 60_000;
    expect(memo.pending('k', desired, at('5'))).toBe(true);
    now += 1;
    expect(memo.pending('k', desired, at('5'))).toBe(false);
    expect(memo.size).toBe(0);
  });
});
