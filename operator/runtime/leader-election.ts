// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm
// (tools/leaderelection): so two replicas can run and only one reconciles. Candidates try to
// acquire every retryPeriod; a lease is free when its holder is empty or it has not changed for
// leaseDuration on *our* clock (we never compare clocks across machines). The leader renews
// every retryPeriod and gives up if it could not renew for renewDeadline. Writes use the Lease's
// resourceVersion, so two candidates can never both win. On shutdown the leader releases the
// Lease (holder '' and leaseDurationSeconds 1, like ReleaseOnCancel) so the other replica takes
// over at once instead of after leaseDuration.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client } from './client.ts';
import type { KubeObject } from './key.ts';
import { type Logger, silentLogger } from './log.ts';
import { isConflict } from './rest.ts';

export interface LeaderElectionOptions {
  readonly client: Client;
  /** Namespace of the Lease (usually the operator's own). */
  readonly namespace: string;
  /** Name of the Lease. */
  readonly name: string;
  /** Unique per replica. @default `${hostname}_${uuid}` */
  readonly identity?: string;
  /**
   * How long a non-leader waits after the lease last changed before taking it over.
   * @default 15000 (client-go / controller-runtime)
   */
  readonly leaseDurationMs?: number;
  /**
   * How long the leader keeps trying to renew before it gives up leadership. Must be below
   * leaseDurationMs, or two leaders could overlap.
   * @default 10000
   */
  readonly renewDeadlineMs?: number;
  /** Interval between acquire and renew attempts. @default 2000 */
  readonly retryPeriodMs?: number;
  readonly log?: Logger;
  /** Told every change of leadership (leader_election_master_status). */
  readonly onLeaderChange?: (isLeader: boolean) => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** An abortable sleep on the global timers (so tests can drive it with fake timers). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** metav1.MicroTime wants exactly six fractional digits. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** One candidate. run() campaigns until the signal aborts or leadership is lost. */
export class LeaderElector {
  readonly identity: string;
  readonly name: string;
  readonly namespace: string;
  readonly #client: Client;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #log: Logger;
  readonly #onLeaderChange: ((isLeader: boolean) => void) | undefined;
  #isLeader = false;
  #observed: { spec: string; at: number; resourceVersion?: string } | undefined;
  #leaderWaiters: Array<() => void> = [];

  constructor(options: LeaderElectionOptions) {
    this.#client = options.client;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.#renewDeadlineMs >= this.#leaseDurationMs)
      throw new Error('renewDeadlineMs must be below leaseDurationMs');
    if (this.#retryPeriodMs >= this.#renewDeadlineMs) throw new Error('retryPeriodMs must be below renewDeadlineMs');
    this.#log = (options.log ?? silentLogger).child({
      lease: `${this.namespace}/${this.name}`,
      identity: this.identity,
    });
    this.#onLeaderChange = options.onLeaderChange;
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** Resolves once this candidate leads; rejects if `signal` aborts first. */
  waitForLeadership(signal?: AbortSignal): Promise<void> {
    if (this.#isLeader) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#leaderWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /**
   * Acquires, then renews, until `signal` aborts (→ release, resolves 'stopped') or renewal fails
   * for renewDeadline (→ resolves 'lost'; controller-runtime exits the process then, and so should
   * the caller: another replica may already be reconciling).
   */
  async run(signal: AbortSignal): Promise<'stopped' | 'lost'> {
    try {
      while (!this.#isLeader) {
        if (await this.#tryAcquireOrRenew()) this.#setLeader(true);
        else await sleep(this.#retryPeriodMs * (1 + Math.random() * 0.2), signal);
      }
      let lastRenew = Date.now();
      for (;;) {
        await sleep(this.#retryPeriodMs, signal);
        if (await this.#tryAcquireOrRenew()) lastRenew = Date.now();
        else if (Date.now() - lastRenew >= this.#renewDeadlineMs) {
          this.#log.error('failed to renew the lease within renewDeadline; leadership lost');
          this.#setLeader(false);
          return 'lost';
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      await this.release();
      return 'stopped';
    }
  }

  /** Gives the lease up if we hold it (holder '', leaseDurationSeconds 1). Never throws. */
  async release(): Promise<void> {
    if (!this.#isLeader) return;
    this.#setLeader(false);
    try {
      const lease = await this.#get();
      if (lease?.spec?.holderIdentity !== this.identity) return;
      const now = microTime();
      await this.#put({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.#log.info('released the lease');
    } catch (error) {
      this.#log.warn({ err: error }, 'failed to release the lease; the next leader waits for it to expire');
    }
  }

  #setLeader(isLeader: boolean): void {
    if (this.#isLeader === isLeader) return;
    this.#isLeader = isLeader;
    this.#log.info({ isLeader }, isLeader ? 'became leader' : 'stopped leading');
    this.#onLeaderChange?.(isLeader);
    if (isLeader) for (const waiter of this.#leaderWaiters.splice(0)) waiter();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: microTime(new Date(now)),
      renewTime: microTime(new Date(now)),
      leaseTransitions: 0,
    };
    try {
      const existing = await this.#get();
      if (existing === undefined) {
        await this.#create({ ...this.#leaseMeta(), spec });
        this.#observe(spec, undefined, now);
        return true;
      }
      const old = existing.spec ?? {};
      this.#observe(old, existing.metadata.resourceVersion, now);
      const holder = old.holderIdentity ?? '';
      const observedAt = this.#observed?.at ?? now;
      const leaseMs = (old.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== '' && holder !== this.identity && observedAt + leaseMs > now) return false;
      if (holder === this.identity) {
        spec.acquireTime = old.acquireTime ?? spec.acquireTime;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      const updated = await this.#put({ ...existing, spec });
      this.#observe(spec, updated.metadata.resourceVersion, now);
      return true;
    } catch (error) {
      // A conflict means someone else wrote first; anything else (API server down) is retried.
      if (!isConflict(error)) this.#log.warn({ err: error }, 'lease acquire/renew failed');
      return false;
    }
  }

  /** Tracks when the lease record last changed, on our clock. */
  #observe(spec: LeaseSpec, resourceVersion: string | undefined, now: number): void {
    const serialized = JSON.stringify(spec);
    if (this.#observed?.spec === serialized) return;
    this.#observed = { spec: serialized, at: now, resourceVersion };
  }

  #leaseMeta(): Pick<Lease, 'apiVersion' | 'kind' | 'metadata'> {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
    };
  }

  async #get(): Promise<Lease | undefined> {
    return this.#client.get<Lease>(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.namespace, name: this.name },
      { timeoutMs: this.#requestTimeoutMs() },
    );
  }

  #create(lease: Lease): Promise<Lease> {
    return this.#client.create(lease, { timeoutMs: this.#requestTimeoutMs() });
  }

  /** PUT with the read resourceVersion: optimistic concurrency. */
  #put(lease: Lease): Promise<Lease> {
    return this.#client.update(lease, { timeoutMs: this.#requestTimeoutMs() });
  }

  /** A hung request must not outlive the renew deadline (client-go bounds it the same way). */
  #requestTimeoutMs(): number {
    return Math.max(1_000, Math.floor(this.#renewDeadlineMs / 2));
  }
}
