// The kinds of object a MicroService owns, in one small module: the reconciler applies and prunes
// them, and `msvc diff` dry-runs the same list without loading the reconciler and its runtime.
//
// A kind is identified by its API group and kind together, never by the kind alone: Istio
// (security.istio.io) and Linkerd (policy.linkerd.io) both have an AuthorizationPolicy. A child is
// that plus its name (`kindKey/name`, see childKey): Linkerd's policy renders one Server per port.
import { type KindRef, kindKey } from '../../render/index.ts';

export { groupOf, type KindRef, kindKey } from '../../render/index.ts';

/**
 * The kinds a MicroService owns, in apply order. Pruning walks the same list. A kind with a `crd`
 * is optional: it is applied only where the API server serves it (discovery, re-checked while it is
 * missing: see KindDiscovery), a missing one is named in the ChildrenApplied condition instead of
 * failing the reconcile, and it is read by GET rather than from a cache (a watch on a kind that is
 * not served could never sync). A kind with `several` may have more than one child per MicroService
 * (names other than the MicroService's own): pruning lists it by label instead of reading one name,
 * so its RBAC rule has `list` too. Adding a third-party kind is one entry here, plus its RBAC rule in
 * the chart (charts/microservice-operator/templates/_helpers.tpl).
 */
export const CHILD_KINDS = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    crd: 'servicemonitors.monitoring.coreos.com',
    field: 'spec.monitoring',
  },
  {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    crd: 'podmonitors.monitoring.coreos.com',
    field: 'spec.monitoring',
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    crd: 'httproutes.gateway.networking.k8s.io',
    field: 'spec.routes',
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    crd: 'grpcroutes.gateway.networking.k8s.io',
    field: 'spec.routes',
  },
  {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    crd: 'authorizationpolicies.security.istio.io',
    field: 'spec.allowedCallers',
  },
  // Linkerd's policy (render/policy.ts): the Servers first, so an AuthorizationPolicy's target exists.
  {
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'Server',
    crd: 'servers.policy.linkerd.io',
    field: 'spec.allowedCallers',
    several: true,
  },
  {
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'MeshTLSAuthentication',
    crd: 'meshtlsauthentications.policy.linkerd.io',
    field: 'spec.allowedCallers',
  },
  {
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'AuthorizationPolicy',
    crd: 'authorizationpolicies.policy.linkerd.io',
    field: 'spec.allowedCallers',
    several: true,
  },
] as const;
export type ChildKindEntry = (typeof CHILD_KINDS)[number];
type CachedEntry = Exclude<ChildKindEntry, { crd: string }>;
type OptionalEntry = Extract<ChildKindEntry, { crd: string }>;
export const CACHED_CHILD_KINDS: readonly CachedEntry[] = CHILD_KINDS.filter((k): k is CachedEntry => !('crd' in k));

/** One child of one MicroService: its kind (group and kind), namespace and name. */
export function childKey(ref: KindRef, namespace: string, name: string): string {
  return `${kindKey(ref)}/${namespace}/${name}`;
}

/** The CHILD_KINDS entry of this group and kind, or undefined when the operator does not apply it. */
export function childKind(ref: KindRef): ChildKindEntry | undefined {
  const key = kindKey(ref);
  return CHILD_KINDS.find((c) => kindKey(c) === key);
}

/** Built-in kinds (watched and cached), by kindKey. */
export type CachedChildKey =
  | 'ServiceAccount'
  | 'Service'
  | 'Deployment.apps'
  | 'HorizontalPodAutoscaler.autoscaling'
  | 'PodDisruptionBudget.policy'
  | 'NetworkPolicy.networking.k8s.io'
  | 'Ingress.networking.k8s.io';

/** The CRD an optional kind needs, or undefined for a built-in kind (or one the operator does not apply). */
export function crdOf(ref: KindRef): string | undefined {
  return optionalKind(ref)?.crd;
}

/** The CHILD_KINDS entry of an optional kind: its CRD and the spec field that renders it. */
export function optionalKind(ref: KindRef): OptionalEntry | undefined {
  const k = childKind(ref);
  return k && 'crd' in k ? k : undefined;
}

/** Whether a MicroService may own more than one child of this kind (pruning lists it). */
export function several(ref: KindRef): boolean {
  const k = childKind(ref);
  return k !== undefined && 'several' in k && k.several;
}
