// The smoke test of the packages as users install them (issue #15): every package in packages/ is
// packed (prepack builds dist/), and the tarballs are installed into fresh projects outside the
// repository with no workspace links (test/package/packed.ts). Then:
//   - each tarball holds only its allow-listed files: compiled JS, .d.ts, source maps, the CRD, README,
//     LICENSE (the repository's Apache-2.0 text);
//   - `npm install microservice-operator` alone (cdk8s and constructs come in as peers) pulls none of
//     the operator's or the repository's development packages;
//   - the README's cdk8s section runs as written;
//   - a cdk8s app synthesizing every example with the installed construct produces exactly the
//     objects the installed `msvc render` prints, on Node 22 and 24;
//   - the installed `msvc` validates, renders and explains on Node 22 and 24 (compiled JS: the
//     tarball has no TypeScript sources), and renders exactly what the source tree's CLI renders;
//   - its first run builds a start-up snapshot in the background, later runs start from it, and
//     every command prints the same bytes (and exits the same) with it as without, on 22 and 24;
//   - the installed `msvc diff` and `msvc import` against the operator's objects on the local control plane;
//   - TypeScript users get the props and spec types (a wrong prop is a compile error).
// Packing and installing happen once per run (beforeAll); `make test` and `make release-check` run it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureTools, repoRoot } from '../../tools/bin.ts';
import { type NodeMajor, nodeBinary, nodeVersion } from '../../tools/node-versions.ts';
import { kubectl, startCluster, stopCluster } from '../e2e/cluster.ts';
import { conditionOf, eventually, getJson } from '../e2e/kube.ts';
import { type OperatorProcess, startOperator } from '../e2e/operator-process.ts';
import { freshProject, installedPackages, npm, packAll, tarballFiles } from './packed.ts';

const CONSTRUCT = 'microservice-operator';
const CLI = 'microservice-operator-cli';
const OPERATOR = 'microservice-operator-controller';
/** What a construct-only install must not bring: the operator's runtime and the repository's tooling. */
const NOT_IN_CONSTRUCT_INSTALL = [
  '@kubernetes/client-node',
  'pino',
  'prom-client',
  'tsx',
  'typescript',
  'vitest',
  '@biomejs/biome',
  'fast-check',
  'commander',
];
const NODES: readonly NodeMajor[] = [22, 24];

const examplesDir = join(repoRoot, 'examples');
const exampleFiles = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(examplesDir, f));

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}
const key = (o: Manifest) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** The objects of a YAML stream by apiVersion/kind/namespace/name. */
function objects(stream: string): Map<string, Manifest> {
  const out = new Map<string, Manifest>();
  for (const doc of parseAllDocuments(stream)) {
    const o = doc.toJS() as Manifest | null;
    if (o) out.set(key(o), o);
  }
  return out;
}

function run(
  node: NodeMajor,
  args: readonly string[],
  cwd: string,
  options: { env?: Record<string, string>; input?: string } = {},
) {
  const result = spawnSync(nodeBinary(node), args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    input: options.input,
  });
  if (result.error) throw result.error;
  return result;
}

/**
 * The installed msvc on a Node version. Its snapshots (bin/msvc.cjs) go to a cache directory of
 * this run's (XDG_CACHE_HOME), one per Node version unless `env` names another.
 */
function installedMsvc(node: NodeMajor, args: readonly string[], env: Record<string, string> = {}, input?: string) {
  const bin = join(tools, 'node_modules', CLI, 'bin', 'msvc.cjs');
  const cache = join(packAll().dir, `cache-node${node}`);
  return run(node, [bin, ...args], tools, { env: { XDG_CACHE_HOME: cache, ...env }, input });
}

let tarballs: Readonly<Record<string, string>>;
let app: string;
let tools: string;
let operator: string;

