/**
 * Operator scenarios that need nothing but a running operator watching one namespace, so any suite
 * can run them against an operator it started its own way (e.g. charts/ runs the operator with a
 * token of the Helm chart's ServiceAccount to prove the chart's RBAC is sufficient).
 *
 *   runCoreScenarios({ kubeconfig, namespace, logs? }): Promise<void>
 *     kubeconfig  an admin kubeconfig: the test acts as the user (applies MicroServices, reads)
 *     namespace   a namespace the operator watches (label it restricted to also prove admission)
 *     logs        the operator's output, appended to failure messages
 *   Steps: create (autoscaled) → Ready with all five children owned by the MicroService, status
 *   (observedGeneration, replicas, selector); spec change (image) → rolled into the Deployment;
 *   autoscaling removed → the HPA is pruned and replicas are applied; Events (Pruned, Ready) posted
 *   by the operator; every pod was admitted (the Deployment's replicas become ready).
 */
import { expect } from 'vitest';
import { kubectl } from './cluster.ts';
import { apply, conditionOf, eventually, getJson } from './kube.ts';

interface Obj {
  metadata: { name: string; uid: string; generation?: number; ownerReferences?: { uid: string; kind: string }[] };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & {
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

export interface ScenarioOptions {
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly logs?: () => string;
  /** Name of the MicroService (default 'order'). */
  readonly name?: string;
}

const CHILDREN = ['serviceaccount', 'service', 'deployment', 'horizontalpodautoscaler', 'poddisruptionbudget'];

function microService(name: string, namespace: string, spec: Record<string, unknown>) {
  return { apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', metadata: { name, namespace }, spec };
}

export async function runCoreScenarios(options: ScenarioOptions): Promise<void> {
  const { kubeconfig, namespace: ns } = options;
  const name = options.name ?? 'order';
  const get = (what: string) => getJson<Obj>(kubeconfig, ['-n', ns, what]);
  const withLogs = (what: string) =>
    options.logs ? `${what}\n--- operator output (last 4000 chars) ---\n${options.logs().slice(-4000)}` : what;
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000) =>
    eventually(probe, { what: withLogs(what), timeoutMs }).catch((error: unknown) => {
      throw error instanceof Error && options.logs ? new Error(withLogs(error.message)) : error;
    });
  const base = {
    image: `registry.example.com/shop/${name}:1.0.0`,
    ports: [{ name: 'http', port: 8080 }],
    resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  };

  // 1. Create → Ready, with every child owned by the MicroService.
  await apply(kubeconfig, [microService(name, ns, { ...base, autoscaling: { minReplicas: 2, maxReplicas: 4 } })]);
  const ready = await waitFor(`${ns}/${name} Ready`, async () => {
    const ms = await get(`microservice/${name}`);
    return conditionOf(ms, 'Ready')?.status === 'True' && ms?.status?.['observedGeneration'] === ms?.metadata.generation
      ? ms
      : undefined;
  });
  for (const kind of CHILDREN) {
    const child = await get(`${kind}/${name}`);
    expect(child, withLogs(`${kind}/${name}`)).toBeDefined();
    expect(child?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ uid: ready.metadata.uid, kind: 'MicroService' }),
    ]);
  }
  expect(ready.status).toMatchObject({
    observedGeneration: ready.metadata.generation,
    replicas: 2,
    readyReplicas: 2,
    selector: `app.kubernetes.io/name=${name}`,
  });

  // 2. A spec change reaches the Deployment and the status.
  await apply(kubeconfig, [
    microService(name, ns, {
      ...base,
      image: `registry.example.com/shop/${name}:1.1.0`,
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    }),
  ]);
  await waitFor('the new image in the Deployment and Ready at the new generation', async () => {
    const d = await get(`deployment/${name}`);
    const template = d?.spec?.['template'] as { spec: { containers: { image: string }[] } } | undefined;
    if (template?.spec.containers[0]?.image !== `registry.example.com/shop/${name}:1.1.0`) return undefined;
    const ms = await get(`microservice/${name}`);
    return (
      conditionOf(ms, 'Ready')?.status === 'True' && ms?.status?.['observedGeneration'] === ms?.metadata.generation
    );
  });

  // 3. Autoscaling removed: the HPA is pruned and the Deployment gets the spec's replicas.
  await apply(kubeconfig, [
    microService(name, ns, { ...base, image: `registry.example.com/shop/${name}:1.1.0`, replicas: 3 }),
  ]);
  await waitFor('the HPA pruned and 3 ready replicas', async () => {
    if ((await get(`horizontalpodautoscaler/${name}`)) !== undefined) return undefined;
    const d = await get(`deployment/${name}`);
    return d?.spec?.['replicas'] === 3 && d.status?.['readyReplicas'] === 3;
  });
  const final = await waitFor('Ready with 3 replicas', async () => {
    const ms = await get(`microservice/${name}`);
    return conditionOf(ms, 'Ready')?.status === 'True' && ms?.status?.['readyReplicas'] === 3 ? ms : undefined;
  });
  expect(final.status?.['observedGeneration']).toBe(final.metadata.generation);

  // 4. Events, posted by the operator (not by a controller of the cluster).
  const events = await waitFor('the Pruned and Ready events', async () => {
    const { stdout } = await kubectl(kubeconfig, [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      `involvedObject.kind=MicroService,involvedObject.name=${name}`,
      '-o',
      'json',
    ]);
    const items = (JSON.parse(stdout) as { items: { reason: string; type: string }[] }).items;
    return items.some((e) => e.reason === 'Pruned') && items.some((e) => e.type === 'Normal' && e.reason !== 'Pruned')
      ? items
      : undefined;
  });
  expect(events).toContainEqual(expect.objectContaining({ reason: 'Pruned', type: 'Normal' }));

  // 5. Every pod of the Deployment was admitted: no FailedCreate on its ReplicaSets.
  const rsEvents = await kubectl(kubeconfig, [
    '-n',
    ns,
    'get',
    'events',
    '--field-selector',
    'involvedObject.kind=ReplicaSet,reason=FailedCreate',
    '-o',
    'jsonpath={.items[*].message}',
  ]);
  expect(rsEvents.stdout).toBe('');
}
