/**
 * Render speed: `msvc render -f DIR` of N MicroService files in one CLI process, against two
 * baselines run in the same process of this benchmark, on the same services (bench/specs.ts):
 *   - `helm template` of the generic app chart (bench/fixtures/app-chart) once per service, the way
 *     a chart-per-service pipeline runs it. Sampled: `helmSample` services are templated one after
 *     another and the per-service median is scaled to N (each call is an independent process, so
 *     the total is linear in N; the sample size is in the result).
 *   - a cdk8s-plus-27 app synthesizing a Deployment + Service for each of the N services
 *     (bench/fixtures/kplus-app.ts), one process, to disk.
 * Wall time of each process and its peak RSS (GNU time) are recorded.
 *
 *   npx node bench/render.ts [--quick] [--n 1000] [--repeats 5] [--helmSample 60]
 *                            [--before-cli DIR/cli/main.js --before-label TEXT]
 * --before-cli also times another build of the CLI (e.g. the commit before a fix, see
 * bench/build-before.sh) in the same interleaved loop and records it as the result's history.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { binPath } from '../tools/bin.ts';
import { benchDir, ensureBuild, log, parseFlags, type Row, repoRoot, spread, writeResult } from './harness.ts';
import { helmValues, services, writeMicroServices } from './specs.ts';

/** Node 24 (this process is, when run with `npx node`). */
export const nodeBin: string = process.execPath;

export interface ProcessRun {
  readonly seconds: number;
  readonly maxRssMiB: number;
  /** User + system CPU seconds of the process (GNU time); NaN without /usr/bin/time. */
  readonly cpuSeconds: number;
}

