// The MicroService construct: validates its props at construction and adds what render/ makes of
// them to the Chart, rendered at synth time, so `cdk8s synth` prints exactly what the operator
// applies for a MicroService custom resource with the same metadata and spec.
import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { MicroService as MicroServiceObject, MicroServiceSpec } from '../api/index.ts';
import {
  DEFAULT_RENDER_CONFIG,
  type Explanation,
  kindKey,
  type RenderConfig,
  type RenderedObject,
  render,
  selectorLabels,
} from '../render/index.ts';
import { MicroServiceDefinition } from './definition.ts';
import { type JsonObject, OrderedApiObject } from './ordered-api-object.ts';
import type { MicroServiceEnvFrom, MicroServiceEnvVar, MicroServiceProps } from './props.ts';

/** Options of the `MicroService` construct that are not part of the MicroService spec. */
export interface MicroServiceOptions {
  /**
   * Renderer settings, e.g. the `app.kubernetes.io/managed-by` value. Keep the default for parity
   * with the operator: it filters its watches on that label.
   *
   * @default - DEFAULT_RENDER_CONFIG (managedBy `msvc-operator`)
   */
  readonly renderConfig?: RenderConfig;
}

/**
 * Construct ids of the rendered objects, by group and kind (render/names.ts kindKey; also the order
 * render() emits them in). Istio's and Linkerd's AuthorizationPolicy share a kind name, not an id.
 */
const CHILD_IDS = {
  ServiceAccount: 'ServiceAccount',
  Service: 'Service',
  'Deployment.apps': 'Deployment',
  'HorizontalPodAutoscaler.autoscaling': 'HorizontalPodAutoscaler',
  'PodDisruptionBudget.policy': 'PodDisruptionBudget',
  'ServiceMonitor.monitoring.coreos.com': 'ServiceMonitor',
  'PodMonitor.monitoring.coreos.com': 'PodMonitor',
  'HTTPRoute.gateway.networking.k8s.io': 'HTTPRoute',
  'GRPCRoute.gateway.networking.k8s.io': 'GRPCRoute',
  'Ingress.networking.k8s.io': 'Ingress',
  'NetworkPolicy.networking.k8s.io': 'NetworkPolicy',
  'AuthorizationPolicy.security.istio.io': 'AuthorizationPolicy',
  'Server.policy.linkerd.io': 'LinkerdServer',
  'MeshTLSAuthentication.policy.linkerd.io': 'MeshTLSAuthentication',
  'AuthorizationPolicy.policy.linkerd.io': 'LinkerdAuthorizationPolicy',
} as const;
type RenderedKind = keyof typeof CHILD_IDS;
/** Where the render cache keeps an object: group, kind and name (Linkerd renders a Server per port). */
const objectKey = (o: RenderedObject) => `${kindKey(o)}/${o.metadata.name}`;

/**
 * A MicroService, rendered into Kubernetes objects in the Chart: ServiceAccount, Service,
 * Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, ServiceMonitor or PodMonitor, HTTPRoute,
 * GRPCRoute, Ingress, NetworkPolicy and (Istio) AuthorizationPolicy (those that apply), in that order.
 *
 * Rendering happens at synth time with the same `render()` the operator and `msvc render` use, so
 * `addEnv`/`addEnvFrom` after construction show up, and the synthesized objects equal the
 * operator's byte for byte (same key order too; cdk8s's alphabetical sorting is undone).
 *
 * Escape hatches: `deployment`, `service`, `serviceAccount`, `horizontalPodAutoscaler` and
 * `podDisruptionBudget` are the ApiObjects; `addJsonPatch` and `metadata.addLabel` work on them.
 * Patched output no longer equals what the operator applies: the operator would revert it.
 *
 * To have cdk8s emit the MicroService custom resource instead (for clusters running the operator),
 * use `MicroServiceResource` with the same props.
 */
export class MicroService extends Construct {
  /** The Deployment (also `ApiObject.of(this)`). */
  public readonly deployment: ApiObject;
  /** The Service; absent when the spec has no ports. */
  public readonly service?: ApiObject;
  /** The ServiceAccount; absent when an existing one is used (`serviceAccount.create: false`). */
  public readonly serviceAccount?: ApiObject;
  /** The HorizontalPodAutoscaler; absent without `autoscaling`. */
  public readonly horizontalPodAutoscaler?: ApiObject;
  /** The PodDisruptionBudget; absent when fewer than 2 pods run. */
  public readonly podDisruptionBudget?: ApiObject;
  /** The ServiceMonitor or PodMonitor; absent without `monitoring` (or with `type: Annotations`). */
  public readonly monitor?: ApiObject;
  /** The Gateway API HTTPRoute; absent without `routes.http` and `routes.parentRefs`. */
  public readonly httpRoute?: ApiObject;
  /** The Gateway API GRPCRoute; absent without `routes.grpc` and `routes.parentRefs`. */
  public readonly grpcRoute?: ApiObject;
  /** The Ingress; absent without `routes.ingress`. */
  public readonly ingress?: ApiObject;
  /** The NetworkPolicy; absent without `allowedCallers`. */
  public readonly networkPolicy?: ApiObject;
  /** The Istio AuthorizationPolicy; absent without `allowedCallers` and mesh istio. */
  public readonly authorizationPolicy?: ApiObject;
  /**
   * Linkerd's policy objects (policy.linkerd.io): a Server per port, then the MeshTLSAuthentication
   * and an AuthorizationPolicy per Server; empty without `allowedCallers` and mesh linkerd.
   */
  public readonly linkerdPolicy: readonly ApiObject[];
  /** Name of the MicroService, and of every rendered object but Linkerd's per-port ones. */
  public readonly name: string;
  /** Namespace of every rendered object, if any. */
  public readonly namespace?: string;

