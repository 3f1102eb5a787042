// spec.replicas and spec.autoscaling: how many pods, fixed or from a HorizontalPodAutoscaler
// (autoscaling/v2). While autoscaling is set the Deployment has no replicas field, so the operator
// never fights the autoscaler.
import { z } from 'zod';
import { tryParseQuantity } from '../quantity.ts';
import { quantity } from './fields.ts';
import type { ResourcesSpec } from './resources.ts';
import { celHas, type RuleIssue, type SpecRule } from './rule.ts';
import { labelSelectorSchema } from './scheduling.ts';

// HPA v2 behavior and metric sources, in the autoscaling/v2 shapes
// (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/).
// The bounds are the API server's (k8s.io/kubernetes pkg/apis/autoscaling/validation:
// MaxPeriodSeconds 1800, MaxStabilizationWindowSeconds 3600, policy value > 0).

const scalingPolicySchema = z
  .strictObject({
    type: z
      .enum(['Pods', 'Percent'])
      .describe(
        'Pods: change by at most `value` pods per period; Percent: by at most `value` % of the current replicas.',
      ),
    value: z.int().min(1).max(100000).describe('How many pods, or what percentage, per period. Greater than 0.'),
    periodSeconds: z
      .int()
      .min(1)
      .max(1800)
      .describe("The window the policy holds over, 1–1800 seconds (the API server's MaxPeriodSeconds)."),
  })
  .describe('A scaling policy (HPAScalingPolicy).');

const scalingRulesSchema = (direction: 'up' | 'down', defaults: string) =>
  z
    .strictObject({
      stabilizationWindowSeconds: z
        .int()
        .min(0)
        .max(3600)
        .optional()
        .describe(
          `Seconds of past recommendations considered before scaling ${direction}: the HPA takes the ${direction === 'up' ? 'lowest' : 'highest'} of them, so a brief ${direction === 'up' ? 'spike' : 'dip'} does not scale. 0–3600.`,
        ),
      selectPolicy: z
        .enum(['Max', 'Min', 'Disabled'])
        .optional()
        .describe(
          `Which policy wins when several apply: Max (default) the one allowing the largest change, Min the smallest; Disabled turns scaling ${direction} off.`,
        ),
      policies: z
        .array(scalingPolicySchema)
        .min(1)
        .max(10)
        .optional()
        .describe(`Limits on how fast the replicas change. Omit for the Kubernetes default: ${defaults}.`),
    })
    .describe(`How the HPA scales ${direction} (HPAScalingRules). Fields left out take the Kubernetes defaults.`);

export const autoscalingBehaviorSchema = z
  .strictObject({
    scaleUp: scalingRulesSchema(
      'up',
      'no stabilization window, the larger of 4 pods or 100% every 15 seconds',
    ).optional(),
    scaleDown: scalingRulesSchema('down', 'a 300-second stabilization window, up to 100% every 15 seconds').optional(),
  })
  .describe(
    'Scale-up and scale-down behavior of the HorizontalPodAutoscaler (HorizontalPodAutoscalerBehavior), passed through as written: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior',
  );

/** A metric name: a path segment (k8s.io/apimachinery IsPathSegmentName: no '/' or '%', not '.' or '..'). */
const METRIC_NAME = '^[^/%]+$';
const metricName = z
  .string()
  .min(1)
  .max(253)
  .regex(new RegExp(METRIC_NAME), "must not contain '/' or '%'")
  .refine((n) => n !== '.' && n !== '..', "may not be '.' or '..'")
  .meta({
    'x-kubernetes-validations': [{ rule: "self != '.' && self != '..'", message: "may not be '.' or '..'" }],
  })
  .describe('The metric name, as the metrics adapter serves it.');

const metricIdentifierSchema = z
  .strictObject({
    name: metricName,
    selector: labelSelectorSchema
      .optional()
      .describe('Narrows the metric by its labels (passed to the metrics server). Optional.'),
  })
  .describe('Which metric (MetricIdentifier).');

/** `type` must name the value field that is set, and only that one; the API server checks less. */
const targetRule = {
  rule: "(self.type == 'Value') == has(self.value) && (self.type == 'AverageValue') == has(self.averageValue)",
  message: 'type Value takes value, type AverageValue takes averageValue: set the one field the type names',
};

