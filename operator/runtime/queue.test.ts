import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './queue.ts';

/** Resolves to the keys get() hands out without blocking (stops at the first pending get). */
async function drain(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dedupes a key added many times', async () => {
    const queue = new WorkQueue({ name: 't' });
    queue.add('a');
    queue.add('b');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await drain(queue)).toEqual(['a', 'b']);
  });

  it('holds a key that arrives while it is processed until done()', async () => {
    const queue = new WorkQueue({ name: 't' });
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0); // never handed to a second worker
    let second: string | undefined;
    void queue.get().then((key) => {
      second = key;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done('a');
    await Promise.resolve();
    expect(second).toBe('a'); // queued once more, not twice
    queue.done('a');
    expect(queue.len()).toBe(0);
  });

  it('retain() drops queued, delayed and held keys it refuses, and keeps the rest', async () => {
    const queue = new WorkQueue({ name: 't' });
    queue.add('held');
    expect(await queue.get()).toBe('held');
    queue.add('held'); // arrives while processed: held until done()
    queue.add('mine');
    queue.add('theirs');
    queue.addAfter('later-theirs', 1000);
    queue.addRateLimited('failing-theirs');
    expect(queue.retain((key) => key === 'mine')).toBe(4);
    expect(queue.waitingCount()).toBe(0);
    expect(queue.numRequeues('failing-theirs')).toBe(0);
    queue.done('held'); // finishes, is not queued again
    vi.advanceTimersByTime(2000);
    expect(await drain(queue)).toEqual(['mine']);
  });

  it('does not requeue on done() when nothing arrived meanwhile', async () => {
    const queue = new WorkQueue({ name: 't' });
    queue.add('a');
    await queue.get();
    queue.done('a');
    expect(queue.len()).toBe(0);
  });

  it('lets the earliest deadline win when a key is scheduled twice', () => {
    const queue = new WorkQueue({ name: 't' });
    queue.addAfter('a', 10_000);
    queue.addAfter('a', 1_000);
    vi.advanceTimersByTime(999);
    expect(queue.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.len()).toBe(1);
    vi.advanceTimersByTime(20_000);
    expect(queue.len()).toBe(1); // the later deadline was dropped, not queued again

    const other = new WorkQueue({ name: 't2' });
    other.addAfter('b', 1_000);
    other.addAfter('b', 10_000); // later deadline: ignored
    vi.advanceTimersByTime(1_000);
    expect(other.len()).toBe(1);
  });

  it('runs an immediate add now and drops the pending delayed one', async () => {
    const queue = new WorkQueue({ name: 't' });
    queue.addAfter('a', 5_000);
    queue.add('a');
    expect(queue.waitingCount()).toBe(0);
    expect(await queue.get()).toBe('a');
    queue.done('a');
    vi.advanceTimersByTime(10_000);
    expect(queue.len()).toBe(0);
  });

  it('backs off exponentially per key up to the cap, and forget() resets it', () => {
    const queue = new WorkQueue({ name: 't', backoff: { baseMs: 100, capMs: 1_000 } });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      delays.push(queue.backoffDelay('a'));
      queue.addRateLimited('a');
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(queue.numRequeues('a')).toBe(6);
    expect(queue.backoffDelay('b')).toBe(100); // per key
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
    expect(queue.backoffDelay('a')).toBe(100);
  });

  it('delays a rate-limited key by its back-off', () => {
    const queue = new WorkQueue({ name: 't', backoff: { baseMs: 100, capMs: 1_000, jitter: 0 } });
    queue.addRateLimited('a'); // 100ms
    vi.advanceTimersByTime(99);
    expect(queue.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.len()).toBe(1);
  });

  it('stretches every back-off by a random jitter, so keys that failed together spread out', () => {
    const draws = [0, 0.5, 1];
    const queue = new WorkQueue({ name: 't', backoff: { baseMs: 1_000, jitter: 0.2 }, random: () => draws.shift()! });
    expect(['a', 'b', 'c'].map((key) => queue.addRateLimited(key))).toEqual([1_000, 1_100, 1_200]);
  });

  it('limits retries across all keys with one token bucket (a burst, then qps)', () => {
    const queue = new WorkQueue({
      name: 't',
      backoff: { baseMs: 10, jitter: 0 },
      rateLimit: { qps: 2, burst: 3 },
    });
    // Ten keys fail at once: three retry after their own back-off, the rest two per second.
    const delays = Array.from({ length: 10 }, (_, i) => queue.addRateLimited(`k${i}`));
    expect(delays).toEqual([10, 10, 10, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500]);
    vi.advanceTimersByTime(1_000);
    expect(queue.len()).toBe(5);
    // The bucket refills while idle: after a quiet spell a failure retries on its own back-off again.
    vi.advanceTimersByTime(60_000);
    expect(queue.addRateLimited('later')).toBe(10);
  });

  it('schedules a key for later while it is processed, without handing it out twice', async () => {
    const queue = new WorkQueue({ name: 't' });
    queue.add('a');
    await queue.get();
    queue.addAfter('a', 1_000);
    vi.advanceTimersByTime(1_000);
    expect(queue.len()).toBe(0); // held: still processing
    queue.done('a');
    expect(queue.len()).toBe(1);
  });

  it('wakes waiting getters with undefined on shutDown and ignores later adds', async () => {
    const queue = new WorkQueue({ name: 't' });
    const pending = [queue.get(), queue.get()];
    queue.addAfter('late', 1_000);
    queue.shutDown();
    expect(await Promise.all(pending)).toEqual([undefined, undefined]);
    queue.add('a');
    vi.advanceTimersByTime(2_000);
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it('reports adds, depth, retries and durations to its hooks', async () => {
    const hooks = { add: vi.fn(), depth: vi.fn(), queueDuration: vi.fn(), workDuration: vi.fn(), retry: vi.fn() };
    const queue = new WorkQueue({ name: 't', metrics: hooks });
    queue.add('a');
    queue.add('a');
    expect(hooks.add).toHaveBeenCalledTimes(1); // like client-go: a deduped add is not counted
    expect(hooks.depth).toHaveBeenLastCalledWith(1);
    vi.advanceTimersByTime(2_000);
    await queue.get();
    expect(hooks.depth).toHaveBeenLastCalledWith(0);
    expect(hooks.queueDuration).toHaveBeenCalledWith(2);
    vi.advanceTimersByTime(3_000);
    expect(queue.unfinishedWorkSeconds()).toBe(3);
    expect(queue.longestRunningProcessorSeconds()).toBe(3);
    queue.done('a');
    expect(hooks.workDuration).toHaveBeenCalledWith(3);
    expect(queue.unfinishedWorkSeconds()).toBe(0);
    queue.addRateLimited('a');
    expect(hooks.retry).toHaveBeenCalledTimes(1);
  });
});
