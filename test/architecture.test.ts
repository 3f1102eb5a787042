// The layout's "may import" rules (docs/architecture.md), enforced: each product layer imports only
// the layers and packages it is allowed; operator/runtime/ knows nothing of MicroService;
// operator/ and cdk8s/ never import each other; nothing imports cli/ (benchmarks aside); product code never imports
// test support; product folders hold no test support; and there is no import cycle anywhere in
// product code. Imports are read with regular expressions over the sources, and the checker is
// itself tested on small fixtures, so a forbidden import cannot slip through a checker that
// silently matches nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What ships to users: every other folder is tests, benchmarks, tooling or examples. */
const PRODUCT_DIRS = ['api', 'render', 'import', 'yaml', 'operator', 'cdk8s', 'cli'];
const OTHER_DIRS = ['test', 'bench', 'tools', 'examples', 'charts', 'packages'];
const TEST_PACKAGES = ['vitest', 'fast-check', 'kubernetes-models'];

interface SourceFile {
  /** Repository-relative, with forward slashes, e.g. `render/deployment.ts`. */
  readonly path: string;
  readonly source: string;
}
interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
}

/** A product layer: where it lives and what it may import. */
interface Layer {
  readonly name: string;
  /** Local folders (path prefixes ending in '/') it may import, itself included. */
  readonly local: readonly string[];
  /** Packages it may import. */
  readonly packages: readonly string[];
  /** Node built-ins it may import; undefined: any. */
  readonly builtins?: readonly string[];
}

const RUNTIME_PACKAGES = ['@kubernetes/client-node', 'pino', 'prom-client', 'yaml'];

/** Longest prefix first, so operator/runtime/ is found before a rule for operator/ would be. */
const LAYERS: readonly Layer[] = [
  { name: 'api/', local: ['api/'], packages: ['zod', 'yaml'] },
  { name: 'render/', local: ['render/', 'api/'], packages: [], builtins: ['node:crypto'] },
  { name: 'import/', local: ['import/', 'render/', 'api/'], packages: [], builtins: [] },
  { name: 'yaml/', local: ['yaml/'], packages: ['yaml'], builtins: [] },
  { name: 'operator/runtime/', local: ['operator/runtime/'], packages: RUNTIME_PACKAGES },
  {
    name: 'operator/microservice/',
    local: ['operator/microservice/', 'operator/runtime/', 'api/', 'render/'],
    packages: [...RUNTIME_PACKAGES, 'commander'],
  },
  {
    name: 'cdk8s/',
    local: ['cdk8s/', 'api/', 'render/', 'yaml/'],
    packages: ['cdk8s', 'constructs', 'cdk8s-plus-27', 'yaml'],
  },
  // `msvc diff`, the one command that talks to a cluster: the operator's client, and its children and adoption code.
  {
    name: 'cli/commands/diff',
    local: ['cli/', 'api/', 'render/', 'import/', 'yaml/', 'operator/runtime/', 'operator/microservice/'],
    packages: ['commander', 'yaml', 'diff'],
  },
  { name: 'cli/', local: ['cli/', 'api/', 'render/', 'import/', 'yaml/'], packages: ['commander', 'yaml'] },
];

function layerOf(path: string): Layer | undefined {
  return LAYERS.find((layer) => path.startsWith(layer.name));
}

/** Test code: `*.test.ts` anywhere, and everything under test/. */
function isTestCode(path: string): boolean {
  return /\.test\.ts$/.test(path) || path.startsWith('test/');
}

/** A file in a product folder that only tests use (the old `testing.ts`, `testing/`, `testdata/` helpers). */
function isTestSupportInProduct(path: string): boolean {
  return PRODUCT_DIRS.some((d) => path.startsWith(`${d}/`)) && /(^|\/)(testing|testdata|fixtures)(\.ts$|\/)/.test(path);
}

function collectSources(root: string, dirs: readonly string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return; // a folder not created yet
    }
    for (const e of entries) {
      const path = posix.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'dist', 'imports', '__snapshots__'].includes(e.name) && !e.name.startsWith('.'))
          walk(path);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        out.push({ path, source: readFileSync(join(root, path), 'utf8') });
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return out;
}

/** Module specifiers of static imports and re-exports (type-only too), side-effect imports and dynamic `import()`. */
function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const patterns = [
    /^\s*(?:import|export)\s+(?:type\s+)?[\w*{}\s,$]*?\s*from\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((p) => [...code.matchAll(p)].map((m) => m[1] as string));
}

type Target = { kind: 'local'; path: string } | { kind: 'builtin'; name: string } | { kind: 'package'; name: string };

