// Sharding across replicas: this replica's place in a ring of shard Leases (ring.ts), and what it
// owns. Every replica holds its own Lease (named after its identity, labelled with the ring's
// name, renewed by leader-election.ts' LeaderElector exactly as a leader renews its lease) and
// watches the ring's Leases; the live members and their hash ranges follow from those Leases
// alone (liveMembers, Ring), so replicas agree without a coordinator
// (timebertt/kubernetes-controller-sharding's ClusterRing, without its sharder: each replica
// filters for itself instead of a webhook labelling objects).
//
// An object is owned by the member whose ranges hold the 64-bit FNV-1a hash of its shard value:
// a primary object's own uid; a child's controller owner's uid (so an owner and its children
// always land on the same replica). The ranges are whole buckets (ring.ts), so a child labelled
// with its owner's bucket (SHARD_BUCKET_LABEL) can be selected server-side by a label selector
// listing this replica's buckets (bucketSelector), on any API server. Membership is recomputed on every Lease event and every
// retryPeriod (a Lease expires without an event); listeners hear of each change of the member set.
// The Manager turns a change into a rebalance (manager.ts): queued keys no longer owned are
// dropped at once, and the sharded caches relist, which caches and queues what is newly owned.
// docs/sharding.md has the design, the hand-over and why an overlap is safe.
import type { Informer } from './informer.ts';
import type { KubeObject, OwnerReference } from './key.ts';
import { type Logger, silentLogger } from './log.ts';
import { BUCKETS, type HashRange, liveMembers, Ring, type ShardField, type ShardLease, shardSelector } from './ring.ts';

/** The label on every shard Lease: the name of its ring. */
export const SHARD_RING_LABEL = 'sharding.msvc.dev/ring';

/**
 * The label a child carries with its owner's bucket (ring.ts bucketOfValue of the owner's uid, in
 * decimal): what lets a replica watch only its owners' children, server-side.
 */
export const SHARD_BUCKET_LABEL = 'sharding.msvc.dev/bucket';

/**
 * The set-based label requirement selecting `buckets` of `label` (`label in (3,7,…)`); `label`
 * alone (the label exists) for all of them, and a value no object carries for none (an empty set
 * is not a valid selector).
 */
export function bucketSelector(label: string, buckets: readonly number[], all = BUCKETS): string {
  if (buckets.length >= all) return label;
  if (buckets.length === 0) return `${label} in (none)`;
  return `${label} in (${buckets.join(',')})`;
}

/**
 * How long a shard Lease stays after it expired or was released before a member deletes it: the
 * Leases are named after pods, and every pod a Deployment replaces would otherwise leave one behind.
 * A replica that comes back after that (a partition) simply creates its Lease again.
 */
export const STALE_LEASE_MS = 60_000;

/** The Leases dead (expired or released) for longer than `afterMs` at `nowMs`: to be deleted. */
export function staleLeases<T extends ShardLease>(leases: Iterable<T>, nowMs: number, afterMs = STALE_LEASE_MS): T[] {
  const stale: T[] = [];
  for (const lease of leases) {
    if (!lease.metadata?.name || lease.metadata.deletionTimestamp) continue;
    const renewed = lease.spec?.renewTime ? Date.parse(lease.spec.renewTime) : Number.NaN;
    if (!Number.isFinite(renewed)) continue;
    if (renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 + afterMs < nowMs) stale.push(lease);
  }
  return stale;
}

export interface ShardOptions {
  /** The ring: shard Leases carry it in SHARD_RING_LABEL. */
  readonly ring: string;
  /** This replica: the name and holder of its Lease (the pod name). */
  readonly identity: string;
  /** Leases of the ring, cached (the Manager's informer of `SHARD_RING_LABEL=ring`). */
  readonly leases: Informer<KubeObject>;
  /** How often membership is recomputed without an event (lease expiry). @default 2000 */
  readonly retryPeriodMs?: number;
  readonly tokensPerMember?: number;
  readonly log?: Logger;
  /** Told the members after every change. */
  readonly onMembers?: (members: readonly string[]) => void;
  /** Deletes a stale Lease of the ring (see STALE_LEASE_MS); members call it, 404s are the caller's to ignore. */
  readonly deleteLease?: (lease: KubeObject) => Promise<void>;
}

/**
 * What a sharded informer hashes: its own uid (`self`), its controller owner's uid, or nothing of
 * its own: `primaryKey` names the primary object it belongs to (a pod's MicroService, by label),
 * and it is kept while that object is cached, i.e. owned (the Manager resolves it). Objects hashed
 * by their owner may carry the owner's bucket in `bucketLabel`: the Manager then watches those of
 * this replica's buckets server-side, and those without the label apart (filtered here).
 */
export type ShardBy =
  | 'self'
  | { readonly ownerGroup: string; readonly ownerKind: string; readonly bucketLabel?: string }
  | { readonly primaryKey: (obj: KubeObject) => string | undefined };

