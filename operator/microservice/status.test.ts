import { describe, expect, it } from 'vitest';
import type { MicroService } from '../../api/index.ts';
import { POD_TEMPLATE_HASH_ANNOTATION } from '../../render/index.ts';
import { computeStatus, type DeploymentLike, type Observation, type PodLike, statusChanged } from './status.ts';

const NOW = '2026-11-26T06:00:00Z';
const ms = (over: Partial<MicroService> = {}): MicroService => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', namespace: 'shop', generation: 3 },
  spec: { image: 'order:1', resources: { limits: { memory: '512Mi' } } },
  ...over,
});

const deployment = (status: DeploymentLike['status'], replicas = 2, generation = 5): DeploymentLike => ({
  metadata: {
    name: 'order',
    generation,
    annotations: {
      'msvc.dev/pod-resources': '{"requests":{"cpu":"600m","memory":"384Mi"},"limits":{"memory":"1536Mi"}}',
    },
  },
  spec: { replicas },
  status: { observedGeneration: generation, ...status },
});
const rolledOut = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };

const pod = (state: object, lastState: object = {}, hash = 'h1'): PodLike => ({
  metadata: { name: 'order-abc', annotations: { [POD_TEMPLATE_HASH_ANNOTATION]: hash } },
  status: { containerStatuses: [{ name: 'app', restartCount: 4, state, lastState }] },
});

const unschedulable = (name: string, message: string, hash = 'h1'): PodLike => ({
  metadata: { name, annotations: { [POD_TEMPLATE_HASH_ANNOTATION]: hash } },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
  },
});

const applied = (d: DeploymentLike | undefined, pods: PodLike[] = [], goMemLimit?: string): Observation => ({
  kind: 'applied',
  deployment: d,
  pods,
  templateHash: 'h1',
  goMemLimit,
});

const ready = (o: Observation, m = ms()) => {
  const s = computeStatus(m, o, 'app.kubernetes.io/name=order', NOW);
  const get = (t: string) => s.conditions?.find((c) => c.type === t);
  return { s, ready: get('Ready'), reconciling: get('Reconciling'), stalled: get('Stalled') };
};

describe('Ready reasons', () => {
  const cases: {
    name: string;
    obs: Observation;
    status: string;
    reason: string;
    message?: RegExp;
    stalled?: boolean;
    reconciling?: boolean;
  }[] = [
    {
      name: 'rolled out',
      obs: applied(deployment(rolledOut)),
      status: 'True',
      reason: 'Available',
      message: /2\/2 replicas available/,
    },
    {
      name: 'deployment not created yet',
      obs: applied(undefined),
      status: 'False',
      reason: 'Progressing',
      reconciling: true,
    },
    {
      name: 'new generation not observed',
      obs: applied({ ...deployment(rolledOut), status: { ...rolledOut, observedGeneration: 4 } }),
      status: 'False',
      reason: 'Progressing',
      reconciling: true,
    },
    {
      name: 'rolling',
      obs: applied(deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 2 })),
      status: 'False',
      reason: 'Progressing',
      message: /1\/2 updated/,
      reconciling: true,
    },
    {
      name: 'scaled to zero',
      obs: applied(deployment({}, 0)),
      status: 'True',
      reason: 'Available',
      message: /scaled to zero/,
    },
    {
      name: 'quota',
      obs: applied(
        deployment({
          conditions: [
            {
              type: 'ReplicaFailure',
              status: 'True',
              reason: 'FailedCreate',
              message:
                'pods "order-x" is forbidden: exceeded quota: q, requested: cpu=600m, used: cpu=0, limited: cpu=100m',
            },
          ],
        }),
      ),
      status: 'False',
      reason: 'QuotaExceeded',
      message: /exceeded quota.*requests cpu 600m, memory 384Mi.*raise the quota/,
      stalled: true,
    },
    {
      name: 'limit range',
      obs: applied(
        deployment({
          conditions: [
            {
              type: 'ReplicaFailure',
              status: 'True',
              reason: 'FailedCreate',
              message: 'pods "x" is forbidden: maximum memory usage per Container is 256Mi, but limit is 512Mi',
            },
          ],
        }),
      ),
      status: 'False',
      reason: 'LimitRangeViolated',
      stalled: true,
    },
    {
      name: 'OOMKilled names the limit and GOMEMLIMIT',
      obs: applied(
        deployment({ ...rolledOut, availableReplicas: 1 }),
        [pod({ running: {} }, { terminated: { reason: 'OOMKilled', exitCode: 137 } })],
        '483183820',
      ),
      status: 'False',
      reason: 'OOMKilled',
      message: /memory limit \(512Mi, GOMEMLIMIT=483183820 bytes\)/,
      stalled: true,
    },
    {
      name: 'crash loop',
      obs: applied(deployment({ replicas: 2, updatedReplicas: 2 }), [
        pod({ waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: 2, reason: 'Error' } }),
      ]),
      status: 'False',
      reason: 'CrashLoopBackOff',
      message: /exit code 2, Error.*restarted 4 times/,
      stalled: true,
    },
    {
      name: 'image pull',
      obs: applied(deployment({ replicas: 2, updatedReplicas: 2 }), [
        pod({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }),
      ]),
      status: 'False',
      reason: 'ImagePullBackOff',
      message: /image order:1 cannot be pulled/,
      stalled: true,
    },
    {
      name: 'pods of an old template do not count',
      obs: applied(deployment(rolledOut), [pod({ waiting: { reason: 'ImagePullBackOff' } }, {}, 'old')]),
      status: 'True',
      reason: 'Available',
    },
    {
      name: 'progress deadline',
      obs: applied(
        deployment({
          replicas: 2,
          updatedReplicas: 2,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "x" has timed out progressing.',
            },
          ],
        }),
      ),
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      stalled: true,
    },
    {
      name: 'progress deadline with pods the scheduler cannot place',
      obs: applied(
        deployment({
          replicas: 2,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "x" has timed out progressing.',
            },
          ],
        }),
        [
          unschedulable('order-a', "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."),
          unschedulable('order-b', 'other'),
          unschedulable('order-old', 'old', 'h0'),
        ],
      ),
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message:
        /^Deployment order made no progress: ReplicaSet "x" has timed out progressing\. 0\/2 pods are scheduled \(pod order-a: 0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\.\): check spec\.nodeSelector, spec\.tolerations and spec\.affinity/,
      stalled: true,
    },
    {
      name: 'invalid spec',
      obs: { kind: 'invalid', message: 'spec.x: bad' },
      status: 'False',
      reason: 'InvalidSpec',
      stalled: true,
    },
    {
      name: 'apply failed',
      obs: { kind: 'applyFailed', reason: 'ApplyFailed', message: 'boom' },
      status: 'False',
      reason: 'ApplyFailed',
    },
    {
      name: 'apply refused for good',
      obs: { kind: 'applyFailed', reason: 'Invalid', message: 'apply PodDisruptionBudget ns/x: 422', stalled: true },
      status: 'False',
      reason: 'Invalid',
      stalled: true,
    },
  ];
  it.each(cases)('$name → Ready=$status $reason', ({ obs, status, reason, message, stalled, reconciling }) => {
    const r = ready(obs);
    expect(r.ready?.status).toBe(status);
    expect(r.ready?.reason).toBe(reason);
    if (message) expect(r.ready?.message).toMatch(message);
    expect(r.stalled?.status).toBe(stalled ? 'True' : 'False');
    expect(r.reconciling?.status).toBe(reconciling ? 'True' : 'False');
    expect(r.ready?.observedGeneration).toBe(3);
  });
});

