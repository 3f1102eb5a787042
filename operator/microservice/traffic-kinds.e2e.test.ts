// Routes and caller policies through the operator on the real control plane, with the projects'
// own CRDs (Gateway API v1.6.3 standard channel, Istio's security.istio.io, Linkerd's
// policy.linkerd.io; test/support/crds): a MicroService with spec.routes and spec.allowedCallers
// gets its HTTPRoute, GRPCRoute and Ingress, its NetworkPolicy and Istio AuthorizationPolicy, each
// owned by it; removing the two fields prunes all five, and the Deployment stays. With Linkerd it
// gets a Server and an AuthorizationPolicy per port and a MeshTLSAuthentication (first accepted by
// a strict server-side dry run), pruned per port, and switching the mesh swaps Linkerd's
// AuthorizationPolicy for Istio's: the same kind name in two groups, never mistaken for each other.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseMicroService } from '../../api/index.ts';
import { render } from '../../render/index.ts';
import { kubectl } from '../../test/e2e/cluster.ts';
import { strictDryRun } from '../../test/e2e/dry-run.ts';
import {
  apply,
  conditionOf,
  eventually,
  getJson,
  installCrd,
  installVendoredCrds,
  VENDORED_CRDS,
} from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../../test/e2e/operator-process.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
let operator: OperatorProcess | undefined;

beforeAll(async () => {
  await installCrd(kubeconfig());
  await installVendoredCrds(kubeconfig(), [
    VENDORED_CRDS.httpRoutes,
    VENDORED_CRDS.grpcRoutes,
    VENDORED_CRDS.istioAuthorizationPolicies,
    VENDORED_CRDS.linkerdServers,
    VENDORED_CRDS.linkerdMeshTLSAuthentications,
    VENDORED_CRDS.linkerdAuthorizationPolicies,
  ]);
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'traffic-kinds'));
  operator = await startOperator({ kubeconfig: kubeconfig(), namespaces: [namespace] });
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await cleanup?.();
});

const microService = () => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'catalog', namespace },
  spec: {
    image: 'registry.example.com/shop/catalog:3.2.0',
    ports: [
      { name: 'http', port: 8080 },
      { name: 'grpc', port: 9090, protocol: 'GRPC' },
    ],
    mesh: { provider: 'istio' },
    routes: {
      parentRefs: [{ namespace: 'infra', name: 'shop', sectionName: 'https' }],
      hostnames: ['catalog.example.com'],
      http: [{ port: 'http', matches: [{ path: { type: 'PathPrefix', value: '/api' } }] }],
      grpc: [{ port: 'grpc', matches: [{ method: { service: 'shop.Catalog' } }] }],
      ingress: { className: 'nginx' },
    },
    allowedCallers: [{ namespace: 'infra' }, { microService: 'storefront' }],
  },
});

/** kubectl resource names, fully qualified: Linkerd's AuthorizationPolicy has the same kind as Istio's. */
const CHILDREN = {
  HTTPRoute: 'httproutes.gateway.networking.k8s.io',
  GRPCRoute: 'grpcroutes.gateway.networking.k8s.io',
  Ingress: 'ingresses.networking.k8s.io',
  NetworkPolicy: 'networkpolicies.networking.k8s.io',
  AuthorizationPolicy: 'authorizationpolicies.security.istio.io',
} as const;
type Child = {
  metadata: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec: Record<string, unknown>;
};
const child = (kind: keyof typeof CHILDREN) =>
  getJson<Child>(kubeconfig(), ['-n', namespace, `${CHILDREN[kind]}/catalog`]);
const ms = (name = 'catalog') => getJson(kubeconfig(), ['-n', namespace, `microservice/${name}`]);
/** The names of the objects of a fully qualified resource in the test namespace. */
const namesOf = async (resource: string): Promise<string[]> =>
  ((await getJson<{ items: { metadata: { name: string } }[] }>(kubeconfig(), ['-n', namespace, resource]))?.items ?? [])
    .map((i) => i.metadata.name)
    .sort();

