// The work queue between event handlers and reconcile workers. It holds keys, not events, and
// enforces the rules every controller relies on (client-go's workqueue plus kube-rs' scheduler):
//   - a key is queued at most once (dedupe), however many events name it;
//   - when a key is scheduled twice, the earliest deadline wins;
//   - a key is never handed to two workers at once: one that arrives while it is being
//     processed is held ("dirty") and queued again by done();
//   - addRateLimited() delays a key by the larger of its per-key exponential back-off (with
//     jitter) and an overall token bucket shared by every key (controller-runtime's
//     DefaultTypedControllerRateLimiter: MaxOf(per-item exponential, bucket of 10 qps, burst 100)),
//     so a thousand keys failing at once cannot retry a thousand times a second; forget() resets
//     the per-key part;
//   - shutDown() wakes every waiting get() with `undefined` and drops delayed keys.

/** Per-key exponential back-off for error retries: `min(baseMs * 2^failures, capMs)`. */
export interface BackoffOptions {
  /**
   * Delay of the first retry.
   * @default 100
   */
  readonly baseMs?: number;
  /**
   * Upper bound of one delay. controller-runtime caps at 1000s; a MicroService that fails for a
   * fixable reason (quota, a missing image) should be retried within minutes, so we cap at 5min.
   * @default 300000
   */
  readonly capMs?: number;
  /**
   * Each delay is stretched by a random fraction up to this (client-go's wait.Jitter), so keys
   * that failed together (an API server restart) do not all retry at the same instant.
   * @default 0.2
   */
  readonly jitter?: number;
}

/** The overall retry budget shared by every key of one queue (a token bucket). */
export interface RateLimitOptions {
  /**
   * Retries per second across all keys, once the burst is spent; 0 disables the bucket.
   * @default 10 (controller-runtime)
   */
  readonly qps?: number;
  /** @default 100 (controller-runtime) */
  readonly burst?: number;
}

/** A token bucket that hands out delays: reserve() takes a token, now or as soon as one refills. */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  constructor(qps: number, burst: number, now = Date.now()) {
    this.#qps = qps;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#at = now;
  }
  /** How long the caller must wait for its token (golang.org/x/time/rate's Reserve().Delay()). */
  reserve(now = Date.now()): number {
    if (this.#qps <= 0) return 0;
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#qps);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#qps) * 1000);
  }
}

/** Callbacks the metrics module attaches (workqueue_* series); all optional. */
export interface QueueMetricsHooks {
  add?(): void;
  depth?(depth: number): void;
  /** Seconds a key waited in the ready queue before a worker took it. */
  queueDuration?(seconds: number): void;
  /** Seconds between get() and done(). */
  workDuration?(seconds: number): void;
  retry?(): void;
}

