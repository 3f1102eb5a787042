import { applyPatch, parsePatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { childPatch, comparable, objectText, podTemplateChanges } from './diff-text.ts';

const deployment = (image: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'user',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-12-03T10:00:00Z',
    managedFields: [{ manager: 'msvc-operator', operation: 'Apply' }],
    labels: { app: 'user' },
    ...extra,
  },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image }] } } },
  status: { readyReplicas: 2 },
});

describe('comparable', () => {
  it('drops what every write changes, and status', () => {
    expect(comparable(deployment('a:1'))).toStrictEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'user', namespace: 'shop', labels: { app: 'user' } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'a:1' }] } } },
    });
  });

  it('sorts keys, so the order of a response never shows', () => {
    const a = { kind: 'Service', apiVersion: 'v1', metadata: { name: 'x' } };
    const b = { apiVersion: 'v1', metadata: { name: 'x' }, kind: 'Service' };
    expect(objectText(a)).toBe(objectText(b));
  });
});

describe('childPatch', () => {
  const cases = [
    {
      name: 'no change: nothing printed, even if resourceVersion and status differ',
      change: {
        object: 'Deployment shop/user',
        live: deployment('a:1'),
        after: { ...deployment('a:1', { resourceVersion: '43' }), status: {} },
      },
      notes: undefined,
    },
    {
      name: 'an image change rolls the pods',
      change: { object: 'Deployment shop/user', live: deployment('a:1'), after: deployment('a:2') },
      notes: ['# rollout: yes (the pod template changes: new ReplicaSet, the pods are replaced)'],
    },
    {
      name: 'a label on the Deployment only does not',
      change: {
        object: 'Deployment shop/user',
        live: deployment('a:1'),
        after: deployment('a:1', { labels: { app: 'user', team: 'x' } }),
      },
      notes: ['# rollout: no (the pod template stays: same ReplicaSet and pods)'],
    },
    {
      name: 'created',
      change: { object: 'Deployment shop/user', after: deployment('a:1') },
      notes: ['# created'],
    },
    {
      name: 'pruned',
      change: { object: 'Deployment shop/user', live: deployment('a:1') },
      notes: ['# pruned: the spec no longer renders it'],
    },
    {
      name: 'notes of the caller come first, the rollout line last',
      change: { object: 'Deployment shop/user', live: deployment('a:1'), after: deployment('a:2'), notes: ['adopted'] },
      notes: ['# adopted', '# rollout: yes (the pod template changes: new ReplicaSet, the pods are replaced)'],
    },
  ];

  it.each(cases)('$name', ({ change, notes }) => {
    const patch = childPatch(change);
    if (notes === undefined) {
      expect(patch).toBe('');
      return;
    }
    const lines = patch.split('\n');
    expect(lines[0]).toBe(`Index: ${change.object}`);
    expect(lines.slice(1, 1 + notes.length)).toStrictEqual(notes);
    // The patch turns the live object's text into the result's, as jsdiff reads it back.
    const [parsed, ...rest] = parsePatch(patch);
    expect(rest).toStrictEqual([]);
    expect(parsed?.index).toBe(change.object);
    expect(applyPatch(objectText(change.live), parsed as never)).toBe(objectText(change.after));
  });

  it('several children are one patch file', () => {
    const one = childPatch({ object: 'Deployment shop/a', live: deployment('a:1'), after: deployment('a:2') });
    const two = childPatch({ object: 'Deployment shop/b', after: deployment('b:1') });
    expect(parsePatch(one + two).map((p) => p.index)).toStrictEqual(['Deployment shop/a', 'Deployment shop/b']);
  });
});

describe('podTemplateChanges', () => {
  it('compares the template only, in any key order', () => {
    const a = { spec: { replicas: 1, template: { metadata: { labels: { a: '1', b: '2' } } } } };
    const b = { spec: { replicas: 5, template: { metadata: { labels: { b: '2', a: '1' } } } } };
    expect(podTemplateChanges(a, b)).toBe(false);
    expect(podTemplateChanges(a, { spec: { template: {} } })).toBe(true);
  });
});
