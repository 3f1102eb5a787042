import { describe, expect, it } from 'vitest';
import { parseSpec } from '../api/index.ts';
import {
  labels,
  microService,
  NAME,
  NAMESPACE,
  SELECTOR,
  withMesh,
  withoutNamespace,
  withPorts,
  withProbes,
  withSpec,
} from '../test/support/fixtures.ts';
import {
  policyNamespaceGuesses,
  renderIstioAuthorizationPolicy,
  renderLinkerdPolicy,
  renderNetworkPolicy,
} from './policy.ts';
import { DEFAULT_RENDER_CONFIG, type RenderedObject } from './types.ts';

type Json = Record<string, unknown>;
type Callers = NonNullable<Parameters<typeof withSpec>[0]['allowedCallers']>;
const withCallers = (allowedCallers: Callers) => withSpec({ allowedCallers });
const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const app = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } });
const tcp = (port: number) => ({ protocol: 'TCP', port });

const networkPolicy = (ingress: Json[], namespace: string | null = NAMESPACE): RenderedObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: NAME, ...(namespace ? { namespace } : {}), labels: labels() },
  // Egress stated and open to everywhere (kube-score counts a pod only with a policy of each type).
  spec: { podSelector: { matchLabels: { ...SELECTOR } }, policyTypes: ['Ingress', 'Egress'], ingress, egress: [{}] },
});
const authorizationPolicy = (spec: Json): RenderedObject => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: { name: NAME, namespace: NAMESPACE, labels: labels() },
  spec: { selector: { matchLabels: { ...SELECTOR } }, action: 'ALLOW', ...spec },
});

