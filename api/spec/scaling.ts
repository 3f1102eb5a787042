// spec.replicas and spec.autoscaling: how many pods, fixed or from a HorizontalPodAutoscaler
// (autoscaling/v2). While autoscaling is set the Deployment has no replicas field, so the operator
// never fights the autoscaler.
import { z } from 'zod';
import type { ResourcesSpec } from './resources.ts';
import { celHas, type RuleIssue, type SpecRule } from './rule.ts';

export const autoscalingSchema = z
  .strictObject({
    minReplicas: z.int().min(1).max(10000).optional().describe('Fewest replicas. Default 2.'),
    maxReplicas: z.int().min(1).max(10000).describe('Most replicas. Must be at least minReplicas.'),
    targetCPUUtilizationPercent: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Average CPU use, as a percentage of the CPU request, to scale at. Default 80. Needs a CPU request.'),
    targetMemoryUtilizationPercent: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Average memory use, as a percentage of the memory request, to scale at. Optional.'),
  })
  .describe(
    'Renders a HorizontalPodAutoscaler (autoscaling/v2). While it is set, spec.replicas is ignored and the Deployment has no replicas field, so the operator never fights the autoscaler.',
  );

export type AutoscalingSpec = z.infer<typeof autoscalingSchema>;

export const SCALING_DEFAULTS = {
  replicas: 2,
  autoscaling: { minReplicas: 2, targetCPUUtilizationPercent: 80 },
} as const;

export const replicasFields = {
  replicas: z
    .int()
    .min(0)
    .max(10000)
    .optional()
    .describe('Number of pods. Default 2. Ignored while autoscaling is set (the autoscaler owns it).'),
  autoscaling: autoscalingSchema.optional(),
};

type ScalingView = { replicas?: number; autoscaling?: AutoscalingSpec };

/** The fewest pods that run: minReplicas when autoscaled, else replicas. */
export function minimumReplicas(spec: ScalingView): number {
  return spec.autoscaling
    ? (spec.autoscaling.minReplicas ?? SCALING_DEFAULTS.autoscaling.minReplicas)
    : (spec.replicas ?? SCALING_DEFAULTS.replicas);
}

export const SCALING_RULES: readonly SpecRule<{ autoscaling?: AutoscalingSpec; resources?: ResourcesSpec }>[] = [
  {
    id: 'autoscaling-min-max',
    summary: `spec.autoscaling: minReplicas (default ${SCALING_DEFAULTS.autoscaling.minReplicas}) must not exceed maxReplicas.`,
    check: (spec) => {
      const a = spec.autoscaling;
      if (!a) return [];
      const min = a.minReplicas ?? SCALING_DEFAULTS.autoscaling.minReplicas;
      return min > a.maxReplicas
        ? [
            {
              path: ['autoscaling', 'maxReplicas'],
              message: `${a.maxReplicas} is below minReplicas (${min}${a.minReplicas === undefined ? ', the default' : ''}): raise maxReplicas or lower minReplicas`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!has(self.autoscaling) || (has(self.autoscaling.minReplicas) ? self.autoscaling.minReplicas : ${SCALING_DEFAULTS.autoscaling.minReplicas}) <= self.autoscaling.maxReplicas`,
        message: `spec.autoscaling.maxReplicas is below minReplicas (default ${SCALING_DEFAULTS.autoscaling.minReplicas}): raise maxReplicas or lower minReplicas`,
        fieldPath: '.autoscaling.maxReplicas',
      },
    ],
    invalidExamples: [{ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, { autoscaling: { maxReplicas: 1 } }],
  },
  {
    id: 'autoscaling-needs-requests',
    summary: 'spec.autoscaling: a CPU (memory) utilization target needs a CPU (memory) request.',
    check: (spec) => {
      const a = spec.autoscaling;
      if (!a || spec.resources === undefined) return [];
      const cpuTarget = a.targetCPUUtilizationPercent !== undefined || a.targetMemoryUtilizationPercent === undefined;
      const issues: RuleIssue[] = [];
      if (cpuTarget && spec.resources.requests?.cpu === undefined) {
        issues.push({
          path: ['resources', 'requests', 'cpu'],
          message: 'is required by spec.autoscaling (CPU utilization is measured against the request): set it',
        });
      }
      if (a.targetMemoryUtilizationPercent !== undefined && spec.resources.requests?.memory === undefined) {
        issues.push({
          path: ['resources', 'requests', 'memory'],
          message: 'is required by spec.autoscaling.targetMemoryUtilizationPercent: set it',
        });
      }
      return issues;
    },
    cel: [
      {
        rule: `!has(self.autoscaling) || !has(self.resources) || (has(self.autoscaling.targetMemoryUtilizationPercent) && !has(self.autoscaling.targetCPUUtilizationPercent)) || (${celHas('resources.requests.cpu')})`,
        message:
          'spec.resources.requests.cpu is required by spec.autoscaling (CPU utilization is measured against the request)',
        fieldPath: '.resources',
      },
      {
        rule: `!has(self.autoscaling) || !has(self.resources) || !has(self.autoscaling.targetMemoryUtilizationPercent) || (${celHas('resources.requests.memory')})`,
        message: 'spec.resources.requests.memory is required by spec.autoscaling.targetMemoryUtilizationPercent',
        fieldPath: '.resources',
      },
    ],
    invalidExamples: [{ autoscaling: { maxReplicas: 4 }, resources: { requests: { memory: '64Mi' } } }],
  },
];
