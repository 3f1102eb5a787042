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
  withSpec,
} from '../test/support/fixtures.ts';
import { renderIstioAuthorizationPolicy, renderNetworkPolicy } from './policy.ts';
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
  spec: { podSelector: { matchLabels: { ...SELECTOR } }, policyTypes: ['Ingress'], ingress },
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
