// `prepack` of every package in packages/: builds the package's dist/ from the shared source tree,
// copies the repository's LICENSE and the files its package.json lists under msvcBuild.copy (e.g.
// the generated CRD) into the package folder (git-ignored build output there). Run by
// `npm pack` / `npm publish` in the package folder.
//
// Two kinds of build, by package.json:
//   - a library (tsconfig.json in the package folder): the TypeScript compiler of the repository
//     compiles the folders the tsconfig includes (JS, .d.ts, source maps with the sources inlined);
//   - msvcBuild.bundle (the CLI): esbuild bundles each entry and everything it imports, npm packages
//     included except msvcBuild.external, into one file with a source map: ESM, or a CommonJS
//     script when the output ends in .cjs (what `node --build-snapshot` takes; import.meta.url
//     then means the bundle's own file URL). msvcBuild.buildId names a file that gets the package
//     version and a hash of the bundles (what a cache of anything made from them is keyed by). A CLI run is short
//     and mostly module loading (resolving and compiling ~170 files of zod, commander and ours):
//     one file takes ~40% off its CPU time (docs/benchmarks.md, `startup`). Bundled packages' licenses go to
//     dist/THIRD-PARTY-NOTICES.md. Dynamic imports stay lazy inside the bundle (esbuild
//     evaluates a module the first time it is imported), so a command loads only its own code.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = process.cwd();
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildConfig {
  /** Source files (relative to the repository root) → bundle files (relative to the package). */
  readonly bundle?: Record<string, string>;
  /** npm packages left out of the bundle (they stay dependencies, loaded at run time). */
  readonly external?: readonly string[];
  /**
   * Node built-in modules that bundled npm packages import by default import (`import x from
   * 'node:…'`) but need only on a path the CLI never takes: each is required on first use instead
   * of at load (e.g. commander's node:child_process, for executable subcommands, which `msvc` has
   * none of: ~4 ms of each run, and a module Node does not support in a start-up snapshot).
   */
  readonly lazyBuiltins?: readonly string[];
  /** A file (relative to the package) to hold `<version>-<hash of the bundles>`. */
  readonly buildId?: string;
  /** Files (relative to the package) copied into the package before packing. */
  readonly copy?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  msvcBuild?: BuildConfig;
};
const config = manifest.msvcBuild ?? {};

/** The npm package a bundled input belongs to (node_modules/<name>/… or node_modules/@scope/<name>/…). */
function packageOf(input: string): string | undefined {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

/** Name, version, license and license text of every npm package the bundles hold. */
function thirdPartyNotices(packages: ReadonlySet<string>): string {
  const sections = [...packages].sort().map((name) => {
    const dir = join(repoRoot, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
    const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    if (!licenseFile) throw new Error(`${name}: bundled into ${manifest.name} but ships no LICENSE file to reproduce`);
    const text = readFileSync(join(dir, licenseFile), 'utf8').trim();
    return `## ${name} ${pkg.version} (${pkg.license ?? 'see below'})\n\n\`\`\`text\n${text}\n\`\`\`\n`;
  });
  return [
    `# Third-party software bundled in ${manifest.name}`,
    '',
    'These npm packages are compiled into the files of dist/ (packages/build.ts); their licenses follow.',
    '',
    ...sections,
  ].join('\n');
}

/** The esbuild plugin of BuildConfig.lazyBuiltins: a default import from node_modules gets a proxy that requires the module on first use. */
function lazyBuiltins(names: readonly string[]): import('esbuild').Plugin {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) =>
        args.importer.includes('/node_modules/') ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        contents: `let m;\nmodule.exports = new Proxy({}, { get: (_, key) => (m ??= require(${JSON.stringify(args.path)}))[key] });\n`,
        loader: 'js',
      }));
    },
  };
}

async function bundle(entries: Record<string, string>): Promise<void> {
  const { build } = await import('esbuild');
  const bundled = new Set<string>();
  const hash = createHash('sha256');
  for (const [from, to] of Object.entries(entries)) {
    const commonJs = to.endsWith('.cjs');
    const result = await build({
      entryPoints: [join(repoRoot, from)],
      outfile: join(packageDir, to),
      bundle: true,
      platform: 'node',
      format: commonJs ? 'cjs' : 'esm',
      // A CommonJS script has no import.meta: the bundle's own URL stands in for it.
      ...(commonJs
        ? {
            define: { 'import.meta.url': '__bundle_url' },
            banner: { js: '"use strict";var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
          }
        : {}),
      // The oldest Node the packages support (package.json engines: 22.19).
      target: 'node22.19',
      external: [...(config.external ?? [])],
      plugins: config.lazyBuiltins ? [lazyBuiltins(config.lazyBuiltins)] : [],
      sourcemap: 'linked',
      sourcesContent: true,
      // Whitespace and syntax only: names stay readable in stack traces and errors.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'eof',
      metafile: true,
      logLevel: 'warning',
      absWorkingDir: repoRoot,
    });
    for (const input of Object.keys(result.metafile.inputs)) {
      const name = packageOf(input);
      if (name) bundled.add(name);
    }
    hash.update(readFileSync(join(packageDir, to)));
  }
  if (config.buildId) {
    writeFileSync(join(packageDir, config.buildId), `${manifest.version}-${hash.digest('hex').slice(0, 16)}\n`);
  }
  if (bundled.size) writeFileSync(join(packageDir, 'dist', 'THIRD-PARTY-NOTICES.md'), thirdPartyNotices(bundled));
}

rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
if (config.bundle) await bundle(config.bundle);
if (existsSync(join(packageDir, 'tsconfig.json'))) {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: packageDir,
    stdio: 'inherit',
  });
}
const copies = { '../../LICENSE': 'LICENSE', ...config.copy };
for (const [from, to] of Object.entries(copies)) {
  mkdirSync(dirname(join(packageDir, to)), { recursive: true });
  copyFileSync(join(packageDir, from), join(packageDir, to));
}
process.stderr.write(`${manifest.name}: dist/ built\n`);
