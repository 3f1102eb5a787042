// Property tests of the traffic renderers (routes.ts, policy.ts) over generated specs with routes
// and callers (test/support/arbitraries.ts trafficMicroServiceArbitrary), in the style of
// properties.test.ts: every valid spec renders objects that the schemas accept (the Kubernetes
// OpenAPI types for NetworkPolicy and Ingress, the vendored CRDs of Gateway API, Istio and Linkerd),
// whose ports, backends and identities all come from the spec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type MicroService, type MicroServiceSpec, meshMode, meshProvider } from '../api/index.ts';
import { trafficMicroServiceArbitrary, trafficSpecArbitrary } from '../test/support/arbitraries.ts';
import { validateOpenApi } from '../test/support/kubernetes.ts';
import { type RenderedObject, render } from './index.ts';
import { names } from './names.ts';
import {
  ISTIO_AMBIENT_PROBE_SOURCE,
  linkerdPolicyPorts,
  MESH_POLICY_PORTS,
  unauthenticatedProbePorts,
} from './policy.ts';
import { renderProbe } from './probes.ts';

type Json = Record<string, unknown>;
type Peer = { from?: Json[]; ports?: { protocol: string; port: number }[] };

const RUNS = { numRuns: 150 };
const spec = (o: RenderedObject) => o['spec'] as Json;
const ofKind = (objects: readonly RenderedObject[], apiVersion: string, kind: string) =>
  objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
const protocolOf = (p: NonNullable<MicroServiceSpec['ports']>[number]) => p.protocol ?? DEFAULTS.portProtocol;

describe('the traffic generator', () => {
  it('covers routes of each kind, callers of each kind and both meshes', () => {
    const samples = fc.sample(trafficSpecArbitrary, { numRuns: 300, seed: 17 });
    const share = (p: (s: MicroServiceSpec) => boolean) => samples.filter(p).length / samples.length;
    expect(share((s) => (s.routes?.http ?? []).length > 0 && (s.routes?.parentRefs ?? []).length > 0)).toBeGreaterThan(
      0.1,
    );
    expect(share((s) => (s.routes?.grpc ?? []).length > 0)).toBeGreaterThan(0.05);
    expect(share((s) => s.routes?.ingress !== undefined)).toBeGreaterThan(0.05);
    expect(share((s) => s.allowedCallers !== undefined && s.allowedCallers.length === 0)).toBeGreaterThan(0.03);
    for (const key of ['namespace', 'serviceAccount', 'microService'] as const) {
      expect(share((s) => (s.allowedCallers ?? []).some((c) => c[key] !== undefined))).toBeGreaterThan(0.1);
    }
    expect(share((s) => s.allowedCallers !== undefined && s.mesh?.provider === 'linkerd')).toBeGreaterThan(0.1);
    expect(share((s) => s.allowedCallers !== undefined && s.mesh?.provider === 'istio')).toBeGreaterThan(0.1);
    expect(share((s) => s.allowedCallers !== undefined && s.mesh?.mode === 'ambient')).toBeGreaterThan(0.03);
    expect(
      share((s) => (s.ports ?? []).some((p) => p.protocol === 'UDP') && s.allowedCallers !== undefined),
    ).toBeGreaterThan(0.03);
  });
});

describe('the CRD schema check', () => {
  const server = (spec: Json): RenderedObject => ({
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'Server',
    metadata: { name: 'order-http', labels: {} },
    spec,
  });
  const ok = { podSelector: { matchLabels: { app: 'order' } }, port: 8080 };
  it.each([
    ['an unknown field (strict field validation)', { ...ok, ports: [8080] }],
    ['a port that is neither int nor string', { ...ok, port: true }],
    ['no port (required)', { podSelector: ok.podSelector }],
    ['both pod and external-workload selectors (oneOf)', { ...ok, externalWorkloadSelector: {} }],
  ])('refuses %s', (_, bad) => {
    expect(() => validateOpenApi(server(ok))).not.toThrow();
    expect(() => validateOpenApi(server(bad))).toThrow(/policy.linkerd.io\/v1beta3\/Server order-http/);
  });

  it('refuses a Linkerd AuthorizationPolicy without requiredAuthenticationRefs, and a kind it has no schema for', () => {
    const policy = {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'x', labels: {} },
      spec: { targetRef: { kind: 'Server', name: 'x' } },
    };
    expect(() => validateOpenApi(policy)).toThrow(/requiredAuthenticationRefs/);
    expect(() => validateOpenApi({ ...policy, apiVersion: 'policy.linkerd.io/v9' })).toThrow(
      /no model or vendored CRD/,
    );
  });
});

