import { describe, expect, it } from 'vitest';
import type { MicroService } from '../../api/index.ts';
import type { KubeObject } from '../runtime/key.ts';
import {
  ENFORCE_LABEL,
  enforceLevelChanged,
  leanNamespace,
  POD_SECURITY_CONDITION,
  podSecurityCondition,
} from './pod-security.ts';

const ms = (mesh?: MicroService['spec']['mesh']): MicroService => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', namespace: 'shop' },
  spec: { image: 'order:1', ...(mesh ? { mesh } : {}) },
});

const namespace = (level?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'shop', ...(level ? { labels: { [ENFORCE_LABEL]: level } } : {}) },
});

const reported = [{ type: POD_SECURITY_CONDITION }];
const istio = { provider: 'istio', mode: 'sidecar' } as const;

describe('podSecurityCondition', () => {
  it.each([
    ['istio sidecar', istio, 'istio-init', 'istio-cni'],
    ['istio native sidecar', { provider: 'istio', mode: 'native-sidecar' } as const, 'istio-init', 'istio-cni'],
    ['linkerd', { provider: 'linkerd' } as const, 'linkerd-init', 'linkerd-cni'],
  ])(
    '%s without cni in a restricted or baseline namespace: True, naming the init container and both fixes',
    (_, mesh, init, plugin) => {
      for (const level of ['restricted', 'baseline']) {
        const c = podSecurityCondition(ms(mesh), namespace(level), undefined);
        expect(c).toMatchObject({ type: POD_SECURITY_CONDITION, status: 'True', reason: 'MeshInitContainerRefused' });
        expect(c?.message).toContain(`namespace shop: spec.mesh: without ${plugin}`);
        expect(c?.message).toContain(`init container ${init} (capabilities NET_ADMIN and NET_RAW`);
        expect(c?.message).toContain(`the namespace enforces Pod Security level ${level}, which rejects the pods`);
        expect(c?.message).toContain('set spec.mesh.cni: true');
        expect(c?.message).toContain('pod-security.kubernetes.io/enforce=privileged');
      }
    },
  );

  it.each([
    ['privileged namespace', ms(istio), namespace('privileged')],
    ['unlabelled namespace', ms(istio), namespace()],
    ['namespace not cached', ms(istio), undefined],
    ['cni', ms({ ...istio, cni: true }), namespace('restricted')],
    ['ambient', ms({ provider: 'istio', mode: 'ambient' }), namespace('restricted')],
    ['no mesh', ms(), namespace('restricted')],
  ])('%s: no condition when none was reported', (_, spec, ns) => {
    expect(podSecurityCondition(spec, ns, undefined)).toBeUndefined();
    expect(podSecurityCondition(spec, ns, [{ type: 'CapacityRisk' }])).toBeUndefined();
  });

  it.each([
    [
      'the namespace relabelled privileged',
      ms(istio),
      namespace('privileged'),
      'NotEnforced',
      'namespace shop enforces Pod Security level privileged, which admits istio-init',
    ],
    [
      'the label removed',
      ms(istio),
      namespace(),
      'NotEnforced',
      `namespace shop enforces no Pod Security level (no ${ENFORCE_LABEL} label), which admits istio-init`,
    ],
    [
      'spec.mesh.cni set',
      ms({ ...istio, cni: true }),
      namespace('restricted'),
      'MeshCNI',
      'spec.mesh.cni: the mesh CNI plugin',
    ],
    ['the mesh removed', ms(), namespace('restricted'), 'NoMeshInitContainer', 'no sidecar mesh'],
    [
      'ambient',
      ms({ provider: 'istio', mode: 'ambient' }),
      namespace('baseline'),
      'NoMeshInitContainer',
      'no sidecar mesh',
    ],
  ])('once reported, %s turns it False saying why', (_, spec, ns, reason, message) => {
    const c = podSecurityCondition(spec, ns, reported);
    expect(c).toMatchObject({ type: POD_SECURITY_CONDITION, status: 'False', reason });
    expect(c?.message).toContain(message);
  });
});

describe('namespace cache', () => {
  it('keeps only the identity and the enforce label', () => {
    const full: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'shop',
        uid: 'u1',
        resourceVersion: '7',
        labels: { [ENFORCE_LABEL]: 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', team: 'a' },
        annotations: { note: 'x' },
        managedFields: [{ manager: 'kubectl' }],
      } as KubeObject['metadata'],
    };
    expect(leanNamespace(full)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', uid: 'u1', resourceVersion: '7', labels: { [ENFORCE_LABEL]: 'restricted' } },
    });
    expect(leanNamespace(namespace()).metadata).toEqual({ name: 'shop', uid: undefined, resourceVersion: undefined });
  });

  it('re-queues on adds, deletes and a changed enforce label only', () => {
    expect(enforceLevelChanged({ type: 'Added', object: namespace('restricted') })).toBe(true);
    expect(enforceLevelChanged({ type: 'Deleted', object: namespace('restricted') })).toBe(true);
    const changed = { type: 'Updated', object: namespace('privileged'), old: namespace('restricted') } as const;
    expect(enforceLevelChanged(changed)).toBe(true);
    expect(enforceLevelChanged({ type: 'Updated', object: namespace(), old: namespace('baseline') })).toBe(true);
    expect(enforceLevelChanged({ type: 'Updated', object: namespace('baseline'), old: namespace('baseline') })).toBe(
      false,
    );
  });
});
