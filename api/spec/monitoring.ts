// spec.monitoring: how Prometheus scrapes the app's metrics. A Prometheus Operator ServiceMonitor or
// PodMonitor (monitoring.coreos.com/v1), or prometheus.io/* pod annotations for clusters that scrape by
// annotation. Mesh-aware: with an Istio sidecar, the scrape either goes to the agent's merged endpoint
// (15020, plain HTTP, app + proxy metrics) or to the app port through mTLS with Istio's certificates
// (https://istio.io/latest/docs/ops/integrations/prometheus/). The operator applies the monitor kinds
// only where their CRDs are installed (docs/monitoring.md).
import { z } from 'zod';
import { LABEL_VALUE, metadataMap, portName } from './fields.ts';
import { type MeshSpec, meshMode, meshProvider } from './mesh.ts';
import type { PortSpec } from './ports.ts';
import type { RuleIssue, SpecRule } from './rule.ts';

export const monitoringTypes = ['ServiceMonitor', 'PodMonitor', 'Annotations'] as const;
export const istioScrapeModes = ['merged', 'mtls'] as const;

/** Prometheus' duration syntax, as the Prometheus Operator CRDs check it (`Duration` in monitoring/v1). */
export const PROMETHEUS_DURATION =
  '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$';

const duration = (description: string) =>
  z
    .string()
    .max(32)
    .regex(new RegExp(PROMETHEUS_DURATION), 'must be a Prometheus duration such as 30s, 1m or 1m30s')
    .describe(description);

