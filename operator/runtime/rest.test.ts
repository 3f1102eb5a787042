// The write guard (leader election's fence): checked right before a write is sent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FencedError, KubeRest, readAll } from './rest.ts';

describe('KubeRest write guard', () => {
  it('refuses writes it guards before they are sent, and lets reads and unfenced writes through', async () => {
    const seen: string[] = [];
    const server = createServer((request, response) => {
      seen.push(`${request.method} ${request.headers['user-agent']}`);
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const rest = new KubeRest({
      getCurrentCluster: () => ({ server: `http://127.0.0.1:${port}` }),
      applyToHTTPSOptions: async () => {},
    });
    rest.userAgent = 'msvc-operator (test)';
    let leading = true;
    rest.writeGuard = (request) => {
      if (!leading) throw new FencedError(`${request.method} ${request.path}: not the leader`);
    };
    try {
      await rest.request({ method: 'POST', path: '/api/v1/namespaces/a/configmaps', body: {} });
      leading = false;
      await expect(rest.request({ method: 'PATCH', path: '/x', body: {} })).rejects.toBeInstanceOf(FencedError);
      await expect(rest.request({ method: 'DELETE', path: '/x' })).rejects.toThrow(/not the leader/);
      await rest.request({ method: 'GET', path: '/x' });
      await rest.request({ method: 'PUT', path: '/lease', body: {}, unfenced: true });
      expect(seen).toEqual(['POST msvc-operator (test)', 'GET msvc-operator (test)', 'PUT msvc-operator (test)']);
    } finally {
      server.close();
    }
  });
});

describe('readAll (a response body)', () => {
  // Node's https.Agent keeps each keep-alive socket's first response for the socket's life: a
  // listener left on it would keep the whole body (rest.ts).
  it('reads every chunk, then leaves no listener that could hold them', async () => {
    const body = new PassThrough();
    const read = readAll(body);
    body.write('{"items":[');
    body.end('1,2]}');
    expect(await read).toBe('{"items":[1,2]}');
    for (const event of ['data', 'end', 'error']) expect(body.listenerCount(event), event).toBe(0);
  });

  it('rejects with the stream error, and lets go as well', async () => {
    const body = new PassThrough();
    const read = readAll(body);
    body.write('{"items":[');
    body.destroy(new Error('socket hang up'));
    await expect(read).rejects.toThrow('socket hang up');
    for (const event of ['data', 'end', 'error']) expect(body.listenerCount(event), event).toBe(0);
  });
});
