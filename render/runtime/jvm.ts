// Env tuning for a JVM: the heap and processor flags in JAVA_TOOL_OPTIONS, each only where the
// declared JDK would not size itself from the container (docs/runtime-tuning.md#the-jvm).
//
// JAVA_TOOL_OPTIONS, not JDK_JAVA_OPTIONS: every HotSpot JVM since Java 5 reads it, however it is
// launched (the `java` launcher, a native launcher through JNI, a tool started from the JVM), and
// JDK 8 does too; JDK_JAVA_OPTIONS is read by the `java` launcher of JDK 9+ only
// (https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html#using-the-jdk_java_options-launcher-environment-variable).
// Flags on the image's own command line come later and still win.
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

export const JVM_OPTIONS_ENV = 'JAVA_TOOL_OPTIONS';

/** Variables the JVM reads flags from besides JAVA_TOOL_OPTIONS: later ones override it. */
const LATER_OPTION_VARIABLES = ['JDK_JAVA_OPTIONS', '_JAVA_OPTIONS'] as const;

const JDK_8146115 = 'JDK-8146115 (container support: JDK 10, backported to 8u191)';
const JDK_8230305 = 'JDK-8230305 (cgroup v2: JDK 15, backported to 11.0.16 and 8u372)';
const JDK_8281181 = 'JDK-8281181 (CPU shares no longer count: JDK 19, backported to 17.0.5 and 11.0.17)';
const ARGUMENTS_CPP = 'openjdk/jdk src/hotspot/share/runtime/arguments.cpp (Arguments::set_heap_size)';

export interface Jdk {
  readonly feature: number;
  /** The update (8u372 → 372, 11.0.16 → 16); undefined when the version names none. */
  readonly update?: number;
}

export function parseJdk(version: string): Jdk {
  const eight = /^8(?:u([0-9]+))?$/.exec(version);
  if (eight) return eight[1] === undefined ? { feature: 8 } : { feature: 8, update: Number(eight[1]) };
  const [feature, , update] = version.split('.');
  return update === undefined ? { feature: Number(feature) } : { feature: Number(feature), update: Number(update) };
}

const atLeast = (jdk: Jdk, feature: number, update: number) => jdk.feature === feature && (jdk.update ?? 0) >= update;

/** Reads cgroup v1 limits and has -XX:MaxRAMPercentage and -XX:ActiveProcessorCount (JDK-8146115). */
export function hasContainerSupport(jdk: Jdk): boolean {
  return jdk.feature >= 10 || atLeast(jdk, 8, 191);
}

/** Reads cgroup v2 limits too (JDK-8230305). A version without an update is taken as its oldest. */
export function readsCgroupV2(jdk: Jdk): boolean {
  return jdk.feature >= 15 || atLeast(jdk, 11, 16) || atLeast(jdk, 8, 372);
}

const HEAP_FLAG = /^-(Xmx|XX:(MaxHeapSize|MaxRAM|MaxRAMPercentage|MinRAMPercentage|MaxRAMFraction|MinRAMFraction)=)/;
const CPU_FLAG = /^-XX:ActiveProcessorCount=/;
const NO_CONTAINER_SUPPORT = '-XX:-UseContainerSupport';

/** `-Xmx` in whole MiB where exact, else KiB: the JVM rounds it up to its heap alignment either way. */
function xmx(bytes: bigint): string {
  return bytes % MIB === 0n ? `-Xmx${bytes / MIB}m` : `-Xmx${bytes / 1024n}k`;
}

function heapDecisions(spec: MicroServiceSpec, jdk: Jdk, user: readonly UserOptions[]): TuningDecision[] {
  const jvm = spec.runtime?.jvm;
  const version = jvm?.version ?? '';
  const given = findUserOption(user, (w) => HEAP_FLAG.test(w));
  if (given) {
    return [
      {
        env: JVM_OPTIONS_ENV,
        option: '-Xmx',
        reason: `${given.word} is set in ${given.where}: the heap is yours, nothing added`,
      },
    ];
  }
  const limit = memoryLimit(spec);
  if (limit === undefined) {
    return [
      {
        env: JVM_OPTIONS_ENV,
        option: '-Xmx',
        reason:
          "no memory limit on the app container: the JVM sizes its heap from the node's memory (25%, MaxRAMPercentage's default); set spec.resources.limits.memory to bound it",
        source: ARGUMENTS_CPP,
      },
    ];
  }
  const percent = jvm?.heapPercent ?? DEFAULTS.runtime.jvm.heapPercent;
  const heap = (limit.bytes * BigInt(percent)) / 100n;
  const disabled = findUserOption(user, (w) => w === NO_CONTAINER_SUPPORT);
  if (readsCgroupV2(jdk) && !disabled) {
    // MinRAMPercentage is the share used instead when the limit is small (under about 250 MiB,
    // where MinRAMPercentage × limit is below the default MaxHeapSize): without it, a 128Mi
    // container gets 50%, not the percentage asked for (measured: docs/runtime-tuning.md).
    const share = `${percent}.0`;
    const reason = `JDK ${version} reads the cgroup v1 and v2 memory limit itself, so the heap follows the limit (${limit.quantity} → ${mibText(heap)}) and a resize; the default would be 25%`;
    return [
      {
        env: JVM_OPTIONS_ENV,
        option: '-XX:MaxRAMPercentage',
        value: `-XX:MaxRAMPercentage=${share}`,
        reason,
        source: JDK_8230305,
      },
      {
        env: JVM_OPTIONS_ENV,
        option: '-XX:MinRAMPercentage',
        value: `-XX:MinRAMPercentage=${share}`,
        reason: `the same share for limits under about 250 MiB, where the JVM uses MinRAMPercentage (default 50) instead of MaxRAMPercentage`,
        source: ARGUMENTS_CPP,
      },
    ];
  }
  const why = disabled
    ? `${NO_CONTAINER_SUPPORT} in ${disabled.where} makes the JVM size from the node's memory`
    : hasContainerSupport(jdk)
      ? `JDK ${version} reads only cgroup v1 limits; on a cgroup v2 node it would size the heap from the node's memory${jdk.update === undefined && (jdk.feature === 8 || jdk.feature === 11) ? ` (give the update: ${jdk.feature === 8 ? '8u372' : '11.0.16'}+ reads v2)` : ''}`
      : `JDK ${version} has no container support${jdk.update === undefined ? ' before 8u191 (give the update)' : ''}, so it sizes the heap from the node's memory`;
  return [
    {
      env: JVM_OPTIONS_ENV,
      option: '-Xmx',
      value: xmx(heap),
      reason: `${why}: an explicit ${percent}% of the memory limit ${limit.quantity} = ${mibText(heap)}`,
      source: disabled ? ARGUMENTS_CPP : hasContainerSupport(jdk) ? JDK_8230305 : JDK_8146115,
    },
  ];
}

