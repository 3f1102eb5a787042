// Sharding: a consistent-hash ring over the live shard Leases, so every replica derives the same
// members and the same hash ranges from what it reads, without a coordinator. The pattern is
// timebertt/kubernetes-controller-sharding's (https://github.com/timebertt/kubernetes-controller-sharding,
// pkg/sharding/consistenthash/ring.go: each member puts `tokensPerMember` virtual nodes on the
// ring at hash(`${member}-${i}`), a key belongs to the first token at or after its hash, wrapping
// round; pkg/sharding/leases/state.go: a member is its Lease while the holder renews it). Keys
// are hashed with 64-bit FNV-1a, the hash of the API server's sharded list and watch (KEP-5866),
// so the ranges below can be sent as a shardSelector as they are. Tokens are not: FNV-1a of
// `${member}-${i}` differs only in the last byte's product with the prime (2^40 + 0x1b3), so one
// member's tokens cluster in one arc and a member got 0.3 % to 5× its share; the first 8 bytes
// of SHA-256 spread them (any replica computes the same, and only the ranges go on the wire).
//
// Virtual nodes balance the ring (a member's share of the hash space has a relative spread of
// about 1/√tokensPerMember) and keep movement minimal: a member that joins takes over only the
// arcs in front of its own tokens, one that leaves hands only its own arcs to the next tokens;
// every other key stays where it was. ring.test.ts states and checks the bounds.
//
// Buckets: every token is moved to the last hash of its bucket (the top BUCKET_BITS bits of the
// hash), so each member's ranges are whole buckets. An object that cannot be selected by a hash
// (a child: the server hashes only its own uid or namespace, and the owner's uid is what places
// it) carries its owner's bucket as a label, and a member watches the label values of its
// buckets (`in (…)`): the same partition as its ranges, exactly (docs/sharding.md).
import { createHash } from 'node:crypto';
import { fnv1a64, hex64 } from './fnv.ts';

/** Size of the 64-bit hash space: ranges end at most here (exclusive). */
export const HASH_SPACE = 1n << 64n;

/**
 * Virtual nodes per member. 64 keeps each member's share within the bound ring.test.ts checks
 * and its shardSelector short (a member owns about 64 arcs, fewer once neighbours are merged).
 */
export const DEFAULT_TOKENS_PER_MEMBER = 64;

/**
 * Bits of a bucket number: the hash space is cut into 2^BUCKET_BITS = 1,024 equal buckets, and
 * the ring hands out whole buckets. Fixed: children carry their owner's bucket as a label, so a
 * change relabels every child. 1,024 keeps a member's label selector short (about 1,024/n values)
 * while leaving each of the 64 n tokens its own bucket nearly always.
 */
export const BUCKET_BITS = 10;
/** Number of buckets. */
export const BUCKETS = 1 << BUCKET_BITS;
const BUCKET_SHIFT = 64n - BigInt(BUCKET_BITS);
/** The hashes of one bucket below its first one: a token | this is the last hash of its bucket. */
const BUCKET_MASK = (1n << BUCKET_SHIFT) - 1n;

/** The bucket of a 64-bit hash: its top BUCKET_BITS bits. */
export function bucketOf(hash: bigint): number {
  return Number(hash >> BUCKET_SHIFT);
}

/** The bucket of `value` (an owner's uid), hashed with FNV-1a 64: the value of a child's bucket label. */
export function bucketOfValue(value: string): number {
  return bucketOf(fnv1a64(value));
}

/** A half-open arc [start, end) of the hash space. */
export interface HashRange {
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * The ring position of a member's i-th virtual node: SHA-256 of `${member}-${i}`, first 8 bytes,
 * moved to the last hash of its bucket (so arcs end on bucket boundaries).
 */
export function tokenOf(member: string, i: number): bigint {
  return createHash('sha256').update(`${member}-${i}`).digest().readBigUInt64BE(0) | BUCKET_MASK;
}

export class Ring {
  /** The members, sorted and without duplicates. */
  readonly members: readonly string[];
  private readonly tokens: bigint[] = [];
  private readonly owners: string[] = [];

  constructor(members: Iterable<string>, tokensPerMember: number = DEFAULT_TOKENS_PER_MEMBER) {
    if (!Number.isInteger(tokensPerMember) || tokensPerMember < 1) {
      throw new RangeError(`ring: tokensPerMember must be a positive integer, got ${tokensPerMember}`);
    }
    this.members = [...new Set(members)].sort();
    const points: { token: bigint; member: string }[] = [];
    for (const member of this.members) {
      for (let i = 0; i < tokensPerMember; i++) points.push({ token: tokenOf(member, i), member });
    }
    // Ties (two members' tokens in one bucket) go to the smaller name, the same on every replica:
    // it owns the arc, the other token an empty one.
    points.sort((a, b) =>
      a.token < b.token ? -1 : a.token > b.token ? 1 : a.member < b.member ? -1 : a.member > b.member ? 1 : 0,
    );
    for (const { token, member } of points) {
      this.tokens.push(token);
      this.owners.push(member);
    }
  }

