// spec.strategy, minReadySeconds, progressDeadlineSeconds, revisionHistoryLimit: spec in, Deployment out.
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../api/index.ts';
import { microService, withSpec } from '../test/support/fixtures.ts';
import { renderDeployment } from './deployment.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

const specOf = (fields: Parameters<typeof withSpec>[0]) =>
  renderDeployment(microService(withSpec(fields)), DEFAULT_RENDER_CONFIG)['spec'] as Record<string, unknown>;

describe('rollout fields', () => {
  const cases = [
    {
      name: 'default: surge 25%, never below the desired count, API defaults left to the API',
      fields: {},
      want: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } },
    },
    {
      name: 'maxUnavailable only: maxSurge keeps its default',
      fields: { strategy: { rollingUpdate: { maxUnavailable: '50%' } } },
      want: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '50%' } } },
    },
    {
      name: 'Recreate: no rollingUpdate block',
      fields: { strategy: { type: 'Recreate' as const } },
      want: { strategy: { type: 'Recreate' } },
    },
    {
      name: 'minReadySeconds, progressDeadlineSeconds and revisionHistoryLimit as given',
      fields: { minReadySeconds: 10, progressDeadlineSeconds: 120, revisionHistoryLimit: 3 },
      want: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        minReadySeconds: 10,
        progressDeadlineSeconds: 120,
        revisionHistoryLimit: 3,
      },
    },
  ];
  it.each(cases)('$name', ({ fields, want }) => {
    const spec = specOf(fields);
    const { replicas: _r, selector: _s, template: _t, ...rest } = spec;
    expect(rest).toStrictEqual(want);
  });

  const invalid = [
    { name: 'Recreate with rollingUpdate', fields: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } },
    { name: 'maxSurge 0 with the default maxUnavailable 0', fields: { strategy: { rollingUpdate: { maxSurge: 0 } } } },
    { name: 'maxUnavailable above 100%', fields: { strategy: { rollingUpdate: { maxUnavailable: '150%' } } } },
    { name: 'deadline not above minReady', fields: { minReadySeconds: 30, progressDeadlineSeconds: 30 } },
    { name: 'minReady above the default deadline', fields: { minReadySeconds: 900 } },
  ];
  it.each(invalid)('rejects $name', ({ fields }) => {
    expect(parseSpec({ image: 'x:1', ...fields }).ok).toBe(false);
  });
});
