// PodSecurityRisk on the real control plane: the operator reads the namespace's Pod Security
// enforce label from a metadata-only watch (by name, as with --namespaces), reports a sidecar mesh
// without its CNI plugin in a restricted namespace, and clears it when the namespace is relabelled
// or spec.mesh.cni is set.
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
import { apply, type Condition, conditionOf, eventually, getJson } from '../../test/e2e/kube.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';
import { ENFORCE_LABEL, POD_SECURITY_CONDITION } from './pod-security.ts';

const e2e = operatorSuite();

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
    const { ns } = await e2e.withOperator('pod-security', {
      namespace: { labels: { [ENFORCE_LABEL]: 'restricted' } },
    });

    await apply(kubeconfig(), [microService(ns)]);
    const risk = await podSecurity(ns, 'True');
    expect(risk.reason).toBe('MeshInitContainerRefused');
    expect(risk.message).toBe(
      `namespace ${ns}: spec.mesh: without istio-cni, istio injects the init container istio-init (capabilities NET_ADMIN and NET_RAW, running as uid 0); the namespace enforces Pod Security level restricted, which rejects the pods. Install istio-cni (https://istio.io/latest/docs/setup/additional-setup/cni/) and set spec.mesh.cni: true, or label the namespace pod-security.kubernetes.io/enforce=privileged`,
    );
    const events = await kubectl(kubeconfig(), [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      `involvedObject.kind=MicroService,reason=${POD_SECURITY_CONDITION}`,
      '-o',
      'name',
    ]);
    expect(events.stdout.trim()).not.toBe('');

    // The namespace's label changes: no change to the MicroService, the watch re-queues it.
    await label(ns, 'privileged');
    const cleared = await podSecurity(ns, 'False');
    expect(cleared).toMatchObject({
      reason: 'NotEnforced',
      message: `namespace ${ns} enforces Pod Security level privileged, which admits istio-init`,
    });

    await label(ns, 'baseline');
    expect((await podSecurity(ns, 'True')).message).toContain('enforces Pod Security level baseline');

    // The other fix: the cluster runs istio-cni and the spec says so.
    await apply(kubeconfig(), [microService(ns, true)]);
    expect(await podSecurity(ns, 'False')).toMatchObject({ reason: 'MeshCNI' });
  });
});