function resolveTarget(file: string, specifier: string): Target {
  if (specifier.startsWith('.')) {
    return { kind: 'local', path: posix.normalize(posix.join(posix.dirname(file), specifier)) };
  }
  if (specifier.startsWith('node:')) return { kind: 'builtin', name: specifier };
  const parts = specifier.split('/');
  return { kind: 'package', name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string) };
}

/** Every import that crosses a boundary, with the rule it breaks. */
function checkBoundaries(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    if (isTestCode(path) && !path.startsWith('test/')) continue; // unit tests may import what they test
    const layer = layerOf(path);
    for (const specifier of importsOf(source)) {
      const target = resolveTarget(path, specifier);
      const flag = (rule: string) => violations.push({ file: path, specifier, rule });
      // bench/ may: bench/render-phases.ts times the CLI's own phases (read, parse, write) in one process.
      if (
        target.kind === 'local' &&
        target.path.startsWith('cli/') &&
        !path.startsWith('cli/') &&
        !path.startsWith('bench/')
      )
        flag('nothing imports cli/');
      if (layer === undefined) continue;
      if (target.kind === 'local') {
        if (target.path.startsWith('test/')) flag(`${layer.name} never imports test support`);
        else if (!layer.local.some((dir) => target.path.startsWith(dir)) && !target.path.startsWith('cli/'))
          flag(`${layer.name} imports only ${layer.local.join(', ')}`);
      }
      if (target.kind === 'package') {
        if (TEST_PACKAGES.includes(target.name)) flag(`${layer.name} never imports test tooling (${target.name})`);
        else if (!layer.packages.includes(target.name))
          flag(`${layer.name} imports no package but ${layer.packages.join(', ') || 'none'}`);
      }
      if (target.kind === 'builtin' && layer.builtins !== undefined && !layer.builtins.includes(target.name))
        flag(
          `${layer.name} uses ${layer.builtins.length ? `only ${layer.builtins.join(', ')}` : 'no Node built-ins'} (pure)`,
        );
    }
  }
  return violations;
}

/** The local module graph of `files` (edges to files in the set only). */
function moduleGraph(files: readonly SourceFile[]): Map<string, string[]> {
  const paths = new Set(files.map((f) => f.path));
  const graph = new Map<string, string[]>();
  for (const { path, source } of files) {
    const edges = importsOf(source)
      .map((s) => resolveTarget(path, s))
      .flatMap((t) => (t.kind === 'local' && paths.has(t.path) ? [t.path] : []));
    graph.set(path, [...new Set(edges)]);
  }
  return graph;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return out;
}

const productFiles = () => collectSources(ROOT, PRODUCT_DIRS).filter((f) => !isTestCode(f.path));

describe('module boundaries', () => {
  it('hold across the repository', () => {
    const files = collectSources(ROOT, [...PRODUCT_DIRS, ...OTHER_DIRS]);
    // The scan must see the layers it guards, or it would pass by looking at nothing.
    for (const layer of LAYERS)
      expect(
        files.some((f) => f.path.startsWith(layer.name) && !isTestCode(f.path)),
        layer.name,
      ).toBe(true);
    expect(files.some((f) => f.path === 'render/index.ts' && importsOf(f.source).length > 0)).toBe(true);
    expect(checkBoundaries(files)).toStrictEqual([]);
  });

  it('no import cycle in product code', () => {
    const graph = moduleGraph(productFiles());
    expect(graph.get('render/mesh/index.ts')).toContain('render/mesh/istio.ts');
    expect(cycles(graph)).toStrictEqual([]);
  });

  it('product folders hold no test support (it lives under test/)', () => {
    const all = collectSources(ROOT, PRODUCT_DIRS).map((f) => f.path);
    expect(all).toContain('render/deployment.ts');
    expect(all.filter(isTestSupportInProduct)).toStrictEqual([]);
  });
});

