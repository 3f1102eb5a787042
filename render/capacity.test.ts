import { describe, expect, it } from 'vitest';
import { microService, withMesh, withReplicas, withResources, withSpec } from '../test/support/fixtures.ts';
import {
  type CapacityInput,
  type CapacityRisk,
  capacityRisks,
  type LimitRangeLike,
  podCharge,
  type ResourceQuotaLike,
} from './capacity.ts';

// Explicit resources everywhere, so the cases do not move with the defaults: 500m/256Mi requests,
// 1/512Mi limits per pod; 2 replicas; maxSurge 25% of 2 = 1 surge pod, so a rollout peaks at 3 pods.
const sized = withResources({ requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
/** A current pod of the `sized` template, as the quota charges it. */
const running = { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const spec = (...options: Parameters<typeof microService>) => microService(sized, ...options).spec;

const quota = (
  hard: Record<string, string | number>,
  used: Record<string, string | number> = {},
  extra: Partial<NonNullable<ResourceQuotaLike['spec']>> = {},
): ResourceQuotaLike => ({ metadata: { name: 'compute' }, spec: { hard, ...extra }, status: { hard, used } });
const limitRange = (...limits: NonNullable<LimitRangeLike['spec']>['limits'] & object): LimitRangeLike => ({
  metadata: { name: 'limits' },
  spec: { limits },
});

/** The risks as [kind name resource short], which is what each case is about; messages are checked below. */
const brief = (risks: CapacityRisk[]) => risks.map((r) => [r.kind, r.name, r.resource, r.short]);

describe('capacityRisks', () => {
  const cases: { name: string; input: CapacityInput; want: (string | undefined)[][] }[] = [
    { name: 'no quota, no limit range: nothing to check', input: { spec: spec() }, want: [] },
    {
      name: 'a new MicroService that fits with its first rollout',
      input: { spec: spec(), quotas: [quota({ 'requests.cpu': '1500m', 'limits.memory': '1536Mi', pods: 3 })] },
      want: [],
    },
    {
      name: 'a new MicroService whose first rollout does not fit: the third pod is 500m short',
      input: { spec: spec(), quotas: [quota({ 'requests.cpu': '1' })] },
      want: [['ResourceQuota', 'compute', 'requests.cpu', '500m']],
    },
    {
      name: 'cpu is requests.cpu; what others use counts',
      input: { spec: spec(), quotas: [quota({ cpu: '4' }, { cpu: '3' })] },
      want: [['ResourceQuota', 'compute', 'cpu', '500m']],
    },
    {
      name: 'running pods: their own usage is room for the rollout, so only the surge pod must fit',
      input: {
        spec: spec(),
        current: [running, running],
        quotas: [
          quota({ 'requests.memory': '768Mi', 'limits.cpu': '3' }, { 'requests.memory': '512Mi', 'limits.cpu': '2' }),
        ],
      },
      want: [],
    },
    {
      name: 'running pods, the quota full: the surge pod is short',
      input: {
        spec: spec(),
        current: [running, running],
        quotas: [
          quota({ 'limits.cpu': '2', 'requests.memory': '1Gi' }, { 'limits.cpu': '2', 'requests.memory': '512Mi' }),
        ],
      },
      want: [['ResourceQuota', 'compute', 'limits.cpu', '1']],
    },
    {
      name: 'a bigger pod template: every pod of the rollout is counted at the new size',
      input: {
        spec: spec(withResources({ requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } })),
        current: [running, running],
        quotas: [quota({ 'requests.cpu': '2' }, { 'requests.cpu': '1' })],
      },
      want: [['ResourceQuota', 'compute', 'requests.cpu', '1']],
    },
    {
      name: 'a smaller pod template: the old, larger pods bound the peak while they mix',
      input: {
        spec: spec(
          withResources({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } }),
        ),
        current: [running, running],
        // room 1500m - 1 + 1 = 1500m = 3 pods at the old 500m: fits exactly
        quotas: [quota({ 'requests.cpu': '1500m' }, { 'requests.cpu': '1' })],
      },
      want: [],
    },
    {
      name: 'the pod count: replicas + surge',
      input: { spec: spec(withReplicas(4)), quotas: [quota({ pods: 4 })] },
      want: [['ResourceQuota', 'compute', 'pods', '1']],
    },
    {
      name: 'count/pods counts the same',
      input: { spec: spec(withReplicas(4)), quotas: [quota({ 'count/pods': '10' }, { 'count/pods': '6' })] },
      want: [['ResourceQuota', 'compute', 'count/pods', '1']],
    },
    {
      name: 'Recreate does not surge',
      input: {
        spec: spec(withReplicas(4), withSpec({ strategy: { type: 'Recreate' } })),
        quotas: [quota({ pods: 4 })],
      },
      want: [],
    },
    {
      name: 'maxSurge as a count',
      input: {
        spec: spec(withSpec({ strategy: { rollingUpdate: { maxSurge: 2 } } })),
        current: [running, running],
        quotas: [quota({ pods: 3 }, { pods: 2 })],
      },
      want: [['ResourceQuota', 'compute', 'pods', '1']],
    },
    {
      name: 'replicas given (what the autoscaler set) win over the spec',
      input: { spec: spec(), replicas: 8, current: Array(8).fill(running), quotas: [quota({ pods: 10 }, { pods: 8 })] },
      want: [],
    },
    {
      name: 'scaled to zero: no pod, no quota risk',
      input: { spec: spec(withReplicas(0)), quotas: [quota({ pods: 0 })] },
      want: [],
    },
    {
      name: 'the mesh proxy is part of the pod',
      input: {
        spec: spec(
          withMesh({
            provider: 'istio',
            proxy: { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } },
          }),
        ),
        quotas: [quota({ 'requests.cpu': '1500m' })],
      },
      want: [['ResourceQuota', 'compute', 'requests.cpu', '300m']],
    },
    {
      name: 'init containers: the larger phase counts',
      input: {
        spec: spec(
          withSpec({
            initContainers: [
              {
                name: 'migrate',
                image: 'migrate:1',
                resources: { requests: { cpu: '2', memory: '64Mi' }, limits: { cpu: '2', memory: '64Mi' } },
              },
            ],
          }),
          withReplicas(1),
          withSpec({ strategy: { type: 'Recreate' } }),
        ),
        quotas: [quota({ 'requests.cpu': '1', 'requests.memory': '1Gi' })],
      },
      want: [['ResourceQuota', 'compute', 'requests.cpu', '1']],
    },
    {
      name: 'a quota on limits.memory needs a memory limit on every container',
      input: {
        spec: spec(
          withSpec({
            sidecars: [{ name: 'shipper', image: 'shipper:1', resources: { requests: { memory: '32Mi' } } }],
          }),
        ),
        quotas: [quota({ 'limits.memory': '10Gi' })],
      },
      want: [['ResourceQuota', 'compute', 'limits.memory', undefined]],
    },
    {
      name: "a sidecar's default CPU limit (the app's rule) counts against a limits.cpu quota",
      input: {
        spec: spec(
          withSpec({
            sidecars: [
              { name: 'shipper', image: 'shipper:1', resources: { requests: { cpu: '50m', memory: '32Mi' } } },
            ],
          }),
        ),
        quotas: [quota({ 'limits.cpu': '5' })],
      },
      // 3 pods of app 1 + shipper max(1, ceil(2 × 50m)) = 1 core: 6 > 5.
      want: [['ResourceQuota', 'compute', 'limits.cpu', '1']],
    },
    {
      name: 'a LimitRange default fills the missing limit in, as admission does',
      input: {
        spec: spec(
          withSpec({
            sidecars: [{ name: 'shipper', image: 'shipper:1', resources: { requests: { memory: '32Mi' } } }],
          }),
        ),
        quotas: [quota({ 'limits.memory': '2Gi' })],
        limitRanges: [limitRange({ type: 'Container', default: { memory: '256Mi' } })],
      },
      // 3 pods of 512Mi + 256Mi = 2304Mi > 2Gi
      want: [['ResourceQuota', 'compute', 'limits.memory', '256Mi']],
    },
    {
      name: 'a LimitRange defaultRequest counts against a requests quota',
      input: {
        spec: spec(withResources({ limits: { memory: '512Mi' } })),
        quotas: [quota({ 'requests.cpu': '1' })],
        limitRanges: [limitRange({ type: 'Container', defaultRequest: { cpu: '400m' } })],
      },
      want: [['ResourceQuota', 'compute', 'requests.cpu', '200m']],
    },
    {
      name: 'a missing request is its limit, not the LimitRange default',
      input: {
        spec: spec(withResources({ limits: { cpu: '200m', memory: '512Mi' } })),
        quotas: [quota({ 'requests.cpu': '1' })],
        limitRanges: [limitRange({ type: 'Container', defaultRequest: { cpu: '400m' } })],
      },
      want: [],
    },
    {
      name: 'LimitRange max per container',
      input: { spec: spec(), limitRanges: [limitRange({ type: 'Container', max: { memory: '384Mi', cpu: '2' } })] },
      want: [['LimitRange', 'limits', 'memory', '128Mi']],
    },
    {
      name: 'LimitRange max per container without a limit set',
      input: {
        spec: spec(
          withResources({
            requests: { cpu: '500m', memory: '256Mi' },
            limits: { memory: '512Mi' },
            defaultCPULimit: false,
          }),
        ),
        limitRanges: [limitRange({ type: 'Container', max: { cpu: '2' } }, { type: 'Pod', max: { cpu: '1' } })],
      },
      // The Container default (= its max, as the API server defaults it) would fill the limit in; a
      // LimitRange read from the API server carries that default. Without it, the pod has none:
      want: [
        ['LimitRange', 'limits', 'cpu', undefined],
        ['LimitRange', 'limits', 'cpu', undefined],
      ],
    },
    {
      name: 'LimitRange max per pod counts every container',
      input: {
        spec: spec(
          withSpec({
            sidecars: [
              {
                name: 'shipper',
                image: 'shipper:1',
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '64Mi' } },
              },
            ],
          }),
        ),
        limitRanges: [limitRange({ type: 'Pod', max: { cpu: '1', memory: '1Gi' } })],
      },
      want: [['LimitRange', 'limits', 'cpu', '500m']],
    },
    {
      name: 'LimitRange min and maxLimitRequestRatio',
      input: {
        spec: spec(),
        limitRanges: [
          limitRange({ type: 'Container', min: { memory: '300Mi' }, maxLimitRequestRatio: { cpu: '1500m' } }),
        ],
      },
      want: [
        ['LimitRange', 'limits', 'cpu', undefined],
        ['LimitRange', 'limits', 'memory', '44Mi'],
      ],
    },
    {
      name: 'LimitRanges of other types (PersistentVolumeClaim) are not about pods',
      input: { spec: spec(), limitRanges: [limitRange({ type: 'PersistentVolumeClaim', max: { storage: '1Gi' } })] },
      want: [],
    },
    {
      name: 'a Terminating quota does not count our pods, NotTerminating does',
      input: {
        spec: spec(),
        quotas: [
          { ...quota({ pods: 1 }, {}, { scopes: ['Terminating'] }), metadata: { name: 'jobs' } },
          quota({ pods: 1 }, {}, { scopes: ['NotTerminating', 'NotBestEffort'] }),
        ],
      },
      want: [['ResourceQuota', 'compute', 'pods', '2']],
    },
    {
      name: 'a PriorityClass scope counts only pods of those classes',
      input: {
        spec: spec(withSpec({ priorityClassName: 'high' })),
        quotas: [
          quota(
            { pods: 1 },
            {},
            {
              scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['low'] }] },
            },
          ),
          {
            ...quota(
              { pods: 2 },
              {},
              {
                scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
              },
            ),
            metadata: { name: 'high' },
          },
        ],
      },
      want: [['ResourceQuota', 'high', 'pods', '1']],
    },
    {
      name: 'a quota without status yet: hard from spec, nothing used',
      input: { spec: spec(), quotas: [{ metadata: { name: 'fresh' }, spec: { hard: { pods: '2' } } }] },
      want: [['ResourceQuota', 'fresh', 'pods', '1']],
    },
    {
      name: 'quota names the check does not know (storage, services) are skipped',
      input: {
        spec: spec(),
        quotas: [quota({ 'requests.storage': '1Gi', services: 1, 'requests.nvidia.com/gpu': 1 })],
      },
      want: [],
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(brief(capacityRisks(input))).toStrictEqual(want));

  it('says which quota blocks the rollout, by how much, and what to change', () => {
    const [risk] = capacityRisks({
      spec: spec(),
      current: [running, running],
      quotas: [quota({ 'requests.cpu': '1200m' }, { 'requests.cpu': '1' })],
    });
    expect(risk?.message).toBe(
      "ResourceQuota compute would block a rollout (2 pods + 1 surge pod (maxSurge) at its peak): it needs requests.cpu 1500m (3 pods of 500m), and 1200m is free for it (hard 1200m, used 1, 1 of that by its 2 current pods): short by 300m; raise the quota's requests.cpu, or lower spec.resources.requests.cpu or spec.strategy.rollingUpdate.maxSurge",
    );
  });

  it('names the containers that lack a value a quota tracks', () => {
    const [risk] = capacityRisks({
      spec: spec(withResources({ requests: { cpu: '500m' } })),
      quotas: [quota({ 'requests.memory': '1Gi' })],
    });
    expect(risk?.message).toBe(
      'ResourceQuota compute tracks requests.memory, so every container must state it, and container app does not: set requests.memory on it (or add a LimitRange default)',
    );
  });

  it('says what a LimitRange caps', () => {
    const [risk] = capacityRisks({
      spec: spec(),
      limitRanges: [limitRange({ type: 'Container', max: { memory: '384Mi' } })],
    });
    expect(risk?.message).toBe(
      "LimitRange limits caps memory at 384Mi per container, and container app has a limit of 512Mi: 128Mi too much; lower the limit or raise the LimitRange's max",
    );
  });
});

describe('podCharge', () => {
  const c = (cpu: string, memory?: string, restartPolicy?: string) => ({
    resources: { requests: { cpu, ...(memory ? { memory } : {}) }, limits: { cpu } },
    ...(restartPolicy ? { restartPolicy } : {}),
  });
  const cases = [
    { name: 'containers sum', spec: { containers: [c('500m', '64Mi'), c('250m')] }, want: ['750m', '64Mi', '750m'] },
    {
      name: 'an init container larger than the running pod sets the charge',
      spec: { containers: [c('500m')], initContainers: [c('2', '1Gi')] },
      want: ['2', '1Gi', '2'],
    },
    {
      name: 'native sidecars run beside the later init containers and the app',
      spec: { containers: [c('500m')], initContainers: [c('100m', undefined, 'Always'), c('450m')] },
      want: ['600m', undefined, '600m'],
    },
    { name: 'nothing stated', spec: { containers: [{}] }, want: [undefined, undefined, undefined] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    const f = podCharge(spec);
    expect([f.requests.cpu, f.requests.memory, f.limits.cpu]).toStrictEqual(want);
  });
});
