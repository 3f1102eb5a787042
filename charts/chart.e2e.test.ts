// The Helm chart on the real local control plane, with the real helm: install, upgrade and
// uninstall; the operator, authenticated as the chart's ServiceAccount (a TokenRequest token, not
// admin credentials), passes the core operator scenarios in both RBAC modes and sharded (the RBAC is
// sufficient); `kubectl auth can-i --as` shows it can do nothing else (the RBAC is minimal); and
// the operator's pods and the workloads the operator renders are admitted under the `restricted`
// Pod Security level.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { parseMicroService } from '../api/index.ts';
import { ensureBuild } from '../bench/harness.ts';
import { render } from '../render/index.ts';
import { kubectl } from '../test/e2e/cluster.ts';
import { eventually, getJson } from '../test/e2e/kube.ts';
import { createTestNamespace, type TestNamespace } from '../test/e2e/namespace.ts';
import { type OperatorProcess, startOperator } from '../test/e2e/operator-process.ts';
import { runCoreScenarios } from '../test/e2e/scenarios.ts';
import { e2eKubeconfigPath as kubeconfig } from '../test/support/operator.ts';
import { repoRoot } from '../tools/bin.ts';
import { chartDir, helm, serviceAccountKubeconfig } from './helm.ts';

const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};
const CHART_NAME = 'microservice-operator';
const LEASE = 'msvc-operator';

const tmp = mkdtempSync(join(tmpdir(), 'msvc-chart-e2e-'));
const namespaces: TestNamespace[] = [];
const operators: OperatorProcess[] = [];
let release = '';
let releaseNs = '';
let appNs = '';
let otherNs = '';
const fullname = () => `${release}-${CHART_NAME}`;
const sa = () => `system:serviceaccount:${releaseNs}:${fullname()}`;

async function namespace(prefix: string, labels: Record<string, string> = RESTRICTED): Promise<string> {
  const ns = await createTestNamespace(kubeconfig(), prefix, { labels });
  namespaces.push(ns);
  return ns.name;
}

/** `kubectl auth can-i` as the chart's ServiceAccount (resource[/name][:subresource]): true (yes) or false (no). */
async function can(verb: string, resource: string, ns?: string): Promise<boolean> {
  // resource[/name][:subresource]
  const [object = '', subresource] = resource.split(':');
  const args = ['auth', 'can-i', verb, object, `--as=${sa()}`];
  if (subresource) args.push(`--subresource=${subresource}`);
  args.push(...(ns === undefined ? ['--all-namespaces'] : ['-n', ns]));
  const result = await kubectl(kubeconfig(), args, { check: false });
  if (result.code !== 0 && result.code !== 1) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim() === 'yes';
}

/** Every check that fails, as "verb resource ns: got X", so a failure lists them all at once. */
async function mismatches(checks: [verb: string, resource: string, ns: string | undefined, want: boolean][]) {
  const out: string[] = [];
  for (let i = 0; i < checks.length; i += 6) {
    const batch = checks.slice(i, i + 6);
    const got = await Promise.all(batch.map(([verb, resource, ns]) => can(verb, resource, ns)));
    batch.forEach(([verb, resource, ns, want], j) => {
      if (got[j] !== want)
        out.push(`${verb} ${resource} in ${ns ?? 'all namespaces'}: can-i says ${got[j]}, want ${want}`);
    });
  }
  return out;
}

/**
 * The rules `kubectl auth can-i --list` shows for the chart's ServiceAccount in a namespace, minus
 * those every ServiceAccount has (the `default` one of the release namespace, which is bound to
 * nothing): exactly what the chart grants there, one "resource [] [names] [verbs]" line per rule.
 */
async function grantedRules(ns: string): Promise<string[]> {
  const list = async (user: string) => {
    const { stdout } = await kubectl(kubeconfig(), ['auth', 'can-i', '--list', `--as=${user}`, '-n', ns]);
    return stdout
      .split('\n')
      .slice(1)
      .filter((line) => /^\S/.test(line)) // resource rules; non-resource URLs are indented
      .map((line) =>
        line
          .trim()
          .split(/\s{2,}/)
          .join(' '),
      );
  };
  const baseline = new Set(await list(`system:serviceaccount:${releaseNs}:default`));
  return (await list(sa())).filter((rule) => !baseline.has(rule)).sort();
}

const rule = (resource: string, verbs: string[], names: string[] = []) =>
  `${resource} [] [${names.join(' ')}] [${verbs.join(' ')}]`;
