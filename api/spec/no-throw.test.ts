// Issue #14: cross-field rules run beside the field checks, on whatever the other fields hold, and
// must report, never throw. Every leaf of valid specs is replaced by hostile values; parseSpec must
// return issues (with a path) instead of throwing, and a spec that still parses must render.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { render } from '../../render/index.ts';
import { specArbitrary } from '../../test/support/arbitraries.ts';
import { parseSpec } from '../validate.ts';

const HOSTILE: unknown[] = [
  '',
  ' ',
  '-1',
  -1,
  1.5,
  0,
  2 ** 53,
  2 ** 60,
  Number.MAX_VALUE,
  '1E',
  '1e999',
  'abc',
  null,
  [],
  {},
  true,
  'x'.repeat(300),
  '\u00a0',
  '0x10',
  '1_000',
  [null],
  { a: 1 },
];

/** Paths to every value (objects and arrays included) of a JSON-like tree. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function replaced(spec: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const copy = structuredClone(spec) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = by;
  return copy;
}

describe('cross-field rules never throw', () => {
  it('on a hostile value at any position of a valid spec', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(), fc.constantFrom(...HOSTILE), (spec, pick, hostile) => {
        const all = paths(spec).filter((p) => p.length > 0);
        const path = all[pick % all.length] ?? [];
        const input = replaced(spec, path, structuredClone(hostile));
        const result = parseSpec(input);
        if (result.ok) {
          expect(() =>
            render({
              apiVersion: 'msvc.dev/v1alpha1',
              kind: 'MicroService',
              metadata: { name: 'a' },
              spec: result.value,
            }),
          ).not.toThrow();
        } else {
          for (const issue of result.issues) expect(issue.path).toMatch(/^spec/);
        }
      }),
      { numRuns: 3000 },
    );
  }, 300_000); // 3000 specs: seconds when idle, over 30 s on a loaded 2-core machine (a budget, not an assertion)

  it.each([
    ['resources', (r: unknown) => ({ image: 'nginx', resources: r })],
    [
      'mesh.proxy.resources',
      (r: unknown) => ({ image: 'nginx', mesh: { provider: 'istio', proxy: { resources: r } } }),
    ],
    [
      'mesh.proxy.resources (linkerd)',
      (r: unknown) => ({ image: 'nginx', mesh: { provider: 'linkerd', proxy: { resources: r } } }),
    ],
  ])('requests ≤ limits of %s compares only values that parsed', (_, wrap) => {
    for (const bad of ['', -1, 2 ** 60, 'x', '1.5 Gi']) {
      for (const r of [
        { requests: { cpu: bad }, limits: { cpu: '1' } },
        { requests: { memory: '1Gi' }, limits: { memory: bad } },
      ]) {
        const result = parseSpec(wrap(r));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('label and annotation maps', () => {
  it.each(['podLabels', 'podAnnotations'])('%s holds at most 64 entries, as the CRD says', (field) => {
    const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(parseSpec({ image: 'nginx', [field]: map(64) }).ok).toBe(true);
    const result = parseSpec({ image: 'nginx', [field]: map(65) });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toEqual([{ path: `spec.${field}`, message: expect.stringMatching(/at most 64/) }]);
  });
});
