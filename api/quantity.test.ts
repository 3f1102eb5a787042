import { describe, expect, it } from 'vitest';
import {
  compareQuantities,
  formatBytes,
  formatMilliCpu,
  isQuantity,
  parseQuantity,
  toBytes,
  toMilliCpu,
} from './quantity.ts';

describe('quantity syntax', () => {
  it.each(['500m', '2', '0.5', '1.5Gi', '256Mi', '1e3', '1E-3', '100k', '.5', '10Ki', '1e999', '5e-3', 3])(
    '%s is a quantity',
    (q) => {
      expect(isQuantity(q)).toBe(true);
    },
  );
  it.each(['', '-1', '1.5 Gi', '1gb', '1GB', 'Mi', '1ki', '0x10', 1.5, -2, 'abc', '1e1.5', '.0E.1', '1e', '1e1000'])(
    '%s is not a quantity',
    (q) => {
      expect(isQuantity(q)).toBe(false);
    },
  );
});

describe('quantity values', () => {
  const cases = [
    { input: '500m', milli: 500 },
    { input: '2', milli: 2000 },
    { input: 2, milli: 2000 },
    { input: '0.25', milli: 250 },
    { input: '1.5', milli: 1500 },
    { input: '100u', milli: 1 }, // rounded up, as the API server does
  ];
  it.each(cases)('$input is $milli millicores', ({ input, milli }) => expect(toMilliCpu(input)).toBe(milli));

  const bytes = [
    { input: '256Mi', want: 268435456n },
    { input: '1Gi', want: 1073741824n },
    { input: '1.5Gi', want: 1610612736n },
    { input: '500M', want: 500000000n },
    { input: '1e3', want: 1000n },
    { input: '0.1', want: 1n },
    { input: 1024, want: 1024n },
  ];
  it.each(bytes)('$input is $want bytes', ({ input, want }) => expect(toBytes(input)).toBe(want));

  it('compares across suffixes', () => {
    expect(compareQuantities('1Gi', '1024Mi')).toBe(0);
    expect(compareQuantities('1G', '1Gi')).toBe(-1);
    expect(compareQuantities('1500m', '1')).toBe(1);
    expect(compareQuantities('0.5', '500m')).toBe(0);
  });

  it('formats back', () => {
    expect(formatMilliCpu(1500)).toBe('1500m');
    expect(formatMilliCpu(2000)).toBe('2');
    expect(formatBytes(268435456n)).toBe('256Mi');
    expect(formatBytes(1000n)).toBe('1000');
  });
});

describe('parseQuantity', () => {
  it('parses each text once and shares the frozen result', () => {
    const first = parseQuantity('1536Mi');
    expect(first).toEqual({ numerator: 1536n * 2n ** 20n, denominator: 1n });
    expect(Object.isFrozen(first)).toBe(true);
    expect(parseQuantity('1536Mi')).toBe(first);
    expect(parseQuantity('0.5')).toEqual({ numerator: 5n, denominator: 10n });
  });

  it('still throws on malformed input, every time', () => {
    expect(() => parseQuantity('1gb')).toThrow(/not a Kubernetes quantity/);
    expect(() => parseQuantity('1gb')).toThrow(/not a Kubernetes quantity/);
  });
});
