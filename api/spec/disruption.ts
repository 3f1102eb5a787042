// spec.disruption: the PodDisruptionBudget, rendered only when it can protect anything (at least
// two pods: a budget for one pod either blocks node drains or protects nothing).
import { z } from 'zod';
import { INT_OR_STRING } from './fields.ts';
import type { SpecRule } from './rule.ts';

const percentOrCount = (description: string) =>
  z
    .union([z.int().min(0).max(100000), z.string().regex(/^(100|[1-9]?[0-9])%$/, "must be a percentage like '25%'")])
    .meta({ description, ...INT_OR_STRING, pattern: '^(100|[1-9]?[0-9])%$' });

export const disruptionSchema = z
  .strictObject({
    maxUnavailable: percentOrCount(
      'Pods that may be down at once during voluntary disruptions (count or %).',
    ).optional(),
    minAvailable: percentOrCount('Pods that must stay up during voluntary disruptions (count or %).').optional(),
  })
  .describe(
    'PodDisruptionBudget. Rendered only when at least 2 replicas run (a budget for one pod either blocks node drains or protects nothing). Give at most one of maxUnavailable and minAvailable; default maxUnavailable 1.',
  );

export type DisruptionSpec = z.infer<typeof disruptionSchema>;

export const DISRUPTION_DEFAULTS = {
  disruption: { maxUnavailable: 1 },
  /** A PodDisruptionBudget is rendered only from this many replicas (minimum, when autoscaled). */
  disruptionMinReplicas: 2,
} as const;

export const disruptionFields = { disruption: disruptionSchema.optional() };

export const DISRUPTION_RULES: readonly SpecRule<{ disruption?: DisruptionSpec }>[] = [
  {
    id: 'disruption-one-of',
    summary: 'spec.disruption: at most one of maxUnavailable and minAvailable.',
    check: (spec) =>
      spec.disruption?.maxUnavailable !== undefined && spec.disruption.minAvailable !== undefined
        ? [
            {
              path: ['disruption'],
              message: 'sets both maxUnavailable and minAvailable: keep one (a PodDisruptionBudget takes one)',
            },
          ]
        : [],
    cel: [
      {
        rule: '!has(self.disruption) || !(has(self.disruption.maxUnavailable) && has(self.disruption.minAvailable))',
        message: 'spec.disruption: set one of maxUnavailable and minAvailable, not both',
        fieldPath: '.disruption',
      },
    ],
    invalidExamples: [{ disruption: { maxUnavailable: 1, minAvailable: 1 } }],
  },
];