const CHILD_VERBS = ['list', 'watch', 'create', 'patch', 'delete'];
const OPTIONAL_CHILD_VERBS = ['get', 'create', 'patch', 'delete'];
const SEVERAL_CHILD_VERBS = ['get', 'list', 'create', 'patch', 'delete'];
const MANAGER_RULES = [
  rule('microservices.msvc.dev', ['list', 'watch']),
  rule('microservices.msvc.dev/status', ['patch']),
  rule('microservices.msvc.dev/finalizers', ['update']),
  rule('serviceaccounts', CHILD_VERBS),
  rule('services', CHILD_VERBS),
  rule('deployments.apps', CHILD_VERBS),
  rule('horizontalpodautoscalers.autoscaling', CHILD_VERBS),
  rule('poddisruptionbudgets.policy', CHILD_VERBS),
  rule('networkpolicies.networking.k8s.io', CHILD_VERBS),
  rule('ingresses.networking.k8s.io', CHILD_VERBS),
  // Optional children whose CRD may be missing: read by GET, never watched (operator/runtime/discovery.ts).
  rule('servicemonitors.monitoring.coreos.com', OPTIONAL_CHILD_VERBS),
  rule('podmonitors.monitoring.coreos.com', OPTIONAL_CHILD_VERBS),
  rule('httproutes.gateway.networking.k8s.io', OPTIONAL_CHILD_VERBS),
  rule('grpcroutes.gateway.networking.k8s.io', OPTIONAL_CHILD_VERBS),
  rule('authorizationpolicies.security.istio.io', OPTIONAL_CHILD_VERBS),
  rule('meshtlsauthentications.policy.linkerd.io', OPTIONAL_CHILD_VERBS),
  // Linkerd's Servers and AuthorizationPolicies: several per MicroService (one per port), listed to prune.
  rule('servers.policy.linkerd.io', SEVERAL_CHILD_VERBS),
  rule('authorizationpolicies.policy.linkerd.io', SEVERAL_CHILD_VERBS),
  rule('pods', ['list', 'watch']),
  // The capacity preflight (CapacityRisk) reads quotas and limit ranges.
  rule('resourcequotas', ['list', 'watch']),
  rule('limitranges', ['list', 'watch']),
  rule('events', ['create', 'update']),
];
/** PodSecurityRisk: the namespaces' enforce label (a ClusterRole; with watchNamespaces by resourceNames). */
const namespaceRule = (names: string[] = []) => rule('namespaces', ['get', 'list', 'watch'], names);
const LEASE_RULES = [
  rule('leases.coordination.k8s.io', ['create']),
  rule('leases.coordination.k8s.io', ['get', 'update'], [LEASE]),
];

/** What the operator does, in the namespaces it watches. */
const MANAGER_VERBS: [string, string][] = [
  ['list', 'microservices.msvc.dev'],
  ['watch', 'microservices.msvc.dev'],
  ['patch', 'microservices.msvc.dev:status'],
  ['update', 'microservices.msvc.dev:finalizers'],
  ...[
    'serviceaccounts',
    'services',
    'deployments.apps',
    'horizontalpodautoscalers.autoscaling',
    'poddisruptionbudgets.policy',
    'networkpolicies.networking.k8s.io',
    'ingresses.networking.k8s.io',
  ].flatMap((r) => ['list', 'watch', 'create', 'patch', 'delete'].map((v): [string, string] => [v, r])),
  // (ServiceMonitor/PodMonitor, HTTPRoute/GRPCRoute and Istio's AuthorizationPolicy are checked in
  // the rule lists only: `kubectl auth can-i` resolves a kind through discovery, and their CRD is
  // not installed here.)
  ['list', 'pods'],
  ['watch', 'pods'],
  ['list', 'resourcequotas'],
  ['watch', 'resourcequotas'],
  ['list', 'limitranges'],
  ['watch', 'limitranges'],
  ['create', 'events'],
  ['update', 'events'],
];

