// docs/api.md's field reference is generated: it must match what `msvc reference` prints today.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../test/support/cli.ts';
import { REFERENCE_END, REFERENCE_START, referenceMarkdown, spliceReference } from './commands/reference.ts';

describe('docs/api.md', () => {
  it('has the API reference that `msvc reference` generates from the schema', async () => {
    const page = await readFile(join(ROOT, 'docs', 'api.md'), 'utf8');
    expect(page).toContain(REFERENCE_START);
    expect(page).toContain(REFERENCE_END);
    if (spliceReference(page, referenceMarkdown()) !== page) {
      expect.fail('the API reference in docs/api.md is out of date: run `npx msvc reference --update docs/api.md`');
    }
  });
});
