/**
 * An HTTP proxy in the test process between a client (a watcher, the operator) and the real API
 * server, which sees each request (TLS ends here; it goes on to the API server over TLS with the
 * e2e kubeconfig's credentials) and can misbehave on watches only, while lists and writes pass:
 *
 *   startWatchProxy(kubeconfigPath): Promise<WatchProxy>
 *     url            http://127.0.0.1:<port>, no credentials needed
 *     kubeconfig()   a KubeConfig for the proxy; writeKubeconfig(dir) the same as a file (for a process)
 *     watches        every watch request seen: { path, at, cutAt? } in arrival order
 *     cutWatches(on) while on, a watch stream is cut (the TCP connection reset) right after the
 *                    first chunk of events the API server sent on it: a watch that opens, delivers
 *                    and drops, a flapping watch
 *     hold(match)    watch streams whose path matches stop delivering (their events are queued,
 *                    the connection stays open: a cache that is behind); release() delivers them
 *     close()
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface ProxiedWatch {
  readonly path: string;
  /** When the request reached the proxy (ms since the epoch). */
  readonly at: number;
  /** When the proxy cut it, if it did. */
  cutAt?: number;
}

export interface WatchProxy {
  readonly url: string;
  readonly watches: readonly ProxiedWatch[];
  kubeconfig(): KubeConfig;
  writeKubeconfig(): string;
  cutWatches(on: boolean): void;
  hold(match: (path: string) => boolean): void;
  release(): void;
  close(): Promise<void>;
}

const isWatch = (url: URL) => ['true', '1'].includes(url.searchParams.get('watch') ?? '');

export async function startWatchProxy(kubeconfigPath: string): Promise<WatchProxy> {
  const upstreamConfig = new KubeConfig();
  upstreamConfig.loadFromFile(kubeconfigPath);
  const target = new URL(upstreamConfig.getCurrentCluster()!.server);
  const tls: https.RequestOptions = {};
  await upstreamConfig.applyToHTTPSOptions(tls);
  const agent = new https.Agent({ keepAlive: true });

  const watches: ProxiedWatch[] = [];
  const sockets = new Set<Socket>();
  let cutting = false;
  let held: ((path: string) => boolean) | undefined;
  /** Open watch streams: how to deliver what they queued while held. */
  const open = new Set<{ path: string; flush: () => void }>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const watch: ProxiedWatch | undefined = isWatch(url) ? { path: url.pathname, at: Date.now() } : undefined;
    if (watch) watches.push(watch);
    const headers = { ...req.headers, ...(tls.headers as Record<string, string> | undefined), host: target.host };
    const upstream = https.request(
      {
        ...tls,
        agent,
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!watch) {
          answer.pipe(res);
          return;
        }
        const queue: Buffer[] = [];
        let done = false;
        const forward = (chunk: Buffer) => {
          if (done) return;
          if (cutting && chunk.includes(0x0a)) {
            // The whole chunk goes out, then the connection is reset, not ended: an error, not a
            // normal end of the watch (which the watcher resumes at once, as client-go does).
            done = true;
            res.write(chunk, () => {
              watch.cutAt = Date.now();
              res.socket?.resetAndDestroy();
              answer.destroy();
            });
            return;
          }
          res.write(chunk);
        };
        const stream = {
          path: url.pathname,
          flush: () => {
            while (queue.length > 0 && !(held?.(url.pathname) ?? false)) forward(queue.shift()!);
          },
        };
        open.add(stream);
        answer.on('data', (chunk: Buffer) => {
          if (held?.(url.pathname) || queue.length > 0) queue.push(chunk);
          else forward(chunk);
          stream.flush();
        });
        answer.on('end', () => {
          open.delete(stream);
          if (!done) res.end();
        });
        answer.on('error', () => res.destroy());
        res.on('close', () => {
          open.delete(stream);
          answer.destroy();
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const kubeconfig = () => {
    const config = new KubeConfig();
    config.loadFromOptions({
      // client-node refuses an http:// server unless TLS verification is off (there is no TLS to verify).
      clusters: [{ name: 'watch-proxy', server: url, skipTLSVerify: true }],
      users: [{ name: 'watch-proxy' }],
      contexts: [{ name: 'watch-proxy', cluster: 'watch-proxy', user: 'watch-proxy' }],
      currentContext: 'watch-proxy',
    });
    return config;
  };
  return {
    url,
    watches,
    kubeconfig,
    writeKubeconfig() {
      const path = join(mkdtempSync(join(tmpdir(), 'watch-proxy-')), 'kubeconfig');
      writeFileSync(path, kubeconfig().exportConfig());
      return path;
    },
    cutWatches(on) {
      cutting = on;
    },
    hold(match) {
      held = match;
    },
    release() {
      held = undefined;
      for (const stream of open) stream.flush();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
