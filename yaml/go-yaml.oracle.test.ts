// goYamlPlain against the real thing: every scalar is decoded by kubectl's own decoder
// (tools/testhelpers/cmd/kubectl-decode: sigs.k8s.io/yaml) and by the `yaml` library msvc reads
// with. Wherever kubectlReadsDifferently says the two agree, they must agree exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlDecode } from '../test/support/oracles.ts';
import { kubectlReadsDifferently } from './go-yaml.ts';

const TABLE = [
  ...['010', '0o17', '-0o17', '0o1_7', '0X1F', '0x1F', '0B11', '0b11', '+0o7', '0O7', '1_000', '1:20', '08', '09'],
  ...['yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'Yes', 'OFF', 'true', 'False', 'TRUE', 'null', '~', 'Null'],
  ...['0', '-0', '+1', '1.5', '.5', '1e3', '1E3', '1.', '-.5', '+.5', '.inf', '-.Inf', '.nan', '0.5e-3', '1_0.5'],
  ...['2024-01-02', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10', '1_2:3', '190:20:30', '0777', '0x'],
  ...['500m', '1Gi', '1.5Gi', 'abc', '9223372036854775807', '9223372036854775808', '-9223372036854775809', '1e400'],
  ...['0b', '0o', '-0b11', '+0b11', '0x_1F', '0_10', '_1', '1_', 'e3', '1e', '0.0.1', '1.20', 'v1', '"x"'],
];

function compare(scalars: readonly string[]): void {
  const candidates = scalars.filter((s) => {
    try {
      return Object.keys(parse(`k: ${s}\n`) ?? {}).length === 1;
    } catch {
      return false;
    }
  });
  const stream = candidates.map((s) => `k: ${s}\n`).join('---\n');
  const decoded = kubectlDecode(stream);
  expect(decoded.length).toBe(candidates.length);
  candidates.forEach((s, i) => {
    const ours = (parse(`k: ${s}\n`) as { k: unknown }).k;
    if (kubectlReadsDifferently(s, ours)) return; // msvc rejects it: quote it
    const theirs = decoded[i];
    expect(theirs?.ok, `${s}: kubectl fails: ${JSON.stringify(theirs)}`).toBe(true);
    expect((theirs as { json: { k: unknown } }).json.k, `${s}: msvc reads ${JSON.stringify(ours)}`).toEqual(
      JSON.parse(JSON.stringify(ours)), // what reaches the API server: JSON (-0 is 0)
    );
  });
}

describe('plain scalars: what msvc accepts, kubectl reads the same', () => {
  it('on the table of YAML 1.1/1.2 traps', () => compare(TABLE));

  it('on generated number-like scalars', () => {
    const scalar = fc.string({
      unit: fc.constantFrom(...'0123456789+-._oOxXbBeEyYnN:tTfF'),
      minLength: 1,
      maxLength: 8,
    });
    compare(fc.sample(scalar, { numRuns: 4000, seed: 14 }));
  });
});
