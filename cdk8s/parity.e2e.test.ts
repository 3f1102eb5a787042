// Parity of the doors on a real API server: for every service of the example cdk8s app, the
// objects `cdk8s synth` writes are exactly what the operator applied, compared on the fields the
// operator owns (its managedFields entry), not on what the API server defaulted around them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { canonicalJson } from '../render/index.ts';
import { kubectl } from '../test/e2e/cluster.ts';
import { apply, conditionOf, eventually, getJson, installCrd, installVendoredCrds } from '../test/e2e/kube.ts';
import { createTestNamespace } from '../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../test/e2e/operator-process.ts';
import { e2eKubeconfigPath as kubeconfig } from '../test/support/operator.ts';
import { repoRoot } from '../tools/bin.ts';

const SERVICES = ['gateway', 'user', 'order', 'payments'] as const;
const POOL = 'pool.example.com/name';
const RESOURCE = {
  ServiceAccount: 'serviceaccount',
  Service: 'service',
  Deployment: 'deployment',
  HorizontalPodAutoscaler: 'hpa',
  PodDisruptionBudget: 'pdb',
  NetworkPolicy: 'networkpolicies.networking.k8s.io',
  Ingress: 'ingresses.networking.k8s.io',
  HTTPRoute: 'httproutes.gateway.networking.k8s.io',
  GRPCRoute: 'grpcroutes.gateway.networking.k8s.io',
  ServiceMonitor: 'servicemonitors.monitoring.coreos.com',
  PodMonitor: 'podmonitors.monitoring.coreos.com',
} as const;
/** By group as well as kind: Istio's and Linkerd's AuthorizationPolicy share the kind. */
const GROUPED_RESOURCE: Record<string, string> = {
  'security.istio.io/v1/AuthorizationPolicy': 'authorizationpolicies.security.istio.io',
  'policy.linkerd.io/v1beta3/Server': 'servers.policy.linkerd.io',
  'policy.linkerd.io/v1alpha1/MeshTLSAuthentication': 'meshtlsauthentications.policy.linkerd.io',
  'policy.linkerd.io/v1alpha1/AuthorizationPolicy': 'authorizationpolicies.policy.linkerd.io',
};
const resourceOf = (object: Json): string => {
  const kind = object['kind'] as string;
  const grouped = GROUPED_RESOURCE[`${object['apiVersion']}/${kind}`];
  const resource = grouped ?? RESOURCE[kind as keyof typeof RESOURCE];
  if (resource === undefined) throw new Error(`parity test: no kubectl resource for ${object['apiVersion']} ${kind}`);
  return resource;
};

type Json = Record<string, unknown>;
type FieldsV1 = { [key: string]: FieldsV1 };

/**
 * The part of `live` that a managedFields `fieldsV1` set covers: `f:x` selects field x, `k:{…}`
 * a list item by its keys, `v:…` a set member, `.` the node itself.
 */
function project(live: unknown, fields: FieldsV1): unknown {
  const keys = Object.keys(fields).filter((k) => k !== '.');
  if (keys.length === 0) return live;
  if (Array.isArray(live)) {
    const out: unknown[] = [];
    for (const key of keys) {
      if (key.startsWith('k:')) {
        const match = JSON.parse(key.slice(2)) as Json;
        const item = live.find((i) => Object.entries(match).every(([k, v]) => (i as Json)?.[k] === v));
        if (item !== undefined) out.push(project(item, fields[key] as FieldsV1));
      } else if (key.startsWith('v:')) {
        out.push(JSON.parse(key.slice(2)));
      }
    }
    return out;
  }
  const out: Json = {};
  for (const key of keys) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    const value = (live as Json | undefined)?.[name];
    if (value !== undefined) out[name] = project(value, fields[key] as FieldsV1);
  }
  return out;
}

