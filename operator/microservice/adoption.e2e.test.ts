// Adoption on the real local control plane (issue #19): children that exist before their
// MicroService, made by `kubectl apply` (client-side) and by server-side apply under another field
// manager. Without the opt-in nothing changes and AdoptionRequired says why; with it the operator
// owns the objects, the previous managers' fields are gone, and the Deployment keeps its
// ReplicaSet and its pods (the pod template renders equal). A Helm release (the real helm: field
// manager `helm`, its meta.helm.sh annotations and managed-by label) is adopted the same way.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseMicroService } from '../../api/index.ts';
import { helm } from '../../charts/helm.ts';
import { DEFAULT_RENDER_CONFIG, render } from '../../render/index.ts';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, conditionOf, eventually, getJson } from '../../test/e2e/kube.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';
import { ADOPT_ANNOTATION, ADOPTION_CONDITION } from './adoption.ts';
import { FIELD_MANAGER } from './identity.ts';

type Obj = {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string; kind: string; name: string; controller?: boolean }[];
    managedFields?: { manager: string; operation: string; subresource?: string }[];
  };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};
type List = { items: Obj[] };

const e2e = operatorSuite();

const microService = (name: string, ns: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name, namespace: ns, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
  spec: { image: `registry.example.com/shop/${name}:1.0.0`, replicas: 2, ports: [{ name: 'http', port: 8080 }] },
});

/** The objects `msvc render` prints for it, as a team would have applied them before the operator. */
function rendered(name: string, ns: string) {
  const parsed = parseMicroService(microService(name, ns));
  if (!parsed.ok) throw new Error('invalid fixture');
  return render(parsed.value).objects;
}

const get = (ns: string, what: string) => getJson<Obj>(kubeconfig(), ['-n', ns, what, '--show-managed-fields']);
const list = async (ns: string, what: string) => (await getJson<List>(kubeconfig(), ['-n', ns, what]))?.items ?? [];
const managers = (o: Obj | undefined) =>
  (o?.metadata.managedFields ?? []).filter((m) => !m.subresource).map((m) => `${m.manager}/${m.operation}`);

/** The Deployment's ReplicaSets and pods, once it is rolled out: the names and UIDs adoption must keep. */
async function workload(ns: string, name: string) {
  await eventually(
    async () => {
      const d = await get(ns, `deployment/${name}`);
      const s = d?.status as { readyReplicas?: number; updatedReplicas?: number } | undefined;
      return s?.readyReplicas === 2 && s.updatedReplicas === 2;
    },
    { what: `deployment ${name} rolled out`, timeoutMs: 90_000 },
  );
  const replicaSets = (await list(ns, 'replicasets')).map((r) => r.metadata.uid).sort();
  const pods = (await list(ns, 'pods')).map((p) => p.metadata.uid).sort();
  return { replicaSets, pods };
}

