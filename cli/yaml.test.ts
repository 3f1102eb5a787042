import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from './yaml.ts';

describe('YAML for kubectl', () => {
  it.each(['off', 'on', 'yes', 'no', 'y', 'n'])('quotes %s so YAML 1.1 readers keep it a string', (word) => {
    const text = toYaml({ env: [{ name: 'GOGC', value: word }] });
    expect(text).toContain(`"${word}"`);
    expect(parse(text, { version: '1.1' }).env[0].value).toBe(word);
  });
});
