import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { specArbitrary } from '../test/support/arbitraries.ts';
import { copyData } from './copy.ts';

/** Every object and array reachable from a value. */
function containers(value: unknown, out = new Set<object>()): Set<object> {
  if (typeof value === 'object' && value !== null) {
    out.add(value);
    for (const v of Object.values(value)) containers(v, out);
  }
  return out;
}

/**
 * Structural equality, strict about what toStrictEqual reads loosely here: holes, undefined
 * members, key order, prototypes, and own `constructor` or `__proto__` keys.
 */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (i in a !== i in b || !same(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

describe('copyData', () => {
  // What a validated spec can hold, plus undefined members, holes and an own __proto__ key.
  const data = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, undefined, true, false, 0, -1, 1.5, '', 'x', '__proto__'),
      fc.string(),
      fc.integer(),
      fc.array(tie('value')),
      fc.sparseArray(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', '0', '10')), tie('value')),
    ),
  })).value;

  it('makes what structuredClone makes of plain data, sharing no object or array with it', () => {
    fc.assert(
      fc.property(data, (value) => {
        const copy = copyData(value);
        expect(same(copy, structuredClone(value))).toBe(true);
        const original = containers(value);
        for (const c of containers(copy)) expect(original.has(c)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps an own __proto__ key a key, not a prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = copyData(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toStrictEqual(['__proto__', 'a']);
    expect(same(copy, structuredClone(value))).toBe(true);
  });

  it('copies generated specs exactly', () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        expect(same(copyData(spec), structuredClone(spec))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
