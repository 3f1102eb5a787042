/**
 * `cdk8s synth` of an app with N `MicroService` constructs (bench/fixtures/msvc-cdk8s-app.ts: each
 * renders ServiceAccount, Service, Deployment and, where it applies, a PodDisruptionBudget) against
 * the cdk8s-plus-27 app of bench/render.ts (Deployment + Service per service), same services, same
 * run, interleaved. Both run as the process `cdk8s synth` starts (the app command in cdk8s.yaml);
 * the cdk8s CLI's own start-up is the same for both and left out.
 *
 *   npx node bench/cdk8s-synth.ts [--quick] [--n 1000] [--repeats 5]
 *                                 [--before-lib DIR/cdk8s/index.js --before-label TEXT]
 * --before-lib also times another build of the constructs (e.g. the commit before a fix, see
 * bench/build-before.sh) in the same interleaved loop and records it as the result's history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, ensureBuild, log, parseFlags, spread, writeResult } from './harness.ts';
import { kplusSynth, nodeBin, type ProcessRun, runProcess } from './render.ts';

export async function main(argv = process.argv.slice(2)): Promise<string> {
  const flags = parseFlags(argv);
  const quick = flags.quick;
  const n = flags.get('n', quick ? 50 : 1000);
  const repeats = flags.get('repeats', quick ? 1 : 5);
  const work = mkdtempSync(join(tmpdir(), 'msvc-bench-synth-'));
  try {
    const app = join(benchDir, 'fixtures/msvc-cdk8s-app.ts');
    const lib = join(ensureBuild(), 'cdk8s/index.js');
    runProcess(nodeBin, [app, String(n), join(work, 'warm'), lib]);
    const beforeLib = flags.str('before-lib', '');
    const ours: ProcessRun[] = [];
    const before: ProcessRun[] = [];
    const kplus: ProcessRun[] = [];
    for (let r = 0; r < repeats; r++) {
      ours.push(runProcess(nodeBin, [app, String(n), join(work, `msvc-${r}`), lib]));
      if (beforeLib) {
        before.push(runProcess(nodeBin, [app, String(n), join(work, `before-${r}`), beforeLib]));
        log(`cdk8s-synth: MicroService, before: ${before.at(-1)!.seconds.toFixed(2)}s`);
      }
      kplus.push(kplusSynth(n, join(work, `kplus-${r}`)));
      log(
        `cdk8s-synth: MicroService ${ours.at(-1)!.seconds.toFixed(2)}s, cdk8s-plus-27 ${kplus.at(-1)!.seconds.toFixed(2)}s`,
      );
    }
    const oursS = spread(ours.map((o) => o.seconds));
    const kplusS = spread(kplus.map((o) => o.seconds));
    const ratio = oursS.median / kplusS.median;
    const beforeS = before.length ? spread(before.map((o) => o.seconds)) : undefined;
    const history = beforeS
      ? [
          {
            label: flags.str('before-label', 'before'),
            rows: [
              {
                measure: `synth of ${n} MicroService constructs (before) vs cdk8s-plus-27`,
                value: beforeS,
                unit: 's',
                baseline: { what: 'cdk8s-plus-27 synth', value: kplusS },
                ratio: beforeS.median / kplusS.median,
                ratioLabel: '× baseline time',
                target: '≤ 1 × (no slower)',
              },
            ],
          },
        ]
      : undefined;
    const path = await writeResult({
      ...(history ? { history } : {}),
      name: 'cdk8s-synth',
      title: 'cdk8s synth',
      quick,
      inputs: { n, app: 'bench/fixtures/msvc-cdk8s-app.ts', baseline: 'bench/fixtures/kplus-app.ts' },
      repeats,
      rows: [
        {
          measure: `synth of ${n} MicroService constructs vs cdk8s-plus-27 (${n} Deployment+Service)`,
          value: oursS,
          unit: 's',
          baseline: { what: 'cdk8s-plus-27 synth', value: kplusS },
          ratio,
          ratioLabel: '× baseline time',
          target: '≤ 1 × (no slower)',
          met: quick ? undefined : ratio <= 1,
        },
        {
          measure: `peak RSS of the synth process (${n})`,
          value: spread(ours.map((o) => o.maxRssMiB)),
          unit: 'MiB',
          baseline: { what: 'cdk8s-plus-27', value: spread(kplus.map((o) => o.maxRssMiB)) },
          target: 'informational',
        },
      ],
    });
    log(`cdk8s-synth: wrote ${path}`);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
