import { describe, expect, it } from 'vitest';
import { microService, withEnv, withGo, withResources } from '../../test/support/fixtures.ts';
import { renderAppContainer } from '../container.ts';
import { explain } from '../explain.ts';
import { goTuning } from './go.ts';

const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));
const limits = (l: { cpu?: string | number; memory?: string | number }) => withResources({ limits: l });
/** GOMEMLIMIT of the default resources: floor(128Mi × 0.9). */
const DEFAULT_GOMEMLIMIT = '120795955';

describe('Go tuning env', () => {
  const cases = [
    { name: 'no runtime.go: no tuning env', input: microService(limits({ cpu: '2', memory: '1Gi' })), want: [] },
    {
      name: 'default resources: GOMAXPROCS from the default CPU limit 1 (2 × 100m, rounded up), GOMEMLIMIT from the 128Mi limit',
      input: microService(withGo({ version: '1.24' })),
      want: env({ GOMAXPROCS: '1', GOMEMLIMIT: DEFAULT_GOMEMLIMIT }),
    },
    // The default CPU limit (max(1, ceil(2 × request))) is the limit the tuning follows
    {
      name: 'go 1.24, request 1500m, no limit given: the default CPU limit 3',
      input: microService(withGo({ version: '1.24' }), withResources({ requests: { cpu: '1500m' } })),
      want: env({ GOMAXPROCS: '3' }),
    },
    {
      name: 'go 1.26, request 1500m, no limit given: the runtime reads the default CPU limit 3 itself',
      input: microService(withGo({ version: '1.26' }), withResources({ requests: { cpu: '1500m' } })),
      want: [],
    },
    {
      name: 'go 1.24, defaultCPULimit alone: the default requests, no CPU limit, GOMAXPROCS from the 100m request',
      input: microService(withGo({ version: '1.24' }), withResources({ defaultCPULimit: false })),
      want: env({ GOMAXPROCS: '1', GOMEMLIMIT: DEFAULT_GOMEMLIMIT }),
    },
    // GOMAXPROCS
    {
      name: 'go 1.25 with go.mod 1.25: GOMAXPROCS unset (the runtime reads the cgroup limit)',
      input: microService(withGo({ version: '1.25' }), limits({ cpu: '1500m' })),
      want: [],
    },
    {
      name: 'go 1.27.1: GOMAXPROCS unset',
      input: microService(withGo({ version: '1.27.1', goModVersion: '1.26' }), limits({ cpu: '4' })),
      want: [],
    },
    {
      name: 'go 1.26 with GODEBUG=containermaxprocs=0 in spec.env: GOMAXPROCS from the limit (the runtime ignores the cgroup)',
      input: microService(
        withGo({ version: '1.26' }),
        limits({ cpu: '1500m' }),
        withEnv({ name: 'GODEBUG', value: 'madvdontneed=1,containermaxprocs=0' }),
      ),
      want: env({ GOMAXPROCS: '2' }),
    },
    {
      name: 'go 1.26 with another GODEBUG setting: GOMAXPROCS unset',
      input: microService(
        withGo({ version: '1.26' }),
        limits({ cpu: '1500m' }),
        withEnv({ name: 'GODEBUG', value: 'containermaxprocs=1' }),
      ),
      want: [],
    },
    {
      name: 'go 1.24, 250m: max(1, ceil(0.25)) = 1',
      input: microService(withGo({ version: '1.24' }), limits({ cpu: '250m' })),
      want: env({ GOMAXPROCS: '1' }),
    },
    {
      name: 'go 1.24, 1500m: 2',
      input: microService(withGo({ version: '1.24' }), limits({ cpu: '1500m' })),
      want: env({ GOMAXPROCS: '2' }),
    },
    {
      name: 'go 1.24, 2: 2',
      input: microService(withGo({ version: '1.24' }), limits({ cpu: '2' })),
      want: env({ GOMAXPROCS: '2' }),
    },
    {
      name: 'go 1.24, integer quantity 3: 3',
      input: microService(withGo({ version: '1.24' }), limits({ cpu: 3 })),
      want: env({ GOMAXPROCS: '3' }),
    },
    {
      name: 'go 1.24, a CPU limit above 1024 cores: capped at 1024, a plain integer',
      input: microService(withGo({ version: '1.24' }), limits({ cpu: '.51Ei' })),
      want: env({ GOMAXPROCS: '1024' }),
    },
    {
      name: 'go 1.24, 1e-3 cores: 1',
      input: microService(withGo({ version: '1.24' }), limits({ cpu: '1e-3' })),
      want: env({ GOMAXPROCS: '1' }),
    },
    {
      name: 'go 1.25 toolchain but go.mod 1.24: literal value (container-aware default stays off)',
      input: microService(withGo({ version: '1.25.3', goModVersion: '1.24' }), limits({ cpu: '1500m' })),
      want: env({ GOMAXPROCS: '2' }),
    },
    // No CPU limit (defaultCPULimit: false): from the request, for every Go version (docs/runtime-tuning.md)
    {
      name: 'go 1.22 without a CPU limit: ceil(request 2) = 2',
      input: microService(
        withGo({ version: '1.22' }),
        withResources({ requests: { cpu: '2' }, defaultCPULimit: false }),
      ),
      want: env({ GOMAXPROCS: '2' }),
    },
    {
      name: 'go 1.26 without a CPU limit: ceil(request 1500m) = 2 (the runtime reads only a limit)',
      input: microService(
        withGo({ version: '1.26' }),
        withResources({ requests: { cpu: '1500m' }, defaultCPULimit: false }),
      ),
      want: env({ GOMAXPROCS: '2' }),
    },
    {
      name: 'request 1m: at least 1',
      input: microService(
        withGo({ version: '1.26' }),
        withResources({ requests: { cpu: '1m' }, defaultCPULimit: false }),
      ),
      want: env({ GOMAXPROCS: '1' }),
    },
    {
      name: 'request above 1024 cores: capped at 1024',
      input: microService(
        withGo({ version: '1.26' }),
        withResources({ requests: { cpu: '2000' }, defaultCPULimit: false }),
      ),
      want: env({ GOMAXPROCS: '1024' }),
    },
    {
      name: 'a CPU limit beats the request: go 1.24 takes the limit',
      input: microService(
        withGo({ version: '1.24' }),
        withResources({ requests: { cpu: '500m' }, limits: { cpu: '3' } }),
      ),
      want: env({ GOMAXPROCS: '3' }),
    },
    {
      name: 'no CPU limit and no CPU request: unset (the runtime counts the CPUs)',
      input: microService(withGo({ version: '1.24' }), withResources({ requests: { memory: '64Mi' } })),
      want: [],
    },
    {
      name: "maxProcs 'auto' is the default",
      input: microService(withGo({ version: '1.23', maxProcs: 'auto' }), limits({ cpu: '500m' })),
      want: env({ GOMAXPROCS: '1' }),
    },
    {
      name: 'explicit maxProcs on go 1.25: always set',
      input: microService(withGo({ version: '1.25', maxProcs: 4 }), limits({ cpu: '1' })),
      want: env({ GOMAXPROCS: '4' }),
    },
    {
      name: 'explicit maxProcs without a CPU limit: always set',
      input: microService(withGo({ version: '1.21', maxProcs: 3 }), withResources({})),
      want: env({ GOMAXPROCS: '3' }),
    },
    // GOMEMLIMIT
    {
      name: '512Mi at the default 90%: floor(536870912 × 0.9) = 483183820',
      input: microService(withGo({ version: '1.25' }), limits({ memory: '512Mi' })),
      want: env({ GOMEMLIMIT: '483183820' }),
    },
    {
      name: '1Gi at 95%: floor(1073741824 × 0.95) = 1020054732',
      input: microService(withGo({ version: '1.25', memoryLimitPercent: 95 }), limits({ memory: '1Gi' })),
      want: env({ GOMEMLIMIT: '1020054732' }),
    },
    {
      name: '1G (decimal) at 100%',
      input: microService(withGo({ version: '1.25', memoryLimitPercent: 100 }), limits({ memory: '1G' })),
      want: env({ GOMEMLIMIT: '1000000000' }),
    },
    {
      name: 'no memory limit: GOMEMLIMIT unset',
      input: microService(withGo({ version: '1.25' }), withResources({ requests: { memory: '1Gi' } })),
      want: [],
    },
    // GOGC
    {
      name: 'gcPercent set: GOGC',
      input: microService(withGo({ version: '1.25', gcPercent: 200 }), limits({ memory: '512Mi' })),
      want: env({ GOMEMLIMIT: '483183820', GOGC: '200' }),
    },
    {
      name: "gcPercent 'off': GOGC=off",
      input: microService(withGo({ version: '1.25', gcPercent: 'off' }), limits({ memory: '512Mi' })),
      want: env({ GOMEMLIMIT: '483183820', GOGC: 'off' }),
    },
    {
      name: 'all three, in a fixed order',
      input: microService(withGo({ version: '1.24', gcPercent: 50 }), limits({ cpu: '1', memory: '512Mi' })),
      want: env({ GOMAXPROCS: '1', GOMEMLIMIT: '483183820', GOGC: '50' }),
    },
    // The user wins
    {
      name: 'a user variable of the same name wins over every rule',
      input: microService(
        withGo({ version: '1.24', maxProcs: 8, gcPercent: 50 }),
        limits({ cpu: '1', memory: '512Mi' }),
        withEnv({ name: 'GOMAXPROCS', value: '6' }, { name: 'GOGC', value: '300' }),
      ),
      want: env({ GOMEMLIMIT: '483183820' }),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(goTuning(input.spec).env).toStrictEqual(want));

  it('the rendered container carries the user value, once', () => {
    const ms = microService(
      withGo({ version: '1.24' }),
      limits({ cpu: '1', memory: '512Mi' }),
      withEnv({ name: 'GOMEMLIMIT', value: '400MiB' }),
    );
    expect(renderAppContainer(ms)['env']).toStrictEqual(env({ GOMEMLIMIT: '400MiB', GOMAXPROCS: '1' }));
  });

  it('the explanation says the user value wins', () => {
    const ms = microService(withGo({ version: '1.24' }), withEnv({ name: 'GOMEMLIMIT', value: '400MiB' }));
    const e = explain(ms).find((x) => x.field === 'env GOMEMLIMIT');
    expect(e?.value).toBe('(unset)');
    expect(e?.reason).toMatch(/set in spec\.env, which always wins/);
  });

  it('every decision is explained, also the ones that render nothing', () => {
    const ms = microService(withGo({ version: '1.25' }), withResources({}));
    expect(
      explain(ms)
        .filter((e) => e.field.startsWith('env '))
        .map((e) => [e.field, e.value]),
    ).toStrictEqual([
      ['env GOMAXPROCS', '(unset)'],
      ['env GOMEMLIMIT', '(unset)'],
      ['env GOGC', '(unset)'],
    ]);
  });

  it('explains GOMAXPROCS from the request, with its source', () => {
    const ms = microService(
      withGo({ version: '1.26' }),
      withResources({ requests: { cpu: '1500m' }, defaultCPULimit: false }),
    );
    const e = explain(ms).find((x) => x.field === 'env GOMAXPROCS');
    expect(e?.value).toBe('2');
    expect(e?.reason).toMatch(
      /^no CPU limit, .* max\(1, ceil\(CPU request 1500m\)\) = 2, what the downward API's requests\.cpu would give/,
    );
    expect(e?.source).toMatch(/convertResourceCPUToString/);
  });

  it('no runtime.go: no tuning explanations', () => {
    expect(explain(microService()).filter((e) => e.field.startsWith('env '))).toStrictEqual([]);
  });
});
