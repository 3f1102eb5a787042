/**
 * Start-up speed of `msvc` as users install it (issue #15): the packed `microservice-operator-cli`
 * (`npm pack`, whose prepack bundles the CLI: packages/build.ts) installed into a fresh project
 * outside the repository, run the way npm's bin link runs it (node …/bin/msvc.js). In one
 * interleaved loop, on the same service (bench/specs.ts):
 *   - `msvc render -f one.yaml` (one spec), with Node's compile cache warm (a pipeline's second run;
 *     the cache is in the OS temp directory) and cold (NODE_COMPILE_CACHE a new directory each run);
 *   - `node -e 0`: Node starting and exiting, the floor under any Node CLI;
 *   - `helm template` of the equivalent chart (bench/fixtures/app-chart) for that one service;
 *   - the CLI compiled by tsc, one file per module (bench/.build/cli/main.js): what the package
 *     shipped before the bundle, recorded as history;
 *   - `msvc render` of N specs from the installed package vs a cdk8s-plus-27 synth of the same N
 *     (bench/fixtures/kplus-app.ts), the target bench/render.ts could not meet with the old start-up.
 *
 *   node bench/startup.ts [--quick] [--n 1000] [--repeats 15] [--repeatsN 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { npm } from '../test/package/packed.ts';
import { binPath } from '../tools/bin.ts';
import {
  benchDir,
  ensureBuild,
  log,
  parseFlags,
  type Row,
  repoRoot,
  type Spread,
  spread,
  writeResult,
} from './harness.ts';
import { kplusSynth, nodeBin, type ProcessRun, runProcess } from './render.ts';
import { helmValues, services, writeMicroServices } from './specs.ts';

const CLI = 'microservice-operator-cli';

/** `npm pack` of packages/cli into work/, then `npm install` of the tarball in work/app. Returns the bin. */
export function installCli(work: string): string {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  npm(['pack', '--workspace', 'packages/cli', '--pack-destination', tarballs], repoRoot);
  const tarball = readdirSync(tarballs).find((f) => f.startsWith(`${CLI}-`) && f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack of packages/cli left no ${CLI}-*.tgz in ${tarballs}`);
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`);
  npm(['install', '--prefer-offline', join(tarballs, tarball)], app);
  return join(app, 'node_modules', CLI, 'bin', 'msvc.js');
}

const median = (runs: readonly ProcessRun[]): Spread => spread(runs.map((r) => r.seconds));
const cpu = (runs: readonly ProcessRun[]): Spread => spread(runs.map((r) => r.cpuSeconds));
/** a ÷ b of the medians; undefined when b is 0 (GNU time counts CPU in 10 ms steps). */
const cpuRatio = (a: Spread, b: Spread): number | undefined => (b.median > 0 ? a.median / b.median : undefined);

