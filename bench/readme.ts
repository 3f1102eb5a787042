/**
 * The README's benchmark table is bench/results/README.md, pasted between the markers
 * `<!-- bench:results:start -->` and `<!-- bench:results:end -->`. `npx node bench/readme.ts`
 * updates it after a full run; bench/readme.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, repoRoot } from './harness.ts';

export const START = '<!-- bench:results:start -->';
export const END = '<!-- bench:results:end -->';
export const readmePath: string = join(repoRoot, 'README.md');
export const resultsTablePath: string = join(benchDir, 'results', 'README.md');

/** The text between the markers, or undefined when the README has none. */
export function embedded(readme: string): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + START.length, end).replace(/^\n/, '');
}

export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, start + START.length)}\n${table}${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(readmePath, withTable(readFileSync(readmePath, 'utf8'), readFileSync(resultsTablePath, 'utf8')));
}