describe('renderNetworkPolicy', () => {
  const cases = [
    { name: 'no allowedCallers: none (open)', input: microService(), want: undefined },
    {
      name: 'a namespace, a MicroService here and there, a ServiceAccount (its namespace): ingress on the declared ports only',
      input: microService(
        withPorts({ name: 'http', port: 8080 }, { name: 'stats', port: 9125, protocol: 'UDP' }),
        withCallers([
          { namespace: 'web' },
          { microService: 'storefront' },
          { microService: 'billing', namespace: 'finance' },
          { serviceAccount: 'reporter', namespace: 'analytics' },
          { serviceAccount: 'cron' },
        ]),
      ),
      want: networkPolicy([
        {
          from: [
            ns('web'),
            app('storefront'),
            { ...ns('finance'), ...app('billing') },
            ns('analytics'),
            { podSelector: {} },
          ],
          ports: [tcp(8080), { protocol: 'UDP', port: 9125 }],
        },
      ]),
    },
    {
      name: 'the Gateways of routes.parentRefs are callers too (their namespace, or ours); a Service parent is not',
      input: microService(
        withCallers([{ namespace: 'infra' }]),
        withSpec({
          routes: {
            parentRefs: [
              { namespace: 'infra', name: 'shop' },
              { name: 'internal' },
              { group: '', kind: 'Service', name: NAME },
            ],
            http: [{ port: 'http' }],
          },
        }),
      ),
      want: networkPolicy([{ from: [ns('infra'), ns(NAMESPACE)], ports: [tcp(8080)] }]),
    },
    {
      name: 'an empty list: nothing admitted',
      input: microService(withCallers([])),
      want: networkPolicy([]),
    },
    {
      name: 'istio sidecar: HBONE 15008 for the callers, 15020 and 15021 from anywhere',
      input: microService(withMesh({ provider: 'istio' }), withCallers([{ namespace: 'web' }])),
      want: networkPolicy([{ from: [ns('web')], ports: [tcp(8080), tcp(15008)] }, { ports: [tcp(15020), tcp(15021)] }]),
    },
    {
      name: "istio ambient: also the probe source ambient rewrites the kubelet's probes to",
      input: microService(withMesh({ provider: 'istio', mode: 'ambient' }), withCallers([{ namespace: 'web' }])),
      want: networkPolicy([
        { from: [ns('web')], ports: [tcp(8080), tcp(15008)] },
        { ports: [tcp(15020), tcp(15021)] },
        { from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] },
      ]),
    },
    {
      name: 'linkerd: proxy inbound 4143 for the callers, admin 4191 from anywhere',
      input: microService(withMesh({ provider: 'linkerd' }), withCallers([{ namespace: 'web' }])),
      want: networkPolicy([{ from: [ns('web')], ports: [tcp(8080), tcp(4143)] }, { ports: [tcp(4191)] }]),
    },
    {
      name: 'no namespace on the MicroService: none on the policy, a Gateway without one is in the same namespace',
      input: microService(
        withoutNamespace,
        withCallers([]),
        withSpec({ routes: { parentRefs: [{ name: 'shop' }], http: [{ port: 'http' }] } }),
      ),
      want: networkPolicy([{ from: [{ podSelector: {} }], ports: [tcp(8080)] }], null),
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderNetworkPolicy(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});

describe('renderIstioAuthorizationPolicy', () => {
  const istio = withMesh({ provider: 'istio' });
  const cases = [
    { name: 'no mesh: none', input: microService(withCallers([{ namespace: 'web' }])), want: undefined },
    {
      name: 'linkerd: none',
      input: microService(withMesh({ provider: 'linkerd' }), withCallers([{ namespace: 'web' }])),
      want: undefined,
    },
    { name: 'istio without allowedCallers: none', input: microService(istio), want: undefined },
    {
      name: 'namespaces and principals (ServiceAccounts, MicroServices by their default account) on the declared ports',
      input: microService(
        istio,
        withPorts({ name: 'http', port: 8080 }, { name: 'grpc', port: 9090, protocol: 'GRPC' }),
        withCallers([
          { namespace: 'web' },
          { microService: 'storefront' },
          { serviceAccount: 'reporter', namespace: 'analytics' },
        ]),
        withSpec({ routes: { parentRefs: [{ namespace: 'infra', name: 'shop' }], http: [{ port: 'http' }] } }),
      ),
      want: authorizationPolicy({
        rules: [
          {
            from: [
              { source: { namespaces: ['web', 'infra'] } },
              {
                source: {
                  principals: ['cluster.local/ns/shop/sa/storefront', 'cluster.local/ns/analytics/sa/reporter'],
                },
              },
            ],
            to: [{ operation: { ports: ['8080', '9090'] } }],
          },
        ],
      }),
    },
    {
      name: 'ambient: the same L4 policy (ztunnel enforces it without a waypoint)',
      input: microService(withMesh({ provider: 'istio', mode: 'ambient' }), withCallers([{ namespace: 'web' }])),
      want: authorizationPolicy({
        rules: [{ from: [{ source: { namespaces: ['web'] } }], to: [{ operation: { ports: ['8080'] } }] }],
      }),
    },
    {
      name: 'an empty list: an ALLOW policy without rules, which allows nothing',
      input: microService(istio, withCallers([])),
      want: authorizationPolicy({}),
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderIstioAuthorizationPolicy(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});

describe('renderLinkerdPolicy', () => {
  const linkerd = withMesh({ provider: 'linkerd' });
  const meta = (name: string, namespace: string | null = NAMESPACE) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels: labels(),
  });
  const server = (port: string, number: number, proxyProtocol?: string, namespace: string | null = NAMESPACE) => ({
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'Server',
    metadata: meta(`${NAME}-${port}`, namespace),
    spec: {
      podSelector: { matchLabels: { ...SELECTOR } },
      port: number,
      ...(proxyProtocol ? { proxyProtocol } : {}),
      accessPolicy: 'deny',
    },
  });
  const authentication = (identityRefs: Json[], namespace: string | null = NAMESPACE) => ({
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'MeshTLSAuthentication',
    metadata: meta(NAME, namespace),
    spec: { identityRefs },
  });
  const policy = (port: string, namespace: string | null = NAMESPACE) => ({
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: meta(`${NAME}-${port}`, namespace),
    spec: {
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: `${NAME}-${port}` },
      requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: NAME }],
    },
  });
  const cases = [
    { name: 'no mesh: none', input: microService(withCallers([{ namespace: 'web' }])), want: [] },
    {
      name: 'istio: none',
      input: microService(withMesh({ provider: 'istio' }), withCallers([{ namespace: 'web' }])),
      want: [],
    },
    { name: 'linkerd without allowedCallers: none (open)', input: microService(linkerd), want: [] },
    {
      name: 'a Server per TCP port (not UDP, which Linkerd does not proxy), a MeshTLSAuthentication of the callers, an AuthorizationPolicy per Server',
      input: microService(
        linkerd,
        withPorts(
          { name: 'http', port: 8080 },
          { name: 'h2', port: 8443, protocol: 'HTTP2' },
          { name: 'redis', port: 6379, protocol: 'TCP' },
          { name: 'stats', port: 9125, protocol: 'UDP' },
        ),
        withCallers([
          { namespace: 'web' },
          { microService: 'storefront' },
          { microService: 'billing', namespace: 'finance' },
          { serviceAccount: 'reporter', namespace: 'analytics' },
        ]),
        withSpec({ routes: { parentRefs: [{ namespace: 'infra', name: 'shop' }], http: [{ port: 'http' }] } }),
      ),
      want: [
        server('http', 8080, 'HTTP/1'),
        server('h2', 8443, 'HTTP/2'),
        server('redis', 6379),
        authentication([
          { kind: 'Namespace', name: 'web' },
          { kind: 'ServiceAccount', name: 'storefront' },
          { kind: 'ServiceAccount', name: 'billing', namespace: 'finance' },
          { kind: 'ServiceAccount', name: 'reporter', namespace: 'analytics' },
          { kind: 'Namespace', name: 'infra' },
        ]),
        policy('http'),
        policy('h2'),
        policy('redis'),
      ],
    },
    {
      name: 'an empty list: the Servers alone, which deny everything but the kubelet httpGet probes',
      input: microService(linkerd, withCallers([])),
      want: [server('http', 8080, 'HTTP/1')],
    },
    {
      name: 'a GRPC port with the derived grpc probe gets no Server (Linkerd authorizes only httpGet probes); the HTTP port does',
      input: microService(
        linkerd,
        withPorts({ name: 'grpc', port: 9090, protocol: 'GRPC' }, { name: 'http', port: 8080 }),
        withCallers([{ namespace: 'web' }]),
      ),
      want: [server('http', 8080, 'HTTP/1'), authentication([{ kind: 'Namespace', name: 'web' }]), policy('http')],
    },
    {
      name: 'a GRPC port with an httpGet probe elsewhere is covered, a TCP port a tcpSocket probe checks (by name) is not',
      input: microService(
        linkerd,
        withPorts(
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
          { name: 'admin', port: 8081 },
          { name: 'db', port: 5432, protocol: 'TCP' },
        ),
        withProbes({
          liveness: { httpGet: { path: '/healthz', port: 'admin' } },
          readiness: { tcpSocket: { port: 'db' } },
          startup: { disabled: true },
        }),
        withCallers([{ microService: 'web' }]),
      ),
      want: [
        server('grpc', 9090, 'gRPC'),
        server('admin', 8081, 'HTTP/1'),
        authentication([{ kind: 'ServiceAccount', name: 'web' }]),
        policy('grpc'),
        policy('admin'),
      ],
    },
    {
      name: 'no namespace on the MicroService: none on the objects; a Gateway in this namespace is the default one',
      input: microService(
        linkerd,
        withoutNamespace,
        withCallers([{ serviceAccount: 'cron' }]),
        withSpec({ routes: { parentRefs: [{ name: 'shop' }], http: [{ port: 'http' }] } }),
      ),
      want: [
        server('http', 8080, 'HTTP/1', null),
        authentication(
          [
            { kind: 'ServiceAccount', name: 'cron' },
            { kind: 'Namespace', name: 'default' },
          ],
          null,
        ),
        policy('http', null),
      ],
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderLinkerdPolicy(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});

describe('spec.allowedCallers validation', () => {
  const base = { image: 'registry.example.com/a:1', ports: [{ name: 'http', port: 8080 }] };
  const cases = [
    { name: 'an empty entry', spec: { ...base, allowedCallers: [{}] }, path: 'spec.allowedCallers[0]' },
    {
      name: 'a ServiceAccount and a MicroService in one entry',
      spec: { ...base, allowedCallers: [{ serviceAccount: 'a', microService: 'b' }] },
      path: 'spec.allowedCallers[0]',
    },
    {
      name: 'no ports',
      spec: { image: base.image, allowedCallers: [{ namespace: 'web' }] },
      path: 'spec.allowedCallers',
    },
    {
      name: 'a bad namespace',
      spec: { ...base, allowedCallers: [{ namespace: 'Web' }] },
      path: 'spec.allowedCallers[0].namespace',
    },
  ];
  it.each(cases)('rejects $name at $path', ({ spec, path }) => {
    const result = parseSpec(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });
});

describe('a MicroService without metadata.namespace', () => {
  const istio = withMesh({ provider: 'istio' });
  const callers = withCallers([{ microService: 'storefront' }, { namespace: 'web' }]);
  const gateway = withSpec({ routes: { parentRefs: [{ name: 'shop' }], http: [{ port: 'http' }] } });

  it.each([
    [
      'istio: callers without a namespace, and Gateways without one',
      [istio, callers, gateway],
      ['spec.allowedCallers[0]', 'spec.routes.parentRefs[0]'],
    ],
    [
      'istio: every caller names its namespace',
      [istio, withCallers([{ microService: 'storefront', namespace: 'web' }])],
      [],
    ],
    [
      'linkerd: only a Gateway (a ServiceAccount reference without namespace is the policy’s own)',
      [withMesh({ provider: 'linkerd' }), callers, gateway],
      ['spec.routes.parentRefs[0]'],
    ],
    ['no mesh: the NetworkPolicy needs none', [callers, gateway], []],
  ] as const)('%s', (_, options, want) => {
    expect(policyNamespaceGuesses(microService(withoutNamespace, ...options))).toStrictEqual(want);
    // With a namespace, nothing is guessed.
    expect(policyNamespaceGuesses(microService(...options))).toStrictEqual([]);
  });

  it('names RenderConfig.defaultNamespace (where kubectl applies it), else default, in the Istio and Linkerd policies', () => {
    const ms = microService(withoutNamespace, istio, callers, gateway);
    const principals = (cfg: typeof DEFAULT_RENDER_CONFIG) =>
      JSON.stringify(renderIstioAuthorizationPolicy(ms, cfg)?.spec);
    expect(principals(DEFAULT_RENDER_CONFIG)).toContain('cluster.local/ns/default/sa/storefront');
    const inShop = principals({ ...DEFAULT_RENDER_CONFIG, defaultNamespace: 'shop' });
    expect(inShop).toContain('cluster.local/ns/shop/sa/storefront');
    expect(inShop).toContain('"namespaces":["web","shop"]');
    const linkerd = microService(withoutNamespace, withMesh({ provider: 'linkerd' }), callers, gateway);
    const auth = renderLinkerdPolicy(linkerd, { ...DEFAULT_RENDER_CONFIG, defaultNamespace: 'shop' }).find(
      (o) => o.kind === 'MeshTLSAuthentication',
    );
    expect(JSON.stringify(auth?.spec)).toContain('{"kind":"Namespace","name":"shop"}');
    // The objects themselves keep no namespace: kubectl places them.
    expect(
      renderIstioAuthorizationPolicy(ms, { ...DEFAULT_RENDER_CONFIG, defaultNamespace: 'shop' })?.metadata,
    ).not.toHaveProperty('namespace');
  });
});
