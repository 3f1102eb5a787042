// The props of the MicroService constructs: the MicroService spec, field for field (flattened the
// way cdk8s-plus flattens a PodSpec into DeploymentProps), plus the resource's metadata. The field
// types come from api/schema.ts, so props and CR can never drift apart (cdk8s/props.test.ts checks
// the key sets match); each `@default` states the value api/defaults.ts applies.

import type * as kplus from 'cdk8s-plus-27';
import type { MicroServiceSpec } from '../api/index.ts';

/** One environment variable of the app container (`spec.env[]`). See also `envFromConfigMap` and friends. */
export type MicroServiceEnvVar = NonNullable<MicroServiceSpec['env']>[number];
/** A ConfigMap or Secret imported as variables (`spec.envFrom[]`). See also `envFromConfigMapKeys`. */
export type MicroServiceEnvFrom = NonNullable<MicroServiceSpec['envFrom']>[number];
/** A declared container port (`spec.ports[]`). */
export type MicroServicePort = NonNullable<MicroServiceSpec['ports']>[number];
/** The pod identity (`spec.serviceAccount`). */
export type MicroServiceServiceAccount = NonNullable<MicroServiceSpec['serviceAccount']>;

/**
 * Metadata of the MicroService. The rendered objects are named after it, exactly as the operator
 * names the children of a MicroService custom resource with this metadata.
 */
export interface MicroServiceMetadata {
  /**
   * Name of the MicroService. The Deployment, Service, ServiceAccount, HorizontalPodAutoscaler and
   * PodDisruptionBudget all take it, so it must be a DNS-1035 label (lower-case letters, digits and
   * '-', starting with a letter, at most 63 characters).
   *
   * It is never generated from the construct path (no cdk8s hash suffix): the names must equal
   * what the operator renders for a custom resource of this name.
   *
   * @default - the construct id (which must then be a DNS-1035 label, e.g. `order`, not `Order`)
   */
  readonly name?: string;
  /**
   * Namespace of the MicroService and of every rendered object.
   *
   * @default - the Chart's namespace; with none, no namespace is written (kubectl's current one applies)
   */
  readonly namespace?: string;
  /**
   * Labels of the MicroService. As with the operator, only `app.kubernetes.io/part-of` is copied
   * onto the rendered objects; the rest label the custom resource (`MicroServiceResource`) only.
   * Chart labels are added to every object by cdk8s itself.
   *
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations of the custom resource (`MicroServiceResource`). The rendered objects do not carry
   * them (the operator does not copy them either); use `addJsonPatch` or `metadata.addAnnotation`
   * on an escape hatch for that.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/**
 * Props of `MicroService` and `MicroServiceResource`: the `spec` of a MicroService custom resource
 * (msvc.dev/v1alpha1), flattened, plus `metadata`. Validated at construction with the same zod
 * schema as the CLI and the CRD (`msvc explain` and the CRD describe every nested field).
 */
export interface MicroServiceProps {
  /** Name, namespace and labels of the MicroService. */
  readonly metadata?: MicroServiceMetadata;

