import { describe, expect, it } from 'vitest';
import type { MicroServiceSpec } from '../api/index.ts';
import { parseSpec } from '../api/index.ts';
import { labels, microService, NAME, NAMESPACE, withPorts, withSpec } from '../test/support/fixtures.ts';
import { renderGrpcRoute, renderHttpRoute, renderIngress } from './routes.ts';
import { DEFAULT_RENDER_CONFIG, type RenderedObject } from './types.ts';

type Routes = NonNullable<MicroServiceSpec['routes']>;
type Json = Record<string, unknown>;

const HTTP_AND_GRPC = withPorts(
  { name: 'http', port: 8080 },
  { name: 'grpc', port: 9090, protocol: 'GRPC' },
  { name: 'admin', port: 8081, protocol: 'HTTP2' },
);
const withRoutes = (routes: Routes) => withSpec({ routes });
const gateway = [{ name: 'public', namespace: 'infra' }];

const route = (kind: string, apiVersion: string, spec: Json): RenderedObject => ({
  apiVersion,
  kind,
  metadata: { name: NAME, namespace: NAMESPACE, labels: labels() },
  spec,
});
const httpRoute = (spec: Json) => route('HTTPRoute', 'gateway.networking.k8s.io/v1', spec);
const grpcRoute = (spec: Json) => route('GRPCRoute', 'gateway.networking.k8s.io/v1', spec);
const ingress = (spec: Json) => route('Ingress', 'networking.k8s.io/v1', spec);
const backend = (port: number) => [{ name: NAME, port }];
const ingressBackend = (port: string) => ({ service: { name: NAME, port: { name: port } } });

describe('renderHttpRoute', () => {
  const cases = [
    { name: 'no routes: none', input: microService(), want: undefined },
    {
      name: 'http rules without parentRefs (ingress only): none',
      input: microService(withRoutes({ ingress: {}, http: [{ port: 'http' }] })),
      want: undefined,
    },
    {
      name: 'grpc rules only: none',
      input: microService(HTTP_AND_GRPC, withRoutes({ parentRefs: gateway, grpc: [{ port: 'grpc' }] })),
      want: undefined,
    },
    {
      name: 'one rule without matches: every request to the port number',
      input: microService(withRoutes({ parentRefs: gateway, http: [{ port: 'http' }] })),
      want: httpRoute({
        parentRefs: [{ namespace: 'infra', name: 'public' }],
        rules: [{ backendRefs: backend(8080) }],
      }),
    },
    {
      name: 'parentRef fields in Gateway API order, hostnames, path/method/header matches, timeouts',
      input: microService(
        HTTP_AND_GRPC,
        withRoutes({
          parentRefs: [
            { port: 443, sectionName: 'https', name: 'public', namespace: 'infra', kind: 'Gateway' },
            { group: '', kind: 'Service', name: 'order' },
          ],
          hostnames: ['shop.example.com', '*.shop.example.com'],
          http: [
            {
              port: 'http',
              matches: [
                { path: { value: '/orders' }, method: 'GET' },
                { path: { type: 'Exact', value: '/orders/export' }, headers: [{ name: 'x-tenant', value: 'a' }] },
                { headers: [{ type: 'RegularExpression', name: 'x-canary', value: '^on$' }] },
              ],
              timeouts: { request: '10s', backendRequest: '2s' },
            },
            { port: 'admin', matches: [{ path: { type: 'RegularExpression', value: '/admin/[a-z]+' } }] },
          ],
        }),
      ),
      want: httpRoute({
        parentRefs: [
          { kind: 'Gateway', namespace: 'infra', name: 'public', sectionName: 'https', port: 443 },
          { group: '', kind: 'Service', name: 'order' },
        ],
        hostnames: ['shop.example.com', '*.shop.example.com'],
        rules: [
          {
            matches: [
              { path: { type: 'PathPrefix', value: '/orders' }, method: 'GET' },
              {
                path: { type: 'Exact', value: '/orders/export' },
                headers: [{ type: 'Exact', name: 'x-tenant', value: 'a' }],
              },
              { headers: [{ type: 'RegularExpression', name: 'x-canary', value: '^on$' }] },
            ],
            timeouts: { request: '10s', backendRequest: '2s' },
            backendRefs: backend(8080),
          },
          {
            matches: [{ path: { type: 'RegularExpression', value: '/admin/[a-z]+' } }],
            backendRefs: backend(8081),
          },
        ],
      }),
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderHttpRoute(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});

describe('renderGrpcRoute', () => {
  const cases = [
    {
      name: 'http rules only: none',
      input: microService(withRoutes({ parentRefs: gateway, http: [{ port: 'http' }] })),
      want: undefined,
    },
    {
      name: 'grpc rules: Exact method matches, metadata headers, the GRPC port number',
      input: microService(
        HTTP_AND_GRPC,
        withRoutes({
          parentRefs: gateway,
          hostnames: ['grpc.example.com'],
          grpc: [
            {
              port: 'grpc',
              matches: [
                { method: { service: 'shop.v1.Orders', method: 'Get' } },
                { method: { service: 'grpc.health.v1.Health' }, headers: [{ name: 'x-tenant', value: 'a' }] },
              ],
            },
            { port: 'grpc' },
          ],
        }),
      ),
      want: grpcRoute({
        parentRefs: [{ namespace: 'infra', name: 'public' }],
        hostnames: ['grpc.example.com'],
        rules: [
          {
            matches: [
              { method: { type: 'Exact', service: 'shop.v1.Orders', method: 'Get' } },
              {
                method: { type: 'Exact', service: 'grpc.health.v1.Health' },
                headers: [{ type: 'Exact', name: 'x-tenant', value: 'a' }],
              },
            ],
            backendRefs: backend(9090),
          },
          { backendRefs: backend(9090) },
        ],
      }),
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderGrpcRoute(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});

describe('renderIngress', () => {
  const cases = [
    {
      name: 'Gateway API only: none',
      input: microService(withRoutes({ parentRefs: gateway, http: [{ port: 'http' }] })),
      want: undefined,
    },
    {
      name: 'no hostnames, no matches: one host-less rule for / (Prefix) to the port by name',
      input: microService(withRoutes({ ingress: {}, http: [{ port: 'http' }] })),
      want: ingress({
        rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: ingressBackend('http') }] } }],
      }),
    },
    {
      name: 'class, TLS (hosts default to hostnames), one rule per hostname, Exact and Prefix paths',
      input: microService(
        HTTP_AND_GRPC,
        withRoutes({
          parentRefs: gateway,
          hostnames: ['shop.example.com', 'www.example.com'],
          http: [
            { port: 'http', matches: [{ path: { value: '/orders' } }, { path: { type: 'Exact', value: '/ping' } }] },
            { port: 'admin', matches: [{ path: { value: '/admin' } }] },
          ],
          ingress: {
            className: 'nginx',
            tls: [{ secretName: 'shop-tls' }, { hosts: ['www.example.com'], secretName: 'www-tls' }],
          },
        }),
      ),
      want: (() => {
        const paths = [
          { path: '/orders', pathType: 'Prefix', backend: ingressBackend('http') },
          { path: '/ping', pathType: 'Exact', backend: ingressBackend('http') },
          { path: '/admin', pathType: 'Prefix', backend: ingressBackend('admin') },
        ];
        return ingress({
          ingressClassName: 'nginx',
          tls: [
            { hosts: ['shop.example.com', 'www.example.com'], secretName: 'shop-tls' },
            { hosts: ['www.example.com'], secretName: 'www-tls' },
          ],
          rules: [
            { host: 'shop.example.com', http: { paths } },
            { host: 'www.example.com', http: { paths } },
          ],
        });
      })(),
    },
    {
      name: 'TLS without hosts or hostnames: the secret only',
      input: microService(withRoutes({ ingress: { tls: [{ secretName: 'tls' }] }, http: [{ port: 'http' }] })),
      want: ingress({
        tls: [{ secretName: 'tls' }],
        rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: ingressBackend('http') }] } }],
      }),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderIngress(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want));

  it('never shares path objects between the rules of two hosts', () => {
    const ms = microService(
      withRoutes({ hostnames: ['a.example.com', 'b.example.com'], ingress: {}, http: [{ port: 'http' }] }),
    );
    const rules =
      (renderIngress(ms, DEFAULT_RENDER_CONFIG)?.['spec'] as { rules: { http: unknown }[] } | undefined)?.rules ?? [];
    expect(rules).toHaveLength(2);
    expect(rules[0]?.http).not.toBe(rules[1]?.http);
  });
});

