import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microServiceArbitrary } from '../test/support/arbitraries.ts';
import { canonicalJson, contentHash } from './hash.ts';
import { render } from './index.ts';

/** canonicalJson as first written; the hash of its output is stored on live objects. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson', () => {
  const cases = [
    {
      name: 'keys sorted at every level',
      input: { b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } },
      want: '{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}',
    },
    { name: 'undefined members dropped', input: { a: undefined, b: null }, want: '{"b":null}' },
    { name: 'arrays keep their order', input: [3, 1, 2], want: '[3,1,2]' },
    { name: 'strings escaped', input: { 'k"': 'v\n' }, want: '{"k\\"":"v\\n"}' },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(canonicalJson(input)).toStrictEqual(want));

  it('writes exactly the bytes of the first version, on any value', () => {
    const value = fc.anything({
      withBigInt: false,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
      key: fc.oneof(fc.string(), fc.constantFrom('a', 'B', '_', '-', '.', '/', ':', '"', '\\', '\n', 'é', '10', '9')),
    });
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 3000 },
    );
    // Objects with many keys take the other sort.
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { minKeys: 17, maxKeys: 40 }), (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 200 },
    );
    const holey: unknown[] = [1, undefined, () => 0];
    holey[4] = { f: () => 0 };
    expect(canonicalJson(holey)).toBe(reference(holey));
    expect(canonicalJson(holey)).toBe('[1,,,,{"f":undefined}]');
  });

  it('writes exactly the bytes of the first version for rendered objects', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        for (const object of render(ms).objects) expect(canonicalJson(object)).toBe(reference(object));
      }),
      { numRuns: 200 },
    );
  });
});

describe('contentHash', () => {
  it('is the first 16 hex digits of sha256 over the canonical JSON', () => {
    // sha256('{"a":1}') = 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862
    expect(contentHash({ a: 1 })).toBe('015abd7f5cc57a2d');
  });
  it('ignores key order, not values', () => {
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
  });
});
