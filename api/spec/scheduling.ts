// Where the pods run: spec.nodeSelector, tolerations, affinity, topologySpreadConstraints,
// priorityClassName and runtimeClassName, in the shapes of the Kubernetes PodSpec
// (https://kubernetes.io/docs/concepts/scheduling-eviction/). By default the replicas spread over
// nodes and zones, never blocking scheduling; given constraints replace both defaults.
import { z } from 'zod';
import { dns1123, LABEL_VALUE, metadataMap, QUALIFIED_NAME_PREFIX_CEL, qualifiedName } from './fields.ts';
import { type RuleIssue, type SpecRule, uniqueEntries } from './rule.ts';

const labelKey = qualifiedName('must be a label key like topology.kubernetes.io/zone or team')
  .meta({
    'x-kubernetes-validations': [
      {
        rule: QUALIFIED_NAME_PREFIX_CEL('self'),
        message: 'the prefix (before /) is a DNS subdomain: at most 253 characters',
      },
    ],
  })
  .describe('Label key.');
const labelValues = z
  .array(z.string().max(63))
  .max(64)
  .optional()
  .describe('Values: required for In and NotIn, empty for Exists and DoesNotExist.');

/** Operators that take values, and those that take none (apimachinery label selector validation). */
const VALUE_OPERATORS = ['In', 'NotIn'];

const requirementRule = (operators: string) => ({
  rule: `(self.operator in ${operators}) == (has(self.values) && size(self.values) > 0)`,
  message: 'In and NotIn (and Gt, Lt) need values; Exists and DoesNotExist take none',
});

const labelSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('In, NotIn, Exists or DoesNotExist.'),
    values: labelValues,
  })
  .superRefine((r, ctx) => {
    if (VALUE_OPERATORS.includes(r.operator) !== (r.values !== undefined && r.values.length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: requirementRule('').message });
    }
  })
  .meta({ 'x-kubernetes-validations': [requirementRule("['In', 'NotIn']")] })
  .describe('A label selector requirement.');

export const labelSelectorSchema = z
  .strictObject({
    matchLabels: metadataMap(z.string().max(63).regex(new RegExp(LABEL_VALUE), 'must be a label value'))
      .optional()
      .describe('Labels the pods must have.'),
    matchExpressions: z
      .array(labelSelectorRequirement)
      .max(16)
      .optional()
      .describe('Requirements, all of which must hold.'),
  })
  .describe('A label selector (Kubernetes LabelSelector).');

const nodeSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z
      .enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'])
      .describe('In, NotIn, Exists, DoesNotExist, Gt or Lt.'),
    values: labelValues,
  })
  .superRefine((r, ctx) => {
    if (['In', 'NotIn', 'Gt', 'Lt'].includes(r.operator) !== (r.values !== undefined && r.values.length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: requirementRule('').message });
    }
  })
  .meta({ 'x-kubernetes-validations': [requirementRule("['In', 'NotIn', 'Gt', 'Lt']")] })
  .describe('A node selector requirement.');

const nodeSelectorTerm = z
  .strictObject({
    matchExpressions: z.array(nodeSelectorRequirement).max(16).optional().describe('Requirements on node labels.'),
    matchFields: z
      .array(nodeSelectorRequirement)
      .max(4)
      .optional()
      .describe('Requirements on node fields (metadata.name).'),
  })
  .describe('A node selector term: all its requirements must hold.');

const podAffinityTerm = z
  .strictObject({
    labelSelector: labelSelectorSchema.optional(),
    namespaceSelector: labelSelectorSchema.optional(),
    namespaces: z
      .array(dns1123('Namespace.'))
      .max(16)
      .optional()
      .describe('Namespaces the term applies to. Default: the pod’s own.'),
    topologyKey: labelKey.describe('Node label whose value defines a domain, e.g. topology.kubernetes.io/zone.'),
    matchLabelKeys: z
      .array(labelKey)
      .max(8)
      .optional()
      .describe('Pod label keys whose values are added to labelSelector.'),
    mismatchLabelKeys: z.array(labelKey).max(8).optional().describe('Pod label keys whose values are excluded.'),
  })
  .describe('Pods to be placed with (or away from), per topology domain.');

