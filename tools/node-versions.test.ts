// The Node lines the packages claim to support are really what tests run: nodeBinary(n) is Node n.
import { describe, expect, it } from 'vitest';
import { nodeVersion } from './node-versions.ts';

describe('nodeBinary', () => {
  it.each([22, 24] as const)(
    'gives a Node %i binary',
    (major) => {
      expect(nodeVersion(major)).toMatch(new RegExp(`^v${major}\\.\\d+\\.\\d+$`));
    },
    180_000,
  );
});
