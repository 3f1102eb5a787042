// JVM tuning on real JVMs (issue 18): render a MicroService with spec.runtime.jvm, give a real
// `java` exactly the app container's rendered env, inside a cgroup with the container's memory
// and CPU limit (as the kubelet would), and read back what the JVM chose (Probe.java: MaxHeapSize,
// ActiveProcessorCount, availableProcessors) and whether it picked up JAVA_TOOL_OPTIONS.
//
// The expected values come from the rules in docs/runtime-tuning.md, not from render/:
//   heap        a heap flag the user set > heapPercent (default 75) % of the memory limit, rounded up
//               to the collector's heap alignment (tolerance: under 2 MiB)
//   processors  -XX:ActiveProcessorCount if the user or the rules set it, else ceil(cgroup CPU limit)
//   flags       JDK 15+/11.0.16+/8u372+: -XX:MaxRAMPercentage and -XX:MinRAMPercentage; older: -Xmx;
//               ActiveProcessorCount where the JDK would not read the CPU limit, or from the request
//               without one
//
// The JDKs run for real are the machine's (OpenJDK 17 and Temurin 25 here). Older JDKs that do not
// read cgroup v2 (11.0.15, 8u362) or no cgroup at all (8u181) are not installed: their rendered
// flags run on each real JDK with -XX:-UseContainerSupport, which makes it size from the node as
// such a JDK does on a cgroup v2 node, so the test shows both what the old JDK would do unaided
// and that the rendered flags fix it.
import { describe, expect, it } from 'vitest';
import {
  hostMemoryBytes,
  type JdkBinary,
  jdks,
  limitCgroups,
  probeClassDir,
  renderedAppEnv,
  resultsBlock,
  runLimited,
} from './harness.ts';

const MIB = 1n << 20n;
const TOLERANCE = 2n * MIB;

interface Case {
  /** spec.runtime.jvm; `version: 'real'` is the feature release of the JDK that runs it. */
  jvm: { version: string; heapPercent?: number; activeProcessorCount?: number };
  memory?: string;
  cpu?: string;
  cpuRequest?: string;
  userOptions?: string;
  /** Run with -XX:-UseContainerSupport: how a JDK that cannot read the limit behaves. */
  simulateNoContainerSupport?: boolean;
  /** Run with no env at all: the JDK unaided (the baseline of a simulated row). */
  untuned?: boolean;
  note: string;
}

const CASES: Case[] = [
  { jvm: { version: 'real' }, memory: '512Mi', cpu: '1500m', note: 'cgroup-aware JDK, limits set' },
  { jvm: { version: 'real' }, note: 'default resources: 128Mi limit, 100m request (MinRAMPercentage matters)' },
  { jvm: { version: 'real', heapPercent: 60 }, memory: '1Gi', cpu: '500m', note: 'heapPercent 60' },
  { jvm: { version: 'real' }, memory: '2Gi', cpuRequest: '500m', note: 'no CPU limit: processors from the request' },
  { jvm: { version: 'real', activeProcessorCount: 2 }, memory: '512Mi', cpu: '500m', note: 'activeProcessorCount 2' },
  { jvm: { version: 'real' }, memory: '512Mi', cpu: '1', userOptions: '-XX:+UseSerialGC', note: 'user flag kept' },
  { jvm: { version: 'real' }, memory: '512Mi', cpu: '1', userOptions: '-Xmx200m', note: 'user -Xmx wins' },
  {
    jvm: { version: '11.0.15' },
    memory: '512Mi',
    cpu: '500m',
    untuned: true,
    simulateNoContainerSupport: true,
    note: 'JDK 11.0.15 on cgroup v2, unaided',
  },
  {
    jvm: { version: '11.0.15' },
    memory: '512Mi',
    cpu: '500m',
    simulateNoContainerSupport: true,
    note: 'JDK 11.0.15 on cgroup v2, tuned',
  },
  {
    jvm: { version: '8u362' },
    memory: '1G',
    cpu: '1500m',
    simulateNoContainerSupport: true,
    note: 'JDK 8u362, a decimal limit',
  },
  {
    jvm: { version: '8u181' },
    memory: '512Mi',
    cpu: '500m',
    simulateNoContainerSupport: true,
    note: 'JDK 8u181: -Xmx only',
  },
];

