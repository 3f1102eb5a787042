/**
 * Release helpers (docs/releasing.md): one version for every artifact, and the Helm chart packaged.
 *
 *   node tools/release.ts version 0.2.0    sets the version everywhere it is written (below)
 *   node tools/release.ts check            exits 1, naming each file, if any version differs from package.json's
 *   node tools/release.ts chart [DIR]      helm lint --strict, then helm package into DIR (default
 *                                          dist/charts): DIR/microservice-operator-<version>.tgz
 *
 * Where the version is written (versionFields): the workspace root package.json and package-lock.json
 * (root and packages/* entries), every packages/<name>/package.json, the operator's
 * npm-shrinkwrap.json, and the chart's Chart.yaml (version and appVersion; the image tag defaults
 * to appVersion, so the chart installs the image of the same release).
 *
 * Exported for tests: versionFields(root), setVersion(root, version), packageChart(destination).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { binPath, repoRoot } from './bin.ts';

/** Semantic Versioning 2.0.0 (https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const chartPath = (root: string): string => join(root, 'charts/microservice-operator');

interface Lockfile {
  version?: string;
  packages?: Record<string, { version?: string }>;
}

function packageDirs(root: string): string[] {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `packages/${d.name}`)
    .sort();
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Every place a release version is written, as `file#field` → the version found there. */
export function versionFields(root: string = repoRoot): Map<string, string | undefined> {
  const fields = new Map<string, string | undefined>();
  fields.set('package.json#version', readJson<{ version?: string }>(join(root, 'package.json')).version);
  const lock = readJson<Lockfile>(join(root, 'package-lock.json'));
  fields.set('package-lock.json#version', lock.version);
  fields.set('package-lock.json#packages[""].version', lock.packages?.['']?.version);
  for (const dir of packageDirs(root)) {
    fields.set(`${dir}/package.json#version`, readJson<{ version?: string }>(join(root, dir, 'package.json')).version);
    fields.set(`package-lock.json#packages["${dir}"].version`, lock.packages?.[dir]?.version);
  }
  const shrinkwrap = readJson<Lockfile>(join(root, 'packages/operator/npm-shrinkwrap.json'));
  fields.set('packages/operator/npm-shrinkwrap.json#version', shrinkwrap.version);
  fields.set('packages/operator/npm-shrinkwrap.json#packages[""].version', shrinkwrap.packages?.['']?.version);
  const chart = parse(readFileSync(join(chartPath(root), 'Chart.yaml'), 'utf8')) as {
    version?: string;
    appVersion?: string;
  };
  const chartFile = relative(root, join(chartPath(root), 'Chart.yaml'));
  fields.set(`${chartFile}#version`, chart.version);
  fields.set(`${chartFile}#appVersion`, chart.appVersion);
  return fields;
}

/** The fields whose version is not the root package.json's, as readable lines (empty: none drifted). */
export function versionDrift(root: string = repoRoot): string[] {
  const fields = versionFields(root);
  const want = fields.get('package.json#version');
  return [...fields]
    .filter(([, v]) => v !== want)
    .map(([field, v]) => `${field} is ${v ?? 'missing'}, package.json says ${want}`);
}

function writeJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = readJson<Record<string, unknown>>(file);
  edit(json);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

function setLockVersions(lock: Record<string, unknown>, version: string, entries: readonly string[]): void {
  lock['version'] = version;
  const packages = lock['packages'] as Record<string, { version?: string }> | undefined;
  for (const entry of entries) {
    const pkg = packages?.[entry];
    if (pkg) pkg.version = version;
  }
}

/** Writes `version` into every field versionFields lists (the chart's comments are kept). */
export function setVersion(root: string, version: string): void {
  if (!SEMVER.test(version)) {
    throw new Error(`version ${JSON.stringify(version)} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 0.2.0)`);
  }
  const dirs = packageDirs(root);
  writeJson(join(root, 'package.json'), (j) => {
    j['version'] = version;
  });
  for (const dir of dirs) {
    writeJson(join(root, dir, 'package.json'), (j) => {
      j['version'] = version;
    });
  }
  writeJson(join(root, 'package-lock.json'), (j) => setLockVersions(j, version, ['', ...dirs]));
  writeJson(join(root, 'packages/operator/npm-shrinkwrap.json'), (j) => setLockVersions(j, version, ['']));
  const chartYaml = join(chartPath(root), 'Chart.yaml');
  const text = readFileSync(chartYaml, 'utf8');
  const updated = text
    .replace(/^version: .*$/m, `version: ${version}`)
    .replace(/^appVersion: .*$/m, `appVersion: ${JSON.stringify(version)}`);
  writeFileSync(chartYaml, updated);
  const drift = versionDrift(root);
  if (drift.length) throw new Error(`setVersion left fields behind:\n${drift.join('\n')}`);
}

/**
 * `helm lint --strict` of the chart, then `helm package` into destination. Refuses when a version
 * drifted (the chart would not match the image and packages of the same release). Returns the .tgz path.
 */
export function packageChart(destination: string, root: string = repoRoot): string {
  const drift = versionDrift(root);
  if (drift.length) {
    throw new Error(`versions differ; run \`node tools/release.ts version <version>\`:\n${drift.join('\n')}`);
  }
  const helm = binPath('helm');
  const chart = chartPath(root);
  // No repository cache or plugins of the user's: helm's directories in a temporary one.
  const home = mkdtempSync(join(tmpdir(), 'msvc-helm-'));
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const lint = execFileSync(helm, ['lint', '--strict', chart], { encoding: 'utf8', env });
  if (!/0 chart\(s\) failed/.test(lint)) throw new Error(`helm lint --strict ${chart}:\n${lint}`);
  mkdirSync(destination, { recursive: true });
  execFileSync(helm, ['package', chart, '--destination', destination], { stdio: ['ignore', 'ignore', 'inherit'], env });
  rmSync(home, { recursive: true, force: true });
  const version = versionFields(root).get('package.json#version');
  return join(destination, `microservice-operator-${version}.tgz`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, arg] = process.argv.slice(2);
  if (command === 'version' && arg) {
    setVersion(repoRoot, arg);
    process.stdout.write(`version ${arg}: ${[...versionFields().keys()].length} fields set\n`);
  } else if (command === 'check') {
    const drift = versionDrift();
    process.stdout.write(drift.length ? `${drift.join('\n')}\n` : 'versions agree\n');
    process.exitCode = drift.length ? 1 : 0;
  } else if (command === 'chart') {
    process.stdout.write(`${packageChart(arg ?? join(repoRoot, 'dist/charts'))}\n`);
  } else {
    process.stderr.write('usage: node tools/release.ts version <semver> | check | chart [destination]\n');
    process.exitCode = 2;
  }
}
