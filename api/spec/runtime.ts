// spec.runtime: the language runtime in the app container, for env tuning (render/runtime/): Go
// (GOMAXPROCS, GOMEMLIMIT, GOGC), the JVM (JAVA_TOOL_OPTIONS) and Node.js (NODE_OPTIONS,
// UV_THREADPOOL_SIZE), each value set only where the declared version needs it
// (docs/runtime-tuning.md). At most one runtime per MicroService.
import { z } from 'zod';
import { GO_VERSION, JDK_VERSION, NODE_VERSION } from '../patterns.ts';
import { toBytes, tryParseQuantity } from '../quantity.ts';
import type { EnvVarSpec } from './env.ts';
import { INT_OR_STRING } from './fields.ts';
import { RESOURCES_DEFAULTS, type ResourcesSpec } from './resources.ts';
import { celHas, type SpecRule } from './rule.ts';

export const goRuntimeSchema = z
  .strictObject({
    version: z
      .string()
      .regex(new RegExp(GO_VERSION), "must be a Go release like '1.24' or '1.25.3'")
      .describe(
        "Go toolchain the binary was built with, e.g. '1.24'. Decides which settings the Go runtime already gets right (Go 1.25+ sizes GOMAXPROCS from the cgroup CPU limit).",
      ),
    goModVersion: z
      .string()
      .regex(new RegExp(GO_VERSION), "must be a Go release like '1.24'")
      .optional()
      .describe(
        "The `go` line of the main module's go.mod, when lower than version. GODEBUG defaults follow it: with go 1.24 or lower, Go 1.25's container-aware GOMAXPROCS stays off. Defaults to version.",
      ),
    maxProcs: z
      .union([z.literal('auto'), z.int().min(1).max(1024)])
      .optional()
      .meta({
        description:
          "GOMAXPROCS. 'auto' (default): set it from the CPU limit (max(1, ceil(limit))) only where the Go runtime would not, and never without a CPU limit. A number: always set exactly that.",
        ...INT_OR_STRING,
      }),
    memoryLimitPercent: z
      .int()
      .min(10)
      .max(100)
      .optional()
      .describe(
        'GOMEMLIMIT as a percentage of the container memory limit, written as a literal byte count. Default 90 (the Go GC guide suggests 5-10% headroom). Not set without a memory limit.',
      ),
    gcPercent: z
      .union([z.literal('off'), z.int().min(1).max(100000)])
      .optional()
      .meta({
        description:
          "GOGC. Unset: the Go default (100) applies and no variable is rendered. 'off' disables proportional GC; it needs a memory limit so GOMEMLIMIT bounds the heap.",
        ...INT_OR_STRING,
      }),
  })
  .describe('Env tuning for a Go binary: GOMAXPROCS, GOMEMLIMIT and GOGC, set only where the Go runtime needs them.');

const heapPercent = (what: string) =>
  z
    .int()
    .min(10)
    .max(95)
    .optional()
    .describe(
      `${what} as a percentage of the app container's memory limit. Default 75, leaving a quarter for memory outside it (docs/runtime-tuning.md). Not set without a memory limit.`,
    );

export const jvmRuntimeSchema = z
  .strictObject({
    version: z
      .string()
      .regex(new RegExp(JDK_VERSION), "must be a JDK release like '17', '21.0.2', '11.0.16' or '8u372'")
      .describe(
        "JDK in the image, e.g. '21', '11.0.16' or '8u372'. Decides whether the JVM reads cgroup v2 limits itself (JDK 15+, 11.0.16+, 8u372+: JDK-8230305) or needs explicit flags. '8' and '11' without an update are taken as the oldest update.",
      ),
    heapPercent: heapPercent('Maximum Java heap'),
    activeProcessorCount: z
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe(
        'CPUs the JVM sizes its GC, compiler and common pool threads for (-XX:ActiveProcessorCount). Unset: set from the CPU limit only where the JDK would not read it, and from the CPU request when there is no limit. Needs JDK 8u191+.',
      ),
  })
  .describe(
    'Env tuning for a JVM: JAVA_TOOL_OPTIONS with the heap and processor flags this JDK needs; flags you set in spec.env JAVA_TOOL_OPTIONS are kept.',
  );

