// The election algorithm on fake time against an in-memory Lease endpoint with the API server's
// optimistic concurrency (PUT must carry the current resourceVersion). The real API server is in
// leader-election.e2e.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client } from './client.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import { LeaderElector } from './leader-election.ts';
import { ApiError, KubeRest, type RequestOptions } from './rest.ts';

/** A KubeRest whose requests go to `request` instead of a server. */
function fakeClient(request: (options: RequestOptions) => Promise<unknown>): Client {
  const rest = new KubeRest({} as KubeConfigLike);
  rest.request = request as KubeRest['request'];
  return new Client(rest, { fieldManager: 'test' });
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number };
}

function leaseEndpoint() {
  let lease: Lease | undefined;
  let version = 0;
  const unreachable = new Set<string>();
  const hanging = new Set<string>();
  let putDelayMs = 0;
  const clientFor = (identity: string) =>
    fakeClient(async (options: RequestOptions) => {
      if (unreachable.has(identity)) throw new ApiError('connection refused', 0, 'Transport');
      if (hanging.has(identity)) {
        // An API server that accepts the connection and never answers: only the request's own
        // timeout or its signal ends it, as with the real transport.
        return new Promise((_, reject) => {
          setTimeout(() => reject(new ApiError('no response', 0, 'Transport')), options.timeoutMs ?? 30_000);
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
        });
      }
      if (options.method === 'PUT' && putDelayMs > 0) await new Promise((r) => setTimeout(r, putDelayMs));
      const body = options.body as Lease | undefined;
      switch (options.method) {
        case 'GET':
          if (lease === undefined) throw new ApiError('not found', 404, 'NotFound');
          return structuredClone(lease);
        case 'POST':
          if (lease !== undefined) throw new ApiError('already exists', 409, 'AlreadyExists');
          lease = { ...structuredClone(body!), metadata: { ...body!.metadata, resourceVersion: String(++version) } };
          return structuredClone(lease);
        case 'PUT':
          if (lease?.metadata.resourceVersion !== body?.metadata.resourceVersion) {
            throw new ApiError('conflict', 409, 'Conflict');
          }
          lease = { ...structuredClone(body!), metadata: { ...body!.metadata, resourceVersion: String(++version) } };
          return structuredClone(lease);
        default:
          throw new Error(`unexpected ${options.method}`);
      }
    });
  return {
    clientFor,
    lease: () => lease,
    cut: (identity: string) => unreachable.add(identity),
    hang: (identity: string) => hanging.add(identity),
    slowPuts: (ms: number) => {
      putDelayMs = ms;
    },
  };
}

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function candidate(endpoint: ReturnType<typeof leaseEndpoint>, identity: string) {
  const changes: boolean[] = [];
  const elector = new LeaderElector({
    client: endpoint.clientFor(identity),
    namespace: 'ops',
    name: 'test',
    identity,
    ...timing,
    onLeaderChange: (leader) => changes.push(leader),
  });
  const abort = new AbortController();
  const outcome = elector.run(abort.signal);
  return { elector, changes, outcome, stop: () => abort.abort() };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates the lease and leads when nobody holds it', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    await vi.advanceTimersByTimeAsync(0);
    expect(one.elector.isLeader).toBe(true);
    expect(endpoint.lease()?.spec).toMatchObject({
      holderIdentity: 'one',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    one.stop();
    expect(await one.outcome).toBe('stopped');
  });

  it('puts its labels on the Lease it creates and back on one that lost them (a shard Lease names its ring)', async () => {
    const endpoint = leaseEndpoint();
    const elector = new LeaderElector({
      client: endpoint.clientFor('shard-a'),
      namespace: 'ops',
      name: 'shard-a',
      identity: 'shard-a',
      labels: { 'sharding.msvc.dev/ring': 'r' },
      ...timing,
    });
    const abort = new AbortController();
    const outcome = elector.run(abort.signal);
    await vi.advanceTimersByTimeAsync(0);
    const labels = () => (endpoint.lease()?.metadata as { labels?: Record<string, string> } | undefined)?.labels;
    expect(labels()).toEqual({ 'sharding.msvc.dev/ring': 'r' });
    // Someone strips the labels: the next renewal writes them again, keeping any others.
    (endpoint.lease()!.metadata as { labels?: Record<string, string> }).labels = { other: 'x' };
    await vi.advanceTimersByTimeAsync(2_500);
    expect(labels()).toEqual({ other: 'x', 'sharding.msvc.dev/ring': 'r' });
    abort.abort();
    expect(await outcome).toBe('stopped');
  });

  it('waits while the holder renews and takes over leaseDuration after renewals stop', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    await vi.advanceTimersByTimeAsync(0);
    const two = candidate(endpoint, 'two');
    await vi.advanceTimersByTimeAsync(60_000);
    expect([one.elector.isLeader, two.elector.isLeader]).toEqual([true, false]);

    endpoint.cut('one'); // crashed or partitioned: no renewals, no release
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await one.outcome).toBe('lost'); // renewDeadline passed without a renewal
    expect(one.changes).toEqual([true, false]);
    expect(two.elector.isLeader).toBe(false); // the lease is still valid on two's clock
    // Expiry is counted from when two last *saw* the lease change, plus one jittered retry period.
    await vi.advanceTimersByTimeAsync(12_000);
    expect(two.elector.isLeader).toBe(true);
    expect(endpoint.lease()?.spec).toMatchObject({ holderIdentity: 'two', leaseTransitions: 1 });
    two.stop();
    await two.outcome;
  });

  it('releases on stop (empty holder, 1s lease) so the next candidate need not wait', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    await vi.advanceTimersByTimeAsync(0);
    const two = candidate(endpoint, 'two');
    await vi.advanceTimersByTimeAsync(3_000);
    one.stop();
    expect(await one.outcome).toBe('stopped');
    expect(endpoint.lease()?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await vi.advanceTimersByTimeAsync(2_500); // one retry period, far below leaseDuration
    expect(two.elector.isLeader).toBe(true);
    two.stop();
    await two.outcome;
  });

  it('lets only one of two simultaneous candidates win', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    const two = candidate(endpoint, 'two');
    await vi.advanceTimersByTimeAsync(30_000);
    expect([one.elector.isLeader, two.elector.isLeader].filter(Boolean)).toHaveLength(1);
    one.stop();
    two.stop();
    await Promise.all([one.outcome, two.outcome]);
  });

  it('resolves waitForLeadership when leadership is won', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    const won = one.elector.waitForLeadership();
    await vi.advanceTimersByTimeAsync(0);
    await expect(won).resolves.toBeUndefined();
    one.stop();
    await one.outcome;
  });

  it('rejects timings where two leaders could overlap', () => {
    const client = leaseEndpoint().clientFor('x');
    expect(
      () =>
        new LeaderElector({ client, namespace: 'ops', name: 'test', leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    ).toThrow(/renewDeadlineMs/);
  });

  it('gives up by renewDeadline after the last renewal was sent, even when every request hangs', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    await vi.advanceTimersByTimeAsync(5_000); // renewing every 2 s
    expect(one.elector.holdsLease()).toBe(true);
    const hungAt = Date.now();
    endpoint.hang('one');
    let lostAt = 0;
    void one.outcome.then(() => {
      lostAt = Date.now();
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await one.outcome).toBe('lost');
    // The last renewal that succeeded was sent at most one retry period before the hang; the
    // loss comes at its deadline, not after a 5 s GET plus a 5 s PUT on top of it.
    expect(lostAt - hungAt).toBeLessThanOrEqual(timing.renewDeadlineMs);
    expect(lostAt - hungAt).toBeGreaterThan(timing.renewDeadlineMs - timing.retryPeriodMs);
    // And fencing ends no later than that, leaving leaseDuration - renewDeadline for the stop.
    expect(one.elector.holdsLease()).toBe(false);
  });

  it('stops holding the lease the moment a paused process resumes past its deadline', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    await vi.advanceTimersByTimeAsync(0);
    expect(one.elector.holdsLease()).toBe(true);
    // SIGSTOP for 20 s: the clock moves, no timer runs. The first synchronous check after SIGCONT
    // (what the write guard does before every write) already says no.
    vi.setSystemTime(Date.now() + 20_000);
    expect(one.elector.holdsLease()).toBe(false);
    one.stop();
    await one.outcome;
  });

  it('never overlaps release with a renewal in flight, and never acquires again after it', async () => {
    const endpoint = leaseEndpoint();
    const one = candidate(endpoint, 'one');
    await vi.advanceTimersByTimeAsync(0);
    endpoint.slowPuts(1_500);
    await vi.advanceTimersByTimeAsync(2_100); // a renewal's PUT is now in flight
    const released = one.elector.release();
    await vi.advanceTimersByTimeAsync(5_000);
    await released;
    expect(endpoint.lease()?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    // The renew loop saw the release: it stops instead of taking the free lease back.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(endpoint.lease()?.spec?.holderIdentity).toBe('');
    expect(await one.outcome).toBe('stopped');
  });
});
