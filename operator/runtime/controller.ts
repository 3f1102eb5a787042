// The worker loop (controller-runtime's processNextWorkItem/reconcileHandler): N workers take keys
// from the queue, call reconcile(key), and turn its outcome into queue operations:
//   error (not terminal) → addRateLimited       (per-key exponential back-off)
//   TerminalError        → forget, no retry     (logged and counted; the reconciler reports it in status)
//   { requeueAfterMs }   → forget + addAfter    (poll later; back-off reset)
//   {}                   → forget               (wait for the next change or resync)
// An error always wins over a result (a throw cannot return one). Workers start only after every
// cache has synced and leadership is held; until then events only fill the queue.
import { formatKey, type ObjectKey, parseKey } from './key.ts';
import { keyLogger, type Logger, silentLogger } from './log.ts';
import type { ControllerMetrics, ReconcileResultLabel } from './metrics.ts';
import type { WorkQueue } from './queue.ts';
import { ApiError, isTooManyRequests } from './rest.ts';

/** What reconcile returns. `requeueAfterMs` absent means "wait for a change or the resync". */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** An error that retrying cannot fix (invalid spec, a conflicting owner): no retry, report in status. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What a reconcile gets besides its key. */
export interface ReconcileContext {
  /** Logger whose every line carries `key` and `controller`. */
  readonly log: Logger;
  /** How many times this key has failed in a row (0 on a first try or after a success). */
  readonly retries: number;
  /**
   * Aborted when this reconcile exceeds `reconcileTimeoutMs`, or when stop() gives up waiting for
   * in-flight work. Pass it to requests so they end too.
   */
  readonly signal: AbortSignal;
}