// ---------------------------------------------------------------------------------------------
// The rules (docs/runtime-tuning.md), independent of render/

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: MIB, Gi: 1n << 30n, G: 1_000_000_000n, M: 1_000_000n };
function bytesOf(q: string): bigint {
  const m = /^(\d+)(Ki|Mi|Gi|G|M)?$/.exec(q);
  if (!m) throw new Error(`unsupported quantity ${q}`);
  return BigInt(m[1] as string) * (m[2] ? (BINARY[m[2]] as bigint) : 1n);
}
const milli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
const ceilCpu = (q: string) => Math.max(1, Math.ceil(milli(q) / 1000));

function readsV2(version: string): boolean {
  const eight = /^8u(\d+)$/.exec(version);
  if (eight) return Number(eight[1]) >= 372;
  const [feature, , update] = version.split('.').map(Number);
  return (feature as number) >= 15 || (feature === 11 && (update ?? 0) >= 16);
}
function hasApcFlag(version: string): boolean {
  const eight = /^8u(\d+)$/.exec(version);
  return eight ? Number(eight[1]) >= 191 : Number(version.split('.')[0]) >= 10;
}

interface Expected {
  options: string | undefined;
  heapBytes: bigint;
  processors: number;
}

function expectedFor(c: Case, declared: string, cpus: number): Expected {
  const memory = bytesOf(c.memory ?? '128Mi');
  const percent = BigInt(c.jvm.heapPercent ?? 75);
  const heap = (memory * percent) / 100n;
  const userHeap = /-Xmx(\d+)m/.exec(c.userOptions ?? '');
  const flags: string[] = [];
  if (!userHeap) {
    if (readsV2(declared)) flags.push(`-XX:MaxRAMPercentage=${percent}.0`, `-XX:MinRAMPercentage=${percent}.0`);
    else flags.push(heap % MIB === 0n ? `-Xmx${heap / MIB}m` : `-Xmx${heap / 1024n}k`);
  }
  const request = c.cpuRequest ?? (c.cpu === undefined && c.memory === undefined ? '100m' : undefined);
  let apc: number | undefined;
  if (c.jvm.activeProcessorCount !== undefined) apc = c.jvm.activeProcessorCount;
  else if (hasApcFlag(declared)) {
    if (c.cpu !== undefined && !readsV2(declared)) apc = ceilCpu(c.cpu);
    else if (c.cpu === undefined && request !== undefined) apc = ceilCpu(request);
  }
  if (apc !== undefined) flags.push(`-XX:ActiveProcessorCount=${apc}`);
  const options = [c.userOptions, ...flags].filter(Boolean).join(' ') || undefined;
  const processors =
    apc ?? (c.cpu !== undefined && !c.simulateNoContainerSupport ? Math.min(cpus, ceilCpu(c.cpu)) : cpus);
  return { options, heapBytes: userHeap ? BigInt(userHeap[1] as string) * MIB : heap, processors };
}

// ---------------------------------------------------------------------------------------------
// Rendering and running

function renderedEnv(c: Case, declared: string): Record<string, string> {
  // Without c.cpu the spec opts out of the default CPU limit (docs/resources.md#cpu-limit): these
  // cases measure the no-limit rules; the default limit's flags are table-tested in render/runtime.
  const resources =
    c.memory === undefined && c.cpu === undefined && c.cpuRequest === undefined
      ? { defaultCPULimit: false }
      : {
          ...(c.cpuRequest ? { requests: { cpu: c.cpuRequest } } : {}),
          limits: { ...(c.memory ? { memory: c.memory } : {}), ...(c.cpu ? { cpu: c.cpu } : {}) },
          ...(c.cpu ? {} : { defaultCPULimit: false }),
        };
  return renderedAppEnv(
    'jvm',
    {
      image: 'registry.example.com/shop/ledger:1.0.0',
      resources,
      ...(c.userOptions ? { env: [{ name: 'JAVA_TOOL_OPTIONS', value: c.userOptions }] } : {}),
      runtime: { jvm: { ...c.jvm, version: declared } },
    },
    c.note,
  );
}

interface Measured {
  javaVersion: string;
  maxHeapSize: number;
  activeProcessorCount: number;
  availableProcessors: number;
  pickedUp: string | undefined;
  limited: boolean;
}

function measure(jdk: JdkBinary, env: Record<string, string>, c: Case): Measured {
  const limits = {
    ...(c.memory || !c.cpu ? { memoryBytes: bytesOf(c.memory ?? '128Mi') } : {}),
    ...(c.cpu ? { cpuMilli: milli(c.cpu) } : {}),
  };
  const args = [...(c.simulateNoContainerSupport ? ['-XX:-UseContainerSupport'] : []), '-cp', probeClassDir(), 'Probe'];
  const run = runLimited(jdk.java, args, env, limits);
  const json = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Omit<Measured, 'pickedUp' | 'limited'>;
  return {
    ...json,
    pickedUp: /^Picked up JAVA_TOOL_OPTIONS: (.*)$/m.exec(run.stderr)?.[1],
    limited: run.limited,
  };
}