export const nodeRuntimeSchema = z
  .strictObject({
    version: z
      .string()
      .regex(new RegExp(NODE_VERSION), "must be a Node.js release like '22' or '22.11.0'")
      .describe(
        "Node.js in the image, e.g. '22' or '20.11.1'. Decides how much room V8's young generation takes beside the old space.",
      ),
    heapPercent: heapPercent('The V8 heap (old space plus young generation, heap_size_limit)'),
    threadPoolSize: z
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe(
        "UV_THREADPOOL_SIZE, libuv's pool for file system, DNS lookups, crypto and zlib. Unset: raised from the default 4 only when the CPU limit (or, without one, the request) is above 4 cores.",
      ),
  })
  .describe(
    'Env tuning for Node.js: NODE_OPTIONS=--max-old-space-size from the memory limit and UV_THREADPOOL_SIZE where it helps; options you set in spec.env NODE_OPTIONS are kept.',
  );

export const runtimeSchema = z
  .strictObject({
    go: goRuntimeSchema.optional(),
    jvm: jvmRuntimeSchema.optional(),
    node: nodeRuntimeSchema.optional(),
  })
  .describe(
    'Language runtime of the app container, for env tuning: at most one of go, jvm and node. `msvc explain` prints each value and its reason.',
  );

export type RuntimeSpec = z.infer<typeof runtimeSchema>;

export const RUNTIME_DEFAULTS = {
  runtime: {
    go: { maxProcs: 'auto', memoryLimitPercent: 90 },
    jvm: { heapPercent: 75 },
    node: { heapPercent: 75 },
  },
} as const;

const RUNTIMES = ['go', 'jvm', 'node'] as const;

/**
 * JDK 9, and JDK 8 before 8u191, have no -XX:ActiveProcessorCount (it came with container support
 * in JDK 10 and 8u191, JDK-8146115). Plain '8' is taken as its oldest update.
 */
function jdkLacksActiveProcessorCount(version: string): boolean {
  if (/^9(\.|$)/.test(version)) return true;
  const m = /^8(?:u([0-9]+))?$/.exec(version);
  return m !== null && (m[1] === undefined || Number(m[1]) < 191);
}

export const runtimeFields = { runtime: runtimeSchema.optional() };

/**
 * The smallest GOMEMLIMIT msvc renders: 4 MiB, less than any Go service runs in, so a memory limit
 * written in millibytes by mistake (`512m` is 0.512 bytes, not 512 MiB) is an error instead of
 * GOMEMLIMIT=0, which makes the Go GC run all the time.
 */
export const GOMEMLIMIT_MIN = 4n * 1024n * 1024n;
/** The largest GOMEMLIMIT a Go binary takes: an int64 (`runtime/debug.SetMemoryLimit`); above it the runtime refuses to start. */
export const GOMEMLIMIT_MAX = 2n ** 63n - 1n;

type RuntimeView = { runtime?: RuntimeSpec; resources?: ResourcesSpec; env?: EnvVarSpec[] };

