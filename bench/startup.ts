/**
 * Start-up speed of `msvc` as users install it (issue #15): the packed `microservice-operator-cli`
 * (`npm pack`, whose prepack bundles the CLI: packages/build.ts) installed into a fresh project
 * outside the repository, run the way npm's bin link runs it (node …/bin/msvc.cjs). In one
 * interleaved loop, on the same service (bench/specs.ts):
 *   - `msvc render -f one.yaml` (one spec) as installed runs it after its first run: from its
 *     start-up snapshot (bin/msvc.cjs re-executes Node with --snapshot-blob; the blob is built by
 *     that first run, in a cache directory of this run's);
 *   - the two parts of that bound: the snapshot's process alone (`node --snapshot-blob BLOB
 *     bin/msvc.cjs render …`, what a launcher that is not Node would start), and the same printing
 *     --version (Node deserializing msvc's heap, no command work);
 *   - without the snapshot (MSVC_NO_SNAPSHOT=1), with Node's compile cache warm (the cache is in
 *     the OS temp directory) and cold (NODE_COMPILE_CACHE a new directory each run);
 *   - `node -e 0`: Node starting and exiting, the floor under any Node CLI;
 *   - `helm template` of the equivalent chart (bench/fixtures/app-chart) for that one service;
 *   - the CLI compiled by tsc, one file per module (bench/.build/cli/main.js): what the package
 *     shipped before the bundle, recorded as history;
 *   - `msvc render` of N specs from the installed package vs a cdk8s-plus-27 synth of the same N
 *     (bench/fixtures/kplus-app.ts), the target bench/render.ts could not meet with the old start-up.
 *
 *   node bench/startup.ts [--quick] [--n 1000] [--repeats 15] [--repeatsN 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
  return join(app, 'node_modules', CLI, 'bin', 'msvc.cjs');
}

/**
 * Wall and CPU (user + system) time of one run, to the millisecond: bash's $EPOCHREALTIME around
 * the command and its `times` (the children's CPU). GNU time (runProcess) counts CPU in 10 ms steps,
 * a third of `node -e 0`. Output is discarded; throws on failure.
 */
