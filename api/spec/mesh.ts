// spec.mesh: enrolment in Istio (sidecar, native sidecar, ambient) or Linkerd. The operator never
// injects containers: it sets the keys the mesh's injector reads (render/mesh/), budgets the proxy
// and orders start-up and shutdown. Here: the schema, the proxy's default resources, and the rules
// that keep mesh options meaningful.
import { z } from 'zod';
import { DNS1035_LABEL } from '../patterns.ts';
import { compareQuantities } from '../quantity.ts';
import { portNumber } from './fields.ts';
import type { PortSpec } from './ports.ts';
import {
  copyResources,
  type Resources,
  type ResourceValues,
  requestsWithinLimits,
  resourcesSchema,
} from './resources.ts';
import type { RuleIssue, SpecRule } from './rule.ts';

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
    cni: z
      .boolean()
      .optional()
      .describe(
        "The mesh is installed with its CNI plugin (istio-cni, linkerd-cni), so the injector adds no NET_ADMIN/NET_RAW init container and the pods can pass the baseline and restricted Pod Security levels. Renders nothing: it tells msvc validate, msvc explain and the operator's PodSecurityRisk condition what the cluster runs. Default false. Not for ambient.",
      ),
  })
  .describe(
    'Service mesh enrolment. The operator never injects containers: it sets the labels and annotations the mesh injector reads, budgets the proxy, and orders start-up and shutdown.',
  );

export type MeshSpec = z.infer<typeof meshSchema>;
export type MeshProvider = (typeof meshProviders)[number];
export type MeshMode = (typeof meshModes)[number];

export const MESH_DEFAULTS = {
  mesh: {
    mode: 'sidecar',
    holdApplicationUntilProxyStarts: true,
    /**
     * The config.linkerd.io/shutdown-grace-period a Linkerd native sidecar gets: it is stopped after
     * the app has exited and closes what is left within this. Istio's native sidecar needs no such
     * time: its injection template drains it from a preStop hook while the app shuts down, and the
     * agent exits at once on the SIGTERM that follows (pkg/envoy/agent.go, "/drain + SIGTERM", in
     * https://github.com/istio/istio).
     */
    linkerdNativeShutdownSeconds: 5,
    /** Istio's global.proxy.resources defaults (istio-discovery chart values.yaml). */
    istioProxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    /**
     * Linkerd ships no proxy resources (linkerd-control-plane values.yaml `proxy.resources`); these are
     * the chart's values-ha.yaml figures, so quota and LimitRange math has something to count.
     */
    linkerdProxyResources: { requests: { cpu: '100m', memory: '20Mi' }, limits: { memory: '250Mi' } },
  },
} as const;

export const meshFields = { mesh: meshSchema.optional() };

type MeshView = { mesh?: MeshSpec };

export function meshProvider(spec: MeshView): MeshProvider {
  return spec.mesh?.provider ?? 'none';
}

/** The effective mode, or undefined without a mesh. */
export function meshMode(spec: MeshView): MeshMode | undefined {
  if (meshProvider(spec) === 'none') return undefined;
  return spec.mesh?.mode ?? MESH_DEFAULTS.mesh.mode;
}

/**
 * Proxy resources for a sidecar mesh. Istio gets all four values (its injection template drops the
 * rest when one is annotated: `define "resources"` in
 * manifests/charts/istio-control/istio-discovery/files/injection-template.yaml), missing ones filled
 * from Istio's own defaults; Linkerd gets the requests at least (it sets none by default, and a
 * cpu or memory quota rejects a container without them), missing ones from our Linkerd defaults. A filled-in value
 * never crosses a given one.
 */