export const RUNTIME_RULES: readonly SpecRule<RuntimeView>[] = [
  {
    id: 'go-memory-limit-in-range',
    summary: `spec.runtime.go: the GOMEMLIMIT it renders (memoryLimitPercent of the memory limit) must be from 4 MiB to 2^63-1 bytes.`,
    check: (spec) => {
      const go = spec.runtime?.go;
      if (!go || (spec.env ?? []).some((e) => e.name === 'GOMEMLIMIT')) return [];
      const limit =
        spec.resources === undefined ? RESOURCES_DEFAULTS.resources.limits.memory : spec.resources.limits?.memory;
      if (limit === undefined || tryParseQuantity(limit) === undefined) return [];
      const percent = go.memoryLimitPercent ?? RUNTIME_DEFAULTS.runtime.go.memoryLimitPercent;
      const bytes = (toBytes(limit) * BigInt(percent)) / 100n;
      if (bytes < GOMEMLIMIT_MIN) {
        const hint =
          typeof limit === 'string' && limit.endsWith('m')
            ? ` (m is milli: write ${limit.slice(0, -1)}Mi for mebibytes)`
            : '';
        return [
          {
            path: ['resources', 'limits', 'memory'],
            message: `${limit} would make GOMEMLIMIT ${bytes} bytes, below the 4 MiB a Go service needs${hint}: raise the limit`,
          },
        ];
      }
      if (bytes > GOMEMLIMIT_MAX) {
        return [
          {
            path: ['resources', 'limits', 'memory'],
            message: `${limit} would make GOMEMLIMIT ${bytes} bytes, above 2^63-1, which the Go runtime refuses: lower the limit or memoryLimitPercent`,
          },
        ];
      }
      return [];
    },
    cel: [
      {
        // asApproximateFloat: CEL quantities have no multiplication; only a limit within a rounding
        // error of either bound could read differently from the exact check above.
        rule: `!(${celHas('runtime.go')}) || !(${celHas('resources.limits.memory')}) || (has(self.env) && self.env.exists(e, e.name == 'GOMEMLIMIT')) || (quantity(string(self.resources.limits.memory)).asApproximateFloat() * double(has(self.runtime.go.memoryLimitPercent) ? self.runtime.go.memoryLimitPercent : ${RUNTIME_DEFAULTS.runtime.go.memoryLimitPercent}) / 100.0 >= ${Number(GOMEMLIMIT_MIN)}.0 && quantity(string(self.resources.limits.memory)).asApproximateFloat() * double(has(self.runtime.go.memoryLimitPercent) ? self.runtime.go.memoryLimitPercent : ${RUNTIME_DEFAULTS.runtime.go.memoryLimitPercent}) / 100.0 <= 9223372036854775807.0)`,
        message:
          'spec.resources.limits.memory: the GOMEMLIMIT spec.runtime.go renders from it must be from 4 MiB to 2^63-1 bytes (512m is 0.512 bytes: write 512Mi)',
        fieldPath: '.resources.limits.memory',
      },
    ],
    invalidExamples: [
      // env: [] so that no GOMEMLIMIT of the spec the example is merged into overrides the rule.
      { runtime: { go: { version: '1.24' } }, resources: { limits: { memory: '512m' } }, env: [] },
      {
        runtime: { go: { version: '1.24', memoryLimitPercent: 100 } },
        resources: { limits: { memory: '10E' } },
        env: [],
      },
    ],
  },
  {
    id: 'one-runtime',
    summary: 'spec.runtime: at most one of go, jvm and node (the app container runs one runtime).',
    check: (spec) => {
      const set = RUNTIMES.filter((r) => spec.runtime?.[r] !== undefined);
      return set.slice(1).map((r) => ({
        path: ['runtime', r],
        message: `is set beside spec.runtime.${set[0]}: the app container runs one runtime, so keep only the one its image runs`,
      }));
    },
    cel: [
      {
        rule: `!has(self.runtime) || ${RUNTIMES.map((r) => `(has(self.runtime.${r}) ? 1 : 0)`).join(' + ')} <= 1`,
        message:
          'spec.runtime: set at most one of go, jvm and node (the app container runs one runtime): keep only the one its image runs',
        fieldPath: '.runtime',
      },
    ],
    invalidExamples: [
      { runtime: { go: { version: '1.26' }, jvm: { version: '21' } } },
      { runtime: { jvm: { version: '21' }, node: { version: '22' } } },
    ],
  },
  {
    id: 'jvm-active-processor-count-needs-8u191',
    summary: 'spec.runtime.jvm.activeProcessorCount needs JDK 8u191+ or 10+ (the flag does not exist before).',
    check: (spec) => {
      const jvm = spec.runtime?.jvm;
      return jvm?.activeProcessorCount !== undefined && jdkLacksActiveProcessorCount(jvm.version)
        ? [
            {
              path: ['runtime', 'jvm', 'activeProcessorCount'],
              message: `needs -XX:ActiveProcessorCount, which JDK ${jvm.version} may not have (it came in 8u191 and 10): a JVM exits on an unknown -XX flag. Give spec.runtime.jvm.version as 8u191+ or 10+, or drop activeProcessorCount`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!(${celHas('runtime.jvm.activeProcessorCount')}) || !self.runtime.jvm.version.matches('^(8(u[0-9]+)?|9([.][0-9.]+)?)$') || (self.runtime.jvm.version.contains('u') && int(self.runtime.jvm.version.split('u')[1]) >= 191)`,
        message:
          'spec.runtime.jvm.activeProcessorCount needs JDK 8u191+ or 10+: give spec.runtime.jvm.version as 8u191+ or 10+, or drop activeProcessorCount',
        fieldPath: '.runtime.jvm.activeProcessorCount',
      },
    ],
    invalidExamples: [
      { runtime: { jvm: { version: '8u181', activeProcessorCount: 2 } } },
      { runtime: { jvm: { version: '8', activeProcessorCount: 2 } } },
      { runtime: { jvm: { version: '9.0.4', activeProcessorCount: 2 } } },
    ],
  },
  {
    id: 'go-gc-off-needs-memory-limit',
    summary: "spec.runtime.go.gcPercent: 'off' needs a memory limit (GOMEMLIMIT is then the only bound on the heap).",
    check: (spec) =>
      spec.runtime?.go?.gcPercent === 'off' &&
      spec.resources !== undefined &&
      spec.resources.limits?.memory === undefined
        ? [
            {
              path: ['runtime', 'go', 'gcPercent'],
              message:
                "is 'off' but spec.resources.limits.memory is not set, so nothing bounds the heap: set a memory limit or a number",
            },
          ]
        : [],
    cel: [
      {
        rule: `!(${celHas('runtime.go.gcPercent')}) || type(self.runtime.go.gcPercent) == int || !has(self.resources) || (${celHas('resources.limits.memory')})`,
        message: "spec.runtime.go.gcPercent 'off' needs spec.resources.limits.memory (GOMEMLIMIT then bounds the heap)",
        fieldPath: '.runtime.go.gcPercent',
      },
    ],
    invalidExamples: [
      { runtime: { go: { version: '1.24', gcPercent: 'off' } }, resources: { requests: { memory: '64Mi' } } },
    ],
  },
  {
    id: 'go-mod-version-not-above-toolchain',
    summary: 'spec.runtime.go.goModVersion must not be above version (a toolchain cannot build a newer go.mod).',
    check: (spec) => {
      const go = spec.runtime?.go;
      if (!go?.goModVersion) return [];
      const minor = (v: string) => Number(v.split('.')[1]);
      return minor(go.goModVersion) > minor(go.version)
        ? [
            {
              path: ['runtime', 'go', 'goModVersion'],
              message: `${go.goModVersion} is above version ${go.version}: a Go ${go.version} toolchain cannot build it`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!(${celHas('runtime.go.goModVersion')}) || int(self.runtime.go.goModVersion.split('.')[1]) <= int(self.runtime.go.version.split('.')[1])`,
        message: 'spec.runtime.go.goModVersion is above version: that toolchain cannot build it',
        fieldPath: '.runtime.go.goModVersion',
      },
    ],
    invalidExamples: [{ runtime: { go: { version: '1.24', goModVersion: '1.25' } } }],
  },
];
