// spec.monitoring → a Prometheus Operator ServiceMonitor or PodMonitor (monitoring.coreos.com/v1),
// or prometheus.io/* pod annotations. Mesh-aware (docs/monitoring.md):
// - no mesh, Istio ambient, Linkerd: scrape the app's metrics port as it is (Linkerd's default policy
//   admits unauthenticated clients; ambient's ztunnel is transparent to a plain-text scrape);
// - Istio sidecar, `merged`: Istio's injector moves the pod's prometheus.io annotations into the
//   agent, which serves the app's and Envoy's metrics together on 15020 (/stats/prometheus), outside
//   the mTLS capture. The annotations therefore always go on the pods, and a PodMonitor points at
//   15020 the way Istio's own Prometheus Operator sample does (the proxy declares only 15090,
//   http-envoy-prom, so the target is found by that port and its address rewritten to 15020);
// - Istio sidecar, `mtls`: a ServiceMonitor scrapes the app port over HTTPS with the certificates
//   Istio's guide has Prometheus mount at /etc/prom-certs
//   (https://istio.io/latest/docs/ops/integrations/prometheus/#tls-settings).
import { type MicroService, PROMETHEUS_ANNOTATION_PREFIX, resolveMonitoring } from '../api/index.ts';
import { commonLabels, selectorLabels } from './labels.ts';
import { names } from './names.ts';
import type { Explanation, RenderConfig, RenderedObject } from './types.ts';

export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';

/** Istio's agent port with merged metrics, and its path (https://istio.io/latest/docs/ops/integrations/prometheus/#option-1-metrics-merging). */
export const ISTIO_MERGED_METRICS = {
  port: 15020,
  path: '/stats/prometheus',
  proxyPortName: 'http-envoy-prom',
} as const;
/** Linkerd's proxy admin port name and path (https://linkerd.io/2/reference/proxy-metrics/). */
export const LINKERD_PROXY_METRICS = { portName: 'linkerd-admin', path: '/metrics' } as const;
/** Where Istio's guide mounts the workload certificates in the Prometheus pod. */
export const ISTIO_PROMETHEUS_CERTS = '/etc/prom-certs';

const ISTIO_SOURCE = 'https://istio.io/latest/docs/ops/integrations/prometheus/';

/** The prometheus.io/* annotations the pods carry (type Annotations, or Istio metrics merging), else none. */
export function monitoringPodAnnotations(ms: MicroService): Record<string, string> {
  const m = resolveMonitoring(ms.spec);
  if (!m || (m.type !== 'Annotations' && m.istio !== 'merged')) return {};
  return {
    [`${PROMETHEUS_ANNOTATION_PREFIX}scrape`]: 'true',
    [`${PROMETHEUS_ANNOTATION_PREFIX}port`]: String(m.port.port),
    [`${PROMETHEUS_ANNOTATION_PREFIX}path`]: m.path,
  };
}

/** The ServiceMonitor or PodMonitor, or undefined (no spec.monitoring, or annotations only). */
export function renderMonitor(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  const m = resolveMonitoring(ms.spec);
  if (!m || m.type === 'Annotations') return undefined;
  const given = ms.spec.monitoring;
  const timing = {
    ...(given?.interval ? { interval: given.interval } : {}),
    ...(given?.scrapeTimeout ? { scrapeTimeout: given.scrapeTimeout } : {}),
  };
  const metadata = {
    name: m.type === 'ServiceMonitor' ? names.serviceMonitor(ms.metadata.name) : names.podMonitor(ms.metadata.name),
    ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
    // User labels first: ours win (validation leaves app.kubernetes.io/* to us).
    labels: { ...given?.labels, ...commonLabels(ms, cfg) },
  };
  const selector = { matchLabels: selectorLabels(ms) };
  if (m.type === 'ServiceMonitor') {
    const endpoint: Record<string, unknown> = { port: m.port.name, path: m.path, ...timing };
    if (m.istio === 'mtls') {
      endpoint['scheme'] = 'https';
      endpoint['tlsConfig'] = {
        caFile: `${ISTIO_PROMETHEUS_CERTS}/root-cert.pem`,
        certFile: `${ISTIO_PROMETHEUS_CERTS}/cert-chain.pem`,
        keyFile: `${ISTIO_PROMETHEUS_CERTS}/key.pem`,
        // Prometheus cannot check Istio's SPIFFE identities, so Istio's guide skips verification.
        insecureSkipVerify: true,
      };
    }
    return {
      apiVersion: MONITORING_API_VERSION,
      kind: 'ServiceMonitor',
      metadata,
      spec: { selector, endpoints: [endpoint] },
    };
  }
  const endpoints: Record<string, unknown>[] =
    m.istio === 'merged'
      ? [
          {
            port: ISTIO_MERGED_METRICS.proxyPortName,
            path: ISTIO_MERGED_METRICS.path,
            ...timing,
            relabelings: [
              {
                action: 'replace',
                sourceLabels: ['__address__'],
                regex: '(.+):\\d+',
                targetLabel: '__address__',
                replacement: `\${1}:${ISTIO_MERGED_METRICS.port}`,
              },
            ],
          },
        ]
      : [{ port: m.port.name, path: m.path, ...timing }];
  if (m.proxyMetrics)
    endpoints.push({ port: LINKERD_PROXY_METRICS.portName, path: LINKERD_PROXY_METRICS.path, ...timing });
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: 'PodMonitor',
    metadata,
    spec: { selector, podMetricsEndpoints: endpoints },
  };
}

