// Module boundaries (docs/architecture.md, "Layout"): api/ depends on nothing but
// zod, yaml and Node built-ins; render/ only on api/ (and node:crypto for hashing); operator/ and
// cdk8s/ never on each other; nothing imports cli/. Imports are read with a regular expression
// over the non-test sources, and the checker is itself tested on small fixtures, so a forbidden
// import cannot slip through a checker that silently matches nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['api', 'render', 'yaml', 'operator', 'cdk8s', 'cli', 'test', 'bench', 'tools', 'examples'];

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

/** Test code and test helpers (`*.test.ts`, `testing.ts`, `testing/`) may import test tooling. */
function isTestCode(path: string): boolean {
  return /\.test\.ts$/.test(path) || /(^|\/)testing(\.ts$|\/)/.test(path);
}

function collectSources(root: string): SourceFile[] {
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
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !isTestCode(path)) {
        out.push({ path, source: readFileSync(join(root, path), 'utf8') });
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return out;
}

/** Module specifiers of static imports and re-exports, side-effect imports and dynamic `import()`. */
function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const patterns = [
    /^\s*(?:import|export)\s+(?:type\s+)?[\w*{}\s,$]*?\s*from\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((p) => [...code.matchAll(p)].map((m) => m[1] as string));
}

type Target = { kind: 'local'; dir: string } | { kind: 'builtin'; name: string } | { kind: 'package'; name: string };

function resolveTarget(file: string, specifier: string): Target {
  if (specifier.startsWith('.')) {
    const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
    return { kind: 'local', dir: resolved.split('/')[0] as string };
  }
  if (specifier.startsWith('node:')) return { kind: 'builtin', name: specifier };
  const parts = specifier.split('/');
  return { kind: 'package', name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string) };
}

/** Every import that crosses a boundary, with the rule it breaks. */
function checkBoundaries(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    const own = path.split('/')[0] as string;
    for (const specifier of importsOf(source)) {
      const target = resolveTarget(path, specifier);
      const flag = (rule: string) => violations.push({ file: path, specifier, rule });
      if (target.kind === 'local' && target.dir === 'cli' && own !== 'cli') flag('nothing imports cli/');
      if (own === 'api') {
        if (target.kind === 'local' && target.dir !== 'api') flag('api/ imports only itself');
        if (target.kind === 'package' && !['zod', 'yaml'].includes(target.name)) flag('api/ imports only zod and yaml');
      }
      if (own === 'render') {
        if (target.kind === 'local' && !['render', 'api'].includes(target.dir)) flag('render/ imports only api/');
        if (target.kind === 'package') flag('render/ imports no packages');
        if (target.kind === 'builtin' && target.name !== 'node:crypto') flag('render/ uses only node:crypto (pure)');
      }
      if (own === 'yaml') {
        if (target.kind === 'local' && target.dir !== 'yaml') flag('yaml/ imports only itself');
        if (target.kind === 'package' && target.name !== 'yaml') flag('yaml/ imports only the yaml package');
        if (target.kind === 'builtin') flag('yaml/ uses no Node built-ins (pure)');
      }
      if (own === 'operator' && target.kind === 'local' && target.dir === 'cdk8s')
        flag('operator/ never imports cdk8s/');
      if (own === 'cdk8s' && target.kind === 'local' && target.dir === 'operator')
        flag('cdk8s/ never imports operator/');
    }
  }
  return violations;
}

