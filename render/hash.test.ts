import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './hash.ts';

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
