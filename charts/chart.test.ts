// The Helm chart without a cluster: lint, the values schema, the rendered manifests (golden files),
// the CRD copy, the version, the least-privilege rules and the restricted security context.
// Golden files: UPDATE_GOLDEN=1 npx vitest run --project unit charts/  (then review the diff).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CHILD_KINDS } from '../operator/microservice/reconciler.ts';
import { repoRoot } from '../tools/bin.ts';
import { chartCrdPath, chartDir, helm, sourceCrdPath } from './helm.ts';
import { valuesBlock, valuesDocPath, valuesTable } from './values-table.ts';

const golden = join(repoRoot, 'charts/testdata');

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are walked by known paths; a wrong path fails the test
type Doc = Record<string, any>;

/** Value sets the chart must lint and render: name → --set arguments. */
const CASES: Record<string, string[]> = {
  default: [],
  namespaced: ['--set', 'watchNamespaces={shop,billing}', '--set', 'metrics.serviceMonitor.enabled=true'],
  config: ['--set', 'configRollout.enabled=true'],
  sharded: ['--set', 'replicaCount=3', '--set', 'sharding.enabled=true'],
  // The preset for large installs, as users pass it.
  large: ['-f', join(chartDir, 'values-large.yaml')],
  single: [
    '--set',
    'replicaCount=1',
    '--set',
    'leaderElection.enabled=false',
    '--set',
    `image.digest=sha256:${'a'.repeat(64)}`,
  ],
};