describe('module boundaries', () => {
  it('hold across the repository', () => {
    const files = collectSources(ROOT);
    // The scan must see the layers it guards, or it would pass by looking at nothing.
    for (const dir of ['api', 'render'])
      expect(
        files.some((f) => f.path.startsWith(`${dir}/`)),
        dir,
      ).toBe(true);
    expect(files.some((f) => f.path === 'render/index.ts' && importsOf(f.source).length > 0)).toBe(true);
    expect(checkBoundaries(files)).toStrictEqual([]);
  });

  it('test helpers are the only render/ files that import test tooling', () => {
    const files = collectSources(ROOT).map((f) => f.path);
    expect(files).not.toContain('render/testing/arbitraries.ts');
    expect(files).toContain('render/deployment.ts');
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
        "export * from './rules.ts';",
      ),
      want: [],
    },
    {
      name: 'render/ with api/, itself and node:crypto',
      input: file(
        'render/deployment.ts',
        "import { DEFAULTS, type MicroService } from '../api/index.ts';",
        "import type { RenderConfig } from './types.ts';",
        "import { createHash } from 'node:crypto';",
      ),
      want: [],
    },
    {
      name: 'operator/ with api/, render/ and its packages',
      input: file(
        'operator/reconciler.ts',
        "import { render } from '../render/index.ts';",
        "import * as k8s from '@kubernetes/client-node';",
      ),
      want: [],
    },
    {
      name: 'imports mentioned in comments do not count',
      input: file('render/names.ts', "// import x from '../cli/main.ts';", "/* import y from 'lodash'; */"),
      want: [],
    },
    // Forbidden
    {
      name: 'yaml/ with the yaml package (types) and itself',
      input: file('yaml/write.ts', "import type { DocumentOptions } from 'yaml';", "import { x } from './read.ts';"),
      want: [],
    },
    {
      name: 'yaml/ importing render/, another package or doing I/O',
      input: file(
        'yaml/write.ts',
        "import { render } from '../render/index.ts';",
        "import _ from 'lodash';",
        "import { readFileSync } from 'node:fs';",
      ),
      want: ['yaml/ imports only itself', 'yaml/ imports only the yaml package', 'yaml/ uses no Node built-ins (pure)'],
    },
    {
      name: 'api/ importing render/',
      input: file('api/defaults.ts', "import { names } from '../render/names.ts';"),
      want: ['api/ imports only itself'],
    },
    {
      name: 'api/ importing another package',
      input: file('api/schema.ts', "import _ from 'lodash';"),
      want: ['api/ imports only zod and yaml'],
    },
    {
      name: 'render/ importing a package',
      input: file('render/service.ts', "import { stringify } from 'yaml';"),
      want: ['render/ imports no packages'],
    },
    {
      name: 'render/ doing I/O',
      input: file('render/deployment.ts', "import { readFileSync } from 'node:fs';"),
      want: ['render/ uses only node:crypto (pure)'],
    },
    {
      name: 'render/ importing operator/ (type-only too)',
      input: file('render/index.ts', "import type { Store } from '../operator/cache.ts';"),
      want: ['render/ imports only api/'],
    },
    {
      name: 'render/ re-exporting from operator/ across lines',
      input: file('render/index.ts', 'export {', '  Store,', "} from '../operator/cache.ts';"),
      want: ['render/ imports only api/'],
    },
    {
      name: 'operator/ importing cdk8s/',
      input: file('operator/app.ts', "import { MicroService } from '../cdk8s/index.ts';"),
      want: ['operator/ never imports cdk8s/'],
    },
    {
      name: 'cdk8s/ importing operator/ from a subfolder',
      input: file('cdk8s/sub/x.ts', "import { reconcile } from '../../operator/reconciler.ts';"),
      want: ['cdk8s/ never imports operator/'],
    },
    {
      name: 'test/ importing cli/',
      input: file('test/e2e/demo.ts', "import { main } from '../../cli/main.ts';"),
      want: ['nothing imports cli/'],
    },
    {
      name: 'a dynamic import of cli/',
      input: file('operator/main.ts', "const cli = await import('../cli/main.ts');"),
      want: ['nothing imports cli/'],
    },
    {
      name: 'a side-effect import in api/',
      input: file('api/index.ts', "import '../operator/register.ts';"),
      want: ['api/ imports only itself'],
    },
    {
      name: 'cli/ may import itself',
      input: file('cli/main.ts', "import { crd } from './commands/crd.ts';"),
      want: [],
    },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(checkBoundaries([input]).map((v) => v.rule)).toStrictEqual(want);
  });

  it('a forbidden import added to the real sources fails the check', () => {
    const files = collectSources(ROOT);
    const tampered = files.map((f) =>
      f.path === 'render/index.ts' ? { ...f, source: `import { main } from '../cli/main.ts';\n${f.source}` } : f,
    );
    expect(checkBoundaries(tampered)).toStrictEqual([
      { file: 'render/index.ts', specifier: '../cli/main.ts', rule: 'nothing imports cli/' },
      { file: 'render/index.ts', specifier: '../cli/main.ts', rule: 'render/ imports only api/' },
    ]);
  });

  it('test code and test helpers are not scanned', () => {
    expect(isTestCode('render/deployment.test.ts')).toBe(true);
    expect(isTestCode('render/testing/fixtures.ts')).toBe(true);
    expect(isTestCode('operator/testing.ts')).toBe(true);
    expect(isTestCode('api/crd.e2e.test.ts')).toBe(true);
    expect(isTestCode('render/deployment.ts')).toBe(false);
    expect(isTestCode('render/testings.ts')).toBe(false);
  });
});
