// Routes and caller policies through the operator on the real control plane, with the projects'
// own CRDs (Gateway API v1.6.3 standard channel, Istio's security.istio.io; test/support/crds):
// a MicroService with spec.routes and spec.allowedCallers gets its HTTPRoute, GRPCRoute and Ingress,
// its NetworkPolicy and Istio AuthorizationPolicy, each owned by it; removing the two fields prunes
// all five, and the Deployment stays.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kubectl } from '../../test/e2e/cluster.ts';
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
const ms = () => getJson(kubeconfig(), ['-n', namespace, 'microservice/catalog']);

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
