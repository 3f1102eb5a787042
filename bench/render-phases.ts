/**
 * Where `msvc render`'s time per spec goes, phase by phase, for the bound of bench/render.ts's
 * ≥ 8 × cdk8s-plus-27 row: one process renders the N bench specs (bench/specs.ts) the way
 * `msvc render -f DIR` does (read, parse, validate, render, write the stream; phase after phase,
 * not spec after spec), timing each phase by the process's CPU time (process.cpuUsage: user +
 * system, GC and JIT threads included; wall time on a shared machine would mostly measure the
 * other sessions). Pass 1 is what the CLI pays (every function starts cold: interpreted, then
 * compiled as it warms); the later passes over the same files show what is left once the code is
 * hot, the most any speed-up of the code alone could reach. Loading the modules is timed apart:
 * that is bench/render.ts's floor row. Prints a table; writes no result file.
 *
 *   npx node bench/render-phases.ts [--n 1000] [--passes 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from './harness.ts';
import { services, writeMicroServices } from './specs.ts';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function main(argv = process.argv.slice(2)): Promise<string> {
  const flags = parseFlags(argv);
  const n = flags.get('n', 1000);
  const passes = flags.get('passes', 5);
  const work = mkdtempSync(join(tmpdir(), 'msvc-bench-phases-'));
  try {
    const dir = join(work, 'specs');
    writeMicroServices(dir, services(n));
    const t0 = cpuMs();
    const { readSources, loadMicroServices } = await import('../cli/input.ts');
    const { renderObjects, DEFAULT_RENDER_CONFIG } = await import('../render/index.ts');
    const { toYamlStream } = await import('../cli/yaml.ts');
    const { parseFast } = await import('../cli/fast-parse.ts');
    const { parseMicroService } = await import('../api/index.ts');
    const loading = cpuMs() - t0;
    const lines = [
      `loading the modules (input, zod schema, renderer, YAML writer): ${loading.toFixed(0)} ms CPU`,
      '',
      '| pass | read | parse YAML | validate (zod + rules) | render | write YAML | total | per spec |',
      '|---|---|---|---|---|---|---|---|',
    ];
    for (let p = 1; p <= passes; p++) {
      const a = cpuMs();
      const { sources } = await readSources([dir]);
      const b = cpuMs();
      // The same two steps loadMicroServices takes for each document, timed apart.
      const values = sources.map((s) => parseFast(s.text)?.[0]);
      const c = cpuMs();
      const parsed = values.map((v) => parseMicroService(v));
      const d = cpuMs();
      const documents: { comment: string; value: unknown }[] = [];
      for (const [i, r] of parsed.entries()) {
        if (!r.ok) throw new Error(`bench spec ${i} is invalid: ${JSON.stringify(r.issues)}`);
        for (const value of renderObjects(r.value, DEFAULT_RENDER_CONFIG)) documents.push({ comment: 'Source', value });
      }
      const e = cpuMs();
      const text = toYamlStream(documents);
      const f = cpuMs();
      // The CLI's own loader must agree with the split above (same services, nothing declined).
      if (p === 1 && loadMicroServices(sources).services.length !== n) throw new Error('loader disagrees');
      if (text.length === 0) throw new Error('no output');
      const us = (ms: number) => `${((ms / n) * 1000).toFixed(0)} µs`;
      lines.push(
        `| ${p === 1 ? '1 (cold: what the CLI pays)' : p} | ${us(b - a)} | ${us(c - b)} | ${us(d - c)} | ${us(e - d)} | ${us(f - e)} | ${(f - a).toFixed(0)} ms | ${us(f - a)} |`,
      );
    }
    return lines.join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await main());
