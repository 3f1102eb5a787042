// spec.routes: how traffic gets in. Gateway API HTTPRoute and GRPCRoute (gateway.networking.k8s.io/v1,
// https://gateway-api.sigs.k8s.io/reference/spec/) to the rendered Service's named ports, and an
// optional Ingress (networking.k8s.io/v1) for clusters without Gateway API. Field names and syntax
// are Gateway API's own, so a route users already have pastes in.
import { z } from 'zod';
import { DNS1123_LABEL } from '../metadata.ts';
import { dns1123, portName, portNumber } from './fields.ts';
import type { PortSpec } from './ports.ts';
import type { RuleIssue, SpecRule } from './rule.ts';

/** Gateway API `Hostname`: a DNS name, optionally with one leading `*.` label. */
export const HOSTNAME_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Gateway API `Duration` (GEP-2257): up to four number-unit pairs, e.g. `10s`, `1m30s`, `500ms`. */
export const GATEWAY_DURATION_PATTERN = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';
/** Gateway API `HTTPHeaderName` (RFC 7230 token). */
const HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
/** Gateway API `GRPCMethodMatch` service and method syntax for Exact matches. */
const GRPC_SERVICE_PATTERN = '^\\.?[A-Za-z_][A-Za-z_0-9]*(\\.[A-Za-z_][A-Za-z_0-9]*)*$';
const GRPC_METHOD_PATTERN = '^[A-Za-z_][A-Za-z_0-9]*$';
/** Kubernetes Kind and Group syntax, as Gateway API's ParentReference checks them. */
const KIND_PATTERN = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
const GROUP_PATTERN = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
export const pathMatchTypes = ['Exact', 'PathPrefix', 'RegularExpression'] as const;
export const headerMatchTypes = ['Exact', 'RegularExpression'] as const;

const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(new RegExp(HOSTNAME_PATTERN), "must be a DNS name such as shop.example.com, optionally starting with '*.'")
  .describe('A host name the route answers for (Gateway API Hostname): shop.example.com or *.example.com.');

const gatewayDuration = (description: string) =>
  z
    .string()
    .regex(new RegExp(GATEWAY_DURATION_PATTERN), 'must be a Gateway API duration such as 10s, 1m30s or 500ms')
    .describe(description);

export const parentRefSchema = z
  .strictObject({
    group: z
      .string()
      .max(253)
      .regex(new RegExp(GROUP_PATTERN), 'must be an API group such as gateway.networking.k8s.io')
      .optional()
      .describe('API group of the parent. Default gateway.networking.k8s.io; "" with kind Service for a mesh route.'),
    kind: z
      .string()
      .min(1)
      .max(63)
      .regex(new RegExp(KIND_PATTERN), 'must be a Kind such as Gateway')
      .optional()
      .describe(
        'Kind of the parent. Default Gateway; Service attaches the route to a Service for mesh traffic (GAMMA).',
      ),
    namespace: z
      .string()
      .max(63)
      .regex(new RegExp(DNS1123_LABEL), 'must be a namespace name (a DNS-1123 label)')
      .optional()
      .describe('Namespace of the parent. Default: the MicroService namespace.'),
    name: dns1123('Name of the parent (the Gateway).'),
    sectionName: dns1123('A listener of the Gateway (its name), to attach to that listener only.').optional(),
    port: portNumber('A listener port of the Gateway, to attach to listeners on that port only.').optional(),
  })
  .describe('A Gateway (or, for mesh routes, a Service) the route attaches to: Gateway API ParentReference.');

export const headerMatchSchema = z
  .strictObject({
    type: z.enum(headerMatchTypes).optional().describe('Exact (default) or RegularExpression.'),
    name: z
      .string()
      .min(1)
      .max(256)
      .regex(new RegExp(HEADER_NAME_PATTERN), 'must be an HTTP header name')
      .describe('Header name (case-insensitive).'),
    value: z.string().min(1).max(4096).describe('Value to match.'),
  })
  .describe('A request header match: Gateway API HTTPHeaderMatch / GRPCHeaderMatch.');

/** Gateway API's own rules for Exact and PathPrefix path values (HTTPPathMatch CEL). */
export function pathValueProblem(type: (typeof pathMatchTypes)[number], value: string): string | undefined {
  if (!value.startsWith('/')) return "must be an absolute path starting with '/'";
  if (type === 'RegularExpression') return undefined;
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#'])
    if (value.includes(bad)) return `must not contain '${bad}'`;
  if (value.endsWith('/..') || value.endsWith('/.')) return "must not end with '/.' or '/..'";
  return undefined;
}

