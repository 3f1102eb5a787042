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

const PODS = {
  type: 'Pods' as const,
  pods: {
    metric: { name: 'http_requests_per_second' },
    target: { type: 'AverageValue' as const, averageValue: '100' },
  },
};
const OBJECT = {
  type: 'Object' as const,
  object: {
    describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' },
    metric: { name: 'requests-per-second' },
    target: { type: 'Value' as const, value: '2k' },
  },
};
const EXTERNAL = {
  type: 'External' as const,
  external: {
    metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'orders' } } },
    target: { type: 'AverageValue' as const, averageValue: 30 },
  },
};
const BEHAVIOR = {
  scaleDown: {
    stabilizationWindowSeconds: 600,
    selectPolicy: 'Min' as const,
    policies: [
      { type: 'Pods' as const, value: 1, periodSeconds: 120 },
      { type: 'Percent' as const, value: 10, periodSeconds: 60 },
    ],
  },
  scaleUp: { selectPolicy: 'Disabled' as const },
};

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
      name: 'custom metrics follow the CPU target; with only custom metrics there is no default CPU target',
      input: microService(withAutoscaling({ maxReplicas: 10, metrics: [PODS, OBJECT, EXTERNAL] })),
      want: horizontalPodAutoscaler(withHpaSpec({ metrics: [PODS, OBJECT, EXTERNAL] })),
    },
    {
      name: 'a CPU target and a custom metric: both',
      input: microService(withAutoscaling({ maxReplicas: 10, targetCPUUtilizationPercent: 60, metrics: [EXTERNAL] })),
      want: horizontalPodAutoscaler(withHpaSpec({ metrics: [cpuMetric(60), EXTERNAL] })),
    },
    {
      name: 'behavior as written: a slow scale-down, scale-up disabled',
      input: microService(withAutoscaling({ maxReplicas: 10, behavior: BEHAVIOR })),
      want: horizontalPodAutoscaler(withHpaSpec({ behavior: BEHAVIOR })),
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

  it('shares nothing with the input', () => {
    const ms = microService(
      withAutoscaling({ maxReplicas: 10, metrics: [structuredClone(PODS)], behavior: structuredClone(BEHAVIOR) }),
    );
    const hpa = renderHorizontalPodAutoscaler(ms, DEFAULT_RENDER_CONFIG) as unknown as {
      spec: {
        metrics: { pods: { target: { averageValue: string } } }[];
        behavior: { scaleDown: { policies: unknown[] } };
      };
    };
    hpa.spec.metrics[0]!.pods.target.averageValue = '1';
    hpa.spec.behavior.scaleDown.policies.length = 0;
    expect(ms.spec.autoscaling).toStrictEqual({ maxReplicas: 10, metrics: [PODS], behavior: BEHAVIOR });
  });
});
