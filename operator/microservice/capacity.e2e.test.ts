// The capacity preflight on the real control plane: the quota controller fills in `used`, the
// operator reads it, and a rollout the ResourceQuota cannot fit is on the MicroService as
// CapacityRisk=True before the ReplicaSet's first FailedCreate.
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, type Condition, conditionOf, eventually, getJson } from '../../test/e2e/kube.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';

const e2e = operatorSuite();

type Status = { status?: { conditions?: (Condition & { lastTransitionTime: string })[]; hard?: unknown } };
const get = <T = Status>(ns: string, what: string) => getJson<T>(kubeconfig(), ['-n', ns, what]);

const microService = (ns: string, cpu: string) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', namespace: ns },
  spec: {
    image: 'registry.example.com/shop/order:1.0.0',
    replicas: 2,
    ports: [{ name: 'http', port: 8080 }],
    resources: { requests: { cpu, memory: '64Mi' }, limits: { cpu, memory: '64Mi' } },
  },
});

describe('capacity preflight', () => {
  it('reports a rollout the ResourceQuota cannot fit before the ReplicaSet fails to create a pod', async () => {
    const { ns } = await e2e.withOperator('capacity');
    await apply(kubeconfig(), [
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute', namespace: ns },
        spec: { hard: { 'requests.cpu': '1', 'limits.cpu': '1', pods: '10' } },
      },
    ]);
    await eventually(async () => (await get(ns, 'resourcequota/compute'))?.status?.hard, { what: 'quota status' });

    // 2 pods of 300m + 1 surge pod (maxSurge 25% of 2, rounded up) = 900m: fits.
    await apply(kubeconfig(), [microService(ns, '300m')]);
    const fits = await eventually(
      async () => {
        const ms = await get(ns, 'microservice/order');
        return conditionOf(ms, 'Ready')?.status === 'True' ? ms : undefined;
      },
      { what: 'Ready', timeoutMs: 90_000 },
    );
    expect(conditionOf(fits, 'CapacityRisk')).toMatchObject({ status: 'False', reason: 'Fits' });

    // 3 pods of 450m = 1350m at the rollout's peak, where the quota leaves 1 - 600m + our 600m.
    await apply(kubeconfig(), [microService(ns, '450m')]);
    const risky = await eventually(
      async () => {
        const ms = await get(ns, 'microservice/order');
        return conditionOf(ms, 'CapacityRisk')?.status === 'True' ? ms : undefined;
      },
      { what: 'CapacityRisk=True', timeoutMs: 60_000 },
    );
    const risk = risky?.status?.conditions?.find((c) => c.type === 'CapacityRisk');
    expect(risk?.reason).toBe('QuotaTooSmall');
    expect(risk?.message).toContain('ResourceQuota compute would block a rollout (2 pods + 1 surge pod (maxSurge)');
    expect(risk?.message).toContain('it needs requests.cpu 1350m (3 pods of 450m)');
    expect(risk?.message).toContain('short by 350m');
    expect(risk?.message).toContain('limits.cpu 1350m');

    // The prediction holds: the new ReplicaSet cannot create its surge pod, and it failed later.
    type Event = { reason: string; firstTimestamp?: string; eventTime?: string; involvedObject: { kind: string } };
    const failed = await eventually(
      async () => {
        const list = await get<{ items: Event[] }>(ns, 'events');
        return list?.items.find((e) => e.reason === 'FailedCreate' && e.involvedObject.kind === 'ReplicaSet');
      },
      { what: 'FailedCreate on the ReplicaSet', timeoutMs: 60_000 },
    );
    const failedAt = Date.parse(failed.firstTimestamp ?? failed.eventTime ?? '');
    expect(Date.parse(risk?.lastTransitionTime ?? '')).toBeLessThanOrEqual(failedAt);
    const warning = await kubectl(kubeconfig(), [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      'involvedObject.kind=MicroService,reason=CapacityRisk',
      '-o',
      'name',
    ]);
    expect(warning.stdout.trim()).not.toBe('');

    // A larger quota: the risk is gone and the rollout completes.
    await apply(kubeconfig(), [
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute', namespace: ns },
        spec: { hard: { 'requests.cpu': '2', 'limits.cpu': '2', pods: '10' } },
      },
    ]);
    await eventually(
      async () => {
        const ms = await get(ns, 'microservice/order');
        return conditionOf(ms, 'CapacityRisk')?.status === 'False' && conditionOf(ms, 'Ready')?.status === 'True';
      },
      { what: 'CapacityRisk=False and Ready', timeoutMs: 120_000 },
    );
  });

  it('reports a container above the LimitRange maximum before any pod is created', async () => {
    const { ns } = await e2e.withOperator('limitrange');
    await apply(kubeconfig(), [
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'per-container', namespace: ns },
        spec: { limits: [{ type: 'Container', max: { cpu: '400m' } }] },
      },
    ]);
    await apply(kubeconfig(), [microService(ns, '500m')]);
    const ms = await eventually(
      async () => {
        const m = await get(ns, 'microservice/order');
        return conditionOf(m, 'CapacityRisk')?.status === 'True' ? m : undefined;
      },
      { what: 'CapacityRisk=True', timeoutMs: 60_000 },
    );
    expect(conditionOf(ms, 'CapacityRisk')).toMatchObject({
      reason: 'LimitRangeViolated',
      message:
        "LimitRange per-container caps cpu at 400m per container, and container app has a limit of 500m: 100m too much; lower the limit or raise the LimitRange's max",
    });
  });
});
