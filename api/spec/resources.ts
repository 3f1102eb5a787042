// spec.resources: CPU and memory requests and limits of a container (the app's here; the mesh
// proxy's in mesh.ts reuses the schema and the rule), their default and how they resolve.
import { z } from 'zod';
import { parseQuantity, tryCompareQuantities } from '../quantity.ts';
import { quantity } from './fields.ts';
import { type CelRule, celHas, type RuleIssue, type SpecRule } from './rule.ts';

const resourceList = (what: string) =>
  z
    .strictObject({
      cpu: quantity(`CPU ${what}, in cores or millicores (e.g. 500m, 2).`).optional(),
      memory: quantity(`Memory ${what}, in bytes with an optional suffix (e.g. 256Mi, 1Gi).`).optional(),
    })
    .describe(`CPU and memory ${what}.`);

/** A container's own list: CPU, memory and local ephemeral storage (writable layers, logs, disk emptyDirs). */
const containerResourceList = (what: string) =>
  z
    .strictObject({
      cpu: quantity(`CPU ${what}, in cores or millicores (e.g. 500m, 2).`).optional(),
      memory: quantity(`Memory ${what}, in bytes with an optional suffix (e.g. 256Mi, 1Gi).`).optional(),
      'ephemeral-storage': quantity(
        `Local ephemeral storage ${what} (container logs, disk-backed emptyDirs such as /tmp), e.g. 1Gi: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage`,
      ).optional(),
    })
    .describe(`CPU, memory and ephemeral-storage ${what}.`);

/** Resources of a container the pod spec declares (the app, init containers, sidecars). */
export const containerResourcesSchema = z
  .strictObject({
    requests: containerResourceList('requests: what the scheduler reserves').optional(),
    limits: containerResourceList('limits: the most the container may use').optional(),
  })
  .describe(
    'Compute resources of a container. Each request must not exceed its limit. The limits also size the runtime tuning (spec.runtime: GOMEMLIMIT, the JVM heap, the V8 heap).',
  );

export const resourcesSchema = z
  .strictObject({
    requests: resourceList('requests: what the scheduler reserves').optional(),
    limits: resourceList('limits: the most the container may use').optional(),
  })
  .describe(
    'Compute resources of a container. Each request must not exceed its limit. The limits also size the runtime tuning (spec.runtime: GOMEMLIMIT, the JVM heap, the V8 heap).',
  );

export type ResourcesSpec = z.infer<typeof resourcesSchema>;
export type ContainerResourcesSpec = z.infer<typeof containerResourcesSchema>;

export const RESOURCES_DEFAULTS = {
  /**
   * Memory is not compressible: a limit equal to the request avoids overcommit and OOM surprises.
   * The CPU limit is not written here: it follows the CPU request ({@link defaultCpuLimit}).
   */
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
  /** The default CPU limit is this many times the CPU request, rounded up to whole cores. */
  cpuLimitPerRequest: 2,
} as const;

/** The app container's resources: the Kubernetes ResourceRequirements shape plus the CPU-limit opt-out. */
export const appResourcesSchema = containerResourcesSchema
  .extend({
    defaultCPULimit: z
      .boolean()
      .optional()
      .describe(
        `Whether the app container gets a CPU limit when limits.cpu is not set. Default true: max(1, ceil(${RESOURCES_DEFAULTS.cpuLimitPerRequest} × requests.cpu)) whole cores, so the app bursts to twice its reservation but cannot take the node, and runtimes that size their threads by rounding the limit up (GOMAXPROCS, the JVM's processor count) are not throttled by a fractional quota. false: no CPU limit (the app may use any idle CPU; runtime tuning is sized from the request). A limits.cpu you set always wins. Without requests.cpu no default limit is rendered (Kubernetes would copy the limit into the request). Alone (no requests or limits beside it) it keeps the default requests and memory limit. See docs/resources.md.`,
      ),
  })
  .describe(containerResourcesSchema.description ?? '');

export type AppResourcesSpec = z.infer<typeof appResourcesSchema>;

