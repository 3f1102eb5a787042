// The only place child names are made. The operator (lookups, pruning), the cdk8s construct and the
// CLI all call these, so a rename can never leave an orphan behind.

/** Every child shares the MicroService's name: kinds differ, so names never collide. */
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
  /** The app container; mesh proxies add their own (istio-proxy, linkerd-proxy). */
  appContainer: 'app',
  tmpVolume: 'tmp',
} as const;