export const monitoringSchema = z
  .strictObject({
    type: z
      .enum(monitoringTypes)
      .optional()
      .describe(
        'ServiceMonitor (scrape through the Service), PodMonitor (scrape each pod) or Annotations (prometheus.io/scrape, port and path on the pods, for Prometheus set up to scrape by annotation). Default ServiceMonitor; PodMonitor with an Istio sidecar that merges metrics (the Service does not expose the merged port 15020).',
      ),
    port: portName.describe('Name of the spec.ports entry (HTTP or HTTP2) that serves the metrics.'),
    path: z
      .string()
      .max(1024)
      .regex(/^\/[^\s?#]*$/, 'must be an absolute URL path such as /metrics')
      .optional()
      .describe('HTTP path of the metrics. Default /metrics.'),
    interval: duration('Scrape interval (e.g. 30s). Default: the Prometheus global scrape interval.').optional(),
    scrapeTimeout: duration(
      'Scrape timeout (e.g. 10s); must not exceed the interval. Default: the Prometheus global scrape timeout.',
    ).optional(),
    labels: metadataMap(
      z
        .string()
        .max(63)
        .regex(new RegExp(LABEL_VALUE), 'must be a label value: at most 63 characters, alphanumerics, -, _ and .'),
    )
      .optional()
      .describe(
        "Extra labels on the ServiceMonitor or PodMonitor, so a Prometheus' serviceMonitorSelector/podMonitorSelector picks it (e.g. release: prometheus). app.kubernetes.io/* keys are the operator's.",
      ),
    istio: z
      .enum(istioScrapeModes)
      .optional()
      .describe(
        "Istio sidecars only. merged (default): Istio's agent serves the app's and the proxy's metrics on 15020 in plain HTTP (metrics merging); a PodMonitor or annotations. mtls: a ServiceMonitor scrapes the app port over HTTPS with the Istio certificates Prometheus mounts at /etc/prom-certs (needed when metrics merging is off; see docs/monitoring.md).",
      ),
    proxyMetrics: z
      .boolean()
      .optional()
      .describe(
        "Linkerd only, PodMonitor only: also scrape the proxy's own metrics (port linkerd-admin, 4191, /metrics). With Istio, merged metrics already include the proxy's. Default false.",
      ),
  })
  .describe(
    'How Prometheus scrapes the metrics: a Prometheus Operator ServiceMonitor or PodMonitor (applied only where its CRD is installed), or prometheus.io/* pod annotations. Mesh-aware: see docs/monitoring.md.',
  );

export type MonitoringSpec = z.infer<typeof monitoringSchema>;
export type MonitoringType = (typeof monitoringTypes)[number];
export type IstioScrapeMode = (typeof istioScrapeModes)[number];

export const MONITORING_DEFAULTS = { monitoring: { path: '/metrics', istio: 'merged' } } as const;

export const monitoringFields = { monitoring: monitoringSchema.optional() };

type MonitoringView = {
  monitoring?: MonitoringSpec;
  mesh?: MeshSpec;
  ports?: PortSpec[];
  podAnnotations?: Record<string, string>;
};

/** The scrape as rendered: every default resolved. */
export interface ResolvedMonitoring {
  readonly type: MonitoringType;
  readonly port: PortSpec;
  readonly path: string;
  /** How an Istio sidecar is crossed; undefined without one (no mesh, ambient, Linkerd). */
  readonly istio?: IstioScrapeMode;
  readonly proxyMetrics: boolean;
}

/** An Istio proxy in the pod (sidecar or native sidecar): the scrape has to get past it. */
export function istioSidecar(spec: { mesh?: MeshSpec }): boolean {
  const mode = meshMode(spec);
  return meshProvider(spec) === 'istio' && mode !== undefined && mode !== 'ambient';
}

/** The resolved scrape, or undefined without spec.monitoring (or with a port the rules reject). */
export function resolveMonitoring(spec: MonitoringView): ResolvedMonitoring | undefined {
  const m = spec.monitoring;
  if (!m) return undefined;
  const port = spec.ports?.find((p) => p.name === m.port);
  if (!port) return undefined;
  const istio = istioSidecar(spec) ? (m.istio ?? MONITORING_DEFAULTS.monitoring.istio) : undefined;
  const type = m.type ?? (istio === 'merged' ? 'PodMonitor' : 'ServiceMonitor');
  return {
    type,
    port,
    path: m.path ?? MONITORING_DEFAULTS.monitoring.path,
    istio,
    proxyMetrics: m.proxyMetrics ?? false,
  };
}

/** Pod annotations Prometheus (or Istio's metrics merging) reads; the renderer writes them and users may not. */
export const PROMETHEUS_ANNOTATION_PREFIX = 'prometheus.io/';

/** Whether the pods carry prometheus.io/* annotations: Annotations type, or Istio merging (its agent reads them). */
export function monitoringAnnotatesPods(spec: MonitoringView): boolean {
  const m = resolveMonitoring(spec);
  return m !== undefined && (m.type === 'Annotations' || m.istio === 'merged');
}

const HTTP_PROTOCOLS = ['HTTP', 'HTTP2'] as const;
const celIstioSidecar =
  "has(self.mesh) && self.mesh.provider == 'istio' && !(has(self.mesh.mode) && self.mesh.mode == 'ambient')";
const celMerged = `${celIstioSidecar} && (!has(self.monitoring.istio) || self.monitoring.istio == 'merged')`;
const celMtls = `${celIstioSidecar} && has(self.monitoring.istio) && self.monitoring.istio == 'mtls'`;

/**
 * Ports Istio's injector refuses as a pod's `prometheus.io/port` when it merges metrics: the agent's
 * own and the rest of the data plane's (istioReservedPorts in pilot/cmd/pilot-agent/status/server.go
 * of https://github.com/istio/istio; 15020 is the merged endpoint itself).
 */
export const ISTIO_SCRAPE_RESERVED_PORTS = [15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090] as const;
/** What Go's strconv.ParseBool reads as false (Istio parses the scrape and merge annotations with it). */
const GO_FALSE = ['0', 'f', 'F', 'false', 'FALSE', 'False'] as const;
const PROM_PORT = `${PROMETHEUS_ANNOTATION_PREFIX}port`;
const PROM_SCRAPE = `${PROMETHEUS_ANNOTATION_PREFIX}scrape`;
const ISTIO_MERGE = 'prometheus.istio.io/merge-metrics';

/** Why Istio's injector would refuse this prometheus.io/port (metrics merging on), or undefined. */
function istioScrapePortProblem(value: string): string | undefined {
  // strconv.Atoi: optional sign, decimal digits; then 1-65535 and not a data-plane port.
  if (!/^[+-]?[0-9]{1,18}$/.test(value)) return 'is not a port number';
  const port = Number(value);
  if (port < 1 || port > 65535) return 'is not a port number (1-65535)';
  if ((ISTIO_SCRAPE_RESERVED_PORTS as readonly number[]).includes(port)) return "is one of Istio's own ports";
  return undefined;
}

export const MONITORING_RULES: readonly SpecRule<MonitoringView>[] = [
  {
    id: 'monitoring-port-declared',
    summary: 'spec.monitoring.port names an HTTP or HTTP2 entry of spec.ports.',
    check: (spec) => {
      const m = spec.monitoring;
      if (!m) return [];
      const port = spec.ports?.find((p) => p.name === m.port);
      if (!port) {
        return [
          {
            path: ['monitoring', 'port'],
            message: `no spec.ports entry is named "${m.port}": name the port that serves the metrics`,
          },
        ];
      }
      const protocol = port.protocol ?? 'HTTP';
      return (HTTP_PROTOCOLS as readonly string[]).includes(protocol)
        ? []
        : [
            {
              path: ['monitoring', 'port'],
              message: `port "${m.port}" is ${protocol}: Prometheus scrapes over HTTP, so name an HTTP or HTTP2 port`,
            },
          ];
    },
    cel: [
      {
        rule: "!has(self.monitoring) || (has(self.ports) && self.ports.exists(p, p.name == self.monitoring.port && (!has(p.protocol) || p.protocol == 'HTTP' || p.protocol == 'HTTP2')))",
        message: 'spec.monitoring.port must name an HTTP or HTTP2 entry of spec.ports',
        fieldPath: '.monitoring.port',
      },
    ],
    invalidExamples: [
      { monitoring: { port: 'metrics' } },
      { ports: [{ name: 'grpc', port: 9090, protocol: 'GRPC' }], monitoring: { port: 'grpc' } },
    ],
  },
  {
    id: 'monitoring-options-fit-type',
    summary:
      'spec.monitoring: labels, interval, scrapeTimeout and proxyMetrics need a ServiceMonitor or PodMonitor; proxyMetrics needs Linkerd and a PodMonitor.',
    check: (spec) => {
      const m = spec.monitoring;
      if (!m) return [];
      const issues: RuleIssue[] = [];
      if (m.type === 'Annotations') {
        for (const field of ['labels', 'interval', 'scrapeTimeout'] as const) {
          if (m[field] !== undefined) {
            issues.push({
              path: ['monitoring', field],
              message: `prometheus.io annotations have no ${field}: use type ServiceMonitor or PodMonitor, or remove it`,
            });
          }
        }
      }
      if (m.proxyMetrics === true && (meshProvider(spec) !== 'linkerd' || m.type !== 'PodMonitor')) {
        issues.push({
          path: ['monitoring', 'proxyMetrics'],
          message:
            "scrapes Linkerd's proxy port (4191) from each pod: needs mesh.provider linkerd and type PodMonitor (Istio's merged metrics already include the proxy's)",
        });
      }
      return issues;
    },
    cel: [
      {
        rule: "!has(self.monitoring) || !has(self.monitoring.type) || self.monitoring.type != 'Annotations' || !(has(self.monitoring.labels) || has(self.monitoring.interval) || has(self.monitoring.scrapeTimeout))",
        message:
          'spec.monitoring: prometheus.io annotations have no labels, interval or scrapeTimeout: use type ServiceMonitor or PodMonitor, or remove them',
        fieldPath: '.monitoring',
      },
      {
        rule: "!has(self.monitoring) || !has(self.monitoring.proxyMetrics) || !self.monitoring.proxyMetrics || (has(self.mesh) && self.mesh.provider == 'linkerd' && has(self.monitoring.type) && self.monitoring.type == 'PodMonitor')",
        message: 'spec.monitoring.proxyMetrics needs mesh.provider linkerd and type PodMonitor',
        fieldPath: '.monitoring.proxyMetrics',
      },
    ],
    invalidExamples: [
      { ports: [{ name: 'http', port: 8080 }], monitoring: { port: 'http', type: 'Annotations', interval: '30s' } },
      {
        ports: [{ name: 'http', port: 8080 }],
        mesh: { provider: 'istio' },
        monitoring: { port: 'http', type: 'PodMonitor', proxyMetrics: true },
      },
      {
        ports: [{ name: 'http', port: 8080 }],
        mesh: { provider: 'linkerd' },
        monitoring: { port: 'http', proxyMetrics: true },
      },
    ],
  },
  {
    id: 'monitoring-istio-scrape',
    summary:
      'spec.monitoring.istio needs an Istio sidecar; merged scrapes need a PodMonitor or annotations (the Service lacks 15020), mtls a ServiceMonitor (only it reads certificate files).',
    check: (spec) => {
      const m = spec.monitoring;
      if (!m) return [];
      if (!istioSidecar(spec)) {
        return m.istio === undefined
          ? []
          : [
              {
                path: ['monitoring', 'istio'],
                message:
                  'only means something with an Istio sidecar (mesh.provider istio, mode not ambient): remove it',
              },
            ];
      }
      const istio = m.istio ?? MONITORING_DEFAULTS.monitoring.istio;
      if (istio === 'merged' && m.type === 'ServiceMonitor') {
        return [
          {
            path: ['monitoring', 'type'],
            message:
              "Istio's merged metrics are on the agent's port 15020, which the Service does not expose: use type PodMonitor (or Annotations), or istio: mtls",
          },
        ];
      }
      if (istio === 'mtls' && m.type !== undefined && m.type !== 'ServiceMonitor') {
        return [
          {
            path: ['monitoring', 'type'],
            message:
              'istio: mtls scrapes through the sidecar with Istio certificate files, which only a ServiceMonitor can name: use type ServiceMonitor, or istio: merged',
          },
        ];
      }
      return [];
    },
    cel: [
      {
        rule: `!has(self.monitoring) || !has(self.monitoring.istio) || (${celIstioSidecar})`,
        message: 'spec.monitoring.istio needs an Istio sidecar (mesh.provider istio, mode not ambient): remove it',
        fieldPath: '.monitoring.istio',
      },
      {
        rule: `!has(self.monitoring) || !has(self.monitoring.type) || !(${celMerged}) || self.monitoring.type != 'ServiceMonitor'`,
        message:
          "spec.monitoring.type: Istio's merged metrics (port 15020) are not on the Service: use PodMonitor or Annotations, or istio: mtls",
        fieldPath: '.monitoring.type',
      },
      {
        rule: `!has(self.monitoring) || !has(self.monitoring.type) || !(${celMtls}) || self.monitoring.type == 'ServiceMonitor'`,
        message:
          'spec.monitoring.type: istio: mtls needs a ServiceMonitor (the only monitor that reads certificate files)',
        fieldPath: '.monitoring.type',
      },
    ],
    invalidExamples: [
      {
        ports: [{ name: 'http', port: 8080 }],
        mesh: { provider: 'linkerd' },
        monitoring: { port: 'http', istio: 'mtls' },
      },
      {
        ports: [{ name: 'http', port: 8080 }],
        mesh: { provider: 'istio' },
        monitoring: { port: 'http', type: 'ServiceMonitor' },
      },
      {
        ports: [{ name: 'http', port: 8080 }],
        mesh: { provider: 'istio', mode: 'native-sidecar' },
        monitoring: { port: 'http', istio: 'mtls', type: 'PodMonitor' },
      },
    ],
  },
  {
    id: 'monitoring-owns-prometheus-annotations',
    summary: 'spec.podAnnotations: prometheus.io/* keys are set from spec.monitoring when it is given.',
    check: (spec) =>
      spec.monitoring === undefined
        ? []
        : Object.keys(spec.podAnnotations ?? {})
            .filter((k) => k.startsWith(PROMETHEUS_ANNOTATION_PREFIX))
            .map((key) => ({
              path: ['podAnnotations', key],
              message:
                'is set from spec.monitoring: remove it (or remove spec.monitoring and scrape by your own annotations)',
            })),
    cel: [
      {
        rule: `!has(self.monitoring) || !has(self.podAnnotations) || self.podAnnotations.all(k, !k.startsWith('${PROMETHEUS_ANNOTATION_PREFIX}'))`,
        message: 'spec.podAnnotations: prometheus.io/* keys are set from spec.monitoring: remove them',
        fieldPath: '.podAnnotations',
      },
    ],
    invalidExamples: [
      {
        ports: [{ name: 'http', port: 8080 }],
        podAnnotations: { 'prometheus.io/scrape': 'true' },
        monitoring: { port: 'http', type: 'Annotations' },
      },
    ],
  },
  {
    id: 'istio-prometheus-port',
    summary:
      "spec.podAnnotations: with an Istio sidecar that merges metrics, prometheus.io/port is a port number (1-65535) other than Istio's own, or Istio's injector refuses the pod.",
    check: (spec) => {
      const a = spec.podAnnotations ?? {};
      const value = a[PROM_PORT];
      if (value === undefined || !istioSidecar(spec)) return [];
      const off = (v: string | undefined) => v !== undefined && (GO_FALSE as readonly string[]).includes(v);
      if (off(a[ISTIO_MERGE]) || off(a[PROM_SCRAPE])) return [];
      const problem = istioScrapePortProblem(value);
      return problem === undefined
        ? []
        : [
            {
              path: ['podAnnotations', PROM_PORT],
              message: `"${value}" ${problem}: Istio's injector merges the app's metrics into its agent and refuses the pod (the injection webhook fails) unless this is the app's metrics port, 1-65535 and none of ${ISTIO_SCRAPE_RESERVED_PORTS.join(', ')}; fix it, or set ${ISTIO_MERGE}: "false"`,
            },
          ];
    },
    cel: [
      {
        rule: `!has(self.podAnnotations) || !('${PROM_PORT}' in self.podAnnotations) || !(${celIstioSidecar}) || ('${ISTIO_MERGE}' in self.podAnnotations && self.podAnnotations['${ISTIO_MERGE}'] in [${GO_FALSE.map((v) => `'${v}'`).join(', ')}]) || ('${PROM_SCRAPE}' in self.podAnnotations && self.podAnnotations['${PROM_SCRAPE}'] in [${GO_FALSE.map((v) => `'${v}'`).join(', ')}]) || (self.podAnnotations['${PROM_PORT}'].matches('^[+-]?[0-9]{1,18}$') && int(self.podAnnotations['${PROM_PORT}']) >= 1 && int(self.podAnnotations['${PROM_PORT}']) <= 65535 && !(int(self.podAnnotations['${PROM_PORT}']) in [${ISTIO_SCRAPE_RESERVED_PORTS.join(', ')}]))`,
        message: `spec.podAnnotations: with an Istio sidecar merging metrics, prometheus.io/port must be a port number 1-65535 other than ${ISTIO_SCRAPE_RESERVED_PORTS.join(', ')}, or Istio's injector refuses the pod`,
        fieldPath: '.podAnnotations',
      },
    ],
    invalidExamples: [
      { mesh: { provider: 'istio' }, podAnnotations: { [PROM_PORT]: 'metrics' } },
      { mesh: { provider: 'istio', mode: 'native-sidecar' }, podAnnotations: { [PROM_PORT]: '15020' } },
      { mesh: { provider: 'istio' }, podAnnotations: { [PROM_PORT]: '70000', [PROM_SCRAPE]: 'true' } },
    ],
  },
];