/** An init container's or sidecar's resources: the same shape and the same CPU-limit opt-out as the app's. */
export const extraResourcesSchema = containerResourcesSchema
  .extend({
    defaultCPULimit: z
      .boolean()
      .optional()
      .describe(
        `Whether this container gets a CPU limit when limits.cpu is not set: the app's rule, max(1, ceil(${RESOURCES_DEFAULTS.cpuLimitPerRequest} × requests.cpu)) whole cores (default true). false: no CPU limit. A limits.cpu you set always wins; without requests.cpu no default limit is rendered, and nothing else is defaulted for these containers. See docs/resources.md.`,
      ),
  })
  .describe(containerResourcesSchema.description ?? '');

export type ExtraResourcesSpec = z.infer<typeof extraResourcesSchema>;

export const resourcesFields = {
  resources: appResourcesSchema
    .optional()
    .describe(
      `App container resources. Default: requests 100m CPU and 128Mi memory, memory limit 128Mi (memory is not compressible; a limit equal to the request avoids overcommit), CPU limit ${RESOURCES_DEFAULTS.cpuLimitPerRequest} × the CPU request rounded up to whole cores (1 for the default request; see defaultCPULimit).`,
    ),
};

/** Default CPU limits by request: specs repeat a few requests, and the bigint arithmetic showed in `msvc render`'s profile. */
const cpuLimits = new Map<string | number, string>();
const CPU_LIMITS_MAX = 10_000;

/**
 * The default CPU limit for a CPU request: max(1, ceil(cpuLimitPerRequest × request)) cores, as a
 * quantity string ('1', '2', …).
 */
export function defaultCpuLimit(request: string | number): string {
  let limit = cpuLimits.get(request);
  if (limit === undefined) {
    const { numerator, denominator } = parseQuantity(request);
    const scaled = numerator * BigInt(RESOURCES_DEFAULTS.cpuLimitPerRequest);
    const cores = (scaled + denominator - 1n) / denominator;
    limit = String(cores < 1n ? 1n : cores);
    if (cpuLimits.size < CPU_LIMITS_MAX) cpuLimits.set(request, limit);
  }
  return limit;
}

/** Where the app container's CPU limit comes from, for `msvc explain` and the runtime tuners. */
export type CpuLimitSource =
  | { readonly from: 'given'; readonly limit: string | number }
  | { readonly from: 'default'; readonly limit: string; readonly request: string | number }
  | { readonly from: 'opted-out' }
  | { readonly from: 'no-request' };

/**
 * The requests and limits `spec.resources` stands for: the default block when it is absent or says
 * nothing but `defaultCPULimit`, else exactly what it gives (`{}` is no requests and no limits).
 */
function givenResources(spec: { resources?: AppResourcesSpec }): ContainerResourcesSpec {
  const r = spec.resources;
  if (r === undefined || (r.requests === undefined && r.limits === undefined && r.defaultCPULimit !== undefined))
    return RESOURCES_DEFAULTS.resources;
  return r;
}

export function cpuLimitSource(spec: { resources?: AppResourcesSpec }): CpuLimitSource {
  return cpuLimitOf(givenResources(spec), spec.resources?.defaultCPULimit);
}

/**
 * Where an init container's or sidecar's CPU limit comes from: the app's rule over what it gives
 * (nothing is defaulted for these containers, so without requests.cpu there is no limit).
 */
export function extraCpuLimitSource(c: { resources?: ExtraResourcesSpec }): CpuLimitSource {
  return cpuLimitOf(c.resources ?? {}, c.resources?.defaultCPULimit);
}

function cpuLimitOf(given: ContainerResourcesSpec, defaultCPULimit: boolean | undefined): CpuLimitSource {
  if (given.limits?.cpu !== undefined) return { from: 'given', limit: given.limits.cpu };
  if (defaultCPULimit === false) return { from: 'opted-out' };
  const request = given.requests?.cpu;
  // Without a CPU request Kubernetes would set the request to the limit: a default limit would
  // silently reserve that much, so none is rendered.
  if (request === undefined) return { from: 'no-request' };
  return { from: 'default', limit: defaultCpuLimit(request), request };
}

export interface ResourceValues {
  cpu?: string | number;
  memory?: string | number;
  'ephemeral-storage'?: string | number;
}
export interface Resources {
  requests: ResourceValues;
  limits: ResourceValues;
}