describe('status fields', () => {
  it('carries observedGeneration, counts and the selector for the scale subresource', () => {
    const { s } = ready(applied(deployment({ ...rolledOut, readyReplicas: 1, replicas: 3 })));
    expect(s).toMatchObject({
      observedGeneration: 3,
      replicas: 3,
      readyReplicas: 1,
      selector: 'app.kubernetes.io/name=order',
    });
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = computeStatus(ms(), applied(deployment(rolledOut)), 's', '2026-01-01T00:00:00Z');
    const second = computeStatus(ms({ status: first }), applied(deployment(rolledOut)), 's', NOW);
    expect(second.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(statusChanged(first, second)).toBe(false);
    const third = computeStatus(ms({ status: second }), applied(undefined), 's', NOW);
    expect(third.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(NOW);
    expect(statusChanged(second, third)).toBe(true);
  });
});

describe('ReplicasIgnored (kubectl scale on an autoscaled MicroService)', () => {
  const autoscaled = { image: 'order:1', autoscaling: { minReplicas: 3, maxReplicas: 8 } };
  const cases: { name: string; spec: MicroService['spec']; want?: { status: string; message: RegExp } }[] = [
    { name: 'absent without autoscaling', spec: { image: 'order:1', replicas: 5 } },
    {
      name: 'False while autoscaled without spec.replicas',
      spec: autoscaled,
      want: { status: 'False', message: /^spec\.replicas is not set: HorizontalPodAutoscaler order sets/ },
    },
    {
      name: 'True when spec.replicas is set beside autoscaling',
      spec: { ...autoscaled, replicas: 5 },
      want: {
        status: 'True',
        message:
          /^spec\.replicas \(5\) is ignored: HorizontalPodAutoscaler order owns the replica count, between spec\.autoscaling\.minReplicas \(3\) and maxReplicas \(8\), so kubectl scale .* Change spec\.autoscaling\.minReplicas or maxReplicas instead/,
      },
    },
    {
      name: 'names the default minReplicas',
      spec: { image: 'order:1', replicas: 1, autoscaling: { maxReplicas: 4 } },
      want: { status: 'True', message: /minReplicas \(2\) and maxReplicas \(4\)/ },
    },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    const s = computeStatus(ms({ spec }), applied(deployment(rolledOut)), 's', NOW);
    const c = s.conditions?.find((x) => x.type === 'ReplicasIgnored');
    if (!want) return expect(c).toBeUndefined();
    expect(c).toMatchObject({ status: want.status, reason: 'AutoscalerOwnsReplicas', observedGeneration: 3 });
    expect(c?.message).toMatch(want.message);
    // Ready is unaffected: the autoscaler running the pods is the normal case.
    expect(s.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
  });

  it('is not reported for a spec that failed validation', () => {
    const s = computeStatus(ms({ spec: { ...autoscaled, replicas: 5 } }), { kind: 'invalid', message: 'x' }, 's', NOW);
    expect(s.conditions?.some((c) => c.type === 'ReplicasIgnored')).toBe(false);
  });
});
