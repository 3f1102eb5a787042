// The MicroService API (msvc.dev/v1alpha1) as one zod schema: the single source of truth for the
// TypeScript types, validation in the CLI and the cdk8s construct, and (through crd.ts) the CRD's
// OpenAPI schema. Every field carries a description: `kubectl explain` and docs/api.md are built from it.
// Defaults are not set here but in defaults.ts, so that "was this field set?" stays answerable
// (a mesh option on a spec without a mesh is an error, not a silently ignored default).
import { z } from 'zod';
import {
  CONFIG_MAP_KEY,
  DNS1035_LABEL,
  DNS1035_LABEL_MAX,
  DNS1123_SUBDOMAIN,
  DNS1123_SUBDOMAIN_MAX,
  ENV_FIELD_PATH,
  ENV_RESOURCE,
  ENV_VAR_NAME,
  ENV_VAR_PREFIX,
  GO_VERSION,
  IANA_SVC_NAME,
  IANA_SVC_NAME_CEL,
  IANA_SVC_NAME_MAX,
  isIanaSvcName,
} from './patterns.ts';
import { QUANTITY_PATTERN } from './quantity.ts';
import { SPEC_RULES } from './rules.ts';

export const API_GROUP = 'msvc.dev';
export const API_VERSION = 'v1alpha1';
export const KIND = 'MicroService';
export const PLURAL = 'microservices';
export const SHORT_NAME = 'msvc';

/** Marks a schema as Kubernetes int-or-string in the CRD (crd.ts turns the zod union into it). */
const INT_OR_STRING = { 'x-kubernetes-int-or-string': true } as const;
/** A list keyed by `name`: the API server itself rejects duplicate names and server-side apply merges by name. */
const LIST_MAP_BY_NAME = { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] } as const;

// ---------------------------------------------------------------------------------------------
// Building blocks

const quantity = (description: string) =>
  z
    .union([
      z.string().regex(new RegExp(QUANTITY_PATTERN), 'must be a Kubernetes quantity such as 500m, 2, 256Mi or 1Gi'),
      z.int().min(0),
    ])
    .meta({ description, ...INT_OR_STRING, pattern: QUANTITY_PATTERN });

const dns1123 = (description: string) =>
  z
    .string()
    .max(DNS1123_SUBDOMAIN_MAX)
    .regex(
      new RegExp(DNS1123_SUBDOMAIN),
      "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
    )
    .describe(description);

const portNumber = (description: string) => z.int().min(1).max(65535).describe(description);

const portName = z
  .string()
  .max(IANA_SVC_NAME_MAX)
  .regex(new RegExp(IANA_SVC_NAME), "must be lower-case letters, digits and '-', not starting or ending with '-'")
  .refine(isIanaSvcName, "must contain a letter and no '--' (an IANA service name)")
  .meta({
    description: "Port name: an IANA service name (at most 15 characters, lower-case, e.g. 'http', 'grpc').",
    'x-kubernetes-validations': [
      { rule: IANA_SVC_NAME_CEL, message: "must contain a letter and no '--' (an IANA service name)" },
    ],
  });

/** A probe port: the name of a declared port, or a number. */
const probePort = z.union([portName, z.int().min(1).max(65535)]).meta({
  description: 'The name of a port declared in spec.ports (preferred), or a port number.',
  ...INT_OR_STRING,
});

/** A label value (k8s.io/apimachinery IsValidLabelValue). */
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
/** A qualified name with an optional DNS-1123 subdomain prefix (IsQualifiedName). */
const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';