export function copyResources(r: { requests?: ResourceValues; limits?: ResourceValues }): Resources {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/**
 * App resources as rendered: the whole default block when `resources` is absent (or holds only
 * `defaultCPULimit`), else the requests and limits given; plus the default CPU limit
 * ({@link cpuLimitSource}) unless opted out.
 */
export function resolveResources(spec: { resources?: AppResourcesSpec }): Resources {
  return withCpuLimit(copyResources(givenResources(spec)), cpuLimitSource(spec));
}

/** An init container's or sidecar's resources as rendered: what it gives, plus the default CPU limit. */
export function resolveExtraResources(c: { resources?: ExtraResourcesSpec }): Resources {
  const { requests, limits } = c.resources ?? {};
  return withCpuLimit(copyResources({ requests, limits }), extraCpuLimitSource(c));
}

function withCpuLimit(out: Resources, cpu: CpuLimitSource): Resources {
  // cpu first, as in the default requests and the Kubernetes docs.
  if (cpu.from === 'default') out.limits = { cpu: cpu.limit, ...out.limits };
  return out;
}

/** The rule "each request ≤ its limit" for the resources block at `base` (a dotted path under spec). */
export function requestsWithinLimits<S extends object>(
  base: string,
  label: string,
  invalidExamples: Partial<S> | readonly Partial<S>[],
  names: readonly (keyof ResourceValues)[] = ['cpu', 'memory'],
): SpecRule<S> {
  const segments = base.split('.');
  const get = (spec: S) => {
    let value: unknown = spec;
    for (const s of segments) value = (value as Record<string, unknown> | undefined)?.[s];
    return value as ContainerResourcesSpec | undefined;
  };
  return {
    id: `${base}-requests-within-limits`,
    summary: `${label}: each request must not exceed its limit.`,
    check: (spec) => {
      const resources = get(spec);
      const issues: RuleIssue[] = [];
      for (const r of names) {
        const request = resources?.requests?.[r];
        const limit = resources?.limits?.[r];
        // Only values that parsed are compared: a malformed one already has its own issue.
        if ((tryCompareQuantities(request, limit) ?? 0) > 0) {
          issues.push({
            path: [...segments, 'requests', r],
            message: `request ${request} is above the limit ${limit}: lower the request or raise the limit`,
          });
        }
      }
      return issues;
    },
    cel: withinLimitsCel(base, names),
    invalidExamples: Array.isArray(invalidExamples) ? invalidExamples : [invalidExamples],
  };
}

/**
 * "each request ≤ its limit" as CEL for the resources block at `base` (a dotted path under self),
 * or at self itself when `base` is '' (a rule on the resources node of a list item).
 */
export function withinLimitsCel(base: string, names: readonly (keyof ResourceValues)[]): CelRule[] {
  const at = (rest: string) => (base === '' ? rest : `${base}.${rest}`);
  return names.map((r) => {
    // Kubernetes CEL escapes property names that are no identifiers: '-' is written __dash__
    // (https://kubernetes.io/docs/reference/using-api/cel/#escaping).
    const p = r.replaceAll('-', '__dash__');
    const field = r.includes('-') ? `requests['${r}']` : `requests.${r}`;
    return {
      rule: `!(${celHas(at(`requests.${p}`))} && ${celHas(at(`limits.${p}`))}) || quantity(string(self.${at(`requests.${p}`)})).compareTo(quantity(string(self.${at(`limits.${p}`)}))) <= 0`,
      message: `${at(`requests.${r}`)} is above ${at(`limits.${r}`)}: lower the request or raise the limit`,
      fieldPath: `.${at(field)}`,
    };
  });
}

export const RESOURCES_RULES = [
  requestsWithinLimits<{ resources?: AppResourcesSpec }>(
    'resources',
    'spec.resources',
    [
      { resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } } },
      { resources: { requests: { 'ephemeral-storage': '2Gi' }, limits: { 'ephemeral-storage': '1Gi' } } },
    ],
    ['cpu', 'memory', 'ephemeral-storage'],
  ),
];
