import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { StringInterner } from './intern.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What JSON.parse makes of `n` objects as a cache holds them: the same values in every one. */
function parsed(n: number): unknown[] {
  const items = Array.from({ length: n }, (_, i) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `svc-${i % 100}`,
      namespace: `bench-namespace-${i % 10}`,
      uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100_000 + i),
      labels: { 'app.kubernetes.io/managed-by': 'msvc-operator', 'app.kubernetes.io/part-of': 'bench-storefront' },
      ownerReferences: [{ apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', name: `svc-${i % 100}` }],
    },
    status: {
      conditions: [
        { type: 'Available', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      ],
    },
  }));
  return JSON.parse(JSON.stringify(items)) as unknown[];
}

/** V8 heap the objects `make` returns keep alive, after GC. */
function retained(make: () => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  let kept: unknown = make();
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(kept).toBeDefined();
  kept = undefined;
  return after - before;
}

describe('StringInterner', () => {
  it('leaves the objects equal', () => {
    const strings = new StringInterner();
    const original = parsed(50);
    expect(strings.intern(structuredClone(original))).toEqual(original);
  });

  it('keeps one copy of each repeated value: the cached objects take far less heap', () => {
    const n = 5_000;
    const plain = retained(() => parsed(n));
    const strings = new StringInterner();
    const interned = retained(() => parsed(n).map((o) => strings.intern(o)));
    expect(interned).toBeLessThan(0.85 * plain);
  });

  it('does not fill its table with uids and resourceVersions, nor with long strings', () => {
    const strings = new StringInterner({ maxLength: 40 });
    strings.intern(parsed(1_000));
    // names (100), namespaces (10), and the constant values; never the 1,000 uids or resourceVersions.
    expect(strings.size).toBeLessThan(130);
    strings.intern({ message: 'x'.repeat(41) });
    expect(strings.size).toBeLessThan(130);
  });

  it('starts over once full, so strings of objects long gone cannot pile up', () => {
    const strings = new StringInterner({ maxEntries: 10 });
    for (let i = 0; i < 25; i++) strings.string(`name-${i}`);
    expect(strings.size).toBeLessThanOrEqual(10);
    expect(strings.string('name-24')).toBe('name-24');
  });
});
