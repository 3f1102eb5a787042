// Which managers an adoption takes over, what stays theirs, and what AdoptionRequired says.
// The whole flow runs against the real API server in adoption.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../runtime/key.ts';
import {
  ADOPT_ANNOTATION,
  adoptionMessage,
  adoptionOptIn,
  adoptionPatch,
  type ForeignChild,
  keptFields,
  previousManagers,
} from './adoption.ts';

const entry = (manager: string, operation = 'Update', subresource?: string) => ({
  manager,
  operation,
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } },
  ...(subresource ? { subresource } : {}),
});

const live: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'user',
    namespace: 'shop',
    resourceVersion: '7',
    managedFields: [
      entry('helm'),
      entry('kubectl-client-side-apply'),
      entry('kube-controller-manager', 'Update', 'status'),
      entry('kubectl-rollout'),
      entry('msvc-operator-handoff', 'Apply'),
      entry('msvc-operator', 'Apply'),
    ],
  },
};

describe('previousManagers', () => {
  it('every manager of the object but ours, controllers that keep working on it and our hand-off', () => {
    expect([...previousManagers(live)]).toStrictEqual(['helm', 'kubectl-client-side-apply']);
  });
});

describe('keptFields', () => {
  it('keeps the replicas of a Deployment the MicroService leaves to an autoscaler', () => {
    expect(keptFields({ kind: 'Deployment', spec: {} })).toStrictEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(keptFields({ kind: 'Deployment', spec: { replicas: 2 } })).toBeUndefined();
    expect(keptFields({ kind: 'Service', spec: {} })).toBeUndefined();
  });
});

describe('adoptionPatch', () => {
  it('moves helm and kubectl to the operator, leaves the rest, and tests the resourceVersion', () => {
    const patch = adoptionPatch(live, { apiVersion: 'apps/v1', kind: 'Deployment', spec: {} }, new Date(0));
    expect(patch[0]).toStrictEqual({ op: 'test', path: '/metadata/resourceVersion', value: '7' });
    const entries = patch[1]?.value as { manager: string; fieldsV1: unknown }[];
    expect(entries.map((e) => e.manager)).toStrictEqual([
      // What the autoscaler takes over stays with them (only spec.replicas is left of theirs).
      'helm',
      'kubectl-client-side-apply',
      'kube-controller-manager',
      'kubectl-rollout',
      'msvc-operator-handoff',
      'msvc-operator',
    ]);
    expect(entries[0]?.fieldsV1).toStrictEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entries.at(-1)?.fieldsV1).toStrictEqual({ 'f:spec': { 'f:replicas': {}, 'f:paused': {} } });
  });
});

describe('adoptionMessage', () => {
  const foreign = (controller?: string): ForeignChild => ({
    desired: {},
    live,
    object: 'Deployment shop/user',
    managers: ['helm', 'kubectl-client-side-apply'],
    ...(controller ? { controller } : {}),
  });

  it('names the object, its managers and the annotation to set', () => {
    expect(adoptionMessage([foreign()], false)).toBe(
      `Deployment shop/user exists and is not owned by this MicroService (field managers helm, kubectl-client-side-apply): nothing was applied; to take it over (its fields become the operator's, no pod restarts when the pod template renders equal), set the annotation ${ADOPT_ANNOTATION}: "true" on the MicroService (docs/migration.md)`,
    );
  });

  it('says another controller owns it', () => {
    expect(adoptionMessage([foreign('ReplicaSet x')], true)).toMatch(
      /^Deployment shop\/user is controlled by ReplicaSet x \(field managers helm, kubectl-client-side-apply\): an object another controller owns is never taken over/,
    );
  });

  it('opt-in is the annotation "true" only', () => {
    expect(adoptionOptIn({ metadata: { annotations: { [ADOPT_ANNOTATION]: 'true' } } })).toBe(true);
    expect(adoptionOptIn({ metadata: { annotations: { [ADOPT_ANNOTATION]: 'yes' } } })).toBe(false);
    expect(adoptionOptIn({ metadata: {} })).toBe(false);
  });
});
