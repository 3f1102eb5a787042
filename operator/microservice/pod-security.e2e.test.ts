// PodSecurityRisk on the real control plane: the operator reads the namespace's Pod Security
// enforce label from a metadata-only watch (by name, as with --namespaces), reports a sidecar mesh
// without its CNI plugin in a restricted namespace, and clears it when the namespace is relabelled
// or spec.mesh.cni is set.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, type Condition, conditionOf, eventually, getJson, installCrd } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { startOperator } from '../../test/e2e/operator-process.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';
import { ENFORCE_LABEL, POD_SECURITY_CONDITION } from './pod-security.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

beforeAll(async () => {
  await installCrd(kubeconfig());
});

type Status = { status?: { conditions?: Condition[] } };

const microService = (ns: string, cni?: boolean) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', namespace: ns },
  spec: {
    image: 'registry.example.com/shop/order:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    mesh: { provider: 'istio', mode: 'sidecar', ...(cni === undefined ? {} : { cni }) },
  },
});

async function podSecurity(ns: string, status: string): Promise<Condition> {
  return eventually(
    async () => {
      const c = conditionOf(
        await getJson<Status>(kubeconfig(), ['-n', ns, 'microservice/order']),
        POD_SECURITY_CONDITION,
      );
      return c?.status === status ? c : undefined;
    },
    { what: `${POD_SECURITY_CONDITION}=${status}`, timeoutMs: 60_000 },
  );
}

const label = (ns: string, level: string) =>
  kubectl(kubeconfig(), ['label', 'namespace', ns, `${ENFORCE_LABEL}=${level}`, '--overwrite']);

describe('PodSecurityRisk', () => {
  it('says a restricted namespace refuses the sidecar mesh without CNI, and clears when relabelled or cni is set', async () => {
    const ns = await createTestNamespace(kubeconfig(), 'pod-security', { labels: { [ENFORCE_LABEL]: 'restricted' } });
    cleanups.push(ns.cleanup);
    const op = await startOperator({ kubeconfig: kubeconfig(), namespaces: [ns.name] });
    cleanups.push(() => op.stop('SIGKILL'));

    await apply(kubeconfig(), [microService(ns.name)]);
    const risk = await podSecurity(ns.name, 'True');
    expect(risk.reason).toBe('MeshInitContainerRefused');
    expect(risk.message).toBe(
      `namespace ${ns.name}: spec.mesh: without istio-cni, istio injects the init container istio-init (capabilities NET_ADMIN and NET_RAW, running as uid 0); the namespace enforces Pod Security level restricted, which rejects the pods. Install istio-cni (https://istio.io/latest/docs/setup/additional-setup/cni/) and set spec.mesh.cni: true, or label the namespace pod-security.kubernetes.io/enforce=privileged`,
    );
    const events = await kubectl(kubeconfig(), [
      '-n',
      ns.name,
      'get',
      'events',
      '--field-selector',
      `involvedObject.kind=MicroService,reason=${POD_SECURITY_CONDITION}`,
      '-o',
      'name',
    ]);
    expect(events.stdout.trim()).not.toBe('');

    // The namespace's label changes: no change to the MicroService, the watch re-queues it.
    await label(ns.name, 'privileged');
    const cleared = await podSecurity(ns.name, 'False');
    expect(cleared).toMatchObject({
      reason: 'NotEnforced',
      message: `namespace ${ns.name} enforces Pod Security level privileged, which admits istio-init`,
    });

    await label(ns.name, 'baseline');
    expect((await podSecurity(ns.name, 'True')).message).toContain('enforces Pod Security level baseline');

    // The other fix: the cluster runs istio-cni and the spec says so.
    await apply(kubeconfig(), [microService(ns.name, true)]);
    expect(await podSecurity(ns.name, 'False')).toMatchObject({ reason: 'MeshCNI' });
  });
});
