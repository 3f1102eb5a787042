import { describe, expect, it } from 'vitest';
import { KindDiscovery } from './discovery.ts';
import { ApiError, type KubeRest } from './rest.ts';

/** A KubeRest whose discovery serves `served` (mutable), counting lookups. */
function fakeRest(served: Set<string>) {
  const calls: string[] = [];
  const forgotten: string[] = [];
  const rest = {
    resource: async (apiVersion: string, kind: string) => {
      calls.push(`${apiVersion}/${kind}`);
      if (served.has(`${apiVersion}/${kind}`)) return { apiVersion, kind };
      throw new ApiError(`kind ${kind} is not served at ${apiVersion}`, 404, 'NotFound');
    },
    forgetDiscovery: (apiVersion: string) => forgotten.push(apiVersion),
  } as unknown as KubeRest;
  return { rest, calls, forgotten };
}

describe('KindDiscovery', () => {
  const sm = ['monitoring.coreos.com/v1', 'ServiceMonitor'] as const;

  it('a missing kind is not looked up again until recheckMs has passed, then found once its CRD is served', async () => {
    const served = new Set<string>();
    const { rest, calls } = fakeRest(served);
    let now = 0;
    const discovery = new KindDiscovery(rest, { recheckMs: 30_000, now: () => now });
    expect(await discovery.served(...sm)).toBe(false);
    served.add(sm.join('/'));
    now = 29_999;
    expect(await discovery.served(...sm)).toBe(false);
    expect(calls).toHaveLength(1);
    now = 30_000;
    expect(await discovery.served(...sm)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('forget() asks discovery afresh (the CRD was removed)', async () => {
    const served = new Set([sm.join('/')]);
    const { rest, forgotten } = fakeRest(served);
    const discovery = new KindDiscovery(rest, { now: () => 0 });
    expect(await discovery.served(...sm)).toBe(true);
    served.clear();
    discovery.forget(...sm);
    expect(forgotten).toStrictEqual(['monitoring.coreos.com/v1']);
    expect(await discovery.served(...sm)).toBe(false);
  });

  it('errors other than 404 are thrown, not taken for "missing"', async () => {
    const rest = {
      resource: async () => {
        throw new ApiError('connection refused', 0, 'Transport');
      },
    } as unknown as KubeRest;
    await expect(new KindDiscovery(rest).served(...sm)).rejects.toThrow('connection refused');
  });
});
