import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartNodeFlags } from './cluster-env.ts';
import { repoRoot } from './harness.ts';

describe('chartNodeFlags', () => {
  it("are the chart's default nodeFlags, so the cluster benchmarks run the operator as the chart does", () => {
    const values = readFileSync(join(repoRoot, 'charts/microservice-operator/values.yaml'), 'utf8');
    const line = /^nodeFlags: (.*)$/m.exec(values)?.[1];
    expect(line).toBeDefined();
    expect(chartNodeFlags()).toEqual(JSON.parse(line as string));
    expect(chartNodeFlags()).toContain('--lite-mode');
  });
});
