import { describe, expect, it } from 'vitest';
import {
  cpuMetric,
  horizontalPodAutoscaler,
  memoryMetric,
  microService,
  withAutoscaling,
  withHpaSpec,
  withReplicas,
} from '../test/support/fixtures.ts';
import { renderHorizontalPodAutoscaler } from './autoscaling.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

describe('renderHorizontalPodAutoscaler', () => {
  const cases = [
    { name: 'no autoscaling: no HPA', input: microService(withReplicas(3)), want: undefined },
    {
      name: 'default: min 2, CPU at 80%',
      input: microService(withAutoscaling({ maxReplicas: 10 })),
      want: horizontalPodAutoscaler(),
    },
    {
      name: 'min and max as given',
      input: microService(withAutoscaling({ minReplicas: 1, maxReplicas: 3 })),
      want: horizontalPodAutoscaler(withHpaSpec({ minReplicas: 1, maxReplicas: 3 })),
    },
    {
      name: 'CPU target as given',
      input: microService(withAutoscaling({ maxReplicas: 10, targetCPUUtilizationPercent: 65 })),
      want: horizontalPodAutoscaler(withHpaSpec({ metrics: [cpuMetric(65)] })),
    },
    {
      name: 'memory only: no CPU default',
      input: microService(withAutoscaling({ maxReplicas: 10, targetMemoryUtilizationPercent: 70 })),
      want: horizontalPodAutoscaler(withHpaSpec({ metrics: [memoryMetric(70)] })),
    },
    {
      name: 'both: CPU then memory',
      input: microService(
        withAutoscaling({ maxReplicas: 10, targetCPUUtilizationPercent: 50, targetMemoryUtilizationPercent: 75 }),
      ),
      want: horizontalPodAutoscaler(withHpaSpec({ metrics: [cpuMetric(50), memoryMetric(75)] })),
    },
    {
      name: 'spec.replicas is ignored',
      input: microService(withReplicas(7), withAutoscaling({ maxReplicas: 10 })),
      want: horizontalPodAutoscaler(),
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderHorizontalPodAutoscaler(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});
