// `prepack` of every package in packages/: compiles the shared source tree into the package's
// dist/ with the package's tsconfig.json (JS, .d.ts, source maps with the sources inlined) and
// copies the repository's LICENSE and the files its package.json lists under msvcBuild.copy (e.g.
// the generated CRD) into the package folder (git-ignored build output there). Run by
// `npm pack` / `npm publish` in the package folder; the TypeScript compiler is the repository's.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = process.cwd();
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  name: string;
  msvcBuild?: { copy?: Record<string, string> };
};

rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
  cwd: packageDir,
  stdio: 'inherit',
});
const copies = { '../../LICENSE': 'LICENSE', ...manifest.msvcBuild?.copy };
for (const [from, to] of Object.entries(copies)) {
  mkdirSync(dirname(join(packageDir, to)), { recursive: true });
  copyFileSync(join(packageDir, from), join(packageDir, to));
}
process.stderr.write(`${manifest.name}: dist/ built\n`);