export function timed(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): ProcessRun {
  const script =
    't0=$EPOCHREALTIME; "$@" >/dev/null 2>"$MSVC_BENCH_ERR"; s=$?; t1=$EPOCHREALTIME; echo "$t0 $t1"; times; exit $s';
  const err = join(tmpdir(), `msvc-bench-err-${process.pid}`);
  const result = spawnSync('bash', ['-c', script, 'bash', file, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env, LC_ALL: 'C', MSVC_BENCH_ERR: err },
    encoding: 'utf8',
  });
  const stderr = existsSync(err) ? readFileSync(err, 'utf8') : '';
  rmSync(err, { force: true });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.status}): ${stderr}`);
  const [clock, , children] = result.stdout.trim().split('\n');
  const [t0, t1] = (clock ?? '').split(' ').map(Number);
  const seconds = (text: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(text);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  const [user = '', system = ''] = (children ?? '').trim().split(/\s+/);
  return {
    seconds: (t1 ?? Number.NaN) - (t0 ?? Number.NaN),
    maxRssMiB: Number.NaN,
    cpuSeconds: seconds(user) + seconds(system),
  };
}

/**
 * Runs the installed msvc once, so that it builds its start-up snapshot in the background, and
 * waits for the blob; returns its path.
 */
export async function buildSnapshot(installed: string, env: Record<string, string>, cwd: string): Promise<string> {
  const first = spawnSync(nodeBin, [installed, '--version'], {
    cwd,
    env: { ...process.env, ...env, MSVC_SNAPSHOT_DEBUG: '1' },
    encoding: 'utf8',
  });
  const blob = /building (\S+) in the background/.exec(first.stderr)?.[1];
  if (!blob) throw new Error(`the installed msvc started no snapshot build: ${first.stderr}`);
  for (const deadline = Date.now() + 300_000; !existsSync(blob); ) {
    if (existsSync(`${blob}.failed`))
      throw new Error(`the snapshot build failed: ${readFileSync(`${blob}.failed`, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`no snapshot ${blob} after 5 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return blob;
}

const median = (runs: readonly ProcessRun[]): Spread => spread(runs.map((r) => r.seconds));
const cpu = (runs: readonly ProcessRun[]): Spread => spread(runs.map((r) => r.cpuSeconds));
/** a ÷ b of the medians; undefined when b is 0. */
const cpuRatio = (a: Spread, b: Spread): number | undefined => (b.median > 0 ? a.median / b.median : undefined);

export async function main(argv = process.argv.slice(2)): Promise<string> {
  const flags = parseFlags(argv);
  const quick = flags.quick;
  const n = flags.get('n', quick ? 50 : 1000);
  const repeats = flags.get('repeats', quick ? 3 : 15);
  const repeatsN = flags.get('repeatsN', quick ? 1 : 5);
  const work = mkdtempSync(join(tmpdir(), 'msvc-bench-startup-'));
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  try {
    log('startup: npm pack packages/cli and install it outside the repository');
    const installed = installCli(work);
    // The snapshot cache of this run's (bin/msvc.cjs: $XDG_CACHE_HOME/msvc).
    const snapshotEnv = { XDG_CACHE_HOME: join(work, 'cache') };
    const plainEnv = { ...snapshotEnv, MSVC_NO_SNAPSHOT: '1' };
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

    log('startup: the first run of the installed msvc builds its start-up snapshot');
    const blob = await buildSnapshot(installed, snapshotEnv, cwd);

    // Same output from every door first, then warm the file cache, the compile cache and each tool once, unmeasured.
    const out = (file: string, args: string[], env: Record<string, string> = snapshotEnv) =>
      execFileSync(file, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
    const rendered = out(nodeBin, [installed, 'render', '-f', oneFile]);
    if (rendered !== out(nodeBin, [installed, 'render', '-f', oneFile], plainEnv)) {
      throw new Error('the installed msvc renders different bytes from its snapshot and without it');
    }
    if (rendered !== out(nodeBin, [before, 'render', '-f', oneFile])) {
      throw new Error('the installed msvc and the compiled source tree render different bytes for the same spec');
    }
    runProcess(nodeBin, [installed, 'render', '-f', specsDir], { cwd, env: snapshotEnv });
    runProcess(helm, helmArgs, { cwd });
    runProcess(nodeBin, [before, 'render', '-f', oneFile], { cwd });

    const nodeStart: ProcessRun[] = [];
    const oneSnapshot: ProcessRun[] = [];
    const oneInner: ProcessRun[] = [];
    const snapshotFloor: ProcessRun[] = [];
    const oneWarm: ProcessRun[] = [];
    const oneCold: ProcessRun[] = [];
    const oneBefore: ProcessRun[] = [];
    const helmOne: ProcessRun[] = [];
    const renderOne = [installed, 'render', '-f', oneFile];
    for (let r = 0; r < repeats; r++) {
      // Interleaved, so load changes on a shared machine hit every contender alike.
      nodeStart.push(timed(nodeBin, ['-e', '0'], { cwd }));
      oneSnapshot.push(timed(nodeBin, renderOne, { cwd, env: snapshotEnv }));
      helmOne.push(timed(helm, helmArgs, { cwd }));
      oneInner.push(timed(nodeBin, ['--snapshot-blob', blob, ...renderOne], { cwd, env: snapshotEnv }));
      snapshotFloor.push(timed(nodeBin, ['--snapshot-blob', blob, installed, '--version'], { cwd, env: snapshotEnv }));
      oneWarm.push(timed(nodeBin, renderOne, { cwd, env: plainEnv }));
      const cache = join(work, `compile-cache-${r}`);
      oneCold.push(timed(nodeBin, renderOne, { cwd, env: { ...plainEnv, NODE_COMPILE_CACHE: cache } }));
      oneBefore.push(timed(nodeBin, [before, 'render', '-f', oneFile], { cwd }));
      const last = (runs: ProcessRun[]) => `${runs.at(-1)!.seconds.toFixed(3)}s`;
      log(
        `startup: node -e 0 ${last(nodeStart)}, msvc 1 spec ${last(oneSnapshot)} (its snapshot process ${last(oneInner)}, without snapshot ${last(oneWarm)}, cold cache ${last(oneCold)}, before ${last(oneBefore)}), helm template ${last(helmOne)}`,
      );
    }
    const many: ProcessRun[] = [];
    const kplus: ProcessRun[] = [];
    for (let r = 0; r < repeatsN; r++) {
      many.push(runProcess(nodeBin, [installed, 'render', '-f', specsDir], { cwd, env: snapshotEnv }));
      kplus.push(kplusSynth(n, join(work, `kplus-${r}`)));
      log(
        `startup: msvc render ${n} specs ${many.at(-1)!.seconds.toFixed(2)}s, cdk8s-plus-27 ${kplus.at(-1)!.seconds.toFixed(2)}s`,
      );
    }

    const nodeS = median(nodeStart);
    const helmS = median(helmOne);
    const snap = median(oneSnapshot);
    const inner = median(oneInner);
    const warm = median(oneWarm);
    const cold = median(oneCold);
    const old = median(oneBefore);
    const manyS = median(many);
    const kplusS = median(kplus);
    const vsNode = (s: Spread) => s.median / nodeS.median;
    const vsHelm = (s: Spread) => s.median / helmS.median;
    const nodeCpu = cpu(nodeStart);
    const helmCpu = cpu(helmOne);
    const rows: Row[] = [
      {
        measure: 'msvc render -f one.yaml (installed package, from its start-up snapshot) vs node -e 0',
        value: snap,
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeS },
        ratio: vsNode(snap),
        ratioLabel: '× node -e 0',
        target: '≤ 2 × node -e 0',
        met: quick ? undefined : vsNode(snap) <= 2,
      },
      {
        measure:
          'msvc render -f one.yaml (installed package, from its start-up snapshot) vs helm template of one service',
        value: snap,
        unit: 's',
        baseline: { what: 'helm template (bench/fixtures/app-chart)', value: helmS },
        ratio: vsHelm(snap),
        ratioLabel: '× helm template',
        target: '≤ 1 × helm template',
        met: quick ? undefined : vsHelm(snap) <= 1,
      },
      {
        // CPU time is what a loaded machine changes least (wall time includes waiting for a core).
        measure: 'CPU (user+sys) of msvc render -f one.yaml (installed, from its snapshot) vs node -e 0',
        value: cpu(oneSnapshot),
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeCpu },
        ratio: cpuRatio(cpu(oneSnapshot), nodeCpu),
        ratioLabel: '× node -e 0',
        target: 'informational (the wall-time rows carry the targets)',
      },
      {
        measure: 'CPU (user+sys) of msvc render -f one.yaml (installed, from its snapshot) vs helm template',
        value: cpu(oneSnapshot),
        unit: 's',
        baseline: { what: 'helm template', value: helmCpu },
        ratio: cpuRatio(cpu(oneSnapshot), helmCpu),
        ratioLabel: '× helm template',
        target: 'informational',
      },
      {
        measure:
          'bound, part 1: the snapshot process alone (node --snapshot-blob BLOB bin/msvc.cjs render -f one.yaml; the installed run adds one bare Node start that re-executes into it)',
        value: inner,
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeS },
        ratio: vsNode(inner),
        ratioLabel: '× node -e 0',
        target: 'informational (what a launcher that is not Node would cost)',
      },
      {
        measure: 'bound, part 1: CPU of the snapshot process alone',
        value: cpu(oneInner),
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeCpu },
        ratio: cpuRatio(cpu(oneInner), nodeCpu),
        ratioLabel: '× node -e 0',
        target: 'informational (the rest of the installed run is the bare Node start before it)',
      },
      {
        measure:
          'bound, part 2: CPU of node --snapshot-blob BLOB bin/msvc.cjs --version (deserializing the heap with the schema built, no command work)',
        value: cpu(snapshotFloor),
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeCpu },
        ratio: cpuRatio(cpu(snapshotFloor), nodeCpu),
        ratioLabel: '× node -e 0',
        target: 'informational (the floor of any snapshot run)',
      },
      {
        measure: 'msvc render -f one.yaml (installed, MSVC_NO_SNAPSHOT=1, compile cache warm) vs node -e 0',
        value: warm,
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeS },
        ratio: vsNode(warm),
        ratioLabel: '× node -e 0',
        target: 'informational (the first run, and runs without a snapshot)',
      },
      {
        measure:
          'CPU (user+sys) of msvc render -f one.yaml (installed, MSVC_NO_SNAPSHOT=1, compile cache warm) vs node -e 0',
        value: cpu(oneWarm),
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeCpu },
        ratio: cpuRatio(cpu(oneWarm), nodeCpu),
        ratioLabel: '× node -e 0',
        target: 'informational',
      },
      {
        measure:
          'msvc render -f one.yaml (installed, MSVC_NO_SNAPSHOT=1, compile cache cold: a fresh NODE_COMPILE_CACHE each run)',
        value: cold,
        unit: 's',
        baseline: { what: 'node -e 0', value: nodeS },
        ratio: vsNode(cold),
        ratioLabel: '× node -e 0',
        target: 'informational (a pipeline whose temp directory starts empty)',
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
            baseline: { what: 'node -e 0', value: nodeCpu },
            ratio: cpuRatio(cpu(oneBefore), nodeCpu),
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
        loadAtStart: loadAtStart.join('/'),
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
