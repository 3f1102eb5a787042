import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('../microservice/app.ts', import.meta.url));

describe('node:http without its ESM namespace', () => {
  it('is the module itself', async () => {
    const { http } = await import('./node-http.ts');
    expect(typeof http.createServer).toBe('function');
    expect(typeof http.request).toBe('function');
  });

  it('keeps undici (fetch, WebSocket) out of the operator: nothing it loads builds the namespace of node:http', () => {
    // A fresh process: vitest itself has loaded undici in this one.
    const loaded = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(app)}); console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))))`,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(loaded)).toEqual([]);
  });
});