async function template(args: string[]): Promise<Doc[]> {
  const { stdout } = await helm(['template', 'msvc', chartDir, '--namespace', 'msvc-system', ...args]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

const find = (docs: Doc[], kind: string) => docs.filter((d) => d['kind'] === kind);

describe('chart', () => {
  it('follows the package version', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    expect(chart.version).toBe(pkg.version);
    expect(chart.appVersion).toBe(pkg.version);
  });

  it('ships the generated CRD unchanged (make crds copies it)', () => {
    expect(readFileSync(chartCrdPath, 'utf8')).toBe(readFileSync(sourceCrdPath, 'utf8'));
  });

  it.each(Object.entries(CASES))('passes helm lint --strict (%s)', async (_name, args) => {
    const { stdout } = await helm(['lint', '--strict', chartDir, ...args]);
    expect(stdout).toContain('0 chart(s) failed');
  });

  // The preset renders exactly the sharded case (asserted below): no golden file of its own.
  it.each(Object.entries(CASES).filter(([name]) => name !== 'large'))(
    'renders the golden manifests (%s)',
    async (name, args) => {
      const { stdout } = await helm(['template', 'msvc', chartDir, '--namespace', 'msvc-system', ...args]);
      const file = join(golden, `${name}.golden.yaml`);
      if (process.env['UPDATE_GOLDEN'] === '1') {
        mkdirSync(golden, { recursive: true });
        writeFileSync(file, stdout);
      }
      expect(stdout, `${file} differs: UPDATE_GOLDEN=1 npx vitest run --project unit charts/`).toBe(
        readFileSync(file, 'utf8'),
      );
    },
  );

  it.each([
    ['replicaCount=0', /replicaCount/],
    ['logLevel=loud', /logLevel/],
    ['unknownKey=1', /unknownKey/],
    ['watchNamespaces={Bad_NS}', /watchNamespaces/],
    ['leaderElection.enabled=false', /needs leaderElection.enabled/],
  ])('rejects --set %s', async (value, message) => {
    const result = await helm(['template', 'msvc', chartDir, '--set', value], { check: false });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('grants exactly the verbs the operator uses, and no Secrets or wildcards', async () => {
    const docs = await template([]);
    const [role] = find(docs, 'ClusterRole');
    const rules = (role?.['rules'] ?? []) as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const grants = rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${res}${g ? `.${g}` : ''}`))),
    );
    const children = [
      'serviceaccounts',
      'services',
      'deployments.apps',
      'horizontalpodautoscalers.autoscaling',
      'poddisruptionbudgets.policy',
      'networkpolicies.networking.k8s.io',
      'ingresses.networking.k8s.io',
    ];
    expect(grants.sort()).toEqual(
      [
        'list microservices.msvc.dev',
        'watch microservices.msvc.dev',
        'patch microservices/status.msvc.dev',
        'update microservices/finalizers.msvc.dev',
        ...children.flatMap((c) => {
          const [res, group] = c.split(/\.(.*)/);
          return ['list', 'watch', 'create', 'patch', 'delete'].map((v) => `${v} ${res}${group ? `.${group}` : ''}`);
        }),
        // Optional children (a CRD kind): read by GET, never watched. One entry per CHILD_KINDS kind with a
        // crd; a kind with several children per MicroService (Linkerd's, one per port) is listed to prune.
        ...CHILD_KINDS.flatMap((k) =>
          'crd' in k
            ? ['get', ...('several' in k ? ['list'] : []), 'create', 'patch', 'delete'].map((v) => `${v} ${k.crd}`)
            : [],
        ),
        'list pods',
        'watch pods',
        'list resourcequotas',
        'watch resourcequotas',
        'list limitranges',
        'watch limitranges',
        'create events',
        'update events',
        // PodSecurityRisk: the namespaces' Pod Security label, metadata only.
        'get namespaces',
        'list namespaces',
        'watch namespaces',
      ].sort(),
    );
    const [leaseRole] = find(docs, 'Role');
    expect(leaseRole?.['metadata']).toMatchObject({ namespace: 'msvc-system' });
    expect(leaseRole?.['rules']).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['msvc-operator'],
        verbs: ['get', 'update'],
      },
    ]);
  });

  it('grants list/watch on ConfigMaps and Secrets and passes --watch-config only with configRollout.enabled', async () => {
    const grantsOf = (docs: Doc[]) =>
      ((find(docs, 'ClusterRole')[0]?.['rules'] ?? []) as { resources: string[]; verbs: string[] }[]).filter((r) =>
        r.resources.some((res) => res === 'configmaps' || res === 'secrets'),
      );
    const argsOf = (docs: Doc[]) => find(docs, 'Deployment')[0]?.['spec']['template']['spec']['containers'][0]['args'];
    const off = await template([]);
    expect(grantsOf(off)).toEqual([]);
    expect(argsOf(off)).not.toContain('--watch-config');
    const on = await template(CASES['config'] ?? []);
    expect(grantsOf(on)).toEqual([{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['list', 'watch'] }]);
    expect(argsOf(on)).toContain('--watch-config');
  });

  it('reads namespaces (get/list/watch) for PodSecurityRisk unless podSecurityCheck.enabled=false', async () => {
    const grantsOf = (docs: Doc[]) =>
      ((find(docs, 'ClusterRole')[0]?.['rules'] ?? []) as { resources: string[] }[]).filter((r) =>
        r.resources.includes('namespaces'),
      );
    const argsOf = (docs: Doc[]) => find(docs, 'Deployment')[0]?.['spec']['template']['spec']['containers'][0]['args'];
    const on = await template([]);
    expect(grantsOf(on)).toEqual([{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }]);
    expect(argsOf(on)).not.toContain('--no-pod-security-check');
    const off = await template(['--set', 'podSecurityCheck.enabled=false']);
    expect(grantsOf(off)).toEqual([]);
    expect(argsOf(off)).toContain('--no-pod-security-check');
  });

  it('uses Roles with watchNamespaces, cluster-wide only reading those namespaces themselves (PodSecurityRisk)', async () => {
    const docs = await template(CASES['namespaced'] ?? []);
    expect(find(docs, 'ClusterRole').map((r) => r['rules'])).toEqual([
      [
        {
          apiGroups: [''],
          resources: ['namespaces'],
          resourceNames: ['shop', 'billing'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    ]);
    expect(find(docs, 'ClusterRoleBinding').map((b) => b['roleRef']['name'])).toEqual([
      'msvc-microservice-operator-namespaces',
    ]);
    const without = await template([...(CASES['namespaced'] ?? []), '--set', 'podSecurityCheck.enabled=false']);
    expect(find(without, 'ClusterRole')).toEqual([]);
    expect(find(without, 'ClusterRoleBinding')).toEqual([]);
    expect(
      find(docs, 'Role')
        .map((r) => r['metadata']['namespace'])
        .sort(),
    ).toEqual(['billing', 'msvc-system', 'shop']);
    expect(
      find(docs, 'RoleBinding')
        .map((r) => r['metadata']['namespace'])
        .sort(),
    ).toEqual(['billing', 'msvc-system', 'shop']);
    const [deployment] = find(docs, 'Deployment');
    expect(deployment?.['spec']['template']['spec']['containers'][0]['args']).toContain('--namespaces=shop,billing');
    expect(find(docs, 'ServiceMonitor')).toHaveLength(1);
  });

  it('runs the operator with leader election, probes, metrics and the restricted security context', async () => {
    const docs = await template([]);
    const [deployment] = find(docs, 'Deployment');
    const pod = deployment?.['spec']['template']['spec'];
    const [container] = pod['containers'];
    expect(deployment?.['spec']['replicas']).toBe(2);
    expect(container['args']).toEqual(
      expect.arrayContaining(['--leader-elect', '--lease-namespace=$(POD_NAMESPACE)', '--lease-name=msvc-operator']),
    );
    expect(container['env']).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(container['livenessProbe']['httpGet']).toEqual({ path: '/healthz', port: 'http-metrics' });
    expect(container['readinessProbe']['httpGet']).toEqual({ path: '/readyz', port: 'http-metrics' });
    expect(container['ports']).toEqual([{ name: 'http-metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(container['resources']['requests']).toBeDefined();
    expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container['securityContext']).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(find(docs, 'PodDisruptionBudget')).toHaveLength(1);
    expect(find(docs, 'Service')[0]?.['spec']['ports'][0]).toMatchObject({ targetPort: 'http-metrics' });
    expect(find(docs, 'CustomResourceDefinition')).toEqual([]); // crds/ is installed by helm, not templated
  });

  it('runs every replica as a shard with sharding.enabled: its pod name as identity, no leader election, a Role for the ring’s Leases', async () => {
    const docs = await template(CASES['sharded']!);
    const [deployment] = find(docs, 'Deployment');
    expect(deployment?.['spec']['replicas']).toBe(3);
    const container = deployment?.['spec']['template']['spec']['containers'][0];
    expect(container['args']).toEqual(
      expect.arrayContaining([
        '--sharding',
        '--shard-ring=msvc-operator',
        '--shard-identity=$(POD_NAME)',
        '--lease-namespace=$(POD_NAMESPACE)',
        '--lease-duration=15',
      ]),
    );
    expect(container['args']).not.toContain('--leader-elect');
    expect(container['env']).toContainEqual({
      name: 'POD_NAME',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    const roles = find(docs, 'Role');
    expect(roles.map((r) => r['metadata']['name'])).toEqual(['msvc-microservice-operator-sharding']);
    expect(roles[0]?.['rules']).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create', 'get', 'list', 'watch', 'update', 'delete'],
      },
    ]);
    // Without leader election or sharding, more than one replica is refused.
    await expect(template(['--set', 'leaderElection.enabled=false'])).rejects.toThrow(/sharding\.enabled/);
  });

  it('runs 3 active shards with the large-install preset (values-large.yaml): the same manifests as sharding on with 3 replicas, shard alerts instead of the leader one', async () => {
    const large = await template(CASES['large']!);
    expect(large).toEqual(await template(CASES['sharded']!));
    const [deployment] = find(large, 'Deployment');
    expect(deployment?.['spec']['replicas']).toBe(3);
    const args: string[] = deployment?.['spec']['template']['spec']['containers'][0]['args'];
    expect(args).toContain('--sharding');
    expect(args).not.toContain('--leader-elect');
    expect(find(large, 'Role')[0]?.['rules'][0]).toMatchObject({
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
    });
    expect(find(large, 'PodDisruptionBudget')[0]?.['spec']).toMatchObject({ maxUnavailable: 1 });
    const alerts = async (args: string[]) => {
      const [rule] = find(await template([...args, '--set', 'metrics.prometheusRule.enabled=true']), 'PrometheusRule');
      const rules: { alert: string }[] = rule?.['spec']['groups'][0]['rules'] ?? [];
      return rules.map((r) => r.alert);
    };
    // Sharded, no replica leads: the leader alert would say nothing (each shard holds its own Lease).
    expect(await alerts(CASES['large']!)).not.toContain('MicroServiceOperatorNoLeader');
    expect(await alerts(CASES['large']!)).toEqual(
      expect.arrayContaining([
        'MicroServiceOperatorNoShard',
        'MicroServiceOperatorShardOutOfRing',
        'MicroServiceOperatorShardRingSplit',
      ]),
    );
    expect(await alerts([])).toContain('MicroServiceOperatorNoLeader');
    expect(await alerts([])).not.toContain('MicroServiceOperatorNoShard');
  });

  it('runs the image entrypoint with nodeFlags added (--lite-mode by default), or as it is with none', async () => {
    const container = async (args: string[]) => {
      const [deployment] = find(await template(args), 'Deployment');
      return deployment?.['spec']['template']['spec']['containers'][0];
    };
    // The command spells out the image's ENTRYPOINT (node, its flags, the entry point) around nodeFlags.
    const [node, ...rest] = imageEntrypoint();
    const entry = rest.pop();
    expect(rest).toContain('--max-semi-space-size=1');
    expect((await container([]))['command']).toEqual([node, ...rest, '--lite-mode', entry]);
    expect((await container(['--set-json', 'nodeFlags=[]']))['command']).toBeUndefined();
    const tuned = await container(['--set', 'nodeFlags={--lite-mode,--stack-trace-limit=50}']);
    expect(tuned['command']).toEqual([node, ...rest, '--lite-mode', '--stack-trace-limit=50', entry]);
    expect(tuned['args']).toContain('--leader-elect');
    await expect(template(['--set', 'nodeFlags={rm -rf}'])).rejects.toThrow(/nodeFlags/);
  });

  it('has a values table in docs/helm.md that matches values.schema.json (node charts/values-table.ts --update)', () => {
    expect(valuesBlock(readFileSync(valuesDocPath, 'utf8'))).toBe(valuesTable());
  });
});

/** The runtime stage's ENTRYPOINT of the Dockerfile: the node binary, its flags, the entry point. */
function imageEntrypoint(): string[] {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.split(/^FROM /m).at(-1) ?? '';
  return JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
}

describe('Dockerfile (no container engine here: checked against the chart and the build config)', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('packs the operator package (every folder it compiles) and runs its dist/operator/microservice/main.js', () => {
    // packages/operator compiles operator/ and what it imports: api/, render/, yaml/.
    for (const dir of ['packages', 'api', 'render', 'yaml', 'operator'])
      expect(stages[0]).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
    expect(stages[0]).toMatch(/npm pack --workspace packages\/operator/);
    // packages/build.ts copies the repository's LICENSE into every package it packs.
    expect(stages[0]).toMatch(/^COPY tsconfig\.json LICENSE \.\/$/m);
    const [node, ...flags] = imageEntrypoint();
    expect(node).toBe('/nodejs/bin/node');
    expect(flags.pop()).toBe('/app/dist/operator/microservice/main.js');
    // JIT on (docs/helm.md#memory, bench/results/memory-fix.json); the chart's nodeFlags may add --lite-mode.
    expect(flags).toEqual([
      '--max-semi-space-size=1',
      '--no-maglev',
      '--no-concurrent-recompilation',
      '--optimize-for-size',
    ]);
    expect(existsSync(join(repoRoot, 'operator/microservice/main.ts'))).toBe(true);
    // The installed package: package.json ("type": "module" makes dist/*.js ESM), dist/, node_modules/.
    expect(runtime).toMatch(/^COPY --from=deps \/app \.\/$/m);
    expect(existsSync(join(repoRoot, 'packages/operator/npm-shrinkwrap.json'))).toBe(true);
  });

  it('ships production dependencies only, on Node 24, without a shell, as the chart non-root user', async () => {
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=24$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^gcr\.io\/distroless\/nodejs\$\{NODE_VERSION\}-debian12:nonroot/);
    expect(runtime).not.toMatch(/^RUN /m); // no shell in the image to run it with
    const user = /^USER (\d+):(\d+)$/m.exec(runtime);
    expect(Number(user?.[1])).toBeGreaterThan(0);
    const [deployment] = find(await template([]), 'Deployment');
    const pod = deployment?.['spec']['template']['spec'];
    expect(pod['securityContext']).toMatchObject({ runAsUser: Number(user?.[1]), runAsGroup: Number(user?.[2]) });
  });
});