export function resolveProxyResources(spec: MeshView): Resources | undefined {
  const mesh = spec.mesh;
  if (!mesh || mesh.provider === 'none' || (mesh.mode ?? MESH_DEFAULTS.mesh.mode) === 'ambient') return undefined;
  const given = mesh.proxy?.resources;
  const base =
    mesh.provider === 'istio' ? MESH_DEFAULTS.mesh.istioProxyResources : MESH_DEFAULTS.mesh.linkerdProxyResources;
  if (!given) return copyResources(base);
  if (mesh.provider === 'istio') {
    // A filled-in default must not cross a given value: a request above its limit is rejected when
    // the pod is created, so a missing request is capped at the given limit and a missing limit is
    // raised to the given request.
    const istio = MESH_DEFAULTS.mesh.istioProxyResources;
    const requests: ResourceValues = {};
    const limits: ResourceValues = {};
    for (const r of ['cpu', 'memory'] as const) {
      const request = given.requests?.[r];
      const limit = given.limits?.[r];
      requests[r] = request ?? (limit !== undefined ? min(istio.requests[r], limit) : istio.requests[r]);
      limits[r] = limit ?? (request !== undefined ? max(istio.limits[r], request) : istio.limits[r]);
    }
    return { requests, limits };
  }
  // Linkerd merges each annotation on its own and installs with no proxy resources at all, so only
  // the requests are filled in (capped at a given limit), never a limit the user left out.
  const linkerd = MESH_DEFAULTS.mesh.linkerdProxyResources;
  const out = copyResources(given);
  for (const r of ['cpu', 'memory'] as const) {
    const limit = given.limits?.[r];
    if (out.requests[r] === undefined) {
      out.requests[r] = limit !== undefined ? min(linkerd.requests[r], limit) : linkerd.requests[r];
    }
  }
  return out;
}

const min = (a: string | number, b: string | number) => (compareQuantities(a, b) <= 0 ? a : b);
const max = (a: string | number, b: string | number) => (compareQuantities(a, b) >= 0 ? a : b);

/**
 * Ports the mesh proxies bind in the pod's network namespace; an app port there breaks injection.
 * Istio: https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 * Linkerd: 4140 outbound, 4143 inbound, 4191 admin (proxy.ports in
 * https://github.com/linkerd/linkerd2/blob/main/charts/linkerd-control-plane/values.yaml).
 */
export const MESH_RESERVED_PORTS: Record<'istio' | 'linkerd', readonly number[]> = {
  istio: [15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090],
  linkerd: [4140, 4143, 4191],
};

