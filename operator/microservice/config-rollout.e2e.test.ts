// spec.rolloutOnConfigChange on the real control plane: the operator (with --watch-config) sees a
// ConfigMap or Secret edit through its metadata-only watch and rolls the opted-in Deployment
// exactly once; a MicroService that does not opt in is left alone; a missing object is named in
// ConfigResolved=False.
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, conditionOf, eventually, getJson } from '../../test/e2e/kube.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';

const e2e = operatorSuite();
const watchConfig = { operator: { extraArgs: ['--watch-config'] } };

type Obj = {
  metadata: { generation?: number; annotations?: Record<string, string> };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};
const get = (ns: string, what: string) => getJson<Obj>(kubeconfig(), ['-n', ns, what]);

const configMap = (ns: string, value: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: ns },
  data: { 'app.yaml': `level: ${value}\n` },
});
const secret = (ns: string, value: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: ns },
  stringData: { password: value },
});
const microService = (ns: string, name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name, namespace: ns },
  spec: {
    image: `registry.example.com/shop/${name}:1.0.0`,
    replicas: 1,
    ports: [{ name: 'http', port: 8080 }],
    volumes: [{ name: 'config', configMap: { name: 'settings' } }],
    volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
    env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
    ...extra,
  },
});

const CONFIG_HASH = 'msvc.dev/config-hash';
const templateAnnotations = (d: Obj | undefined) => d?.spec?.template?.metadata?.annotations ?? {};

async function rolledOut(ns: string, name: string): Promise<Obj> {
  return eventually(
    async () => {
      const ms = await get(ns, `microservice/${name}`);
      const d = await get(ns, `deployment/${name}`);
      const fresh = (d?.status?.observedGeneration ?? -1) >= (d?.metadata.generation ?? 0);
      return conditionOf(ms, 'Ready')?.status === 'True' && fresh ? d : undefined;
    },
    { what: `${ns}/${name} rolled out`, timeoutMs: 90_000 },
  );
}

/** ReplicaSets of a Deployment: one per pod template it has rolled out. */
async function replicaSets(ns: string, name: string): Promise<number> {
  const list = await getJson<{ items: unknown[] }>(kubeconfig(), [
    '-n',
    ns,
    'replicasets',
    '-l',
    `app.kubernetes.io/name=${name}`,
  ]);
  return list?.items.length ?? 0;
}

describe('rollout on config change', () => {
  it('rolls the opted-in Deployment once per ConfigMap or Secret edit, and leaves the others alone', async () => {
    const { ns } = await e2e.withOperator('config-rollout', watchConfig);
    await apply(kubeconfig(), [configMap(ns, 'info'), secret(ns, 'one')]);
    await apply(kubeconfig(), [microService(ns, 'opted', { rolloutOnConfigChange: true }), microService(ns, 'plain')]);
    const opted = await rolledOut(ns, 'opted');
    const plain = await rolledOut(ns, 'plain');
    expect(templateAnnotations(opted)[CONFIG_HASH]).toMatch(/^[0-9a-f]{16}$/);
    expect(templateAnnotations(plain)[CONFIG_HASH]).toBeUndefined();
    expect(conditionOf(await get(ns, 'microservice/opted'), 'ConfigResolved')).toMatchObject({
      status: 'True',
      reason: 'Found',
      message: 'rolled on changes to Secret db, ConfigMap settings',
    });
    const before = { opted: opted.metadata.generation ?? 0, plain: plain.metadata.generation ?? 0 };
    expect(await replicaSets(ns, 'opted')).toBe(1);

    await apply(kubeconfig(), [configMap(ns, 'debug')]);
    const afterConfigMap = await eventually(
      async () => {
        const d = await get(ns, 'deployment/opted');
        return (d?.metadata.generation ?? 0) > before.opted ? d : undefined;
      },
      { what: 'the opted-in Deployment to change', timeoutMs: 60_000 },
    );
    expect(templateAnnotations(afterConfigMap)[CONFIG_HASH]).not.toBe(templateAnnotations(opted)[CONFIG_HASH]);
    await rolledOut(ns, 'opted');

    await apply(kubeconfig(), [secret(ns, 'two')]);
    await eventually(async () => ((await get(ns, 'deployment/opted'))?.metadata.generation ?? 0) > before.opted + 1, {
      what: 'the opted-in Deployment to change for the Secret',
      timeoutMs: 60_000,
    });
    await rolledOut(ns, 'opted');
    // A change the pods do not use (another ConfigMap) and a resync-worth of quiet: nothing more.
    await apply(kubeconfig(), [{ ...configMap(ns, 'x'), metadata: { name: 'unrelated', namespace: ns } }]);
    const settled = await rolledOut(ns, 'opted');
    expect(settled.metadata.generation).toBe(before.opted + 2);
    expect(await replicaSets(ns, 'opted')).toBe(3);
    // The one that did not opt in was never touched.
    expect((await get(ns, 'deployment/plain'))?.metadata.generation).toBe(before.plain);
    expect(await replicaSets(ns, 'plain')).toBe(1);
  });

  it('names a referenced object that does not exist, and rolls once when it is created', async () => {
    const { ns } = await e2e.withOperator('config-missing', watchConfig);
    await apply(kubeconfig(), [secret(ns, 'one')]);
    await apply(kubeconfig(), [microService(ns, 'order', { rolloutOnConfigChange: true })]);
    const ms = await eventually(
      async () => {
        const m = await get(ns, 'microservice/order');
        return conditionOf(m, 'ConfigResolved')?.status === 'False' ? m : undefined;
      },
      { what: 'ConfigResolved=False', timeoutMs: 60_000 },
    );
    expect(conditionOf(ms, 'ConfigResolved')).toMatchObject({
      reason: 'NotFound',
      message: `ConfigMap ${ns}/settings (spec.volumes[0].configMap.name) does not exist: pods that use it cannot start, so they are not rolled until it does; create it, or mark the reference optional: true`,
    });
    const events = await kubectl(kubeconfig(), [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      'involvedObject.kind=MicroService,reason=ConfigNotFound',
      '-o',
      'name',
    ]);
    expect(events.stdout.trim()).not.toBe('');
    const generation = (await get(ns, 'deployment/order'))?.metadata.generation ?? 0;

    await apply(kubeconfig(), [configMap(ns, 'info')]);
    await eventually(
      async () => {
        const m = await get(ns, 'microservice/order');
        return conditionOf(m, 'ConfigResolved')?.status === 'True' && conditionOf(m, 'Ready')?.status === 'True';
      },
      { what: 'ConfigResolved=True and Ready', timeoutMs: 90_000 },
    );
    expect((await get(ns, 'deployment/order'))?.metadata.generation).toBe(generation + 1);
  });

  it('says so when the operator does not watch config', async () => {
    const { ns } = await e2e.withOperator('config-unwatched');
    await apply(kubeconfig(), [configMap(ns, 'info'), secret(ns, 'one')]);
    await apply(kubeconfig(), [microService(ns, 'order', { rolloutOnConfigChange: true })]);
    const ready = await rolledOut(ns, 'order');
    expect(templateAnnotations(ready)[CONFIG_HASH]).toBeUndefined();
    expect(conditionOf(await get(ns, 'microservice/order'), 'ConfigResolved')).toMatchObject({
      status: 'Unknown',
      reason: 'NotWatched',
    });
  });
});