  /** The member owning a 64-bit hash, or undefined when the ring is empty. */
  ownerOf(hash: bigint): string | undefined {
    const n = this.tokens.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.tokens[mid] as bigint) < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }

  /** The member owning `value` (e.g. an object's uid), hashed with FNV-1a 64. */
  ownerOfValue(value: string): string | undefined {
    return this.ownerOf(fnv1a64(value));
  }

  /**
   * The arcs `member` owns, ascending and with adjacent arcs merged; together the members' ranges
   * cover the hash space exactly once. A token t owns the hashes after the previous token up to t
   * itself, i.e. [previous + 1, t + 1); the first token also owns the wrap-around arc past the last.
   */
  rangesOf(member: string): HashRange[] {
    const ranges: HashRange[] = [];
    const push = (start: bigint, end: bigint) => {
      if (start >= end) return;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last.end === start) ranges[ranges.length - 1] = { start: last.start, end };
      else ranges.push({ start, end });
    };
    const n = this.tokens.length;
    for (let i = 0; i < n; i++) {
      if (this.owners[i] !== member) continue;
      const start = i === 0 ? 0n : (this.tokens[i - 1] as bigint) + 1n;
      push(start, (this.tokens[i] as bigint) + 1n);
    }
    if (n > 0 && this.owners[0] === member) push((this.tokens[n - 1] as bigint) + 1n, HASH_SPACE);
    return ranges;
  }

  /** The buckets `member` owns, ascending: exactly the buckets of its ranges (they are whole buckets). */
  bucketsOf(member: string): number[] {
    const buckets: number[] = [];
    for (const { start, end } of this.rangesOf(member)) {
      for (let b = bucketOf(start); b < bucketOf(end - 1n) + 1; b++) buckets.push(b);
    }
    return buckets;
  }
}

/** The metadata field a KEP-5866 shardSelector can hash (the only two the API server accepts). */
export type ShardField = 'object.metadata.uid' | 'object.metadata.namespace';

/**
 * The shardSelector list/watch parameter for `ranges` (KEP-5866, ListOptions.shardSelector:
 * `shardRange(field, 'start', 'end') || …` with 0x-prefixed bounds, end exclusive, 2^64 at most).
 * Undefined for no ranges: an empty selector is refused by the server and means "everything".
 */
export function shardSelector(field: ShardField, ranges: readonly HashRange[]): string | undefined {
  if (ranges.length === 0) return undefined;
  return ranges
    .map(
      (r) =>
        `shardRange(${field}, '${hex64(r.start)}', '${r.end === HASH_SPACE ? '0x10000000000000000' : hex64(r.end)}')`,
    )
    .join(' || ');
}

/** The parts of a coordination.k8s.io/v1 Lease that make a shard member. */
export interface ShardLease {
  readonly metadata?: { readonly name?: string; readonly deletionTimestamp?: string };
  readonly spec?: {
    readonly holderIdentity?: string | null;
    readonly renewTime?: string | null;
    readonly leaseDurationSeconds?: number | null;
  };
}

/**
 * The live members among shard Leases at `nowMs`, sorted: a Lease is a member while it is held by
 * the replica it is named after (holderIdentity = metadata.name; a released Lease has an empty
 * holder) and renewTime + leaseDurationSeconds is still ahead of now. This compares the holder's
 * clock (renewTime) with ours, as the sharder of kubernetes-controller-sharding does
 * (pkg/sharding/leases/times.go); clock skew between replicas only moves the moment each one sees
 * a member expire, and ownership is safe during that disagreement (docs/sharding.md).
 */
export function liveMembers(leases: Iterable<ShardLease>, nowMs: number): string[] {
  const live = new Set<string>();
  for (const lease of leases) {
    const name = lease.metadata?.name;
    const spec = lease.spec;
    if (!name || lease.metadata?.deletionTimestamp || spec?.holderIdentity !== name) continue;
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : Number.NaN;
    const duration = spec.leaseDurationSeconds ?? 0;
    if (Number.isFinite(renewed) && duration > 0 && renewed + duration * 1000 > nowMs) live.add(name);
  }
  return [...live].sort();
}