export const MESH_RULES: readonly SpecRule<{ mesh?: MeshSpec; ports?: PortSpec[] }>[] = [
  requestsWithinLimits<{ mesh?: MeshSpec }>('mesh.proxy.resources', 'spec.mesh.proxy.resources', {
    mesh: {
      provider: 'istio',
      proxy: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } },
    },
  }),
  {
    id: 'ports-clear-of-mesh-proxy',
    summary: "spec.ports: with a sidecar mesh, no app port may use the proxy's own ports.",
    check: (spec) => {
      const provider = meshProvider(spec);
      if (provider === 'none' || meshMode(spec) === 'ambient') return [];
      const reserved = MESH_RESERVED_PORTS[provider];
      return (spec.ports ?? []).flatMap((p, i) =>
        reserved.includes(p.port)
          ? [
              {
                path: ['ports', i, 'port'],
                message: `port ${p.port} is used by the ${provider} proxy: pick another port`,
              },
            ]
          : [],
      );
    },
    cel: (['istio', 'linkerd'] as const).map((provider) => ({
      rule: `!has(self.ports) || !has(self.mesh) || self.mesh.provider != '${provider}' || (has(self.mesh.mode) && self.mesh.mode == 'ambient') || self.ports.all(p, !(p.port in [${MESH_RESERVED_PORTS[provider].join(', ')}]))`,
      message: `spec.ports: a port is used by the ${provider} proxy (${MESH_RESERVED_PORTS[provider].join(', ')}): pick another port`,
      fieldPath: '.ports',
    })),
    invalidExamples: [{ ports: [{ name: 'admin', port: 15020 }], mesh: { provider: 'istio' } }],
  },
  {
    id: 'mesh-provider-options',
    summary:
      'spec.mesh: options need a provider (not none); ambient and revision are Istio only, opaquePorts Linkerd only; ambient takes no proxy options (nor cni: ambient always runs istio-cni).',
    check: (spec) => {
      const m = spec.mesh;
      if (!m) return [];
      const issues: RuleIssue[] = [];
      const set = (k: keyof typeof m) => m[k] !== undefined;
      const options = [
        'mode',
        'revision',
        'proxy',
        'holdApplicationUntilProxyStarts',
        'excludeOutboundPorts',
        'excludeInboundPorts',
        'opaquePorts',
        'cni',
      ] as const;
      if (m.provider === 'none') {
        for (const k of options.filter(set)) {
          issues.push({
            path: ['mesh', k],
            message: 'has no effect with provider none: remove it or choose istio or linkerd',
          });
        }
        return issues;
      }
      if (m.mode === 'ambient' && m.provider !== 'istio') {
        issues.push({
          path: ['mesh', 'mode'],
          message: `ambient is an Istio mode; ${m.provider} supports sidecar and native-sidecar`,
        });
      }
      if (set('revision') && m.provider !== 'istio') {
        issues.push({
          path: ['mesh', 'revision'],
          message: `is an Istio setting; ${m.provider} has no revisions: remove it`,
        });
      }
      if (set('opaquePorts') && m.provider !== 'linkerd') {
        issues.push({
          path: ['mesh', 'opaquePorts'],
          message: `is a Linkerd setting; ${m.provider} detects protocols from the Service appProtocol: remove it`,
        });
      }
      if (m.mode === 'ambient') {
        for (const k of [
          'proxy',
          'holdApplicationUntilProxyStarts',
          'excludeOutboundPorts',
          'excludeInboundPorts',
          'cni',
        ] as const) {
          if (set(k))
            issues.push({
              path: ['mesh', k],
              message: 'has no effect in ambient mode (no sidecar in the pod): remove it',
            });
        }
      }
      return issues;
    },
    cel: [
      {
        rule: "!has(self.mesh) || self.mesh.provider != 'none' || !(has(self.mesh.mode) || has(self.mesh.revision) || has(self.mesh.proxy) || has(self.mesh.holdApplicationUntilProxyStarts) || has(self.mesh.excludeOutboundPorts) || has(self.mesh.excludeInboundPorts) || has(self.mesh.opaquePorts) || has(self.mesh.cni))",
        message: 'spec.mesh: options have no effect with provider none: remove them or choose istio or linkerd',
        fieldPath: '.mesh',
      },
      {
        rule: "!has(self.mesh) || !has(self.mesh.mode) || self.mesh.mode != 'ambient' || self.mesh.provider == 'istio' || self.mesh.provider == 'none'",
        message: 'spec.mesh.mode: ambient is an Istio mode; linkerd supports sidecar and native-sidecar',
        fieldPath: '.mesh.mode',
      },
      {
        rule: "!has(self.mesh) || !has(self.mesh.revision) || self.mesh.provider != 'linkerd'",
        message: 'spec.mesh.revision is an Istio setting; linkerd has no revisions: remove it',
        fieldPath: '.mesh.revision',
      },
      {
        rule: "!has(self.mesh) || !has(self.mesh.opaquePorts) || self.mesh.provider != 'istio'",
        message: 'spec.mesh.opaquePorts is a Linkerd setting: remove it',
        fieldPath: '.mesh.opaquePorts',
      },
      {
        rule: "!has(self.mesh) || !has(self.mesh.mode) || self.mesh.mode != 'ambient' || !(has(self.mesh.proxy) || has(self.mesh.holdApplicationUntilProxyStarts) || has(self.mesh.excludeOutboundPorts) || has(self.mesh.excludeInboundPorts) || has(self.mesh.cni))",
        message:
          'spec.mesh: proxy, holdApplicationUntilProxyStarts, exclude*Ports and cni have no effect in ambient mode (no sidecar in the pod): remove them',
        fieldPath: '.mesh',
      },
    ],
    invalidExamples: [
      { mesh: { provider: 'linkerd', mode: 'ambient' } },
      { mesh: { provider: 'none', mode: 'sidecar' } },
      { mesh: { provider: 'linkerd', revision: 'canary' } },
      { mesh: { provider: 'istio', opaquePorts: [5432] } },
      { mesh: { provider: 'istio', mode: 'ambient', excludeOutboundPorts: [5432] } },
      { mesh: { provider: 'istio', mode: 'ambient', cni: true } },
      { mesh: { provider: 'none', cni: true } },
    ],
  },
];

