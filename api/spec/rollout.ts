// spec.strategy, spec.minReadySeconds, spec.progressDeadlineSeconds, spec.revisionHistoryLimit: how
// the Deployment rolls out a new pod template. The names and shapes are DeploymentSpec's
// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#writing-a-deployment-spec),
// so what users know pastes in; the rules are the API server's own Deployment validation
// (k8s.io/kubernetes pkg/apis/apps/validation ValidateDeploymentSpec), caught before the operator
// applies.
import { z } from 'zod';
import { INT_OR_STRING } from './fields.ts';
import type { RuleIssue, SpecRule } from './rule.ts';

const PERCENT = '^(0|[1-9][0-9]*)%$';

const countOrPercent = (description: string) =>
  z
    .union([z.int().min(0).max(100000), z.string().regex(new RegExp(PERCENT), "must be a percentage like '25%'")])
    .meta({ description, ...INT_OR_STRING, pattern: PERCENT });

export const strategySchema = z
  .strictObject({
    type: z
      .enum(['RollingUpdate', 'Recreate'])
      .optional()
      .describe(
        'RollingUpdate (default) replaces pods a few at a time; Recreate stops every old pod before starting new ones (for apps that cannot run two versions at once; the service is down in between).',
      ),
    rollingUpdate: z
      .strictObject({
        maxSurge: countOrPercent(
          'Pods above the desired count while rolling (count or %, rounded up). Default 25%. Also what the capacity check multiplies the pod budget by.',
        ).optional(),
        maxUnavailable: countOrPercent(
          'Pods below the desired count while rolling (count or %, rounded down; at most 100%). Default 0: never drop below the desired count.',
        ).optional(),
      })
      .optional()
      .describe('Only with type RollingUpdate. maxSurge and maxUnavailable may not both be 0.'),
  })
  .describe(
    'Deployment strategy (DeploymentStrategy). Default RollingUpdate with maxSurge 25% and maxUnavailable 0: surge first, never drop below the desired count.',
  );

export type StrategySpec = z.infer<typeof strategySchema>;

export const ROLLOUT_DEFAULTS = {
  strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
  /** The Deployment API's default (DeploymentSpec.progressDeadlineSeconds). */
  progressDeadlineSeconds: 600,
  minReadySeconds: 0,
} as const;

export const rolloutFields = {
  strategy: strategySchema.optional(),
  minReadySeconds: z
    .int()
    .min(0)
    .max(86400)
    .optional()
    .describe(
      'Seconds a new pod must be Ready, without a container crashing, before it counts as available and the rollout moves on. Default 0.',
    ),
  progressDeadlineSeconds: z
    .int()
    .min(1)
    .max(86400)
    .optional()
    .describe(
      'Seconds a rollout may make no progress before the Deployment reports ProgressDeadlineExceeded; the MicroService then turns Ready=False with that reason (the rollout itself is not undone). Must be greater than minReadySeconds. Default 600 (the Deployment default).',
    ),
  revisionHistoryLimit: z
    .int()
    .min(0)
    .max(1000)
    .optional()
    .describe(
      'Old ReplicaSets kept for `kubectl rollout undo`. Default 10 (the Deployment default); 0 keeps none, so a rollout cannot be undone.',
    ),
  rolloutOnConfigChange: z
    .boolean()
    .optional()
    .describe(
      "Roll the pods when a ConfigMap or Secret they use changes (named in env, envFrom or volumes of the app, init and sidecar containers, projected sources included). The operator hashes the objects' resourceVersions, read by a metadata-only watch (Secret data is never read), into the pod template annotation msvc.dev/config-hash, so each change rolls the Deployment once. Needs the operator's config watch (Helm value configRollout.enabled); a referenced object that does not exist sets the ConfigResolved=False condition naming it. msvc render and cdk8s, which see no cluster, render no hash. Default false.",
    ),
};

type RolloutView = {
  strategy?: StrategySpec;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
};

/** The rolling-update parameters as rendered (our defaults where a field is absent), or undefined for Recreate. */
export function resolveRollingUpdate(spec: {
  strategy?: StrategySpec;
}): { maxSurge: number | string; maxUnavailable: number | string } | undefined {
  if (spec.strategy?.type === 'Recreate') return undefined;
  const given = spec.strategy?.rollingUpdate;
  return {
    maxSurge: given?.maxSurge ?? ROLLOUT_DEFAULTS.strategy.rollingUpdate.maxSurge,
    maxUnavailable: given?.maxUnavailable ?? ROLLOUT_DEFAULTS.strategy.rollingUpdate.maxUnavailable,
  };
}

/**
 * Extra pods a rolling update may start for `replicas`: maxSurge as a count, a percentage rounded
 * up (the Deployment controller's ResolveFenceposts rounds maxSurge up and maxUnavailable down).
 * Recreate never runs old and new pods together: 0.
 */
export function surgePods(spec: { strategy?: StrategySpec }, replicas: number): number {
  const rolling = resolveRollingUpdate(spec);
  if (!rolling) return 0;
  const s = rolling.maxSurge;
  return typeof s === 'number' ? s : Math.ceil((Number(s.slice(0, -1)) * replicas) / 100);
}

const isZero = (v: number | string) => v === 0 || v === '0%';

