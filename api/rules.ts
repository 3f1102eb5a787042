// Cross-field rules of a MicroService spec, each written once with both of its faces:
// `check` (TypeScript, run by zod in the CLI and the cdk8s construct, with exact field paths) and
// `cel` (the same rule as x-kubernetes-validations in the CRD, run by the API server).
// Keeping the two side by side is what makes "same rule, same meaning" reviewable; the e2e suite
// submits every rule's failing example to a real API server to prove the CEL half.

import { DEFAULTS } from './defaults.ts';
import { compareQuantities } from './quantity.ts';
import type { MicroServiceSpec } from './schema.ts';

export interface RuleIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath (relative to spec) the API server reports the failure at. */
  readonly fieldPath?: string;
}

export interface SpecRule {
  /** Stable id, used in tests and docs. */
  readonly id: string;
  /** One line for the API reference (docs/api.md). */
  readonly summary: string;
  readonly check: (spec: MicroServiceSpec) => RuleIssue[];
  readonly cel: readonly CelRule[];
  /** Specs that violate the rule (each must fail both check and CEL). */
  readonly invalidExamples: readonly Partial<MicroServiceSpec>[];
}

/** `has(self.a) && has(self.a.b) && ...` for a dotted path under `self`. */
export function celHas(path: string): string {
  const parts = path.split('.');
  return parts.map((_, i) => `has(self.${parts.slice(0, i + 1).join('.')})`).join(' && ');
}

const PROBE_KINDS = ['liveness', 'readiness', 'startup'] as const;
const PROBE_HANDLERS = ['httpGet', 'grpc', 'tcpSocket', 'exec'] as const;

/**
 * Ports the mesh proxies bind in the pod's network namespace; an app port there breaks injection.
 * Istio: https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 * Linkerd: 4140 outbound, 4143 inbound, 4191 admin (https://github.com/linkerd/linkerd2/blob/main/charts/linkerd-control-plane/values.yaml).
 */
export const MESH_RESERVED_PORTS: Record<'istio' | 'linkerd', readonly number[]> = {
  istio: [15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090],
  linkerd: [4140, 4143, 4191],
};

function requestsWithinLimits(base: string, label: string): SpecRule {
  const segments = base.split('.');
  const get = (spec: MicroServiceSpec) => {
    let value: unknown = spec;
    for (const s of segments) value = (value as Record<string, unknown> | undefined)?.[s];
    return value as MicroServiceSpec['resources'];
  };
  return {
    id: `${base}-requests-within-limits`,
    summary: `${label}: each request must not exceed its limit.`,
    check: (spec) => {
      const resources = get(spec);
      const issues: RuleIssue[] = [];
      for (const r of ['cpu', 'memory'] as const) {
        const request = resources?.requests?.[r];
        const limit = resources?.limits?.[r];
        if (request !== undefined && limit !== undefined && compareQuantities(request, limit) > 0) {
          issues.push({
            path: [...segments, 'requests', r],
            message: `request ${request} is above the limit ${limit}: lower the request or raise the limit`,
          });
        }
      }
      return issues;
    },
    cel: (['cpu', 'memory'] as const).map((r) => ({
      rule: `!(${celHas(`${base}.requests.${r}`)} && ${celHas(`${base}.limits.${r}`)}) || quantity(string(self.${base}.requests.${r})).compareTo(quantity(string(self.${base}.limits.${r}))) <= 0`,
      message: `${base}.requests.${r} is above ${base}.limits.${r}: lower the request or raise the limit`,
      fieldPath: `.${base}.requests.${r}`,
    })),
    invalidExamples: [
      base === 'resources'
        ? { resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } } }
        : {
            mesh: {
              provider: 'istio',
              proxy: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } },
            },
          },
    ],
  };
}

function duplicates<T>(items: readonly T[], key: (item: T) => unknown): number[] {
  const seen = new Set<unknown>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
}

const meshOf = (spec: MicroServiceSpec) => spec.mesh?.provider ?? 'none';

/** The effective mode, for rules that depend on it. */
const meshModeOf = (spec: MicroServiceSpec) => spec.mesh?.mode ?? DEFAULTS.mesh.mode;

/**
 * Pod label and annotation keys the renderer owns: the recommended labels and every key a mesh
 * injector reads (docs/mesh.md). User values there would silently fight spec.mesh.
 */
