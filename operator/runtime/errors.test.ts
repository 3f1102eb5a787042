import { describe, expect, it } from 'vitest';
import { describeFieldOwners, fieldOwners, permanentReason, statusCauses } from './errors.ts';
import type { KubeObject } from './key.ts';
import { ApiError } from './rest.ts';

const apiError = (status: number, body?: unknown) => new ApiError(`HTTP ${status}`, status, '', body);

describe('permanentReason', () => {
  it.each([
    [400, false, 'BadRequest'],
    [403, false, 'Forbidden'],
    [422, false, 'Invalid'],
    [409, true, 'Conflict'],
    [409, false, undefined],
    [429, true, undefined],
    [500, true, undefined],
    [503, true, undefined],
    [0, true, undefined],
  ])('HTTP %i (forced %s) → %s', (status, forced, reason) => {
    expect(permanentReason(apiError(status), { forced })).toBe(reason);
  });
  it('treats a connection error as transient', () => {
    expect(permanentReason(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }))).toBeUndefined();
  });
});

const pdb: KubeObject = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: {
    name: 'x',
    managedFields: [
      { manager: 'msvc-operator', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:selector': {} } } },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': { 'f:observedGeneration': {} } },
      },
      { manager: 'kubectl-patch', operation: 'Update', fieldsV1: { 'f:spec': { 'f:minAvailable': {} } } },
    ],
  },
};

describe('field ownership', () => {
  it('lists the leaf fields under a path with their managers, status subresource left out', () => {
    expect(fieldOwners(pdb, 'spec')).toEqual([
      { field: 'spec.minAvailable', managers: ['kubectl-patch (Update)'] },
      { field: 'spec.selector', managers: ['msvc-operator (Apply)'] },
    ]);
    expect(fieldOwners(pdb, 'status')).toEqual([]);
    expect(fieldOwners(pdb, 'spec.minAvailable')).toEqual([
      { field: 'spec.minAvailable', managers: ['kubectl-patch (Update)'] },
    ]);
  });
  it('names only the other managers of the fields a 422 names', () => {
    const error = apiError(422, { details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec' }] } });
    expect(statusCauses(error)).toHaveLength(1);
    expect(describeFieldOwners(error, pdb, 'msvc-operator')).toEqual([
      'spec.minAvailable is set by kubectl-patch (Update)',
    ]);
    expect(describeFieldOwners(apiError(422), pdb, 'msvc-operator')).toEqual([]);
  });
});
