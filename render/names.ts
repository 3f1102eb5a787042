// The only place child names are made. The operator (lookups, pruning), the cdk8s construct and the
// CLI all call these, so a rename can never leave an orphan behind.

/**
 * Every child shares the MicroService's name (kinds differ, so names never collide), except where one
 * MicroService has several of a kind: Linkerd's Server and AuthorizationPolicy, one per port.
 */
export const names = {
  deployment: (ms: string) => ms,
  service: (ms: string) => ms,
  serviceAccount: (ms: string) => ms,
  horizontalPodAutoscaler: (ms: string) => ms,
  podDisruptionBudget: (ms: string) => ms,
  serviceMonitor: (ms: string) => ms,
  podMonitor: (ms: string) => ms,
  httpRoute: (ms: string) => ms,
  grpcRoute: (ms: string) => ms,
  ingress: (ms: string) => ms,
  networkPolicy: (ms: string) => ms,
  authorizationPolicy: (ms: string) => ms,
  /** Linkerd: one Server (and one AuthorizationPolicy on it) per declared port, by the port's name. */
  linkerdServer: (ms: string, port: string) => `${ms}-${port}`,
  linkerdAuthorizationPolicy: (ms: string, port: string) => `${ms}-${port}`,
  meshTLSAuthentication: (ms: string) => ms,
  /** The app container; mesh proxies add their own (istio-proxy, linkerd-proxy). */
  appContainer: 'app',
  tmpVolume: 'tmp',
} as const;

/** What names a kind: its apiVersion (any version of the group) and kind. */
export interface KindRef {
  readonly apiVersion?: string;
  readonly kind?: string;
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * A kind as group and kind, in kubectl's `KIND.GROUP` form: `Deployment.apps`,
 * `AuthorizationPolicy.policy.linkerd.io`, `Service` for the core group. Kinds are told apart by
 * this, never by the kind alone: Istio and Linkerd both have an AuthorizationPolicy.
 */
export function kindKey(ref: KindRef): string {
  const group = groupOf(ref.apiVersion ?? '');
  return group === '' ? (ref.kind ?? '') : `${ref.kind ?? ''}.${group}`;
}