/** The shard value of `obj`: its uid, or the uid of its controller owner of the given kind (undefined: none). */
export function shardValue(obj: KubeObject, by: ShardBy): string | undefined {
  if (by === 'self') return obj.metadata?.uid;
  if ('primaryKey' in by) return undefined;
  const ref = (obj.metadata?.ownerReferences ?? []).find(
    (r: OwnerReference) =>
      r.controller === true && r.kind === by.ownerKind && r.apiVersion.split('/')[0] === by.ownerGroup,
  );
  return ref?.uid;
}

export class Shard {
  readonly identity: string;
  readonly ring: string;
  /**
   * Whether the API server applies KEP-5866 shardSelectors (it echoed one in a list's shardInfo);
   * undefined until the first list of the ring's Leases has said. Set by the Manager.
   */
  serverSide: boolean | undefined;
  readonly #options: ShardOptions;
  readonly #log: Logger;
  #members: readonly string[] = [];
  #hashRing = new Ring([]);
  #listeners: Array<(members: readonly string[], previous: readonly string[]) => void> = [];
  #memberWaiters: Array<() => void> = [];
  /** Names of stale Leases being deleted (one request each at a time). */
  readonly #deleting = new Set<string>();

  constructor(options: ShardOptions) {
    this.identity = options.identity;
    this.ring = options.ring;
    this.#options = options;
    this.#log = (options.log ?? silentLogger).child({ ring: options.ring, shard: options.identity });
    options.leases.onEvent(() => this.update());
  }

  /** The live members, sorted. */
  get members(): readonly string[] {
    return this.#members;
  }

  /** Whether this replica is a live member (its own Lease is held and seen). */
  get isMember(): boolean {
    return this.#members.includes(this.identity);
  }

  /** Whether this replica owns the shard value (a uid). No value: kept by every replica. */
  ownsValue(value: string | undefined): boolean {
    if (value === undefined) return true;
    return this.#hashRing.ownerOfValue(value) === this.identity;
  }

  /** Whether this replica owns `obj`, hashed as `by` says. */
  owns(obj: KubeObject, by: ShardBy): boolean {
    return this.ownsValue(shardValue(obj, by));
  }

  /** The member owning a value (for tests and the e2e). */
  ownerOfValue(value: string): string | undefined {
    return this.#hashRing.ownerOfValue(value);
  }

  /** This replica's hash ranges. */
  ranges(): HashRange[] {
    return this.isMember ? this.#hashRing.rangesOf(this.identity) : [];
  }

  /** This replica's buckets (whole buckets of its ranges: ring.ts), ascending; none while it is not a member. */
  buckets(): number[] {
    return this.isMember ? this.#hashRing.bucketsOf(this.identity) : [];
  }

  /** The KEP-5866 shardSelector of this replica's ranges (undefined while it is not a member). */
  selector(field: ShardField = 'object.metadata.uid'): string | undefined {
    return shardSelector(field, this.ranges());
  }

  /** Adds a listener told every change of the member set (after the ring has moved). */
  onChange(listener: (members: readonly string[], previous: readonly string[]) => void): void {
    this.#listeners.push(listener);
  }

  /** Resolves once this replica is a member; rejects if `signal` aborts first. */
  waitUntilMember(signal?: AbortSignal): Promise<void> {
    if (this.isMember) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#memberWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Recomputes the members from the cached Leases; true when they changed. */
  update(now = Date.now()): boolean {
    const members = liveMembers(this.#options.leases.store.list() as ShardLease[], now);
    if (members.length === this.#members.length && members.every((m, i) => m === this.#members[i])) return false;
    const previous = this.#members;
    this.#members = members;
    this.#hashRing = new Ring(members, this.#options.tokensPerMember);
    this.#log.info({ members, previous, ranges: this.ranges().length }, 'shard ring members changed');
    this.#options.onMembers?.(members);
    if (this.isMember) for (const waiter of this.#memberWaiters.splice(0)) waiter();
    for (const listener of this.#listeners) {
      try {
        listener(members, previous);
      } catch (error) {
        this.#log.error({ err: error }, 'shard change listener threw');
      }
    }
    return true;
  }

  /** Deletes the ring's stale Leases (members only: a replica out of the ring does nothing). */
  collectStale(now = Date.now()): void {
    const remove = this.#options.deleteLease;
    if (remove === undefined || !this.isMember) return;
    for (const lease of staleLeases(this.#options.leases.store.list() as (KubeObject & ShardLease)[], now)) {
      const name = lease.metadata?.name ?? '';
      if (this.#deleting.has(name)) continue;
      this.#deleting.add(name);
      this.#log.info({ lease: name }, 'deleting the Lease of a shard gone for a minute');
      void remove(lease)
        .catch((error: unknown) => this.#log.debug({ err: error, lease: name }, 'could not delete a stale shard Lease'))
        .finally(() => this.#deleting.delete(name));
    }
  }

  /** Recomputes membership every retryPeriod until `signal` aborts (Leases expire without events). */
  run(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        this.update();
        this.collectStale();
      }, this.#options.retryPeriodMs ?? 2_000);
      timer.unref?.();
      const stop = () => {
        clearInterval(timer);
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }
}