  private readonly definition: MicroServiceDefinition;
  private readonly renderConfig: RenderConfig;
  private cache?: { version: number; objects: Map<string, RenderedObject>; explanations: Explanation[] };

  constructor(scope: Construct, id: string, props: MicroServiceProps, options: MicroServiceOptions = {}) {
    super(scope, id);
    this.definition = new MicroServiceDefinition({ scope, id }, props);
    this.renderConfig = options.renderConfig ?? DEFAULT_RENDER_CONFIG;
    this.name = this.definition.name;
    this.namespace = this.definition.namespace;
    const children: Partial<Record<RenderedKind, ApiObject>> = {};
    const linkerd: ApiObject[] = [];
    for (const [key, object] of this.rendered().objects) {
      const kind = kindKey(object);
      if (!(kind in CHILD_IDS)) throw new Error(`${this.node.path}: render() returned an unexpected kind ${kind}`);
      const base = CHILD_IDS[kind as RenderedKind];
      // An object named after the MicroService keeps the kind's id; a per-port one adds its name.
      const name = object.metadata.name;
      const id = name === this.name ? base : `${base}-${name}`;
      const child = new OrderedApiObject(this, id, { produce: () => this.renderedObject(key) });
      if (object.apiVersion.startsWith('policy.linkerd.io/')) linkerd.push(child);
      else children[kind as RenderedKind] = child;
    }
    const deployment = children['Deployment.apps'];
    if (!deployment) throw new Error(`${this.node.path}: render() returned no Deployment`);
    this.deployment = deployment;
    this.service = children.Service;
    this.serviceAccount = children.ServiceAccount;
    this.horizontalPodAutoscaler = children['HorizontalPodAutoscaler.autoscaling'];
    this.podDisruptionBudget = children['PodDisruptionBudget.policy'];
    this.monitor = children['ServiceMonitor.monitoring.coreos.com'] ?? children['PodMonitor.monitoring.coreos.com'];
    this.httpRoute = children['HTTPRoute.gateway.networking.k8s.io'];
    this.grpcRoute = children['GRPCRoute.gateway.networking.k8s.io'];
    this.ingress = children['Ingress.networking.k8s.io'];
    this.networkPolicy = children['NetworkPolicy.networking.k8s.io'];
    this.authorizationPolicy = children['AuthorizationPolicy.security.istio.io'];
    this.linkerdPolicy = linkerd;
    this.node.defaultChild = this.deployment;
  }

  private rendered(): { objects: Map<string, RenderedObject>; explanations: Explanation[] } {
    const version = this.definition.version;
    if (this.cache?.version !== version) {
      const result = render(this.definition.current, this.renderConfig);
      this.cache = {
        version,
        objects: new Map(result.objects.map((o) => [objectKey(o), o])),
        explanations: result.explanations,
      };
    }
    return this.cache;
  }

  private renderedObject(key: string): JsonObject {
    const object = this.rendered().objects.get(key);
    if (!object) {
      // Only env can change after construction, and env never adds or removes an object.
      throw new Error(`${this.node.path}: ${key} is no longer rendered`);
    }
    // The cached render itself: OrderedApiObject only reads it and synthesizes a copy.
    return object;
  }

  /**
   * The MicroService custom resource this construct renders (a copy): what the operator would
   * read for the same output, e.g. to compare or to print with `msvc explain`.
   */
  get resource(): MicroServiceObject {
    return this.definition.resource;
  }

  /** The validated spec (a copy). */
  get spec(): MicroServiceSpec {
    return this.definition.resource.spec;
  }

  /** Labels that select the pods (e.g. for a cdk8s-plus NetworkPolicy peer); they never change. */
  get selectorLabels(): Record<string, string> {
    return selectorLabels(this.definition.resource);
  }

  /** Why each computed value was rendered (what `msvc explain` prints). */
  get explanations(): Explanation[] {
    return structuredClone(this.rendered().explanations);
  }

  /**
   * Adds environment variables to the app container, after those of the props (and before the
   * runtime tuning variables). Validated at once: a duplicate name throws here.
   */
  addEnv(...variables: MicroServiceEnvVar[]): void {
    this.definition.addEnv(...variables);
  }

  /** Imports every key of ConfigMaps or Secrets as variables. Validated at once. */
  addEnvFrom(...sources: MicroServiceEnvFrom[]): void {
    this.definition.addEnvFrom(...sources);
  }
}