describe('the boundary checker', () => {
  const file = (path: string, ...lines: string[]): SourceFile => ({ path, source: lines.join('\n') });
  const cases: { name: string; input: SourceFile; want: string[] }[] = [
    // Allowed
    {
      name: 'api/ with zod, yaml, node builtins and itself',
      input: file(
        'api/schema.ts',
        "import { z } from 'zod';",
        "import { stringify } from 'yaml';",
        "import { readFileSync } from 'node:fs';",
        "import { DNS } from './patterns.ts';",
        "export * from './spec/index.ts';",
      ),
      want: [],
    },
    {
      name: 'render/ with api/, itself and node:crypto',
      input: file(
        'render/mesh/istio.ts',
        "import { DEFAULTS } from '../../api/index.ts';",
        "import type { MeshKey } from './shared.ts';",
        "import { createHash } from 'node:crypto';",
      ),
      want: [],
    },
    {
      name: 'operator/microservice/ with api/, render/, the runtime and its packages',
      input: file(
        'operator/microservice/reconciler.ts',
        "import { render } from '../../render/index.ts';",
        "import { parseMicroService } from '../../api/index.ts';",
        "import { Client } from '../runtime/client.ts';",
        "import { Command } from 'commander';",
      ),
      want: [],
    },
    {
      name: 'operator/runtime/ with itself and its packages',
      input: file(
        'operator/runtime/informer.ts',
        "import { Writer } from './cache.ts';",
        "import { KubeConfig } from '@kubernetes/client-node';",
        "import { pino } from 'pino';",
      ),
      want: [],
    },
    {
      name: 'imports mentioned in comments do not count',
      input: file('render/names.ts', "// import x from '../cli/main.ts';", "/* import y from 'lodash'; */"),
      want: [],
    },
    {
      name: 'import/ with render/, api/ and itself',
      input: file(
        'import/index.ts',
        "import { render } from '../render/index.ts';",
        "import { parseSpec } from '../api/index.ts';",
        "import { compare } from './compare.ts';",
      ),
      want: [],
    },
    {
      name: 'yaml/ with the yaml package (types) and itself',
      input: file('yaml/write.ts', "import type { DocumentOptions } from 'yaml';", "import { x } from './read.ts';"),
      want: [],
    },
    {
      name: 'test support may import anything but cli/',
      input: file(
        'test/support/fixtures.ts',
        "import fc from 'fast-check';",
        "import { render } from '../../render/index.ts';",
        "import { Client } from '../../operator/runtime/client.ts';",
      ),
      want: [],
    },
    {
      name: 'a unit test beside its code may import test support',
      input: file('render/deployment.test.ts', "import { microService } from '../test/support/fixtures.ts';"),
      want: [],
    },
    {
      name: 'a benchmark may import cli/ (it times the CLI in process)',
      input: file('bench/render-phases.ts', "import { readInputs } from '../cli/input.ts';"),
      want: [],
    },
    {
      name: 'cli/ may import itself',
      input: file('cli/main.ts', "import { crd } from './commands/crd.ts';"),
      want: [],
    },
    {
      name: 'msvc diff with the operator client and diff',
      input: file(
        'cli/commands/diff.ts',
        "import { Client } from '../../operator/runtime/client.ts';",
        "import { ownedBy } from '../../operator/microservice/children.ts';",
        "import { createTwoFilesPatch } from 'diff';",
      ),
      want: [],
    },
    // Forbidden
    {
      name: 'operator/runtime/ importing the MicroService controller',
      input: file('operator/runtime/manager.ts', "import { FIELD_MANAGER } from '../microservice/identity.ts';"),
      want: ['operator/runtime/ imports only operator/runtime/'],
    },
    {
      name: 'operator/runtime/ importing api/ or render/ (type-only too)',
      input: file(
        'operator/runtime/cache.ts',
        "import type { MicroService } from '../../api/index.ts';",
        "import { render } from '../../render/index.ts';",
      ),
      want: ['operator/runtime/ imports only operator/runtime/', 'operator/runtime/ imports only operator/runtime/'],
    },
    {
      name: 'yaml/ importing render/, another package or doing I/O',
      input: file(
        'yaml/write.ts',
        "import { render } from '../render/index.ts';",
        "import _ from 'lodash';",
        "import { readFileSync } from 'node:fs';",
      ),
      want: ['yaml/ imports only yaml/', 'yaml/ imports no package but yaml', 'yaml/ uses no Node built-ins (pure)'],
    },
    {
      name: 'import/ doing I/O, using a package or importing the operator',
      input: file(
        'import/index.ts',
        "import { readFileSync } from 'node:fs';",
        "import { parse } from 'yaml';",
        "import { Client } from '../operator/runtime/client.ts';",
      ),
      want: [
        'import/ uses no Node built-ins (pure)',
        'import/ imports no package but none',
        'import/ imports only import/, render/, api/',
      ],
    },
    {
      name: 'api/ importing render/',
      input: file('api/spec/mesh.ts', "import { names } from '../../render/names.ts';"),
      want: ['api/ imports only api/'],
    },
    {
      name: 'api/ importing another package',
      input: file('api/schema.ts', "import _ from 'lodash';"),
      want: ['api/ imports no package but zod, yaml'],
    },
    {
      name: 'render/ importing a package',
      input: file('render/service.ts', "import { stringify } from 'yaml';"),
      want: ['render/ imports no package but none'],
    },
    {
      name: 'render/ doing I/O',
      input: file('render/deployment.ts', "import { readFileSync } from 'node:fs';"),
      want: ['render/ uses only node:crypto (pure)'],
    },
    {
      name: 'render/ re-exporting from operator/ across lines',
      input: file('render/index.ts', 'export {', '  Store,', "} from '../operator/runtime/cache.ts';"),
      want: ['render/ imports only render/, api/'],
    },
    {
      name: 'operator/ importing cdk8s/',
      input: file('operator/microservice/app.ts', "import { MicroService } from '../../cdk8s/index.ts';"),
      want: ['operator/microservice/ imports only operator/microservice/, operator/runtime/, api/, render/'],
    },
    {
      name: 'cdk8s/ importing operator/ from a subfolder',
      input: file('cdk8s/sub/x.ts', "import { Reconciler } from '../../operator/microservice/reconciler.ts';"),
      want: ['cdk8s/ imports only cdk8s/, api/, render/, yaml/'],
    },
    {
      name: 'product code importing test support or test tooling',
      input: file(
        'render/deployment.ts',
        "import { microService } from '../test/support/fixtures.ts';",
        "import fc from 'fast-check';",
      ),
      want: ['render/ never imports test support', 'render/ never imports test tooling (fast-check)'],
    },
    {
      name: 'another cli/ command importing the operator or diff',
      input: file(
        'cli/commands/render.ts',
        "import { Client } from '../../operator/runtime/client.ts';",
        "import { createTwoFilesPatch } from 'diff';",
      ),
      want: ['cli/ imports only cli/, api/, render/, import/, yaml/', 'cli/ imports no package but commander, yaml'],
    },
    {
      name: 'test/ importing cli/',
      input: file('test/e2e/demo.ts', "import { main } from '../../cli/main.ts';"),
      want: ['nothing imports cli/'],
    },
    {
      name: 'a dynamic import of cli/',
      input: file('operator/microservice/main.ts', "const cli = await import('../../cli/main.ts');"),
      want: ['nothing imports cli/'],
    },
    {
      name: 'a side-effect import in api/',
      input: file('api/index.ts', "import '../operator/register.ts';"),
      want: ['api/ imports only api/'],
    },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(checkBoundaries([input]).map((v) => v.rule)).toStrictEqual(want);
  });

  it('a forbidden import added to the real sources fails the check', () => {
    const files = collectSources(ROOT, PRODUCT_DIRS);
    const tampered = files.map((f) =>
      f.path === 'operator/runtime/queue.ts'
        ? { ...f, source: `import { names } from '../../render/names.ts';\n${f.source}` }
        : f,
    );
    expect(checkBoundaries(tampered)).toStrictEqual([
      {
        file: 'operator/runtime/queue.ts',
        specifier: '../../render/names.ts',
        rule: 'operator/runtime/ imports only operator/runtime/',
      },
    ]);
  });

  it('finds a cycle, a type-only one too, and a module importing itself', () => {
    const graph = moduleGraph([
      file('render/mesh/shared.ts', "import type { X } from './istio.ts';"),
      file('render/mesh/istio.ts', "import { portList } from './shared.ts';"),
      file('render/mesh/index.ts', "import { istio } from './istio.ts';"),
      file('api/a.ts', "import { a } from './a.ts';"),
    ]);
    expect(cycles(graph)).toStrictEqual([['api/a.ts'], ['render/mesh/istio.ts', 'render/mesh/shared.ts']]);
  });

  it('a cycle added to the real sources fails the check', () => {
    const tampered = productFiles().map((f) =>
      f.path === 'render/mesh/shared.ts' ? { ...f, source: `import './istio.ts';\n${f.source}` } : f,
    );
    expect(cycles(moduleGraph(tampered))).toStrictEqual([['render/mesh/istio.ts', 'render/mesh/shared.ts']]);
  });

  it('knows test code and test support in product folders', () => {
    expect(isTestCode('render/deployment.test.ts')).toBe(true);
    expect(isTestCode('api/crd.e2e.test.ts')).toBe(true);
    expect(isTestCode('test/support/fixtures.ts')).toBe(true);
    expect(isTestCode('render/deployment.ts')).toBe(false);
    expect(isTestSupportInProduct('render/testing/fixtures.ts')).toBe(true);
    expect(isTestSupportInProduct('operator/testing.ts')).toBe(true);
    expect(isTestSupportInProduct('operator/testdata/manager-main.ts')).toBe(true);
    expect(isTestSupportInProduct('test/support/fixtures.ts')).toBe(false);
    expect(isTestSupportInProduct('render/testings.ts')).toBe(false);
  });
});
