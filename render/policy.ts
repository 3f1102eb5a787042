// Who may call the service (spec.allowedCallers): a NetworkPolicy, and with Istio an
// AuthorizationPolicy, with Linkerd a Server per port, a MeshTLSAuthentication and an
// AuthorizationPolicy per Server, from one list. Only rendered when the list is given (docs/traffic.md).
//
// NetworkPolicy (https://kubernetes.io/docs/concepts/services-networking/network-policies/): it
// restricts ingress and states egress as allowed to everywhere (policyTypes Ingress and Egress with
// one empty egress rule), so egress stays open but is declared: scanners such as kube-score count a
// pod as covered only when a policy of each type selects it (score/networkpolicy/networkpolicy.go,
// https://github.com/zegl/kube-score/blob/v1.20.0/score/networkpolicy/networkpolicy.go). Callers become peers: a namespace by its immutable
// kubernetes.io/metadata.name label, a MicroService by its pod label; a ServiceAccount cannot be
// selected, so its whole namespace is admitted and the mesh policy narrows it. Traffic from the
// pod's own node (kubelet probes) is always allowed by NetworkPolicy, but Istio's ambient mode
// rewrites probe sources to 169.254.7.127, and mesh traffic arrives on the mesh's own ports:
// Istio's HBONE tunnel on 15008 (ambient, and sidecars that receive from ambient pods), Linkerd's
// proxy inbound 4143; the status and metrics ports (Istio 15020 and 15021, Linkerd 4191) are
// opened to every source, as they carry health and telemetry, not the app's requests.
// https://istio.io/latest/docs/ambient/usage/networkpolicy/ ;
// https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio ;
// https://linkerd.io/2/reference/architecture/#proxy
//
// Istio AuthorizationPolicy (security.istio.io/v1,
// https://istio.io/latest/docs/reference/config/security/authorization-policy/): ALLOW on the
// declared ports from the callers' namespaces and principals. Every condition is L4 (source
// namespaces and principals, destination ports), so ztunnel enforces it in ambient mode without a
// waypoint; L7 conditions (methods, paths) would need a waypoint and are not rendered.
//
// Linkerd (policy.linkerd.io, https://linkerd.io/2/reference/authorization-policy/): a `Server`
// (v1beta3, the version its CRD stores) selects one port of the pods and denies what no policy
// allows (accessPolicy deny); v1beta3 takes one port, so there is one Server per declared TCP port
// (UDP is not proxied). An `AuthorizationPolicy` (v1alpha1) on each Server requires the one
// `MeshTLSAuthentication` (v1alpha1) that lists the callers as identityRefs: a ServiceAccount, or a
// Namespace for every account in it. The policy controller turns those into mTLS identities with
// the cluster's own trust domain, so none is assumed here (policy-controller
// k8s/index/src/inbound/meshtls_authentication.rs,
// https://github.com/linkerd/linkerd2/blob/b24cd4059841f8cee2fb7a9c2ac23a693c583579/policy-controller/k8s/index/src/inbound/meshtls_authentication.rs).
// Kubelet probes carry no identity: on a Server without routes the policy controller adds a route
// that allows GET on each httpGet probe path of the pod from the probe networks (default every
// address), and only for httpGet probes (k8s/index/src/inbound/index.rs `default_inbound_http_routes`,
// workload.rs `pod_http_probes`, same commit). A port that a grpc or tcpSocket probe checks gets no
// Server, so the probe keeps working; the NetworkPolicy still limits it (docs/traffic.md).
import { type CallerSpec, DEFAULTS, type MicroService, meshMode, meshProvider } from '../api/index.ts';
import { commonLabels, LABEL_NAME, selectorLabels } from './labels.ts';
import { names } from './names.ts';
import { type ProbeKind, renderProbe } from './probes.ts';
import type { RenderConfig, RenderedObject } from './types.ts';

/** The label every namespace carries with its own name (immutable, set by the API server since 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Where the rendered objects go when the MicroService names no namespace (what kubectl applies to by default). */
const DEFAULT_NAMESPACE = 'default';

/** The MicroService's namespace: its own, else where its namespace-less objects are applied. */
const ownNamespace = (ms: MicroService, cfg: RenderConfig) =>
  ms.metadata.namespace ?? cfg.defaultNamespace ?? DEFAULT_NAMESPACE;

export const MESH_POLICY_PORTS = {
  istio: { tunnel: [15008], open: [15020, 15021] },
  linkerd: { tunnel: [4143], open: [4191] },
} as const;
/** Istio ambient's source address for kubelet probes (istio-cni SNAT). */
export const ISTIO_AMBIENT_PROBE_SOURCE = '169.254.7.127/32';

function metadata(ms: MicroService, cfg: RenderConfig, name: string): RenderedObject['metadata'] {
  return {
    name,
    ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
    labels: commonLabels(ms, cfg),
  };
}

