// The operations endpoint: /healthz (the process is alive and its watches make progress), /readyz
// (every cache has synced; leadership is not required, so a standby replica is ready and a
// rollout can proceed),
// /metrics (Prometheus text). One small HTTP server, because kubelet probes and Prometheus
// scrapes are all it serves.
import type { AddressInfo } from 'node:net';
import type { OperatorMetrics } from './metrics.ts';
import { http } from './node-http.ts';

export interface HealthServerOptions {
  /**
   * `host:port` to listen on; port 0 picks a free one.
   * @default '0.0.0.0:8080'
   */
  readonly address?: string;
  readonly metrics: OperatorMetrics;
  /** Named checks for /readyz; ready when all return true. */
  readonly readyChecks?: Readonly<Record<string, Check>>;
  /** Named checks for /healthz; healthy when all return true. */
  readonly healthChecks?: Readonly<Record<string, Check>>;
}

/** A health check: true passes; false or a string (why) fails. */
export type Check = () => boolean | string;

export interface HealthServer {
  /** Where it listens (the real port when asked for 0). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Splits `host:port` (`:8080` and `[::1]:8080` too). */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = colon <= 0 ? '0.0.0.0' : address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid listen address ${address}`);
  return { host, port };
}

function runChecks(checks: Readonly<Record<string, Check>>): { ok: boolean; body: string } {
  const lines: string[] = [];
  let ok = true;
  for (const [name, check] of Object.entries(checks)) {
    let result: boolean | string = false;
    try {
      result = check();
    } catch (error) {
      result = `check threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    const passed = result === true;
    ok &&= passed;
    // The Kubernetes components' format ([+]name ok / [-]name failed: reason).
    lines.push(
      `[${passed ? '+' : '-'}]${name} ${passed ? 'ok' : `failed${typeof result === 'string' ? `: ${result}` : ''}`}`,
    );
  }
  return { ok, body: `${lines.join('\n')}${lines.length ? '\n' : ''}${ok ? 'ok' : 'failed'}\n` };
}

/** Starts listening; resolves once bound. */
export function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { host, port } = parseAddress(options.address ?? '0.0.0.0:8080');
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const checks = path === '/healthz' ? options.healthChecks : path === '/readyz' ? options.readyChecks : undefined;
    if (path === '/healthz' || path === '/readyz') {
      const { ok, body } = runChecks(checks ?? {});
      response.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
      return;
    }
    if (path === '/metrics') {
      options.metrics.expose().then(
        (text) => response.writeHead(200, { 'Content-Type': options.metrics.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    response.writeHead(404).end('not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      resolve({
        address: { host, port: bound.port },
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