export const RESERVED_POD_KEY_PREFIXES = [
  'app.kubernetes.io/',
  'msvc.dev/pod-template-hash',
  'sidecar.istio.io/',
  'proxy.istio.io/',
  'traffic.sidecar.istio.io/',
  'istio.io/',
  'linkerd.io/',
  'config.linkerd.io/',
  'config.alpha.linkerd.io/',
  'config.beta.linkerd.io/',
] as const;

const reservedKey = (key: string) => RESERVED_POD_KEY_PREFIXES.some((p) => key.startsWith(p));
const celReserved = (map: string) =>
  `!has(self.${map}) || self.${map}.all(k, !(${RESERVED_POD_KEY_PREFIXES.map((p) => `k.startsWith('${p}')`).join(' || ')}))`;

export const SPEC_RULES: readonly SpecRule[] = [
  {
    id: 'pod-metadata-not-reserved',
    summary: `spec.podLabels/podAnnotations: keys under ${RESERVED_POD_KEY_PREFIXES.join(', ')} are set by the operator (use spec.mesh for mesh keys).`,
    check: (spec) =>
      (['podLabels', 'podAnnotations'] as const).flatMap((map) =>
        Object.keys(spec[map] ?? {})
          .filter(reservedKey)
          .map((key) => ({
            path: [map, key],
            message: `is reserved: the operator sets ${key.split('/')[0]}/ keys${/istio|linkerd/.test(key) ? ' from spec.mesh' : ''}; remove it`,
          })),
      ),
    cel: (['podLabels', 'podAnnotations'] as const).map((map) => ({
      rule: celReserved(map),
      message: `spec.${map}: a key is reserved for the operator (app.kubernetes.io/, msvc.dev/pod-template-hash and mesh keys; use spec.mesh): remove it`,
      fieldPath: `.${map}`,
    })),
    invalidExamples: [
      { podAnnotations: { 'sidecar.istio.io/inject': 'true' } },
      { podLabels: { 'app.kubernetes.io/name': 'other' } },
    ],
  },
  requestsWithinLimits('resources', 'spec.resources'),
  requestsWithinLimits('mesh.proxy.resources', 'spec.mesh.proxy.resources'),
  {
    id: 'unique-port-names-and-numbers',
    summary: 'spec.ports: names and port numbers are unique.',
    check: (spec) => {
      const ports = spec.ports ?? [];
      return [
        ...duplicates(ports, (p) => p.name).map((i) => ({
          path: ['ports', i, 'name'],
          message: `port name "${ports[i]?.name}" is used twice: give each port its own name`,
        })),
        ...duplicates(ports, (p) => p.port).map((i) => ({
          path: ['ports', i, 'port'],
          message: `port ${ports[i]?.port} is declared twice: each port number once`,
        })),
      ];
    },
    // Names: x-kubernetes-list-type map with key name (crd.ts) makes the API server reject duplicates.
    cel: [
      {
        rule: '!has(self.ports) || self.ports.all(p, self.ports.filter(q, q.port == p.port).size() == 1)',
        message: 'spec.ports: a port number is declared twice: each port number once',
        fieldPath: '.ports',
      },
    ],
    invalidExamples: [
      {
        ports: [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 8080 },
        ],
      },
    ],
  },
  {
    id: 'ports-clear-of-mesh-proxy',
    summary: "spec.ports: with a sidecar mesh, no app port may use the proxy's own ports.",
    check: (spec) => {
      const provider = meshOf(spec);
      if (provider === 'none' || meshModeOf(spec) === 'ambient') return [];
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
    id: 'probe-one-handler',
    summary: 'spec.probes.*: at most one of httpGet, grpc, tcpSocket, exec; none with disabled: true.',
    check: (spec) =>
      PROBE_KINDS.flatMap((kind) => {
        const probe = spec.probes?.[kind];
        if (!probe) return [];
        const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined);
        if (handlers.length > 1) {
          return [{ path: ['probes', kind], message: `has ${handlers.join(' and ')}: give exactly one handler` }];
        }
        if (probe.disabled && handlers.length > 0) {
          return [{ path: ['probes', kind, 'disabled'], message: `is true but ${handlers[0]} is set: remove one` }];
        }
        return [];
      }),
    cel: PROBE_KINDS.map((kind) => ({
      rule: `!${`(${celHas(`probes.${kind}`)})`} || (${PROBE_HANDLERS.map((h) => `(has(self.probes.${kind}.${h}) ? 1 : 0)`).join(' + ')}) <= ((has(self.probes.${kind}.disabled) && self.probes.${kind}.disabled) ? 0 : 1)`,
      message: `spec.probes.${kind}: give exactly one of httpGet, grpc, tcpSocket, exec (and none when disabled)`,
      fieldPath: `.probes.${kind}`,
    })),
    invalidExamples: [{ probes: { liveness: { httpGet: { path: '/', port: 8080 }, tcpSocket: { port: 8080 } } } }],
  },
  {
    id: 'probe-port-declared',
    summary: 'spec.probes.*: a probe port given by name must name a port in spec.ports.',
    check: (spec) => {
      const names = new Set((spec.ports ?? []).map((p) => p.name));
      return PROBE_KINDS.flatMap((kind) =>
        (['httpGet', 'tcpSocket'] as const).flatMap((h) => {
          const port = spec.probes?.[kind]?.[h]?.port;
          return typeof port === 'string' && !names.has(port)
            ? [
                {
                  path: ['probes', kind, h, 'port'],
                  message: `names port "${port}", which spec.ports does not declare: declare it or use a number`,
                },
              ]
            : [];
        }),
      );
    },
    cel: PROBE_KINDS.flatMap((kind) =>
      (['httpGet', 'tcpSocket'] as const).map((h) => ({
        rule: `!(${celHas(`probes.${kind}.${h}`)}) || type(self.probes.${kind}.${h}.port) == int || (has(self.ports) && self.ports.exists(p, p.name == self.probes.${kind}.${h}.port))`,
        message: `spec.probes.${kind}.${h}.port names a port that spec.ports does not declare: declare it or use a number`,
        fieldPath: `.probes.${kind}.${h}.port`,
      })),
    ),
    invalidExamples: [
      { ports: [{ name: 'http', port: 8080 }], probes: { readiness: { httpGet: { path: '/', port: 'admin' } } } },
    ],
  },
  {
    id: 'probe-success-threshold',
    summary: 'spec.probes.liveness/startup: successThreshold must be 1 (a Kubernetes rule).',
    check: (spec) =>
      (['liveness', 'startup'] as const).flatMap((kind) => {
        const t = spec.probes?.[kind]?.successThreshold;
        return t !== undefined && t !== 1
          ? [{ path: ['probes', kind, 'successThreshold'], message: `must be 1 for ${kind} probes (Kubernetes rule)` }]
          : [];
      }),
    cel: (['liveness', 'startup'] as const).map((kind) => ({
      rule: `!(${celHas(`probes.${kind}.successThreshold`)}) || self.probes.${kind}.successThreshold == 1`,
      message: `spec.probes.${kind}.successThreshold must be 1 (Kubernetes rule)`,
      fieldPath: `.probes.${kind}.successThreshold`,
    })),
    invalidExamples: [{ probes: { liveness: { successThreshold: 2, httpGet: { path: '/', port: 8080 } } } }],
  },
  {
    id: 'autoscaling-min-max',
    summary: `spec.autoscaling: minReplicas (default ${DEFAULTS.autoscaling.minReplicas}) must not exceed maxReplicas.`,
    check: (spec) => {
      const a = spec.autoscaling;
      if (!a) return [];
      const min = a.minReplicas ?? DEFAULTS.autoscaling.minReplicas;
      return min > a.maxReplicas
        ? [
            {
              path: ['autoscaling', 'maxReplicas'],
              message: `${a.maxReplicas} is below minReplicas (${min}${a.minReplicas === undefined ? ', the default' : ''}): raise maxReplicas or lower minReplicas`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!has(self.autoscaling) || (has(self.autoscaling.minReplicas) ? self.autoscaling.minReplicas : ${DEFAULTS.autoscaling.minReplicas}) <= self.autoscaling.maxReplicas`,
        message: `spec.autoscaling.maxReplicas is below minReplicas (default ${DEFAULTS.autoscaling.minReplicas}): raise maxReplicas or lower minReplicas`,
        fieldPath: '.autoscaling.maxReplicas',
      },
    ],
    invalidExamples: [{ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, { autoscaling: { maxReplicas: 1 } }],
  },
  {
    id: 'autoscaling-needs-requests',
    summary: 'spec.autoscaling: a CPU (memory) utilization target needs a CPU (memory) request.',
    check: (spec) => {
      const a = spec.autoscaling;
      if (!a || spec.resources === undefined) return [];
      const cpuTarget = a.targetCPUUtilizationPercent !== undefined || a.targetMemoryUtilizationPercent === undefined;
      const issues: RuleIssue[] = [];
      if (cpuTarget && spec.resources.requests?.cpu === undefined) {
        issues.push({
          path: ['resources', 'requests', 'cpu'],
          message: 'is required by spec.autoscaling (CPU utilization is measured against the request): set it',
        });
      }
      if (a.targetMemoryUtilizationPercent !== undefined && spec.resources.requests?.memory === undefined) {
        issues.push({
          path: ['resources', 'requests', 'memory'],
          message: 'is required by spec.autoscaling.targetMemoryUtilizationPercent: set it',
        });
      }
      return issues;
    },
    cel: [
      {
        rule: `!has(self.autoscaling) || !has(self.resources) || (has(self.autoscaling.targetMemoryUtilizationPercent) && !has(self.autoscaling.targetCPUUtilizationPercent)) || (${celHas('resources.requests.cpu')})`,
        message:
          'spec.resources.requests.cpu is required by spec.autoscaling (CPU utilization is measured against the request)',
        fieldPath: '.resources',
      },
      {
        rule: `!has(self.autoscaling) || !has(self.resources) || !has(self.autoscaling.targetMemoryUtilizationPercent) || (${celHas('resources.requests.memory')})`,
        message: 'spec.resources.requests.memory is required by spec.autoscaling.targetMemoryUtilizationPercent',
        fieldPath: '.resources',
      },
    ],
    invalidExamples: [{ autoscaling: { maxReplicas: 4 }, resources: { requests: { memory: '64Mi' } } }],
  },
  {
    id: 'mesh-provider-options',
    summary:
      'spec.mesh: options need a provider (not none); ambient and revision are Istio only, opaquePorts Linkerd only; ambient takes no proxy options.',
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
        rule: "!has(self.mesh) || self.mesh.provider != 'none' || !(has(self.mesh.mode) || has(self.mesh.revision) || has(self.mesh.proxy) || has(self.mesh.holdApplicationUntilProxyStarts) || has(self.mesh.excludeOutboundPorts) || has(self.mesh.excludeInboundPorts) || has(self.mesh.opaquePorts))",
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
        rule: "!has(self.mesh) || !has(self.mesh.mode) || self.mesh.mode != 'ambient' || !(has(self.mesh.proxy) || has(self.mesh.holdApplicationUntilProxyStarts) || has(self.mesh.excludeOutboundPorts) || has(self.mesh.excludeInboundPorts))",
        message:
          'spec.mesh: proxy, holdApplicationUntilProxyStarts and exclude*Ports have no effect in ambient mode (no sidecar in the pod): remove them',
        fieldPath: '.mesh',
      },
    ],
    invalidExamples: [
      { mesh: { provider: 'linkerd', mode: 'ambient' } },
      { mesh: { provider: 'none', mode: 'sidecar' } },
      { mesh: { provider: 'linkerd', revision: 'canary' } },
      { mesh: { provider: 'istio', opaquePorts: [5432] } },
      { mesh: { provider: 'istio', mode: 'ambient', excludeOutboundPorts: [5432] } },
    ],
  },
  {
    id: 'disruption-one-of',
    summary: 'spec.disruption: at most one of maxUnavailable and minAvailable.',
    check: (spec) =>
      spec.disruption?.maxUnavailable !== undefined && spec.disruption.minAvailable !== undefined
        ? [
            {
              path: ['disruption'],
              message: 'sets both maxUnavailable and minAvailable: keep one (a PodDisruptionBudget takes one)',
            },
          ]
        : [],
    cel: [
      {
        rule: '!has(self.disruption) || !(has(self.disruption.maxUnavailable) && has(self.disruption.minAvailable))',
        message: 'spec.disruption: set one of maxUnavailable and minAvailable, not both',
        fieldPath: '.disruption',
      },
    ],
    invalidExamples: [{ disruption: { maxUnavailable: 1, minAvailable: 1 } }],
  },
  {
    id: 'service-headless-cluster-ip',
    summary:
      'spec.service.headless needs type ClusterIP (the API server rejects clusterIP None for NodePort and LoadBalancer).',
    check: (spec) => {
      const s = spec.service;
      const type = s?.type ?? DEFAULTS.service.type;
      return s?.headless === true && type !== 'ClusterIP'
        ? [
            {
              path: ['service', 'headless'],
              message: `a ${type} Service cannot be headless (clusterIP: None): remove headless or use type ClusterIP`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: "!has(self.service) || !has(self.service.headless) || !self.service.headless || !has(self.service.type) || self.service.type == 'ClusterIP'",
        message:
          'spec.service: a NodePort or LoadBalancer Service cannot be headless: remove headless or use type ClusterIP',
        fieldPath: '.service.headless',
      },
    ],
    invalidExamples: [
      { service: { type: 'LoadBalancer', headless: true } },
      { service: { type: 'NodePort', headless: true } },
    ],
  },
  {
    id: 'service-account-create-or-name',
    summary: 'spec.serviceAccount: name is for an existing account (create: false); create: false needs a name.',
    check: (spec) => {
      const sa = spec.serviceAccount;
      if (sa?.create === true && sa.name !== undefined) {
        return [
          {
            path: ['serviceAccount', 'name'],
            message: 'names an existing ServiceAccount, but create is true: set create: false or remove name',
          },
        ];
      }
      if (sa?.create === false && sa.name === undefined) {
        return [
          {
            path: ['serviceAccount', 'name'],
            message: 'is required when create is false: name the existing ServiceAccount',
          },
        ];
      }
      return [];
    },
    cel: [
      {
        rule: '!has(self.serviceAccount) || !has(self.serviceAccount.create) || (self.serviceAccount.create ? !has(self.serviceAccount.name) : has(self.serviceAccount.name))',
        message:
          'spec.serviceAccount: with create: true leave name out; with create: false name the existing ServiceAccount',
        fieldPath: '.serviceAccount',
      },
    ],
    invalidExamples: [{ serviceAccount: { create: false } }, { serviceAccount: { create: true, name: 'x' } }],
  },
  {
    id: 'env-names-and-sources',
    summary:
      'spec.env: unique names; value or valueFrom, not both; valueFrom and envFrom items name exactly one source.',
    check: (spec) => {
      const env = spec.env ?? [];
      const issues: RuleIssue[] = duplicates(env, (e) => e.name).map((i) => ({
        path: ['env', i, 'name'],
        message: `${env[i]?.name} is set twice: keep one`,
      }));
      env.forEach((e, i) => {
        if (e.value !== undefined && e.valueFrom !== undefined) {
          issues.push({ path: ['env', i], message: 'sets both value and valueFrom: keep one' });
        }
        if (e.valueFrom && Object.values(e.valueFrom).filter((v) => v !== undefined).length !== 1) {
          issues.push({
            path: ['env', i, 'valueFrom'],
            message: 'needs exactly one source (configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef)',
          });
        }
      });
      (spec.envFrom ?? []).forEach((e, i) => {
        if ((e.configMapRef === undefined) === (e.secretRef === undefined)) {
          issues.push({ path: ['envFrom', i], message: 'needs exactly one of configMapRef and secretRef' });
        }
      });
      return issues;
    },
    // Names: x-kubernetes-list-type map with key name (crd.ts).
    cel: [
      {
        rule: '!has(self.env) || self.env.all(e, !(has(e.value) && has(e.valueFrom)))',
        message: 'spec.env: an item sets both value and valueFrom: keep one',
        fieldPath: '.env',
      },
      {
        rule: '!has(self.env) || self.env.all(e, !has(e.valueFrom) || (has(e.valueFrom.configMapKeyRef) ? 1 : 0) + (has(e.valueFrom.secretKeyRef) ? 1 : 0) + (has(e.valueFrom.fieldRef) ? 1 : 0) + (has(e.valueFrom.resourceFieldRef) ? 1 : 0) == 1)',
        message:
          'spec.env: valueFrom needs exactly one source (configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef)',
        fieldPath: '.env',
      },
      {
        rule: '!has(self.envFrom) || self.envFrom.all(e, has(e.configMapRef) != has(e.secretRef))',
        message: 'spec.envFrom: each item needs exactly one of configMapRef and secretRef',
        fieldPath: '.envFrom',
      },
    ],
    invalidExamples: [
      { env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
      { envFrom: [{ prefix: 'X_' }] },
    ],
  },
  {
    id: 'go-gc-off-needs-memory-limit',
    summary: "spec.runtime.go.gcPercent: 'off' needs a memory limit (GOMEMLIMIT is then the only bound on the heap).",
    check: (spec) =>
      spec.runtime?.go?.gcPercent === 'off' &&
      spec.resources !== undefined &&
      spec.resources.limits?.memory === undefined
        ? [
            {
              path: ['runtime', 'go', 'gcPercent'],
              message:
                "is 'off' but spec.resources.limits.memory is not set, so nothing bounds the heap: set a memory limit or a number",
            },
          ]
        : [],
    cel: [
      {
        rule: `!(${celHas('runtime.go.gcPercent')}) || type(self.runtime.go.gcPercent) == int || !has(self.resources) || (${celHas('resources.limits.memory')})`,
        message: "spec.runtime.go.gcPercent 'off' needs spec.resources.limits.memory (GOMEMLIMIT then bounds the heap)",
        fieldPath: '.runtime.go.gcPercent',
      },
    ],
    invalidExamples: [
      { runtime: { go: { version: '1.24', gcPercent: 'off' } }, resources: { requests: { memory: '64Mi' } } },
    ],
  },
  {
    id: 'go-mod-version-not-above-toolchain',
    summary: 'spec.runtime.go.goModVersion must not be above version (a toolchain cannot build a newer go.mod).',
    check: (spec) => {
      const go = spec.runtime?.go;
      if (!go?.goModVersion) return [];
      const minor = (v: string) => Number(v.split('.')[1]);
      return minor(go.goModVersion) > minor(go.version)
        ? [
            {
              path: ['runtime', 'go', 'goModVersion'],
              message: `${go.goModVersion} is above version ${go.version}: a Go ${go.version} toolchain cannot build it`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!(${celHas('runtime.go.goModVersion')}) || int(self.runtime.go.goModVersion.split('.')[1]) <= int(self.runtime.go.version.split('.')[1])`,
        message: 'spec.runtime.go.goModVersion is above version: that toolchain cannot build it',
        fieldPath: '.runtime.go.goModVersion',
      },
    ],
    invalidExamples: [{ runtime: { go: { version: '1.24', goModVersion: '1.25' } } }],
  },
  {
    id: 'shutdown-grace-covers-budget',
    summary:
      'spec.shutdown.gracePeriodSeconds must exceed preStopSleepSeconds + timeoutSeconds (+ proxy drain with native sidecars).',
    check: (spec) => {
      const s = spec.shutdown;
      if (s?.gracePeriodSeconds === undefined) return [];
      const needed = shutdownNeedsSeconds(spec);
      return s.gracePeriodSeconds <= needed
        ? [
            {
              path: ['shutdown', 'gracePeriodSeconds'],
              message: `${s.gracePeriodSeconds}s does not cover preStop sleep + app shutdown${needed > (s.preStopSleepSeconds ?? DEFAULTS.shutdown.preStopSleepSeconds) + (s.timeoutSeconds ?? DEFAULTS.shutdown.timeoutSeconds) ? ' + proxy drain' : ''} (${needed}s): set it above ${needed} or shorten the others`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!(${celHas('shutdown.gracePeriodSeconds')}) || self.shutdown.gracePeriodSeconds > (has(self.shutdown.preStopSleepSeconds) ? self.shutdown.preStopSleepSeconds : ${DEFAULTS.shutdown.preStopSleepSeconds}) + (has(self.shutdown.timeoutSeconds) ? self.shutdown.timeoutSeconds : ${DEFAULTS.shutdown.timeoutSeconds}) + ((has(self.mesh) && self.mesh.provider != 'none' && has(self.mesh.mode) && self.mesh.mode == 'native-sidecar') ? ${DEFAULTS.mesh.nativeSidecarDrainSeconds} : 0)`,
        message:
          'spec.shutdown.gracePeriodSeconds does not cover preStopSleepSeconds + timeoutSeconds (+ proxy drain with native sidecars)',
        fieldPath: '.shutdown.gracePeriodSeconds',
      },
    ],
    invalidExamples: [
      { shutdown: { gracePeriodSeconds: 10, preStopSleepSeconds: 5, timeoutSeconds: 5 } },
      { shutdown: { gracePeriodSeconds: 26 }, mesh: { provider: 'istio', mode: 'native-sidecar' } },
    ],
  },
];

/**
 * Seconds between the pod's deletion and the moment everything must be done, without margin:
 * preStop sleep, the app's own shutdown, and (native sidecars only, which stop after the app) the proxy drain.
 * With classic sidecars the proxy drains in parallel with the app (its drain is stretched to cover the app).
 */
export function shutdownNeedsSeconds(spec: MicroServiceSpec): number {
  const s = spec.shutdown;
  const preStop = s?.preStopSleepSeconds ?? DEFAULTS.shutdown.preStopSleepSeconds;
  const app = s?.timeoutSeconds ?? DEFAULTS.shutdown.timeoutSeconds;
  const nativeProxy = meshOf(spec) !== 'none' && spec.mesh?.mode === 'native-sidecar';
  return preStop + app + (nativeProxy ? DEFAULTS.mesh.nativeSidecarDrainSeconds : 0);
}
