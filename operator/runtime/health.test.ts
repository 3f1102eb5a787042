import { describe, expect, it } from 'vitest';
import { parseAddress, startHealthServer } from './health.ts';
import { OperatorMetrics } from './metrics.ts';

describe('health server', () => {
  it('serves /healthz, /readyz from its checks and /metrics from the registry', async () => {
    const metrics = new OperatorMetrics();
    metrics.forController('microservice', 2);
    let synced = false;
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      metrics,
      readyChecks: { 'cache:MicroService': () => synced },
    });
    const base = `http://127.0.0.1:${server.address.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain('[-]cache:MicroService failed');
      synced = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const scrape = await fetch(`${base}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain(
        'controller_runtime_max_concurrent_reconciles{controller="microservice"} 2',
      );
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("says why a check failed, in the Kubernetes components' format", async () => {
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      metrics: new OperatorMetrics(),
      healthChecks: { watches: () => 'ConfigMap: no watch progress for 301s', ping: () => true },
    });
    try {
      const response = await fetch(`http://127.0.0.1:${server.address.port}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.text()).toBe(
        '[-]watches failed: ConfigMap: no watch progress for 301s\n[+]ping ok\nfailed\n',
      );
    } finally {
      await server.close();
    }
  });

  it('parses listen addresses', () => {
    expect(parseAddress(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseAddress('127.0.0.1:9')).toEqual({ host: '127.0.0.1', port: 9 });
    expect(parseAddress('[::1]:8081')).toEqual({ host: '::1', port: 8081 });
    expect(() => parseAddress('x:http')).toThrow(/invalid/);
  });
});
