import { describe, expect, it } from 'vitest';
import { parseMicroService } from '../api/index.ts';
import {
  labels,
  microService,
  NAME,
  NAMESPACE,
  withLabel,
  withMesh,
  withPorts,
  withSpec,
} from '../test/support/fixtures.ts';
import { render } from './index.ts';
import { monitoringExplanations, monitoringPodAnnotations, renderMonitor } from './monitoring.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

type Json = Record<string, unknown>;
const ports = withPorts({ name: 'http', port: 8080 }, { name: 'metrics', port: 9102 });
const withMonitoring = (monitoring: Json) => withSpec({ monitoring } as Json);
const selector = { matchLabels: { 'app.kubernetes.io/name': NAME } };
const metadata = (extra: Record<string, string> = {}) => ({
  name: NAME,
  namespace: NAMESPACE,
  labels: { ...extra, ...labels() },
});
const serviceMonitor = (endpoint: Json, extra?: Record<string, string>) => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: metadata(extra),
  spec: { selector, endpoints: [endpoint] },
});
const podMonitor = (...endpoints: Json[]) => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PodMonitor',
  metadata: metadata(),
  spec: { selector, podMetricsEndpoints: endpoints },
});
const istioMerged = {
  port: 'http-envoy-prom',
  path: '/stats/prometheus',
  relabelings: [
    {
      action: 'replace',
      sourceLabels: ['__address__'],
      regex: '(.+):\\d+',
      targetLabel: '__address__',
      replacement: `\${1}:15020`,
    },
  ],
};
const scrapeAnnotations = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': '9102',
  'prometheus.io/path': '/metrics',
};