describe('adoption', () => {
  const cases = [
    {
      name: 'kubectl apply (client-side)',
      create: async (ns: string, objects: unknown[]) => {
        const input = objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');
        await kubectl(kubeconfig(), ['-n', ns, 'apply', '-f', '-'], { input });
      },
      manager: 'kubectl-client-side-apply/Update',
    },
    {
      name: 'server-side apply under another field manager',
      create: async (ns: string, objects: unknown[]) =>
        apply(
          kubeconfig(),
          objects.map((o) => ({ ...(o as object), metadata: { ...(o as Obj).metadata, namespace: ns } })),
          'platform-deployer',
        ),
      manager: 'platform-deployer/Apply',
    },
    {
      name: 'helm install of a chart',
      create: async (ns: string, objects: unknown[]) => {
        const chart = mkdtempSync(join(tmpdir(), 'msvc-adopt-chart-'));
        e2e.defer(async () => rmSync(chart, { recursive: true, force: true }));
        mkdirSync(join(chart, 'templates'));
        writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: user\nversion: 1.0.0\n');
        const manifest = objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');
        writeFileSync(join(chart, 'templates/all.yaml'), manifest);
        await helm(['install', 'user', chart, '-n', ns, '--kubeconfig', kubeconfig()]);
        const d = await get(ns, 'deployment/user');
        // What Helm adds to every object it installs, and must not survive the adoption.
        expect(d?.metadata.annotations?.['meta.helm.sh/release-name']).toBe('user');
        expect(d?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
      },
      manager: 'helm/Update',
    },
  ];

  it.each(cases)(
    '$name: AdoptionRequired without the opt-in (nothing changes), then adopted on it, same ReplicaSet and pods',
    async ({ create, manager }) => {
      const ns = await e2e.namespace('adopt');
      const name = 'user';
      await create(ns, rendered(name, ns));
      const before = await workload(ns, name);
      const deploymentBefore = await get(ns, `deployment/${name}`);
      expect(managers(deploymentBefore)).toContain(manager);

      await e2e.operator(ns);
      await apply(kubeconfig(), [microService(name, ns)]);
      const required = await eventually(
        async () => {
          const c = conditionOf(await get(ns, `microservice/${name}`), ADOPTION_CONDITION);
          return c?.status === 'True' ? c : undefined;
        },
        { what: 'AdoptionRequired=True' },
      );
      expect(required.reason).toBe('NotOwned');
      expect(required.message).toContain(`Deployment ${ns}/${name} exists and is not owned by this MicroService`);
      expect(required.message).toContain(manager.split('/')[0]);
      expect(required.message).toContain(`${ADOPT_ANNOTATION}: "true"`);
      expect(conditionOf(await get(ns, `microservice/${name}`), 'Ready')).toMatchObject({
        status: 'False',
        reason: ADOPTION_CONDITION,
      });
      // Nothing was written to the children.
      for (const kind of ['deployment', 'service', 'serviceaccount', 'poddisruptionbudget']) {
        const o = await get(ns, `${kind}/${name}`);
        expect(o?.metadata.ownerReferences ?? [], kind).toStrictEqual([]);
      }
      expect((await get(ns, `deployment/${name}`))?.metadata.resourceVersion).toBe(
        deploymentBefore?.metadata.resourceVersion,
      );

      // The opt-in.
      await kubectl(kubeconfig(), ['-n', ns, 'annotate', `microservice/${name}`, `${ADOPT_ANNOTATION}=true`]);
      const ms = await get(ns, `microservice/${name}`);
      for (const kind of ['deployment', 'service', 'serviceaccount', 'poddisruptionbudget']) {
        const adopted = await eventually(
          async () => {
            const o = await get(ns, `${kind}/${name}`);
            return o?.metadata.ownerReferences?.some((r) => r.uid === ms?.metadata.uid && r.controller) ? o : undefined;
          },
          { what: `${kind} adopted` },
        );
        // The previous manager's fields are the operator's now.
        expect(managers(adopted), kind).toStrictEqual([`${FIELD_MANAGER}/Apply`]);
        expect(adopted.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
        expect(adopted.metadata.annotations?.['meta.helm.sh/release-name']).toBeUndefined();
        expect(adopted.metadata.labels?.['app.kubernetes.io/managed-by']).toBe(DEFAULT_RENDER_CONFIG.managedBy);
      }
      await eventually(async () => conditionOf(await get(ns, `microservice/${name}`), 'Ready')?.status === 'True', {
        what: 'Ready=True',
      });
      expect(conditionOf(await get(ns, `microservice/${name}`), ADOPTION_CONDITION)).toBeUndefined();
      // No pod restarted: the same ReplicaSet and the same pods.
      expect(await workload(ns, name)).toStrictEqual(before);
    },
  );

  it('a field only the previous manager set is removed on adoption (the transfer, not a merge)', async () => {
    const ns = await e2e.namespace('adopt-fields');
    const name = 'order';
    const objects = rendered(name, ns).map((o) =>
      o.kind === 'Deployment'
        ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, team: 'payments' } } }
        : o,
    );
    await apply(
      kubeconfig(),
      objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } })),
      'platform-deployer',
    );
    const before = await workload(ns, name);
    await e2e.operator(ns);
    await apply(kubeconfig(), [microService(name, ns, { [ADOPT_ANNOTATION]: 'true' })]);
    const adopted = await eventually(
      async () => {
        const d = await get(ns, `deployment/${name}`);
        return d?.metadata.ownerReferences?.length ? d : undefined;
      },
      { what: 'deployment adopted' },
    );
    expect(adopted.metadata.labels?.['team']).toBeUndefined();
    expect(await workload(ns, name)).toStrictEqual(before);
  });

  it('an object another controller owns is never taken over, even with the opt-in', async () => {
    const ns = await e2e.namespace('adopt-owned');
    const name = 'cart';
    const owner = await kubectl(kubeconfig(), ['-n', ns, 'create', 'configmap', 'owner', '-o', 'json']);
    const uid = (JSON.parse(owner.stdout) as Obj).metadata.uid;
    const account = rendered(name, ns).find((o) => o.kind === 'ServiceAccount');
    await apply(kubeconfig(), [
      {
        ...account,
        metadata: {
          ...account?.metadata,
          namespace: ns,
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid, controller: true }],
        },
      },
    ]);
    await e2e.operator(ns);
    await apply(kubeconfig(), [microService(name, ns, { [ADOPT_ANNOTATION]: 'true' })]);
    const required = await eventually(
      async () => {
        const c = conditionOf(await get(ns, `microservice/${name}`), ADOPTION_CONDITION);
        return c?.status === 'True' ? c : undefined;
      },
      { what: 'AdoptionRequired=True' },
    );
    expect(required.reason).toBe('ControlledByOther');
    expect(required.message).toContain(`ServiceAccount ${ns}/${name} is controlled by ConfigMap owner`);
    expect(await get(ns, `deployment/${name}`)).toBeUndefined();
  });
});
