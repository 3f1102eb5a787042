// The README's API reference is generated: it must match what `msvc reference` prints today.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../test/support/cli.ts';
import { REFERENCE_END, REFERENCE_START, referenceMarkdown, spliceReference } from './commands/reference.ts';

describe('README.md', () => {
  it('has the API reference that `msvc reference` generates from the schema', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(REFERENCE_START);
    expect(readme).toContain(REFERENCE_END);
    if (spliceReference(readme, referenceMarkdown()) !== readme) {
      expect.fail('the API reference in README.md is out of date: run `npx msvc reference --update README.md`');
    }
  });

  it('keeps the sections users look for', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(
      expect.arrayContaining(['Quick start', 'CLI usage', 'Rendering rules', 'API reference', 'Architecture']),
    );
  });
});