/** Pod Security Standards levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** The init container a sidecar mesh injects without its CNI plugin, and why Pod Security refuses it. */
export interface MeshPodSecurityRisk {
  readonly provider: 'istio' | 'linkerd';
  /** Name of the injected init container that sets up the pod's iptables redirection. */
  readonly initContainer: 'istio-init' | 'linkerd-init';
  /** What in its securityContext breaks baseline and restricted. */
  readonly needs: string;
  /** The CNI plugin that moves the redirection out of the pod. */
  readonly cniPlugin: 'istio-cni' | 'linkerd-cni';
  /** Where the plugin is documented. */
  readonly docs: string;
}

/**
 * The init container a sidecar mesh injects to redirect traffic when its CNI plugin is not used, or
 * undefined when none is injected (no mesh, ambient, or spec.mesh.cni). Both add the NET_ADMIN and
 * NET_RAW capabilities, which the baseline level already refuses (its capability allow-list has
 * neither) and restricted too (drop ALL, add at most NET_BIND_SERVICE); Istio's also runs as uid 0
 * (`istio-init` in manifests/charts/istio-control/istio-discovery/files/injection-template.yaml,
 * `linkerd-init` in charts/partials/templates/_proxy-init.tpl of linkerd2).
 */
export function meshPodSecurityRisk(spec: MeshView): MeshPodSecurityRisk | undefined {
  const provider = meshProvider(spec);
  const mode = meshMode(spec);
  if (provider === 'none' || mode === 'ambient' || spec.mesh?.cni === true) return undefined;
  return provider === 'istio'
    ? {
        provider,
        initContainer: 'istio-init',
        needs: 'capabilities NET_ADMIN and NET_RAW, running as uid 0',
        cniPlugin: 'istio-cni',
        docs: 'https://istio.io/latest/docs/setup/additional-setup/cni/',
      }
    : {
        provider,
        initContainer: 'linkerd-init',
        needs: 'capabilities NET_ADMIN and NET_RAW',
        cniPlugin: 'linkerd-cni',
        docs: 'https://linkerd.io/2/features/cni/',
      };
}

/** Whether a namespace enforce level refuses the mesh's init container: baseline and restricted do. */
export function refusesMeshInit(level: PodSecurityLevel | undefined): boolean {
  return level === 'baseline' || level === 'restricted';
}

/**
 * The warning for a MicroService whose sidecar mesh injects a NET_ADMIN init container, naming the
 * namespace's enforce level when it is known (the operator reads it; the CLI cannot) and the two fixes.
 */
export function meshPodSecurityWarning(risk: MeshPodSecurityRisk, level?: PodSecurityLevel): string {
  const who =
    level === undefined
      ? 'a namespace that enforces the baseline or restricted Pod Security level rejects the pods'
      : `the namespace enforces Pod Security level ${level}, which rejects the pods`;
  return `spec.mesh: without ${risk.cniPlugin}, ${risk.provider} injects the init container ${risk.initContainer} (${risk.needs}); ${who}. Install ${risk.cniPlugin} (${risk.docs}) and set spec.mesh.cni: true, or label the namespace pod-security.kubernetes.io/enforce=privileged`;
}
