import { describe, expect, it } from 'vitest';
import { microService, withEnv, withMesh, withNode, withResources } from '../../test/support/fixtures.ts';
import { renderAppContainer } from '../container.ts';
import { explain } from '../explain.ts';
import { nodeDefaultOldSpace, nodeTuning, parseNode, youngGeneration } from './node.ts';
import { MIB } from './shared.ts';

const limits = (l: { cpu?: string | number; memory?: string | number }) => withResources({ limits: l });
const oldSpace = (mib: number) => [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${mib}` }];
const mi = (n: number) => BigInt(n) * MIB;

describe('young generation by Node line and memory limit (3 × semi-space)', () => {
  // Measured with Node 20.20, 22.23 and 24.21 under cgroup memory limits (docs/runtime-tuning.md).
  const cases: [string, number, number][] = [
    ['22', 128, 3],
    ['22', 512, 3],
    ['22', 513, 12],
    ['22', 1024, 12],
    ['22', 1025, 24],
    ['22', 2048, 24],
    ['22', 2049, 48],
    ['22', 8192, 48],
    ['20.3.0', 1024, 12],
    ['21', 1024, 12],
    ['24', 512, 3],
    ['24', 513, 48],
    ['24', 1024, 48],
    ['24', 1025, 96],
    ['24', 2048, 96],
    ['24', 2049, 192],
    ['24', 16384, 192],
    // Not measured: the larger young generation of the neighbours.
    ['23', 1024, 48],
    ['26', 1024, 48],
    // Node 20.0–20.2 may not see a cgroup v2 limit; before 20 the semi-space is a fixed 16 MiB.
    ['20', 512, 48],
    ['20.2.0', 1024, 48],
    ['18', 512, 48],
  ];
  it.each(cases)('Node %s, %i MiB: %i MiB', (version, limitMiB, young) => {
    expect((3n * youngGeneration(parseNode(version), mi(limitMiB)).semiSpace) / MIB).toBe(BigInt(young));
  });

  it('--max-semi-space-size is rounded up to a power of two', () => {
    expect(youngGeneration(parseNode('24'), mi(1024), 5).semiSpace).toBe(mi(8));
    expect(youngGeneration(parseNode('22'), mi(1024), 32).semiSpace).toBe(mi(32));
  });

  it.each([
    [128, 256],
    [512, 256],
    [1024, 512],
    [4096, 2048],
    [8192, 2048],
    [16384, 4096],
  ])("Node's own old space for %i MiB: %i MiB", (limitMiB, want) => {
    expect(nodeDefaultOldSpace(mi(limitMiB))).toBe(mi(want));
  });
});

describe('Node tuning env', () => {
  const cases = [
    {
      name: '22, 512Mi: 384 − 3 = 381',
      input: microService(withNode({ version: '22' }), limits({ memory: '512Mi' })),
      want: oldSpace(381),
    },
    {
      name: '22, 1Gi: 768 − 12',
      input: microService(withNode({ version: '22' }), limits({ memory: '1Gi' })),
      want: oldSpace(756),
    },
    {
      name: '22, 2Gi: 1536 − 24',
      input: microService(withNode({ version: '22' }), limits({ memory: '2Gi' })),
      want: oldSpace(1512),
    },
    {
      name: '22, 4Gi: 3072 − 48',
      input: microService(withNode({ version: '22' }), limits({ memory: '4Gi' })),
      want: oldSpace(3024),
    },
    {
      name: '24, 1Gi: 768 − 48',
      input: microService(withNode({ version: '24' }), limits({ memory: '1Gi' })),
      want: oldSpace(720),
    },
    {
      name: '24, 4Gi: 3072 − 192',
      input: microService(withNode({ version: '24' }), limits({ memory: '4Gi' })),
      want: oldSpace(2880),
    },
    {
      name: '20.11.1, 1Gi: like 22',
      input: microService(withNode({ version: '20.11.1' }), limits({ memory: '1Gi' })),
      want: oldSpace(756),
    },
    { name: 'default resources (128Mi): 96 − 3', input: microService(withNode({ version: '22' })), want: oldSpace(93) },
    {
      name: 'heapPercent 50 of 2Gi on 22',
      input: microService(withNode({ version: '22', heapPercent: 50 }), limits({ memory: '2Gi' })),
      want: oldSpace(1000),
    },
    {
      name: 'a decimal limit: floored to whole MiB',
      input: microService(withNode({ version: '22' }), limits({ memory: '1G' })),
      want: oldSpace(703),
    },
    {
      name: 'no memory limit: nothing',
      input: microService(withNode({ version: '22' }), withResources({ requests: { memory: '1Gi' } })),
      want: [],
    },
    // UV_THREADPOOL_SIZE only above libuv's 4
    {
      name: 'CPU limit 8: UV_THREADPOOL_SIZE=8',
      input: microService(withNode({ version: '22' }), limits({ cpu: '8', memory: '512Mi' })),
      want: [...oldSpace(381), { name: 'UV_THREADPOOL_SIZE', value: '8' }],
    },
    {
      name: 'CPU limit 4: the default 4 stays',
      input: microService(withNode({ version: '22' }), limits({ cpu: '4', memory: '512Mi' })),
      want: oldSpace(381),
    },
    {
      name: 'CPU limit 4500m: 5',
      input: microService(withNode({ version: '22' }), limits({ cpu: '4500m', memory: '512Mi' })),
      want: [...oldSpace(381), { name: 'UV_THREADPOOL_SIZE', value: '5' }],
    },
    {
      name: 'no CPU limit, request 6: 6',
      input: microService(
        withNode({ version: '22' }),
        withResources({ requests: { cpu: '6' }, limits: { memory: '512Mi' }, defaultCPULimit: false }),
      ),
      want: [...oldSpace(381), { name: 'UV_THREADPOOL_SIZE', value: '6' }],
    },
    {
      name: 'request 6, no limit given: the default CPU limit 12 sizes the pool',
      input: microService(
        withNode({ version: '22' }),
        withResources({ requests: { cpu: '6' }, limits: { memory: '512Mi' } }),
      ),
      want: [...oldSpace(381), { name: 'UV_THREADPOOL_SIZE', value: '12' }],
    },
    {
      name: 'threadPoolSize given: always set',
      input: microService(withNode({ version: '22', threadPoolSize: 2 }), limits({ memory: '512Mi' })),
      want: [...oldSpace(381), { name: 'UV_THREADPOOL_SIZE', value: '2' }],
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(nodeTuning(input.spec).env).toStrictEqual(want));
});

describe('Node options the user set win', () => {
  const base = [withNode({ version: '24' }), limits({ cpu: '8', memory: '1Gi' })] as const;
  const cases = [
    {
      name: 'other options are kept verbatim, ours appended in place',
      env: [
        { name: 'NODE_OPTIONS', value: '--enable-source-maps --title="my app"' },
        { name: 'X', value: '1' },
      ],
      want: [
        { name: 'NODE_OPTIONS', value: '--enable-source-maps --title="my app" --max-old-space-size=720' },
        { name: 'X', value: '1' },
        { name: 'UV_THREADPOOL_SIZE', value: '8' },
      ],
    },
    {
      name: '--max-old-space-size of their own: kept, nothing added',
      env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=200' }],
      want: [
        { name: 'NODE_OPTIONS', value: '--max-old-space-size=200' },
        { name: 'UV_THREADPOOL_SIZE', value: '8' },
      ],
    },
    {
      name: 'the underscore spelling counts too',
      env: [{ name: 'NODE_OPTIONS', value: '--max_old_space_size=200' }],
      want: [
        { name: 'NODE_OPTIONS', value: '--max_old_space_size=200' },
        { name: 'UV_THREADPOOL_SIZE', value: '8' },
      ],
    },
    {
      name: 'their --max-semi-space-size sizes the young generation: 768 − 3 × 32',
      env: [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=32' }],
      want: [
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=32 --max-old-space-size=672' },
        { name: 'UV_THREADPOOL_SIZE', value: '8' },
      ],
    },
    {
      name: 'their UV_THREADPOOL_SIZE wins',
      env: [{ name: 'UV_THREADPOOL_SIZE', value: '16' }],
      want: [{ name: 'UV_THREADPOOL_SIZE', value: '16' }, ...oldSpace(720)],
    },
  ];
  it.each(cases)('$name', ({ env, want }) => {
    expect(renderAppContainer(microService(...base, withEnv(...env)))['env']).toStrictEqual(want);
  });

  it('a mesh proxy changes nothing', () => {
    const proxy = { resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } } };
    const plain = renderAppContainer(microService(...base))['env'];
    expect(renderAppContainer(microService(...base, withMesh({ provider: 'istio', proxy })))['env']).toStrictEqual(
      plain,
    );
    expect(plain).toStrictEqual([...oldSpace(720), { name: 'UV_THREADPOOL_SIZE', value: '8' }]);
  });
});

describe('Node explanations', () => {
  it("the old space with the formula, Node's own default and the sources", () => {
    const e = explain(microService(withNode({ version: '22' }), limits({ memory: '512Mi' })));
    expect(e.filter((x) => x.field.startsWith('env ')).map((x) => [x.field, x.value])).toStrictEqual([
      ['env NODE_OPTIONS --max-old-space-size', '--max-old-space-size=381'],
      ['env NODE_OPTIONS', '--max-old-space-size=381'],
      ['env UV_THREADPOOL_SIZE', '(unset)'],
    ]);
    const heap = e.find((x) => x.field === 'env NODE_OPTIONS --max-old-space-size');
    expect(heap?.reason).toBe(
      "the V8 heap gets 75% of the memory limit 512Mi: 384 MiB − young generation 3 × 1 MiB (a limit of 512 MiB or less: the low-memory semi-space of 1 MiB) = 381 MiB old space; the rest is for buffers, code and native memory. Node's own default would be 256 MiB + 3 MiB = 50% of the limit",
    );
    expect(heap?.source).toMatch(/nodejs\.org\/api\/cli\.html#--max-old-space-size/);
  });

  it("says when Node's default would not fit the container", () => {
    const heap = explain(microService(withNode({ version: '22' }))).find(
      (x) => x.field === 'env NODE_OPTIONS --max-old-space-size',
    );
    expect(heap?.reason).toMatch(
      /= 202% of the limit, more than the container may use: OOM-killed before the GC gives up$/,
    );
  });
});