/** What it must never do, anywhere. */
const FORBIDDEN: [string, string][] = [
  ['get', 'secrets'],
  ['list', 'secrets'],
  ['watch', 'secrets'],
  ['get', 'configmaps'],
  ['list', 'configmaps'],
  ['create', 'pods'],
  ['delete', 'pods'],
  ['create', 'pods:exec'],
  ['get', 'microservices.msvc.dev'],
  ['create', 'microservices.msvc.dev'],
  ['update', 'microservices.msvc.dev'],
  ['delete', 'microservices.msvc.dev'],
  ['update', 'deployments.apps'],
  ['update', 'deployments.apps:scale'],
  ['get', 'deployments.apps'],
  ['deletecollection', 'deployments.apps'],
  ['create', 'statefulsets.apps'],
  ['create', 'daemonsets.apps'],
  ['create', 'jobs.batch'],
  ['create', 'configmaps'],
  ['create', 'roles.rbac.authorization.k8s.io'],
  ['create', 'rolebindings.rbac.authorization.k8s.io'],
  ['create', 'serviceaccounts:token'],
  // Ingresses are children (create, patch, delete), never updated.
  ['update', 'ingresses.networking.k8s.io'],
  ['list', 'events'],
];

/** Never, cluster-scoped. */
const FORBIDDEN_CLUSTER: [string, string][] = [
  ['delete', 'namespaces'],
  ['list', 'nodes'],
  ['create', 'clusterroles.rbac.authorization.k8s.io'],
  ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
  ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
  ['create', 'mutatingwebhookconfigurations.admissionregistration.k8s.io'],
];

/** The operator process as the chart's ServiceAccount, watching appNs, leader-elected on the chart's Lease. */
/** The operator's own Lease in sharding mode (`--shard-identity`; the chart passes the pod name). */
const SHARD = 'chart-e2e-shard';
const SHARD_RULE = rule('leases.coordination.k8s.io', ['create', 'get', 'list', 'watch', 'update', 'delete']);

async function operatorAsServiceAccount(watch: string, sharded = false, identity = SHARD): Promise<OperatorProcess> {
  const saKubeconfig = await serviceAccountKubeconfig(kubeconfig(), releaseNs, fullname(), tmp);
  // The installed Deployment's command: the image's node, the chart's Node flags (nodeFlags,
  // --lite-mode by default), the compiled entry point. Run compiled, with those flags.
  const deployment = await getJson<{ spec: { template: { spec: { containers: { command?: string[] }[] } } } }>(
    kubeconfig(),
    ['-n', releaseNs, `deployment/${fullname()}`],
  );
  const command = deployment?.spec.template.spec.containers[0]?.command;
  expect(command?.at(-1)).toBe('/app/dist/operator/microservice/main.js');
  const op = await startOperator({
    nodeArgs: command?.slice(1, -1) ?? [],
    entry: join(ensureBuild(), 'operator/microservice/main.js'),
    kubeconfig: saKubeconfig,
    namespaces: [watch],
    ...(sharded
      ? { extraArgs: ['--sharding', '--shard-identity', identity, '--lease-namespace', releaseNs] }
      : { leaderElect: { namespace: releaseNs, name: LEASE, leaseDurationSeconds: 4 } }),
  });
  operators.push(op);
  return op;
}

function forbiddenInLogs(op: OperatorProcess): string[] {
  return op
    .logs()
    .split('\n')
    .filter((line) => /\b403\b|forbidden/i.test(line));
}

async function releaseWorkloadReady(replicas: number): Promise<void> {
  await eventually(
    async () => {
      const d = await getJson<{ status?: { readyReplicas?: number; updatedReplicas?: number } }>(kubeconfig(), [
        '-n',
        releaseNs,
        `deployment/${fullname()}`,
      ]);
      return d?.status?.readyReplicas === replicas && d.status.updatedReplicas === replicas;
    },
    { what: `${replicas} ready operator pods`, timeoutMs: 120_000 },
  );
}

beforeAll(async () => {
  releaseNs = await namespace('msvc-system');
  appNs = await namespace('chart-app');
  otherNs = await namespace('chart-other');
  release = `rel${Math.random().toString(36).slice(2, 8)}`;
});

afterAll(async () => {
  for (const op of operators) await op.stop('SIGKILL');
  await helm(['uninstall', release, '-n', releaseNs, '--kubeconfig', kubeconfig()], { check: false });
  for (const ns of namespaces) await ns.cleanup();
});