beforeAll(() => {
  tarballs = packAll().tarballs;
  app = freshProject('cdk8s-app', [tarballs[CONSTRUCT] ?? CONSTRUCT]);
  tools = freshProject('cli', [tarballs[CLI] ?? CLI]);
  // As the image installs it (Dockerfile, deps stage): the tarball unpacked, then
  // `npm ci --omit=dev` from its npm-shrinkwrap.json.
  operator = join(packAll().dir, 'operator');
  mkdirSync(operator);
  execFileSync('tar', ['-xzf', tarballs[OPERATOR] ?? '', '--strip-components=1', '-C', operator]);
  npm(['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline'], operator);
  for (const node of NODES) nodeBinary(node); // Node 22 is installed on first use
}, 600_000);

afterAll(() => rmSync(packAll().dir, { recursive: true, force: true }));

describe('the tarballs', () => {
  it('are packed for every package in packages/', () => {
    expect(Object.keys(tarballs).sort()).toEqual([CONSTRUCT, CLI, OPERATOR].sort());
  });

  it.each([
    [CONSTRUCT, ['dist/', 'crds/', 'README.md', 'LICENSE', 'package.json']],
    [CLI, ['bin/', 'dist/', 'README.md', 'LICENSE', 'package.json']],
    [OPERATOR, ['dist/', 'README.md', 'LICENSE', 'package.json', 'npm-shrinkwrap.json']],
  ])('%s holds only its allow-list, compiled', (name, allowed) => {
    const files = tarballFiles(tarballs[name] ?? '');
    expect(files.filter((f) => !allowed.some((a) => (a.endsWith('/') ? f.startsWith(a) : f === a)))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /\.test\.|\/test\/|\/bench\/|\/tools\//.test(f))).toEqual([]);
    expect(files).toContain('README.md');
    // The license package.json names (Apache-2.0), the repository's LICENSE byte for byte.
    expect(files).toContain('LICENSE');
    const license = execFileSync('tar', ['-xzOf', tarballs[name] ?? '', 'package/LICENSE']);
    expect(license.equals(readFileSync(join(repoRoot, 'LICENSE')))).toBe(true);
    expect(
      JSON.parse(execFileSync('tar', ['-xzOf', tarballs[name] ?? '', 'package/package.json'], { encoding: 'utf8' }))
        .license,
    ).toBe('Apache-2.0');
  });

  it('the construct package ships JS, declarations and source maps, and the CRD byte for byte', () => {
    const files = tarballFiles(tarballs[CONSTRUCT] ?? '');
    for (const f of [
      'dist/cdk8s/index.js',
      'dist/cdk8s/index.d.ts',
      'dist/cdk8s/index.js.map',
      'dist/api/index.d.ts',
    ]) {
      expect(files).toContain(f);
    }
    const shipped = readFileSync(join(app, 'node_modules', CONSTRUCT, 'crds', 'microservices.msvc.dev.yaml'));
    expect(shipped.equals(readFileSync(join(repoRoot, 'crds', 'microservices.msvc.dev.yaml')))).toBe(true);
  });
});

describe('the CLI package (npm install microservice-operator-cli)', () => {
  it('is one bundled file (esbuild) with its map, its build id and the notices of what it bundles, and has no dependencies', () => {
    const files = tarballFiles(tarballs[CLI] ?? '').filter((f) => f.startsWith('dist/'));
    expect(files.sort()).toEqual([
      'dist/THIRD-PARTY-NOTICES.md',
      'dist/build-id',
      'dist/msvc.cjs',
      'dist/msvc.cjs.map',
    ]);
    const notices = readFileSync(join(tools, 'node_modules', CLI, 'dist', 'THIRD-PARTY-NOTICES.md'), 'utf8');
    for (const bundled of ['commander', 'zod'])
      expect(notices).toMatch(new RegExp(`^## ${bundled} \\S+ \\(MIT\\)$`, 'm'));
    expect(notices).toMatch(/^## yaml \S+ \(ISC\)$/m);
    const version = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')).version;
    expect(readFileSync(join(tools, 'node_modules', CLI, 'dist', 'build-id'), 'utf8')).toMatch(
      new RegExp(`^${version.replaceAll('.', '\\.')}-[0-9a-f]{16}\n$`),
    );
    expect([...installedPackages(tools)].sort()).toEqual([CLI]);
  });
});

describe('a construct-only install (npm install microservice-operator)', () => {
  it('brings cdk8s and constructs as peers, zod and yaml, and nothing of the operator or the tooling', () => {
    const installed = installedPackages(app);
    for (const wanted of [CONSTRUCT, 'cdk8s', 'constructs', 'zod', 'yaml']) expect(installed).toContain(wanted);
    expect(NOT_IN_CONSTRUCT_INSTALL.filter((p) => installed.has(p))).toEqual([]);
  });

  it("runs the README's cdk8s section as written", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### 2. cdk8s'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toContain(`from '${CONSTRUCT}/cdk8s'`);
    // The one install step the section names, and the project has nothing else: cdk8s and
    // constructs arrive as the construct package's peers.
    const prose = section.slice(0, section.indexOf('```ts'));
    expect(prose.match(/`npm install [^`]*`/g)).toEqual([`\`npm install ${CONSTRUCT}\``]);
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: object };
    expect(Object.keys(manifest.dependencies)).toEqual([CONSTRUCT]);
    // As TypeScript (the block is ```ts): it type-checks against the installed declarations.
    writeFileSync(join(app, 'readme.ts'), code ?? '');
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2024'];
    const typed = spawnSync(nodeBinary(24), [tsc, ...flags, 'readme.ts'], { cwd: app, encoding: 'utf8' });
    expect(typed.stdout + typed.stderr).toBe('');
    writeFileSync(join(app, 'readme.mjs'), code ?? '');
    const result = run(24, ['readme.mjs'], app);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const synthesized = objects(readFileSync(join(app, 'dist', 'shop.k8s.yaml'), 'utf8'));
    expect([...synthesized.keys()]).toContain('apps/v1/Deployment/shop/hello');
    expect([...synthesized.keys()]).toContain('v1/Service/shop/hello');
  });

  it('types: props and spec types are exported, and a wrong prop does not compile', () => {
    writeFileSync(
      join(app, 'typed.ts'),
      [
        `import { App, Chart } from 'cdk8s';`,
        `import { MicroService, type MicroServiceProps } from '${CONSTRUCT}/cdk8s';`,
        `import type { MicroServiceSpec } from '${CONSTRUCT}/api';`,
        `const props: MicroServiceProps = { image: 'registry.example.com/a:1', ports: [{ name: 'http', port: 8080 }] };`,
        `const spec: MicroServiceSpec['image'] = props.image;`,
        `// @ts-expect-error: image is a string`,
        `const wrong: MicroServiceProps = { image: 1 };`,
        `new MicroService(new Chart(new App(), 'c'), 'a', props);`,
        `export { spec, wrong };`,
        '',
      ].join('\n'),
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2024'];
    const result = spawnSync(nodeBinary(24), [...args, 'typed.ts'], { cwd: app, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the operator package, installed for production (npm ci --omit=dev)', () => {
  it('has the runtime dependencies and none of the tooling', () => {
    const installed = installedPackages(operator);
    for (const wanted of ['@kubernetes/client-node', 'pino', 'prom-client', 'zod', 'yaml']) {
      expect(installed).toContain(wanted);
    }
    const tooling = ['tsx', 'typescript', 'vitest', '@biomejs/biome', 'fast-check', 'cdk8s', 'constructs', 'node'];
    expect(tooling.filter((p) => installed.has(p))).toEqual([]);
  });

  it.each(NODES)('starts with the image flags on Node %i (--help)', (node) => {
    const { flags, entry } = imageNodeFlags();
    const result = run(node, [...flags, entry, '--help'], operator);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--kubeconfig/);
  });
});

/** The Node flags of the image's ENTRYPOINT (between the node binary and the entry point). */
function imageNodeFlags(): { flags: string[]; entry: string } {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  const [, ...rest] = JSON.parse(entrypoint ?? '[]') as string[];
  const entry = rest.pop() ?? '';
  return { flags: rest, entry: entry.replace(/^\/app\//, '') };
}

describe('the operator from the production install, against a local control plane', () => {
  // A cluster of its own (the package project runs without the e2e project's), with kwok nodes
  // that make pods Ready; the CRD as the construct package ships it.
  const cluster = `msvc-package-${process.pid}`;
  let kubeconfig: string;
  let op: OperatorProcess | undefined;

  beforeAll(async () => {
    ensureTools();
    kubeconfig = (await startCluster({ name: cluster, fresh: true })).kubeconfigPath;
  }, 600_000);

  afterAll(async () => {
    await op?.stop();
    await stopCluster(cluster);
  }, 120_000);

  it('runs dist/ with the image flags and an example MicroService becomes Ready', async () => {
    const { flags, entry } = imageNodeFlags();
    expect(flags).toContain('--max-semi-space-size=1');
    expect(entry).toBe('dist/operator/microservice/main.js');
    const crd = join(app, 'node_modules', CONSTRUCT, 'crds', 'microservices.msvc.dev.yaml');
    await kubectl(kubeconfig, ['apply', '--server-side', '-f', crd]);
    // Polled, not `kubectl wait`: that fails outright while the new CRD has no status.conditions yet.
    await eventually(
      async () =>
        conditionOf(await getJson(kubeconfig, ['crd', 'microservices.msvc.dev']), 'Established')?.status === 'True',
      { what: 'CRD microservices.msvc.dev Established' },
    );
    await kubectl(kubeconfig, ['create', 'namespace', 'shop']);
    op = await startOperator({ kubeconfig, entry: join(operator, entry), nodeArgs: flags });
    expect(op.logs()).not.toMatch(/ExperimentalWarning|ERR_/);
    await kubectl(kubeconfig, ['apply', '--server-side', '-n', 'shop', '-f', join(examplesDir, 'catalog.yaml')]);
    const ready = await eventually(
      async () => {
        const msvc = await getJson<{ status?: { conditions?: []; readyReplicas?: number } }>(kubeconfig, [
          'microservice',
          'catalog',
          '-n',
          'shop',
        ]);
        return conditionOf(msvc, 'Ready')?.status === 'True' && msvc;
      },
      { timeoutMs: 180_000, what: `MicroService shop/catalog Ready (operator logs:\n${op.logs().slice(-2000)})` },
    );
    expect(ready.status?.readyReplicas).toBeGreaterThan(0);
    const deployment = await getJson<{ metadata: { managedFields: { manager: string }[] } }>(kubeconfig, [
      'deployment',
      'catalog',
      '-n',
      'shop',
      '--show-managed-fields',
    ]);
    expect(deployment?.metadata.managedFields.map((f) => f.manager)).toContain('msvc-operator');
  }, 300_000);

  // After the test above: shop/catalog is Ready, its children applied by the operator.
  it.each(NODES)(
    'the installed msvc diff (Node %i) finds nothing to change on what the operator applied, and shows a change',
    (node) => {
      const kube = ['--kubeconfig', kubeconfig, '-n', 'shop'];
      const catalog = join(examplesDir, 'catalog.yaml');
      const same = installedMsvc(node, ['diff', ...kube, '-f', catalog]);
      expect({ status: same.status, stdout: same.stdout }, same.stderr).toEqual({ status: 0, stdout: '' });
      const changed = join(packAll().dir, `catalog-changed-node${node}.yaml`);
      writeFileSync(changed, readFileSync(catalog, 'utf8').replace('catalog:3.2.0', 'catalog:3.3.0'));
      const change = installedMsvc(node, ['diff', ...kube, '-f', changed]);
      expect(change.status, change.stderr).toBe(1);
      expect(change.stdout).toContain('Index: Deployment shop/catalog');
      expect(change.stdout).toContain('rollout: yes');
      expect(change.stdout).toMatch(/^- {10}image: registry\.example\.com\/shop\/catalog:3\.2\.0$/m);
      expect(change.stdout).toMatch(/^\+ {10}image: registry\.example\.com\/shop\/catalog:3\.3\.0$/m);
    },
  );

  it.each(NODES)(
    'the installed msvc import (Node %i) turns the live objects back into the MicroService they came from',
    async (node) => {
      const live = await kubectl(kubeconfig, ['-n', 'shop', 'get', 'deploy,svc,hpa,pdb,sa', '-o', 'yaml']);
      const file = join(packAll().dir, `live-node${node}.yaml`);
      writeFileSync(file, live.stdout);
      const imported = installedMsvc(node, ['import', '-f', file]);
      expect(imported.status, imported.stderr).toBe(0);
      const docs = parseAllDocuments(imported.stdout).map((d) => d.toJS() as Manifest & { spec?: object });
      expect(docs.map(key)).toEqual(['msvc.dev/v1alpha1/MicroService/shop/catalog']);
      const example = parseAllDocuments(readFileSync(join(examplesDir, 'catalog.yaml'), 'utf8'))[0]?.toJS() as {
        spec: { allowedCallers?: unknown };
      };
      // allowedCallers renders a NetworkPolicy, which import does not read (deploy,svc,hpa,pdb,sa).
      const { allowedCallers: _callers, ...spec } = example.spec;
      expect(docs[0]?.spec).toMatchObject(spec);
    },
  );
});

describe.each(NODES)('on Node %i', (node) => {
  const msvc = (...args: string[]) => installedMsvc(node, args);

  it('the installed msvc validates, renders and explains every example', () => {
    const files = exampleFiles.flatMap((f) => ['-f', f]);
    const validate = msvc('validate', ...files);
    expect(validate.stderr).toBe('');
    expect(validate.status).toBe(0);
    expect(validate.stdout).toMatch(/OK \(MicroService /);
    const rendered = msvc('render', ...files);
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    // The same bytes as the source tree's CLI (bin/msvc.js on the repository's Node 24).
    const source = execFileSync(nodeBinary(24), [join(repoRoot, 'bin', 'msvc.js'), 'render', ...files], {
      encoding: 'utf8',
    });
    expect(rendered.stdout).toBe(source);
    const explain = msvc('explain', '-f', exampleFiles[0] ?? '');
    expect(explain.status).toBe(0);
    expect(explain.stdout.length).toBeGreaterThan(0);
    const version = msvc('--version');
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')).version,
    );
  });

  it('cdk8s synth with the installed construct gives exactly the objects the installed msvc renders', () => {
    const custom = exampleFiles.flatMap((f) =>
      parseAllDocuments(readFileSync(f, 'utf8'))
        .map((d) => d.toJS() as { kind?: string; metadata: object; spec: object })
        .filter((d) => d?.kind === 'MicroService'),
    );
    expect(custom.length).toBeGreaterThan(3);
    writeFileSync(join(app, 'resources.json'), JSON.stringify(custom));
    writeFileSync(
      join(app, 'synth.mjs'),
      [
        `import { readFileSync } from 'node:fs';`,
        `import { App, Chart } from 'cdk8s';`,
        `import { MicroService } from '${CONSTRUCT}/cdk8s';`,
        `const app = new App();`,
        `const chart = new Chart(app, 'examples');`,
        `for (const cr of JSON.parse(readFileSync('resources.json', 'utf8'))) {`,
        `  new MicroService(chart, cr.metadata.name, { metadata: cr.metadata, ...cr.spec });`,
        `}`,
        `process.stdout.write(app.synthYaml());`,
        '',
      ].join('\n'),
    );
    const synth = run(node, ['synth.mjs'], app);
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    const synthesized = objects(synth.stdout);
    const rendered = objects(msvc('render', ...exampleFiles.flatMap((f) => ['-f', f])).stdout);
    expect(synthesized.size).toBeGreaterThan(custom.length);
    expect([...synthesized.keys()].sort()).toEqual([...rendered.keys()].sort());
    for (const [k, object] of rendered) expect(synthesized.get(k), k).toEqual(object);
  });
  it('builds a start-up snapshot at its first run, starts from it after, and prints the same bytes as without', async () => {
    // A cache directory of this test's: the first run finds no snapshot.
    const cache = join(packAll().dir, `snapshot-test-node${node}`);
    const env = { XDG_CACHE_HOME: cache };
    const debug = { ...env, MSVC_SNAPSHOT_DEBUG: '1' };
    const example = exampleFiles[0] ?? '';
    const first = installedMsvc(node, ['render', '-f', example], debug);
    expect(first.status, first.stderr).toBe(0);
    const building = /^msvc: snapshot: none yet: building (\S+) in the background$/m.exec(first.stderr);
    expect(building, first.stderr).not.toBeNull();
    const blob = building?.[1] ?? '';
    // Per user (the cache directory), package build, platform, arch and Node version.
    const buildId = readFileSync(join(tools, 'node_modules', CLI, 'dist', 'build-id'), 'utf8').trim();
    expect(dirname(blob)).toBe(join(cache, 'msvc'));
    expect(basename(blob)).toMatch(
      new RegExp(
        `^snapshot-${buildId}-${process.platform}-${process.arch}-node${nodeVersion(node)}-[0-9a-f]{8}\\.blob$`,
      ),
    );
    await eventually(async () => existsSync(blob) || existsSync(`${blob}.failed`), {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `the snapshot ${blob}`,
    });
    expect(existsSync(`${blob}.failed`) ? readFileSync(`${blob}.failed`, 'utf8') : '').toBe('');
    // Written whole (temp file, then rename), and nothing left behind.
    expect(readdirSync(dirname(blob))).toEqual([basename(blob)]);
    expect(installedMsvc(node, ['--version'], debug).stderr).toBe(`msvc: snapshot: using ${blob}\n`);
    expect(installedMsvc(node, ['--version'], { ...debug, MSVC_NO_SNAPSHOT: '1' }).stderr).toBe(
      'msvc: snapshot: not used: MSVC_NO_SNAPSHOT is set\n',
    );

    // Every command the snapshot serves (and its errors), byte for byte and exit code as without it.
    const all = exampleFiles.flatMap((f) => ['-f', f]);
    const rendered = installedMsvc(node, ['render', '-f', example], env).stdout;
    const renderedFile = join(cache, 'rendered.yaml');
    writeFileSync(renderedFile, rendered);
    const invalid = join(cache, 'invalid.yaml');
    writeFileSync(
      invalid,
      'apiVersion: msvc.dev/v1alpha1\nkind: MicroService\nmetadata: { name: x }\nspec: { replicas: -1 }\n',
    );
    const cases: { args: string[]; input?: string }[] = [
      { args: ['render', ...all] },
      { args: ['render', '--managed-by', 'pipeline', '-n', 'shop', ...all] },
      { args: ['render', '-f', '-'], input: readFileSync(example, 'utf8') },
      { args: ['validate', ...all] },
      { args: ['validate', '-f', invalid] },
      { args: ['explain', ...all] },
      { args: ['explain', '-o', 'json', ...all] },
      { args: ['import', '-f', renderedFile] },
      { args: ['crd'] },
      { args: ['--version'] },
      { args: ['--help'] },
      { args: ['render'] },
    ];
    for (const { args, input } of cases) {
      const outcome = (more: Record<string, string>) => {
        const r = installedMsvc(node, args, { ...env, ...more }, input);
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const fromSnapshot = outcome({});
      expect(fromSnapshot, args.join(' ')).toEqual(outcome({ MSVC_NO_SNAPSHOT: '1' }));
      expect(fromSnapshot.stdout.length + fromSnapshot.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
    expect(installedMsvc(node, ['render', '-f', example], env).stdout).toBe(first.stdout);

    // A build that failed once is not tried again on every run: runs go on without a snapshot.
    const failedCache = join(packAll().dir, `snapshot-failed-node${node}`);
    mkdirSync(join(failedCache, 'msvc'), { recursive: true });
    writeFileSync(join(failedCache, 'msvc', `${basename(blob)}.failed`), 'an earlier build failed\n');
    const afterFailure = installedMsvc(node, ['render', '-f', example], { ...debug, XDG_CACHE_HOME: failedCache });
    expect(afterFailure.stdout).toBe(first.stdout);
    expect(afterFailure.stderr).toMatch(/^msvc: snapshot: not used: building it failed before/);
    expect(readdirSync(join(failedCache, 'msvc'))).toEqual([`${basename(blob)}.failed`]);
  }, 300_000);
});