export async function main(argv = process.argv.slice(2)): Promise<string> {
  const flags = parseFlags(argv);
  const quick = flags.quick;
  const n = flags.get('n', quick ? 50 : 1000);
  const repeats = flags.get('repeats', quick ? 3 : 15);
  const repeatsN = flags.get('repeatsN', quick ? 1 : 5);
  const work = mkdtempSync(join(tmpdir(), 'msvc-bench-startup-'));
  try {
    log('startup: npm pack packages/cli and install it outside the repository');
    const installed = installCli(work);
    const before = join(ensureBuild(), 'cli/main.js');
    const list = services(n);
    const one = list[0]!;
    const oneDir = join(work, 'one');
    writeMicroServices(oneDir, [one]);
    const oneFile = join(oneDir, `${one.name}.yaml`);
    const specsDir = join(work, 'specs');
    writeMicroServices(specsDir, list);
    const values = join(work, 'values.yaml');
    writeFileSync(values, stringify({ ...helmValues(one), fullnameOverride: one.name }));
    const helm = binPath('helm');
    const chart = join(benchDir, 'fixtures/app-chart');
    const cwd = join(work, 'app');
    const helmArgs = ['template', one.name, chart, '--namespace', 'bench', '-f', values];

    // Same output from every door first, then warm the file cache, the compile cache and each tool once, unmeasured.
    const out = (file: string, args: string[]) => execFileSync(file, args, { cwd, encoding: 'utf8' });
    const rendered = out(nodeBin, [installed, 'render', '-f', oneFile]);
    if (rendered !== out(nodeBin, [before, 'render', '-f', oneFile])) {
      throw new Error('the installed msvc and the compiled source tree render different bytes for the same spec');
    }
    runProcess(nodeBin, [installed, 'render', '-f', specsDir], { cwd });
    runProcess(helm, helmArgs, { cwd });
    runProcess(nodeBin, [before, 'render', '-f', oneFile], { cwd });

    const nodeStart: ProcessRun[] = [];
    const oneWarm: ProcessRun[] = [];
    const oneCold: ProcessRun[] = [];
    const oneBefore: ProcessRun[] = [];
    const helmOne: ProcessRun[] = [];
    for (let r = 0; r < repeats; r++) {
      // Interleaved, so load changes on a shared machine hit every contender alike.
      nodeStart.push(runProcess(nodeBin, ['-e', '0'], { cwd }));
      oneWarm.push(runProcess(nodeBin, [installed, 'render', '-f', oneFile], { cwd }));
      helmOne.push(runProcess(helm, helmArgs, { cwd }));
      const cache = join(work, `compile-cache-${r}`);
      oneCold.push(
        runProcess(nodeBin, [installed, 'render', '-f', oneFile], { cwd, env: { NODE_COMPILE_CACHE: cache } }),
      );
      oneBefore.push(runProcess(nodeBin, [before, 'render', '-f', oneFile], { cwd }));
      log(
        `startup: node -e 0 ${nodeStart.at(-1)!.seconds.toFixed(3)}s, msvc 1 spec ${oneWarm.at(-1)!.seconds.toFixed(3)}s (cold cache ${oneCold.at(-1)!.seconds.toFixed(3)}s, before ${oneBefore.at(-1)!.seconds.toFixed(3)}s), helm template ${helmOne.at(-1)!.seconds.toFixed(3)}s`,
      );
    }
    const many: ProcessRun[] = [];
    const kplus: ProcessRun[] = [];
    for (let r = 0; r < repeatsN; r++) {
      many.push(runProcess(nodeBin, [installed, 'render', '-f', specsDir], { cwd }));
      kplus.push(kplusSynth(n, join(work, `kplus-${r}`)));
      log(
        `startup: msvc render ${n} specs ${many.at(-1)!.seconds.toFixed(2)}s, cdk8s-plus-27 ${kplus.at(-1)!.seconds.toFixed(2)}s`,
      );
    }

    const nodeS = median(nodeStart);
    const helmS = median(helmOne);
    const warm = median(oneWarm);
    const cold = median(oneCold);
    const old = median(oneBefore);
    const manyS = median(many);
    const kplusS = median(kplus);
    const vsNode = (s: Spread) => s.median / nodeS.median;
    const vsHelm = (s: Spread) => s.median / helmS.median;
    const rows: Row[] = [
      {
        measure: 'msvc render -f one.yaml (installed package, compile cache warm) vs node -e 0',
        value: warm,
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeS },
        ratio: vsNode(warm),
        ratioLabel: '× node -e 0',
        target: '≤ 2 × node -e 0',
        met: quick ? undefined : vsNode(warm) <= 2,
      },
      {
        measure: 'msvc render -f one.yaml (installed package, compile cache warm) vs helm template of one service',
        value: warm,
        unit: 's',
        baseline: { what: 'helm template (bench/fixtures/app-chart)', value: helmS },
        ratio: vsHelm(warm),
        ratioLabel: '× helm template',
        target: '≤ 1 × helm template',
        met: quick ? undefined : vsHelm(warm) <= 1,
      },
      {
        measure: 'msvc render -f one.yaml (installed package, compile cache cold: a fresh NODE_COMPILE_CACHE each run)',
        value: cold,
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeS },
        ratio: vsNode(cold),
        ratioLabel: '× node -e 0',
        target: 'informational (a pipeline whose temp directory starts empty)',
      },
      {
        // CPU time is what a loaded machine changes least (wall time includes waiting for a core).
        measure: 'CPU (user+sys) of msvc render -f one.yaml (installed, cache warm) vs node -e 0',
        value: cpu(oneWarm),
        unit: 's',
        baseline: { what: 'node -e 0', value: cpu(nodeStart) },
        ratio: cpuRatio(cpu(oneWarm), cpu(nodeStart)),
        ratioLabel: '× node -e 0',
        target: 'informational (the wall-time rows carry the targets)',
      },
      {
        measure: 'CPU (user+sys) of msvc render -f one.yaml (installed, cache warm) vs helm template',
        value: cpu(oneWarm),
        unit: 's',
        baseline: { what: 'helm template', value: cpu(helmOne) },
        ratio: cpuRatio(cpu(oneWarm), cpu(helmOne)),
        ratioLabel: '× helm template',
        target: 'informational',
      },
      {
        measure: `msvc render of ${n} specs (installed package) vs cdk8s-plus-27 synth of ${n} Deployment+Service`,
        value: manyS,
        unit: 's',
        baseline: { what: 'cdk8s-plus-27 synth', value: kplusS },
        ratio: kplusS.median / manyS.median,
        ratioLabel: '× faster',
        target: '≥ 8 × faster',
        met: quick ? undefined : kplusS.median / manyS.median >= 8,
      },
    ];
    const history = [
      {
        label: 'before: the CLI as tsc compiles it, one file per module (what the package shipped before the bundle)',
        rows: [
          {
            measure: 'msvc render -f one.yaml (before) vs node -e 0',
            value: old,
            unit: 's',
            baseline: { what: 'node -e 0', value: nodeS },
            ratio: vsNode(old),
            ratioLabel: '× node -e 0',
            target: '≤ 2 × node -e 0',
          },
          {
            measure: 'msvc render -f one.yaml (before) vs helm template of one service',
            value: old,
            unit: 's',
            baseline: { what: 'helm template', value: helmS },
            ratio: vsHelm(old),
            ratioLabel: '× helm template',
            target: '≤ 1 × helm template',
          },
          {
            measure: 'CPU (user+sys) of msvc render -f one.yaml (before) vs node -e 0',
            value: cpu(oneBefore),
            unit: 's',
            baseline: { what: 'node -e 0', value: cpu(nodeStart) },
            ratio: cpuRatio(cpu(oneBefore), cpu(nodeStart)),
            ratioLabel: '× node -e 0',
            target: 'informational',
          },
        ] satisfies Row[],
      },
    ];
    const path = await writeResult({
      name: 'startup',
      title: 'Start-up of the installed msvc',
      quick,
      inputs: {
        n,
        package: `${CLI} (npm pack of packages/cli, installed outside the repository)`,
        helmChart: 'bench/fixtures/app-chart',
        specs: 'bench/specs.ts',
        repeatsN,
      },
      repeats,
      rows,
      history,
    });
    log(`startup: wrote ${path}`);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