const weighted = <T extends z.ZodType>(key: string, term: T) =>
  z
    .array(
      z
        .strictObject({ weight: z.int().min(1).max(100).describe('Weight, 1 to 100.'), [key]: term })
        .describe('A preference.'),
    )
    .max(16)
    .optional()
    .describe('Preferences: the scheduler favours nodes with the highest total weight.');

const podAffinity = (what: string) =>
  z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .array(podAffinityTerm)
        .max(8)
        .optional()
        .describe('Hard rules.'),
      preferredDuringSchedulingIgnoredDuringExecution: weighted('podAffinityTerm', podAffinityTerm),
    })
    .describe(what);

export const affinitySchema = z
  .strictObject({
    nodeAffinity: z
      .strictObject({
        requiredDuringSchedulingIgnoredDuringExecution: z
          .strictObject({
            nodeSelectorTerms: z.array(nodeSelectorTerm).min(1).max(8).describe('Terms, any of which may match.'),
          })
          .optional()
          .describe('Nodes the pod may run on.'),
        preferredDuringSchedulingIgnoredDuringExecution: weighted('preference', nodeSelectorTerm),
      })
      .optional()
      .describe('Node affinity.'),
    podAffinity: podAffinity('Pod affinity: run near these pods.').optional(),
    podAntiAffinity: podAffinity('Pod anti-affinity: run away from these pods.').optional(),
  })
  .describe('Kubernetes Affinity, as in a PodSpec.');

export const tolerationSchema = z
  .strictObject({
    key: labelKey.optional().describe('Taint key; empty with operator Exists tolerates every taint.'),
    operator: z.enum(['Exists', 'Equal']).optional().describe('Exists or Equal (default).'),
    value: z
      .string()
      .max(63)
      .regex(
        new RegExp(LABEL_VALUE),
        "must be a label value (the API server's check for tolerations): letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
      )
      .optional()
      .describe('Taint value (Equal only): a label value.'),
    effect: z
      .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
      .optional()
      .describe('Effect to tolerate; empty means all.'),
    tolerationSeconds: z.int().optional().describe('How long a NoExecute taint is tolerated before eviction.'),
  })
  .describe('A Kubernetes Toleration.');

/** The largest int32, the type of maxSkew and minDomains in the Kubernetes API. */
const INT32_MAX = 2 ** 31 - 1;

export const topologySpreadConstraintSchema = z
  .strictObject({
    // int32 in the PodSpec: a larger number overflows (2^53-1 became -1 and the Deployment was refused).
    maxSkew: z.int().min(1).max(INT32_MAX).describe('Largest allowed difference in pod count between domains.'),
    topologyKey: labelKey.describe('Node label that defines the domains, e.g. topology.kubernetes.io/zone.'),
    whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']).describe('DoNotSchedule or ScheduleAnyway.'),
    labelSelector: labelSelectorSchema
      .optional()
      .describe("Pods counted per domain. Default: this MicroService's pods (its selector labels)."),
    minDomains: z
      .int()
      .min(1)
      .max(INT32_MAX)
      .optional()
      .describe('Minimum number of eligible domains (DoNotSchedule only).'),
    matchLabelKeys: z
      .array(labelKey)
      .max(8)
      .optional()
      .describe('Pod label keys whose values narrow the selector, e.g. pod-template-hash to spread each rollout.'),
    nodeAffinityPolicy: z.enum(['Honor', 'Ignore']).optional().describe('Whether node affinity limits the domains.'),
    nodeTaintsPolicy: z.enum(['Honor', 'Ignore']).optional().describe('Whether node taints limit the domains.'),
  })
  .describe('A Kubernetes TopologySpreadConstraint.');

export type TolerationSpec = z.infer<typeof tolerationSchema>;
export type TopologySpreadConstraintSpec = z.infer<typeof topologySpreadConstraintSchema>;

export const SCHEDULING_DEFAULTS = {
  /** Spread over nodes and zones when possible, without ever blocking scheduling. */
  topologySpread: [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
  ],
} as const;

