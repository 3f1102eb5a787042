// The cache transforms lose nothing a reader uses. Each test edits every leaf of a realistic live
// object in turn and checks that what the reader makes of the trimmed copy is what it makes of the
// whole one: drift still sees a hand edit of any field we render, status and the capacity check
// come out the same. A transform that drops a field someone reads fails here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MicroService } from '../../api/index.ts';
import { isQuantity, parseMicroService } from '../../api/index.ts';
import { LABEL_NAME, POD_TEMPLATE_HASH_ANNOTATION, render } from '../../render/index.ts';
import { microServiceArbitrary } from '../../test/support/arbitraries.ts';
import type { KubeObject } from '../runtime/key.ts';
import { currentCapacityRisks } from './capacity.ts';
import { needsApply, withAppliedHash } from './drift.ts';
import { OWNS_REPLICAS } from './handoff.ts';
import { FIELD_MANAGER } from './identity.ts';
import { leanChildOf, leanDeployment, leanPod, withLeanMetadata } from './lean.ts';
import { CACHED_CHILD_KINDS, kindKey } from './reconciler.ts';
import { computeStatus, type DeploymentLike, type Observation, type PodLike } from './status.ts';

type Path = readonly (string | number)[];
type Json = Record<string | number, unknown>;

/** Every leaf of `value` (scalars, and empty objects or lists, which are leaves too). */
function leaves(value: unknown, path: Path = []): Path[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [path];
}