export interface WorkQueueOptions {
  /** Used as the `name` label of the workqueue_* metrics. */
  readonly name: string;
  readonly backoff?: BackoffOptions;
  readonly rateLimit?: RateLimitOptions;
  readonly metrics?: QueueMetricsHooks;
  /** @default Math.random (tests pass their own) */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 100;
export const DEFAULT_BACKOFF_CAP_MS = 5 * 60_000;
export const DEFAULT_RETRY_QPS = 10;
export const DEFAULT_RETRY_BURST = 100;

/** A de-duplicating, delaying, rate-limited work queue of string keys. */
export class WorkQueue {
  readonly name: string;
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #jitter: number;
  readonly #bucket: TokenBucket;
  readonly #random: () => number;
  readonly #metrics: QueueMetricsHooks;
  /** Keys ready for a worker, in order. Each is also in #dirty. */
  readonly #ready: string[] = [];
  /** Keys that need processing: queued, or held until their current run is done(). Value: when it became dirty. */
  readonly #dirty = new Map<string, number>();
  /** Keys handed out by get() and not yet done(). Value: when processing started. */
  readonly #processing = new Map<string, number>();
  /** Delayed keys: deadline and its timer. */
  readonly #waiting = new Map<string, { deadline: number; timer: ReturnType<typeof setTimeout> }>();
  readonly #failures = new Map<string, number>();
  readonly #getters: Array<(key: string | undefined) => void> = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#baseMs = options.backoff?.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.#capMs = options.backoff?.capMs ?? DEFAULT_BACKOFF_CAP_MS;
    this.#jitter = options.backoff?.jitter ?? 0.2;
    this.#bucket = new TokenBucket(
      options.rateLimit?.qps ?? DEFAULT_RETRY_QPS,
      options.rateLimit?.burst ?? DEFAULT_RETRY_BURST,
    );
    this.#random = options.random ?? Math.random;
    this.#metrics = options.metrics ?? {};
  }

  /** Queues a key now (an earlier-scheduled delayed add of the same key is superseded). */
  add(key: string): void {
    this.addAfter(key, 0);
  }

  /** Queues a key after `delayMs`; if the key is already scheduled earlier, nothing changes. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.#clearWaiting(key);
      this.#makeReady(key);
      return;
    }
    // A dirty key (queued, or held until its current run is done) runs as soon as it can:
    // that is the earliest deadline already.
    if (this.#dirty.has(key)) return;
    const deadline = Date.now() + delayMs;
    const existing = this.#waiting.get(key);
    if (existing !== undefined && existing.deadline <= deadline) return;
    this.#clearWaiting(key);
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.#makeReady(key);
    }, delayMs);
    timer.unref?.();
    this.#waiting.set(key, { deadline, timer });
  }

  /**
   * Queues a key after its back-off delay (jittered) or when the overall bucket has a token for
   * it, whichever is later, and counts the failure (workqueue_retries_total). Returns the delay.
   */
  addRateLimited(key: string): number {
    if (this.#shuttingDown) return 0;
    const perKey = Math.round(this.backoffDelay(key) * (1 + this.#jitter * this.#random()));
    const delay = Math.max(perKey, this.#bucket.reserve());
    this.#failures.set(key, (this.#failures.get(key) ?? 0) + 1);
    this.#metrics.retry?.();
    this.addAfter(key, delay);
    return delay;
  }

  /** The per-key delay the next addRateLimited(key) starts from, before jitter and the bucket. */
  backoffDelay(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    return Math.min(this.#baseMs * 2 ** failures, this.#capMs);
  }

  /** Resets the key's back-off (call after a successful reconcile). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times the key has been rate-limited since the last forget(). */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /**
   * Waits for the next key; resolves `undefined` once the queue is shut down, even if keys are
   * still queued (unlike client-go, which drains: on SIGTERM we stop taking work; the keys are
   * picked up by the next leader's initial list anyway).
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#take();
    if (key !== undefined || this.#shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks the end of processing; a key that arrived meanwhile is queued again. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics.workDuration?.((Date.now() - started) / 1000);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#enqueue(key);
  }

  /**
   * Drops every queued, delayed or held key `keep` refuses (sharding: keys another replica owns
   * now) and resets their back-off. A key being processed finishes; it is just not queued again.
   * Returns how many keys were dropped.
   */
  retain(keep: (key: string) => boolean): number {
    let dropped = 0;
    for (const [key, { timer }] of this.#waiting) {
      if (keep(key)) continue;
      clearTimeout(timer);
      this.#waiting.delete(key);
      this.#failures.delete(key);
      dropped++;
    }
    for (const key of this.#dirty.keys()) {
      if (keep(key)) continue;
      this.#dirty.delete(key);
      this.#failures.delete(key);
      dropped++;
    }
    const ready = this.#ready.filter((key) => this.#dirty.has(key));
    this.#ready.splice(0, this.#ready.length, ...ready);
    this.#metrics.depth?.(this.#ready.length);
    return dropped;
  }

  /** Stops intake, drops delayed keys and wakes every waiting get() with `undefined`. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    for (const getter of this.#getters.splice(0)) getter(undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Keys ready for a worker (workqueue_depth). */
  len(): number {
    return this.#ready.length;
  }

  /** Keys scheduled for later. */
  waitingCount(): number {
    return this.#waiting.size;
  }

  /** Whether the key is being processed right now. */
  isProcessing(key: string): boolean {
    return this.#processing.has(key);
  }

  /** Sum of the ages of all in-flight runs, in seconds (workqueue_unfinished_work_seconds). */
  unfinishedWorkSeconds(now = Date.now()): number {
    let total = 0;
    for (const started of this.#processing.values()) total += (now - started) / 1000;
    return total;
  }

  /** Age of the oldest in-flight run, in seconds (workqueue_longest_running_processor_seconds). */
  longestRunningProcessorSeconds(now = Date.now()): number {
    let longest = 0;
    for (const started of this.#processing.values()) longest = Math.max(longest, (now - started) / 1000);
    return longest;
  }

  #clearWaiting(key: string): void {
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.#waiting.delete(key);
  }

  #makeReady(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) return; // deduped: not counted as an add (client-go does the same)
    this.#metrics.add?.();
    this.#dirty.set(key, Date.now());
    if (this.#processing.has(key)) return; // held until done()
    this.#enqueue(key);
  }

  #enqueue(key: string): void {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#ready.push(key);
      getter(this.#take());
      return;
    }
    this.#ready.push(key);
    this.#metrics.depth?.(this.#ready.length);
  }

  #take(): string | undefined {
    const key = this.#ready.shift();
    if (key === undefined) return undefined;
    const dirtySince = this.#dirty.get(key) ?? Date.now();
    this.#dirty.delete(key);
    const now = Date.now();
    this.#processing.set(key, now);
    this.#metrics.depth?.(this.#ready.length);
    this.#metrics.queueDuration?.((now - dirtySince) / 1000);
    return key;
  }
}