/** Why the scrape looks the way it does: what `msvc explain` prints for spec.monitoring. */
export function monitoringExplanations(ms: MicroService): Explanation[] {
  const m = resolveMonitoring(ms.spec);
  if (!m) return [];
  const out: Explanation[] = [];
  const deployment = `Deployment/${names.deployment(ms.metadata.name)}`;
  const annotations = monitoringPodAnnotations(ms);
  if (Object.keys(annotations).length > 0) {
    out.push({
      object: deployment,
      field: `pod annotation ${PROMETHEUS_ANNOTATION_PREFIX}port`,
      value: String(m.port.port),
      reason:
        m.istio === 'merged'
          ? `Istio's injector moves prometheus.io/* into the agent (ISTIO_PROMETHEUS_ANNOTATIONS) and rewrites them to ${ISTIO_MERGED_METRICS.port} ${ISTIO_MERGED_METRICS.path}, where the app's metrics are served merged with Envoy's, outside mTLS`
          : `Prometheus scrapes by annotation: port ${m.port.name} (${m.port.port}), path ${m.path}`,
      ...(m.istio === 'merged' ? { source: `${ISTIO_SOURCE}#option-1-metrics-merging` } : {}),
    });
  }
  if (m.type === 'Annotations') return out;
  const object = `${m.type}/${m.type === 'ServiceMonitor' ? names.serviceMonitor(ms.metadata.name) : names.podMonitor(ms.metadata.name)}`;
  if (m.istio === 'merged') {
    out.push({
      object,
      field: 'podMetricsEndpoints[0]',
      value: `${ISTIO_MERGED_METRICS.port} ${ISTIO_MERGED_METRICS.path}`,
      reason: `with an Istio sidecar the app port is behind mTLS; the agent's merged endpoint is plain HTTP. The proxy declares only ${ISTIO_MERGED_METRICS.proxyPortName}, so the target is found by it and its address moved to ${ISTIO_MERGED_METRICS.port}`,
      source: `${ISTIO_SOURCE}#option-1-metrics-merging`,
    });
  } else if (m.istio === 'mtls') {
    out.push({
      object,
      field: 'endpoints[0].tlsConfig',
      value: `https, certificates in ${ISTIO_PROMETHEUS_CERTS}`,
      reason:
        "the app port is behind the sidecar's mTLS: Prometheus must present an Istio certificate (its own sidecar writes them there, see the guide)",
      source: `${ISTIO_SOURCE}#tls-settings`,
    });
  } else {
    out.push({
      object,
      field: m.type === 'ServiceMonitor' ? 'endpoints[0]' : 'podMetricsEndpoints[0]',
      value: `${m.port.name} ${m.path}`,
      reason:
        'the app port, scraped as it is: no sidecar stands in the way (or, with Linkerd, its default policy admits Prometheus)',
    });
  }
  if (m.proxyMetrics) {
    out.push({
      object,
      field: 'podMetricsEndpoints[1]',
      value: `${LINKERD_PROXY_METRICS.portName} ${LINKERD_PROXY_METRICS.path}`,
      reason: "spec.monitoring.proxyMetrics: Linkerd's proxy serves its own metrics on its admin port 4191",
      source: 'https://linkerd.io/2/reference/proxy-metrics/',
    });
  }
  return out;
}
