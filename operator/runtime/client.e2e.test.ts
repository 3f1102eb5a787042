import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { Client, ObjectError } from './client.ts';

const FIELD_MANAGER = 'client-e2e';

import { e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import type { KubeObject } from './key.ts';

const client = new Client(e2eRest(), { fieldManager: FIELD_MANAGER });
let namespace: TestNamespace;

// A throwaway CRD with a status subresource, so status apply is tested without depending on api/.
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.e2e.msvc.dev' },
  spec: {
    group: 'e2e.msvc.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: namespace.name, labels }, data };
}

beforeAll(async () => {
  namespace = await createTestNamespace(e2eKubeconfigPath(), 'op-client');
  await client.apply(crd, { force: true });
  await eventually(async () => {
    const got = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: crd.metadata.name,
    });
    return got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, 'the Widget CRD to be established');
});

afterAll(async () => {
  await namespace?.cleanup();
});

describe('Client (server-side apply against a real API server)', () => {
  it('applies under the msvc-operator field manager and a repeated apply is a no-op', async () => {
    const first = await client.apply(configMap('noop', { a: '1' }));
    const managers = (first.metadata?.managedFields ?? []) as Array<{ manager: string; operation: string }>;
    expect(managers).toEqual([expect.objectContaining({ manager: FIELD_MANAGER, operation: 'Apply' })]);
    const second = await client.apply(configMap('noop', { a: '1' }));
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it("keeps other managers' fields and conflicts on them unless forced", async () => {
    await client.apply(configMap('shared', { ours: '1' }));
    // Another manager (a user with kubectl) takes `theirs` and changes `ours`.
    await client.rest.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${namespace.name}/configmaps/shared`,
      query: { fieldManager: 'someone-else' },
      contentType: 'application/merge-patch+json',
      body: { data: { theirs: 'x', ours: '2' } },
    });
    const conflict = await client.apply(configMap('shared', { ours: '1' })).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ObjectError);
    expect((conflict as ObjectError).status).toBe(409);
    expect((conflict as ObjectError).key).toBe(`ConfigMap ${namespace.name}/shared`);
    const forced = await client.apply(configMap('shared', { ours: '1' }), { force: true });
    expect(forced['data']).toEqual({ ours: '1', theirs: 'x' });
  });

  it('applies status through the status subresource only', async () => {
    const widget: KubeObject = {
      apiVersion: 'e2e.msvc.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: namespace.name },
    };
    const created = await client.apply({ ...widget, spec: { size: 1 } });
    const updated = await client.applyStatus({ ...widget, spec: { size: 99 }, status: { ready: true } });
    expect(updated['status']).toEqual({ ready: true });
    expect(updated['spec']).toEqual({ size: 1 }); // spec in a status apply is ignored
    expect(updated.metadata?.generation).toBe(created.metadata?.generation);
  });

  it('gets, lists by label and deletes, with not-found as a value', async () => {
    await client.apply(configMap('listed', { a: '1' }, { 'app.kubernetes.io/managed-by': 'msvc-operator' }));
    const listed = await client.list('v1', 'ConfigMap', {
      namespace: namespace.name,
      labelSelector: 'app.kubernetes.io/managed-by=msvc-operator',
    });
    expect(listed.map((obj) => [obj.kind, obj.metadata?.name])).toEqual([['ConfigMap', 'listed']]);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'listed' };
    expect((await client.get(ref))?.metadata?.name).toBe('listed');
    expect(await client.delete(ref, { propagationPolicy: 'Foreground' })).toBe(true);
    await eventually(async () => (await client.get(ref)) === undefined, 'the ConfigMap to disappear');
    expect(await client.delete(ref)).toBe(false);
  });

  it('names the object in errors', async () => {
    const error = await client.apply(configMap('Bad_Name', {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectError);
    expect(String((error as Error).message)).toContain(`ConfigMap ${namespace.name}/Bad_Name`);
    expect((error as ObjectError).status).toBe(422);
  });
});
