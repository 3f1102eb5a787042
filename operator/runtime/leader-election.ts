// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm
// (tools/leaderelection): so two replicas can run and only one reconciles. Candidates try to
// acquire every retryPeriod; a lease is free when its holder is empty or it has not changed for
// leaseDuration on *our* clock (we never compare clocks across machines). The leader renews
// every retryPeriod and gives up if it could not renew for renewDeadline. Writes use the Lease's
// resourceVersion, so two candidates can never both win. On shutdown the leader releases the
// Lease (holder '' and leaseDurationSeconds 1, like ReleaseOnCancel) so the other replica takes
// over at once instead of after leaseDuration.
//
// Fencing (no write of the old leader after the new one's first): another candidate can take the
// lease over no earlier than leaseDuration after it saw our last renewal change the record, and it
// cannot see that before we *sent* the renewal's write. So the lease is ours until
// sentAt + renewDeadline, measured on our clock from the send time of the write (the PUT, not the
// GET before it) of the last renewal that succeeded; holdsLease() says whether that moment has passed, and the Manager checks it
// synchronously right before sending every write (rest.ts' writeGuard), so even a process that
// was paused (SIGSTOP, a long GC, a frozen VM) and resumes with its work queued refuses its writes
// instead of racing the new leader. Every renewal attempt is bounded by what is left of that
// deadline (each request times out at the deadline), and the loss is declared at the deadline
// itself, not after a slow attempt returns. The margin for in-flight requests to land and for the
// process to stop is leaseDuration − renewDeadline: 5 s with the defaults (15 s, 10 s, retry 2 s).
// Renew and release never overlap: release stops the renew loop (it never acquires again), waits
// for an attempt in flight, then writes, re-reading on a conflict.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client, RequestControl } from './client.ts';
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
  /** Labels the Lease carries (a shard Lease names its ring: shard.ts). Set on create and on every write. */
  readonly labels?: Readonly<Record<string, string>>;
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
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
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
  readonly #labels: Readonly<Record<string, string>> | undefined;
  #isLeader = false;
  /** When the last successful acquire/renew was sent (our clock); the lease is ours until + renewDeadline. */
  #renewedSentAt = 0;
  /** When the last acquire/renew write (not the read before it) was sent. */
  #writeSentAt = 0;
  /** Set by release(): the renew loop stops and nothing acquires again. */
  #released = false;
  /** The acquire/renew or release in flight; the next one waits for it (they never overlap). */
  #inFlight: Promise<unknown> = Promise.resolve();
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
    this.#labels = options.labels;
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  /**
   * Whether this replica may still write: it leads and its last renewal was sent less than
   * renewDeadline ago (see the header). Synchronous and cheap: checked before every write.
   */
  holdsLease(now = Date.now()): boolean {
    return this.#isLeader && !this.#released && now < this.#renewedSentAt + this.#renewDeadlineMs;
  }

  /** Milliseconds the lease is still ours (0 when it is not). */
  leaseRemainingMs(now = Date.now()): number {
    return this.holdsLease(now) ? this.#renewedSentAt + this.#renewDeadlineMs - now : 0;
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
        if (this.#released) return 'stopped';
        if (await this.#serialised(() => this.#tryAcquireOrRenew(signal, this.#requestTimeoutMs()))) {
          if (this.#released) return 'stopped';
          this.#renewedSentAt = this.#writeSentAt;
          this.#setLeader(true);
        } else await sleep(this.#retryPeriodMs * (1 + Math.random() * 0.2), signal);
      }
      for (;;) {
        const deadline = this.#renewedSentAt + this.#renewDeadlineMs;
        await sleep(Math.max(0, Math.min(this.#retryPeriodMs, deadline - Date.now())), signal);
        if (this.#released) return 'stopped';
        const remaining = deadline - Date.now();
        if (remaining > 0) {
          // Each request ends by the deadline: a hung attempt cannot carry us past it.
          const attempt = AbortSignal.any([signal, AbortSignal.timeout(remaining)]);
          const timeoutMs = Math.max(1, Math.min(this.#requestTimeoutMs(), remaining));
          if (await this.#serialised(() => this.#tryAcquireOrRenew(attempt, timeoutMs))) {
            if (!this.#released) this.#renewedSentAt = this.#writeSentAt;
            continue;
          }
        }
        if (signal.aborted) throw signal.reason;
        if (this.#released) return 'stopped';
        if (Date.now() >= deadline) {
          this.#log.error(
            { renewDeadlineMs: this.#renewDeadlineMs },
            'failed to renew the lease within renewDeadline; leadership lost',
          );
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

  /**
   * Gives the lease up if we hold it (holder '', leaseDurationSeconds 1), after any renewal in
   * flight, and stops the renew loop for good. Never throws.
   */
  async release(): Promise<void> {
    if (this.#released) return this.#inFlight.then(() => {});
    this.#released = true;
    const wasLeader = this.#isLeader;
    this.#setLeader(false);
    if (!wasLeader) return;
    await this.#serialised(async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const lease = await this.#get();
          if (lease?.spec?.holderIdentity !== this.identity) return;
          const now = microTime();
          await this.#put({
            ...lease,
            spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
          });
          this.#log.info('released the lease');
          return;
        } catch (error) {
          // A conflict: someone wrote between our read and write (a renewal of ours cannot be, it
          // is serialised): read again.
          if (isConflict(error) && attempt < 2) continue;
          this.#log.warn({ err: error }, 'failed to release the lease; the next leader waits for it to expire');
          return;
        }
      }
    });
  }

  /** Runs `task` after the previous acquire/renew/release has finished. */
  #serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#inFlight.then(task, task);
    this.#inFlight = run.catch(() => {});
    return run;
  }

  #setLeader(isLeader: boolean): void {
    if (this.#isLeader === isLeader) return;
    this.#isLeader = isLeader;
    this.#log.info({ isLeader }, isLeader ? 'became leader' : 'stopped leading');
    this.#onLeaderChange?.(isLeader);
    if (isLeader) for (const waiter of this.#leaderWaiters.splice(0)) waiter();
  }

  async #tryAcquireOrRenew(signal?: AbortSignal, timeoutMs = this.#requestTimeoutMs()): Promise<boolean> {
    if (this.#released) return false;
    const control = { signal, timeoutMs };
    const now = Date.now();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: microTime(new Date(now)),
      renewTime: microTime(new Date(now)),
      leaseTransitions: 0,
    };
    try {
      const existing = await this.#get(control);
      if (this.#released) return false;
      if (existing === undefined) {
        this.#writeSentAt = Date.now();
        await this.#create({ ...this.#leaseMeta(), spec }, control);
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
      this.#writeSentAt = Date.now();
      const updated = await this.#put({ ...existing, spec }, control);
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
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(this.#labels ? { labels: { ...this.#labels } } : {}),
      },
    };
  }

  // The Lease's own writes are exempt from the write fence: they are how the lease is held.
  async #get(control: RequestControl = { timeoutMs: this.#requestTimeoutMs() }): Promise<Lease | undefined> {
    return this.#client.get<Lease>(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.namespace, name: this.name },
      control,
    );
  }

  #create(lease: Lease, control: RequestControl): Promise<Lease> {
    return this.#client.create(lease, { ...control, unfenced: true });
  }

  /** PUT with the read resourceVersion: optimistic concurrency. */
  #put(lease: Lease, control: RequestControl = { timeoutMs: this.#requestTimeoutMs() }): Promise<Lease> {
    const labels = this.#labels && { ...lease.metadata.labels, ...this.#labels };
    const body = labels ? { ...lease, metadata: { ...lease.metadata, labels } } : lease;
    return this.#client.update(body, { ...control, unfenced: true });
  }

  /** One request of a renewal: half the renew deadline, so a GET and a PUT fit in it. */
  #requestTimeoutMs(): number {
    return Math.max(500, Math.floor(this.#renewDeadlineMs / 2));
  }
}
