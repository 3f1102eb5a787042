import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goYamlPlain, kubectlReadsDifferently } from './go-yaml.ts';

/** kubectlReadsDifferently as first written: every text through goYamlPlain. */
function reference(text: string, value: unknown): boolean {
  const go = goYamlPlain(text);
  switch (go.type) {
    case 'string':
      return value !== text;
    case 'null':
      return value !== null;
    case 'bool':
      return value !== go.value;
    case 'number':
      return typeof value !== 'number' || !(Object.is(value, go.value) || value === go.value);
    default:
      return true;
  }
}

describe('kubectlReadsDifferently', () => {
  // Texts near go-yaml's typed forms: booleans and nulls of every length, numbers, timestamps, `<<`.
  const near = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom(...'yYesoOnNtTrufFalsl~<.+-_0123456789xXbBeE:Z '.split('')), maxLength: 8 }),
    fc.constantFrom('y', 'yes', 'Yes', 'YES', 'on', 'off', 'OFF', 'true', 'False', 'null', 'Null', '~', '', '<<'),
    fc.constantFrom('n', 'no', 'NO', 'nope', 'never', 'falsey', 'onion', 'trueish', 'yesterday', 'NULLS', 'Offset'),
    fc.constantFrom('2024-01-02', '1e3', '.5', '0x1F', '0o17', '010', '1_000', '.inf', '-.Inf', '.nan'),
  );
  const valueFor = (text: string) =>
    fc.oneof(
      fc.constant<unknown>(text),
      fc.constantFrom<unknown>(null, true, false, 0, 1, 8, 15, 16, 31, 1000, 0.5, `${text}x`),
    );

  it('answers as goYamlPlain does for every text and value', () => {
    fc.assert(
      fc.property(
        near.chain((text) => fc.tuple(fc.constant(text), valueFor(text))),
        ([text, value]) => {
          expect(kubectlReadsDifferently(text, value)).toBe(reference(text, value));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['name', 'name', false],
    ['namespace', 'namespace', false],
    ['no', 'no', true],
    ['Off', 'Off', true],
    ['never', 'never', false],
    ['falsey', 'falsey', false],
    ['8080', 8080, false],
    ['010', 10, true],
  ] as const)('%s read by YAML 1.2 as %j: kubectl differs: %s', (text, value, want) => {
    expect(kubectlReadsDifferently(text, value)).toBe(want);
  });
});
