// Node.js tuning on real Node binaries (issue 18): render a MicroService with spec.runtime.node,
// run each Node (20: the system's, 22 from the npm registry, 24: the pinned one) with exactly the
// app container's rendered env inside a cgroup with the container's memory and CPU limit, and read
// back what it chose (probe.cjs: v8.getHeapStatistics().heap_size_limit, the threads libuv's pool
// started).
//
// The expected values come from the rules in docs/runtime-tuning.md, not from render/:
//   heap_size_limit  heapPercent (default 75) % of the memory limit, in whole MiB, exactly: the old
//                    space rendered plus the young generation V8 adds for that limit
//   pool             UV_THREADPOOL_SIZE if set (threadPoolSize, or ceil(CPU) above 4), else libuv's 4

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  limitCgroups,
  type NodeBinary,
  nodes,
  renderedAppEnv,
  resultsBlock,
  runLimited,
  runtimesDir,
} from './harness.ts';

const MIB = 1n << 20n;

interface Case {
  /** spec.runtime.node; `version: 'real'` is the exact release of the Node that runs it. */
  node: { version: string; heapPercent?: number; threadPoolSize?: number };
  memory?: string;
  cpu?: string;
  userOptions?: string;
  untuned?: boolean;
  /** Only on this Node major. */
  only?: number;
  note: string;
}

const CASES: Case[] = [
  { node: { version: 'real' }, note: 'default resources: 128Mi limit' },
  { node: { version: 'real' }, memory: '512Mi', untuned: true, note: "512Mi, Node's own default" },
  { node: { version: 'real' }, memory: '512Mi', note: '512Mi' },
  { node: { version: 'real' }, memory: '600Mi', note: '600Mi' },
  { node: { version: 'real' }, memory: '1Gi', note: '1Gi' },
  { node: { version: 'real' }, memory: '1025Mi', note: '1025Mi' },
  { node: { version: 'real' }, memory: '2Gi', note: '2Gi' },
  { node: { version: 'real' }, memory: '3Gi', note: '3Gi' },
  { node: { version: 'real', heapPercent: 50 }, memory: '2Gi', note: 'heapPercent 50' },
  { node: { version: 'real' }, memory: '1Gi', userOptions: '--no-warnings', note: 'user option kept' },
  { node: { version: 'real' }, memory: '1Gi', userOptions: '--max-semi-space-size=32', note: 'user semi-space 32' },
  { node: { version: 'real' }, memory: '1Gi', userOptions: '--max-semi-space-size=5', note: 'user semi-space 5 (→ 8)' },
  { node: { version: 'real' }, memory: '1Gi', userOptions: '--max-old-space-size=200', note: 'user old space wins' },
  { node: { version: 'real' }, memory: '512Mi', cpu: '8', note: 'CPU limit 8: a pool of 8' },
  { node: { version: 'real' }, memory: '512Mi', cpu: '2', note: 'CPU limit 2: the default pool' },
  { node: { version: 'real', threadPoolSize: 6 }, memory: '512Mi', note: 'threadPoolSize 6' },
  { node: { version: '20' }, memory: '1Gi', only: 20, note: "'20' (20.0: may not see cgroup v2) reserves more" },
];

// ---------------------------------------------------------------------------------------------
// The rules (docs/runtime-tuning.md), independent of render/