/**
 * The spec entries whose mesh policy has to name the MicroService's own namespace, when it names
 * none (metadata.namespace unset, as in a file for `kubectl apply` to place): the Istio
 * AuthorizationPolicy's sources and principals, and the Linkerd Namespace identity of a Gateway,
 * name RenderConfig.defaultNamespace then. Empty when the namespace is set or nothing depends on it. The
 * NetworkPolicy needs none (an empty namespaceSelector is its own namespace), nor does a Linkerd
 * ServiceAccount reference (read as the policy's namespace).
 */
export function policyNamespaceGuesses(ms: MicroService): string[] {
  const provider = meshProvider(ms.spec);
  if (ms.metadata.namespace !== undefined || ms.spec.allowedCallers === undefined || provider === 'none') return [];
  const callers =
    provider === 'istio'
      ? ms.spec.allowedCallers.flatMap((c, i) => (c.namespace === undefined ? [`spec.allowedCallers[${i}]`] : []))
      : [];
  const gateways = (ms.spec.routes?.parentRefs ?? []).flatMap((p, i) =>
    (p.kind ?? 'Gateway') === 'Gateway' && p.namespace === undefined ? [`spec.routes.parentRefs[${i}]`] : [],
  );
  return [...callers, ...gateways];
}

/** Callers, plus the Gateways the routes attach to (parentRefs of kind Gateway, in their namespaces). */
function callers(ms: MicroService): CallerSpec[] {
  const listed = ms.spec.allowedCallers ?? [];
  const gateways: CallerSpec[] = (ms.spec.routes?.parentRefs ?? [])
    .filter((p) => (p.kind ?? 'Gateway') === 'Gateway')
    // No namespace (on the ref, nor on the MicroService): the policy's own namespace.
    .map((p) => {
      const namespace = p.namespace ?? ms.metadata.namespace;
      return namespace !== undefined ? { namespace } : {};
    });
  const seen = new Set<string>();
  return [...listed, ...gateways].filter((c) => {
    const key = JSON.stringify([c.namespace ?? '', c.serviceAccount ?? '', c.microService ?? '']);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function peer(caller: CallerSpec): Record<string, unknown> {
  const namespaceSelector =
    caller.namespace !== undefined
      ? { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: caller.namespace } } }
      : {};
  if (caller.microService !== undefined)
    return { ...namespaceSelector, podSelector: { matchLabels: { [LABEL_NAME]: caller.microService } } };
  // A namespace, or a ServiceAccount (not selectable: its namespace; no namespace = this one).
  return caller.namespace !== undefined ? namespaceSelector : { podSelector: {} };
}

function servicePorts(ms: MicroService) {
  return (ms.spec.ports ?? []).map((p) => ({
    protocol: (p.protocol ?? DEFAULTS.portProtocol) === 'UDP' ? 'UDP' : 'TCP',
    port: p.port,
  }));
}

export function renderNetworkPolicy(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  if (ms.spec.allowedCallers === undefined) return undefined;
  const provider = meshProvider(ms.spec);
  const mesh = provider === 'none' ? undefined : MESH_POLICY_PORTS[provider];
  const from = callers(ms).map(peer);
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  const ingress: Record<string, unknown>[] = [];
  // No callers at all (an empty list, no Gateway): the policy admits nothing but the mesh's needs.
  if (from.length > 0) ingress.push({ from, ports: [...servicePorts(ms), ...(mesh?.tunnel ?? []).map(tcp)] });
  if (mesh) ingress.push({ ports: mesh.open.map(tcp) });
  if (provider === 'istio' && meshMode(ms.spec) === 'ambient')
    ingress.push({ from: [{ ipBlock: { cidr: ISTIO_AMBIENT_PROBE_SOURCE } }] });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(ms, cfg, names.networkPolicy(ms.metadata.name)),
    spec: {
      podSelector: { matchLabels: selectorLabels(ms) },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      // Egress open to everywhere, stated (docs/traffic.md).
      egress: [{}],
    },
  };
}

/** Istio identities: `cluster.local/ns/<namespace>/sa/<account>` (the default trust domain). */
function istioSources(ms: MicroService, list: readonly CallerSpec[], cfg: RenderConfig): Record<string, unknown>[] {
  const own = ownNamespace(ms, cfg);
  const namespaces = list
    .filter((c) => c.serviceAccount === undefined && c.microService === undefined)
    .map((c) => c.namespace ?? own);
  const principals = list
    .filter((c) => c.serviceAccount !== undefined || c.microService !== undefined)
    .map((c) => `cluster.local/ns/${c.namespace ?? own}/sa/${c.serviceAccount ?? c.microService}`);
  return [
    ...(namespaces.length > 0 ? [{ source: { namespaces } }] : []),
    ...(principals.length > 0 ? [{ source: { principals } }] : []),
  ];
}