/** Milliseconds of a Gateway API duration (already matched against GATEWAY_DURATION_PATTERN). */
export function gatewayDurationMs(value: string): number {
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  let total = 0;
  for (const [, n, u] of value.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(n) * unit[u as keyof typeof unit];
  return total;
}

function timeoutsProblem(t: { request?: string; backendRequest?: string }): string | undefined {
  if (t.request === undefined || t.backendRequest === undefined) return undefined;
  const request = gatewayDurationMs(t.request);
  return request !== 0 && gatewayDurationMs(t.backendRequest) > request ? 'longer' : undefined;
}

export const pathMatchSchema = z
  .strictObject({
    type: z.enum(pathMatchTypes).optional().describe('PathPrefix (default), Exact or RegularExpression.'),
    value: z.string().min(1).max(1024).describe("The path, starting with '/'. Default /."),
  })
  .refine((p) => pathValueProblem(p.type ?? 'PathPrefix', p.value) === undefined, {
    message:
      "must start with '/' and (for Exact and PathPrefix) contain no '//', '/./', '/../', '%2f' or '#' and not end in '/.' or '/..'",
    path: ['value'],
  })
  .meta({
    description: 'A path match: Gateway API HTTPPathMatch.',
    'x-kubernetes-validations': [
      { rule: "self.value.startsWith('/')", message: "value must be an absolute path starting with '/'" },
      {
        rule: "(has(self.type) && self.type == 'RegularExpression') || (!self.value.contains('//') && !self.value.contains('/./') && !self.value.contains('/../') && !self.value.contains('%2f') && !self.value.contains('%2F') && !self.value.contains('#') && !self.value.endsWith('/..') && !self.value.endsWith('/.'))",
        message: "value must not contain '//', '/./', '/../', '%2f' or '#', nor end in '/.' or '/..'",
      },
    ],
  });

export const httpRouteMatchSchema = z
  .strictObject({
    path: pathMatchSchema.optional(),
    method: z.enum(httpMethods).optional().describe('HTTP method to match.'),
    headers: z.array(headerMatchSchema).max(16).optional().describe('Headers that must all match.'),
  })
  .describe('Conditions a request must all meet: Gateway API HTTPRouteMatch.');

export const httpRouteRuleSchema = z
  .strictObject({
    port: portName.describe('The spec.ports entry (by name) the matched requests go to; an HTTP or HTTP2 port.'),
    matches: z
      .array(httpRouteMatchSchema)
      .max(8)
      .optional()
      .describe('Requests this rule takes (any one match). Default: every request (path prefix /).'),
    timeouts: z
      .strictObject({
        request: gatewayDuration(
          'Time for the whole request, from the gateway receiving it to the end of the response (0s: none).',
        ).optional(),
        backendRequest: gatewayDuration(
          'Time for one request to the pods (a retry starts a new one); at most request.',
        ).optional(),
      })
      .refine((t) => timeoutsProblem(t) === undefined, {
        message: 'backendRequest must not be longer than request',
        path: ['backendRequest'],
      })
      .meta({
        description: 'Gateway API HTTPRouteTimeouts. An Ingress has no standard field for them.',
        'x-kubernetes-validations': [
          {
            // Gateway API's own rule on HTTPRouteTimeouts (0s means no timeout).
            rule: "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))",
            message: 'backendRequest must not be longer than request',
          },
        ],
      })
      .optional(),
  })
  .describe('One HTTPRoute rule: matches, timeouts and the port the requests go to.');

export const grpcRouteMatchSchema = z
  .strictObject({
    method: z
      .strictObject({
        service: z
          .string()
          .max(1024)
          .regex(new RegExp(GRPC_SERVICE_PATTERN), 'must be a gRPC service such as shop.v1.Orders')
          .optional()
          .describe('Fully qualified gRPC service, e.g. shop.v1.Orders. Default: any.'),
        method: z
          .string()
          .max(1024)
          .regex(new RegExp(GRPC_METHOD_PATTERN), 'must be a gRPC method name such as GetOrder')
          .optional()
          .describe('Method name, e.g. GetOrder. Default: any.'),
      })
      .refine((m) => m.service !== undefined || m.method !== undefined, {
        message: 'give service, method or both (an empty method match matches nothing in particular: leave it out)',
      })
      .meta({
        description: 'Exact gRPC service and/or method: Gateway API GRPCMethodMatch (type Exact).',
        'x-kubernetes-validations': [
          { rule: 'has(self.service) || has(self.method)', message: 'give service, method or both' },
        ],
      })
      .optional(),
    headers: z.array(headerMatchSchema).max(16).optional().describe('Metadata headers that must all match.'),
  })
  .describe('Conditions a call must all meet: Gateway API GRPCRouteMatch.');

export const grpcRouteRuleSchema = z
  .strictObject({
    port: portName.describe('The spec.ports entry (by name) the matched calls go to; a GRPC port.'),
    matches: z
      .array(grpcRouteMatchSchema)
      .max(8)
      .optional()
      .describe('Calls this rule takes (any one match). Default: every call.'),
  })
  .describe('One GRPCRoute rule: matches and the port the calls go to.');

export const ingressSchema = z
  .strictObject({
    className: dns1123('IngressClass to use (ingressClassName). Default: the cluster default class.').optional(),
    tls: z
      .array(
        z.strictObject({
          hosts: z.array(hostname).max(16).optional().describe('Hosts the certificate covers. Default: all hostnames.'),
          secretName: dns1123('Secret holding the certificate (tls.crt, tls.key).'),
        }),
      )
      .max(8)
      .optional()
      .describe('TLS termination: Ingress spec.tls.'),
  })
  .describe(
    'Also render an Ingress (networking.k8s.io/v1) from the http rules, for clusters without Gateway API: hostnames become hosts, Exact and PathPrefix paths become Exact and Prefix paths. Method and header matches, regular-expression paths and timeouts have no standard Ingress field and are rejected with an Ingress.',
  );

type ParentRefSpec = z.infer<typeof parentRefSchema>;

/** The parent a ref names, as the Gateway API's CEL compares them (group and kind defaulted, namespace as written). */
const parentOf = (p: ParentRefSpec) =>
  JSON.stringify([p.group ?? 'gateway.networking.k8s.io', p.kind ?? 'Gateway', p.name, p.namespace ?? ''] as const);

/**
 * CEL: field `f` of `a` and `b` is equal, an absent one read as `dflt` (or equal only to another
 * absent one, without `dflt`).
 */
const celEqual = (a: string, b: string, f: string, dflt?: string) =>
  `((has(${a}.${f}) && has(${b}.${f}) && ${a}.${f} == ${b}.${f}) || (!has(${a}.${f}) && !has(${b}.${f}))${dflt === undefined ? '' : ` || (has(${a}.${f}) && !has(${b}.${f}) && ${a}.${f} == '${dflt}') || (!has(${a}.${f}) && has(${b}.${f}) && ${b}.${f} == '${dflt}')`})`;

/**
 * CEL: refs `a` and `b` name the same parent (the Gateway API's own comparison, defaults written out;
 * `namespace` is a CEL keyword, escaped as __namespace__: https://kubernetes.io/docs/reference/using-api/cel/#escaping).
 */
const celSameParent = (a: string, b: string) =>
  `${celEqual(a, b, 'group', 'gateway.networking.k8s.io')} && ${celEqual(a, b, 'kind', 'Gateway')} && ${a}.name == ${b}.name && ${celEqual(a, b, '__namespace__')}`;

/**
 * zod's half of PARENT_REFS_CEL: the Gateway API's rules on parentRefs (HTTPRoute/GRPCRoute
 * spec.parentRefs, v1.6: "sectionName must be specified / unique when parentRefs includes 2 or more
 * references to the same parent"), which would refuse the rendered routes.
 */
function distinctParents(
  refs: ParentRefSpec[],
  ctx: { addIssue: (issue: { code: 'custom'; path: number[]; message: string }) => void },
): void {
  refs.forEach((p, i) => {
    const earlier = refs.slice(0, i).findIndex((q) => parentOf(q) === parentOf(p));
    const q = refs[earlier];
    if (q === undefined) return;
    if (p.sectionName === q.sectionName || !p.sectionName || !q.sectionName) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: `names the parent of parentRefs[${earlier}] (${p.name}) again: give both a sectionName, each a different one, or keep one`,
      });
    }
  });
}