/** A copy of `obj` with the leaf at `path` changed (a scalar to another, an empty object or list removed). */
function edited<T>(obj: T, path: Path): T {
  const copy = structuredClone(obj);
  let parent = copy as Json;
  for (const key of path.slice(0, -1)) parent = parent[key] as Json;
  const last = path[path.length - 1]!;
  const value = parent[last];
  // A quantity stays one (the capacity check parses them): "500m" → "1500m".
  if (typeof value === 'string')
    parent[last] = isQuantity(value) && /^\d/.test(value) ? `1${value}` : `${value}-edited`;
  else if (typeof value === 'number') parent[last] = value + 7;
  else if (typeof value === 'boolean') parent[last] = !value;
  else if (value === null) parent[last] = 'edited';
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

const managedFields = (manager: string, fields: object) => [
  {
    manager,
    operation: 'Apply',
    apiVersion: 'v1',
    time: '2026-12-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  },
  {
    manager: 'kube-controller-manager',
    operation: 'Update',
    subresource: 'status',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:replicas': {} } },
  },
];

/** Sets what is not set, as the API server's defaulting does. */
function defaults(obj: Json | undefined, values: Json): void {
  if (obj) for (const [k, v] of Object.entries(values)) obj[k] ??= v;
}

/** What the API server returns for an applied child: its metadata, defaults, other managers' fields, status. */
function asServed(desired: KubeObject): KubeObject {
  const live = structuredClone(desired) as Json & KubeObject;
  live.metadata = {
    ...live.metadata,
    uid: 'b2c1e7a4-0000-4000-8000-000000000001',
    resourceVersion: '4711',
    generation: 3,
    creationTimestamp: '2026-12-01T00:00:00Z',
    managedFields: managedFields(FIELD_MANAGER, { 'f:spec': { 'f:replicas': {}, 'f:template': {} } }),
    annotations: {
      ...live.metadata?.annotations,
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(desired),
      'deployment.kubernetes.io/revision': '2',
    },
  };
  const spec = live['spec'] as Json | undefined;
  switch (desired.kind) {
    case 'Deployment': {
      defaults(spec, { revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
      const pod = ((spec as Json)['template'] as Json)['spec'] as Json;
      defaults(pod, { dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' });
      for (const c of pod['containers'] as Json[]) {
        defaults(c, { terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' });
      }
      live['status'] = {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
            lastUpdateTime: '2026-12-01T00:00:00Z',
            lastTransitionTime: '2026-12-01T00:00:00Z',
          },
        ],
      };
      break;
    }
    case 'Service':
      defaults(spec, { clusterIP: '10.0.0.12', clusterIPs: ['10.0.0.12'], ipFamilies: ['IPv4'] });
      live['status'] = { loadBalancer: {} };
      break;
    case 'HorizontalPodAutoscaler':
      live['status'] = {
        currentReplicas: 2,
        desiredReplicas: 2,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }],
        conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size' }],
      };
      break;
    case 'PodDisruptionBudget':
      live['status'] = { currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1, expectedPods: 2 };
      break;
  }
  return live;
}

const CACHED = new Set<string>(CACHED_CHILD_KINDS.map(kindKey));

/** The children reconcile compares with the cache, as it builds them (reconciler.ts desiredChild). */
function desiredChildren(ms: MicroService): KubeObject[] {
  const namespace = ms.metadata.namespace ?? 'default';
  return render(ms)
    .objects.filter((o) => CACHED.has(kindKey(o)))
    .map((o) =>
      withAppliedHash({
        ...o,
        metadata: {
          ...o.metadata,
          namespace,
          ownerReferences: [
            {
              apiVersion: 'msvc.dev/v1alpha1',
              kind: 'MicroService',
              name: ms.metadata.name,
              uid: 'u',
              controller: true,
            },
          ],
        },
      }),
    );
}

describe('cached children keep every field drift detection reads', () => {
  it('an unchanged child needs no apply, and a hand edit of any rendered field is seen, after trimming', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        for (const desired of desiredChildren(ms)) {
          const lean = leanChildOf(desired);
          const live = asServed(desired);
          expect(needsApply(desired, lean(live)), `${desired.kind} unchanged`).toBe(false);
          for (const path of leaves(desired)) {
            const edit = edited(live, path);
            // Whole, the edit shows (the premise) — and it must still show once trimmed.
            expect(needsApply(desired, edit)).toBe(true);
            expect(needsApply(desired, lean(edit)), `${desired.kind} edited at ${path.join('.')}`).toBe(true);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('drops what nothing reads', () => {
    const ms = parseMicroService({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: 'order', namespace: 'shop' },
      spec: { image: 'order:1', autoscaling: { minReplicas: 2, maxReplicas: 4 }, ports: [{ name: 'http', port: 80 }] },
    });
    if (!ms.ok) throw new Error('fixture');
    for (const desired of desiredChildren(ms.value)) {
      const lean = leanChildOf(desired)(asServed(desired)) as Json & KubeObject;
      expect(lean.metadata?.managedFields).toBeUndefined();
      expect(lean.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
      expect(lean.metadata?.['creationTimestamp']).toBeUndefined();
      if (desired.kind === 'Deployment') {
        expect(JSON.stringify(lean['status'])).not.toContain('lastUpdateTime');
        expect(lean[OWNS_REPLICAS]).toBe(true); // the one bit of managedFields the hand-off needs
      } else expect(lean['status']).toBeUndefined();
    }
  });
});

describe('status reads the same from trimmed Deployments and pods', () => {
  const ms: MicroService = {
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name: 'order', namespace: 'shop', generation: 3 },
    spec: { image: 'order:1', resources: { limits: { memory: '512Mi' } } },
  };
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastUpdateTime: '2026-12-01T00:00:00Z',
    lastTransitionTime: '2026-12-01T00:00:00Z',
  });
  const deployment = (status: object, replicas = 2): DeploymentLike =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'order',
        namespace: 'shop',
        uid: 'd1',
        resourceVersion: '90',
        generation: 5,
        creationTimestamp: '2026-12-01T00:00:00Z',
        annotations: {
          'msvc.dev/pod-resources': '{"requests":{"cpu":"600m","memory":"384Mi"},"limits":{"memory":"1536Mi"}}',
        },
        managedFields: managedFields(FIELD_MANAGER, { 'f:spec': { 'f:replicas': {} } }),
      },
      spec: { replicas, template: { metadata: { annotations: { [POD_TEMPLATE_HASH_ANNOTATION]: 'h1' } } } },
      status: { observedGeneration: 5, collisionCount: 0, ...status },
    }) as DeploymentLike;
  const state = (reason: string, exitCode?: number) =>
    reason === 'running'
      ? { running: { startedAt: '2026-12-01T00:00:00Z' } }
      : exitCode === undefined
        ? { waiting: { reason, message: `${reason}: back-off 5m0s restarting` } }
        : {
            terminated: {
              reason,
              exitCode,
              message: 'out of memory',
              startedAt: '2026-12-01T00:00:00Z',
              finishedAt: '2026-12-01T00:01:00Z',
              containerID: 'containerd://abc',
            },
          };
  const pod = (now: object, last: object = {}, phase = 'Running'): PodLike =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'order-7d9-x',
        namespace: 'shop',
        uid: 'p1',
        resourceVersion: '91',
        labels: { [LABEL_NAME]: 'order', 'pod-template-hash': '7d9' },
        annotations: {
          [POD_TEMPLATE_HASH_ANNOTATION]: 'h1',
          'sidecar.istio.io/status': '{"containers":["istio-proxy"]}',
        },
        managedFields: managedFields('kubelet', { 'f:status': {} }),
      },
      spec: {
        containers: [
          { name: 'app', image: 'order:1', resources: { requests: { cpu: '500m', memory: '256Mi' } }, env: [] },
        ],
        nodeName: 'kwok-0',
      },
      status: {
        phase,
        podIP: '10.1.0.3',
        containerStatuses: [
          { name: 'app', ready: false, restartCount: 4, image: 'order:1', imageID: 'x', state: now, lastState: last },
        ],
      },
    }) as unknown as PodLike;

  const unscheduledPod = (): PodLike => {
    const p = pod({ waiting: { reason: 'ContainerCreating' } }, {}, 'Pending');
    const status = p.status as Json;
    status['conditions'] = [
      { type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: '2026-12-01T00:00:00Z' },
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
        lastProbeTime: null,
        lastTransitionTime: '2026-12-01T00:00:00Z',
      },
    ];
    return p;
  };
  const rolledOut = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
  const cases: { name: string; d: DeploymentLike; pods: PodLike[] }[] = [
    {
      name: 'rolled out',
      d: deployment({
        ...rolledOut,
        conditions: [condition('Available', 'True', 'MinimumReplicasAvailable', 'has minimum availability')],
      }),
      pods: [pod(state('running'))],
    },
    {
      name: 'rolling out',
      d: deployment(
        { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 },
        3,
      ),
      pods: [],
    },
    {
      name: 'progress deadline exceeded',
      d: deployment({
        ...rolledOut,
        conditions: [
          condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "order-7d9" has timed out'),
        ],
      }),
      pods: [],
    },
    {
      name: 'quota exceeded',
      d: deployment({
        conditions: [
          condition('ReplicaFailure', 'True', 'FailedCreate', 'pods "order-x" is forbidden: exceeded quota'),
        ],
      }),
      pods: [],
    },
    {
      name: 'progress deadline exceeded, pods not scheduled',
      d: deployment({
        ...rolledOut,
        conditions: [
          condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "order-7d9" has timed out'),
        ],
      }),
      pods: [unscheduledPod()],
    },
    { name: 'OOMKilled', d: deployment(rolledOut), pods: [pod(state('running'), state('OOMKilled', 137))] },
    { name: 'crash loop', d: deployment(rolledOut), pods: [pod(state('CrashLoopBackOff'), state('Error', 1))] },
    { name: 'image pull', d: deployment(rolledOut), pods: [pod(state('ImagePullBackOff'))] },
  ];
  const observe = (d: DeploymentLike, pods: PodLike[]): Observation => ({
    kind: 'applied',
    deployment: d,
    pods,
    templateHash: 'h1',
    goMemLimit: '400000000',
  });
  const status = (d: DeploymentLike, pods: PodLike[]) =>
    computeStatus(ms, observe(d, pods), 'app.kubernetes.io/name=order', '2026-12-02T00:00:00Z');
  const trimmed = (d: DeploymentLike, pods: PodLike[]) =>
    status(leanDeployment(d) as DeploymentLike, pods.map(leanPod));

  for (const { name, d, pods } of cases) {
    it(`${name}: the same status after any one field of the Deployment or a pod changes`, () => {
      expect(trimmed(d, pods)).toEqual(status(d, pods));
      for (const path of leaves(d)) {
        const edit = edited(d, path);
        expect(trimmed(edit, pods), `Deployment ${path.join('.')}`).toEqual(status(edit, pods));
      }
      pods.forEach((p, i) => {
        for (const path of leaves(p)) {
          const edit = pods.map((q, j) => (i === j ? edited(q, path) : q));
          expect(trimmed(d, edit), `pod ${path.join('.')}`).toEqual(status(d, edit));
        }
      });
    });
  }

  it('the capacity check reads the same from trimmed pods, Deployments and quotas', () => {
    const autoscaled: MicroService = {
      ...ms,
      spec: { ...ms.spec, resources: { requests: { cpu: '500m', memory: '256Mi' } }, autoscaling: { maxReplicas: 9 } },
    };
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'team', namespace: 'shop', managedFields: managedFields('kubectl', {}) },
      spec: { hard: { 'requests.cpu': '2', pods: '5' } },
      status: { hard: { 'requests.cpu': '2', pods: '5' }, used: { 'requests.cpu': '1500m', pods: '3' } },
    };
    const limitRange = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'caps', namespace: 'shop' },
      spec: { limits: [{ type: 'Container', max: { memory: '1Gi' } }] },
    };
    const d = deployment(rolledOut, 4);
    const pods = [pod(state('running')), pod(state('running'), {}, 'Succeeded')];
    const risks = (dd: DeploymentLike, pp: PodLike[], q: object, lr: object, trim: boolean) =>
      currentCapacityRisks(
        autoscaled,
        trim ? (leanDeployment(dd) as DeploymentLike) : dd,
        trim ? pp.map(leanPod) : pp,
        [trim ? withLeanMetadata(q as KubeObject) : q],
        [trim ? withLeanMetadata(lr as KubeObject) : lr],
      );
    expect(risks(d, pods, quota, limitRange, false).length).toBeGreaterThan(0); // the premise: a risk to see
    const all: [string, object, (o: object) => unknown[]][] = [
      ['Deployment', d, (e) => [e, pods, quota, limitRange]],
      ['pod', pods[0]!, (e) => [d, [e, pods[1]], quota, limitRange]],
      ['quota', quota, (e) => [d, pods, e, limitRange]],
      ['limit range', limitRange, (e) => [d, pods, quota, e]],
    ];
    for (const [what, obj, args] of all) {
      for (const path of leaves(obj)) {
        const [dd, pp, q, lr] = args(edited(obj, path)) as [DeploymentLike, PodLike[], object, object];
        expect(risks(dd, pp, q, lr, true), `${what} ${path.join('.')}`).toEqual(risks(dd, pp, q, lr, false));
      }
    }
  });
});

describe('MicroServices', () => {
  it('render the same children from the trimmed object', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        const served = {
          ...ms,
          metadata: {
            ...ms.metadata,
            uid: 'u',
            creationTimestamp: '2026-12-01T00:00:00Z',
            managedFields: managedFields('kubectl', { 'f:spec': {} }),
            annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(ms) },
          },
        };
        const lean = withLeanMetadata(served as unknown as KubeObject) as unknown as MicroService;
        expect(lean.metadata).not.toHaveProperty('managedFields');
        expect(lean.metadata.annotations).toEqual({});
        const whole = parseMicroService(served);
        const trimmed = parseMicroService(lean);
        expect(trimmed.ok && whole.ok).toBe(true);
        if (trimmed.ok && whole.ok) expect(render(trimmed.value)).toEqual(render(whole.value));
      }),
      { numRuns: 30 },
    );
  });
});
