import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../runtime/key.ts';
import { exclusiveTakeover } from './exclusive.ts';

const desired = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'x', namespace: 'ns' },
  spec: { selector: { matchLabels: { app: 'x' } }, ...spec },
});
const live = (spec: Record<string, unknown>, owner: string): KubeObject => ({
  ...desired(spec),
  metadata: {
    name: 'x',
    namespace: 'ns',
    managedFields: [
      { manager: 'msvc-operator', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:selector': {} } } },
      {
        manager: owner,
        operation: 'Update',
        fieldsV1: { 'f:spec': Object.fromEntries(Object.keys(spec).map((k) => [`f:${k}`, {}])) },
      },
    ],
  },
});

describe('exclusiveTakeover', () => {
  it('takes a foreign minAvailable over with a different value, without our maxUnavailable', () => {
    const t = exclusiveTakeover(
      desired({ maxUnavailable: 1 }),
      live({ minAvailable: 0 }, 'kubectl-patch'),
      'msvc-operator',
    );
    expect(t?.field).toBe('spec.minAvailable');
    expect(t?.managers).toEqual(['kubectl-patch (Update)']);
    // The same value would be shared ownership, which our next apply cannot remove.
    expect(t?.body['spec']).toEqual({ selector: { matchLabels: { app: 'x' } }, minAvailable: '0%' });
  });
  it('works the other way round too', () => {
    const t = exclusiveTakeover(
      desired({ minAvailable: 2 }),
      live({ maxUnavailable: '50%' }, 'kubectl-edit'),
      'msvc-operator',
    );
    expect(t?.field).toBe('spec.maxUnavailable');
    expect(t?.body['spec']).toEqual({ selector: { matchLabels: { app: 'x' } }, maxUnavailable: 0 });
  });
  it('does nothing when the other field is ours, absent, or the kind has no exclusive pair', () => {
    expect(
      exclusiveTakeover(desired({ maxUnavailable: 1 }), live({ minAvailable: 0 }, 'msvc-operator'), 'msvc-operator'),
    ).toBeUndefined();
    expect(
      exclusiveTakeover(desired({ maxUnavailable: 1 }), live({ maxUnavailable: 2 }, 'x'), 'msvc-operator'),
    ).toBeUndefined();
    expect(exclusiveTakeover(desired({ maxUnavailable: 1 }), undefined, 'msvc-operator')).toBeUndefined();
    expect(
      exclusiveTakeover(
        { ...desired({}), kind: 'Service' },
        { ...live({ minAvailable: 0 }, 'x'), kind: 'Service' },
        'msvc-operator',
      ),
    ).toBeUndefined();
  });
});

describe('exclusiveTakeover of a Recreate Deployment', () => {
  const deployment = (strategy: Record<string, unknown>, managedFields: unknown[] = []): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'ns', managedFields } as KubeObject['metadata'],
    spec: { replicas: 1, strategy },
  });
  it('takes a foreign rollingUpdate over with other values under type RollingUpdate', () => {
    const live = deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, [
      {
        manager: 'kubectl-patch',
        operation: 'Update',
        fieldsV1: { 'f:spec': { 'f:strategy': { 'f:rollingUpdate': { 'f:maxSurge': {} } } } },
      },
    ]);
    const t = exclusiveTakeover(deployment({ type: 'Recreate' }), live, 'msvc-operator');
    expect(t?.field).toBe('spec.strategy.rollingUpdate');
    expect(t?.managers).toEqual(['kubectl-patch (Update)']);
    expect(t?.body['spec']).toEqual({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
    });
  });
  it('also takes over a rollingUpdate nobody owns (left by defaulting), and leaves other Deployments alone', () => {
    const live = deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(exclusiveTakeover(deployment({ type: 'Recreate' }), live, 'msvc-operator')?.managers).toEqual([
      'nobody (API server defaults)',
    ]);
    expect(exclusiveTakeover(deployment({ type: 'RollingUpdate' }), live, 'msvc-operator')).toBeUndefined();
    expect(exclusiveTakeover(deployment({ type: 'Recreate' }), deployment({ type: 'Recreate' }), 'm')).toBeUndefined();
  });
});
