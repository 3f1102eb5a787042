// spec.runtime: the language runtime in the app container, for env tuning (render/runtime/).
// Go today: GOMAXPROCS, GOMEMLIMIT and GOGC, each set only where the declared Go version needs it
// (docs/runtime-tuning.md).
import { z } from 'zod';
import { GO_VERSION } from '../patterns.ts';
import { INT_OR_STRING } from './fields.ts';
import type { ResourcesSpec } from './resources.ts';
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

export const runtimeSchema = z
  .strictObject({
    go: goRuntimeSchema.optional(),
  })
  .describe('Language runtime of the app container, for env tuning. `msvc explain` prints each value and its reason.');

export type RuntimeSpec = z.infer<typeof runtimeSchema>;

export const RUNTIME_DEFAULTS = { runtime: { go: { maxProcs: 'auto', memoryLimitPercent: 90 } } } as const;

export const runtimeFields = { runtime: runtimeSchema.optional() };

export const RUNTIME_RULES: readonly SpecRule<{ runtime?: RuntimeSpec; resources?: ResourcesSpec }>[] = [
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
