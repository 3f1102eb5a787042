import { describe, expect, it } from 'vitest';
import {
  microService,
  podDisruptionBudget,
  withAutoscaling,
  withBudget,
  withDisruption,
  withReplicas,
} from '../test/support/fixtures.ts';
import { renderPodDisruptionBudget } from './disruption.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

describe('renderPodDisruptionBudget', () => {
  const cases = [
    { name: 'default 2 replicas: maxUnavailable 1', input: microService(), want: podDisruptionBudget() },
    { name: '1 replica: none', input: microService(withReplicas(1)), want: undefined },
    { name: '0 replicas: none', input: microService(withReplicas(0)), want: undefined },
    { name: '5 replicas', input: microService(withReplicas(5)), want: podDisruptionBudget() },
    {
      name: 'autoscaled from 1: none (the minimum counts, not spec.replicas)',
      input: microService(withReplicas(5), withAutoscaling({ minReplicas: 1, maxReplicas: 5 })),
      want: undefined,
    },
    {
      name: 'autoscaled from the default minimum 2',
      input: microService(withReplicas(1), withAutoscaling({ maxReplicas: 5 })),
      want: podDisruptionBudget(),
    },
    {
      name: 'maxUnavailable as given',
      input: microService(withDisruption({ maxUnavailable: '25%' })),
      want: podDisruptionBudget(withBudget({ maxUnavailable: '25%' })),
    },
    {
      name: 'minAvailable instead of maxUnavailable',
      input: microService(withDisruption({ minAvailable: 1 })),
      want: podDisruptionBudget(withBudget({ minAvailable: 1 })),
    },
    {
      name: 'minAvailable as a percentage',
      input: microService(withReplicas(4), withDisruption({ minAvailable: '50%' })),
      want: podDisruptionBudget(withBudget({ minAvailable: '50%' })),
    },
    {
      name: 'a budget is still not rendered for one replica',
      input: microService(withReplicas(1), withDisruption({ minAvailable: 1 })),
      want: undefined,
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderPodDisruptionBudget(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});
