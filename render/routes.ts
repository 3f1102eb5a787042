// Routes into the service (spec.routes): a Gateway API HTTPRoute and GRPCRoute
// (gateway.networking.k8s.io/v1, https://gateway-api.sigs.k8s.io/reference/spec/) and an optional
// Ingress (networking.k8s.io/v1). Every backend is the rendered Service, at the port number of the
// named spec.ports entry: Gateway API backendRefs take numbers, an Ingress takes the name.
// Only what the user gave is rendered; the API server fills Gateway API's own defaults.
import { copyData, DEFAULTS, type HttpRouteRule, type MicroService, type ParentRef } from '../api/index.ts';
import { commonLabels } from './labels.ts';
import { names } from './names.ts';
import type { RenderConfig, RenderedObject } from './types.ts';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

function metadata(ms: MicroService, cfg: RenderConfig, name: string): RenderedObject['metadata'] {
  return {
    name,
    ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
    labels: commonLabels(ms, cfg),
  };
}

function portNumber(ms: MicroService, name: string): number {
  const port = (ms.spec.ports ?? []).find((p) => p.name === name);
  // api/spec/routes.ts (routes-ports) guarantees the port exists in a validated spec.
  if (!port) throw new Error(`MicroService ${ms.metadata.name}: spec.routes names port "${name}", not in spec.ports`);
  return port.port;
}

/** Keys in Gateway API's order; optional fields only when given. */
function parentRef(ref: ParentRef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['group', 'kind', 'namespace', 'name', 'sectionName', 'port'] as const) {
    if (ref[key] !== undefined) out[key] = ref[key];
  }
  return out;
}

function headers(list: readonly { type?: string; name: string; value: string }[] | undefined) {
  return list?.map((h) => ({ type: h.type ?? DEFAULTS.routes.headerMatchType, name: h.name, value: h.value }));
}

function routeSpec(ms: MicroService, rules: Record<string, unknown>[]): Record<string, unknown> {
  const routes = ms.spec.routes ?? {};
  return {
    parentRefs: (routes.parentRefs ?? []).map(parentRef),
    ...(routes.hostnames?.length ? { hostnames: [...routes.hostnames] } : {}),
    rules,
  };
}

function backendRefs(ms: MicroService, port: string) {
  return [{ name: names.service(ms.metadata.name), port: portNumber(ms, port) }];
}

/** The HTTPRoute: one rule per spec.routes.http entry, when there is a Gateway to attach to. */
export function renderHttpRoute(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  const routes = ms.spec.routes;
  if (!routes?.parentRefs?.length || !routes.http?.length) return undefined;
  const rules = routes.http.map((rule) => {
    const out: Record<string, unknown> = {};
    if (rule.matches?.length)
      out['matches'] = rule.matches.map((m) => {
        const match: Record<string, unknown> = {};
        if (m.path) match['path'] = { type: m.path.type ?? DEFAULTS.routes.pathType, value: m.path.value };
        if (m.headers?.length) match['headers'] = headers(m.headers);
        if (m.method) match['method'] = m.method;
        return match;
      });
    if (rule.timeouts && Object.keys(rule.timeouts).length > 0) out['timeouts'] = { ...rule.timeouts };
    out['backendRefs'] = backendRefs(ms, rule.port);
    return out;
  });
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: metadata(ms, cfg, names.httpRoute(ms.metadata.name)),
    spec: routeSpec(ms, rules),
  };
}

/** The GRPCRoute: one rule per spec.routes.grpc entry, when there is a Gateway to attach to. */
export function renderGrpcRoute(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  const routes = ms.spec.routes;
  if (!routes?.parentRefs?.length || !routes.grpc?.length) return undefined;
  const rules = routes.grpc.map((rule) => {
    const out: Record<string, unknown> = {};
    if (rule.matches?.length)
      out['matches'] = rule.matches.map((m) => {
        const match: Record<string, unknown> = {};
        if (m.method)
          match['method'] = {
            type: 'Exact',
            ...(m.method.service !== undefined ? { service: m.method.service } : {}),
            ...(m.method.method !== undefined ? { method: m.method.method } : {}),
          };
        if (m.headers?.length) match['headers'] = headers(m.headers);
        return match;
      });
    out['backendRefs'] = backendRefs(ms, rule.port);
    return out;
  });
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'GRPCRoute',
    metadata: metadata(ms, cfg, names.grpcRoute(ms.metadata.name)),
    spec: routeSpec(ms, rules),
  };
}

/** Gateway API path match → Ingress path (the schema admits only Exact and PathPrefix with an Ingress). */
function ingressPaths(ms: MicroService, rule: HttpRouteRule) {
  const backend = { service: { name: names.service(ms.metadata.name), port: { name: rule.port } } };
  const matches = rule.matches?.length ? rule.matches : [{}];
  return matches.map((m) => {
    const type = m.path?.type ?? DEFAULTS.routes.pathType;
    return {
      path: m.path?.value ?? DEFAULTS.routes.path,
      pathType: type === 'Exact' ? 'Exact' : 'Prefix',
      backend,
    };
  });
}

/** The Ingress, from the http rules, when spec.routes.ingress is set. */
export function renderIngress(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  const routes = ms.spec.routes;
  if (!routes?.ingress || !routes.http?.length) return undefined;
  const paths = routes.http.flatMap((rule) => ingressPaths(ms, rule));
  const hosts = routes.hostnames?.length ? routes.hostnames : [undefined];
  const spec: Record<string, unknown> = {};
  if (routes.ingress.className) spec['ingressClassName'] = routes.ingress.className;
  if (routes.ingress.tls?.length)
    spec['tls'] = routes.ingress.tls.map((t) => {
      const tlsHosts = t.hosts ?? routes.hostnames ?? [];
      return { ...(tlsHosts.length ? { hosts: [...tlsHosts] } : {}), secretName: t.secretName };
    });
  spec['rules'] = hosts.map((host) => ({
    ...(host !== undefined ? { host } : {}),
    http: { paths: copyData(paths) },
  }));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(ms, cfg, names.ingress(ms.metadata.name)),
    spec,
  };
}