/** Runs a command under GNU time (peak RSS) and returns its wall time; throws on failure. */
export function runProcess(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): ProcessRun {
  const env = { ...process.env, ...options.env };
  const timeFile = join(tmpdir(), `msvc-bench-time-${process.pid}`);
  const useTime = existsSync('/usr/bin/time');
  const start = performance.now();
  const result = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, file, ...args], {
        cwd: options.cwd ?? repoRoot,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(file, args, { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr?.toString()}`);
  let maxRssMiB = Number.NaN;
  let cpuSeconds = Number.NaN;
  if (useTime) {
    const [kib, user, system] = execFileSync('tail', ['-n1', timeFile], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    maxRssMiB = Math.round(((kib ?? Number.NaN) / 1024) * 10) / 10;
    cpuSeconds = (user ?? Number.NaN) + (system ?? Number.NaN);
    rmSync(timeFile, { force: true });
  }
  return { seconds, maxRssMiB, cpuSeconds };
}

export function kplusSynth(n: number, outdir: string): ProcessRun {
  return runProcess(nodeBin, [join(benchDir, 'fixtures/kplus-app.ts'), String(n), outdir]);
}

export async function main(argv = process.argv.slice(2)): Promise<string> {
  const flags = parseFlags(argv);
  const quick = flags.quick;
  const n = flags.get('n', quick ? 50 : 1000);
  const repeats = flags.get('repeats', quick ? 1 : 5);
  const helmSample = Math.min(n, flags.get('helmSample', quick ? 3 : 60));
  const work = mkdtempSync(join(tmpdir(), 'msvc-bench-render-'));
  try {
    const list = services(n);
    const specsDir = join(work, 'specs');
    writeMicroServices(specsDir, list);
    const valuesDir = join(work, 'values');
    writeMicroServices(valuesDir, []);
    for (const s of list.slice(0, helmSample)) {
      writeFileSync(join(valuesDir, `${s.name}.yaml`), stringify({ ...helmValues(s), fullnameOverride: s.name }));
    }
    const helm = binPath('helm');
    const chart = join(benchDir, 'fixtures/app-chart');
    // The CLI as an installed package runs it (bin/msvc.js → dist/cli/main.js).
    const msvc = join(ensureBuild(), 'cli/main.js');

    // Warm the file cache and each tool once, unmeasured.
    runProcess(nodeBin, [msvc, 'render', '-f', specsDir]);
    runProcess(helm, ['template', list[0]!.name, chart, '-f', join(valuesDir, `${list[0]!.name}.yaml`)]);

    // The floor under any 1,000-spec time: Node starting and exiting, and the CLI rendering a single
    // spec (Node plus loading the CLI, commander, zod and the renderer). Timed in the same loop.
    const oneDir = join(work, 'one');
    writeMicroServices(oneDir, list.slice(0, 1));
    const nodeStart: ProcessRun[] = [];
    const oneSpec: ProcessRun[] = [];

    const beforeCli = flags.str('before-cli', '');
    const before: ProcessRun[] = [];
    const ours: ProcessRun[] = [];
    const kplus: ProcessRun[] = [];
    const helmPerService: number[] = [];
    for (let r = 0; r < repeats; r++) {
      // Interleaved, so load changes on a shared machine hit every contender alike.
      ours.push(runProcess(nodeBin, [msvc, 'render', '-f', specsDir]));
      log(`render: msvc render ${n} specs: ${ours.at(-1)!.seconds.toFixed(2)}s`);
      nodeStart.push(runProcess(nodeBin, ['-e', '0']));
      oneSpec.push(runProcess(nodeBin, [msvc, 'render', '-f', oneDir]));
      log(
        `render: floor: node -e 0 ${nodeStart.at(-1)!.seconds.toFixed(2)}s, msvc render 1 spec ${oneSpec.at(-1)!.seconds.toFixed(2)}s`,
      );
      if (beforeCli) {
        before.push(runProcess(nodeBin, [beforeCli, 'render', '-f', specsDir]));
        log(`render: msvc render ${n} specs, before: ${before.at(-1)!.seconds.toFixed(2)}s`);
      }
      kplus.push(kplusSynth(n, join(work, `kplus-${r}`)));
      log(`render: cdk8s-plus-27 synth ${n}: ${kplus.at(-1)!.seconds.toFixed(2)}s`);
      const sample = list.slice(0, helmSample);
      for (const s of sample.slice(
        Math.floor((r * sample.length) / repeats),
        Math.floor(((r + 1) * sample.length) / repeats),
      )) {
        helmPerService.push(
          runProcess(helm, ['template', s.name, chart, '--namespace', 'bench', '-f', join(valuesDir, `${s.name}.yaml`)])
            .seconds,
        );
      }
      log(`render: helm template (${helmPerService.length} of ${helmSample} sampled so far)`);
    }
    const oursS = spread(ours.map((o) => o.seconds));
    const kplusS = spread(kplus.map((o) => o.seconds));
    const helmS = spread(helmPerService);
    const helmTotal = spread(helmPerService.map((t) => t * n));
    const vsHelm = helmTotal.median / oursS.median;
    const vsKplus = kplusS.median / oursS.median;
    const oursCpu = spread(ours.map((o) => o.cpuSeconds));
    const kplusCpu = spread(kplus.map((o) => o.cpuSeconds));
    const rows: Row[] = [
      {
        measure: `msvc render of ${n} specs, one process vs helm template once per service`,
        value: oursS,
        unit: 's',
        baseline: { what: `helm template × ${n} (per service ${helmS.median.toFixed(3)}s × N)`, value: helmTotal },
        ratio: vsHelm,
        ratioLabel: '× faster',
        target: '≥ 100 × faster',
        met: quick ? undefined : vsHelm >= 100,
        note: `helm sampled on ${helmPerService.length} services`,
      },
      {
        measure: `msvc render of ${n} specs vs cdk8s-plus-27 synth of ${n} Deployment+Service`,
        value: oursS,
        unit: 's',
        baseline: { what: 'cdk8s-plus-27 synth', value: kplusS },
        ratio: vsKplus,
        ratioLabel: '× faster',
        target: '≥ 8 × faster',
        met: quick ? undefined : vsKplus >= 8,
      },
      {
        measure: 'floor: msvc render of 1 spec (Node start + loading the CLI, zod and the renderer)',
        value: spread(oneSpec.map((o) => o.seconds)),
        unit: 's',
        baseline: {
          what: `cdk8s-plus-27 synth of ${n} ÷ 8 (the time the 8× target allows)`,
          value: spread(kplus.map((o) => o.seconds / 8)),
        },
        ratio: spread(oneSpec.map((o) => o.seconds)).median / (kplusS.median / 8),
        ratioLabel: '× the 8× budget',
        target: 'informational: above 1 × means the 8× target is out of reach for any N',
      },
      {
        measure: 'floor: node -e 0 (Node 24 start and exit)',
        value: spread(nodeStart.map((o) => o.seconds)),
        unit: 's',
        target: 'informational',
      },
      {
        // CPU moves least with the load of a shared machine (wall times there swing with the other sessions).
        measure: `CPU (user+sys) of msvc render of ${n} specs vs cdk8s-plus-27 synth of ${n} Deployment+Service`,
        value: oursCpu,
        unit: 's',
        baseline: { what: 'cdk8s-plus-27 synth', value: kplusCpu },
        ratio: kplusCpu.median / oursCpu.median,
        ratioLabel: '× less CPU',
        target: 'informational (the wall-time row carries the ≥ 8 × target)',
      },
      {
        measure: 'CPU (user+sys) of the floor: msvc render of 1 spec, and node -e 0',
        value: spread(oneSpec.map((o) => o.cpuSeconds)),
        unit: 's',
        baseline: { what: 'node -e 0', value: spread(nodeStart.map((o) => o.cpuSeconds)) },
        target: 'informational',
        note: `each of the ${n} specs costs ${((oursCpu.median - spread(oneSpec.map((o) => o.cpuSeconds)).median) * (1e6 / Math.max(1, n - 1))).toFixed(0)} µs of CPU beyond it`,
      },
      {
        measure: `peak RSS: msvc render vs cdk8s-plus-27 synth (${n})`,
        value: spread(ours.map((o) => o.maxRssMiB)),
        unit: 'MiB',
        baseline: { what: 'cdk8s-plus-27', value: spread(kplus.map((o) => o.maxRssMiB)) },
        target: 'informational',
      },
    ];
    const history = before.length
      ? [
          {
            label: flags.str('before-label', 'before'),
            rows: [
              {
                measure: `msvc render of ${n} specs (before) vs helm template once per service`,
                value: spread(before.map((o) => o.seconds)),
                unit: 's',
                baseline: { what: `helm template × ${n}`, value: helmTotal },
                ratio: helmTotal.median / spread(before.map((o) => o.seconds)).median,
                ratioLabel: '× faster',
                target: '≥ 100 × faster',
              },
              {
                measure: `msvc render of ${n} specs (before) vs cdk8s-plus-27 synth`,
                value: spread(before.map((o) => o.seconds)),
                unit: 's',
                baseline: { what: 'cdk8s-plus-27 synth', value: kplusS },
                ratio: kplusS.median / spread(before.map((o) => o.seconds)).median,
                ratioLabel: '× faster',
                target: '≥ 8 × faster',
              },
              {
                measure: `CPU (user+sys) of msvc render of ${n} specs (before) vs cdk8s-plus-27 synth`,
                value: spread(before.map((o) => o.cpuSeconds)),
                unit: 's',
                baseline: { what: 'cdk8s-plus-27 synth', value: kplusCpu },
                ratio: kplusCpu.median / spread(before.map((o) => o.cpuSeconds)).median,
                ratioLabel: '× less CPU',
                target: 'informational',
              },
            ] satisfies Row[],
          },
        ]
      : undefined;
    const path = await writeResult({
      ...(history ? { history } : {}),
      name: 'render',
      title: 'Render speed',
      quick,
      inputs: { n, helmSample: helmPerService.length, helmChart: 'bench/fixtures/app-chart', specs: 'bench/specs.ts' },
      repeats,
      rows,
    });
    log(`render: wrote ${path}`);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
