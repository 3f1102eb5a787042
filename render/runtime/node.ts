// Env tuning for Node.js: --max-old-space-size in NODE_OPTIONS from the memory limit, and
// UV_THREADPOOL_SIZE where a bigger libuv pool can use the container's CPUs
// (docs/runtime-tuning.md#nodejs).
//
// The V8 heap (what v8.getHeapStatistics().heap_size_limit reports) is the old space plus the young
// generation: two semi-spaces and a new large-object space of one semi-space each
// (Heap::YoungGenerationSizeFromSemiSpaceSize in V8's src/heap/heap.cc; the Node CLI docs for
// --max-semi-space-size). heapPercent is that whole heap, so the old space is heapPercent of the
// limit minus the young generation V8 will add for this container on this Node line.
import { DEFAULTS, type MicroServiceSpec } from '../../api/index.ts';
import {
  cpuBasis,
  findUserOption,
  MIB,
  memoryLimit,
  mibText,
  optionsVariable,
  type RuntimeTuning,
  type TuningDecision,
  type UserOptions,
  userOptions,
} from './shared.ts';

export const NODE_OPTIONS_ENV = 'NODE_OPTIONS';
export const THREADPOOL_ENV = 'UV_THREADPOOL_SIZE';

/** libuv's default pool size (https://docs.libuv.org/en/v1.x/threadpool.html). */
export const LIBUV_DEFAULT_THREADPOOL = 4;

const CLI_DOCS = 'https://nodejs.org/api/cli.html#--max-old-space-sizesize-in-mib';
const SEMI_SPACE_DOCS = 'https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib';

export interface NodeRelease {
  readonly major: number;
  readonly minor: number;
}

export function parseNode(version: string): NodeRelease {
  const [major, minor] = version.split('.');
  return { major: Number(major), minor: Number(minor ?? 0) };
}

/**
 * How V8 sizes the young generation on a Node line: the largest semi-space, and the old-space to
 * semi-space ratio below it. Node 20–22 (V8 11.3, 12.4: `--scavenger-max-new-space-capacity-mb=8`,
 * doubled without pointer compression) cap a semi-space at 16 MiB; Node 24 (V8 13.6: the flag is
 * 32) at 64 MiB, with a ratio a quarter as large. Both read from `node --v8-options` and measured
 * (docs/runtime-tuning.md). Node 23 and later lines not measured are taken as Node 24: the larger
 * young generation leaves the old space smaller, never larger, than asked.
 */
export interface YoungGeneration {
  /** Semi-space in bytes. */
  readonly semiSpace: bigint;
  readonly why: string;
}

/** Rounds up to a power of two, as V8's ConfigureHeap does for the scavenger's semi-space. */
function powerOfTwoAtLeast(bytes: bigint): bigint {
  let p = 1n;
  while (p < bytes) p <<= 1n;
  return p;
}

/** The young generation V8 gives a container with this memory limit, on this Node line. */
export function youngGeneration(node: NodeRelease, limitBytes: bigint, userSemiMiB?: number): YoungGeneration {
  if (userSemiMiB !== undefined) {
    const semi = powerOfTwoAtLeast(BigInt(Math.max(1, Math.ceil(userSemiMiB))) * MIB);
    return { semiSpace: semi, why: `--max-semi-space-size=${userSemiMiB} (rounded up to a power of two)` };
  }
  if (node.major < 20) {
    return { semiSpace: 16n * MIB, why: `Node ${node.major}: a fixed 16 MiB semi-space` };
  }
  if (node.major === 20 && node.minor < 3) {
    // libuv 1.45 (Node 20.3.0, nodejs/node#48078) taught uv_get_constrained_memory cgroup v2
    // (libuv/libuv#3744); before it a cgroup v2 limit is invisible and V8 sizes from the node's RAM.
    return {
      semiSpace: 16n * MIB,
      why: `Node ${node.major}.${node.minor} may not see a cgroup v2 limit (libuv before 1.45), so the largest Node 20 semi-space, 16 MiB`,
    };
  }
  const newer = node.major >= 23;
  const max = (newer ? 64n : 16n) * MIB;
  const ratio = newer ? 32n : 128n;
  // V8 sizes the default old space at half the memory it is given, at least 256 MiB; at or below
  // that it uses the low-memory semi-space of 1 MiB.
  const old = limitBytes / 2n;
  if (old <= 256n * MIB) {
    return { semiSpace: MIB, why: 'a limit of 512 MiB or less: the low-memory semi-space of 1 MiB' };
  }
  const semi = powerOfTwoAtLeast(old / ratio + (old % ratio === 0n ? 0n : 1n));
  // old / ratio is above 2 MiB here, so only the cap applies.
  const capped = semi > max ? max : semi;
  return {
    semiSpace: capped,
    why: `Node ${node.major}: semi-space = power of two ≥ (limit / 2) / ${ratio}, at most ${max / MIB} MiB`,
  };
}

const OLD_SPACE_FLAG = /^--max[-_]old[-_]space[-_]size(=|$)/;
const HEAP_SIZE_FLAG = /^--max[-_]heap[-_]size(=|$)/;
const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size=(\d+(\.\d+)?)$/;

