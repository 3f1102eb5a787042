// The real `msvc` binary, end to end: exit codes, messages, stdin, determinism. Each test spawns
// bin/msvc.js the way a user's shell would.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { msvc, ROOT, runWith } from '../test/support/cli.ts';

const valid = (name: string, extra = '') => `apiVersion: msvc.dev/v1alpha1
kind: MicroService
metadata:
  name: ${name}
spec:
  image: registry.example.com/shop/${name}:1.0.0
  ports:
    - name: http
      port: 8080
${extra}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'msvc-cli-'));
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** examples/ also holds other engineers' files (the cdk8s app): at most notes about skipped objects. */
function expectOnlySkipNotes(stderr: string) {
  for (const line of stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^examples\/.+: skipped: /);
}

/** No user error may ever show a stack trace. */
function expectNoStack(stderr: string) {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/Error:/);
}

describe('msvc render', () => {
  it('renders examples/ to the same bytes every time', async () => {
    const [first, second] = await Promise.all([
      msvc(['render', '-f', 'examples/']),
      msvc(['render', '-f', 'examples/']),
    ]);
    expect(first.code).toBe(0);
    expectOnlySkipNotes(first.stderr);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toMatchSnapshot();
  });

  it('writes one valid YAML document per rendered object, each starting with ---', async () => {
    const { stdout } = await msvc(['render', '-f', 'examples/gateway.yaml']);
    const docs = parseAllDocuments(stdout);
    if (!Array.isArray(docs)) throw new Error('not a YAML stream');
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    const kinds = docs.map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toStrictEqual([
      'ServiceAccount',
      'Service',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'AuthorizationPolicy',
    ]);
    expect(stdout.startsWith('---\n# Source: examples/gateway.yaml:1 (MicroService gateway)\n')).toBe(true);
  });

  it('reads JSON from stdin and renders what the same YAML file renders', async () => {
    const fromFile = await msvc(['render', '-f', 'examples/billing.yaml']);
    const yamlText = await readFile(join(ROOT, 'examples/billing.yaml'), 'utf8');
    const json = JSON.stringify(parseAllDocuments(yamlText).map((d) => d.toJS()));
    const fromStdin = await msvc(['render', '-f', '-'], { stdin: json.slice(1, -1) });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout.replaceAll('examples/billing.yaml:1', '<stdin>:1'));
  });

  it('renders every document of a multi-document file and unpacks a List', async () => {
    const file = await write('multi.yaml', `${valid('a')}---\n${valid('b')}`);
    const { code, stdout } = await msvc(['render', '-f', file]);
    expect(code).toBe(0);
    expect(stdout).toContain(`# Source: ${file}:2 (MicroService b)`);
    const item = parse(valid('c')) as unknown;
    const fromList = await msvc(['render', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [item] }),
    });
    expect(fromList.code).toBe(0);
    expect(fromList.stdout).toContain('# Source: <stdin>:1 items[0] (MicroService c)');
  });

  it('prints nothing on stdout when any document is invalid', async () => {
    const file = await write('one-bad.yaml', `${valid('good')}---\n${valid('bad', '  replicas: -1\n')}`);
    const { code, stdout, stderr } = await msvc(['render', '-f', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${file}:2: spec.replicas: must be at least 0 (got -1) (line 20)\n`);
  });

  it('rejects other kinds in a named file but skips them in a directory (with a note for Kubernetes objects)', async () => {
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\n';
    const file = await write('tree/app.yaml', `${valid('app')}---\n${configMap}`);
    await write('tree/package.json', '{ "name": "not-a-manifest" }');
    await write('tree/dist/app.k8s.yaml', valid('app')); // build output: a duplicate if it were read
    const named = await msvc(['render', '-f', file]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(`${file}:2: kind ConfigMap is not a MicroService (msvc.dev/v1alpha1)`);
    const walked = await msvc(['render', '-f', join(dir, 'tree')]);
    expect(walked.code).toBe(0);
    expect(walked.stdout).toContain('kind: Deployment');
    expect(walked.stderr).toBe(`${file}:2: skipped: kind ConfigMap is not a MicroService (msvc.dev/v1alpha1)\n`);
  });

  it('never skips a document that means to be a MicroService, even in a directory', async () => {
    await write('typo/app.yaml', valid('app').replace('msvc.dev/v1alpha1', 'msvc.dev/v1'));
    const { code, stderr } = await msvc(['render', '-f', join(dir, 'typo')]);
    expect(code).toBe(1);
    expect(stderr).toContain('apiVersion: must be "msvc.dev/v1alpha1", not the string "msvc.dev/v1" (line 1)');
  });

  it('rejects two MicroServices with the same namespace and name', async () => {
    const a = await write('dup-a.yaml', valid('same'));
    const b = await write('dup-b.yaml', valid('same'));
    const { code, stderr } = await msvc(['render', '-f', a, '-f', b]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `${b}:1: metadata.name: MicroService same is also defined at ${a}:1; names must be unique per namespace (line 4)\n`,
    );
  });

  it('sets the managed-by label from --managed-by', async () => {
    const { stdout } = await msvc(['render', '-f', 'examples/catalog.yaml', '--managed-by', 'argocd']);
    expect(stdout).toContain('app.kubernetes.io/managed-by: argocd');
    expect(stdout).not.toContain('msvc-operator');
  });

  it('refuses a --managed-by value the API server would refuse as a label value', async () => {
    const { code, stdout, stderr } = await msvc(['render', '-f', 'examples/catalog.yaml', '--managed-by', 'Argo CD']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^msvc render: --managed-by: "Argo CD" is no label value: [^\n]*\n$/);
  });
});

describe('msvc render without metadata.namespace', () => {
  const istio = `  mesh: { provider: istio }
  allowedCallers:
    - microService: storefront
    - namespace: web
`;
  /** A kubeconfig (no cluster is contacted) whose current context has `namespace`, or none. */
  const kubeconfigWith = (file: string, namespace?: string) =>
    write(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 'x' } }],
        contexts: [
          { name: 'other', context: { cluster: 'c', user: 'u', namespace: 'not-this' } },
          { name: 'ctx', context: { cluster: 'c', user: 'u', ...(namespace ? { namespace } : {}) } },
        ],
        'current-context': 'ctx',
      }),
    );

  it("names the kubeconfig context's namespace in the mesh policy, as kubectl applies the objects there, and says so", async () => {
    const file = await write('no-ns/istio.yaml', valid('order', istio));
    const env = { KUBECONFIG: await kubeconfigWith('no-ns/kubeconfig', 'shop') };
    const { code, stdout, stderr } = await msvc(['render', '-f', file], { env });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('- cluster.local/ns/shop/sa/storefront');
    expect(stdout).not.toContain('/ns/default/');
    // The objects keep no namespace: kubectl puts them in the context's.
    expect(stdout).not.toMatch(/^ {2}namespace: /m);
    expect(stderr).toBe(
      `${file}:1: note: spec.allowedCallers[0]: MicroService order has no metadata.namespace: its Istio policy names namespace shop for this caller, where kubectl applies it (the namespace of kubeconfig context ctx); set metadata.namespace, or msvc render -n NAMESPACE, if it goes elsewhere\n`,
    );
    // No context namespace, or no kubeconfig at all: default, as kubectl (and as quietly).
    for (const KUBECONFIG of [await kubeconfigWith('no-ns/kubeconfig-plain'), join(dir, 'no-ns/missing')]) {
      const plain = await msvc(['render', '-f', file], { env: { KUBECONFIG } });
      expect(plain.stdout).toContain('- cluster.local/ns/default/sa/storefront');
      expect(plain.stderr).toBe('');
    }
  });

  it('takes -n as kubectl apply -n does: the objects and the policy name it, nothing is noted', async () => {
    const file = await write('no-ns/istio-n.yaml', valid('order', istio));
    const env = { KUBECONFIG: await kubeconfigWith('no-ns/kubeconfig-n', 'not-this-either') };
    const { code, stdout, stderr } = await msvc(['render', '-f', file, '-n', 'shop'], { env });
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { metadata: { namespace?: string } });
    expect(new Set(objects.map((o) => o.metadata.namespace))).toStrictEqual(new Set(['shop']));
    expect(stdout).toContain('- cluster.local/ns/shop/sa/storefront');
  });

  it('refuses -n that differs from metadata.namespace, as kubectl does', async () => {
    const file = await write(
      'no-ns/other.yaml',
      valid('order').replace('  name: order', '  name: order\n  namespace: billing'),
    );
    const { code, stdout, stderr } = await msvc(['render', '-f', file, '-n', 'shop']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `${file}:1: metadata.namespace: MicroService billing/order is in namespace billing, not shop (-n): remove one of them\n`,
    );
  });

  it('notes nothing where the policy needs no namespace (no mesh policy, or every caller names one)', async () => {
    for (const [name, extra] of [
      ['network-policy-only', '  allowedCallers:\n    - microService: storefront\n'],
      [
        'istio-namespaced',
        '  mesh: { provider: istio }\n  allowedCallers:\n    - { microService: storefront, namespace: web }\n',
      ],
    ] as const) {
      const file = await write(`no-ns/${name}.yaml`, valid('order', extra));
      const { code, stderr } = await msvc(['render', '-f', file]);
      expect({ code, stderr }).toStrictEqual({ code: 0, stderr: '' });
    }
  });
});

describe('msvc validate', () => {
  it('prints one OK line per MicroService in examples/', async () => {
    const { code, stdout, stderr } = await msvc(['validate', '-f', 'examples/']);
    expect(code).toBe(0);
    expectOnlySkipNotes(stderr);
    expect(stdout.trim().split('\n')).toStrictEqual(
      [
        'billing',
        'catalog',
        'gateway',
        'inventory',
        'ledger',
        'order',
        'payments',
        'recommendations',
        'search',
        'storefront',
        'user',
        'wallet',
      ].map((name) => `examples/${name}.yaml:1: OK (MicroService ${name})`),
    );
  });

  it('reports every problem as file:document: field.path: message (line) and exits 1', async () => {
    const file = await write(
      'bad.yaml',
      `${valid('fine')}---
apiVersion: msvc.dev/v1alpha1
kind: MicroService
metadata:
  name: Bad_Name
spec:
  ports:
    - name: http
      port: 70000
  runtime:
    go: { version: 1.20 }
  bogus: true
`,
    );
    const { code, stdout, stderr } = await msvc(['validate', '-f', file]);
    expect(code).toBe(1);
    expect(stdout).toBe(`${file}:1: OK (MicroService fine)\n`);
    expect(stderr.split('\n').filter(Boolean)).toStrictEqual([
      `${file}:2: metadata.name: must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters): it names the Service and every other child (line 14)`,
      `${file}:2: spec.image: is required (line 15)`,
      `${file}:2: spec.ports[0].port: must be at most 65535 (got 70000) (line 18)`,
      `${file}:2: spec.runtime.go.version: must be a string, not the number 1.2: quote it (unquoted, YAML reads 1.20 as the number 1.2: write "1.20") (line 20)`,
      `${file}:2: spec: Unrecognized key: "bogus" (line 21)`,
    ]);
    expectNoStack(stderr);
  });

  it('reports cross-field rules at the field they concern', async () => {
    const file = await write('rule.yaml', valid('r', '  autoscaling: { minReplicas: 5, maxReplicas: 2 }\n'));
    const { code, stderr } = await msvc(['validate', '-f', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^${file}:1: spec\\.autoscaling\\.maxReplicas: 2 is below minReplicas \\(5\\).+ \\(line 10\\)\\n$`),
    );
  });

  it('warns on stderr, exit 0, when a sidecar mesh without its CNI plugin injects a NET_ADMIN init container', async () => {
    const mesh = (extra: string) => `  mesh:\n    provider: istio\n${extra}`;
    const file = await write(
      'psa.yaml',
      `${valid('nocni', mesh(''))}---\n${valid('withcni', mesh('    cni: true\n'))}---\n${valid('amb', mesh('    mode: ambient\n'))}`,
    );
    const { code, stdout, stderr } = await msvc(['validate', '-f', file]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toStrictEqual(
      ['nocni', 'withcni', 'amb'].map((n, i) => `${file}:${i + 1}: OK (MicroService ${n})`),
    );
    expect(stderr).toBe(
      `${file}:1: warning: MicroService nocni: spec.mesh: without istio-cni, istio injects the init container istio-init (capabilities NET_ADMIN and NET_RAW, running as uid 0); a namespace that enforces the baseline or restricted Pod Security level rejects the pods. Install istio-cni (https://istio.io/latest/docs/setup/additional-setup/cni/) and set spec.mesh.cni: true, or label the namespace pod-security.kubernetes.io/enforce=privileged\n`,
    );
  });

  it('reports YAML syntax errors with line and column', async () => {
    const file = await write('syntax.yaml', `${valid('ok')}---\nspec:\n  ports: [1, 2\n  image: x\n`);
    const { code, stderr } = await msvc(['validate', '-f', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^${file}:2: YAML syntax error at line 13, column \\d+: `));
    expectNoStack(stderr);
  });

  it('reports a missing file, an empty input and a missing -f as user errors', async () => {
    const missing = await msvc(['validate', '-f', 'no/such/file.yaml']);
    expect([missing.code, missing.stderr]).toStrictEqual([1, 'no/such/file.yaml: no such file or directory\n']);
    const empty = await msvc(['validate', '-f', '-'], { stdin: '# nothing here\n---\n' });
    expect([empty.code, empty.stderr]).toStrictEqual([1, '<stdin>: no MicroService (msvc.dev/v1alpha1) found\n']);
    const noFlag = await msvc(['validate']);
    expect(noFlag.code).toBe(1);
    expect(noFlag.stderr).toContain("required option '-f, --filename <path>' not specified");
    for (const r of [missing, empty, noFlag]) expectNoStack(r.stderr);
  });
});

describe('msvc explain', () => {
  it('shows each computed value with its reason', async () => {
    const { code, stdout } = await msvc(['explain', '-f', 'examples/billing.yaml']);
    expect(code).toBe(0);
    expect(stdout).toContain('MicroService billing (examples/billing.yaml:1)');
    expect(stdout).toMatch(/env GOMAXPROCS +2\n +Go 1\.22 sizes GOMAXPROCS from the node's CPUs.*= 2\n/);
    expect(stdout).toMatch(/env GOMEMLIMIT +483183820\n/);
    expect(stdout).toMatch(/terminationGracePeriodSeconds +30\n/);
  });

  it('prints each JVM flag with its reason and source, and the JAVA_TOOL_OPTIONS the container gets', async () => {
    const { code, stdout } = await msvc(['explain', '-f', 'examples/ledger.yaml']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /env JAVA_TOOL_OPTIONS -XX:MaxRAMPercentage +-XX:MaxRAMPercentage=75\.0\n +JDK 21 reads the cgroup v1 and v2 memory limit itself.*\n +source: JDK-8230305 /,
    );
    expect(stdout).toMatch(/env JAVA_TOOL_OPTIONS -XX:MinRAMPercentage +-XX:MinRAMPercentage=75\.0\n/);
    expect(stdout).toMatch(/env JAVA_TOOL_OPTIONS -XX:ActiveProcessorCount +\(unset\)\n/);
    // The user's value is explained once, as the container gets it (kept, then extended).
    expect(stdout).toMatch(
      /env JAVA_TOOL_OPTIONS +-XX:\+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75\.0 -XX:MinRAMPercentage=75\.0\n +kept as set in spec\.env: -XX:\+ExitOnOutOfMemoryError; added: /,
    );
    expect(stdout).not.toContain('copied as given');
  });

  it('prints the Node heap and pool with their reasons and sources', async () => {
    const { code, stdout } = await msvc(['explain', '-f', 'examples/storefront.yaml']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /env NODE_OPTIONS --max-old-space-size +--max-old-space-size=564\n +the V8 heap gets 75% of the memory limit 768Mi: 576 MiB − young generation 3 × 4 MiB .*\n +source: https:\/\/nodejs\.org\/api\/cli\.html/,
    );
    expect(stdout).toMatch(/env UV_THREADPOOL_SIZE +6\n +crypto, zlib.*\n +source: https:\/\/docs\.libuv\.org/);
  });

  it('checks the pods against ResourceQuotas and LimitRanges given with --capacity', async () => {
    const spec = await write(
      'capacity/order.yaml',
      valid(
        'order',
        `  replicas: 2
  resources:
    requests: { cpu: 500m, memory: 256Mi }
    limits: { cpu: "1", memory: 512Mi }
`,
      ),
    );
    const quotas = await write(
      'capacity/ns.yaml',
      `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ResourceQuota
    metadata: { name: compute, namespace: shop }
    spec: { hard: { requests.cpu: "2" } }
    status: { hard: { requests.cpu: "2" }, used: { requests.cpu: "1" } }
  - apiVersion: v1
    kind: LimitRange
    metadata: { name: limits, namespace: shop }
    spec: { limits: [ { type: Container, max: { memory: 384Mi } } ] }
`,
    );
    const { code, stdout } = await msvc(['explain', '-f', spec, '--capacity', quotas]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /capacity LimitRange limits memory +short by 128Mi\n +LimitRange limits caps memory at 384Mi per container, and container app has a limit of 512Mi/,
    );
    expect(stdout).toMatch(
      /capacity ResourceQuota compute requests\.cpu +short by 500m\n +ResourceQuota compute would block creating the 2 pods and a rollout's 1 surge pod after that: it needs requests\.cpu 1500m \(3 pods of 500m\), and 1 is free for it/,
    );
    const fits = await write(
      'capacity/big.yaml',
      (await readFile(quotas, 'utf8'))
        .replaceAll('"2"', '"8"')
        .replace('max: { memory: 384Mi }', 'max: { memory: 1Gi }'),
    );
    const ok = await msvc(['explain', '-f', spec, '--capacity', fits, '-o', 'json']);
    expect(JSON.parse(ok.stdout)[0].explanations).toContainEqual(
      expect.objectContaining({ field: 'capacity', value: 'fits' }),
    );

    const wrong = await msvc(['explain', '-f', spec, '--capacity', spec]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('kind MicroService is not a ResourceQuota or LimitRange');
    expectNoStack(wrong.stderr);
  });

  it('lists the env vars copied from spec.env and the mesh keys', async () => {
    const { stdout } = await msvc(['explain', '-f', 'examples/user.yaml']);
    expect(stdout).toMatch(/env CACHE_SIZE +10000\n +set in spec\.env/);
    expect(stdout).toMatch(/pod annotation linkerd\.io\/inject +enabled\n/);
    expect(stdout).toMatch(/env GOMAXPROCS +\(unset\)\n +Go 1\.26/);
  });

  it('prints JSON with -o json', async () => {
    const { code, stdout } = await msvc(['explain', '-f', 'examples/order.yaml', '-o', 'json']);
    expect(code).toBe(0);
    const [entry] = JSON.parse(stdout) as { source: string; explanations: { field: string; value: string }[] }[];
    expect(entry?.source).toBe('examples/order.yaml:1');
    expect(entry?.explanations).toContainEqual(
      expect.objectContaining({ field: 'env DATABASE_URL', value: '(from secretKeyRef order-db/url)' }),
    );
  });
});

describe('msvc crd and reference', () => {
  it('prints the CRD as YAML', async () => {
    const { code, stdout } = await msvc(['crd']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Generated by `msvc crd`/);
    expect(stdout).toContain('name: microservices.msvc.dev\n');
  });

  it('prints the API reference with every rule summary', async () => {
    const { code, stdout } = await msvc(['reference']);
    expect(code).toBe(0);
    expect(stdout).toContain('| `spec.image` | string, **required** |');
    expect(stdout).toContain('| `spec.probes.{liveness,readiness,startup}.httpGet.path` |');
    expect(stdout).toContain('- spec.disruption: at most one of maxUnavailable and minAvailable.');
  });
});

describe('msvc import', () => {
  it('imports kubectl get -o yaml output of the seed user service: exit 0, a MicroService that validates', async () => {
    const { code, stdout, stderr } = await msvc(['import', '-f', 'test/support/import/user-kubectl-get.yaml']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^---\n# Imported from Deployment shop\/user, Service shop\/user, PodDisruptionBudget shop\/user, ServiceAccount shop\/user, NetworkPolicy shop\/user \(/,
    );
    const path = await write('imported-user.yaml', stdout);
    const validated = await msvc(['validate', '-f', path]);
    expect(validated.code).toBe(0);
    // The same objects as the source MicroService renders.
    const [again, original] = await Promise.all([
      msvc(['render', '-f', path]),
      msvc([
        'render',
        '-f',
        await write(
          'user-shop.yaml',
          (await readFile(join(ROOT, 'examples/user.yaml'), 'utf8')).replace(
            'name: user\n',
            'name: user\n  namespace: shop\n',
          ),
        ),
      ]),
    ]);
    const objects = (text: string) => parseAllDocuments(text).map((d) => d.toJS());
    expect(objects(again.stdout)).toStrictEqual(objects(original.stdout));
  });

  it('a Helm chart with fields a MicroService cannot carry: exit 2, one warning line per field, with its path', async () => {
    const { code, stdout, stderr } = await msvc(['import', '-f', 'test/support/import/app-template.yaml']);
    expect(code).toBe(2);
    expect(parse(stdout.replace(/^---\n/, ''))).toMatchObject({
      kind: 'MicroService',
      metadata: { name: 'user-service' },
    });
    const lines = stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^10 fields not carried over as they are/);
    expect(lines).toContain(
      'warning: test/support/import/app-template.yaml:4: Deployment shop/user-service: spec.template.spec.enableServiceLinks: false becomes true',
    );
    expect(lines.filter((l) => l.startsWith('note:'))).toStrictEqual([]);
    const withNotes = await msvc(['import', '--notes', '-f', 'test/support/import/app-template.yaml']);
    expect(withNotes.stderr).toMatch(
      /^note: .*Deployment shop\/user-service: metadata\.labels\["helm\.sh\/chart"\]: not carried over: Helm chart bookkeeping$/m,
    );
    expectNoStack(stderr);
  });

  it('reads stdin, and without a Deployment says what it needs: exit 1', async () => {
    const { code, stdout, stderr } = await msvc(['import', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('<stdin>:1: no Deployment (apps/v1) found: import makes one MicroService per Deployment\n');
  });
});

describe('bin/msvc.js', () => {
  // The machine's own `node` may be older than the one package.json pins; the shim must say what to do.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim().slice(1);
      const [major = 0, minor = 0] = version.split('.').map(Number);
      return major < 22 || (major === 22 && minor < 18);
    } catch {
      return false;
    }
  });

  it.skipIf(oldNode === undefined)('tells users of an old Node to run npx msvc', async () => {
    const { code, stdout, stderr } = await runWith(oldNode as string, ['--help']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^msvc: Node \d+\.\d+\.\d+ is too old \(needs 22\.18 or later.*\nRun it as `npx msvc …`/);
  });

  it('prints help and the version', async () => {
    const help = await msvc(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['render', 'validate', 'explain', 'import', 'diff', 'crd', 'reference'])
      expect(help.stdout).toContain(command);
    const version = await msvc(['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
