import { describe, expect, it } from 'vitest';
import { parseSpec } from '../validate.ts';
import type { MicroServiceSpec } from './index.ts';

const base: MicroServiceSpec = { image: 'registry.example.com/shop/order:1.0.0' };
const pods = (target: Record<string, unknown>) => ({
  type: 'Pods',
  pods: { metric: { name: 'rps' }, target },
});
const external = (target: Record<string, unknown>) => ({
  type: 'External',
  external: { metric: { name: 'queue_depth' }, target },
});
const issues = (autoscaling: unknown) => {
  const r = parseSpec({ ...base, autoscaling: { maxReplicas: 5, ...(autoscaling as object) } });
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('spec.autoscaling.behavior and metrics', () => {
  it('accepts the autoscaling/v2 shapes', () => {
    expect(
      issues({
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
          scaleDown: {
            stabilizationWindowSeconds: 3600,
            selectPolicy: 'Min',
            policies: [{ type: 'Pods', value: 1, periodSeconds: 1800 }],
          },
        },
        metrics: [
          pods({ type: 'AverageValue', averageValue: '100m' }),
          external({ type: 'Value', value: 30 }),
          {
            type: 'Object',
            object: {
              describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' },
              metric: { name: 'requests-per-second', selector: { matchLabels: { verb: 'GET' } } },
              target: { type: 'AverageValue', averageValue: '5' },
            },
          },
        ],
      }),
    ).toStrictEqual([]);
  });

  const cases: { name: string; autoscaling: unknown; want: string[] }[] = [
    {
      name: 'a policy period above the API server maximum (1800)',
      autoscaling: { behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } },
      want: ['spec.autoscaling.behavior.scaleDown.policies[0].periodSeconds'],
    },
    {
      name: 'a stabilization window above 3600',
      autoscaling: { behavior: { scaleUp: { stabilizationWindowSeconds: 3601 } } },
      want: ['spec.autoscaling.behavior.scaleUp.stabilizationWindowSeconds'],
    },
    {
      name: 'a policy value of 0',
      autoscaling: { behavior: { scaleUp: { policies: [{ type: 'Percent', value: 0, periodSeconds: 60 }] } } },
      want: ['spec.autoscaling.behavior.scaleUp.policies[0].value'],
    },
    {
      name: 'an empty policy list (omit it for the defaults)',
      autoscaling: { behavior: { scaleDown: { policies: [] } } },
      want: ['spec.autoscaling.behavior.scaleDown.policies'],
    },
    {
      name: 'an unknown selectPolicy',
      autoscaling: { behavior: { scaleDown: { selectPolicy: 'Fastest' } } },
      want: ['spec.autoscaling.behavior.scaleDown.selectPolicy'],
    },
    {
      name: 'a Pods metric with a total value (only averageValue is per pod)',
      autoscaling: { metrics: [pods({ type: 'Value', value: '10' })] },
      want: ['spec.autoscaling.metrics[0].pods.target.type'],
    },
    {
      name: 'type AverageValue without averageValue, with value',
      autoscaling: { metrics: [external({ type: 'AverageValue', value: '10' })] },
      want: [
        'spec.autoscaling.metrics[0].external.target.value',
        'spec.autoscaling.metrics[0].external.target.averageValue',
      ],
    },
    {
      name: 'a target of zero',
      autoscaling: { metrics: [external({ type: 'Value', value: '0' })] },
      want: ['spec.autoscaling.metrics[0].external.target.value'],
    },
    {
      name: 'the source does not match the type',
      autoscaling: { metrics: [{ type: 'Object', pods: pods({ type: 'AverageValue', averageValue: 1 }).pods }] },
      want: ['spec.autoscaling.metrics[0].pods', 'spec.autoscaling.metrics[0].object'],
    },
    {
      name: "a metric name with '/' or '..'",
      autoscaling: {
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'a/b' }, target: { type: 'AverageValue', averageValue: 1 } } },
          { type: 'Pods', pods: { metric: { name: '..' }, target: { type: 'AverageValue', averageValue: 1 } } },
        ],
      },
      want: ['spec.autoscaling.metrics[0].pods.metric.name', 'spec.autoscaling.metrics[1].pods.metric.name'],
    },
    {
      name: 'Resource metrics go through the CPU and memory fields',
      autoscaling: { metrics: [{ type: 'Resource' }] },
      want: ['spec.autoscaling.metrics[0].type'],
    },
  ];
  it.each(cases)('rejects $name, naming the field', ({ autoscaling, want }) => {
    const got = issues(autoscaling);
    for (const path of want)
      expect(
        got.some((i) => i.startsWith(`${path}: `)),
        got.join('\n'),
      ).toBe(true);
  });

  it('with only custom metrics there is no default CPU target, so no CPU request is needed', () => {
    const spec = {
      ...base,
      resources: { requests: { memory: '64Mi' } },
      autoscaling: { maxReplicas: 5, metrics: [pods({ type: 'AverageValue', averageValue: 10 })] },
    };
    expect(parseSpec(spec).ok).toBe(true);
    expect(parseSpec({ ...spec, autoscaling: { maxReplicas: 5 } }).ok).toBe(false);
  });
});