const cgroups = limitCgroups();
const machineCpus = Number(runLimited('/usr/bin/nproc', [], {}, {}).stdout.trim());
const installed = jdks();
const rows = installed.flatMap((jdk) =>
  CASES.map((c) => {
    const declared = c.jvm.version === 'real' ? String(jdk.feature) : c.jvm.version;
    const env = c.untuned ? {} : renderedEnv(c, declared);
    return { jdk, c, declared, env, expected: expectedFor(c, declared, machineCpus), measured: measure(jdk, env, c) };
  }),
);

describe('JVM tuning: rendered env → real JVM in a cgroup → what it chose', () => {
  it('runs on at least two JDKs, under real limits where the machine allows', () => {
    expect(installed.map((j) => j.feature).length).toBeGreaterThanOrEqual(2);
    if (!cgroups.ok) console.info(`limits are not applied as cgroups (${cgroups.reason}): the JVM sees the node`);
  });

  it.each(rows.map((r) => [`JDK ${r.jdk.version} as ${r.declared}: ${r.c.note}`, r] as const))('%s', (_t, r) => {
    if (r.c.untuned) {
      // Unaided, a JDK that cannot read the limit sizes the heap from the node (25%) and counts its CPUs.
      expect(r.env).toStrictEqual({});
      expect(BigInt(r.measured.maxHeapSize)).toBeGreaterThan(bytesOf(r.c.memory as string));
      expect(BigInt(r.measured.maxHeapSize)).toBeGreaterThanOrEqual((hostMemoryBytes() * 25n) / 100n - 64n * MIB);
      expect(r.measured.availableProcessors).toBe(machineCpus);
      return;
    }
    expect(r.env['JAVA_TOOL_OPTIONS']).toBe(r.expected.options);
    expect(r.measured.pickedUp).toBe(r.expected.options);
    if (!r.measured.limited && !r.c.simulateNoContainerSupport && r.expected.options?.includes('RAMPercentage')) {
      return; // no cgroup: the percentage applies to the node's memory; nothing exact to compare
    }
    const heap = BigInt(r.measured.maxHeapSize);
    expect(heap, 'MaxHeapSize at least the heap asked for').toBeGreaterThanOrEqual(r.expected.heapBytes);
    expect(heap - r.expected.heapBytes, 'rounded up by less than 2 MiB').toBeLessThan(TOLERANCE);
    if (r.measured.limited || r.expected.options?.includes('ActiveProcessorCount')) {
      expect(r.measured.availableProcessors).toBe(r.expected.processors);
    }
  });

  it('docs/runtime-tuning.md holds these results', () => {
    const lines = [
      '| JDK run | spec.runtime.jvm.version | case | memory limit | CPU | rendered JAVA_TOOL_OPTIONS | MaxHeapSize (MiB) | availableProcessors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.measured.javaVersion}${r.c.simulateNoContainerSupport ? ' (-XX:-UseContainerSupport)' : ''} | ${r.declared} | ${r.c.note} | ${r.c.memory ?? '128Mi'} | ${r.c.cpu ? `limit ${r.c.cpu}` : `request ${r.c.cpuRequest ?? '100m'}`} | ${r.c.untuned ? '— (untuned)' : `\`${r.env['JAVA_TOOL_OPTIONS'] ?? '—'}\``} | ${r.c.untuned ? 'node-sized' : (Number(r.measured.maxHeapSize) / 2 ** 20).toFixed(1)} | ${r.measured.availableProcessors} |`,
      ),
    ];
    const machine = `Measured by \`examples/runtimes/jvm.test.ts\` with ${installed.map((j) => j.version).join(' and ')} on ${machineCpus} CPUs; ${cgroups.ok ? `limits applied as cgroup v${cgroups.version} limits` : `limits not applied (${cgroups.reason})`}.`;
    const { committed, fresh, sameMachine } = resultsBlock('jvm-results', machine, `${lines.join('\n')}\n`);
    // The untuned rows report a node-sized heap, which differs per machine: only their presence is compared.
    if (sameMachine) expect(fresh, 'rerun with MSVC_UPDATE_TUNING_RESULTS=1 if the change is intended').toBe(committed);
  });
});