export const ROLLOUT_RULES: readonly SpecRule<RolloutView>[] = [
  {
    id: 'strategy-recreate-no-rolling-update',
    summary: 'spec.strategy: rollingUpdate only with type RollingUpdate.',
    check: (spec) =>
      spec.strategy?.type === 'Recreate' && spec.strategy.rollingUpdate !== undefined
        ? [
            {
              path: ['strategy', 'rollingUpdate'],
              message: 'is set while type is Recreate (which starts no pod before the old ones are gone): remove it',
            },
          ]
        : [],
    cel: [
      {
        rule: "!has(self.strategy) || !has(self.strategy.type) || self.strategy.type != 'Recreate' || !has(self.strategy.rollingUpdate)",
        message: 'spec.strategy.rollingUpdate is set while type is Recreate: remove it',
        fieldPath: '.strategy.rollingUpdate',
      },
    ],
    invalidExamples: [{ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }],
  },
  {
    id: 'strategy-surge-or-unavailable',
    summary: 'spec.strategy.rollingUpdate: maxSurge (default 25%) and maxUnavailable (default 0) may not both be 0.',
    check: (spec) => {
      if (spec.strategy?.type === 'Recreate') return [];
      const r = resolveRollingUpdate(spec);
      return r && isZero(r.maxSurge) && isZero(r.maxUnavailable)
        ? [
            {
              path: ['strategy', 'rollingUpdate', 'maxSurge'],
              message:
                'and maxUnavailable (default 0) are both 0, so the rollout could never replace a pod: raise one of them',
            },
          ]
        : [];
    },
    cel: [
      {
        // Absent fields take our defaults: maxSurge 25% (not zero), maxUnavailable 0.
        rule: "!has(self.strategy) || !has(self.strategy.rollingUpdate) || !has(self.strategy.rollingUpdate.maxSurge) || !(string(self.strategy.rollingUpdate.maxSurge) in ['0', '0%']) || (has(self.strategy.rollingUpdate.maxUnavailable) && !(string(self.strategy.rollingUpdate.maxUnavailable) in ['0', '0%']))",
        message:
          'spec.strategy.rollingUpdate: maxSurge and maxUnavailable (default 0) are both 0, so the rollout could never replace a pod: raise one of them',
        fieldPath: '.strategy.rollingUpdate',
      },
    ],
    invalidExamples: [
      { strategy: { rollingUpdate: { maxSurge: 0 } } },
      { strategy: { rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } } },
    ],
  },
  {
    id: 'strategy-max-unavailable-percent',
    summary: 'spec.strategy.rollingUpdate.maxUnavailable: at most 100%.',
    check: (spec) => {
      const v = spec.strategy?.rollingUpdate?.maxUnavailable;
      return typeof v === 'string' && Number(v.slice(0, -1)) > 100
        ? [{ path: ['strategy', 'rollingUpdate', 'maxUnavailable'], message: `${v} is above 100%: lower it` }]
        : [];
    },
    cel: [
      {
        rule: "!has(self.strategy) || !has(self.strategy.rollingUpdate) || !has(self.strategy.rollingUpdate.maxUnavailable) || type(self.strategy.rollingUpdate.maxUnavailable) == int || int(string(self.strategy.rollingUpdate.maxUnavailable).replace('%', '')) <= 100",
        message: 'spec.strategy.rollingUpdate.maxUnavailable is above 100%: lower it',
        fieldPath: '.strategy.rollingUpdate.maxUnavailable',
      },
    ],
    invalidExamples: [{ strategy: { rollingUpdate: { maxUnavailable: '150%' } } }],
  },
  {
    id: 'progress-deadline-above-min-ready',
    summary: `spec.progressDeadlineSeconds (default ${ROLLOUT_DEFAULTS.progressDeadlineSeconds}) must be greater than spec.minReadySeconds.`,
    check: (spec) => {
      const deadline = spec.progressDeadlineSeconds ?? ROLLOUT_DEFAULTS.progressDeadlineSeconds;
      const minReady = spec.minReadySeconds ?? ROLLOUT_DEFAULTS.minReadySeconds;
      const issues: RuleIssue[] = [];
      if (deadline <= minReady) {
        issues.push({
          path: [spec.progressDeadlineSeconds === undefined ? 'minReadySeconds' : 'progressDeadlineSeconds'],
          message: `progressDeadlineSeconds (${deadline}${spec.progressDeadlineSeconds === undefined ? ', the default' : ''}) must be greater than minReadySeconds (${minReady}), or every rollout would miss its deadline: raise progressDeadlineSeconds or lower minReadySeconds`,
        });
      }
      return issues;
    },
    cel: [
      {
        rule: `(has(self.progressDeadlineSeconds) ? self.progressDeadlineSeconds : ${ROLLOUT_DEFAULTS.progressDeadlineSeconds}) > (has(self.minReadySeconds) ? self.minReadySeconds : 0)`,
        message: `spec.progressDeadlineSeconds (default ${ROLLOUT_DEFAULTS.progressDeadlineSeconds}) must be greater than spec.minReadySeconds: raise progressDeadlineSeconds or lower minReadySeconds`,
        fieldPath: '.progressDeadlineSeconds',
      },
    ],
    invalidExamples: [
      { minReadySeconds: 30, progressDeadlineSeconds: 30 },
      // Against the default deadline (600): clear any deadline the spec it is merged into has.
      { minReadySeconds: 900, progressDeadlineSeconds: undefined },
    ],
  },
];
