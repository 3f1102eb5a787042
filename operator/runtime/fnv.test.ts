import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a64, hex64 } from './fnv.ts';

/** The same hash in BigInt arithmetic, straight from the definition (xor the byte, multiply by the prime mod 2^64). */
function reference(value: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(value)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

describe('fnv1a64', () => {
  // FNV-1a 64 test vectors of the FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/,
  // test_fnv.c: "", "a", "foobar", "chongo was here!\n"), the uid and the non-ASCII string checked
  // with Go's hash/fnv New64a, which is what the API server's shardRange() uses.
  it.each([
    ['', '0xcbf29ce484222325'],
    ['a', '0xaf63dc4c8601ec8c'],
    ['b', '0xaf63df4c8601f1a5'],
    ['foobar', '0x85944171f73967e8'],
    ['chongo was here!\n', '0x46810940eff5f915'],
    ['0c9e3a1f-6a5e-4b8e-9c1d-2f3a4b5c6d7e', '0xa50f245dbcc6832a'],
    ['héllo ☃', '0xcabe2647691ae25b'],
  ])('hashes %j to %s', (input, want) => {
    expect(hex64(fnv1a64(input))).toBe(want);
  });

  it('agrees with the BigInt definition on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        expect(fnv1a64(s)).toBe(reference(s));
      }),
    );
  });

  it('hex64 pads to 16 digits', () => {
    expect(hex64(0n)).toBe('0x0000000000000000');
    expect(hex64(0xffffffffffffffffn)).toBe('0xffffffffffffffff');
  });
});