describe('the Helm chart on a real control plane', () => {
  it('installs into a restricted namespace; the operator pods are admitted and Ready', async () => {
    const result = await helm([
      'install',
      release,
      chartDir,
      '-n',
      releaseNs,
      '--kubeconfig',
      kubeconfig(),
      '--wait',
      '--timeout=120s',
    ]);
    // PodSecurity's `warn` mode prints "would violate PodSecurity" for a non-compliant template.
    expect(result.stderr).not.toMatch(/PodSecurity/);
    expect(result.stdout).toContain('STATUS: deployed');
    expect(result.stdout).toContain('It watches MicroServices in every namespace.'); // NOTES.txt
    await releaseWorkloadReady(2);
    const crd = await getJson(kubeconfig(), ['crd', 'microservices.msvc.dev']);
    expect(crd).toBeDefined();
    const failed = await kubectl(kubeconfig(), [
      '-n',
      releaseNs,
      'get',
      'events',
      '--field-selector',
      'reason=FailedCreate',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(failed.stdout).toBe('');
    const pdb = await getJson(kubeconfig(), ['-n', releaseNs, `pdb/${fullname()}`]);
    expect(pdb).toBeDefined();

    // The control: the same chart with a weaker security context is what PodSecurity reports.
    const weak = await helm([
      'template',
      'weak',
      chartDir,
      '-n',
      releaseNs,
      '--set',
      'securityContext.allowPrivilegeEscalation=true',
      '--show-only',
      'templates/deployment.yaml',
    ]);
    const dryRun = await kubectl(kubeconfig(), ['apply', '--dry-run=server', '-f', '-'], { input: weak.stdout });
    expect(dryRun.stderr).toMatch(/would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });

  it('cluster-wide mode: the ServiceAccount can do what the operator does and nothing else', async () => {
    const checks: [string, string, string | undefined, boolean][] = [
      ...MANAGER_VERBS.map(([v, r]): [string, string, string | undefined, boolean] => [v, r, appNs, true]),
      ...MANAGER_VERBS.filter(([v]) => v === 'list' || v === 'watch').map(
        ([v, r]): [string, string, string | undefined, boolean] => [v, r, undefined, true],
      ),
      ...FORBIDDEN.flatMap(([v, r]): [string, string, string | undefined, boolean][] => [
        [v, r, appNs, false],
        [v, r, releaseNs, false],
        [v, r, undefined, false],
      ]),
      ...FORBIDDEN_CLUSTER.map(([v, r]): [string, string, string | undefined, boolean] => [v, r, undefined, false]),
      // The Lease: only in its own namespace, get/update only by name.
      ['create', 'leases.coordination.k8s.io', releaseNs, true],
      ['get', `leases.coordination.k8s.io/${LEASE}`, releaseNs, true],
      ['update', `leases.coordination.k8s.io/${LEASE}`, releaseNs, true],
      ['get', 'leases.coordination.k8s.io/kube-controller-manager', releaseNs, false],
      ['update', 'leases.coordination.k8s.io/other', releaseNs, false],
      ['list', 'leases.coordination.k8s.io', releaseNs, false],
      ['delete', `leases.coordination.k8s.io/${LEASE}`, releaseNs, false],
      ['create', 'leases.coordination.k8s.io', appNs, false],
      ['update', `leases.coordination.k8s.io/${LEASE}`, 'kube-system', false],
      // Namespace labels for PodSecurityRisk: read only.
      ['list', 'namespaces', undefined, true],
      ['watch', 'namespaces', undefined, true],
      ['update', 'namespaces', undefined, false],
      ['patch', 'namespaces', undefined, false],
    ];
    expect(await mismatches(checks)).toEqual([]);
    // Everything it may do, listed: the manager rules everywhere, the Lease rules in its namespace only.
    expect(await grantedRules(appNs)).toEqual([...MANAGER_RULES, namespaceRule()].sort());
    expect(await grantedRules(otherNs)).toEqual([...MANAGER_RULES, namespaceRule()].sort());
    expect(await grantedRules(releaseNs)).toEqual([...MANAGER_RULES, ...LEASE_RULES, namespaceRule()].sort());
  });

  it('cluster-wide mode: the operator as the chart ServiceAccount passes the core scenarios', async () => {
    const op = await operatorAsServiceAccount(appNs);
    await runCoreScenarios({ kubeconfig: kubeconfig(), namespace: appNs, logs: op.logs, name: 'order' });
    const lease = await getJson<{ spec?: { holderIdentity?: string } }>(kubeconfig(), [
      '-n',
      releaseNs,
      `lease/${LEASE}`,
    ]);
    expect(lease?.spec?.holderIdentity).toBeTruthy();
    expect(forbiddenInLogs(op)).toEqual([]);
    expect(await op.stop('SIGTERM')).toBe(0);
  });

  it('upgrade to namespaced mode: Roles in the watched namespace replace the ClusterRole', async () => {
    const result = await helm([
      'upgrade',
      release,
      chartDir,
      '-n',
      releaseNs,
      '--kubeconfig',
      kubeconfig(),
      '--reuse-values',
      '--set',
      `watchNamespaces={${appNs}}`,
      '--set',
      'logLevel=debug',
      '--wait',
      '--timeout=120s',
    ]);
    expect(result.stdout).toContain('REVISION: 2');
    expect(result.stdout).toContain(`It watches MicroServices only in: ${appNs}`);
    expect(result.stderr).not.toMatch(/PodSecurity/);
    expect(await getJson(kubeconfig(), [`clusterrole/${fullname()}`])).toBeUndefined();
    expect(await getJson(kubeconfig(), [`clusterrolebinding/${fullname()}`])).toBeUndefined();
    expect(await getJson(kubeconfig(), ['-n', appNs, `role/${fullname()}`])).toBeDefined();
    const deployment = await getJson<{
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    }>(kubeconfig(), ['-n', releaseNs, `deployment/${fullname()}`]);
    expect(deployment?.spec.template.spec.containers[0]?.args).toEqual(
      expect.arrayContaining([`--namespaces=${appNs}`, '--log-level=debug']),
    );
    await releaseWorkloadReady(2);

    const checks: [string, string, string | undefined, boolean][] = [
      ...MANAGER_VERBS.map(([v, r]): [string, string, string | undefined, boolean] => [v, r, appNs, true]),
      // Outside its namespaces: nothing, not even reading.
      ...MANAGER_VERBS.flatMap(([v, r]): [string, string, string | undefined, boolean][] => [
        [v, r, otherNs, false],
        [v, r, undefined, false],
      ]),
      ...FORBIDDEN.map(([v, r]): [string, string, string | undefined, boolean] => [v, r, appNs, false]),
      ...FORBIDDEN_CLUSTER.map(([v, r]): [string, string, string | undefined, boolean] => [v, r, undefined, false]),
      ['create', 'leases.coordination.k8s.io', releaseNs, true],
      ['update', `leases.coordination.k8s.io/${LEASE}`, releaseNs, true],
      // Cluster-wide only its namespace's own object (PodSecurityRisk), by name: not the list of all.
      ['get', `namespaces/${appNs}`, undefined, true],
      ['get', `namespaces/${otherNs}`, undefined, false],
      ['list', 'namespaces', undefined, false],
      ['watch', 'namespaces', undefined, false],
    ];
    expect(await mismatches(checks)).toEqual([]);
    expect(await grantedRules(appNs)).toEqual([...MANAGER_RULES, namespaceRule([appNs])].sort());
    expect(await grantedRules(otherNs)).toEqual([namespaceRule([appNs])]);
    expect(await grantedRules(releaseNs)).toEqual([...LEASE_RULES, namespaceRule([appNs])].sort());
  });

  it('namespaced mode: the operator as the chart ServiceAccount passes the core scenarios', async () => {
    const op = await operatorAsServiceAccount(appNs);
    await runCoreScenarios({ kubeconfig: kubeconfig(), namespace: appNs, logs: op.logs, name: 'payment' });
    expect(forbiddenInLogs(op)).toEqual([]);
    expect(await op.stop('SIGTERM')).toBe(0);
  });

  it('upgrade to the large-install preset (values-large.yaml): 3 shards, a Role on the Leases replaces the leader-election one; 3 sharded operators as the chart ServiceAccount form one ring, and one passes the core scenarios', async () => {
    const result = await helm([
      'upgrade',
      release,
      chartDir,
      '-n',
      releaseNs,
      '--kubeconfig',
      kubeconfig(),
      '--reuse-values',
      '-f',
      join(chartDir, 'values-large.yaml'),
      '--wait',
      '--timeout=120s',
    ]);
    expect(result.stdout).toContain('REVISION: 3');
    expect(await grantedRules(releaseNs)).toEqual([SHARD_RULE, namespaceRule([appNs])].sort());
    await releaseWorkloadReady(3);
    const installed = await getJson<{
      spec: { replicas?: number; template: { spec: { containers: { args?: string[] }[] } } };
    }>(kubeconfig(), ['-n', releaseNs, `deployment/${fullname()}`]);
    expect(installed?.spec.replicas).toBe(3);
    const args = installed?.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain('--sharding');
    expect(args).not.toContain('--leader-elect');
    // Three shards with the chart's RBAC: each creates its own Lease and sees the other two.
    const shards = [
      await operatorAsServiceAccount(appNs, true),
      await operatorAsServiceAccount(appNs, true, `${SHARD}-1`),
      await operatorAsServiceAccount(appNs, true, `${SHARD}-2`),
    ];
    const members = async (op: OperatorProcess) => {
      const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('msvc_shard_members{'));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    await eventually(async () => (await Promise.all(shards.map(members))).every((m) => m === 3), {
      what: 'each of 3 shards to see 3 members',
      timeoutMs: 60_000,
    });
    // Two leave (SIGTERM releases their Leases): the one left owns everything.
    for (const op of shards.slice(1)) {
      expect(forbiddenInLogs(op)).toEqual([]);
      expect(await op.stop('SIGTERM')).toBe(0);
    }
    const op = shards[0]!;
    await eventually(async () => (await members(op)) === 1, { what: 'the shard left alone', timeoutMs: 30_000 });
    await runCoreScenarios({ kubeconfig: kubeconfig(), namespace: appNs, logs: op.logs, name: 'sharded' });
    const lease = await getJson<{ metadata?: { labels?: Record<string, string> }; spec?: { holderIdentity?: string } }>(
      kubeconfig(),
      ['-n', releaseNs, `lease/${SHARD}`],
    );
    expect(lease?.spec?.holderIdentity).toBe(SHARD);
    expect(lease?.metadata?.labels).toMatchObject({ 'sharding.msvc.dev/ring': 'msvc-operator' });
    expect(forbiddenInLogs(op)).toEqual([]);
    expect(await op.stop('SIGTERM')).toBe(0);
  });

  it('every example MicroService renders workloads the restricted Pod Security level admits', async () => {
    const objects: Record<string, unknown>[] = [];
    const dir = join(repoRoot, 'examples');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const raw = doc.toJS() as { kind?: string; metadata?: Record<string, unknown> } | null;
        if (raw?.kind !== 'MicroService') continue;
        const parsed = parseMicroService({ ...raw, metadata: { ...raw.metadata, namespace: otherNs } });
        if (!parsed.ok) throw new Error(`${file}: invalid`);
        // The pods' objects: ServiceAccount (the pods need it to be admitted) and Deployment.
        for (const o of render(parsed.value).objects) {
          if (o.kind === 'ServiceAccount' || o.kind === 'Deployment') objects.push(o as Record<string, unknown>);
        }
      }
    }
    expect(objects.filter((o) => o['kind'] === 'Deployment').length).toBeGreaterThanOrEqual(7);
    // examples/payments.yaml runs on a dedicated node pool (nodeSelector + toleration): the kwok nodes join it.
    await kubectl(kubeconfig(), ['label', 'node', '--all', 'pool.example.com/name=payments', '--overwrite']);
    const applied = await kubectl(kubeconfig(), ['-n', otherNs, 'apply', '--server-side', '-f', '-'], {
      input: objects.map((o) => stringify(o)).join('---\n'),
    });
    expect(applied.stderr).not.toMatch(/PodSecurity/);
    await eventually(
      async () => {
        const list = await getJson<{ items: { spec: { replicas?: number }; status: { readyReplicas?: number } }[] }>(
          kubeconfig(),
          ['-n', otherNs, 'deployments'],
        );
        return list?.items.every((d) => (d.status.readyReplicas ?? 0) === (d.spec.replicas ?? 1));
      },
      { what: 'every example Deployment ready in the restricted namespace', timeoutMs: 120_000 },
    );
    const failed = await kubectl(kubeconfig(), [
      '-n',
      otherNs,
      'get',
      'events',
      '--field-selector',
      'reason=FailedCreate',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(failed.stdout).toBe('');
  });

  it('uninstall removes every object of the release and keeps the CRD (and so the MicroServices)', async () => {
    const result = await helm(['uninstall', release, '-n', releaseNs, '--kubeconfig', kubeconfig(), '--wait']);
    expect(result.stdout).toContain('uninstalled');
    const left = await kubectl(kubeconfig(), [
      'get',
      'deployments,services,serviceaccounts,roles,rolebindings,poddisruptionbudgets,clusterroles,clusterrolebindings',
      '-A',
      '-l',
      `app.kubernetes.io/instance=${release}`,
      '-o',
      'name',
    ]);
    expect(left.stdout.trim()).toBe('');
    expect(await getJson(kubeconfig(), ['crd', 'microservices.msvc.dev'])).toBeDefined();
    expect(await getJson(kubeconfig(), ['-n', appNs, 'microservice/order'])).toBeDefined();
  });
});