/** Lists in a stable order (by name when items have one) so projection order does not matter. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    return items.every((i) => i !== null && typeof i === 'object' && 'name' in (i as Json))
      ? [...items].sort((a, b) => String((a as Json)['name']).localeCompare(String((b as Json)['name'])))
      : items;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

let outdir = '';
let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
let operator: OperatorProcess | undefined;
let synthesized: Json[] = [];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk8s-parity-'));
  await installCrd(kubeconfig());
  // The third-party kinds the examples render (test/support/crds): the operator applies them only where served.
  await installVendoredCrds(kubeconfig());
  const ns = await createTestNamespace(kubeconfig(), 'parity');
  namespace = ns.name;
  cleanup = ns.cleanup;
  // Synthesized for the namespace the operator renders in: Istio principals of callers listed
  // without a namespace name the MicroService's own one.
  const env = {
    ...process.env,
    MSVC_NAMESPACE: namespace,
    PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}`,
  };
  const synth = spawnSync(
    join(repoRoot, 'node_modules/.bin/cdk8s'),
    ['synth', '--no-check-upgrade', '--output', outdir],
    {
      cwd: join(repoRoot, 'examples/cdk8s-app'),
      env,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (synth.status !== 0) throw new Error(`cdk8s synth failed:\n${synth.stderr}`);
  const file = readdirSync(outdir).find((f) => /services\.k8s\.yaml$/.test(f));
  if (!file) throw new Error(`no services chart in ${readdirSync(outdir).join(', ')}`);
  synthesized = parseAllDocuments(readFileSync(join(outdir, file), 'utf8')).map((d) => d.toJS() as Json);

  operator = await startOperator({ kubeconfig: kubeconfig(), namespaces: [namespace] });
  // payments runs on a dedicated node pool (nodeSelector + toleration): the kwok nodes join it.
  await kubectl(kubeconfig(), ['label', 'node', '--all', `${POOL}=payments`, '--overwrite']);
  await apply(
    kubeconfig(),
    SERVICES.map((name) => {
      const doc = parse(readFileSync(join(repoRoot, 'examples', `${name}.yaml`), 'utf8')) as Json;
      return { ...doc, metadata: { ...(doc['metadata'] as Json), namespace } };
    }),
  );
  for (const name of SERVICES) {
    await eventually(
      async () =>
        conditionOf(await getJson(kubeconfig(), ['-n', namespace, `microservice/${name}`]), 'Ready')?.status === 'True',
      { what: `${name} Ready`, timeoutMs: 120_000 },
    );
  }
}, 300_000);

afterAll(async () => {
  await kubectl(kubeconfig(), ['label', 'node', '--all', `${POOL}-`], { check: false });
  await operator?.stop();
  await cleanup?.();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('cdk8s synth == what the operator applied', () => {
  it('synthesized every child of the four services', () => {
    expect(synthesized.length).toBeGreaterThanOrEqual(SERVICES.length * 3);
  });

  it('matches on every field the operator owns, and the operator owns no field cdk8s did not write', async () => {
    for (const object of synthesized) {
      const kind = object['kind'] as string;
      const name = (object['metadata'] as Json)['name'] as string;
      const live = await getJson<
        Json & {
          metadata: {
            managedFields?: { manager: string; operation: string; subresource?: string; fieldsV1: FieldsV1 }[];
          };
        }
      >(kubeconfig(), ['-n', namespace, `${resourceOf(object)}/${name}`, '--show-managed-fields']);
      expect(live, `${kind}/${name} exists`).toBeDefined();
      const entry = live?.metadata.managedFields?.find(
        (m) => m.manager === 'msvc-operator' && m.operation === 'Apply' && !m.subresource,
      );
      expect(entry, `${kind}/${name} has fields applied by msvc-operator`).toBeDefined();
      const owned = project(live, entry?.fieldsV1 ?? {}) as Json;
      // What the operator adds to the rendered object: identity and ownership bookkeeping.
      const metadata = { ...(owned['metadata'] as Json) };
      delete metadata['ownerReferences'];
      // The shard bucket of the owner (SHARD_BUCKET_LABEL in operator/runtime/shard.ts, docs/sharding.md):
      // how sharded replicas select their children server-side; it must be a bucket of the ring (0–1023).
      const labels = { ...(metadata['labels'] as Json | undefined) };
      const bucket = labels['sharding.msvc.dev/bucket'];
      expect(String(bucket), `${kind}/${name}: shard bucket label`).toMatch(/^(\d|[1-9]\d{1,2}|10[01]\d|102[0-3])$/);
      delete labels['sharding.msvc.dev/bucket'];
      metadata['labels'] = labels;
      const annotations = { ...(metadata['annotations'] as Json | undefined) };
      delete annotations['msvc.dev/applied-hash'];
      if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
      else delete metadata['annotations'];
      const got: Json = { ...owned, metadata };
      const spec = got['spec'] as Json | undefined;
      const synthesizedSpec = object['spec'] as Json | undefined;
      if (kind === 'Deployment' && spec?.['replicas'] !== undefined && synthesizedSpec?.['replicas'] === undefined) {
        // An autoscaled Deployment is created at minReplicas and the count handed to the HPA in the
        // same reconcile (operator/handoff.ts): the handoff manager must hold it too, so our share
        // goes away at the next apply or the HPA's first scale.
        const handoff = live?.metadata.managedFields?.find((m) => m.manager === 'msvc-operator-handoff');
        expect(handoff?.fieldsV1['f:spec']?.['f:replicas'], `${kind}/${name}: replicas handed over`).toBeDefined();
        got['spec'] = Object.fromEntries(Object.entries(spec).filter(([k]) => k !== 'replicas'));
      }
      const want: Json = { ...object, metadata: { ...(object['metadata'] as Json) } };
      delete (want['metadata'] as Json)['name'];
      delete (want['metadata'] as Json)['namespace'];
      for (const o of [got, want]) {
        delete o['apiVersion'];
        delete o['kind'];
      }
      expect(canonicalJson(normalize(got)), `${kind}/${name}`).toBe(canonicalJson(normalize(want)));
    }
  });
});