/** A label or annotation map; keys are qualified names. */
const metadataMap = (value: z.ZodString) =>
  z
    .record(
      z.string().max(316).regex(new RegExp(QUALIFIED_NAME), 'must be a qualified name like example.com/key or key'),
      value,
    )
    .meta({
      maxProperties: 64,
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.size() <= 316 && k.matches('${QUALIFIED_NAME.replaceAll('\\', '\\\\')}'))`,
          message: 'keys must be qualified names like example.com/key or key',
        },
      ],
    });

const secondsField = (description: string, max = 3600) => z.int().min(0).max(max).describe(description);

// ---------------------------------------------------------------------------------------------
// Resources

const resourceList = (what: string) =>
  z
    .strictObject({
      cpu: quantity(`CPU ${what}, in cores or millicores (e.g. 500m, 2).`).optional(),
      memory: quantity(`Memory ${what}, in bytes with an optional suffix (e.g. 256Mi, 1Gi).`).optional(),
    })
    .describe(`CPU and memory ${what}.`);

export const resourcesSchema = z
  .strictObject({
    requests: resourceList('requests: what the scheduler reserves').optional(),
    limits: resourceList('limits: the most the container may use').optional(),
  })
  .describe(
    'Compute resources of a container. Each request must not exceed its limit. The memory limit also sizes GOMEMLIMIT (spec.runtime.go).',
  );

// ---------------------------------------------------------------------------------------------
// Ports

export const portProtocols = ['HTTP', 'HTTP2', 'GRPC', 'TCP', 'UDP'] as const;

export const portSchema = z
  .strictObject({
    name: portName,
    port: portNumber('Port the container listens on; the Service exposes the same number.'),
    protocol: z
      .enum(portProtocols)
      .optional()
      .describe(
        'Application protocol: HTTP, HTTP2, GRPC, TCP or UDP. Sets the Service appProtocol (which meshes use for protocol selection) and the default probes. Defaults to HTTP.',
      ),
  })
  .describe('A port the container listens on.');

// ---------------------------------------------------------------------------------------------
// Probes

const probeSchema = z
  .strictObject({
    disabled: z
      .boolean()
      .optional()
      .describe('Set to true to render no probe of this kind (the default probe is derived from spec.ports).'),
    httpGet: z
      .strictObject({
        path: z.string().startsWith('/').max(1024).describe('HTTP path, e.g. /healthz.'),
        port: probePort,
      })
      .optional()
      .describe('Probe with an HTTP GET; 2xx and 3xx count as success.'),
    grpc: z
      .strictObject({
        port: portNumber('gRPC port number (the kubelet requires a number for gRPC probes).'),
        service: z.string().max(253).optional().describe('Service name sent in the grpc.health.v1 request.'),
      })
      .optional()
      .describe('Probe with the gRPC health checking protocol (grpc.health.v1).'),
    tcpSocket: z.strictObject({ port: probePort }).optional().describe('Probe by opening a TCP connection.'),
    exec: z
      .strictObject({
        command: z.array(z.string().max(4096)).min(1).max(64).describe('Command and arguments, run without a shell.'),
      })
      .optional()
      .describe('Probe by running a command in the container (needs a binary for it in the image).'),
    initialDelaySeconds: secondsField('Seconds after start before the first probe.').optional(),
    periodSeconds: z.int().min(1).max(3600).optional().describe('Seconds between probes.'),
    timeoutSeconds: z.int().min(1).max(3600).optional().describe('Seconds before a probe times out.'),
    failureThreshold: z.int().min(1).max(10000).optional().describe('Consecutive failures that count as failed.'),
    successThreshold: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Consecutive successes that count as passed (must be 1 for liveness and startup).'),
  })
  .describe('A probe. Give at most one handler (httpGet, grpc, tcpSocket, exec); with none, the derived one is kept.');

export const probesSchema = z
  .strictObject({
    liveness: probeSchema
      .optional()
      .describe('Restarts the container when it fails. Default: httpGet /healthz on the first HTTP port.'),
    readiness: probeSchema
      .optional()
      .describe(
        'Takes the pod out of Service endpoints when it fails. Default: httpGet /readyz on the first HTTP port.',
      ),
    startup: probeSchema
      .optional()
      .describe(
        'Holds liveness and readiness until it passes once. Default: httpGet /healthz, every 2s, up to 60s (failureThreshold 30).',
      ),
  })
  .describe(
    'Liveness, readiness and startup probes. Omitted probes are derived from the first HTTP, HTTP2 or GRPC port in spec.ports (TCP otherwise); a probe with disabled: true is left out.',
  );

export type Probe = z.infer<typeof probeSchema>;

// ---------------------------------------------------------------------------------------------
// Environment

const keyRef = (what: string) =>
  z
    .strictObject({
      name: dns1123(`Name of the ${what}.`),
      key: z
        .string()
        .min(1)
        .max(253)
        .regex(new RegExp(CONFIG_MAP_KEY), "must be a key: letters, digits, '-', '_' and '.'")
        .describe(`Key in the ${what}.`),
      optional: z.boolean().optional().describe(`Start the container even if the ${what} or key is missing.`),
    })
    .describe(`Selects a key of a ${what}.`);

export const envVarSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(256)
      .regex(new RegExp(ENV_VAR_NAME), "must be printable ASCII without '='")
      .describe('Variable name.'),
    value: z.string().max(32768).optional().describe('Literal value.'),
    valueFrom: z
      .strictObject({
        configMapKeyRef: keyRef('ConfigMap').optional(),
        secretKeyRef: keyRef('Secret').optional(),
        fieldRef: z
          .strictObject({
            fieldPath: z
              .string()
              .min(1)
              .max(256)
              .regex(
                new RegExp(ENV_FIELD_PATH),
                "must be a pod field env vars can read: metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'], metadata.annotations['k'], spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s)",
              )
              .describe('Pod field, e.g. metadata.name or status.podIP.'),
          })
          .optional()
          .describe('A field of the pod (downward API).'),
        resourceFieldRef: z
          .strictObject({
            resource: z
              .string()
              .min(1)
              .max(64)
              .regex(
                new RegExp(ENV_RESOURCE),
                'must be limits.cpu, limits.memory, limits.ephemeral-storage or the same under requests.',
              )
              .describe('limits.cpu, limits.memory, requests.cpu or requests.memory.'),
            divisor: quantity('Unit of the exposed value (default 1).').optional(),
          })
          .optional()
          .describe('A resource request or limit of this container (downward API).'),
      })
      .optional()
      .describe('Takes the value from a ConfigMap, Secret, pod field or resource. Exactly one source.'),
  })
  .describe(
    'An environment variable of the app container. A variable set here always wins over one the runtime tuning would add.',
  );

export const envFromSchema = z
  .strictObject({
    configMapRef: z
      .strictObject({
        name: dns1123('ConfigMap name.'),
        optional: z.boolean().optional().describe('Start even if it is missing.'),
      })
      .optional()
      .describe('Every key of a ConfigMap becomes a variable.'),
    secretRef: z
      .strictObject({
        name: dns1123('Secret name.'),
        optional: z.boolean().optional().describe('Start even if it is missing.'),
      })
      .optional()
      .describe('Every key of a Secret becomes a variable.'),
    prefix: z
      .string()
      .max(256)
      .regex(new RegExp(ENV_VAR_PREFIX), "must be printable ASCII without '='")
      .optional()
      .describe('Prefix added to every variable name.'),
  })
  .describe('Imports all keys of a ConfigMap or Secret as variables. Exactly one of configMapRef and secretRef.');

// ---------------------------------------------------------------------------------------------
// Runtime tuning

export const goRuntimeSchema = z
  .strictObject({
    version: z
      .string()
      .regex(new RegExp(GO_VERSION), "must be a Go release like '1.24' or '1.25.3'")
      .describe(
        "Go toolchain the binary was built with, e.g. '1.24'. Decides which settings the Go runtime already gets right (Go 1.25+ sizes GOMAXPROCS from the cgroup CPU limit).",
      ),
    goModVersion: z
      .string()
      .regex(new RegExp(GO_VERSION), "must be a Go release like '1.24'")
      .optional()
      .describe(
        "The `go` line of the main module's go.mod, when lower than version. GODEBUG defaults follow it: with go 1.24 or lower, Go 1.25's container-aware GOMAXPROCS stays off. Defaults to version.",
      ),
    maxProcs: z
      .union([z.literal('auto'), z.int().min(1).max(1024)])
      .optional()
      .meta({
        description:
          "GOMAXPROCS. 'auto' (default): set it from the CPU limit (max(1, ceil(limit))) only where the Go runtime would not, and never without a CPU limit. A number: always set exactly that.",
        ...INT_OR_STRING,
      }),
    memoryLimitPercent: z
      .int()
      .min(10)
      .max(100)
      .optional()
      .describe(
        'GOMEMLIMIT as a percentage of the container memory limit, written as a literal byte count. Default 90 (the Go GC guide suggests 5-10% headroom). Not set without a memory limit.',
      ),
    gcPercent: z
      .union([z.literal('off'), z.int().min(1).max(100000)])
      .optional()
      .meta({
        description:
          "GOGC. Unset: the Go default (100) applies and no variable is rendered. 'off' disables proportional GC; it needs a memory limit so GOMEMLIMIT bounds the heap.",
        ...INT_OR_STRING,
      }),
  })
  .describe('Env tuning for a Go binary: GOMAXPROCS, GOMEMLIMIT and GOGC, set only where the Go runtime needs them.');

export const runtimeSchema = z
  .strictObject({
    go: goRuntimeSchema.optional(),
  })
  .describe('Language runtime of the app container, for env tuning. `msvc explain` prints each value and its reason.');

// ---------------------------------------------------------------------------------------------
// Mesh

export const meshProviders = ['istio', 'linkerd', 'none'] as const;
export const meshModes = ['sidecar', 'native-sidecar', 'ambient'] as const;

export const meshSchema = z
  .strictObject({
    provider: z
      .enum(meshProviders)
      .describe('Service mesh that should carry the pods: istio, linkerd or none. The mesh must be installed already.'),
    mode: z
      .enum(meshModes)
      .optional()
      .describe(
        'How the proxy runs. sidecar (default): a regular container. native-sidecar: a Kubernetes sidecar (init container with restartPolicy Always; Kubernetes 1.29+), started before and stopped after the app. ambient: no sidecar, node-level proxies (istio only).',
      ),
    revision: z
      .string()
      .max(63)
      .regex(new RegExp(DNS1035_LABEL.replace('[a-z]', '[a-z0-9]')), 'must be a revision or tag name')
      .optional()
      .describe(
        'Istio revision or tag (label istio.io/rev) for revisioned installs. Honoured only when the namespace has no istio-injection or istio.io/rev label. Istio only.',
      ),
    proxy: z
      .strictObject({ resources: resourcesSchema.optional() })
      .optional()
      .describe(
        "Resources of the injected proxy. Istio: all four values are always rendered (missing ones from Istio's defaults 100m/128Mi requests, 2/1Gi limits), since Istio drops the rest when one is set. Linkerd: defaults 100m/20Mi requests, 250Mi memory limit. Not for ambient.",
      ),
    holdApplicationUntilProxyStarts: z
      .boolean()
      .optional()
      .describe(
        'Start the app only once the proxy is ready, so early outbound calls do not fail. Default true. Istio holdApplicationUntilProxyStarts / Linkerd proxy-await. Native sidecars always start first.',
      ),
    excludeOutboundPorts: z
      .array(portNumber('Port number.'))
      .max(64)
      .optional()
      .describe(
        'Outbound ports that bypass the proxy (e.g. 5432 for a database speaking its own TLS). Not for ambient.',
      ),
    excludeInboundPorts: z
      .array(portNumber('Port number.'))
      .max(64)
      .optional()
      .describe('Inbound ports that bypass the proxy: no mTLS, policy or telemetry on them. Not for ambient.'),
    opaquePorts: z
      .array(portNumber('Port number.'))
      .max(64)
      .optional()
      .describe(
        'Linkerd only: ports whose traffic is proxied without protocol detection (server-speaks-first protocols).',
      ),
  })
  .describe(
    'Service mesh enrolment. The operator never injects containers: it sets the labels and annotations the mesh injector reads, budgets the proxy, and orders start-up and shutdown.',
  );

// ---------------------------------------------------------------------------------------------
// Scaling, disruption, shutdown, identity, service

export const autoscalingSchema = z
  .strictObject({
    minReplicas: z.int().min(1).max(10000).optional().describe('Fewest replicas. Default 2.'),
    maxReplicas: z.int().min(1).max(10000).describe('Most replicas. Must be at least minReplicas.'),
    targetCPUUtilizationPercent: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Average CPU use, as a percentage of the CPU request, to scale at. Default 80. Needs a CPU request.'),
    targetMemoryUtilizationPercent: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Average memory use, as a percentage of the memory request, to scale at. Optional.'),
  })
  .describe(
    'Renders a HorizontalPodAutoscaler (autoscaling/v2). While it is set, spec.replicas is ignored and the Deployment has no replicas field, so the operator never fights the autoscaler.',
  );

const percentOrCount = (description: string) =>
  z
    .union([z.int().min(0).max(100000), z.string().regex(/^(100|[1-9]?[0-9])%$/, "must be a percentage like '25%'")])
    .meta({ description, ...INT_OR_STRING, pattern: '^(100|[1-9]?[0-9])%$' });

export const disruptionSchema = z
  .strictObject({
    maxUnavailable: percentOrCount(
      'Pods that may be down at once during voluntary disruptions (count or %).',
    ).optional(),
    minAvailable: percentOrCount('Pods that must stay up during voluntary disruptions (count or %).').optional(),
  })
  .describe(
    'PodDisruptionBudget. Rendered only when at least 2 replicas run (a budget for one pod either blocks node drains or protects nothing). Give at most one of maxUnavailable and minAvailable; default maxUnavailable 1.',
  );

export const shutdownSchema = z
  .strictObject({
    preStopSleepSeconds: secondsField(
      'Seconds the pod keeps serving after it is marked for termination, so load balancers and proxies stop routing to it before the app gets SIGTERM. Default 5.',
      600,
    ).optional(),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(3600)
      .optional()
      .describe('Seconds the app needs after SIGTERM to finish in-flight work and exit. Default 20.'),
    gracePeriodSeconds: z
      .int()
      .min(1)
      .max(86400)
      .optional()
      .describe(
        'terminationGracePeriodSeconds. Default: preStopSleepSeconds + timeoutSeconds + proxy drain (native sidecars) + 5s margin. If set, it must exceed that sum without the margin.',
      ),
  })
  .describe(
    'Graceful shutdown budget: preStop sleep, then SIGTERM, then the app drains; everything fits the grace period.',
  );

export const serviceAccountSchema = z
  .strictObject({
    create: z
      .boolean()
      .optional()
      .describe('Render a ServiceAccount named after the MicroService. Default true. If false, name must be given.'),
    name: dns1123('Use this existing ServiceAccount instead (with create: false).').optional(),
    automountToken: z
      .boolean()
      .optional()
      .describe('Mount an API token into the pod. Default false: most services never call the Kubernetes API.'),
  })
  .describe('The pod identity.');

export const serviceSchema = z
  .strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).optional().describe('Service type. Default ClusterIP.'),
    headless: z
      .boolean()
      .optional()
      .describe(
        'Render a headless Service (clusterIP: None) for client-side load balancing, e.g. gRPC. Default false.',
      ),
  })
  .describe('The Service in front of the pods (rendered when spec.ports is not empty).');

// ---------------------------------------------------------------------------------------------
// Spec, status, resource

const specShape = z.strictObject({
  image: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[^\s]+$/, 'must be an image reference without spaces, e.g. registry.example.com/team/app:1.2.3')
    .describe('Container image, ideally pinned by tag and digest.'),
  imagePullPolicy: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .optional()
    .describe('Image pull policy. Default: the Kubernetes default (Always for :latest or no tag, else IfNotPresent).'),
  command: z.array(z.string().max(4096)).max(64).optional().describe('Overrides the image ENTRYPOINT.'),
  args: z.array(z.string().max(4096)).max(256).optional().describe('Overrides the image CMD.'),
  replicas: z
    .int()
    .min(0)
    .max(10000)
    .optional()
    .describe('Number of pods. Default 2. Ignored while autoscaling is set (the autoscaler owns it).'),
  autoscaling: autoscalingSchema.optional(),
  ports: z
    .array(portSchema)
    .max(32)
    .optional()
    .meta({
      description:
        'Ports the container listens on. Names and numbers must be unique. No ports: no Service is rendered.',
      ...LIST_MAP_BY_NAME,
    }),
  resources: resourcesSchema
    .optional()
    .describe(
      'App container resources. Default: requests 100m CPU and 128Mi memory, memory limit 128Mi (memory is not compressible; a limit equal to the request avoids overcommit).',
    ),
  probes: probesSchema.optional(),
  env: z
    .array(envVarSchema)
    .max(256)
    .optional()
    .meta({ description: 'Environment variables of the app container. Names are unique.', ...LIST_MAP_BY_NAME }),
  envFrom: z
    .array(envFromSchema)
    .max(32)
    .optional()
    .describe(
      'ConfigMaps and Secrets imported as variables. Kubernetes lets env win over envFrom, so GOMAXPROCS, GOMEMLIMIT or GOGC from here lose to the values spec.runtime.go renders: set those in spec.env.',
    ),
  runtime: runtimeSchema.optional(),
  mesh: meshSchema.optional(),
  shutdown: shutdownSchema.optional(),
  disruption: disruptionSchema.optional(),
  serviceAccount: serviceAccountSchema.optional(),
  service: serviceSchema.optional(),
  podLabels: metadataMap(
    z
      .string()
      .max(63)
      .regex(new RegExp(LABEL_VALUE), 'must be a label value: at most 63 characters, alphanumerics, -, _ and .'),
  )
    .optional()
    .describe(
      'Extra labels on the pods (e.g. team or cost-center). Keys the operator sets (app.kubernetes.io/*, mesh keys) are reserved.',
    ),
  podAnnotations: metadataMap(z.string().max(65536))
    .optional()
    .describe(
      'Extra annotations on the pods (e.g. prometheus.io/scrape). Mesh keys are reserved: set them through spec.mesh.',
    ),
});

export const specSchema = specShape
  .superRefine((spec, ctx) => {
    for (const rule of SPEC_RULES) {
      for (const issue of rule.check(spec)) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    }
  })
  .meta({
    description: 'Desired state of the service: one container image and how it should run.',
    'x-kubernetes-validations': SPEC_RULES.flatMap((rule) => rule.cel.map((cel) => ({ ...cel }))),
  });

export type MicroServiceSpec = z.infer<typeof specShape>;

export const conditionSchema = z
  .strictObject({
    type: z.string().max(316).describe('Condition type, e.g. Ready.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().max(1024).describe('CamelCase reason, for machines.'),
    message: z.string().max(32768).describe('What happened and what to do, for people.'),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the condition was computed from.'),
    lastTransitionTime: z.string().describe('When status last changed (RFC 3339).'),
  })
  .describe('A standard Kubernetes condition (metav1.Condition).');

export const statusSchema = z
  .strictObject({
    observedGeneration: z.int().min(0).optional().describe('The metadata.generation the operator last acted on.'),
    conditions: z
      .array(conditionSchema)
      .max(16)
      .optional()
      .describe('Ready (the summary kubectl wait and kstatus read) and one condition per concern.'),
    replicas: z.int().min(0).optional().describe('Pods of the current Deployment (for the scale subresource).'),
    readyReplicas: z.int().min(0).optional().describe('Pods that are ready.'),
    selector: z.string().max(1024).optional().describe('Label selector of the pods, for the scale subresource.'),
  })
  .describe('Observed state, written by the operator.');

export type MicroServiceStatus = z.infer<typeof statusSchema>;
export type Condition = z.infer<typeof conditionSchema>;

export const metadataSchema = z
  .looseObject({
    name: z
      .string()
      .max(DNS1035_LABEL_MAX)
      .regex(
        new RegExp(DNS1035_LABEL),
        "must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters): it names the Service and every other child",
      ),
    namespace: z.string().max(63).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    uid: z.string().optional(),
    generation: z.int().optional(),
    resourceVersion: z.string().optional(),
  })
  .describe('Standard object metadata.');

export const microServiceSchema = z.strictObject({
  apiVersion: z.literal(`${API_GROUP}/${API_VERSION}`),
  kind: z.literal(KIND),
  metadata: metadataSchema,
  spec: specSchema,
  status: statusSchema.optional(),
});

export type MicroService = z.infer<typeof microServiceSchema>;
