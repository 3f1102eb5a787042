import { describe, expect, it } from 'vitest';
import type { KubeObject } from './key.ts';
import { all, skipStatusOnlyUpdates } from './predicate.ts';

type Metadata = NonNullable<KubeObject['metadata']>;

function microService(metadata: Partial<Metadata> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { namespace: 'shop', name: 'order', generation: 1, labels: { a: '1' }, annotations: {}, ...metadata },
    status,
  };
}

describe('skipStatusOnlyUpdates', () => {
  const predicate = skipStatusOnlyUpdates();
  const base = microService();
  const cases = [
    { name: 'status-only update is skipped', object: microService({}, { readyReplicas: 3 }), want: false },
    { name: 'resourceVersion-only update is skipped', object: microService({ resourceVersion: '9' }), want: false },
    { name: 'spec change (generation bump) passes', object: microService({ generation: 2 }), want: true },
    { name: 'label change passes', object: microService({ labels: { a: '2' } }), want: true },
    { name: 'label added passes', object: microService({ labels: { a: '1', b: '1' } }), want: true },
    { name: 'annotation change passes', object: microService({ annotations: { x: 'y' } }), want: true },
    { name: 'finalizer change passes', object: microService({ finalizers: ['msvc.dev/cleanup'] }), want: true },
    { name: 'deletion passes', object: microService({ deletionTimestamp: '2026-01-01T00:00:00Z' }), want: true },
  ];
  it.each(cases)('$name', ({ object, want }) => {
    expect(predicate({ type: 'Updated', old: base, object })).toBe(want);
  });

  it('always passes adds and deletes', () => {
    expect(predicate({ type: 'Added', object: base })).toBe(true);
    expect(predicate({ type: 'Deleted', object: base })).toBe(true);
  });
});

describe('all', () => {
  it('passes only when every predicate does', () => {
    const object = microService();
    expect(
      all(
        () => true,
        () => true,
      )({ type: 'Added', object }),
    ).toBe(true);
    expect(
      all(
        () => true,
        () => false,
      )({ type: 'Added', object }),
    ).toBe(false);
  });
});
