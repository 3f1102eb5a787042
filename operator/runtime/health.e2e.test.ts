// Dead-watch detection and the health endpoints against the real API server (issue "Operator
// resilience under faults", item 4, and the cache-sync timeout of the hardening issue): a TCP
// proxy between the manager and the API server freezes its connections (a half-open connection:
// nothing arrives, nothing closes), the watch notices by its idle timeout and reconnects; when
// every connection hangs, /healthz fails with the reason; a kind that is not served never syncs,
// and /readyz says why, as does the log.
import { createServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { freePort } from '../../test/e2e/operator-process.ts';
import { e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from './client.ts';
import { enqueueSelf } from './handler.ts';
import type { KubeObject } from './key.ts';
import { createLogger } from './log.ts';
import { Manager } from './manager.ts';

let namespace: TestNamespace;
const client = new Client(e2eRest(), { fieldManager: 'health-e2e' });
const stops: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  namespace = await createTestNamespace(e2eKubeconfigPath(), 'op-health');
});
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});
afterAll(async () => {
  await namespace?.cleanup();
});

/** A TCP proxy to the API server that can freeze: existing connections go silent, new ones hang. */
async function freezableProxy(target: URL) {
  const sockets = new Set<Socket>();
  /** Freezes the connections open now: they stop carrying bytes and stay open. */
  const freezers = new Set<() => void>();
  let hangNew = false;
  const server: Server = createServer((downstream) => {
    sockets.add(downstream);
    downstream.on('close', () => sockets.delete(downstream));
    downstream.on('error', () => {});
    if (hangNew) return; // accepted, never answered
    let frozen = false;
    const freeze = () => {
      frozen = true;
    };
    freezers.add(freeze);
    const upstream = new NetSocket();
    upstream.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('error', () => downstream.destroy());
    downstream.on('data', (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!frozen) downstream.write(chunk);
    });
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => {
      freezers.delete(freeze);
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    /** Existing connections stop carrying bytes (and stay open); new ones still work. */
    freeze() {
      for (const freeze of freezers) freeze();
    },
    /** Every connection, old and new, hangs. */
    hangAll() {
      for (const freeze of freezers) freeze();
      hangNew = true;
    },
    thaw() {
      hangNew = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function kubeConfigVia(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(e2eKubeconfigPath());
  const cluster = kubeConfig.getCurrentCluster()!;
  kubeConfig.clusters = kubeConfig.clusters.map((c) => (c.name === cluster.name ? { ...c, server } : c));
  return kubeConfig;
}

async function startManager(
  kubeConfig: KubeConfig,
  watch: { apiVersion: string; kind: string },
  options: { idleTimeoutMs?: number; watchStallMs?: number; cacheSyncTimeoutMs?: number } = {},
) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const port = await freePort();
  const manager = new Manager({
    fieldManager: 'health-e2e',
    kubeConfig,
    log: createLogger({ level: 'info', destination }),
    healthAddress: `127.0.0.1:${port}`,
    handleSignals: false,
    watchStallMs: options.watchStallMs,
    cacheSyncTimeoutMs: options.cacheSyncTimeoutMs,
  });
  const informer = manager.informer<KubeObject>({
    ...watch,
    namespaces: [namespace.name],
    idleTimeoutMs: options.idleTimeoutMs,
  });
  manager.controller({ name: 'noop', watches: [{ informer, handler: enqueueSelf() }], reconcile: async () => ({}) });
  const running = manager.run();
  stops.push(async () => {
    await manager.stop();
    await running;
  });
  const base = `http://127.0.0.1:${port}`;
  const probe = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text() };
  };
  await eventually(async () => (await probe('/healthz').catch(() => undefined))?.status === 200, 'health server');
  return { manager, informer, lines, probe };
}

const configMap = (name: string, value: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: namespace.name },
  data: { value },
});

describe('dead watches and the health endpoints', () => {
  it('reconnects a watch that went silent (half-open) and fails /healthz while no watch can progress', async () => {
    const proxy = await freezableProxy(new URL(kubeConfigServer()));
    stops.push(proxy.close);
    const { informer, probe, manager, lines } = await startManager(
      kubeConfigVia(proxy.url),
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { idleTimeoutMs: 3_000, watchStallMs: 8_000 },
    );
    await informer.store.waitUntilReady(AbortSignal.timeout(30_000));
    expect((await probe('/readyz')).status).toBe(200);

    // Half-open: the watch's connection carries nothing any more, and nothing closes it.
    proxy.freeze();
    const frozenAt = Date.now();
    await client.apply(configMap('after-freeze', '1'), { force: true });
    await eventually(
      () => informer.store.get(`${namespace.name}/after-freeze`),
      'the change, over a new connection',
      60_000,
    ).catch((error) => {
      throw new Error(
        `${error}\n${lines
          .map((l) => JSON.stringify(l))
          .join('\n')
          .slice(-3_000)}`,
      );
    });
    const seconds = (Date.now() - frozenAt) / 1000;
    console.log(
      `health: a silent watch was replaced and delivered the change after ${seconds.toFixed(1)} s (idle timeout 3 s)`,
    );
    expect(await manager.metrics.expose()).toMatch(/msvc_watch_idle_timeouts_total\{resource="ConfigMap.v1"\} [1-9]/);

    // Nothing gets through at all: liveness fails, with the reason, and recovers with the network.
    proxy.hangAll();
    const dead = await eventually(
      async () => {
        const response = await probe('/healthz');
        return response.status === 503 ? response : undefined;
      },
      '/healthz to fail',
      60_000,
    );
    expect(dead.body).toMatch(/\[-\]watches failed: ConfigMap: no watch progress for \d+s/);
    proxy.thaw();
    await eventually(async () => (await probe('/healthz')).status === 200, '/healthz to pass again', 60_000).catch(
      (error) => {
        throw new Error(
          `${error}\n${lines
            .map((l) => JSON.stringify(l))
            .join('\n')
            .slice(-3_000)}`,
        );
      },
    );
  });

  it('fails /readyz with the reason, and logs it, when a cache never syncs', async () => {
    const { probe, lines } = await startManager(
      kubeConfigVia(kubeConfigServer()),
      { apiVersion: 'example.invalid/v1', kind: 'Missing' },
      { cacheSyncTimeoutMs: 2_000 },
    );
    await eventually(
      () => lines.find((l) => String(l['msg']).includes('did not sync')),
      'the sync timeout in the log',
      30_000,
    );
    const line = lines.find((l) => String(l['msg']).includes('did not sync'))!;
    expect(line).toMatchObject({ level: 'error', kind: 'Missing' });
    expect(String(line['reason'])).toMatch(/404|not served|NotFound/);
    const ready = await probe('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(
      /\[-\]cache-0-Missing failed: Missing: not synced after \d+s \(last error: .*(404|NotFound)/,
    );
    expect((await probe('/healthz')).status).toBe(200); // alive: not synced is not dead
  });
});

function kubeConfigServer(): string {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(e2eKubeconfigPath());
  return kubeConfig.getCurrentCluster()!.server;
}