/** Level-based reconcile: reads current state for `key`, makes the world match, says when to come back. */
export type Reconcile = (key: ObjectKey, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** How to retry after a failed reconcile. */
export type ErrorAction = { type: 'backoff' } | { type: 'requeueAfter'; delayMs: number } | { type: 'drop' };

/** Decides the retry of a failed reconcile, apart from reconcile itself (kube-rs' error_policy). */
export type ErrorPolicy = (key: ObjectKey, error: unknown, ctx: { retries: number }) => ErrorAction;

/**
 * TerminalError → drop; a 429 with Retry-After → come back when the server said (+0–20 %
 * jitter, so the keys it refused together do not return together); anything else → back off.
 */
export const defaultErrorPolicy: ErrorPolicy = (_key, error) => {
  if (error instanceof TerminalError) return { type: 'drop' };
  if (isTooManyRequests(error) && error instanceof ApiError && error.retryAfterSeconds !== undefined)
    return { type: 'requeueAfter', delayMs: Math.round(error.retryAfterSeconds * 1000 * (1 + 0.2 * Math.random())) };
  return { type: 'backoff' };
};

/**
 * The JS analogue of a recovered Go panic: a bug rather than a failure of the world. We count
 * thrown non-Errors, ReferenceError, RangeError and TypeErrors without a `cause` (network
 * TypeErrors such as undici's "fetch failed" carry one).
 */
export function isPanic(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if (error instanceof ReferenceError || error instanceof RangeError || error instanceof SyntaxError) return true;
  return error instanceof TypeError && error.cause === undefined;
}

/** Something that can say when it has synced (a cache's Store). */
export interface Syncable {
  waitUntilReady(signal?: AbortSignal): Promise<void>;
}

export interface ControllerOptions {
  /** `controller` label of the metrics and logs. */
  readonly name: string;
  readonly reconcile: Reconcile;
  readonly queue: WorkQueue;
  /** @default defaultErrorPolicy */
  readonly errorPolicy?: ErrorPolicy;
  /**
   * Workers, i.e. keys reconciled at once (never the same key twice).
   * @default 2
   */
  readonly maxConcurrentReconciles?: number;
  /**
   * Upper bound of one reconcile: its `ctx.signal` aborts after this long, and if it then fails
   * the failure counts in controller_runtime_reconcile_timeouts_total. The reconcile must honour
   * the signal (a JS promise cannot be cancelled from outside). 0 disables.
   * @default 0
   */
  readonly reconcileTimeoutMs?: number;
  /** Caches that must have synced before the first reconcile. */
  readonly caches?: readonly Syncable[];
  /** Resolves once this replica leads; omit to run without leader election. */
  readonly waitForLeadership?: (signal: AbortSignal) => Promise<void>;
  /**
   * The safety net for missed events: every `resyncIntervalMs` all keys from `resyncKeys` are
   * queued again. kube-rs calls hourly reasonable; we use 10 minutes because reconcile is cheap
   * (cache reads and no-op applies are skipped by hash). 0 disables.
   * @default 600000
   */
  readonly resyncIntervalMs?: number;
  /** The keys a resync queues (usually the primary store's keys). */
  readonly resyncKeys?: () => Iterable<string>;
  readonly metrics?: ControllerMetrics;
  readonly log?: Logger;
}

export const DEFAULT_RESYNC_INTERVAL_MS = 10 * 60_000;

/** Runs reconcile workers over a queue. start() resolves once stop() has drained in-flight work. */
export class Controller {
  readonly name: string;
  readonly #options: ControllerOptions;
  readonly #queue: WorkQueue;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  readonly #abortInFlight = new AbortController();
  #workers: Promise<void> | undefined;
  #resyncTimer: ReturnType<typeof setInterval> | undefined;
  #started = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#queue = options.queue;
    this.#log = (options.log ?? silentLogger).child({ controller: options.name });
  }

  /** Whether workers are running (caches synced and leadership held). */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Waits for caches and leadership, then runs workers until stop(). Resolves when every worker
   * has finished; resolves early (without reconciling) if stopped while waiting.
   */
  async start(): Promise<void> {
    const signal = this.#stop.signal;
    const waiting = (async () => {
      await Promise.all((this.#options.caches ?? []).map((cache) => cache.waitUntilReady(signal)));
      this.#log.info('caches synced');
      await this.#options.waitForLeadership?.(signal);
    })();
    const stopped = new Promise<'stopped'>((resolve) => {
      if (signal.aborted) resolve('stopped');
      signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    waiting.catch(() => {}); // a rejection after stop is not interesting
    if ((await Promise.race([waiting.then(() => 'ready' as const), stopped])) === 'stopped') return;
    const workers = this.#options.maxConcurrentReconciles ?? 2;
    this.#log.info({ workers }, 'starting workers');
    this.#started = true;
    this.#startResync();
    this.#workers = Promise.all(Array.from({ length: workers }, () => this.#worker())).then(() => {});
    await this.#workers;
  }

  /**
   * Stops taking work and waits for in-flight reconciles. After `timeoutMs` their `signal` is
   * aborted and stop() resolves anyway (the process is about to exit).
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.#stop.abort();
    if (this.#resyncTimer !== undefined) clearInterval(this.#resyncTimer);
    this.#queue.shutDown();
    if (this.#workers === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#log.warn({ timeoutMs }, 'in-flight reconciles did not finish in time; aborting them');
        this.#abortInFlight.abort();
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.#workers, timedOut]);
    clearTimeout(timer);
  }

  /** Queues every key from `resyncKeys` now (also what the periodic resync does). */
  resync(): void {
    const keys = this.#options.resyncKeys?.() ?? [];
    let count = 0;
    for (const key of keys) {
      this.#queue.add(key);
      count++;
    }
    this.#log.debug({ keys: count }, 'resync');
  }

  #startResync(): void {
    const interval = this.#options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    if (interval <= 0 || this.#options.resyncKeys === undefined) return;
    this.#resyncTimer = setInterval(() => this.resync(), interval);
    this.#resyncTimer.unref?.();
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      this.#options.metrics?.activeWorkers(1);
      try {
        await this.#reconcileHandler(key);
      } finally {
        this.#options.metrics?.activeWorkers(-1);
        this.#queue.done(key);
      }
    }
  }

  async #reconcileHandler(key: string): Promise<void> {
    const objectKey = parseKey(key);
    const retries = this.#queue.numRequeues(key);
    const log = keyLogger(this.#log, formatKey(objectKey));
    const metrics = this.#options.metrics;
    const started = performance.now();
    const timeoutMs = this.#options.reconcileTimeoutMs ?? 0;
    const timeout = new AbortController();
    const timer =
      timeoutMs > 0
        ? setTimeout(() => timeout.abort(new Error(`reconcile timed out after ${timeoutMs}ms`)), timeoutMs)
        : undefined;
    const signal =
      timer === undefined ? this.#abortInFlight.signal : AbortSignal.any([this.#abortInFlight.signal, timeout.signal]);
    let result: ReconcileResult;
    try {
      result = (await this.#options.reconcile(objectKey, { log, retries, signal })) ?? {};
    } catch (error) {
      metrics?.reconcileTime((performance.now() - started) / 1000);
      this.#onError(key, objectKey, error, retries, log, timeout.signal.aborted);
      return;
    } finally {
      clearTimeout(timer);
    }
    metrics?.reconcileTime((performance.now() - started) / 1000);
    let label: ReconcileResultLabel = 'success';
    this.#queue.forget(key);
    if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
      label = 'requeue_after';
      this.#queue.addAfter(key, result.requeueAfterMs);
    }
    metrics?.reconcileResult(label);
    log.debug({ result: label, requeueAfterMs: result.requeueAfterMs }, 'reconciled');
  }

  #onError(key: string, objectKey: ObjectKey, error: unknown, retries: number, log: Logger, timeout: boolean): void {
    const terminal = error instanceof TerminalError;
    const panic = !timeout && isPanic(error);
    this.#options.metrics?.reconcileResult('error');
    this.#options.metrics?.reconcileError({ terminal, panic, timeout });
    const policy = this.#options.errorPolicy ?? defaultErrorPolicy;
    let action: ErrorAction;
    try {
      action = policy(objectKey, error, { retries });
    } catch (policyError) {
      log.error({ err: policyError }, 'errorPolicy threw; backing off');
      action = { type: 'backoff' };
    }
    switch (action.type) {
      case 'backoff':
        this.#queue.addRateLimited(key);
        break;
      case 'requeueAfter':
        this.#queue.addAfter(key, action.delayMs);
        break;
      case 'drop':
        this.#queue.forget(key);
        break;
    }
    // A terminal error is the input's fault (a spec the renderer refuses, an object the API server
    // refuses for good): its message says what to fix, and a stack trace would only hide it.
    const err = terminal ? `${(error as Error).name}: ${(error as Error).message}` : error;
    const fields = { err, retries, terminal, panic, timeout, action: action.type };
    if (terminal) log.warn(fields, 'reconcile failed permanently; not retrying');
    else log.error(fields, 'reconcile failed');
  }
}