export const schedulingFields = {
  nodeSelector: metadataMap(z.string().max(63).regex(new RegExp(LABEL_VALUE), 'must be a label value'))
    .optional()
    .describe('Node labels the pods require, e.g. a dedicated node pool.'),
  tolerations: z
    .array(tolerationSchema)
    .max(32)
    .optional()
    .describe('Taints the pods tolerate (Kubernetes Toleration).'),
  affinity: affinitySchema.optional(),
  topologySpreadConstraints: z
    .array(topologySpreadConstraintSchema)
    .max(8)
    .superRefine(
      uniqueEntries(
        (c) => `${c.topologyKey}/${c.whenUnsatisfiable}`,
        (c) => `the constraint on ${c.topologyKey} with ${c.whenUnsatisfiable}`,
      ),
    )
    .optional()
    .meta({
      description:
        'How replicas spread over domains. Default: maxSkew 1 over kubernetes.io/hostname and over topology.kubernetes.io/zone, both ScheduleAnyway (never blocks scheduling). Given constraints replace both; a constraint without labelSelector counts this MicroService’s pods.',
      // The Deployment's list-map key (topologyKey, whenUnsatisfiable): two entries with one key are refused there.
      'x-kubernetes-validations': [
        {
          rule: 'self.all(c, self.exists_one(d, d.topologyKey == c.topologyKey && d.whenUnsatisfiable == c.whenUnsatisfiable))',
          message: 'two constraints with the same topologyKey and whenUnsatisfiable: keep one',
        },
      ],
    }),
  priorityClassName: dns1123('PriorityClass of the pods.').optional(),
  runtimeClassName: dns1123('RuntimeClass of the pods (e.g. gvisor, kata).').optional(),
};

type SchedulingView = { tolerations?: TolerationSpec[]; topologySpreadConstraints?: TopologySpreadConstraintSpec[] };

export const SCHEDULING_RULES: readonly SpecRule<SchedulingView>[] = [
  {
    id: 'tolerations-consistent',
    summary:
      'spec.tolerations: Exists takes no value; an empty key needs Exists; tolerationSeconds needs effect NoExecute.',
    check: (spec) => {
      const issues: RuleIssue[] = [];
      (spec.tolerations ?? []).forEach((t, i) => {
        if (t.operator === 'Exists' && t.value) {
          issues.push({
            path: ['tolerations', i, 'value'],
            message: 'operator Exists takes no value: remove it or use Equal',
          });
        }
        if (!t.key && t.operator !== 'Exists') {
          issues.push({
            path: ['tolerations', i, 'operator'],
            message: 'a toleration without a key needs operator Exists',
          });
        }
        if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
          issues.push({ path: ['tolerations', i, 'tolerationSeconds'], message: 'only applies with effect NoExecute' });
        }
      });
      return issues;
    },
    cel: [
      {
        rule: "!has(self.tolerations) || self.tolerations.all(t, (!has(t.operator) || t.operator != 'Exists' || !has(t.value) || t.value == '') && ((has(t.key) && t.key != '') || (has(t.operator) && t.operator == 'Exists')) && (!has(t.tolerationSeconds) || (has(t.effect) && t.effect == 'NoExecute')))",
        message:
          'spec.tolerations: Exists takes no value, an empty key needs operator Exists, tolerationSeconds needs effect NoExecute',
        fieldPath: '.tolerations',
      },
    ],
    invalidExamples: [
      { tolerations: [{ key: 'pool', operator: 'Exists', value: 'x' }] },
      { tolerations: [{ operator: 'Equal', value: 'x' }] },
      { tolerations: [{ key: 'pool', value: 'x', effect: 'NoSchedule', tolerationSeconds: 10 }] },
    ],
  },
  {
    id: 'topology-spread-min-domains',
    summary: 'spec.topologySpreadConstraints: minDomains only with whenUnsatisfiable DoNotSchedule.',
    check: (spec) =>
      (spec.topologySpreadConstraints ?? []).flatMap((c, i) =>
        c.minDomains !== undefined && c.whenUnsatisfiable !== 'DoNotSchedule'
          ? [
              {
                path: ['topologySpreadConstraints', i, 'minDomains'],
                message: 'needs whenUnsatisfiable: DoNotSchedule',
              },
            ]
          : [],
      ),
    cel: [
      {
        rule: "!has(self.topologySpreadConstraints) || self.topologySpreadConstraints.all(c, !has(c.minDomains) || c.whenUnsatisfiable == 'DoNotSchedule')",
        message: 'spec.topologySpreadConstraints: minDomains needs whenUnsatisfiable DoNotSchedule',
        fieldPath: '.topologySpreadConstraints',
      },
    ],
    invalidExamples: [
      {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'ScheduleAnyway',
            minDomains: 2,
          },
        ],
      },
    ],
  },
];