function cpuDecision(spec: MicroServiceSpec, jdk: Jdk, user: readonly UserOptions[]): TuningDecision {
  const jvm = spec.runtime?.jvm;
  const version = jvm?.version ?? '';
  const base = { env: JVM_OPTIONS_ENV, option: '-XX:ActiveProcessorCount' } as const;
  const given = findUserOption(user, (w) => CPU_FLAG.test(w));
  if (given) return { ...base, reason: `${given.word} is set in ${given.where}: kept, nothing added` };
  if (jvm?.activeProcessorCount !== undefined) {
    return {
      ...base,
      value: `-XX:ActiveProcessorCount=${jvm.activeProcessorCount}`,
      reason: `spec.runtime.jvm.activeProcessorCount is ${jvm.activeProcessorCount}: set as given`,
    };
  }
  if (!hasContainerSupport(jdk)) {
    return {
      ...base,
      reason: `JDK ${version} ${jdk.feature === 8 && jdk.update === undefined ? 'may predate' : 'predates'} -XX:ActiveProcessorCount (8u191 and 10; an unknown flag stops the JVM), so nothing is set and it counts the node's CPUs`,
      source: JDK_8146115,
    };
  }
  const basis = cpuBasis(spec);
  const disabled = findUserOption(user, (w) => w === NO_CONTAINER_SUPPORT);
  if (basis === undefined) {
    return { ...base, reason: "no CPU limit and no CPU request: the JVM counts the node's CPUs" };
  }
  if (basis.from === 'limit') {
    if (readsCgroupV2(jdk) && !disabled) {
      return {
        ...base,
        reason: `JDK ${version} derives availableProcessors from the cgroup CPU limit itself: ceil(${basis.quantity}) = ${basis.cores}`,
        source: JDK_8230305,
      };
    }
    return {
      ...base,
      value: `-XX:ActiveProcessorCount=${basis.cores}`,
      reason: `${disabled ? `${NO_CONTAINER_SUPPORT} in ${disabled.where} makes the JVM count the node's CPUs` : `JDK ${version} reads only cgroup v1 CPU limits`}: max(1, ceil(CPU limit ${basis.quantity})) = ${basis.cores}`,
      source: JDK_8230305,
    };
  }
  // No CPU limit: JDKs with JDK-8281181 count every CPU of the node, older ones the CPU shares
  // (the request). GC, JIT and common-pool threads sized for a 64-core node in a pod guaranteed
  // half a core cost memory and contention; size them from the request, as for GOMAXPROCS.
  return {
    ...base,
    value: `-XX:ActiveProcessorCount=${basis.cores}`,
    reason: `no CPU limit, so the JVM would size GC, JIT and pool threads for every node CPU while the pod is guaranteed only its request: max(1, ceil(CPU request ${basis.quantity})) = ${basis.cores}`,
    source: JDK_8281181,
  };
}

/** The JAVA_TOOL_OPTIONS decisions for a spec with `runtime.jvm`, or none. */
export function jvmTuning(spec: MicroServiceSpec): RuntimeTuning {
  const jvm = spec.runtime?.jvm;
  if (!jvm) return { decisions: [], env: [] };
  const jdk = parseJdk(jvm.version);
  const user = userOptions(spec, [JVM_OPTIONS_ENV, ...LATER_OPTION_VARIABLES]);
  const options = [...heapDecisions(spec, jdk, user), cpuDecision(spec, jdk, user)];
  return optionsVariable(spec, JVM_OPTIONS_ENV, options);
}
