// Shapes shared by every renderer: the objects we emit and the explanations behind computed values.

/** A Kubernetes object as rendered: complete (apiVersion, kind, metadata), only the fields we own. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Why a value was rendered (or deliberately left out): what `msvc explain` prints. */
export interface Explanation {
  /** `Deployment/order`, … */
  readonly object: string;
  /** Where the value lives, e.g. `env GOMEMLIMIT` or `annotation sidecar.istio.io/proxyCPU`. */
  readonly field: string;
  /** The rendered value, or `(unset)` when the rule decided to leave it out. */
  readonly value: string;
  readonly reason: string;
  /** The public source the reason rests on (release notes, bug IDs, upstream files), where it cites one. */
  readonly source?: string;
}

/** Settings the renderer takes from outside the spec; every field has a default (DEFAULT_RENDER_CONFIG). */
export interface RenderConfig {
  /** Value of `app.kubernetes.io/managed-by`, which the operator's watches filter on. */
  readonly managedBy: string;
  /**
   * The `msvc.dev/config-hash` pod template annotation for spec.rolloutOnConfigChange: configHash()
   * of the referenced ConfigMaps' and Secrets' resourceVersions. Only the operator, which watches
   * them, knows it; without it no annotation is rendered (msvc render, cdk8s).
   */
  readonly configHash?: string;
  /**
   * Where objects without a namespace are applied: the namespace kubectl uses for them (`msvc
   * render` reads it from the kubeconfig as kubectl does). Mesh policies of a MicroService without
   * metadata.namespace name it as the MicroService's own (render/policy.ts). Default `default`.
   */
  readonly defaultNamespace?: string;
}

export const DEFAULT_RENDER_CONFIG: RenderConfig = { managedBy: 'msvc-operator' };

export interface RenderResult {
  /**
   * In apply order: ServiceAccount, Service, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget,
   * ServiceMonitor or PodMonitor, HTTPRoute, GRPCRoute, Ingress, NetworkPolicy, AuthorizationPolicy
   * (Istio), then Linkerd's Servers, MeshTLSAuthentication and AuthorizationPolicies.
   */
  readonly objects: RenderedObject[];
  readonly explanations: Explanation[];
}

/** A container-level env var as Kubernetes takes it. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}