export function renderIstioAuthorizationPolicy(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  if (ms.spec.allowedCallers === undefined || meshProvider(ms.spec) !== 'istio') return undefined;
  const from = istioSources(ms, callers(ms), cfg);
  const ports = (ms.spec.ports ?? []).map((p) => String(p.port));
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: metadata(ms, cfg, names.authorizationPolicy(ms.metadata.name)),
    spec: {
      selector: { matchLabels: selectorLabels(ms) },
      action: 'ALLOW',
      // No callers: an ALLOW policy without rules allows nothing.
      ...(from.length > 0 ? { rules: [{ from, to: [{ operation: { ports } }] }] } : {}),
    },
  };
}

const LINKERD_POLICY = 'policy.linkerd.io';
/** Server.spec.proxyProtocol by port protocol; TCP (and anything else) leaves protocol detection on. */
const LINKERD_PROTOCOL: Record<string, string> = { HTTP: 'HTTP/1', HTTP2: 'HTTP/2', GRPC: 'gRPC' };
const PROBE_KINDS: readonly ProbeKind[] = ['liveness', 'readiness', 'startup'];

/**
 * The ports of the app container that a kubelet grpc or tcpSocket probe checks (by number or name):
 * Linkerd's default probe authorization covers httpGet probes only.
 */
export function unauthenticatedProbePorts(ms: MicroService): Set<number> {
  const ports = ms.spec.ports ?? [];
  const out = new Set<number>();
  for (const kind of PROBE_KINDS) {
    const probe = renderProbe(ms.spec, kind);
    const handler = (probe?.['grpc'] ?? probe?.['tcpSocket']) as { port?: number | string } | undefined;
    if (handler?.port === undefined) continue;
    const port = ports.find((p) => p.port === handler.port || p.name === handler.port);
    if (port) out.add(port.port);
  }
  return out;
}

/** The declared ports Linkerd's policy covers: TCP-carried, and not checked by a grpc/tcpSocket probe. */
export function linkerdPolicyPorts(ms: MicroService) {
  const skipped = unauthenticatedProbePorts(ms);
  return (ms.spec.ports ?? []).filter((p) => (p.protocol ?? DEFAULTS.portProtocol) !== 'UDP' && !skipped.has(p.port));
}

/**
 * Linkerd identity references: a Namespace (every account in it) or a ServiceAccount, whose
 * namespace defaults to the MicroService's own where it is applied (so none is written for a
 * caller without one). A Namespace is named; without one, the MicroService's (or `default`).
 */
function linkerdIdentityRefs(
  ms: MicroService,
  list: readonly CallerSpec[],
  cfg: RenderConfig,
): Record<string, string>[] {
  return list.map((c): Record<string, string> => {
    const account = c.serviceAccount ?? c.microService;
    if (account === undefined) return { kind: 'Namespace', name: c.namespace ?? ownNamespace(ms, cfg) };
    return { kind: 'ServiceAccount', name: account, ...(c.namespace !== undefined ? { namespace: c.namespace } : {}) };
  });
}

/**
 * Linkerd's policy for spec.allowedCallers: a Server per covered port, and with callers a
 * MeshTLSAuthentication and an AuthorizationPolicy per Server. No callers (an empty list, no
 * Gateway): the Servers alone, which deny every request but the kubelet's httpGet probes.
 */
export function renderLinkerdPolicy(ms: MicroService, cfg: RenderConfig): RenderedObject[] {
  if (ms.spec.allowedCallers === undefined || meshProvider(ms.spec) !== 'linkerd') return [];
  const name = ms.metadata.name;
  const ports = linkerdPolicyPorts(ms);
  const identityRefs = linkerdIdentityRefs(ms, callers(ms), cfg);
  const servers: RenderedObject[] = ports.map((p) => {
    const protocol = LINKERD_PROTOCOL[p.protocol ?? DEFAULTS.portProtocol];
    return {
      apiVersion: `${LINKERD_POLICY}/v1beta3`,
      kind: 'Server',
      metadata: metadata(ms, cfg, names.linkerdServer(name, p.name)),
      spec: {
        podSelector: { matchLabels: selectorLabels(ms) },
        port: p.port,
        ...(protocol ? { proxyProtocol: protocol } : {}),
        accessPolicy: 'deny',
      },
    };
  });
  if (identityRefs.length === 0 || ports.length === 0) return servers;
  const authentication: RenderedObject = {
    apiVersion: `${LINKERD_POLICY}/v1alpha1`,
    kind: 'MeshTLSAuthentication',
    metadata: metadata(ms, cfg, names.meshTLSAuthentication(name)),
    spec: { identityRefs },
  };
  const policies: RenderedObject[] = ports.map((p) => ({
    apiVersion: `${LINKERD_POLICY}/v1alpha1`,
    kind: 'AuthorizationPolicy',
    metadata: metadata(ms, cfg, names.linkerdAuthorizationPolicy(name, p.name)),
    spec: {
      targetRef: { group: LINKERD_POLICY, kind: 'Server', name: names.linkerdServer(name, p.name) },
      requiredAuthenticationRefs: [
        { group: LINKERD_POLICY, kind: 'MeshTLSAuthentication', name: names.meshTLSAuthentication(name) },
      ],
    },
  }));
  return [...servers, authentication, ...policies];
}
