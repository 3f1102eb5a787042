// Quantities against Kubernetes itself: every input is also parsed by k8s.io/apimachinery's
// resource.ParseQuantity (tools/testhelpers/cmd/parse-quantity, the code the API server decodes
// resources with). What this file accepts, Kubernetes accepts with exactly the same value.
import { describe, expect, it } from 'vitest';
import { goParseQuantities } from '../test/support/oracles.ts';
import { type Fraction, isQuantity, parseQuantity } from './quantity.ts';

/** The inputs of TestQuantityParse in k8s.io/apimachinery v0.37.2 pkg/api/resource/quantity_test.go. */
const KUBERNETES_CASES = [
  ...['0', '0n', '0u', '0m', '0Ki', '0k', '0Mi', '0M', '0Gi', '0G', '0Ti', '0T', '1', '1Ki', '8Ki', '7Mi', '6Gi'],
  ...['5Ti', '4Pi', '3Ei', '10Ti', '100Ti', '5n', '4u', '3m', '9', '8k', '50k', '7M', '6G', '5T', '40T', '300T'],
  ...['2P', '1E', '1E-3', '1e3', '1E6', '1e9', '1E12', '1e15', '1E18', '1e14', '1e13', '100.035k', '0.001'],
  ...['0.0005k', '0.005', '0.05', '0.5', '0.00050k', '0.00500', '0.05000', '0.50000', '0.5e0', '0.5e-1', '0.5e-2'],
  ...['10.035M', '1.2e3', '1.3E+6', '1.40e9', '1.53E12', '1.6e15', '1.7E18', '9.01', '8.1k', '7.123456M'],
  ...['6.987654321G', '5.444T', '40.1T', '300.2T', '2.5P', '1.01E', '3.001n', '1.1E-9', '0.0000000001'],
  ...['0.0000000005', '0.00000000050', '0.5e-9', '0.9n', '0.00000012345', '0.00000012354', '9Ei'],
  ...['9223372036854775807Ki', '12E', '100.035Ki', '0.5Mi', '0.05Gi', '0.025Ti', '0.000000000001Ki', '.001'],
  ...['.0001k', '1.', '1.G', '1.1.M', '-9.01', '0.025Ti', '1.025Ti', '-1.025Ti', '.', '-.'],
];

/** Cases from issue #14 and the edges of the grammar. */
const EDGE_CASES = [
  ...['1E', '2E', '1.5E', '1Ei', '1e3', '1E3', '1e+3', '1e-3', '1.5Gi', '0.5', '+1', '.5', '1_000', '1,000'],
  ...['', ' ', ' 1', '1 ', '1e', '1E+', '1e1.5', '1Ki1', '1k', '1K', '1Ki', '1KI', '1ki', '1mi', '1MB', '1gb'],
  ...['0x10', '0o17', '010', '00', '1e999', '1e1000', '9223372036854775807', '9223372036854775808', '1n'],
  ...['0.1n', '0.5n', '1u', '100u', '1m', '0.0001', '1.0000000001', '-0', '+0', '--1', '1-', 'Mi', 'E', 'e3'],
  ...['١', '１', '1\u00a0', '∞', 'NaN', 'Infinity', '1e-999', '.e3', '1.e3', '.5Gi', '1.Gi', '0.000000001'],
];

/** `n / 10^k` from an exact decimal such as "1610612736.000000000" (non-negative). */
function decimal(text: string): Fraction {
  const [whole = '', frac = ''] = text.split('.');
  return { numerator: BigInt(whole + frac), denominator: 10n ** BigInt(frac.length) };
}

const equal = (a: Fraction, b: Fraction) => a.numerator * b.denominator === b.numerator * a.denominator;

describe('quantities agree with resource.ParseQuantity', () => {
  const inputs = [...new Set([...KUBERNETES_CASES, ...EDGE_CASES])];
  const go = goParseQuantities(inputs);

  it.each(go.map((g) => [JSON.stringify(g.input), g] as const))('%s', (_, g) => {
    if (!isQuantity(g.input)) {
      // Rejected here: Kubernetes rejects it too, or it is a spelling no resource needs, which the
      // CRD's pattern (the same regular expression) rejects in the API server as well.
      if (g.ok) expect(g.input).toMatch(/^[+-]|^\.?($|[^0-9])|[eE][+-]?[0-9]{4,}$/);
      return;
    }
    expect(g.ok, `Kubernetes rejects ${g.input}: ${g.error}`).toBe(true);
    expect(equal(parseQuantity(g.input), decimal(g.dec ?? '')), `${g.input}: Kubernetes reads ${g.dec}`).toBe(true);
  });

  it('reads the exa suffix E as 10^18, not as an exponent without digits', () => {
    expect(parseQuantity('1E')).toEqual({ numerator: 10n ** 18n, denominator: 1n });
    expect(parseQuantity('1.5E')).toEqual({ numerator: 15n * 10n ** 18n, denominator: 10n });
    expect(isQuantity('1e')).toBe(false);
  });

  it('caps binary-suffixed values at 2^63 − 1, as ParseQuantity does', () => {
    expect(parseQuantity('9Ei')).toEqual({ numerator: 2n ** 63n - 1n, denominator: 1n });
  });

  it('rounds up to a whole nano, as the API server stores and compares', () => {
    expect(equal(parseQuantity('0.1n'), parseQuantity('1n'))).toBe(true);
    expect(equal(parseQuantity('0.5n'), parseQuantity('0.1n'))).toBe(true);
    expect(equal(parseQuantity('1.0000000001'), decimal('1.000000001'))).toBe(true);
  });
});
