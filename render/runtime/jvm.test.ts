import { describe, expect, it } from 'vitest';
import { microService, withEnv, withJvm, withMesh, withResources, withSpec } from '../../test/support/fixtures.ts';
import { renderAppContainer } from '../container.ts';
import { explain } from '../explain.ts';
import { hasContainerSupport, jvmTuning, parseJdk, readsCgroupV2 } from './jvm.ts';

const limits = (l: { cpu?: string | number; memory?: string | number }) => withResources({ limits: l });
const opts = (value: string) => [{ name: 'JAVA_TOOL_OPTIONS', value }];
const PERCENT75 = '-XX:MaxRAMPercentage=75.0 -XX:MinRAMPercentage=75.0';

describe('JDK version boundaries', () => {
  // JDK-8146115: container support (cgroup v1, MaxRAMPercentage, ActiveProcessorCount) in 10 and 8u191.
  // JDK-8230305: cgroup v2 in 15, backported to 11.0.16 and 8u372.
  const cases: [string, boolean, boolean][] = [
    ['8', false, false],
    ['8u181', false, false],
    ['8u191', true, false],
    ['8u362', true, false],
    ['8u372', true, true],
    ['9', false, false],
    ['10', true, false],
    ['11', true, false],
    ['11.0.15', true, false],
    ['11.0.16', true, true],
    ['11.0.22', true, true],
    ['12', true, false],
    ['14.0.2', true, false],
    ['15', true, true],
    ['17', true, true],
    ['21.0.2', true, true],
    ['25', true, true],
  ];
  it.each(cases)('JDK %s: container support %s, cgroup v2 %s', (version, support, v2) => {
    expect([hasContainerSupport(parseJdk(version)), readsCgroupV2(parseJdk(version))]).toStrictEqual([support, v2]);
  });
});

