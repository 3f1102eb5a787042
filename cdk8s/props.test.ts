import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DEFAULTS, type MicroServiceSpec } from '../api/index.ts';
import type { MicroServiceProps } from './props.ts';

describe('MicroServiceProps', () => {
  it('has exactly the spec fields, plus metadata', () => {
    expectTypeOf<Exclude<keyof MicroServiceProps, 'metadata'>>().toEqualTypeOf<keyof MicroServiceSpec>();
    // Every spec is valid props (serviceAccount additionally takes a cdk8s-plus ServiceAccount).
    expectTypeOf<MicroServiceSpec>().toExtend<MicroServiceProps>();
  });

  // The `@default` lines state what api/defaults.ts applies; this keeps them from drifting.
  const source = readFileSync(new URL('./props.ts', import.meta.url), 'utf8');
  /** The `@default` line of the JSDoc block right above `readonly <field>?`. */
  const defaultOf = (field: string) => {
    const at = source.indexOf(`readonly ${field}?`);
    const doc = source.slice(source.lastIndexOf('/**', at), at);
    return /@default ([^\n]*(?:\n\s*\*(?! @)[^\n]*)*)/.exec(doc)?.[1] ?? '';
  };
  const cases = [
    { field: 'replicas', want: [String(DEFAULTS.replicas)] },
    {
      field: 'resources',
      want: [DEFAULTS.resources.requests.cpu, DEFAULTS.resources.requests.memory, DEFAULTS.resources.limits.memory],
    },
    {
      field: 'shutdown',
      want: [
        `preStopSleepSeconds ${DEFAULTS.shutdown.preStopSleepSeconds}`,
        `timeoutSeconds ${DEFAULTS.shutdown.timeoutSeconds}`,
      ],
    },
    { field: 'disruption', want: [`maxUnavailable ${DEFAULTS.disruption.maxUnavailable}`] },
  ];
  it.each(cases)('@default of $field states api/defaults.ts', ({ field, want }) => {
    const stated = defaultOf(field);
    for (const value of want) expect(stated).toContain(value);
  });
});
