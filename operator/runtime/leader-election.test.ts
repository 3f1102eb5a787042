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
  const clientFor = (identity: string) =>
    fakeClient(async (options: RequestOptions) => {
      if (unreachable.has(identity)) throw new ApiError('connection refused', 0, 'Transport');
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
  return { clientFor, lease: () => lease, cut: (identity: string) => unreachable.add(identity) };
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
});