describe('JVM tuning env', () => {
  const cases = [
    {
      name: 'JDK 21 reads cgroup v2: MaxRAMPercentage and MinRAMPercentage, no CPU flag under a limit',
      input: microService(withJvm({ version: '21' }), limits({ cpu: '2', memory: '512Mi' })),
      want: opts(PERCENT75),
    },
    {
      name: 'JDK 15: MaxRAMPercentage',
      input: microService(withJvm({ version: '15' }), limits({ cpu: '2', memory: '512Mi' })),
      want: opts(PERCENT75),
    },
    {
      name: 'JDK 14 (cgroup v1 only): explicit -Xmx and ActiveProcessorCount',
      input: microService(withJvm({ version: '14' }), limits({ cpu: '1500m', memory: '512Mi' })),
      want: opts('-Xmx384m -XX:ActiveProcessorCount=2'),
    },
    {
      name: 'JDK 11.0.15 (cgroup v1 only): explicit flags',
      input: microService(withJvm({ version: '11.0.15' }), limits({ cpu: '1500m', memory: '512Mi' })),
      want: opts('-Xmx384m -XX:ActiveProcessorCount=2'),
    },
    {
      name: 'JDK 11 without an update is taken as 11.0.0: explicit flags',
      input: microService(withJvm({ version: '11' }), limits({ cpu: '3', memory: '1Gi' })),
      want: opts('-Xmx768m -XX:ActiveProcessorCount=3'),
    },
    {
      name: 'JDK 11.0.16: MaxRAMPercentage',
      input: microService(withJvm({ version: '11.0.16' }), limits({ cpu: '1500m', memory: '512Mi' })),
      want: opts(PERCENT75),
    },
    {
      name: 'JDK 8u362: explicit flags',
      input: microService(withJvm({ version: '8u362' }), limits({ cpu: '500m', memory: '512Mi' })),
      want: opts('-Xmx384m -XX:ActiveProcessorCount=1'),
    },
    {
      name: 'JDK 8u372: MaxRAMPercentage',
      input: microService(withJvm({ version: '8u372' }), limits({ cpu: '500m', memory: '512Mi' })),
      want: opts(PERCENT75),
    },
    {
      name: 'JDK 8u181 (no container support, no ActiveProcessorCount flag): -Xmx only',
      input: microService(withJvm({ version: '8u181' }), limits({ cpu: '500m', memory: '512Mi' })),
      want: opts('-Xmx384m'),
    },
    {
      name: 'JDK 8 without an update: -Xmx only',
      input: microService(withJvm({ version: '8' }), limits({ cpu: '4', memory: '2Gi' })),
      want: opts('-Xmx1536m'),
    },
    {
      name: 'heapPercent 60 of 1Gi on JDK 17',
      input: microService(withJvm({ version: '17', heapPercent: 60 }), limits({ cpu: '1', memory: '1Gi' })),
      want: opts('-XX:MaxRAMPercentage=60.0 -XX:MinRAMPercentage=60.0'),
    },
    {
      name: 'a decimal limit that is no whole MiB: -Xmx in KiB, floored',
      input: microService(withJvm({ version: '11.0.15' }), limits({ cpu: '1', memory: '1G' })),
      want: opts('-Xmx732421k -XX:ActiveProcessorCount=1'),
    },
    {
      name: 'no CPU limit: ActiveProcessorCount from the request, also on JDK 21',
      input: microService(
        withJvm({ version: '21' }),
        withResources({ requests: { cpu: '1500m' }, limits: { memory: '1Gi' }, defaultCPULimit: false }),
      ),
      want: opts(`${PERCENT75} -XX:ActiveProcessorCount=2`),
    },
    {
      name: 'default resources (request 100m, limit 128Mi, CPU limit 1): JDK 25 counts the limit itself',
      input: microService(withJvm({ version: '25' })),
      want: opts(PERCENT75),
    },
    {
      name: 'default resources without a CPU limit: ActiveProcessorCount from the 100m request',
      input: microService(withJvm({ version: '25' }), withResources({ defaultCPULimit: false })),
      want: opts(`${PERCENT75} -XX:ActiveProcessorCount=1`),
    },
    {
      name: 'JDK 14 (cgroup v1 only), request 1500m: ActiveProcessorCount from the default CPU limit 3',
      input: microService(
        withJvm({ version: '14' }),
        withResources({ requests: { cpu: '1500m' }, limits: { memory: '1Gi' } }),
      ),
      want: opts('-Xmx768m -XX:ActiveProcessorCount=3'),
    },
    {
      name: 'no memory limit: no heap flag',
      input: microService(
        withJvm({ version: '17' }),
        withResources({ requests: { cpu: '2', memory: '1Gi' }, defaultCPULimit: false }),
      ),
      want: opts('-XX:ActiveProcessorCount=2'),
    },
    {
      name: 'no limits and no CPU request: nothing',
      input: microService(withJvm({ version: '17' }), withResources({ requests: { memory: '1Gi' } })),
      want: [],
    },
    {
      name: 'activeProcessorCount given: always set',
      input: microService(withJvm({ version: '21', activeProcessorCount: 3 }), limits({ cpu: '1', memory: '512Mi' })),
      want: opts(`${PERCENT75} -XX:ActiveProcessorCount=3`),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(jvmTuning(input.spec).env).toStrictEqual(want));
});

describe('JVM flags the user set win', () => {
  const base = [withJvm({ version: '17' }), limits({ cpu: '2', memory: '512Mi' })] as const;
  const cases = [
    {
      name: 'other flags in JAVA_TOOL_OPTIONS are kept verbatim, ours appended, in the same place',
      env: [
        { name: 'A', value: '1' },
        { name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseG1GC  -Dfile.encoding=UTF-8' },
        { name: 'B', value: '2' },
      ],
      want: [
        { name: 'A', value: '1' },
        { name: 'JAVA_TOOL_OPTIONS', value: `-XX:+UseG1GC  -Dfile.encoding=UTF-8 ${PERCENT75}` },
        { name: 'B', value: '2' },
      ],
    },
    {
      name: '-Xmx in JAVA_TOOL_OPTIONS: the heap is theirs, nothing else to add here',
      env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx300m' }],
      want: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx300m' }],
    },
    {
      name: 'MaxRAMPercentage alone counts as theirs too',
      env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAMPercentage=50' }],
      want: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAMPercentage=50' }],
    },
    {
      name: '-XX:-UseContainerSupport: explicit -Xmx and ActiveProcessorCount even on JDK 17',
      env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:-UseContainerSupport' }],
      want: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:-UseContainerSupport -Xmx384m -XX:ActiveProcessorCount=2' }],
    },
    {
      name: 'a heap flag in JDK_JAVA_OPTIONS (read after JAVA_TOOL_OPTIONS) is theirs: no JAVA_TOOL_OPTIONS at all',
      env: [{ name: 'JDK_JAVA_OPTIONS', value: '-Xms64m -Xmx1g' }],
      want: [{ name: 'JDK_JAVA_OPTIONS', value: '-Xms64m -Xmx1g' }],
    },
    {
      name: 'JAVA_TOOL_OPTIONS from a ConfigMap: nothing added',
      env: [{ name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } }],
      want: [{ name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } }],
    },
  ];
  it.each(cases)('$name', ({ env, want }) => {
    expect(renderAppContainer(microService(...base, withEnv(...env)))['env']).toStrictEqual(want);
  });

  it('a heap flag on the command line is theirs', () => {
    const ms = microService(...base, withSpec({ command: ['java'], args: ['-Xmx300m', '-jar', '/app.jar'] }));
    expect(renderAppContainer(ms)['env']).toBeUndefined();
    expect(explain(ms).find((e) => e.field === 'env JAVA_TOOL_OPTIONS -Xmx')?.reason).toBe(
      '-Xmx300m is set in spec.args: the heap is yours, nothing added',
    );
  });

  it('a mesh proxy changes nothing: the heap is sized from the app container alone', () => {
    const proxy = { resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } } };
    const without = renderAppContainer(
      microService(withJvm({ version: '11.0.15' }), limits({ cpu: '1', memory: '512Mi' })),
    );
    for (const mesh of [
      { provider: 'istio', proxy },
      { provider: 'linkerd', mode: 'native-sidecar', proxy },
    ] as const) {
      const withMeshed = renderAppContainer(
        microService(withJvm({ version: '11.0.15' }), limits({ cpu: '1', memory: '512Mi' }), withMesh(mesh)),
      );
      expect(withMeshed['env']).toStrictEqual(without['env']);
    }
    expect(without['env']).toStrictEqual(opts('-Xmx384m -XX:ActiveProcessorCount=1'));
  });
});

