// Membership and ownership of a shard, from the ring's Leases as a replica caches them. The Leases
// are held and renewed by the real LeaderElector against the API server in sharding.e2e.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Informer } from './informer.ts';
import type { KubeObject } from './key.ts';
import { bucketWatches } from './manager.ts';
import { BUCKETS, bucketOfValue } from './ring.ts';
import { bucketSelector, Shard, shardValue, staleLeases } from './shard.ts';

function leaseCache() {
  let leases: KubeObject[] = [];
  const listeners: Array<() => void> = [];
  const informer = {
    store: { list: () => leases },
    onEvent: (listener: () => void) => listeners.push(listener),
  } as unknown as Informer<KubeObject>;
  return {
    informer,
    /** Replaces the cached Leases and tells the listeners, as a watch event would. */
    set(next: KubeObject[]) {
      leases = next;
      for (const listener of listeners) listener();
    },
  };
}

const NOW = Date.parse('2026-12-04T03:00:00Z');
const lease = (name: string, renewedAgoMs = 0, holder = name): KubeObject => ({
  metadata: { name, namespace: 'msvc-system' },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    renewTime: new Date(NOW - renewedAgoMs).toISOString(),
  },
});

describe('Shard', () => {
  it('derives the same members on every replica and gives every key to exactly one of them', () => {
    const cache = leaseCache();
    const shards = ['op-a', 'op-b', 'op-c'].map(
      (identity) => new Shard({ ring: 'r', identity, leases: cache.informer }),
    );
    cache.set([lease('op-a'), lease('op-b'), lease('op-c')]);
    for (const shard of shards) shard.update(NOW);
    for (const shard of shards) expect(shard.members).toEqual(['op-a', 'op-b', 'op-c']);
    const counts = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const uid = randomUUID();
      const owners = shards.filter((shard) => shard.ownsValue(uid));
      expect(owners).toHaveLength(1);
      const owner = owners[0]!.identity;
      expect(shards[0]!.ownerOfValue(uid)).toBe(owner);
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    // Within ring.test.ts' balance bound [0.4, 1.75] × the fair share (200 each).
    for (const count of counts.values()) expect(count).toBeGreaterThan(80);
    // The selector names this replica's ranges (ring.ts' shardSelector), as KEP-5866 wants them.
    expect(shards[0]!.selector()).toMatch(
      /^shardRange\(object\.metadata\.uid, '0x[0-9a-f]{16}', '0x[0-9a-f]{16,17}'\)/,
    );
  });

  it('drops a member whose Lease expired or was released, and tells listeners once per change', async () => {
    const cache = leaseCache();
    const shard = new Shard({ ring: 'r', identity: 'op-a', leases: cache.informer });
    const changes: string[][] = [];
    shard.onChange((members) => changes.push([...members]));
    const member = shard.waitUntilMember();
    expect(shard.isMember).toBe(false);
    expect(shard.selector()).toBeUndefined();
    cache.set([lease('op-a'), lease('op-b', 14_000)]);
    shard.update(NOW); // the test's clock: the Lease event recomputed on the real one
    shard.update(NOW);
    await member;
    expect(shard.isMember).toBe(true);
    // 14 s after op-b's last renewal it is live; 16 s after, its 15 s Lease has run out.
    expect(shard.members).toEqual(['op-a', 'op-b']);
    expect(shard.update(NOW + 2_000)).toBe(true);
    expect(shard.members).toEqual(['op-a']);
    // A released Lease (holder '') is no member, whatever its times say.
    cache.set([lease('op-a'), lease('op-c', 0, '')]);
    shard.update(NOW);
    expect(shard.members).toEqual(['op-a']);
    expect(changes.at(-1)).toEqual(['op-a']);
    // A single member owns everything.
    expect(shard.ranges()).toEqual([{ start: 0n, end: 1n << 64n }]);
  });

  it('hashes a child by its controller owner of the sharded kind, and keeps objects without one everywhere', () => {
    const by = { ownerGroup: 'msvc.dev', ownerKind: 'MicroService' };
    const owner = (kind: string, uid: string, controller = true) => ({
      metadata: { ownerReferences: [{ apiVersion: 'msvc.dev/v1alpha1', kind, name: 'x', uid, controller }] },
    });
    expect(shardValue(owner('MicroService', 'u1'), by)).toBe('u1');
    expect(shardValue(owner('MicroService', 'u1', false), by)).toBeUndefined();
    expect(shardValue(owner('Other', 'u1'), by)).toBeUndefined();
    expect(shardValue({ metadata: { uid: 'self' } }, 'self')).toBe('self');
    const cache = leaseCache();
    const shard = new Shard({ ring: 'r', identity: 'op-a', leases: cache.informer });
    cache.set([lease('op-a'), lease('op-b')]);
    shard.update(NOW);
    // Not controlled by a MicroService (a Deployment waiting for adoption): every replica keeps it.
    expect(shard.owns(owner('Other', 'u1'), by)).toBe(true);
  });
});

describe("Shard buckets (children selected by their owner's bucket label)", () => {
  it('gives each replica the buckets of exactly the uids it owns, and a label selector listing them', () => {
    const cache = leaseCache();
    const shards = ['op-a', 'op-b', 'op-c'].map(
      (identity) => new Shard({ ring: 'r', identity, leases: cache.informer }),
    );
    expect(shards[0]!.buckets()).toEqual([]);
    cache.set([lease('op-a'), lease('op-b'), lease('op-c')]);
    for (const shard of shards) shard.update(NOW);
    const all = shards.flatMap((shard) => shard.buckets());
    expect(new Set(all).size).toBe(BUCKETS);
    expect(all).toHaveLength(BUCKETS);
    for (let i = 0; i < 600; i++) {
      const uid = randomUUID();
      for (const shard of shards) expect(shard.buckets().includes(bucketOfValue(uid))).toBe(shard.ownsValue(uid));
    }
    const mine = shards[0]!.buckets();
    expect(bucketSelector('b', mine)).toBe(`b in (${mine.join(',')})`);
    expect(bucketSelector('b', [])).toBe('b in (none)');
    expect(
      bucketSelector(
        'b',
        Array.from({ length: BUCKETS }, (_, i) => i),
      ),
    ).toBe('b');
  });

  it("watches a sharded child kind twice: its base selector with this replica's buckets (read at each list) and without a bucket label", () => {
    let buckets = [1, 5];
    const [labelled, unlabelled] = bucketWatches('app=x', 'b', () => buckets);
    expect(labelled!()).toBe('app=x,b in (1,5)');
    expect(unlabelled!()).toBe('app=x,!b');
    buckets = [7];
    expect(labelled!()).toBe('app=x,b in (7)');
    expect(bucketWatches(undefined, 'b', () => [2])[0]!()).toBe('b in (2)');
  });
});

describe('staleLeases', () => {
  it('names the Leases dead (expired or released) for over a minute, never a live one', () => {
    const released: KubeObject = {
      metadata: { name: 'gone-released', namespace: 'msvc-system' },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date(NOW - 62_000).toISOString() },
    };
    const leases = [lease('live'), lease('expired-recently', 70_000), lease('expired-long-ago', 80_000), released];
    // 15 s lease: stale once renewTime is over 75 s old; a released one (1 s) over 61 s.
    expect(staleLeases(leases, NOW).map((l) => l.metadata?.name)).toEqual(['expired-long-ago', 'gone-released']);
  });
});