it('applies HTTPRoute, GRPCRoute, Ingress, NetworkPolicy and AuthorizationPolicy; removing spec.routes and spec.allowedCallers prunes them', async () => {
  await apply(kubeconfig(), [microService()]);
  for (const kind of Object.keys(CHILDREN) as (keyof typeof CHILDREN)[]) {
    await eventually(async () => (await child(kind)) !== undefined, { what: `${kind} applied`, timeoutMs: 90_000 });
    const live = await child(kind);
    expect(live?.metadata.ownerReferences, kind).toMatchObject([
      { kind: 'MicroService', name: 'catalog', controller: true },
    ]);
  }
  await eventually(async () => conditionOf(await ms(), 'ChildrenApplied')?.status === 'True', {
    what: 'ChildrenApplied=True',
    timeoutMs: 30_000,
  });
  expect((await child('HTTPRoute'))?.spec['rules']).toStrictEqual([
    {
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      backendRefs: [{ group: '', kind: 'Service', name: 'catalog', port: 8080, weight: 1 }],
    },
  ]);
  expect((await child('GRPCRoute'))?.spec['rules']).toMatchObject([{ backendRefs: [{ name: 'catalog', port: 9090 }] }]);
  expect((await child('AuthorizationPolicy'))?.spec).toMatchObject({ action: 'ALLOW' });

  await kubectl(kubeconfig(), [
    '-n',
    namespace,
    'patch',
    'microservice/catalog',
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/spec/routes"},{"op":"remove","path":"/spec/allowedCallers"}]',
  ]);
  for (const kind of Object.keys(CHILDREN) as (keyof typeof CHILDREN)[]) {
    await eventually(async () => (await child(kind)) === undefined, { what: `${kind} pruned`, timeoutMs: 60_000 });
  }
  expect(await getJson(kubeconfig(), ['-n', namespace, 'deployment/catalog'])).toBeDefined();
  await eventually(async () => conditionOf(await ms(), 'ChildrenApplied') === undefined, {
    what: 'no ChildrenApplied condition once nothing optional is rendered',
    timeoutMs: 30_000,
  });
}, 300_000);

const LINKERD = {
  Server: 'servers.policy.linkerd.io',
  MeshTLSAuthentication: 'meshtlsauthentications.policy.linkerd.io',
  AuthorizationPolicy: 'authorizationpolicies.policy.linkerd.io',
} as const;
const ISTIO_AP = 'authorizationpolicies.security.istio.io';

const linkerdService = () => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'ledger', namespace },
  spec: {
    image: 'registry.example.com/shop/ledger:2.0.0',
    ports: [
      // The first GRPC/HTTP port: the derived probes are grpc on it, which Linkerd does not
      // authorize, so this port gets no Server.
      { name: 'grpc', port: 9090, protocol: 'GRPC' },
      { name: 'http', port: 8080 },
      { name: 'admin', port: 8081 },
    ],
    mesh: { provider: 'linkerd' },
    allowedCallers: [
      { namespace: 'infra' },
      { microService: 'storefront' },
      { serviceAccount: 'audit', namespace: 'ops' },
    ],
  },
});