describe('JVM explanations', () => {
  const fields = (ms: ReturnType<typeof microService>) =>
    explain(ms)
      .filter((e) => e.field.startsWith('env '))
      .map((e) => [e.field, e.value]);

  it('each flag with its value, and the variable as rendered', () => {
    expect(
      fields(microService(withJvm({ version: '11.0.15' }), limits({ cpu: '1500m', memory: '512Mi' }))),
    ).toStrictEqual([
      ['env JAVA_TOOL_OPTIONS -Xmx', '-Xmx384m'],
      ['env JAVA_TOOL_OPTIONS -XX:ActiveProcessorCount', '-XX:ActiveProcessorCount=2'],
      ['env JAVA_TOOL_OPTIONS', '-Xmx384m -XX:ActiveProcessorCount=2'],
    ]);
  });

  it('cites the JDK bug each decision rests on', () => {
    const e = explain(microService(withJvm({ version: '11.0.15' }), limits({ cpu: '1', memory: '512Mi' })));
    const xmx = e.find((x) => x.field === 'env JAVA_TOOL_OPTIONS -Xmx');
    expect(xmx?.reason).toBe(
      "JDK 11.0.15 reads only cgroup v1 limits; on a cgroup v2 node it would size the heap from the node's memory: an explicit 75% of the memory limit 512Mi = 384 MiB",
    );
    expect(xmx?.source).toMatch(/^JDK-8230305 /);
    const apc = explain(microService(withJvm({ version: '21' }), limits({ cpu: '1', memory: '512Mi' }))).find(
      (x) => x.field === 'env JAVA_TOOL_OPTIONS -XX:ActiveProcessorCount',
    );
    expect(apc).toMatchObject({ value: '(unset)', source: expect.stringMatching(/^JDK-8230305/) });
    const minRam = explain(microService(withJvm({ version: '21' }))).find(
      (x) => x.field === 'env JAVA_TOOL_OPTIONS -XX:MinRAMPercentage',
    );
    expect(minRam?.source).toMatch(/arguments\.cpp/);
  });

  it('says what was kept and what was added', () => {
    const ms = microService(
      withJvm({ version: '17' }),
      limits({ cpu: '2', memory: '512Mi' }),
      withEnv({ name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseZGC' }),
    );
    expect(explain(ms).find((e) => e.field === 'env JAVA_TOOL_OPTIONS')).toMatchObject({
      value: `-XX:+UseZGC ${PERCENT75}`,
      reason: `kept as set in spec.env: -XX:+UseZGC; added: ${PERCENT75}`,
    });
  });

  it('from a ConfigMap: each flag says it was not added', () => {
    const ms = microService(
      withJvm({ version: '11.0.15' }),
      limits({ cpu: '1', memory: '512Mi' }),
      withEnv({ name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } }),
    );
    expect(fields(ms)).toStrictEqual([
      ['env JAVA_TOOL_OPTIONS -Xmx', '(unset)'],
      ['env JAVA_TOOL_OPTIONS -XX:ActiveProcessorCount', '(unset)'],
      ['env JAVA_TOOL_OPTIONS', '(unset)'],
    ]);
    expect(explain(ms).find((e) => e.field === 'env JAVA_TOOL_OPTIONS -Xmx')?.reason).toMatch(
      /^not added: JAVA_TOOL_OPTIONS comes from configMapKeyRef \(the rule would have added -Xmx384m/,
    );
  });
});