/** Node's own default old space for this limit: half of it, 256 MiB to 2 GiB (4 GiB from 16 GiB), measured. */
export function nodeDefaultOldSpace(limitBytes: bigint): bigint {
  const half = limitBytes / 2n;
  const max = (limitBytes >= 16384n * MIB ? 4096n : 2048n) * MIB;
  return half < 256n * MIB ? 256n * MIB : half > max ? max : half;
}

function heapDecision(spec: MicroServiceSpec, user: readonly UserOptions[]): TuningDecision {
  const nodeSpec = spec.runtime?.node;
  const base = { env: NODE_OPTIONS_ENV, option: '--max-old-space-size' } as const;
  const given = findUserOption(user, (w) => OLD_SPACE_FLAG.test(w) || HEAP_SIZE_FLAG.test(w));
  if (given) return { ...base, reason: `${given.word} is set in ${given.where}: the heap is yours, nothing added` };
  const limit = memoryLimit(spec);
  if (limit === undefined) {
    return {
      ...base,
      reason:
        "no memory limit on the app container: Node sizes the heap from the node's memory; set spec.resources.limits.memory to bound it",
      source: CLI_DOCS,
    };
  }
  const node = parseNode(nodeSpec?.version ?? '0');
  const semiFlag = findUserOption(user, (w) => SEMI_SPACE_FLAG.test(w));
  const semiMiB = semiFlag ? Number(SEMI_SPACE_FLAG.exec(semiFlag.word)?.[1]) : undefined;
  const young = youngGeneration(node, limit.bytes, semiMiB);
  const percent = nodeSpec?.heapPercent ?? DEFAULTS.runtime.node.heapPercent;
  const heapMiB = (limit.bytes * BigInt(percent)) / 100n / MIB;
  const youngMiB = (3n * young.semiSpace) / MIB;
  const oldMiB = heapMiB - youngMiB;
  if (oldMiB < 1n) {
    return {
      ...base,
      reason: `${percent}% of the memory limit ${limit.quantity} (${heapMiB} MiB) does not even hold the young generation (${youngMiB} MiB): raise the limit`,
    };
  }
  const dflt = nodeDefaultOldSpace(limit.bytes);
  const dfltHeap = dflt + 3n * young.semiSpace;
  const dfltShare = (dfltHeap * 100n) / limit.bytes;
  return {
    ...base,
    value: `--max-old-space-size=${oldMiB}`,
    reason: `the V8 heap gets ${percent}% of the memory limit ${limit.quantity}: ${heapMiB} MiB − young generation 3 × ${young.semiSpace / MIB} MiB (${young.why}) = ${oldMiB} MiB old space; the rest is for buffers, code and native memory. Node's own default would be ${mibText(dflt)} + ${youngMiB} MiB = ${dfltShare}% of the limit${dfltHeap > limit.bytes ? ', more than the container may use: OOM-killed before the GC gives up' : ''}`,
    source: `${CLI_DOCS}; ${SEMI_SPACE_DOCS}`,
  };
}

function threadPoolDecision(spec: MicroServiceSpec): TuningDecision {
  const base = { env: THREADPOOL_ENV } as const;
  const source = 'https://docs.libuv.org/en/v1.x/threadpool.html';
  if (spec.env?.some((e) => e.name === THREADPOOL_ENV)) {
    return { ...base, reason: 'set in spec.env, which always wins' };
  }
  const size = spec.runtime?.node?.threadPoolSize;
  if (size !== undefined) {
    return {
      ...base,
      value: String(size),
      reason: `spec.runtime.node.threadPoolSize is ${size}: set as given`,
      source,
    };
  }
  const basis = cpuBasis(spec);
  if (basis === undefined || basis.cores <= BigInt(LIBUV_DEFAULT_THREADPOOL)) {
    return {
      ...base,
      reason: `libuv's default pool of ${LIBUV_DEFAULT_THREADPOOL} threads already covers ${basis ? `ceil(CPU ${basis.from} ${basis.quantity}) = ${basis.cores} CPUs` : 'the CPUs (no CPU limit or request to go by)'}; a smaller pool would only make file system and DNS work queue`,
      source,
    };
  }
  return {
    ...base,
    value: String(basis.cores),
    reason: `crypto, zlib, file system and DNS work runs on libuv's pool of ${LIBUV_DEFAULT_THREADPOOL}: one thread per CPU of the ${basis.from} ${basis.quantity} lets it use all ${basis.cores}`,
    source,
  };
}

/** The NODE_OPTIONS and UV_THREADPOOL_SIZE decisions for a spec with `runtime.node`, or none. */
export function nodeTuning(spec: MicroServiceSpec): RuntimeTuning {
  if (!spec.runtime?.node) return { decisions: [], env: [] };
  const user = userOptions(spec, [NODE_OPTIONS_ENV]);
  const options = optionsVariable(spec, NODE_OPTIONS_ENV, [heapDecision(spec, user)]);
  const pool = threadPoolDecision(spec);
  return {
    decisions: [...options.decisions, pool],
    env: [...options.env, ...(pool.value === undefined ? [] : [{ name: THREADPOOL_ENV, value: pool.value }])],
  };
}
