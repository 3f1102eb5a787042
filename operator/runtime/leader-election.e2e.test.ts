// Two electors on one real Lease: exactly one leads; when it releases (shutdown) the other takes
// over at once; when it dies without releasing (partitioned), the other takes over after the
// lease duration and the partitioned one notices it lost leadership.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from './client.ts';
import { LeaderElector } from './leader-election.ts';
import { ApiError, type KubeRest } from './rest.ts';

const rest = e2eRest();
const client = new Client(rest, { fieldManager: 'leader-election-e2e' });
let namespace: TestNamespace;

beforeAll(async () => {
  namespace = await createTestNamespace(e2eKubeconfigPath(), 'op-lease');
});
afterAll(async () => {
  await namespace?.cleanup();
});

const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 };

/** A transport that can be partitioned from the API server. */
function partitionable(inner: KubeRest) {
  let down = false;
  const proxy = Object.create(inner) as KubeRest;
  proxy.request = async (options) => {
    if (down) throw new ApiError('partitioned (test)', 0, 'Transport');
    return inner.request(options);
  };
  return { rest: proxy, partition: () => (down = true) };
}

async function lease(name: string) {
  return client.get<
    { spec?: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number } } & object
  >({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    namespace: namespace.name,
    name,
  });
}

describe('LeaderElector', () => {
  it('elects one leader and hands over at once when the leader releases on shutdown', async () => {
    const changes: string[] = [];
    const make = (identity: string) =>
      new LeaderElector({
        client,
        namespace: namespace.name,
        name: 'handover',
        identity,
        ...timing,
        onLeaderChange: (leader) => changes.push(`${identity}:${leader}`),
      });
    const one = make('one');
    const two = make('two');
    const stopOne = new AbortController();
    const stopTwo = new AbortController();
    const runOne = one.run(stopOne.signal);
    await one.waitForLeadership();
    const runTwo = two.run(stopTwo.signal);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // several retry periods
    expect([one.isLeader, two.isLeader]).toEqual([true, false]);
    expect((await lease('handover'))?.spec?.holderIdentity).toBe('one');

    const released = Date.now();
    stopOne.abort();
    expect(await runOne).toBe('stopped');
    const afterRelease = await lease('handover');
    expect(afterRelease?.spec?.holderIdentity === '' || afterRelease?.spec?.holderIdentity === 'two').toBe(true);
    await two.waitForLeadership();
    // Well under leaseDuration: the released lease was free at once.
    expect(Date.now() - released).toBeLessThan(timing.leaseDurationMs);
    expect((await lease('handover'))?.spec).toMatchObject({ holderIdentity: 'two', leaseTransitions: 1 });
    stopTwo.abort();
    expect(await runTwo).toBe('stopped');
    expect(changes).toEqual(['one:true', 'one:false', 'two:true', 'two:false']);
  });

  it('takes over after the lease expires when the leader dies, and the old leader sees it lost', async () => {
    const partitioned = partitionable(rest);
    const one = new LeaderElector({
      client: new Client(partitioned.rest, { fieldManager: 'leader-election-e2e' }),
      namespace: namespace.name,
      name: 'crash',
      identity: 'one',
      ...timing,
    });
    const two = new LeaderElector({ client, namespace: namespace.name, name: 'crash', identity: 'two', ...timing });
    const stop = new AbortController();
    const runOne = one.run(stop.signal);
    await one.waitForLeadership();
    const runTwo = two.run(stop.signal);
    const died = Date.now();
    partitioned.partition();
    expect(await runOne).toBe('lost'); // after renewDeadline without a renewal
    expect(one.isLeader).toBe(false);
    await two.waitForLeadership();
    expect(Date.now() - died).toBeGreaterThanOrEqual(timing.leaseDurationMs - timing.retryPeriodMs);
    await eventually(async () => (await lease('crash'))?.spec?.holderIdentity === 'two', 'two to hold the lease');
    stop.abort();
    await runTwo;
  });
});