/** The Gateway API's two rules on parentRefs (HTTPRoute and GRPCRoute), with the defaults written out. */
const PARENT_REFS_CEL = [
  {
    rule: `self.all(p1, self.all(p2, !(${celSameParent('p1', 'p2')}) || has(p1.sectionName) == has(p2.sectionName)))`,
    message: 'refs to one parent must all name a sectionName (the Gateway API refuses the route otherwise)',
  },
  {
    rule: `self.all(p1, self.exists_one(p2, ${celSameParent('p1', 'p2')} && ${celEqual('p1', 'p2', 'sectionName')}))`,
    message: 'refs to one parent must each name a different sectionName (the Gateway API refuses the route otherwise)',
  },
];

export const routesSchema = z
  .strictObject({
    parentRefs: z.array(parentRefSchema).max(32).superRefine(distinctParents).optional().meta({
      description:
        'Gateways the HTTPRoute and GRPCRoute attach to. Without parentRefs no Gateway API route is rendered. Refs to one Gateway each name a different sectionName (a listener), as the Gateway API demands.',
      'x-kubernetes-validations': PARENT_REFS_CEL,
    }),
    hostnames: z
      .array(hostname)
      .max(16)
      .optional()
      .describe('Host names the routes answer for. Default: whatever the Gateway listener accepts.'),
    http: z
      .array(httpRouteRuleSchema)
      .max(16)
      .optional()
      .describe('HTTPRoute rules (gateway.networking.k8s.io/v1). Each sends its matches to an HTTP or HTTP2 port.'),
    grpc: z
      .array(grpcRouteRuleSchema)
      .max(16)
      .optional()
      .describe('GRPCRoute rules (gateway.networking.k8s.io/v1). Each sends its matches to a GRPC port.'),
    ingress: ingressSchema.optional(),
  })
  .describe(
    'Routes into the service: a Gateway API HTTPRoute (http rules) and GRPCRoute (grpc rules) named after the MicroService, attached to parentRefs, and optionally an Ingress. Backends are the rendered Service ports.',
  );