describe('renderMonitor', () => {
  const cases = [
    { name: 'no spec.monitoring: nothing', input: microService(ports), want: undefined, annotations: {} },
    {
      name: 'default: a ServiceMonitor on the named Service port, /metrics',
      input: microService(ports, withMonitoring({ port: 'metrics' })),
      want: serviceMonitor({ port: 'metrics', path: '/metrics' }),
      annotations: {},
    },
    {
      name: 'path, interval, scrapeTimeout and selector labels are carried; ours win over user labels',
      input: microService(
        ports,
        withMonitoring({
          port: 'metrics',
          path: '/prom',
          interval: '15s',
          scrapeTimeout: '5s',
          labels: { release: 'prometheus' },
        }),
      ),
      want: serviceMonitor(
        { port: 'metrics', path: '/prom', interval: '15s', scrapeTimeout: '5s' },
        { release: 'prometheus' },
      ),
      annotations: {},
    },
    {
      name: 'PodMonitor on the container port by name',
      input: microService(ports, withMonitoring({ port: 'metrics', type: 'PodMonitor', interval: '1m' })),
      want: podMonitor({ port: 'metrics', path: '/metrics', interval: '1m' }),
      annotations: {},
    },
    {
      name: 'Annotations: no monitor object, prometheus.io/* on the pods',
      input: microService(ports, withMonitoring({ port: 'metrics', type: 'Annotations' })),
      want: undefined,
      annotations: scrapeAnnotations,
    },
    {
      name: "Istio sidecar: default merged, a PodMonitor on the agent's 15020 and the annotations the agent reads",
      input: microService(ports, withMesh({ provider: 'istio' }), withMonitoring({ port: 'metrics' })),
      want: podMonitor(istioMerged),
      annotations: scrapeAnnotations,
    },
    {
      name: 'Istio native sidecar, merged with an interval',
      input: microService(
        ports,
        withMesh({ provider: 'istio', mode: 'native-sidecar' }),
        withMonitoring({ port: 'metrics', interval: '30s' }),
      ),
      want: podMonitor({ ...istioMerged, interval: '30s' }),
      annotations: scrapeAnnotations,
    },
    {
      name: 'Istio merged with Annotations: just the annotations (the injector rewrites them)',
      input: microService(
        ports,
        withMesh({ provider: 'istio' }),
        withMonitoring({ port: 'metrics', type: 'Annotations' }),
      ),
      want: undefined,
      annotations: scrapeAnnotations,
    },
    {
      name: "Istio mtls: a ServiceMonitor over HTTPS with Istio's certificates, no annotations",
      input: microService(ports, withMesh({ provider: 'istio' }), withMonitoring({ port: 'metrics', istio: 'mtls' })),
      want: serviceMonitor({
        port: 'metrics',
        path: '/metrics',
        scheme: 'https',
        tlsConfig: {
          caFile: '/etc/prom-certs/root-cert.pem',
          certFile: '/etc/prom-certs/cert-chain.pem',
          keyFile: '/etc/prom-certs/key.pem',
          insecureSkipVerify: true,
        },
      }),
      annotations: {},
    },
    {
      name: 'Istio ambient: no sidecar in the way, the app port as it is',
      input: microService(ports, withMesh({ provider: 'istio', mode: 'ambient' }), withMonitoring({ port: 'metrics' })),
      want: serviceMonitor({ port: 'metrics', path: '/metrics' }),
      annotations: {},
    },
    {
      name: 'Linkerd: the app port as it is',
      input: microService(ports, withMesh({ provider: 'linkerd' }), withMonitoring({ port: 'metrics' })),
      want: serviceMonitor({ port: 'metrics', path: '/metrics' }),
      annotations: {},
    },
    {
      name: "Linkerd proxyMetrics: a second PodMonitor endpoint on the proxy's linkerd-admin port",
      input: microService(
        ports,
        withMesh({ provider: 'linkerd' }),
        withMonitoring({ port: 'metrics', type: 'PodMonitor', proxyMetrics: true, interval: '20s' }),
      ),
      want: podMonitor(
        { port: 'metrics', path: '/metrics', interval: '20s' },
        { port: 'linkerd-admin', path: '/metrics', interval: '20s' },
      ),
      annotations: {},
    },
  ];
  it.each(cases)('$name', ({ input, want, annotations }) => {
    expect(parseMicroService(input).ok).toBe(true);
    expect(renderMonitor(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want);
    expect(monitoringPodAnnotations(input)).toStrictEqual(annotations);
  });

  it('render() emits the monitor last, and the pod annotations change the template hash', () => {
    const plain = render(microService(ports));
    const annotated = render(microService(ports, withMonitoring({ port: 'metrics', type: 'Annotations' })));
    const monitored = render(microService(ports, withMonitoring({ port: 'metrics' })));
    expect(monitored.objects.map((o) => o.kind)).toStrictEqual([...plain.objects.map((o) => o.kind), 'ServiceMonitor']);
    const template = (r: typeof plain) => {
      const spec = r.objects.find((o) => o.kind === 'Deployment')?.['spec'] as
        | { template: { metadata: { annotations: Json } } }
        | undefined;
      return spec?.template.metadata.annotations ?? {};
    };
    expect(template(annotated)).toMatchObject(scrapeAnnotations);
    expect(template(annotated)['msvc.dev/pod-template-hash']).not.toBe(template(plain)['msvc.dev/pod-template-hash']);
    expect(template(monitored)).toStrictEqual(template(plain));
  });

  it('the operator-set labels win over spec.monitoring.labels', () => {
    const ms = microService(ports, withMonitoring({ port: 'metrics', labels: { 'app.kubernetes.io/name': 'other' } }));
    expect(renderMonitor(ms, DEFAULT_RENDER_CONFIG)?.metadata.labels).toStrictEqual(
      labels(withLabel('app.kubernetes.io/name', NAME)),
    );
  });

  it('explains the Istio choice with its source', () => {
    const merged = monitoringExplanations(
      microService(ports, withMesh({ provider: 'istio' }), withMonitoring({ port: 'metrics' })),
    );
    expect(merged.map((e) => [e.object, e.value])).toStrictEqual([
      [`Deployment/${NAME}`, '9102'],
      [`PodMonitor/${NAME}`, '15020 /stats/prometheus'],
    ]);
    expect(merged.every((e) => e.source?.startsWith('https://istio.io/'))).toBe(true);
  });
});

describe('spec.monitoring rules', () => {
  const invalid = [
    { name: 'port not declared', spec: { monitoring: { port: 'nope' } }, path: 'spec.monitoring.port' },
    {
      name: 'port is GRPC',
      spec: { ports: [{ name: 'grpc', port: 9090, protocol: 'GRPC' }], monitoring: { port: 'grpc' } },
      path: 'spec.monitoring.port',
    },
    {
      name: 'Annotations with an interval',
      spec: { monitoring: { port: 'http', type: 'Annotations', interval: '30s' } },
      path: 'spec.monitoring.interval',
    },
    {
      name: 'proxyMetrics without Linkerd',
      spec: { monitoring: { port: 'http', type: 'PodMonitor', proxyMetrics: true } },
      path: 'spec.monitoring.proxyMetrics',
    },
    {
      name: 'istio without an Istio sidecar',
      spec: { mesh: { provider: 'istio', mode: 'ambient' }, monitoring: { port: 'http', istio: 'merged' } },
      path: 'spec.monitoring.istio',
    },
    {
      name: 'Istio merged with a ServiceMonitor',
      spec: { mesh: { provider: 'istio' }, monitoring: { port: 'http', type: 'ServiceMonitor' } },
      path: 'spec.monitoring.type',
    },
    {
      name: 'Istio mtls with annotations',
      spec: { mesh: { provider: 'istio' }, monitoring: { port: 'http', istio: 'mtls', type: 'Annotations' } },
      path: 'spec.monitoring.type',
    },
    {
      name: 'a bad duration',
      spec: { monitoring: { port: 'http', interval: '30 seconds' } },
      path: 'spec.monitoring.interval',
    },
    {
      name: 'prometheus.io annotations of the user beside spec.monitoring',
      spec: { podAnnotations: { 'prometheus.io/port': '1' }, monitoring: { port: 'http' } },
      path: 'spec.podAnnotations.prometheus.io/port',
    },
  ];
  it.each(invalid)('rejects $name at $path', ({ spec, path }) => {
    const result = parseMicroService(microService(withSpec(spec as Json)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });

  it('without spec.monitoring, prometheus.io annotations stay the user’s', () => {
    expect(parseMicroService(microService(withSpec({ podAnnotations: { 'prometheus.io/scrape': 'true' } }))).ok).toBe(
      true,
    );
  });
});