const POSITIVE_RULES = ['value', 'averageValue'].map((f) => ({
  rule: `!has(self.${f}) || quantity(string(self.${f})).isGreaterThan(quantity('0'))`,
  message: `${f} must be positive`,
  fieldPath: `.${f}`,
}));

const metricTarget = (types: readonly ['AverageValue'] | readonly ['Value', 'AverageValue'], what: string) =>
  z
    .strictObject({
      type: z.enum(types).describe(`${types.join(' or ')}.`),
      value: quantity('The total value to hold the metric at, for type Value (e.g. 100, 1500m). Positive.').optional(),
      averageValue: quantity(
        'The value per pod to hold the metric at, for type AverageValue (total ÷ current pods). Positive.',
      ).optional(),
    })
    .superRefine((t, ctx) => {
      for (const field of ['value', 'averageValue'] as const) {
        const q = tryParseQuantity(t[field]);
        if (q !== undefined && q.numerator <= 0n)
          ctx.addIssue({ code: 'custom', path: [field], message: 'must be positive' });
      }
      for (const [field, type] of [
        ['value', 'Value'],
        ['averageValue', 'AverageValue'],
      ] as const) {
        if ((t.type === type) !== (t[field] !== undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message:
              t.type === type
                ? `is required by type ${type}: set it`
                : `is only for type ${type}: remove it or change type`,
          });
        }
      }
    })
    .meta({ 'x-kubernetes-validations': [targetRule, ...POSITIVE_RULES] })
    .describe(`The target (MetricTarget) ${what}.`);

const podsMetricSchema = z
  .strictObject({
    metric: metricIdentifierSchema,
    target: metricTarget(['AverageValue'], 'per pod: only AverageValue'),
  })
  .describe(
    'A metric each pod reports (e.g. requests per second), averaged over the pods (PodsMetricSource; needs a custom metrics adapter such as prometheus-adapter).',
  );

const objectMetricSchema = z
  .strictObject({
    describedObject: z
      .strictObject({
        apiVersion: z
          .string()
          .max(253)
          .regex(
            /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-z0-9]+$/,
            'must be an API version like networking.k8s.io/v1 or v1',
          )
          .optional()
          .describe('API version of the object, e.g. networking.k8s.io/v1.'),
        kind: z
          .string()
          .min(1)
          .max(63)
          .regex(new RegExp(METRIC_NAME), "must not contain '/' or '%'")
          .describe('Kind of the object, e.g. Ingress.'),
        name: z
          .string()
          .min(1)
          .max(253)
          .regex(new RegExp(METRIC_NAME), "must not contain '/' or '%'")
          .describe('Name of the object, in the MicroService namespace.'),
      })
      .describe('The object the metric describes (CrossVersionObjectReference).'),
    metric: metricIdentifierSchema,
    target: metricTarget(['Value', 'AverageValue'], 'Value compares the metric itself, AverageValue it ÷ the pods'),
  })
  .describe(
    'A metric of another object in the namespace, e.g. requests per second of an Ingress (ObjectMetricSource; needs a custom metrics adapter).',
  );

const externalMetricSchema = z
  .strictObject({
    metric: metricIdentifierSchema,
    target: metricTarget(['Value', 'AverageValue'], 'Value compares the metric itself, AverageValue it ÷ the pods'),
  })
  .describe(
    'A metric from outside the cluster, e.g. a queue length (ExternalMetricSource; needs an external metrics adapter such as KEDA).',
  );

const metricSourceRule = {
  rule: "(self.type == 'Pods') == has(self.pods) && (self.type == 'Object') == has(self.object) && (self.type == 'External') == has(self.external)",
  message: 'set exactly the source the type names: pods for Pods, object for Object, external for External',
};

const SOURCE_OF = { Pods: 'pods', Object: 'object', External: 'external' } as const;

