// What the replica count and the rollout report on the real control plane: `kubectl scale` of an
// autoscaled MicroService goes through the CRD's scale subresource into spec.replicas, which the
// HorizontalPodAutoscaler overrides (ReplicasIgnored says so); and a rollout whose pods never
// become ready is turned into ProgressDeadlineExceeded by the kube-controller-manager's Deployment
// controller, which the operator reports as Ready=False with that reason.
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, type Condition, conditionOf, eventually, getJson } from '../../test/e2e/kube.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';

const e2e = operatorSuite();

type Obj = {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; conditions?: Condition[] };
};
const get = (ns: string, what: string) => getJson<Obj>(kubeconfig(), ['-n', ns, what]);
const run = (ns: string, args: string[]) => kubectl(kubeconfig(), ['-n', ns, ...args]);

/** The MicroService once the operator has acted on its current generation. */
const observed = (ns: string, what: string, test: (ms: Obj) => boolean) =>
  eventually(
    async () => {
      const ms = await get(ns, 'microservice/order');
      return ms && ms.status?.observedGeneration === ms.metadata.generation && test(ms) ? ms : undefined;
    },
    { what, timeoutMs: 90_000 },
  );

async function eventsOf(ns: string, reason: string): Promise<{ type: string; message: string }[]> {
  const list = await getJson<{
    items: { type: string; message: string; reason: string; involvedObject: { kind: string } }[];
  }>(kubeconfig(), ['-n', ns, 'events']);
  return (list?.items ?? []).filter((e) => e.reason === reason && e.involvedObject.kind === 'MicroService');
}

describe('kubectl scale of an autoscaled MicroService', () => {
  it('is reported as ReplicasIgnored with a Warning, and cleared when spec.replicas or autoscaling goes', async () => {
    const { ns } = await e2e.withOperator('scale');
    await apply(kubeconfig(), [
      {
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        metadata: { name: 'order', namespace: ns },
        spec: {
          image: 'registry.example.com/shop/order:1.0.0',
          ports: [{ name: 'http', port: 8080 }],
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
          autoscaling: { minReplicas: 2, maxReplicas: 4 },
        },
      },
    ]);
    const before = await observed(ns, 'Ready, autoscaled', (ms) => conditionOf(ms, 'Ready')?.status === 'True');
    expect(conditionOf(before, 'ReplicasIgnored')).toMatchObject({ status: 'False', reason: 'AutoscalerOwnsReplicas' });

    // kubectl scale writes spec.replicas through the scale subresource of the CRD.
    await run(ns, ['scale', 'microservice/order', '--replicas=7']);
    const scaled = await observed(
      ns,
      'ReplicasIgnored=True',
      (ms) => conditionOf(ms, 'ReplicasIgnored')?.status === 'True',
    );
    expect(scaled?.spec?.replicas).toBe(7);
    const ignored = scaled?.status?.conditions?.find((c) => c.type === 'ReplicasIgnored');
    expect(ignored?.message).toBe(
      'spec.replicas (7) is ignored: HorizontalPodAutoscaler order owns the replica count, between spec.autoscaling.minReplicas (2) and maxReplicas (4), so kubectl scale and edits of spec.replicas change nothing. Change spec.autoscaling.minReplicas or maxReplicas instead, or remove spec.autoscaling to set the replicas yourself; remove spec.replicas to clear this condition',
    );
    // It did change nothing: the Deployment keeps the autoscaler's count, and Ready stays True.
    expect((await get(ns, 'deployment/order'))?.spec?.replicas).toBe(2);
    expect(conditionOf(scaled, 'Ready')?.status).toBe('True');
    const warnings = await eventually(
      async () => {
        const e = await eventsOf(ns, 'ReplicasIgnored');
        return e.length > 0 ? e : undefined;
      },
      { what: 'ReplicasIgnored Event' },
    );
    expect(warnings).toEqual([expect.objectContaining({ type: 'Warning', message: ignored?.message })]);
    const described = await run(ns, ['describe', 'microservice/order']);
    expect(described.stdout).toContain('ReplicasIgnored');

    // Removing spec.replicas clears it.
    await run(ns, ['patch', 'microservice/order', '--type=json', '-p=[{"op":"remove","path":"/spec/replicas"}]']);
    const cleared = await observed(
      ns,
      'ReplicasIgnored=False',
      (ms) => conditionOf(ms, 'ReplicasIgnored')?.status === 'False',
    );
    expect(conditionOf(cleared, 'ReplicasIgnored')?.message).toMatch(/^spec\.replicas is not set/);

    // Without autoscaling, kubectl scale is the replica count again and the condition is gone.
    await run(ns, ['patch', 'microservice/order', '--type=json', '-p=[{"op":"remove","path":"/spec/autoscaling"}]']);
    await run(ns, ['scale', 'microservice/order', '--replicas=3']);
    const fixed = await observed(
      ns,
      'no ReplicasIgnored, replicas 3',
      (ms) => ms.spec?.replicas === 3 && conditionOf(ms, 'ReplicasIgnored') === undefined,
    );
    expect(fixed?.spec?.replicas).toBe(3);
    await eventually(async () => ((await get(ns, 'deployment/order'))?.spec?.replicas === 3 ? true : undefined), {
      what: 'Deployment at 3 replicas',
    });
    expect(await eventsOf(ns, 'ReplicasIgnored')).toHaveLength(1);
  });
});

describe('progressDeadlineSeconds', () => {
  it('turns a rollout whose pods never become ready into Ready=False ProgressDeadlineExceeded, and back', async () => {
    const { ns } = await e2e.withOperator('deadline');
    const microService = (nodeSelector?: Record<string, string>) => ({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: 'order', namespace: ns },
      spec: {
        image: 'registry.example.com/shop/order:1.0.0',
        replicas: 2,
        ports: [{ name: 'http', port: 8080 }],
        progressDeadlineSeconds: 5,
        ...(nodeSelector ? { nodeSelector } : {}),
      },
    });
    // No kwok node is in this pool, so the pods stay Pending (Unschedulable) and the rollout stalls.
    await apply(kubeconfig(), [microService({ 'pool.example.com/name': 'nowhere' })]);
    const stalled = await observed(ns, 'Ready=False ProgressDeadlineExceeded', (ms) => {
      const r = conditionOf(ms, 'Ready');
      return r?.status === 'False' && r.reason === 'ProgressDeadlineExceeded';
    });
    const ready = stalled?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.message).toMatch(
      /^Deployment order made no progress: ReplicaSet "order-[a-z0-9]+" has timed out progressing/,
    );
    expect(ready?.message).toContain('0/2 pods are scheduled');
    expect(conditionOf(stalled, 'Stalled')).toMatchObject({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(conditionOf(stalled, 'Reconciling')?.status).toBe('False');
    // The Deployment controller's own verdict is what the operator read.
    const deployment = await getJson<{ status: { conditions: Condition[] } }>(kubeconfig(), [
      '-n',
      ns,
      'deployment/order',
    ]);
    expect(conditionOf(deployment, 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    const warnings = await eventually(
      async () => {
        const e = await eventsOf(ns, 'ProgressDeadlineExceeded');
        return e.length > 0 ? e : undefined;
      },
      { what: 'ProgressDeadlineExceeded Event' },
    );
    expect(warnings[0]?.type).toBe('Warning');

    // A fixed spec rolls out and is Ready again.
    await apply(kubeconfig(), [microService()]);
    const recovered = await observed(ns, 'Ready=True', (ms) => conditionOf(ms, 'Ready')?.status === 'True');
    expect(conditionOf(recovered, 'Stalled')?.status).toBe('False');
  });
});
