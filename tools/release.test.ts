// One version for every artifact, and the Helm chart as a release artifact (tools/release.ts):
// nothing has drifted from package.json's version; `version` moves every field (on a copy of the
// files); the packaged chart carries that version, the generated CRD byte for byte, passes
// `helm lint --strict` as a .tgz and renders what the chart folder renders.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm } from '../charts/helm.ts';
import { repoRoot } from './bin.ts';
import { packageChart, setVersion, versionDrift, versionFields } from './release.ts';

const work = mkdtempSync(join(tmpdir(), 'msvc-release-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the files that hold a version (and nothing else), in a new directory. */
function versionFilesCopy(name: string): string {
  const root = join(work, name);
  const files = [
    'package.json',
    'package-lock.json',
    'packages/cli/package.json',
    'packages/construct/package.json',
    'packages/operator/package.json',
    'packages/operator/npm-shrinkwrap.json',
    'charts/microservice-operator/Chart.yaml',
  ];
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(root, f));
  }
  return root;
}

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('release versions', () => {
  it('every package, lockfile entry and the chart (version, appVersion) carry package.json version', () => {
    const fields = versionFields();
    expect(fields.size).toBeGreaterThanOrEqual(13);
    expect(versionDrift()).toEqual([]);
  });

  it('`version` sets every field and keeps the chart comments; a drifted field is named', () => {
    const root = versionFilesCopy('set');
    setVersion(root, '1.2.3-rc.1');
    expect(new Set(versionFields(root).values())).toEqual(new Set(['1.2.3-rc.1']));
    const chart = readFileSync(join(root, 'charts/microservice-operator/Chart.yaml'), 'utf8');
    expect(chart).toContain('# version and appVersion follow');
    expect(chart).toMatch(/^appVersion: "1\.2\.3-rc\.1"$/m);
    const cli = join(root, 'packages/cli/package.json');
    writeFileSync(cli, readFileSync(cli, 'utf8').replace('"version": "1.2.3-rc.1"', '"version": "1.2.2"'));
    expect(versionDrift(root)).toEqual(['packages/cli/package.json#version is 1.2.2, package.json says 1.2.3-rc.1']);
    expect(() => packageChart(join(root, 'out'), root)).toThrow(/packages\/cli\/package\.json#version is 1\.2\.2/);
  });

  it('rejects a version that is not semver', () => {
    expect(() => setVersion(versionFilesCopy('bad'), '1.2')).toThrow(/"1\.2" is not a semantic version/);
  });
});

describe('the packaged chart (node tools/release.ts chart)', () => {
  const tgz = packageChart(join(work, 'charts'));
  const file = (path: string) => execFileSync('tar', ['-xzOf', tgz, `microservice-operator/${path}`]);

  it('is microservice-operator-<version>.tgz with version and appVersion of the release', () => {
    expect(tgz).toBe(join(work, 'charts', `microservice-operator-${version}.tgz`));
    const chart = parse(file('Chart.yaml').toString()) as { version: string; appVersion: string };
    expect([chart.version, chart.appVersion]).toEqual([version, version]);
  });

  it('holds the generated CRD byte for byte, and no test data', () => {
    expect(
      file('crds/microservices.msvc.dev.yaml').equals(readFileSync(join(repoRoot, 'crds/microservices.msvc.dev.yaml'))),
    ).toBe(true);
    const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(
      files.filter(
        (f) =>
          !/^microservice-operator\/(Chart\.yaml|values\.yaml|values-large\.yaml|values\.schema\.json|\.helmignore|templates\/[^/]+|crds\/[^/]+|dashboards\/[^/]+)$/.test(
            f,
          ),
      ),
    ).toEqual([]);
  });

  it('passes helm lint --strict as a .tgz and renders what the chart folder renders', async () => {
    const { stdout } = await helm(['lint', '--strict', tgz]);
    expect(stdout).toContain('0 chart(s) failed');
    const packaged = await helm(['template', 'msvc', tgz, '--namespace', 'msvc-system']);
    expect(packaged.stdout).toBe(readFileSync(join(repoRoot, 'charts/testdata/default.golden.yaml'), 'utf8'));
  });
});