export type RoutesSpec = z.infer<typeof routesSchema>;
export type HttpRouteRule = z.infer<typeof httpRouteRuleSchema>;
export type GrpcRouteRule = z.infer<typeof grpcRouteRuleSchema>;
export type ParentRef = z.infer<typeof parentRefSchema>;

export const ROUTES_DEFAULTS = {
  routes: { pathType: 'PathPrefix', path: '/', headerMatchType: 'Exact' },
} as const;

export const routesFields = { routes: routesSchema.optional() };

type RoutesView = { routes?: RoutesSpec; ports?: PortSpec[] };

const HTTP_PROTOCOLS = ['HTTP', 'HTTP2'];

function portProtocol(spec: RoutesView, name: string): string | undefined {
  const port = (spec.ports ?? []).find((p) => p.name === name);
  return port ? (port.protocol ?? 'HTTP') : undefined;
}

function portIssues(spec: RoutesView, list: 'http' | 'grpc'): RuleIssue[] {
  const rules = spec.routes?.[list] ?? [];
  const wanted = list === 'http' ? HTTP_PROTOCOLS : ['GRPC'];
  return rules.flatMap((rule, i) => {
    const protocol = portProtocol(spec, rule.port);
    if (protocol === undefined)
      return [
        {
          path: ['routes', list, i, 'port'],
          message: `port "${rule.port}" is not in spec.ports: name one of the declared ports`,
        },
      ];
    if (wanted.includes(protocol)) return [];
    const advice =
      list === 'http' ? 'route it under routes.grpc, or declare the port HTTP' : 'declare the port protocol GRPC';
    return [
      {
        path: ['routes', list, i, 'port'],
        message: `port "${rule.port}" is ${protocol}, but ${list} rules need ${wanted.join(' or ')}: ${advice}`,
      },
    ];
  });
}

