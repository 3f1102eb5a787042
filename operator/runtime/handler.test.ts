import { describe, expect, it } from 'vitest';
import { enqueueOwner, enqueueSelf, groupOf } from './handler.ts';
import type { KubeObject, OwnerReference } from './key.ts';

const owner = { group: 'msvc.dev', kind: 'MicroService' };

function child(ownerReferences: OwnerReference[]): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'shop', name: 'order', ownerReferences } };
}

const ref = (over: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  name: 'order',
  uid: 'u1',
  controller: true,
  ...over,
});

describe('enqueueSelf', () => {
  it('enqueues the object itself', () => {
    const object: KubeObject = { metadata: { namespace: 'shop', name: 'order' } };
    expect(enqueueSelf()({ type: 'Added', object })).toEqual(['shop/order']);
  });
});

describe('enqueueOwner', () => {
  const cases = [
    { name: 'our controller owner', refs: [ref()], want: ['shop/order'] },
    { name: 'another version of our group', refs: [ref({ apiVersion: 'msvc.dev/v1' })], want: ['shop/order'] },
    { name: 'same kind in another group', refs: [ref({ apiVersion: 'other.io/v1alpha1' })], want: [] },
    { name: 'another kind', refs: [ref({ kind: 'ReplicaSet', apiVersion: 'apps/v1' })], want: [] },
    { name: 'a non-controller owner reference', refs: [ref({ controller: false })], want: [] },
    { name: 'no owner references', refs: [], want: [] },
  ];
  it.each(cases)('$name', ({ refs, want }) => {
    expect(enqueueOwner(owner)({ type: 'Added', object: child(refs) })).toEqual(want);
  });

  it('enqueues both the old and the new owner when ownership moves', () => {
    const event = {
      type: 'Updated' as const,
      old: child([ref({ name: 'old' })]),
      object: child([ref({ name: 'new' })]),
    };
    expect(enqueueOwner(owner)(event).sort()).toEqual(['shop/new', 'shop/old']);
  });

  it('enqueues the owner of a deleted child', () => {
    expect(enqueueOwner(owner)({ type: 'Deleted', object: child([ref()]) })).toEqual(['shop/order']);
  });
});

describe('groupOf', () => {
  it('splits the group off an apiVersion', () => {
    expect(groupOf('msvc.dev/v1alpha1')).toBe('msvc.dev');
    expect(groupOf('v1')).toBe('');
  });
});
