// Field-set arithmetic and ownership transfer, on managedFields the API server really wrote
// (shapes from `kubectl get --show-managed-fields` on the local control plane).
import { describe, expect, it } from 'vitest';
import {
  type FieldSet,
  type ManagedFieldsEntry,
  managedFieldsPatch,
  objectManagers,
  subtractFieldSets,
  transferOwnership,
  unionFieldSets,
  withoutFieldsOf,
} from './managed-fields.ts';

const csa: ManagedFieldsEntry = {
  manager: 'kubectl-client-side-apply',
  operation: 'Update',
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { '.': {}, 'f:team': {}, 'f:app.kubernetes.io/name': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
    },
  },
};
const controller: ManagedFieldsEntry = {
  manager: 'kube-controller-manager',
  operation: 'Update',
  apiVersion: 'apps/v1',
  subresource: 'status',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:status': { 'f:replicas': {} } },
};
const ours: ManagedFieldsEntry = {
  manager: 'msvc-operator',
  operation: 'Apply',
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/name': {} } } },
};

describe('field sets', () => {
  it('union merges every level', () => {
    expect(unionFieldSets({ 'f:a': { 'f:b': {} } }, { 'f:a': { 'f:c': {} }, 'f:d': {} })).toStrictEqual({
      'f:a': { 'f:b': {}, 'f:c': {} },
      'f:d': {},
    });
  });

  it('subtraction removes a leaf with everything below it, and parents left empty', () => {
    const set: FieldSet = { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } };
    expect(subtractFieldSets(set, { 'f:spec': { 'f:replicas': {} } })).toStrictEqual({
      'f:spec': { 'f:selector': {} },
    });
    expect(subtractFieldSets(set, { 'f:spec': {} })).toStrictEqual({});
    expect(subtractFieldSets(set, { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } })).toStrictEqual({});
  });
});

describe('transferOwnership', () => {
  it("moves the listed managers' fields into the target's Apply entry; subresource entries stay", () => {
    const out = transferOwnership([controller, csa, ours], {
      from: new Set(['kubectl-client-side-apply']),
      to: 'msvc-operator',
      apiVersion: 'apps/v1',
      time: '2026-12-03T00:00:00Z',
    });
    expect(out.map((e) => `${e.manager}/${e.operation}/${e.subresource ?? ''}`)).toStrictEqual([
      'kube-controller-manager/Update/status',
      'msvc-operator/Apply/',
    ]);
    expect(out[1]?.fieldsV1).toStrictEqual(unionFieldSets(ours.fieldsV1, csa.fieldsV1));
    expect(out[1]?.time).toBe('2026-12-03T00:00:00Z');
  });

  it('creates the Apply entry when the target has none, and keeps `except` with its manager', () => {
    const out = transferOwnership([csa], {
      from: new Set(['kubectl-client-side-apply']),
      to: 'msvc-operator',
      apiVersion: 'apps/v1',
      except: { 'f:spec': { 'f:replicas': {} } },
    });
    expect(out).toStrictEqual([
      { ...csa, fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      {
        manager: 'msvc-operator',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: subtractFieldSets(csa.fieldsV1 ?? {}, { 'f:spec': { 'f:replicas': {} } }),
      },
    ]);
  });

  it('is a JSON patch guarded by the resourceVersion read', () => {
    expect(managedFieldsPatch({ metadata: { resourceVersion: '42' } }, [ours])).toStrictEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'replace', path: '/metadata/managedFields', value: [ours] },
    ]);
  });
});

describe('withoutFieldsOf', () => {
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'x',
      labels: { team: 'payments', 'app.kubernetes.io/name': 'x' },
      managedFields: [controller, csa, ours],
    },
    spec: {
      replicas: 3,
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'a:1' },
            { name: 'other', image: 'b:1' },
          ],
        },
      },
    },
    status: { replicas: 3 },
  };

  it('removes what only the given managers hold; keeps what another manager holds too', () => {
    const out = withoutFieldsOf(live, new Set(['kubectl-client-side-apply']));
    expect(out.metadata?.labels).toStrictEqual({ 'app.kubernetes.io/name': 'x' });
    // The container item is the CSA's alone: gone; the one nobody's manager listed stays.
    expect((out['spec'] as { template: { spec: { containers: unknown[] } } }).template.spec.containers).toStrictEqual([
      { name: 'other', image: 'b:1' },
    ]);
    expect((out['spec'] as { replicas?: number }).replicas).toBeUndefined();
    expect(out['status']).toStrictEqual({ replicas: 3 });
  });

  it('keeps fields in `except`', () => {
    const out = withoutFieldsOf(live, new Set(['kubectl-client-side-apply']), { 'f:spec': { 'f:replicas': {} } });
    expect((out['spec'] as { replicas?: number }).replicas).toBe(3);
  });

  it('lists the managers of the object itself', () => {
    expect(objectManagers(live)).toStrictEqual(['kubectl-client-side-apply', 'msvc-operator']);
  });
});
