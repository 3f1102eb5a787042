import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Controller,
  type ControllerOptions,
  defaultErrorPolicy,
  isPanic,
  type Reconcile,
  TerminalError,
} from './controller.ts';
import type { ObjectKey } from './key.ts';
import { createLogger } from './log.ts';
import { OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { ApiError } from './rest.ts';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets pending promise callbacks run (fake timers do not touch microtasks). */
const settle = () => vi.advanceTimersByTimeAsync(0);

function setup(reconcile: Reconcile, options: Partial<ControllerOptions> = {}) {
  const metrics = new OperatorMetrics();
  const queue = new WorkQueue({
    name: 'c',
    backoff: { baseMs: 100, capMs: 1_000, jitter: 0 },
    metrics: metrics.forQueue('c'),
  });
  const controller = new Controller({
    name: 'c',
    reconcile,
    queue,
    metrics: metrics.forController('c', options.maxConcurrentReconciles ?? 2),
    ...options,
  });
  const running = controller.start();
  return { controller, queue, metrics, running };
}

const keys = (calls: Array<[ObjectKey, ...unknown[]]>) => calls.map(([k]) => `${k.namespace}/${k.name}`);

describe('Controller', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reconciles a queued key with the parsed key and forgets its back-off on success', async () => {
    const reconcile = vi.fn<Reconcile>(async () => ({}));
    const { controller, queue, metrics } = setup(reconcile);
    queue.addRateLimited('ns/a'); // a previous failure
    await vi.advanceTimersByTimeAsync(100);
    expect(keys(reconcile.mock.calls)).toEqual(['ns/a']);
    expect(reconcile.mock.calls[0]?.[1].retries).toBe(1);
    expect(queue.numRequeues('ns/a')).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reconcile).toHaveBeenCalledTimes(1); // success: wait for a change
    expect(await metrics.expose()).toContain('controller_runtime_reconcile_total{controller="c",result="success"} 1');
    await controller.stop();
  });

  it('retries a failing key with exponential back-off and passes the retry count', async () => {
    const reconcile = vi.fn<Reconcile>(async () => {
      throw new Error('apiserver unavailable');
    });
    const { controller, queue, metrics } = setup(reconcile);
    queue.add('ns/a');
    await settle();
    expect(reconcile).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(reconcile).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1); // 100ms
    expect(reconcile).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(reconcile).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1); // 200ms
    expect(reconcile).toHaveBeenCalledTimes(3);
    expect(reconcile.mock.calls.map(([, ctx]) => ctx.retries)).toEqual([0, 1, 2]);
    const text = await metrics.expose();
    expect(text).toContain('controller_runtime_reconcile_total{controller="c",result="error"} 3');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="c"} 3');
    expect(text).toContain('workqueue_retries_total{name="c"} 3');
    await controller.stop();
  });

  it('does not retry a TerminalError but counts it', async () => {
    const reconcile = vi.fn<Reconcile>(async () => {
      throw new TerminalError('spec.ports[0].port: must be 1-65535');
    });
    const { controller, queue, metrics } = setup(reconcile);
    queue.add('ns/a');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(reconcile).toHaveBeenCalledTimes(1);
    expect(queue.numRequeues('ns/a')).toBe(0);
    expect(await metrics.expose()).toContain('controller_runtime_terminal_reconcile_errors_total{controller="c"} 1');
    await controller.stop();
  });

  it('logs a TerminalError by its message, without a stack trace; other errors keep theirs', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const reconcile = vi.fn<Reconcile>(async (key) => {
      if (key.name === 'bad') throw new TerminalError('ns/bad: spec.ports[0].port: must be at most 65535');
      throw new Error('transient');
    });
    const { controller, queue } = setup(reconcile, { log: createLogger({ level: 'info', destination }) });
    queue.add('ns/bad');
    queue.add('ns/flaky');
    await vi.advanceTimersByTimeAsync(50);
    await controller.stop();
    const records = lines.map((l) => JSON.parse(l) as { msg: string; err?: string | { stack?: string } });
    const terminal = records.find((r) => r.msg === 'reconcile failed permanently; not retrying');
    expect(terminal?.err).toBe('TerminalError: ns/bad: spec.ports[0].port: must be at most 65535');
    const other = records.find((r) => r.msg === 'reconcile failed')?.err;
    expect(typeof other === 'object' ? other.stack : other).toContain('Error: transient\n    at ');
  });

  it('requeues after requeueAfterMs and resets back-off', async () => {
    let calls = 0;
    const reconcile = vi.fn<Reconcile>(async () => {
      calls++;
      if (calls === 1) throw new Error('transient');
      return { requeueAfterMs: 5_000 };
    });
    const { controller, queue, metrics } = setup(reconcile);
    queue.add('ns/a');
    await vi.advanceTimersByTimeAsync(100);
    expect(reconcile).toHaveBeenCalledTimes(2);
    expect(queue.numRequeues('ns/a')).toBe(0);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(reconcile).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(reconcile).toHaveBeenCalledTimes(3);
    expect(await metrics.expose()).toContain(
      'controller_runtime_reconcile_total{controller="c",result="requeue_after"} 2',
    );
    await controller.stop();
  });

  it('follows a custom errorPolicy', async () => {
    const reconcile = vi.fn<Reconcile>(async () => {
      throw new Error('quota exceeded');
    });
    const { controller, queue } = setup(reconcile, { errorPolicy: () => ({ type: 'requeueAfter', delayMs: 7_000 }) });
    queue.add('ns/a');
    await vi.advanceTimersByTimeAsync(6_999);
    expect(reconcile).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(reconcile).toHaveBeenCalledTimes(2);
    await controller.stop();
  });

  it('starts workers only after caches synced and leadership acquired', async () => {
    const cache = deferred();
    const leader = deferred();
    const reconcile = vi.fn<Reconcile>(async () => ({}));
    const { controller, queue } = setup(reconcile, {
      caches: [{ waitUntilReady: () => cache.promise }],
      waitForLeadership: () => leader.promise,
    });
    queue.add('ns/a'); // events fill the queue meanwhile
    await settle();
    expect(reconcile).not.toHaveBeenCalled();
    leader.resolve();
    await settle();
    expect(reconcile).not.toHaveBeenCalled();
    cache.resolve();
    await settle();
    expect(controller.started).toBe(true);
    expect(reconcile).toHaveBeenCalledTimes(1);
    await controller.stop();
  });

  it('bounds concurrency and never runs one key twice at once', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    let active = 0;
    let maxActive = 0;
    const running = new Set<string>();
    const reconcile = vi.fn<Reconcile>(async (key) => {
      expect(running.has(key.name)).toBe(false);
      running.add(key.name);
      active++;
      maxActive = Math.max(maxActive, active);
      const gate = deferred();
      gates.set(key.name, gate);
      await gate.promise;
      active--;
      running.delete(key.name);
      return {};
    });
    const { controller, queue } = setup(reconcile, { maxConcurrentReconciles: 2 });
    for (const name of ['a', 'b', 'c']) queue.add(`ns/${name}`);
    await settle();
    expect(active).toBe(2);
    queue.add('ns/a'); // arrives while a runs: held
    await settle();
    gates.get('a')?.resolve();
    await settle();
    expect(keys(reconcile.mock.calls)).toEqual(['ns/a', 'ns/b', 'ns/c']);
    gates.get('b')?.resolve();
    await settle();
    expect(keys(reconcile.mock.calls)).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/a']);
    gates.get('c')?.resolve();
    gates.get('a')?.resolve();
    await settle();
    expect(maxActive).toBe(2);
    await controller.stop();
  });

  it('resyncs every key from resyncKeys periodically', async () => {
    const reconcile = vi.fn<Reconcile>(async () => ({}));
    const { controller } = setup(reconcile, { resyncIntervalMs: 60_000, resyncKeys: () => ['ns/a', 'ns/b'] });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(reconcile).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(keys(reconcile.mock.calls)).toEqual(['ns/a', 'ns/b']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reconcile).toHaveBeenCalledTimes(4);
    await controller.stop();
  });

  it('stop() stops taking work and waits for in-flight reconciles', async () => {
    const gate = deferred();
    const reconcile = vi.fn<Reconcile>(async () => {
      await gate.promise;
      return {};
    });
    const { controller, queue, running } = setup(reconcile, { maxConcurrentReconciles: 1 });
    queue.add('ns/a');
    queue.add('ns/b');
    await settle();
    let stopped = false;
    void controller.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false); // a is still running
    gate.resolve();
    await settle();
    expect(stopped).toBe(true);
    await running;
    expect(keys(reconcile.mock.calls)).toEqual(['ns/a']); // b was not taken
  });

  it('stop() before start completes resolves start without reconciling', async () => {
    const reconcile = vi.fn<Reconcile>(async () => ({}));
    const { controller, queue, running } = setup(reconcile, {
      caches: [{ waitUntilReady: () => new Promise(() => {}) }],
    });
    queue.add('ns/a');
    await controller.stop();
    await running;
    expect(reconcile).not.toHaveBeenCalled();
  });

  it('counts programming errors as panics', () => {
    expect(isPanic(new TypeError("Cannot read properties of undefined (reading 'spec')"))).toBe(true);
    expect(isPanic(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }))).toBe(false);
    expect(isPanic(new Error('conflict'))).toBe(false);
    expect(isPanic('a string')).toBe(true);
  });

  it('aborts ctx.signal after reconcileTimeoutMs and counts the timeout', async () => {
    const reconcile = vi.fn<Reconcile>(
      (_key, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        }),
    );
    const { controller, queue, metrics } = setup(reconcile, { reconcileTimeoutMs: 5_000 });
    queue.add('ns/slow');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await metrics.expose()).toContain('controller_runtime_reconcile_timeouts_total{controller="c"} 0');
    await vi.advanceTimersByTimeAsync(1);
    const text = await metrics.expose();
    expect(text).toContain('controller_runtime_reconcile_timeouts_total{controller="c"} 1');
    expect(text).toContain('controller_runtime_reconcile_panics_total{controller="c"} 0');
    expect(queue.numRequeues('ns/slow')).toBe(1); // retried with back-off like any error
    await controller.stop(0);
  });
});

describe('defaultErrorPolicy', () => {
  const key = { namespace: 'ns', name: 'a' };
  it('comes back when a 429 says (Retry-After, +0-20 %), backs off otherwise, drops terminal errors', () => {
    const busy = new ApiError('too many requests', 429, 'TooManyRequests', undefined, { retryAfterSeconds: 2 });
    const action = defaultErrorPolicy(key, busy, { retries: 3 });
    expect(action.type).toBe('requeueAfter');
    const delay = (action as { delayMs: number }).delayMs;
    expect(delay).toBeGreaterThanOrEqual(2_000);
    expect(delay).toBeLessThanOrEqual(2_400);
    expect(defaultErrorPolicy(key, new ApiError('busy', 429, 'TooManyRequests'), { retries: 0 })).toEqual({
      type: 'backoff',
    });
    expect(defaultErrorPolicy(key, new Error('x'), { retries: 0 })).toEqual({ type: 'backoff' });
    expect(defaultErrorPolicy(key, new TerminalError('x'), { retries: 0 })).toEqual({ type: 'drop' });
  });
});