function bytesOf(q: string): bigint {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unsupported quantity ${q}`);
  return BigInt(m[1] as string) * (m[2] === 'Gi' ? 1n << 30n : MIB);
}

interface Expected {
  /** Exact heap_size_limit in MiB, or a range when the user's old space or a conservative version decides. */
  heapMiB: { min: bigint; max: bigint };
  pool: number;
}

function expectedFor(c: Case, declared: string): Expected {
  const limit = bytesOf(c.memory ?? '128Mi');
  const share = (limit * BigInt(c.node.heapPercent ?? 75)) / 100n / MIB;
  const userOld = /--max-old-space-size=(\d+)/.exec(c.userOptions ?? '')?.[1];
  let heapMiB = { min: share, max: share };
  // The user's old space plus whatever young generation V8 picks (3 to 192 MiB).
  if (userOld) heapMiB = { min: BigInt(userOld) + 3n, max: BigInt(userOld) + 192n };
  // A version that may not see the limit reserves the most it could take: the heap can only be smaller.
  else if (/^20(\.[0-2](\.\d+)?)?$/.test(declared)) heapMiB = { min: share - 48n, max: share };
  const cores = c.cpu ? Math.ceil(Number(c.cpu)) : 1; // default request 100m
  const pool = c.node.threadPoolSize ?? Math.max(cores, 4);
  return { heapMiB, pool };
}

// ---------------------------------------------------------------------------------------------

function renderedEnv(c: Case, declared: string): Record<string, string> {
  const limits = { ...(c.memory ? { memory: c.memory } : {}), ...(c.cpu ? { cpu: c.cpu } : {}) };
  return renderedAppEnv(
    'node',
    {
      image: 'registry.example.com/shop/storefront:1.0.0',
      ...(c.memory || c.cpu ? { resources: { requests: { cpu: '100m' }, limits } } : {}),
      ...(c.userOptions ? { env: [{ name: 'NODE_OPTIONS', value: c.userOptions }] } : {}),
      runtime: { node: { ...c.node, version: declared } },
    },
    c.note,
  );
}

interface Measured {
  nodeVersion: string;
  heapSizeLimit: number;
  constrainedMemory: number;
  threadPoolStarted: number;
  limited: boolean;
}

function measure(node: NodeBinary, env: Record<string, string>, c: Case): Measured {
  const run = runLimited(node.node, [join(runtimesDir, 'probe.cjs')], env, {
    memoryBytes: bytesOf(c.memory ?? '128Mi'),
    ...(c.cpu ? { cpuMilli: Number(c.cpu) * 1000 } : {}),
  });
  return { ...(JSON.parse(run.stdout.trim()) as Omit<Measured, 'limited'>), limited: run.limited };
}

const cgroups = limitCgroups();
const binaries = nodes();
const rows = binaries.flatMap((node) =>
  CASES.filter((c) => c.only === undefined || c.only === node.major).map((c) => {
    const declared = c.node.version === 'real' ? node.version.slice(1) : c.node.version;
    const env = c.untuned ? {} : renderedEnv(c, declared);
    return { node, c, declared, env, expected: expectedFor(c, declared), measured: measure(node, env, c) };
  }),
);

describe('Node.js tuning: rendered env → real Node in a cgroup → what V8 and libuv chose', () => {
  it('runs on Node 20, 22 and 24, under real limits where the machine allows', () => {
    expect(binaries.map((n) => n.major)).toStrictEqual([20, 22, 24]);
    if (!cgroups.ok) console.info(`limits are not applied as cgroups (${cgroups.reason}): Node sees the node`);
  });

  it.each(rows.map((r) => [`Node ${r.node.version} as ${r.declared}: ${r.c.note}`, r] as const))('%s', (_t, r) => {
    const heapMiB = BigInt(r.measured.heapSizeLimit) / MIB;
    if (r.c.untuned) {
      // Unaided: half the limit for the old space, at least 256 MiB (here: more than the 75% we give).
      expect(r.env).toStrictEqual({});
      expect(heapMiB).toBeLessThan(bytesOf(r.c.memory as string) / MIB);
      return;
    }
    if (r.c.userOptions) expect(r.env['NODE_OPTIONS']?.startsWith(r.c.userOptions)).toBe(true);
    if (!r.measured.limited) return; // no cgroup: V8 sizes the young generation from the node
    expect(BigInt(r.measured.heapSizeLimit) % MIB, 'heap_size_limit in whole MiB').toBe(0n);
    expect(heapMiB).toBeGreaterThanOrEqual(r.expected.heapMiB.min);
    expect(heapMiB).toBeLessThanOrEqual(r.expected.heapMiB.max);
    expect(r.measured.threadPoolStarted).toBe(r.expected.pool);
  });

  it('docs/runtime-tuning.md holds these results', () => {
    const lines = [
      '| Node run | spec.runtime.node | case | memory limit | rendered tuning env | heap_size_limit (MiB) | share of the limit | libuv pool |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((r) => {
        const heap = BigInt(r.measured.heapSizeLimit) / MIB;
        const env = Object.entries(r.env)
          .map(([k, v]) => `\`${k}=${v}\``)
          .join(' ');
        return `| ${r.node.version} | ${r.declared}${r.c.node.heapPercent ? `, heapPercent ${r.c.node.heapPercent}` : ''}${r.c.node.threadPoolSize ? `, threadPoolSize ${r.c.node.threadPoolSize}` : ''} | ${r.c.note} | ${r.c.memory ?? '128Mi'}${r.c.cpu ? `, CPU ${r.c.cpu}` : ''} | ${r.c.untuned ? '— (untuned)' : env || '—'} | ${heap} | ${((Number(heap) * 100) / Number(bytesOf(r.c.memory ?? '128Mi') / MIB)).toFixed(1)}% | ${r.measured.threadPoolStarted} |`;
      }),
    ];
    const machine = `Measured by \`examples/runtimes/node.test.ts\` with Node ${binaries.map((n) => n.version).join(', ')}; ${cgroups.ok ? `limits applied as cgroup v${cgroups.version} limits` : `limits not applied (${cgroups.reason})`}.`;
    const { committed, fresh, sameMachine } = resultsBlock('node-results', machine, `${lines.join('\n')}\n`);
    if (sameMachine) expect(fresh, 'rerun with MSVC_UPDATE_TUNING_RESULTS=1 if the change is intended').toBe(committed);
  });
});