describe('rendering routes and allowedCallers', () => {
  it('produces objects the schemas accept: OpenAPI types for built-in kinds, the vendored CRDs for the rest', () => {
    fc.assert(
      fc.property(trafficMicroServiceArbitrary, (ms) => {
        for (const o of render(ms).objects) validateOpenApi(o);
      }),
      RUNS,
    );
  });

  it('never renders two objects of one group, kind and name (a child is identified by the three)', () => {
    fc.assert(
      fc.property(trafficMicroServiceArbitrary, (ms) => {
        const keys = render(ms).objects.map((o) => `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.name}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      RUNS,
    );
  });

  it('opens NetworkPolicy ports only from the declared ports and the mesh ports', () => {
    fc.assert(
      fc.property(trafficMicroServiceArbitrary, (ms) => {
        const [policy, ...more] = ofKind(render(ms).objects, 'networking.k8s.io/v1', 'NetworkPolicy');
        expect(more).toStrictEqual([]);
        expect(policy !== undefined).toBe(ms.spec.allowedCallers !== undefined);
        if (!policy) return;
        const provider = meshProvider(ms.spec);
        const mesh =
          provider === 'none' ? [] : [...MESH_POLICY_PORTS[provider].tunnel, ...MESH_POLICY_PORTS[provider].open];
        const allowed = new Set([
          ...(ms.spec.ports ?? []).map((p) => `${protocolOf(p) === 'UDP' ? 'UDP' : 'TCP'}/${p.port}`),
          ...mesh.map((p) => `TCP/${p}`),
        ]);
        const ingress = spec(policy)['ingress'] as Peer[];
        for (const rule of ingress) {
          for (const p of rule.ports ?? []) expect(allowed).toContain(`${p.protocol}/${p.port}`);
          // A rule without ports is only the ambient probe source, which must reach every port.
          if (rule.ports === undefined) {
            expect(rule.from).toStrictEqual([{ ipBlock: { cidr: ISTIO_AMBIENT_PROBE_SOURCE } }]);
            expect(provider === 'istio' && meshMode(ms.spec) === 'ambient').toBe(true);
          }
        }
        // Every declared port is open to the callers (if there are any), and only to them.
        const callerRule = ingress.find((r) => r.from !== undefined && r.ports !== undefined);
        const gateways = (ms.spec.routes?.parentRefs ?? []).filter((p) => (p.kind ?? 'Gateway') === 'Gateway');
        expect(callerRule !== undefined).toBe((ms.spec.allowedCallers ?? []).length + gateways.length > 0);
        if (callerRule) {
          for (const p of ms.spec.ports ?? []) {
            expect(callerRule.ports).toContainEqual({
              protocol: protocolOf(p) === 'UDP' ? 'UDP' : 'TCP',
              port: p.port,
            });
          }
        }
      }),
      RUNS,
    );
  });

  it('sends every route backend to a declared port of the right protocol on the rendered Service', () => {
    fc.assert(
      fc.property(trafficMicroServiceArbitrary, (ms) => {
        const objects = render(ms).objects;
        const ports = ms.spec.ports ?? [];
        const routes = [
          ...ofKind(objects, 'gateway.networking.k8s.io/v1', 'HTTPRoute').map((o) => ({
            o,
            protocols: ['HTTP', 'HTTP2'],
          })),
          ...ofKind(objects, 'gateway.networking.k8s.io/v1', 'GRPCRoute').map((o) => ({ o, protocols: ['GRPC'] })),
        ];
        for (const { o, protocols } of routes) {
          for (const rule of spec(o)['rules'] as { backendRefs: { name: string; port: number }[] }[]) {
            for (const backend of rule.backendRefs) {
              expect(backend.name).toBe(names.service(ms.metadata.name));
              const port = ports.find((p) => p.port === backend.port);
              expect(port && protocols.includes(protocolOf(port)), `${o.kind} backend port ${backend.port}`).toBe(true);
            }
          }
        }
        for (const ingress of ofKind(objects, 'networking.k8s.io/v1', 'Ingress')) {
          for (const rule of spec(ingress)['rules'] as { http: { paths: { backend: Json }[] } }[]) {
            for (const path of rule.http.paths) {
              const service = path.backend['service'] as { name: string; port: { name: string } };
              expect(ports.map((p) => p.name)).toContain(service.port.name);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('authorizes, with Istio, exactly the declared ports', () => {
    fc.assert(
      fc.property(trafficMicroServiceArbitrary, (ms) => {
        const policies = ofKind(render(ms).objects, 'security.istio.io/v1', 'AuthorizationPolicy');
        expect(policies.length).toBe(ms.spec.allowedCallers !== undefined && meshProvider(ms.spec) === 'istio' ? 1 : 0);
        for (const policy of policies) {
          for (const rule of (spec(policy)['rules'] ?? []) as { to: { operation: { ports: string[] } }[] }[]) {
            expect(rule.to[0]?.operation.ports).toStrictEqual((ms.spec.ports ?? []).map((p) => String(p.port)));
          }
        }
      }),
      RUNS,
    );
  });

  it('covers, with Linkerd, each TCP port no grpc/tcpSocket probe checks with a Server, and ties every policy to one of them', () => {
    fc.assert(
      fc.property(trafficMicroServiceArbitrary, (ms: MicroService) => {
        const objects = render(ms).objects;
        const servers = ofKind(objects, 'policy.linkerd.io/v1beta3', 'Server');
        const authentications = ofKind(objects, 'policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication');
        const policies = ofKind(objects, 'policy.linkerd.io/v1alpha1', 'AuthorizationPolicy');
        const linkerd = ms.spec.allowedCallers !== undefined && meshProvider(ms.spec) === 'linkerd';
        const covered = linkerd ? linkerdPolicyPorts(ms) : [];
        expect(servers.map((s) => spec(s)['port'])).toStrictEqual(covered.map((p) => p.port));
        const probed = unauthenticatedProbePorts(ms);
        for (const p of covered) {
          expect(protocolOf(p)).not.toBe('UDP');
          expect(probed.has(p.port)).toBe(false);
        }
        // A port left out is UDP or checked by a probe Linkerd would deny (grpc, tcpSocket).
        for (const p of linkerd ? (ms.spec.ports ?? []) : []) {
          if (covered.includes(p)) continue;
          const handlers = (['liveness', 'readiness', 'startup'] as const).map((k) => renderProbe(ms.spec, k));
          const byProbe = handlers.some((h) => {
            const port = ((h?.['grpc'] ?? h?.['tcpSocket']) as { port?: unknown } | undefined)?.port;
            return port === p.port || port === p.name;
          });
          expect(protocolOf(p) === 'UDP' || byProbe, `port ${p.name}`).toBe(true);
        }
        for (const s of servers)
          expect(spec(s)).toMatchObject({ accessPolicy: 'deny', podSelector: { matchLabels: {} } });
        // With callers: one MeshTLSAuthentication and one AuthorizationPolicy per Server, on it.
        const hasCallers = authentications.length === 1;
        expect(policies.length).toBe(hasCallers ? servers.length : 0);
        const serverNames = servers.map((s) => s.metadata.name);
        for (const policy of policies) {
          const { targetRef, requiredAuthenticationRefs } = spec(policy) as {
            targetRef: { kind: string; name: string };
            requiredAuthenticationRefs: { kind: string; name: string }[];
          };
          expect(targetRef.kind).toBe('Server');
          expect(serverNames).toContain(targetRef.name);
          expect(requiredAuthenticationRefs).toStrictEqual([
            { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: authentications[0]?.metadata.name },
          ]);
        }
        for (const a of authentications) {
          const refs = spec(a)['identityRefs'] as { kind: string }[];
          expect(refs.length).toBeGreaterThan(0);
          for (const r of refs) expect(['Namespace', 'ServiceAccount']).toContain(r.kind);
        }
      }),
      RUNS,
    );
  });
});
