// The CRD's half of every rule, proven by the real API server: each cross-field rule's failing
// examples are rejected by its CEL twin (not only by zod), valid specs are accepted, and what the
// renderer makes of valid specs is accepted too (server-side dry run, so nothing is persisted).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { render } from '../render/index.ts';
import { strictDryRun } from '../test/e2e/dry-run.ts';
import { installCrd, installVendoredCrds } from '../test/e2e/kube.ts';
import { createTestNamespace } from '../test/e2e/namespace.ts';
import { e2eKubeconfigPath as kubeconfig } from '../test/support/operator.ts';
import { repoRoot } from '../tools/bin.ts';
import { type MicroServiceSpec, SPEC_RULES } from './spec/index.ts';
import { parseMicroService, parseSpec } from './validate.ts';

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  await installCrd(kubeconfig());
  // The third-party kinds the renderer emits (ServiceMonitor, …) are checked against their real CRDs.
  await installVendoredCrds(kubeconfig());
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'crd'));
});
afterAll(async () => {
  await cleanup?.();
});

const base: MicroServiceSpec = {
  image: 'registry.example.com/shop/order:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
};

const dryRun = (objects: unknown[]) => strictDryRun(kubeconfig(), namespace, objects, 'crd-e2e');

const microService = (name: string, spec: unknown) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name, namespace: '' as string | undefined },
  spec,
});

describe('CEL twins of the cross-field rules', () => {
  const cases = SPEC_RULES.flatMap((rule) =>
    rule.invalidExamples.map((example, i) => ({ name: `${rule.id} #${i}`, rule, spec: { ...base, ...example } })),
  );
  it.each(cases)('$name is rejected by the API server too', async ({ rule, spec }) => {
    expect(parseSpec(spec).ok, 'zod rejects it').toBe(false);
    const { code, stderr } = await dryRun([
      { ...microService('rule-check', spec), metadata: { name: 'rule-check', namespace } },
    ]);
    expect(code, `API server accepted an invalid spec for ${rule.id}`).not.toBe(0);
    // The rejection comes from this rule's CEL message, not some other check.
    expect(
      rule.cel.some((c) => stderr.includes(c.message)),
      stderr,
    ).toBe(true);
  });
});

