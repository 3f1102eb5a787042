import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a64 } from './fnv.ts';
import {
  BUCKETS,
  bucketOf,
  bucketOfValue,
  HASH_SPACE,
  type HashRange,
  liveMembers,
  Ring,
  shardSelector,
} from './ring.ts';

// Balance bound at the default 64 virtual nodes per member: every member's share of the hash
// space is within [0.4, 1.75] × 1/n. The spread is about 1/√64 = 12.5 %; over 1,000 random rings of
// 2–10 members the extremes measured were 0.575 and 1.47, so the bound is about 4.8 σ below and 6 σ
// above the fair share (a failure here means a real skew, not bad luck).
const BALANCE_LOW = 0.4;
const BALANCE_HIGH = 1.75;

const member = fc.string({ minLength: 1, maxLength: 40 });
const members = fc.uniqueArray(member, { minLength: 1, maxLength: 8 });
const hash = fc.bigInt({ min: 0n, max: HASH_SPACE - 1n });

function size(ranges: readonly HashRange[]): bigint {
  return ranges.reduce((sum, r) => sum + (r.end - r.start), 0n);
}

/** Whether every hash in `inner` is also in `outer` (both ascending, non-overlapping). */
function within(inner: readonly HashRange[], outer: readonly HashRange[]): boolean {
  let j = 0;
  for (const r of inner) {
    while (j < outer.length && (outer[j] as HashRange).end <= r.start) j++;
    const o = outer[j];
    if (o === undefined || o.start > r.start || o.end < r.end) return false;
  }
  return true;
}

