// `msvc diff` on the real local control plane, through the CLI bin, with the operator running: its
// output is a patch, and applying that patch to the live objects must give exactly what the
// operator's apply then leaves (every child compared, those the diff does not name must not change).
// Checked for an adoption (objects made by `kubectl apply` before the MicroService existed), after
// which the diff is empty, and for a spec change that rolls the pods and prunes the PDB; and for
// the path docs/migration.md documents, from a real `helm install` to the removed release.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { helm } from '../../charts/helm.ts';
import { ADOPT_ANNOTATION } from '../../operator/microservice/adoption.ts';
import { kubectl } from '../../test/e2e/cluster.ts';
import { type Condition, conditionOf, eventually, getJson, installCrd } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { startOperator } from '../../test/e2e/operator-process.ts';
import { msvc } from '../../test/support/cli.ts';
import { e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';
import { UNKNOWN_BUCKET, UNKNOWN_HASH, UNKNOWN_UID } from './diff.ts';
import { objectText } from './diff-text.ts';

type Json = Record<string, unknown>;
type Obj = { metadata: { uid: string; generation?: number; annotations?: Record<string, string> } } & Json;

const KINDS = [
  ['ServiceAccount', 'serviceaccount'],
  ['Service', 'service'],
  ['Deployment', 'deployment'],
  ['HorizontalPodAutoscaler', 'horizontalpodautoscaler'],
  ['PodDisruptionBudget', 'poddisruptionbudget'],
  ['NetworkPolicy', 'networkpolicy'],
  ['Ingress', 'ingress'],
] as const;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

beforeAll(async () => {
  await installCrd(kubeconfig());
});

async function setup(prefix: string) {
  const ns = await createTestNamespace(kubeconfig(), prefix);
  cleanups.push(ns.cleanup);
  const op = await startOperator({ kubeconfig: kubeconfig(), namespaces: [ns.name], resyncSeconds: 600 });
  cleanups.push(() => op.stop('SIGKILL'));
  const dir = mkdtempSync(join(tmpdir(), 'msvc-diff-e2e-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return { ns: ns.name, dir };
}

/** Every child kind's object as `msvc diff` prints it ('' when absent), keyed as its `Index:` line. */
async function snapshot(ns: string, name: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [kind, resource] of KINDS) {
    const o = await getJson<Json>(kubeconfig(), ['-n', ns, `${resource}/${name}`, '--show-managed-fields']);
    out.set(`${kind} ${ns}/${name}`, objectText(o));
  }
  return out;
}

/** The Deployment controller bumps its revision annotation on a rollout: not the operator's write. */
const withoutRevision = (text: string) => text.replace(/^ {4}deployment\.kubernetes\.io\/revision: .*\n/m, '');

/**
 * `before` with the diff's patches applied: what the diff says the operator leaves. Before the
 * MicroService exists, the diff cannot know its uid, nor the applied-hash annotation that hashes
 * the owner reference: those placeholders take the live values.
 */
function predicted(
  before: Map<string, string>,
  diff: string,
  uid: string,
  actual: Map<string, string>,
): Map<string, string> {
  const out = new Map(before);
  const patches = parsePatch(diff);
  expect(patches.length, diff).toBeGreaterThan(0);
  for (const patch of patches) {
    const key = patch.index ?? '';
    expect(before.has(key), `${key} is a child kind`).toBe(true);
    const result = applyPatch(before.get(key) ?? '', patch);
    if (result === false) throw new Error(`the patch of ${key} does not apply to the live object:\n${diff}`);
    const hash = /msvc\.dev\/applied-hash: (\S+)/.exec(actual.get(key) ?? '')?.[1] ?? 'none';
    const bucket = /sharding\.msvc\.dev\/bucket: "?(\d+)/.exec(actual.get(key) ?? '')?.[1] ?? 'none';
    out.set(
      key,
      result.split(UNKNOWN_UID).join(uid).split(UNKNOWN_HASH).join(hash).split(UNKNOWN_BUCKET).join(`"${bucket}"`),
    );
  }
  return out;
}

async function microService(ns: string, name: string) {
  return getJson<Obj & { status?: { observedGeneration?: number; conditions?: Condition[] } }>(kubeconfig(), [
    '-n',
    ns,
    `microservice/${name}`,
  ]);
}

/** The operator has reconciled the MicroService's current generation and it is Ready. */
async function reconciled(ns: string, name: string) {
  return eventually(
    async () => {
      const ms = await microService(ns, name);
      const ready = conditionOf(ms, 'Ready')?.status === 'True';
      return ready && ms?.status?.observedGeneration === ms?.metadata.generation ? ms : undefined;
    },
    { what: `MicroService ${ns}/${name} reconciled and Ready`, timeoutMs: 90_000 },
  );
}

function expectSame(actual: Map<string, string>, want: Map<string, string>) {
  for (const [key, text] of want) expect(withoutRevision(actual.get(key) ?? ''), key).toBe(withoutRevision(text));
}

async function diff(file: string) {
  const result = await msvc(['diff', '-f', file, '--kubeconfig', kubeconfig()]);
  if ((result.code ?? 99) > 1) throw new Error(`msvc diff failed (${result.code}): ${result.stderr}`);
  return result;
}

/** The MicroService `msvc import` prints for the live objects, with the adoption opt-in. */
async function imported(ns: string, dir: string): Promise<{ file: string; spec: Json }> {
  const live = await kubectl(kubeconfig(), ['-n', ns, 'get', 'deploy,svc,hpa,pdb,sa', '-o', 'yaml']);
  writeFileSync(join(dir, 'live.yaml'), live.stdout);
  const result = await msvc(['import', '-f', join(dir, 'live.yaml')]);
  expect(result.code, result.stderr).toBe(0);
  const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Json & { metadata: Json });
  const services = docs.filter((d) => d['kind'] === 'MicroService');
  expect(services).toHaveLength(1);
  const ms = services[0] as Json & { metadata: Json };
  ms.metadata = { ...ms.metadata, annotations: { [ADOPT_ANNOTATION]: 'true' } };
  const file = join(dir, 'microservice.yaml');
  writeFileSync(file, stringify(ms));
  return { file, spec: ms };
}

/** The replica sets of the namespace: the same UIDs after a step means no pod was replaced. */
async function replicaSets(ns: string): Promise<string[]> {
  const list = await getJson<{ items: Obj[] }>(kubeconfig(), ['-n', ns, 'replicasets']);
  return (list?.items ?? []).map((r) => r.metadata.uid).sort();
}

/** The pods of the namespace as uid:restarts, so a replaced or restarted pod shows. */
async function pods(ns: string): Promise<string[]> {
  type Pod = Obj & { status?: { containerStatuses?: { restartCount?: number }[] } };
  const list = await getJson<{ items: Pod[] }>(kubeconfig(), ['-n', ns, 'pods']);
  return (list?.items ?? [])
    .map(
      (p) => `${p.metadata.uid}:${(p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0)}`,
    )
    .sort();
}

/** The kinds of child that exist and have the MicroService as their controlling owner. */
async function ownedChildren(ns: string, name: string, uid: string): Promise<string[]> {
  type Owned = Obj & { metadata: { ownerReferences?: { kind: string; uid: string; controller?: boolean }[] } };
  const out: string[] = [];
  for (const [kind, resource] of KINDS) {
    const o = await getJson<Owned>(kubeconfig(), ['-n', ns, `${resource}/${name}`]);
    if (o?.metadata.ownerReferences?.some((r) => r.kind === 'MicroService' && r.uid === uid && r.controller))
      out.push(kind);
  }
  return out.sort();
}

/** A multi-document YAML stream with one more annotation on every object. */
function withAnnotation(stream: string, key: string, value: string): string {
  return parseAllDocuments(stream)
    .map((d) => d.toJS() as { metadata: { annotations?: Record<string, string> } } | null)
    .filter((o) => o !== null)
    .map((o) =>
      stringify({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [key]: value } } }),
    )
    .join('---\n');
}