  /** Container image, ideally pinned by tag and digest (`registry.example.com/shop/order:1.4.2`). */
  readonly image: MicroServiceSpec['image'];
  /**
   * Image pull policy.
   *
   * @default - the Kubernetes default: Always for `:latest` or no tag, else IfNotPresent
   * @see https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy
   */
  readonly imagePullPolicy?: MicroServiceSpec['imagePullPolicy'];
  /**
   * Overrides the image ENTRYPOINT.
   *
   * @default - the image's ENTRYPOINT
   */
  readonly command?: MicroServiceSpec['command'];
  /**
   * Overrides the image CMD.
   *
   * @default - the image's CMD
   */
  readonly args?: MicroServiceSpec['args'];
  /**
   * Number of pods. Ignored while `autoscaling` is set: the Deployment then has no `replicas`
   * field, so nothing fights the HorizontalPodAutoscaler.
   *
   * @default 2
   */
  readonly replicas?: MicroServiceSpec['replicas'];
  /**
   * Renders a HorizontalPodAutoscaler (autoscaling/v2): `minReplicas` (default 2), `maxReplicas`,
   * `targetCPUUtilizationPercent` (default 80 when no other target is given),
   * `targetMemoryUtilizationPercent`, `metrics` (Pods, Object and External metric sources) and
   * `behavior` (scaleUp/scaleDown policies and stabilization windows), in the HPA v2 shapes.
   *
   * @default - no autoscaler; `replicas` pods
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly autoscaling?: MicroServiceSpec['autoscaling'];
  /**
   * How the Deployment replaces pods: `{ type: 'RollingUpdate', rollingUpdate: { maxSurge,
   * maxUnavailable } }` or `{ type: 'Recreate' }` (DeploymentStrategy).
   *
   * @default - RollingUpdate, maxSurge 25%, maxUnavailable 0 (surge first, never below the desired count)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy
   */
  readonly strategy?: MicroServiceSpec['strategy'];
  /**
   * Seconds a new pod must be Ready before it counts as available.
   *
   * @default 0
   */
  readonly minReadySeconds?: MicroServiceSpec['minReadySeconds'];
  /**
   * Seconds a rollout may make no progress before it reports ProgressDeadlineExceeded (the
   * operator then sets Ready=False with that reason). Must exceed `minReadySeconds`.
   *
   * @default 600
   */
  readonly progressDeadlineSeconds?: MicroServiceSpec['progressDeadlineSeconds'];
  /**
   * Old ReplicaSets kept for `kubectl rollout undo`.
   *
   * @default 10
   */
  readonly revisionHistoryLimit?: MicroServiceSpec['revisionHistoryLimit'];
  /**
   * Roll the pods when a ConfigMap or Secret they use changes. Only the operator sees the cluster
   * and renders the `msvc.dev/config-hash` annotation; this construct renders none (the same bytes
   * as `msvc render`). For cdk8s, put your own checksum of the config into `podAnnotations`.
   *
   * @default false
   */
  readonly rolloutOnConfigChange?: MicroServiceSpec['rolloutOnConfigChange'];
  /**
   * Ports the container listens on: `{ name, port, protocol }`, protocol HTTP (default), HTTP2,
   * GRPC, TCP or UDP. The Service exposes each one; probes are derived from the first HTTP or GRPC one.
   *
   * @default - no ports, and so no Service
   */
  readonly ports?: MicroServiceSpec['ports'];
  /**
   * App container resources.
   *
   * @default - requests 100m CPU and 128Mi memory, memory limit 128Mi, CPU limit 2 × the CPU
   * request rounded up to whole cores (1); `defaultCPULimit: false` renders no CPU limit
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
   */
  readonly resources?: MicroServiceSpec['resources'];
  /**
   * Liveness, readiness and startup probes; `{ disabled: true }` leaves one out.
   *
   * @default - derived from the first HTTP, HTTP2 or GRPC port: liveness GET /healthz every 10s
   * (timeout 2s, 3 failures), readiness GET /readyz every 5s (timeout 2s, 3 failures), startup GET
   * /healthz every 2s up to 30 failures (60s)
   */
  readonly probes?: MicroServiceSpec['probes'];
  /**
   * Environment variables of the app container. A variable set here wins over one the runtime
   * tuning would add. Use `envFromConfigMap`/`envFromSecret`/`envFromKplus` to reference
   * cdk8s-plus ConfigMaps and Secrets, and `addEnv` to add variables after construction.
   *
   * @default - none (besides runtime tuning, e.g. GOMEMLIMIT)
   */
  readonly env?: MicroServiceSpec['env'];
  /**
   * ConfigMaps and Secrets whose keys all become variables. See `envFromConfigMapKeys` and
   * `envFromSecretKeys` for cdk8s-plus objects.
   *
   * @default - none
   */
  readonly envFrom?: MicroServiceSpec['envFrom'];
  /**
   * Language runtime of the container, for env tuning (at most one). `go`: GOMAXPROCS (`maxProcs`,
   * default `auto`), GOMEMLIMIT (`memoryLimitPercent`, default 90) and GOGC, each set only where
   * the Go runtime needs it. `jvm`: JAVA_TOOL_OPTIONS heap and processor flags (`heapPercent`,
   * default 75). `node`: NODE_OPTIONS=--max-old-space-size (`heapPercent`, default 75) and
   * UV_THREADPOOL_SIZE.
   *
   * @default - no runtime tuning
   */
  readonly runtime?: MicroServiceSpec['runtime'];
  /**
   * Service mesh enrolment (`provider`: istio, linkerd or none). The mesh's own injector adds the
   * proxy; this sets its labels and annotations, budgets its resources and orders start-up and
   * shutdown. `mode` default `sidecar`, `holdApplicationUntilProxyStarts` default true; proxy
   * resources default to Istio's 100m/128Mi requests and 2/1Gi limits, or Linkerd's 100m/20Mi
   * requests and 250Mi memory limit.
   *
   * @default - no mesh
   */
  readonly mesh?: MicroServiceSpec['mesh'];
  /**
   * Graceful shutdown budget.
   *
   * @default - preStopSleepSeconds 5, timeoutSeconds 20, gracePeriodSeconds = their sum + proxy
   * drain (native sidecars: 5) + 5s margin (30 without a mesh)
   */
  readonly shutdown?: MicroServiceSpec['shutdown'];
  /**
   * PodDisruptionBudget, rendered only when at least 2 pods run (`replicas`, or `minReplicas` when
   * autoscaled).
   *
   * @default - maxUnavailable 1
   * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
   */
  readonly disruption?: MicroServiceSpec['disruption'];
  /**
   * The pod identity. Either the spec's `{ create, name, automountToken }`, or a cdk8s-plus
   * ServiceAccount (`new kplus.ServiceAccount(...)` or `kplus.ServiceAccount.fromServiceAccountName`),
   * which becomes `{ create: false, name: sa.name }`: the pods use it and none is rendered.
   * The API token is not mounted unless `automountToken: true` is given (a cdk8s-plus
   * ServiceAccount's own `automountToken` is overridden by the pod's setting).
   *
   * @default - a ServiceAccount named after the MicroService (create true, automountToken false)
   */
  readonly serviceAccount?: MicroServiceSpec['serviceAccount'] | kplus.IServiceAccount;
  /**
   * The Service in front of the pods: `type` (default ClusterIP), `headless` (default false).
   *
   * @default - a ClusterIP Service when `ports` is not empty
   */
  readonly service?: MicroServiceSpec['service'];
  /**
   * How Prometheus scrapes the metrics: a Prometheus Operator ServiceMonitor or PodMonitor, or
   * `prometheus.io/*` pod annotations; mesh-aware (Istio metrics merging on 15020, or the app port
   * over mTLS; Linkerd's proxy metrics on 4191).
   *
   * @default - no scrape configuration
   * @see https://prometheus-operator.dev/docs/developer/getting-started/
   */
  readonly monitoring?: MicroServiceSpec['monitoring'];
  /**
   * Routes into the service: an HTTPRoute (`http` rules) and a GRPCRoute (`grpc` rules) attached to
   * `parentRefs`, and optionally an Ingress, all to the Service's named ports (docs/traffic.md).
   *
   * @default - none
   * @see https://gateway-api.sigs.k8s.io/reference/spec/
   */
  readonly routes?: MicroServiceSpec['routes'];
  /**
   * Who may call the declared ports: namespaces, ServiceAccounts and MicroServices. Renders a
   * NetworkPolicy and, with mesh istio, an AuthorizationPolicy; with mesh linkerd, a Server per port, a
   * MeshTLSAuthentication and an AuthorizationPolicy per Server (docs/traffic.md#who-may-call-me).
   *
   * @default - no policy: every caller may connect
   */
  readonly allowedCallers?: MicroServiceSpec['allowedCallers'];
  /**
   * Extra labels on the pods (e.g. team or cost-center). Keys the operator sets
   * (`app.kubernetes.io/*`, mesh keys) are reserved. Never part of the selector.
   *
   * @default - none
   */
  readonly podLabels?: MicroServiceSpec['podLabels'];
  /**
   * Extra annotations on the pods (e.g. `prometheus.io/scrape`). Mesh keys are reserved: set
   * them through `mesh`.
   *
   * @default - none
   */
  readonly podAnnotations?: MicroServiceSpec['podAnnotations'];
  /**
   * Secrets with registry credentials (`kubernetes.io/dockerconfigjson`), for every image of the
   * pod: the app, init containers and sidecars.
   *
   * @default - none (the node's or the ServiceAccount's credentials)
   * @see https://kubernetes.io/docs/concepts/containers/images/#specifying-imagepullsecrets-on-a-pod
   */
  readonly imagePullSecrets?: MicroServiceSpec['imagePullSecrets'];
  /**
   * Volumes of the pod, in the Kubernetes Volume shape: configMap, secret, emptyDir,
   * persistentVolumeClaim, projected, downwardAPI or csi (the types the restricted Pod Security
   * level allows). A volume named `tmp` replaces the default writable /tmp.
   *
   * @default - only `tmp`: an emptyDir with sizeLimit 1Gi, mounted at /tmp
   * @see https://kubernetes.io/docs/concepts/storage/volumes/
   */
  readonly volumes?: MicroServiceSpec['volumes'];
  /**
   * Mounts of the app container (`readOnly`, `subPath`); each names a volume in `volumes` (or
   * `tmp`), mount paths are unique and /tmp is taken.
   *
   * @default - only /tmp
   */
  readonly volumeMounts?: MicroServiceSpec['volumeMounts'];
  /**
   * Init containers (e.g. a database migration), run in order before the app and after the
   * sidecars have started; each gets the restricted security context and counts in the pod budget.
   *
   * @default - none
   * @see https://kubernetes.io/docs/concepts/workloads/pods/init-containers/
   */
  readonly initContainers?: MicroServiceSpec['initContainers'];
  /**
   * Extra containers beside the app (log shippers, local proxies; not the mesh proxy), rendered
   * as native sidecars ahead of the init containers.
   *
   * @default - none
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  readonly sidecars?: MicroServiceSpec['sidecars'];
  /**
   * Node labels the pods require (e.g. a dedicated node pool).
   *
   * @default - none
   */
  readonly nodeSelector?: MicroServiceSpec['nodeSelector'];
  /**
   * Taints the pods tolerate (Kubernetes Toleration).
   *
   * @default - none
   */
  readonly tolerations?: MicroServiceSpec['tolerations'];
  /**
   * Node affinity, pod affinity and pod anti-affinity (Kubernetes Affinity).
   *
   * @default - none
   */
  readonly affinity?: MicroServiceSpec['affinity'];
  /**
   * How replicas spread over domains; given constraints replace both defaults, and one without
   * `labelSelector` counts this MicroService's pods.
   *
   * @default - maxSkew 1 over kubernetes.io/hostname and topology.kubernetes.io/zone, both ScheduleAnyway
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly topologySpreadConstraints?: MicroServiceSpec['topologySpreadConstraints'];
  /**
   * PriorityClass of the pods.
   *
   * @default - none (the cluster's default priority)
   */
  readonly priorityClassName?: MicroServiceSpec['priorityClassName'];
  /**
   * RuntimeClass of the pods (e.g. gvisor, kata).
   *
   * @default - none (the node's default runtime)
   */
  readonly runtimeClassName?: MicroServiceSpec['runtimeClassName'];
  /**
   * User and groups of the pod (runAsUser, runAsGroup, fsGroup, supplementalGroups,
   * fsGroupChangePolicy), all non-zero; the rest of the restricted Pod Security settings are
   * always rendered.
   *
   * @default - runAsUser, runAsGroup and fsGroup 65532 (the distroless nonroot user)
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
   */
  readonly securityContext?: MicroServiceSpec['securityContext'];
}