export const ROUTES_RULES: readonly SpecRule<RoutesView>[] = [
  {
    id: 'routes-ports',
    summary:
      'spec.routes: every http rule names an HTTP or HTTP2 port of spec.ports, every grpc rule a GRPC port (the route backends are those Service ports).',
    check: (spec) => (spec.routes === undefined ? [] : [...portIssues(spec, 'http'), ...portIssues(spec, 'grpc')]),
    cel: [
      {
        rule: "!has(self.routes) || !has(self.routes.http) || self.routes.http.all(r, has(self.ports) && self.ports.exists(p, p.name == r.port && (!has(p.protocol) || p.protocol == 'HTTP' || p.protocol == 'HTTP2')))",
        message: 'spec.routes.http: each rule must name an HTTP or HTTP2 port of spec.ports',
        fieldPath: '.routes.http',
      },
      {
        rule: "!has(self.routes) || !has(self.routes.grpc) || self.routes.grpc.all(r, has(self.ports) && self.ports.exists(p, p.name == r.port && has(p.protocol) && p.protocol == 'GRPC'))",
        message: 'spec.routes.grpc: each rule must name a GRPC port of spec.ports',
        fieldPath: '.routes.grpc',
      },
    ],
    invalidExamples: [
      { routes: { parentRefs: [{ name: 'public' }], http: [{ port: 'web' }] } },
      {
        ports: [{ name: 'grpc', port: 9090, protocol: 'GRPC' }],
        routes: { parentRefs: [{ name: 'public' }], http: [{ port: 'grpc' }] },
      },
      { routes: { parentRefs: [{ name: 'public' }], grpc: [{ port: 'http' }] } },
    ],
  },
  {
    id: 'routes-render-something',
    summary:
      'spec.routes: has http or grpc rules, and parentRefs or ingress to carry them (otherwise nothing would be rendered).',
    check: (spec) => {
      const r = spec.routes;
      if (r === undefined) return [];
      const issues: RuleIssue[] = [];
      if ((r.http ?? []).length + (r.grpc ?? []).length === 0)
        issues.push({ path: ['routes'], message: 'has no http or grpc rules: add a rule naming the port to route to' });
      if ((r.parentRefs ?? []).length === 0 && r.ingress === undefined)
        issues.push({
          path: ['routes', 'parentRefs'],
          message: 'no Gateway to attach to and no ingress: add parentRefs (Gateway API) or ingress',
        });
      return issues;
    },
    cel: [
      {
        rule: '!has(self.routes) || (has(self.routes.http) && self.routes.http.size() > 0) || (has(self.routes.grpc) && self.routes.grpc.size() > 0)',
        message: 'spec.routes: add an http or grpc rule naming the port to route to',
        fieldPath: '.routes',
      },
      {
        rule: '!has(self.routes) || (has(self.routes.parentRefs) && self.routes.parentRefs.size() > 0) || has(self.routes.ingress)',
        message: 'spec.routes: add parentRefs (Gateway API) or ingress',
        fieldPath: '.routes.parentRefs',
      },
    ],
    invalidExamples: [{ routes: { parentRefs: [{ name: 'public' }] } }, { routes: { http: [{ port: 'http' }] } }],
  },
  {
    id: 'routes-ingress-expressible',
    summary:
      'spec.routes.ingress: the http rules use only what an Ingress can say (Exact or PathPrefix paths; no method or header matches, no timeouts), and there is an http rule.',
    check: (spec) => {
      const r = spec.routes;
      if (r?.ingress === undefined) return [];
      const issues: RuleIssue[] = [];
      if ((r.http ?? []).length === 0)
        issues.push({
          path: ['routes', 'ingress'],
          message: 'an Ingress carries http rules only: add an http rule, or remove ingress',
        });
      (r.http ?? []).forEach((rule, i) => {
        if (rule.timeouts !== undefined)
          issues.push({
            path: ['routes', 'http', i, 'timeouts'],
            message: 'an Ingress has no timeout field: remove timeouts, or remove ingress and use parentRefs only',
          });
        (rule.matches ?? []).forEach((m, j) => {
          const at = ['routes', 'http', i, 'matches', j];
          if (m.method !== undefined || m.headers !== undefined)
            issues.push({
              path: at,
              message: 'an Ingress cannot match methods or headers: remove them, or remove ingress',
            });
          if (m.path?.type === 'RegularExpression')
            issues.push({
              path: [...at, 'path', 'type'],
              message: 'an Ingress has no portable regular-expression path: use Exact or PathPrefix, or remove ingress',
            });
        });
      });
      return issues;
    },
    cel: [
      {
        rule: '!has(self.routes) || !has(self.routes.ingress) || (has(self.routes.http) && self.routes.http.size() > 0)',
        message: 'spec.routes.ingress: an Ingress carries http rules only: add an http rule, or remove ingress',
        fieldPath: '.routes.ingress',
      },
      {
        rule: "!has(self.routes) || !has(self.routes.ingress) || !has(self.routes.http) || self.routes.http.all(r, !has(r.timeouts) && (!has(r.matches) || r.matches.all(m, !has(m.method) && !has(m.headers) && (!has(m.path) || !has(m.path.type) || m.path.type != 'RegularExpression'))))",
        message:
          'spec.routes.ingress: an Ingress cannot carry method or header matches, regular-expression paths or timeouts: remove them, or remove ingress',
        fieldPath: '.routes.http',
      },
    ],
    invalidExamples: [
      {
        ports: [
          { name: 'http', port: 8080 },
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
        ],
        routes: { ingress: {}, grpc: [{ port: 'grpc' }] },
      },
      { routes: { ingress: {}, http: [{ port: 'http', matches: [{ method: 'GET' }] }] } },
      {
        routes: {
          ingress: {},
          http: [{ port: 'http', matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+' } }] }],
        },
      },
      { routes: { ingress: {}, http: [{ port: 'http', timeouts: { request: '10s' } }] } },
    ],
  },
];
