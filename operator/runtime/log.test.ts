import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, keyLogger } from './log.ts';

describe('log', () => {
  it('writes JSON lines and puts the key on every line of a key logger', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const log = keyLogger(createLogger({ level: 'info', destination }), 'shop/order', { controller: 'msvc' });
    log.info('reconciled');
    log.debug('dropped below level');
    log.warn({ attempt: 2 }, 'retrying');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    for (const record of records) expect(record).toMatchObject({ key: 'shop/order', controller: 'msvc' });
    expect(records[0]).toMatchObject({ level: 'info', msg: 'reconciled', name: 'msvc-operator' });
    expect(records[1]).toMatchObject({ level: 'warn', attempt: 2 });
  });
});