describe('Ring', () => {
  it('is deterministic: the same members in any order and with repeats give the same ranges', () => {
    fc.assert(
      fc.property(members, fc.func(fc.integer()), (ms, order) => {
        const shuffled = [...ms, ...ms].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
        const a = new Ring(ms);
        const b = new Ring(shuffled);
        expect(b.members).toEqual(a.members);
        for (const m of ms) expect(b.rangesOf(m)).toEqual(a.rangesOf(m));
      }),
    );
  });

  it('partitions the hash space: the ranges of all members cover it once, and ownerOf agrees with them', () => {
    fc.assert(
      fc.property(members, fc.array(hash, { maxLength: 20 }), (ms, hashes) => {
        const ring = new Ring(ms);
        const all = ms.flatMap((m) => ring.rangesOf(m).map((r) => ({ ...r, m })));
        all.sort((x, y) => (x.start < y.start ? -1 : 1));
        let at = 0n;
        for (const r of all) {
          expect(r.start).toBe(at);
          expect(r.end).toBeGreaterThan(r.start);
          at = r.end;
        }
        expect(at).toBe(HASH_SPACE);
        for (const h of [0n, HASH_SPACE - 1n, ...hashes]) {
          const owner = all.find((r) => r.start <= h && h < r.end)?.m;
          expect(ring.ownerOf(h)).toBe(owner);
        }
      }),
    );
  });

  it(`is balanced: each member's share of the hash space is within [${BALANCE_LOW}, ${BALANCE_HIGH}] of 1/n`, () => {
    fc.assert(
      fc.property(fc.uniqueArray(member, { minLength: 2, maxLength: 10 }), (ms) => {
        const ring = new Ring(ms);
        for (const m of ms) {
          const share = (Number((size(ring.rangesOf(m)) * 1_000_000n) / HASH_SPACE) / 1_000_000) * ms.length;
          expect(share).toBeGreaterThanOrEqual(BALANCE_LOW);
          expect(share).toBeLessThanOrEqual(BALANCE_HIGH);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('spreads object uids like the hash space: 3 replicas, 3,000 uids', () => {
    const ring = new Ring(['operator-0', 'operator-1', 'operator-2']);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const owner = ring.ownerOfValue(randomUUID()) as string;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const m of ring.members) {
      const share = (size(ring.rangesOf(m)) * 3000n) / HASH_SPACE;
      // 3,000 samples: the binomial spread is under 30 objects, 150 is 5 σ.
      expect(Math.abs((counts.get(m) ?? 0) - Number(share))).toBeLessThan(150);
    }
  });

  it('moves only what it must when a member joins: every key that changes owner goes to the new member', () => {
    fc.assert(
      fc.property(members, member, fc.array(hash, { maxLength: 50 }), (ms, joiner, hashes) => {
        fc.pre(!ms.includes(joiner));
        const before = new Ring(ms);
        const after = new Ring([...ms, joiner]);
        // Exactly: each old member keeps a subset of what it had.
        for (const m of ms) expect(within(after.rangesOf(m), before.rangesOf(m))).toBe(true);
        for (const h of hashes) {
          const owner = after.ownerOf(h);
          if (owner !== before.ownerOf(h)) expect(owner).toBe(joiner);
        }
      }),
    );
  });

  it('moves only what it must when a member leaves: only its keys change owner', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(member, { minLength: 2, maxLength: 8 }),
        fc.nat(),
        fc.array(hash, { maxLength: 50 }),
        (ms, i, hashes) => {
          const leaver = ms[i % ms.length] as string;
          const before = new Ring(ms);
          const after = new Ring(ms.filter((m) => m !== leaver));
          for (const m of after.members) expect(within(before.rangesOf(m), after.rangesOf(m))).toBe(true);
          expect(after.rangesOf(leaver)).toEqual([]);
          for (const h of hashes) {
            if (after.ownerOf(h) !== before.ownerOf(h)) expect(before.ownerOf(h)).toBe(leaver);
          }
        },
      ),
    );
  });

  it('a member alone owns everything; an empty ring owns nothing', () => {
    expect(new Ring(['solo']).rangesOf('solo')).toEqual([{ start: 0n, end: HASH_SPACE }]);
    expect(new Ring([]).ownerOf(5n)).toBeUndefined();
    expect(new Ring(['a']).rangesOf('b')).toEqual([]);
    expect(() => new Ring(['a'], 0)).toThrow(/tokensPerMember must be a positive integer, got 0/);
  });

  it('hands out whole buckets: every range starts and ends on a bucket boundary, and bucketsOf lists what ownerOf gives each bucket', () => {
    const boundary = HASH_SPACE / BigInt(BUCKETS);
    fc.assert(
      fc.property(members, (ms) => {
        const ring = new Ring(ms);
        const owners = new Map<number, string>();
        for (const m of ring.members) {
          for (const r of ring.rangesOf(m)) {
            expect(r.start % boundary).toBe(0n);
            expect(r.end % boundary).toBe(0n);
          }
          for (const b of ring.bucketsOf(m)) {
            expect(owners.has(b)).toBe(false);
            owners.set(b, m);
          }
        }
        expect(owners.size).toBe(BUCKETS);
        // A bucket's first and last hash have the bucket's owner.
        for (const [b, m] of owners) {
          expect(ring.ownerOf(BigInt(b) * boundary)).toBe(m);
          expect(ring.ownerOf((BigInt(b) + 1n) * boundary - 1n)).toBe(m);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('puts a value and its bucket with the same member (a child labelled with its owner uid’s bucket goes with the owner)', () => {
    const ring = new Ring(['operator-0', 'operator-1', 'operator-2']);
    const buckets = new Map(ring.members.map((m) => [m, new Set(ring.bucketsOf(m))]));
    for (let i = 0; i < 2000; i++) {
      const uid = randomUUID();
      const owner = ring.ownerOfValue(uid) as string;
      expect(buckets.get(owner)?.has(bucketOfValue(uid))).toBe(true);
      expect(bucketOfValue(uid)).toBe(bucketOf(fnv1a64(uid)));
    }
    expect(bucketOf(0n)).toBe(0);
    expect(bucketOf(HASH_SPACE - 1n)).toBe(BUCKETS - 1);
    expect(new Ring(['solo']).bucketsOf('solo')).toHaveLength(BUCKETS);
  });

  it('ownerOfValue hashes with FNV-1a 64', () => {
    const ring = new Ring(['a', 'b', 'c']);
    expect(ring.ownerOfValue('foobar')).toBe(ring.ownerOf(fnv1a64('foobar')));
  });
});

describe('shardSelector', () => {
  it('writes KEP-5866 shardRange() terms joined by ||, 2^64 as the last end', () => {
    expect(
      shardSelector('object.metadata.uid', [
        { start: 0n, end: 0x8000000000000000n },
        { start: 0xc000000000000000n, end: HASH_SPACE },
      ]),
    ).toBe(
      "shardRange(object.metadata.uid, '0x0000000000000000', '0x8000000000000000') || " +
        "shardRange(object.metadata.uid, '0xc000000000000000', '0x10000000000000000')",
    );
    expect(shardSelector('object.metadata.uid', [])).toBeUndefined();
  });
});

describe('liveMembers', () => {
  const now = Date.parse('2026-12-03T17:00:00Z');
  const lease = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    metadata: { name, ...extra },
    spec,
  });

  it('keeps Leases held by their own replica and renewed within their duration, sorted', () => {
    expect(
      liveMembers(
        [
          lease('b', { holderIdentity: 'b', renewTime: '2026-12-03T16:59:50.000000Z', leaseDurationSeconds: 15 }),
          lease('a', { holderIdentity: 'a', renewTime: '2026-12-03T16:59:59.000000Z', leaseDurationSeconds: 15 }),
          // expired: renewed 15 s ago with a 15 s duration
          lease('c', { holderIdentity: 'c', renewTime: '2026-12-03T16:59:45.000000Z', leaseDurationSeconds: 15 }),
          // released (holder emptied on shutdown)
          lease('d', { holderIdentity: '', renewTime: '2026-12-03T16:59:59.000000Z', leaseDurationSeconds: 15 }),
          // held by someone else
          lease('e', { holderIdentity: 'x', renewTime: '2026-12-03T16:59:59.000000Z', leaseDurationSeconds: 15 }),
          // never renewed, or no duration
          lease('f', { holderIdentity: 'f', leaseDurationSeconds: 15 }),
          lease('g', { holderIdentity: 'g', renewTime: '2026-12-03T16:59:59.000000Z' }),
          // being deleted
          lease(
            'h',
            { holderIdentity: 'h', renewTime: '2026-12-03T16:59:59.000000Z', leaseDurationSeconds: 15 },
            { deletionTimestamp: '2026-12-03T16:59:59Z' },
          ),
        ],
        now,
      ),
    ).toEqual(['a', 'b']);
  });
});
