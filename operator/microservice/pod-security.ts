// The PodSecurityRisk condition: a sidecar mesh without its CNI plugin injects an init container
// (istio-init, linkerd-init: NET_ADMIN, NET_RAW) that a namespace enforcing the baseline or
// restricted Pod Security level refuses, so the ReplicaSet could not create a single pod
// (docs/mesh.md#pod-security-and-the-mesh-cni-plugin). The level is the namespace's
// pod-security.kubernetes.io/enforce label, read from a metadata-only cache of namespaces.
import {
  type MicroService,
  meshMode,
  meshPodSecurityRisk,
  meshPodSecurityWarning,
  meshProvider,
  type PodSecurityLevel,
  refusesMeshInit,
} from '../../api/index.ts';
import type { ObjectEvent } from '../runtime/informer.ts';
import type { KubeObject } from '../runtime/key.ts';
import type { ExtraCondition } from './status.ts';

export const POD_SECURITY_CONDITION = 'PodSecurityRisk';

/** https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** A namespace as the cache keeps it: identity and the enforce label, nothing else. */
export function leanNamespace(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  const level = m?.labels?.[ENFORCE_LABEL];
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: m?.name,
      uid: m?.uid,
      resourceVersion: m?.resourceVersion,
      ...(level === undefined ? {} : { labels: { [ENFORCE_LABEL]: level } }),
    },
  };
}

/** Namespace events that can change a PodSecurityRisk: adds, deletes, and a changed enforce label. */
export function enforceLevelChanged(event: ObjectEvent<KubeObject>): boolean {
  return (
    event.type !== 'Updated' ||
    event.old.metadata?.labels?.[ENFORCE_LABEL] !== event.object.metadata?.labels?.[ENFORCE_LABEL]
  );
}

/**
 * The level the namespace enforces. The admission plugin refuses a namespace label that is not one
 * of the three levels, so anything else is not seen; no label is the cluster default, `privileged`
 * unless the API server's AdmissionConfiguration says otherwise (which the operator cannot read).
 */
export function enforceLevel(namespace: KubeObject | undefined): PodSecurityLevel | undefined {
  const value = namespace?.metadata?.labels?.[ENFORCE_LABEL];
  return value === 'privileged' || value === 'baseline' || value === 'restricted' ? value : undefined;
}

/**
 * PodSecurityRisk=True when the namespace's enforce level refuses the init container the spec's
 * sidecar mesh injects; once reported, False with what fixed it (rather than vanishing), and absent
 * for every other MicroService.
 */
export function podSecurityCondition(
  ms: MicroService,
  namespace: KubeObject | undefined,
  previous: readonly { type: string }[] | undefined,
): ExtraCondition | undefined {
  const risk = meshPodSecurityRisk(ms.spec);
  const level = enforceLevel(namespace);
  const name = ms.metadata.namespace ?? '';
  if (risk && refusesMeshInit(level)) {
    return {
      type: POD_SECURITY_CONDITION,
      status: 'True',
      reason: 'MeshInitContainerRefused',
      message: `namespace ${name}: ${meshPodSecurityWarning(risk, level)}`,
    };
  }
  if (!previous?.some((c) => c.type === POD_SECURITY_CONDITION)) return undefined;
  const sidecar = meshProvider(ms.spec) !== 'none' && meshMode(ms.spec) !== 'ambient';
  if (!sidecar) {
    return {
      type: POD_SECURITY_CONDITION,
      status: 'False',
      reason: 'NoMeshInitContainer',
      message: 'no sidecar mesh: no init container is injected',
    };
  }
  if (!risk) {
    return {
      type: POD_SECURITY_CONDITION,
      status: 'False',
      reason: 'MeshCNI',
      message:
        'spec.mesh.cni: the mesh CNI plugin sets up the traffic redirection, so no NET_ADMIN init container is injected',
    };
  }
  return {
    type: POD_SECURITY_CONDITION,
    status: 'False',
    reason: 'NotEnforced',
    message: `namespace ${name} enforces ${level === undefined ? `no Pod Security level (no ${ENFORCE_LABEL} label)` : `Pod Security level ${level}`}, which admits ${risk.initContainer}`,
  };
}