describe('what the API server accepts', () => {
  const examplesDir = join(repoRoot, 'examples');
  const examples = readdirSync(examplesDir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(examplesDir, f), 'utf8')).map((d) => ({
        file: f,
        doc: d.toJS() as Record<string, unknown>,
      })),
    );

  it.each(examples)('$file is accepted, and so is everything it renders', async ({ doc }) => {
    const withNs = { ...doc, metadata: { ...(doc['metadata'] as object), namespace } };
    const parsed = parseMicroService(withNs);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const resource = await dryRun([withNs]);
    expect(resource.code, resource.stderr).toBe(0);
    const children = await dryRun(render(parsed.value).objects);
    expect(children.code, children.stderr).toBe(0);
  });

  it('accepts a spec using every field, and its rendered objects', async () => {
    const spec: MicroServiceSpec = {
      image: 'registry.example.com/shop/order:1.4.2',
      imagePullPolicy: 'IfNotPresent',
      command: ['/order'],
      args: ['--verbose'],
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 10,
        targetCPUUtilizationPercent: 70,
        targetMemoryUtilizationPercent: 80,
        metrics: [
          {
            type: 'Pods',
            pods: {
              metric: { name: 'http_requests_per_second', selector: { matchLabels: { route: 'checkout' } } },
              target: { type: 'AverageValue', averageValue: '100' },
            },
          },
          {
            type: 'Object',
            object: {
              describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' },
              metric: { name: 'requests-per-second' },
              target: { type: 'Value', value: '2k' },
            },
          },
          {
            type: 'External',
            external: {
              metric: {
                name: 'queue_messages_ready',
                selector: { matchExpressions: [{ key: 'queue', operator: 'In', values: ['orders'] }] },
              },
              target: { type: 'AverageValue', averageValue: 30 },
            },
          },
        ],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
          scaleDown: {
            stabilizationWindowSeconds: 600,
            selectPolicy: 'Min',
            policies: [
              { type: 'Pods', value: 1, periodSeconds: 120 },
              { type: 'Percent', value: 10, periodSeconds: 60 },
            ],
          },
        },
      },
      ports: [
        { name: 'http', port: 8080, protocol: 'HTTP' },
        { name: 'grpc', port: 9090, protocol: 'GRPC' },
        { name: 'stats', port: 9125, protocol: 'UDP' },
      ],
      resources: {
        requests: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
        limits: { cpu: 2, memory: '1Gi', 'ephemeral-storage': '2Gi' },
      },
      probes: {
        liveness: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 1 },
        readiness: { grpc: { port: 9090, service: 'order' }, successThreshold: 2 },
        startup: { tcpSocket: { port: 'http' }, failureThreshold: 60 },
      },
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'order-db', key: 'password' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: 1 } } },
      ],
      envFrom: [{ configMapRef: { name: 'order-config' }, prefix: 'CFG_' }],
      runtime: {
        go: { version: '1.25', goModVersion: '1.24', maxProcs: 'auto', memoryLimitPercent: 95, gcPercent: 'off' },
      },
      mesh: {
        provider: 'istio',
        mode: 'native-sidecar',
        revision: 'canary',
        proxy: { resources: { requests: { cpu: '50m' } } },
        holdApplicationUntilProxyStarts: false,
        excludeOutboundPorts: [5432, 6379],
        excludeInboundPorts: [9125],
      },
      shutdown: { preStopSleepSeconds: 3, timeoutSeconds: 10, gracePeriodSeconds: 25 },
      disruption: { minAvailable: '50%' },
      serviceAccount: { create: true, automountToken: true },
      service: { type: 'NodePort' },
      podLabels: { 'team.example.com/name': 'payments' },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      imagePullSecrets: [{ name: 'registry' }],
      nodeSelector: { 'pool.example.com/name': 'payments' },
      tolerations: [
        { key: 'pool.example.com/name', operator: 'Equal', value: 'payments', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      ],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
          ],
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'everything' } },
              },
            },
          ],
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          minDomains: 2,
          matchLabelKeys: ['pod-template-hash'],
          nodeAffinityPolicy: 'Honor',
          nodeTaintsPolicy: 'Ignore',
        },
      ],
      priorityClassName: 'business-critical',
      runtimeClassName: 'gvisor',
      securityContext: {
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        supplementalGroups: [20001],
        fsGroupChangePolicy: 'OnRootMismatch',
      },
      initContainers: [
        {
          name: 'migrate',
          image: 'registry.example.com/shop/order-migrate:1.4.2',
          command: ['/migrate'],
          args: ['up'],
          env: [{ name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'order-db', key: 'url' } } }],
          envFrom: [{ configMapRef: { name: 'order-config' } }],
          resources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { memory: '128Mi' } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/order', readOnly: true }],
        },
      ],
      sidecars: [
        {
          name: 'logs',
          image: 'fluent/fluent-bit:3.2',
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '64Mi' } },
          volumeMounts: [{ name: 'cache', mountPath: '/var/log/order' }],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'order-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
        { name: 'tls', secret: { secretName: 'order-tls', defaultMode: 0o440 } },
        { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'order-data', readOnly: true } },
        {
          name: 'token',
          projected: {
            sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'token' } }],
          },
        },
        { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true } },
      ],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/order/app.yaml', subPath: 'app.yaml', readOnly: true },
        { name: 'tls', mountPath: '/etc/tls', readOnly: true },
        { name: 'cache', mountPath: '/var/cache/order' },
        { name: 'data', mountPath: '/data' },
        { name: 'token', mountPath: '/var/run/secrets/vault' },
        { name: 'podinfo', mountPath: '/etc/podinfo' },
        { name: 'vault', mountPath: '/mnt/secrets' },
      ],
      allowedCallers: [
        { namespace: 'web' },
        { microService: 'storefront' },
        { microService: 'billing', namespace: 'finance' },
        { serviceAccount: 'reporter', namespace: 'analytics' },
      ],
      routes: {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            namespace: 'infra',
            name: 'shop',
            sectionName: 'https',
          },
          { namespace: 'infra', name: 'shop', sectionName: 'grpc', port: 443 },
        ],
        hostnames: ['shop.example.com', '*.shop.example.com'],
        http: [
          {
            port: 'http',
            matches: [
              { path: { type: 'PathPrefix', value: '/orders' }, method: 'GET' },
              { path: { type: 'Exact', value: '/orders/export' }, headers: [{ name: 'x-tenant', value: 'a' }] },
              { path: { type: 'RegularExpression', value: '/v[0-9]+/.*' } },
              { headers: [{ type: 'RegularExpression', name: 'x-canary', value: '^on$' }] },
            ],
            timeouts: { request: '1m30s', backendRequest: '10s' },
          },
        ],
        grpc: [
          {
            port: 'grpc',
            matches: [
              { method: { service: 'shop.v1.Orders', method: 'Get' } },
              { method: { method: 'List' }, headers: [{ name: 'x-tenant', value: 'a' }] },
            ],
          },
        ],
      },
    };
    const ms = { ...microService('everything', spec), metadata: { name: 'everything', namespace } };
    const parsed = parseMicroService(ms);
    expect(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.issues)).toBe(true);
    if (!parsed.ok) return;
    const resource = await dryRun([ms]);
    expect(resource.code, resource.stderr).toBe(0);
    const children = await dryRun(render(parsed.value).objects);
    expect(children.code, children.stderr).toBe(0);
  });

  it('rejects a selector requirement whose operator and values disagree, as zod does (field-level CEL)', async () => {
    const spec = {
      ...base,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In' }] }],
          },
        },
      },
    };
    expect(parseSpec(spec).ok).toBe(false);
    const { code, stderr } = await dryRun([{ ...microService('sel', spec), metadata: { name: 'sel', namespace } }]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('In and NotIn (and Gt, Lt) need values');
  });

  // HPA metric targets and sources: the API server's HPA validation would accept a type that names
  // one value field while another is set (the HPA then silently uses the other); the CRD's field-level
  // CEL rejects them where zod does, and the bounds of autoscaling/v2 are the structural schema's.
  const autoscalingCases = [
    {
      name: 'type AverageValue with value',
      metric: {
        type: 'External',
        external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: 1, value: 2 } },
      },
      message: 'type Value takes value, type AverageValue takes averageValue',
    },
    {
      name: 'a source the type does not name',
      metric: {
        type: 'Object',
        external: { metric: { name: 'q' }, target: { type: 'Value', value: 1 } },
      },
      message: 'set exactly the source the type names',
    },
    {
      name: 'a non-positive target',
      metric: { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '0' } } },
      message: 'value must be positive',
    },
    {
      name: "a metric name '..'",
      metric: { type: 'Pods', pods: { metric: { name: '..' }, target: { type: 'AverageValue', averageValue: 1 } } },
      message: "may not be '.' or '..'",
    },
  ];
  it.each(autoscalingCases)(
    'rejects an HPA metric with $name, as zod does (field-level CEL)',
    async ({ metric, message }) => {
      const spec = { ...base, autoscaling: { maxReplicas: 3, metrics: [metric] } };
      expect(parseSpec(spec).ok).toBe(false);
      const { code, stderr } = await dryRun([{ ...microService('hpa', spec), metadata: { name: 'hpa', namespace } }]);
      expect(code).not.toBe(0);
      expect(stderr).toContain(message);
    },
  );

  it('rejects a scaling policy period above 1800 s at its field path, as zod and the HPA API do', async () => {
    const spec = {
      ...base,
      autoscaling: {
        maxReplicas: 3,
        behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } },
      },
    };
    expect(parseSpec(spec).ok).toBe(false);
    const { code, stderr } = await dryRun([{ ...microService('hpa', spec), metadata: { name: 'hpa', namespace } }]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('spec.autoscaling.behavior.scaleDown.policies[0].periodSeconds');
  });

  it('rejects a field zod rejects, with the field path (structural schema, not only CEL)', async () => {
    const { code, stderr } = await dryRun([
      {
        ...microService('bad', { ...base, resources: { requests: { cpu: '1 core' } } }),
        metadata: { name: 'bad', namespace },
      },
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('spec.resources.requests.cpu');
  });

  // Field-level rules of spec.routes (Gateway API's own syntax rules): the CRD rejects what zod rejects.
  const routeCases = [
    {
      name: "a path with '//'",
      routes: { parentRefs: [{ name: 'gw' }], http: [{ port: 'http', matches: [{ path: { value: '/a//b' } }] }] },
      message: "must not contain '//'",
    },
    {
      name: 'a relative path',
      routes: {
        parentRefs: [{ name: 'gw' }],
        http: [{ port: 'http', matches: [{ path: { type: 'RegularExpression', value: 'a' } }] }],
      },
      message: "absolute path starting with '/'",
    },
    {
      name: 'backendRequest above request',
      routes: {
        parentRefs: [{ name: 'gw' }],
        http: [{ port: 'http', timeouts: { request: '1s', backendRequest: '1m' } }],
      },
      message: 'backendRequest must not be longer than request',
    },
    {
      name: 'an empty gRPC method match',
      routes: { parentRefs: [{ name: 'gw' }], grpc: [{ port: 'grpc', matches: [{ method: {} }] }] },
      message: 'give service, method or both',
    },
  ];
  it.each(routeCases)('rejects $name in spec.routes, as zod does', async ({ routes, message }) => {
    const spec = {
      ...base,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'grpc', port: 9090, protocol: 'GRPC' },
      ],
      routes,
    };
    expect(parseSpec(spec).ok).toBe(false);
    const { code, stderr } = await dryRun([
      { ...microService('routes', spec), metadata: { name: 'routes', namespace } },
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  });
});