it("with Linkerd: a Server and an AuthorizationPolicy per port and a MeshTLSAuthentication, pruned per port; a mesh switch swaps Linkerd's AuthorizationPolicy for Istio's", async () => {
  // What the renderer emits is what the real CRDs accept, field by field (unknown fields are errors).
  const parsed = parseMicroService(linkerdService());
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => i.message).join('; '));
  const rendered = render(parsed.value).objects.filter((o) => o.apiVersion.startsWith('policy.linkerd.io/'));
  expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`)).toStrictEqual([
    'Server/ledger-http',
    'Server/ledger-admin',
    'MeshTLSAuthentication/ledger',
    'AuthorizationPolicy/ledger-http',
    'AuthorizationPolicy/ledger-admin',
  ]);
  const dryRun = await strictDryRun(kubeconfig(), namespace, rendered, 'traffic-kinds-e2e');
  expect(dryRun.code, dryRun.stderr).toBe(0);

  await apply(kubeconfig(), [linkerdService()]);
  const expected = {
    Server: ['ledger-admin', 'ledger-http'],
    MeshTLSAuthentication: ['ledger'],
    AuthorizationPolicy: ['ledger-admin', 'ledger-http'],
  };
  for (const [kind, resource] of Object.entries(LINKERD) as [keyof typeof LINKERD, string][]) {
    await eventually(async () => (await namesOf(resource)).join() === expected[kind].join(), {
      what: `${kind} ${expected[kind].join(', ')} applied`,
      timeoutMs: 90_000,
    });
    for (const name of expected[kind]) {
      const live = await getJson<Child>(kubeconfig(), ['-n', namespace, `${resource}/${name}`]);
      expect(live?.metadata.ownerReferences, `${kind} ${name}`).toMatchObject([
        { kind: 'MicroService', name: 'ledger', controller: true },
      ]);
    }
  }
  expect(await namesOf(ISTIO_AP)).not.toContain('ledger');
  const server = await getJson<Child>(kubeconfig(), ['-n', namespace, `${LINKERD.Server}/ledger-http`]);
  expect(server?.spec).toStrictEqual({
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ledger' } },
    port: 8080,
    proxyProtocol: 'HTTP/1',
    accessPolicy: 'deny',
  });
  const authentication = await getJson<Child>(kubeconfig(), [
    '-n',
    namespace,
    `${LINKERD.MeshTLSAuthentication}/ledger`,
  ]);
  expect(authentication?.spec['identityRefs']).toStrictEqual([
    { kind: 'Namespace', name: 'infra' },
    { kind: 'ServiceAccount', name: 'storefront' },
    { kind: 'ServiceAccount', name: 'audit', namespace: 'ops' },
  ]);
  await eventually(async () => conditionOf(await ms('ledger'), 'ChildrenApplied')?.status === 'True', {
    what: 'ChildrenApplied=True',
    timeoutMs: 30_000,
  });

  // The admin port goes: its Server and AuthorizationPolicy are pruned, the http port's stay.
  await kubectl(kubeconfig(), [
    '-n',
    namespace,
    'patch',
    'microservice/ledger',
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/spec/ports/2"}]',
  ]);
  for (const resource of [LINKERD.Server, LINKERD.AuthorizationPolicy]) {
    await eventually(async () => (await namesOf(resource)).join() === 'ledger-http', {
      what: `${resource}/ledger-admin pruned`,
      timeoutMs: 60_000,
    });
  }

  // Linkerd → Istio: every Linkerd object is pruned and Istio's AuthorizationPolicy (same kind name) applied.
  await kubectl(kubeconfig(), [
    '-n',
    namespace,
    'patch',
    'microservice/ledger',
    '--type=merge',
    '-p',
    '{"spec":{"mesh":{"provider":"istio"}}}',
  ]);
  for (const resource of Object.values(LINKERD)) {
    await eventually(async () => (await namesOf(resource)).length === 0, {
      what: `${resource} pruned`,
      timeoutMs: 60_000,
    });
  }
  await eventually(async () => (await namesOf(ISTIO_AP)).includes('ledger'), {
    what: 'Istio AuthorizationPolicy ledger applied',
    timeoutMs: 60_000,
  });

  await kubectl(kubeconfig(), [
    '-n',
    namespace,
    'patch',
    'microservice/ledger',
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/spec/allowedCallers"}]',
  ]);
  await eventually(async () => !(await namesOf(ISTIO_AP)).includes('ledger'), {
    what: 'Istio AuthorizationPolicy ledger pruned',
    timeoutMs: 60_000,
  });
}, 300_000);