export const metricSpecSchema = z
  .strictObject({
    type: z
      .enum(['Pods', 'Object', 'External'])
      .describe(
        'Pods, Object or External. CPU and memory have their own fields (targetCPUUtilizationPercent, targetMemoryUtilizationPercent).',
      ),
    pods: podsMetricSchema.optional(),
    object: objectMetricSchema.optional(),
    external: externalMetricSchema.optional(),
  })
  .superRefine((m, ctx) => {
    for (const [type, field] of Object.entries(SOURCE_OF)) {
      if ((m.type === type) !== (m[field] !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: m.type === type ? `is required by type ${type}: set it` : `is only for type ${type}: remove it`,
        });
      }
    }
  })
  .meta({ 'x-kubernetes-validations': [metricSourceRule] })
  .describe('A custom metric to scale on (MetricSpec of autoscaling/v2).');

export type MetricSpec = z.infer<typeof metricSpecSchema>;

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
    metrics: z
      .array(metricSpecSchema)
      .max(10)
      .optional()
      .describe(
        'Custom metrics to scale on, after the CPU and memory targets: Pods, Object and External metric sources of autoscaling/v2. The HPA scales to the largest replica count any metric asks for. With metrics (or a memory target) and no targetCPUUtilizationPercent, there is no default CPU target.',
      ),
    behavior: autoscalingBehaviorSchema.optional(),
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

/**
 * The CPU utilization target the HPA gets: the given one, else the default 80% unless another
 * target (memory or a custom metric) is given.
 */
export function cpuTarget(a: AutoscalingSpec): number | undefined {
  if (a.targetCPUUtilizationPercent !== undefined) return a.targetCPUUtilizationPercent;
  const other = a.targetMemoryUtilizationPercent !== undefined || (a.metrics?.length ?? 0) > 0;
  return other ? undefined : SCALING_DEFAULTS.autoscaling.targetCPUUtilizationPercent;
}

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
    summary:
      'spec.autoscaling: a CPU (memory) utilization target needs a CPU (memory) request, or a limit the request defaults to; the default CPU target applies only when no memory target or custom metric is given.',
    check: (spec) => {
      const a = spec.autoscaling;
      if (!a || spec.resources === undefined) return [];
      const issues: RuleIssue[] = [];
      // A limit without a request is a request too: the API server defaults the request to the limit
      // (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits).
      if (
        cpuTarget(a) !== undefined &&
        spec.resources.requests?.cpu === undefined &&
        spec.resources.limits?.cpu === undefined
      ) {
        issues.push({
          path: ['resources', 'requests', 'cpu'],
          message:
            'is required by spec.autoscaling (CPU utilization is measured against the request): set it, or a CPU limit (the request then defaults to it)',
        });
      }
      if (
        a.targetMemoryUtilizationPercent !== undefined &&
        spec.resources.requests?.memory === undefined &&
        spec.resources.limits?.memory === undefined
      ) {
        issues.push({
          path: ['resources', 'requests', 'memory'],
          message:
            'is required by spec.autoscaling.targetMemoryUtilizationPercent: set it, or a memory limit (the request then defaults to it)',
        });
      }
      return issues;
    },
    cel: [
      {
        rule: `!has(self.autoscaling) || !has(self.resources) || ((has(self.autoscaling.targetMemoryUtilizationPercent) || (has(self.autoscaling.metrics) && size(self.autoscaling.metrics) > 0)) && !has(self.autoscaling.targetCPUUtilizationPercent)) || (${celHas('resources.requests.cpu')}) || (${celHas('resources.limits.cpu')})`,
        message:
          'spec.resources.requests.cpu is required by spec.autoscaling (CPU utilization is measured against the request)',
        fieldPath: '.resources',
      },
      {
        rule: `!has(self.autoscaling) || !has(self.resources) || !has(self.autoscaling.targetMemoryUtilizationPercent) || (${celHas('resources.requests.memory')}) || (${celHas('resources.limits.memory')})`,
        message: 'spec.resources.requests.memory is required by spec.autoscaling.targetMemoryUtilizationPercent',
        fieldPath: '.resources',
      },
    ],
    invalidExamples: [
      { autoscaling: { maxReplicas: 4 }, resources: { requests: { memory: '64Mi' } } },
      {
        autoscaling: {
          maxReplicas: 4,
          targetCPUUtilizationPercent: 70,
          metrics: [
            {
              type: 'Pods',
              pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } },
            },
          ],
        },
        resources: { requests: { memory: '64Mi' } },
      },
      { autoscaling: { maxReplicas: 4, targetMemoryUtilizationPercent: 80 }, resources: { limits: { cpu: '1' } } },
    ],
  },
];
