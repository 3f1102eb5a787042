// The write guard (leader election's fence): checked right before a write is sent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FencedError, KubeRest } from './rest.ts';

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