describe('spec.routes validation', () => {
  const base: MicroServiceSpec = { image: 'registry.example.com/a:1', ports: [{ name: 'http', port: 8080 }] };
  const cases: { name: string; routes: unknown; path: string }[] = [
    {
      name: 'a port not in spec.ports',
      routes: { parentRefs: gateway, http: [{ port: 'web' }] },
      path: 'spec.routes.http[0].port',
    },
    {
      name: 'a grpc rule on an HTTP port',
      routes: { parentRefs: gateway, grpc: [{ port: 'http' }] },
      path: 'spec.routes.grpc[0].port',
    },
    { name: 'no rules', routes: { parentRefs: gateway }, path: 'spec.routes' },
    { name: 'nowhere to attach', routes: { http: [{ port: 'http' }] }, path: 'spec.routes.parentRefs' },
    {
      name: 'a relative path',
      routes: { parentRefs: gateway, http: [{ port: 'http', matches: [{ path: { value: 'orders' } }] }] },
      path: 'spec.routes.http[0].matches[0].path.value',
    },
    {
      name: "'//' in a prefix",
      routes: { parentRefs: gateway, http: [{ port: 'http', matches: [{ path: { value: '/a//b' } }] }] },
      path: 'spec.routes.http[0].matches[0].path.value',
    },
    {
      name: 'backendRequest above request',
      routes: { parentRefs: gateway, http: [{ port: 'http', timeouts: { request: '1s', backendRequest: '1m' } }] },
      path: 'spec.routes.http[0].timeouts.backendRequest',
    },
    {
      name: 'a duration with a space',
      routes: { parentRefs: gateway, http: [{ port: 'http', timeouts: { request: '10 s' } }] },
      path: 'spec.routes.http[0].timeouts.request',
    },
    {
      name: 'an upper-case hostname',
      routes: { parentRefs: gateway, hostnames: ['Shop.example.com'], http: [{ port: 'http' }] },
      path: 'spec.routes.hostnames[0]',
    },
    {
      name: 'a method match under ingress',
      routes: { ingress: {}, http: [{ port: 'http', matches: [{ method: 'POST' }] }] },
      path: 'spec.routes.http[0].matches[0]',
    },
    {
      name: 'an empty gRPC method match',
      routes: {
        parentRefs: gateway,
        grpc: [{ port: 'http', matches: [{ method: {} }] }],
      },
      path: 'spec.routes.grpc[0].matches[0].method',
    },
  ];
  it.each(cases)('rejects $name at $path', ({ routes, path }) => {
    const result = parseSpec({ ...base, routes });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });

  it('accepts 0s request timeouts (no timeout) with any backendRequest', () => {
    expect(
      parseSpec({
        ...base,
        routes: { parentRefs: gateway, http: [{ port: 'http', timeouts: { request: '0s', backendRequest: '1h' } }] },
      }).ok,
    ).toBe(true);
  });
});