/** Each step of the migration: diff, apply, and the live objects are exactly what the diff said. */
async function applyAndCompare(ns: string, name: string, file: string, before: Map<string, string>, stdout: string) {
  await kubectl(kubeconfig(), ['apply', '-f', file]);
  const ms = await reconciled(ns, name);
  const actual = await snapshot(ns, name);
  const want = predicted(before, stdout, ms.metadata.uid, actual);
  expectSame(actual, want);
  return want;
}

describe('msvc diff', () => {
  it('predicts an adoption exactly, is empty after it, and predicts a spec change exactly (rollout, prune)', async () => {
    const { ns, dir } = await setup('diff');
    const name = 'user';
    // The service as a team deployed it before: msvc render output, applied client-side.
    const spec = { image: 'registry.example.com/shop/user:1.0.0', replicas: 2, ports: [{ name: 'http', port: 8080 }] };
    const source = join(dir, 'source.yaml');
    writeFileSync(
      source,
      stringify({ apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', metadata: { name, namespace: ns }, spec }),
    );
    const rendered = await msvc(['render', '-f', source]);
    await kubectl(kubeconfig(), ['-n', ns, 'apply', '-f', '-'], { input: rendered.stdout });
    await eventually(async () => (await replicaSets(ns)).length === 1, { what: 'a ReplicaSet' });

    const { file } = await imported(ns, dir);
    const before = await snapshot(ns, name);
    const adoption = await diff(file);
    expect(adoption.code, adoption.stderr).toBe(1);
    expect(adoption.stdout).toContain(`Index: Deployment ${ns}/${name}`);
    expect(adoption.stdout).toContain('rollout: no');
    expect(adoption.stdout).toContain(`${ADOPT_ANNOTATION}: "true"`);
    // kubectl's bookkeeping goes with the transfer; the owner reference comes.
    expect(adoption.stdout).toMatch(/^- {4}kubectl\.kubernetes\.io\/last-applied-configuration: /m);
    expect(adoption.stdout).toMatch(/^\+ {6}uid: <the uid of the MicroService, once created>$/m);
    const replicaSetsBefore = await replicaSets(ns);
    await applyAndCompare(ns, name, file, before, adoption.stdout);
    expect(await replicaSets(ns)).toStrictEqual(replicaSetsBefore);

    const after = await diff(file);
    expect({ code: after.code, stdout: after.stdout }, after.stderr).toStrictEqual({ code: 0, stdout: '' });

    // A spec change: a new image and env (the pods roll), one replica (no PDB any more: pruned).
    const changed = join(dir, 'changed.yaml');
    const ms = (await microService(ns, name)) as Obj;
    writeFileSync(
      changed,
      stringify({
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        metadata: { name, namespace: ns, annotations: { [ADOPT_ANNOTATION]: 'true' } },
        spec: {
          ...(ms['spec'] as Json),
          image: 'registry.example.com/shop/user:1.1.0',
          replicas: 1,
          env: [{ name: 'LOG_LEVEL', value: 'debug' }],
        },
      }),
    );
    const beforeChange = await snapshot(ns, name);
    const change = await diff(changed);
    expect(change.code, change.stderr).toBe(1);
    expect(change.stdout).toContain('rollout: yes');
    expect(change.stdout).toContain(`Index: PodDisruptionBudget ${ns}/${name}\n# pruned`);
    // The new image tag is the app.kubernetes.io/version label of every child.
    expect(change.stdout).toMatch(/^\+ {4}app\.kubernetes\.io\/version: 1\.1\.0$/m);
    const want = await applyAndCompare(ns, name, changed, beforeChange, change.stdout);
    expect(want.get(`PodDisruptionBudget ${ns}/${name}`)).toBe('');
    expect((await diff(changed)).code).toBe(0);
  });

  it("takes a MicroService's namespace from the kubeconfig context when it names none, as kubectl does", async () => {
    const { ns, dir } = await setup('diff-context');
    const name = 'user';
    // The same cluster, with a context namespace (kubectl config set-context --current --namespace).
    const contextKubeconfig = join(dir, 'kubeconfig');
    writeFileSync(contextKubeconfig, (await kubectl(kubeconfig(), ['config', 'view', '--raw', '--flatten'])).stdout);
    await kubectl(contextKubeconfig, ['config', 'set-context', '--current', `--namespace=${ns}`]);
    const file = join(dir, 'microservice.yaml');
    const spec = { image: 'registry.example.com/shop/user:1.0.0', replicas: 2, ports: [{ name: 'http', port: 8080 }] };
    writeFileSync(file, stringify({ apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', metadata: { name }, spec }));
    // Before it exists, the diff creates every child in the context's namespace.
    const creation = await msvc(['diff', '-f', file, '--kubeconfig', contextKubeconfig]);
    expect(creation.code, creation.stderr).toBe(1);
    expect(creation.stdout).toContain(`Index: Deployment ${ns}/${name}`);
    expect(creation.stdout).not.toContain(`default/${name}`);
    // kubectl puts it there too; once the operator has applied it, the diff is empty.
    await kubectl(contextKubeconfig, ['apply', '-f', file]);
    await reconciled(ns, name);
    const same = await msvc(['diff', '-f', file, '--kubeconfig', contextKubeconfig]);
    expect({ code: same.code, stdout: same.stdout }, same.stderr).toStrictEqual({ code: 0, stdout: '' });
    // -n wins over the context; without either it is `default`.
    const flag = await msvc(['diff', '-f', file, '--kubeconfig', contextKubeconfig, '-n', 'default']);
    expect(flag.stdout).toContain(`Index: Deployment default/${name}`);
    const plain = await msvc(['diff', '-f', file, '--kubeconfig', kubeconfig()]);
    expect(plain.stdout).toContain(`Index: Deployment default/${name}`);
  });

  // docs/migration.md step 4, both ways: the release's storage Secrets deleted (Helm forgets it), or
  // the chart upgraded to mark every object helm.sh/resource-policy: keep before `helm uninstall`.
  it.each(['forget the release', 'resource-policy keep'] as const)(
    'walks docs/migration.md: helm install, import, diff, apply with adoption, the release removed (%s), objects kept',
    async (removal) => {
      const { ns, dir } = await setup('migrate');
      const name = 'user';
      // A chart whose templates are what the MicroService renders (so its pod template is the
      // MicroService's): installed by the real helm, which adds its own labels and annotations.
      const spec = {
        image: 'registry.example.com/shop/user:1.0.0',
        replicas: 2,
        ports: [{ name: 'http', port: 8080 }],
      };
      const source = join(dir, 'source.yaml');
      writeFileSync(
        source,
        stringify({ apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', metadata: { name, namespace: ns }, spec }),
      );
      const chart = join(dir, 'chart');
      mkdirSync(join(chart, 'templates'), { recursive: true });
      writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: user\nversion: 1.0.0\n');
      const rendered = (await msvc(['render', '-f', source])).stdout;
      writeFileSync(join(chart, 'templates/all.yaml'), rendered);
      const helmIn = (args: string[], check = true) =>
        helm([...args, '-n', ns, '--kubeconfig', kubeconfig()], { check });
      await helmIn(['install', name, chart]);
      await eventually(async () => (await replicaSets(ns)).length === 1, { what: 'a ReplicaSet' });
      const replicaSetsBefore = await replicaSets(ns);
      const podsBefore = await pods(ns);
      expect(podsBefore.length).toBe(2);
      if (removal === 'resource-policy keep') {
        // Helm reads the policy from the release's stored manifest: the chart must say it, and be upgraded.
        writeFileSync(join(chart, 'templates/all.yaml'), withAnnotation(rendered, 'helm.sh/resource-policy', 'keep'));
        await helmIn(['upgrade', name, chart]);
      }

      // 1. import, 2. diff, 3. apply with adoption.
      const { file } = await imported(ns, dir);
      const before = await snapshot(ns, name);
      const adoption = await diff(file);
      expect(adoption.code, adoption.stderr).toBe(1);
      expect(adoption.stdout).toContain('rollout: no');
      expect(adoption.stdout).toMatch(/^- {4}meta\.helm\.sh\/release-name: user$/m);
      await applyAndCompare(ns, name, file, before, adoption.stdout);
      expect((await diff(file)).code).toBe(0);
      const adopted = await snapshot(ns, name);

      // 4. The old release goes; every object stays.
      if (removal === 'forget the release') {
        const secrets = ['-n', ns, 'secret', '-l', `owner=helm,name=${name}`];
        expect((await kubectl(kubeconfig(), ['get', ...secrets, '-o', 'name'])).stdout).toContain(
          `sh.helm.release.v1.${name}.v1`,
        );
        await kubectl(kubeconfig(), ['delete', ...secrets]);
        const uninstall = await helmIn(['uninstall', name], false);
        expect(uninstall.code, 'helm uninstall of a forgotten release deletes nothing').not.toBe(0);
      } else {
        const uninstall = await helmIn(['uninstall', name]);
        expect(uninstall.stdout).toContain('These resources were kept due to the resource policy:');
        for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget'])
          expect(uninstall.stdout).toContain(`[${kind}] ${name}`);
      }
      expect((await helmIn(['list', '-q'])).stdout.trim()).toBe('');
      const ms = await reconciled(ns, name);
      // Still there, the MicroService's (its controller owner reference), and not touched since.
      const owned = await ownedChildren(ns, name, ms.metadata.uid);
      expect(owned).toStrictEqual(['Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
      expectSame(await snapshot(ns, name), adopted);
      // No pod restarted: the same ReplicaSet, the same pods, no container restarts.
      expect(await replicaSets(ns)).toStrictEqual(replicaSetsBefore);
      expect(await pods(ns)).toStrictEqual(podsBefore);
      expect((await diff(file)).code).toBe(0);
    },
  );
});
