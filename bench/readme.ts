/**
 * The benchmark table in docs/benchmarks.md is bench/results/README.md, pasted between the markers
 * `<!-- bench:results:start -->` and `<!-- bench:results:end -->`. `npx node bench/readme.ts`
 * updates it after a full run; bench/readme.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, repoRoot } from './harness.ts';

export const START = '<!-- bench:results:start -->';
export const END = '<!-- bench:results:end -->';
export const benchmarksDocPath: string = join(repoRoot, 'docs', 'benchmarks.md');
export const resultsTablePath: string = join(benchDir, 'results', 'README.md');

/** The text between the markers, or undefined when the page has none. */
export function embedded(page: string): string | undefined {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return page.slice(start + START.length, end).replace(/^\n/, '');
}

export function withTable(page: string, table: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md has no ${START} … ${END} block`);
  return `${page.slice(0, start + START.length)}\n${table}${page.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(
    benchmarksDocPath,
    withTable(readFileSync(benchmarksDocPath, 'utf8'), readFileSync(resultsTablePath, 'utf8')),
  );
}
