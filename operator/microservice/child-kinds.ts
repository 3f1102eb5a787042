// The kinds of object a MicroService owns, in one small module: the reconciler applies and prunes
// them, and `msvc diff` dry-runs the same list without loading the reconciler and its runtime.

/**
 * The kinds a MicroService owns, in apply order. Pruning walks the same list. A kind with a `crd`
 * is optional: it is applied only where the API server serves it (discovery, re-checked while it is
 * missing: see KindDiscovery), a missing one is named in the ChildrenApplied condition instead of
 * failing the reconcile, and it is read by GET rather than from a cache (a watch on a kind that is
 * not served could never sync). Adding a third-party kind is one entry here, plus its RBAC rule in
 * the chart (charts/microservice-operator/templates/).
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
] as const;
export type ChildKind = (typeof CHILD_KINDS)[number]['kind'];
type CachedEntry = Exclude<(typeof CHILD_KINDS)[number], { crd: string }>;
/** The kinds every cluster serves: watched and cached. */
export type CachedChildKind = CachedEntry['kind'];
export const CACHED_CHILD_KINDS: readonly CachedEntry[] = CHILD_KINDS.filter((k): k is CachedEntry => !('crd' in k));
/** The CRD an optional kind needs, or undefined for a built-in kind. */
export function crdOf(kind: string): string | undefined {
  return optionalKind(kind)?.crd;
}
/** The CHILD_KINDS entry of an optional kind: its CRD and the spec field that renders it. */
export function optionalKind(kind: string): Extract<(typeof CHILD_KINDS)[number], { crd: string }> | undefined {
  const k = CHILD_KINDS.find((c) => c.kind === kind);
  return k && 'crd' in k ? k : undefined;
}
