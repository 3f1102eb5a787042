// `msvc explain`: for each MicroService, every computed value the renderer set (env tuning, mesh
// labels and annotations, shutdown budget, probes, replicas, the pod budget) and the rule behind it.
// The reasons come from render/explain.ts, the same code path that renders the objects; this file
// only adds what is copied from the spec as given (env, pod labels and annotations) and lays the
// list out for people.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import {
  capacityRisks,
  type Explanation,
  type LimitRangeLike,
  names,
  type ResourceQuotaLike,
  render,
} from '../../render/index.ts';
import { displayName, type LocatedMicroService, load } from '../input.ts';
import { EXIT_OK, EXIT_USER_ERROR, type Io, reportErrors, reportSkipped } from '../io.ts';

export interface ExplainOptions {
  readonly filename: readonly string[];
  readonly output?: 'text' | 'json';
  /** Files of ResourceQuotas and LimitRanges (`kubectl get resourcequota,limitrange -o yaml`) to check the pods against. */
  readonly capacity?: readonly string[];
}

/** The namespace objects of a capacity check; a MicroService meets those of its namespace (or all, without one). */
export interface CapacityObjects {
  readonly quotas: readonly ResourceQuotaLike[];
  readonly limitRanges: readonly LimitRangeLike[];
}

/** ResourceQuotas and LimitRanges from YAML or JSON files (Lists unpacked); other kinds are errors. */
export async function loadCapacityObjects(paths: readonly string[]): Promise<CapacityObjects | string> {
  const quotas: ResourceQuotaLike[] = [];
  const limitRanges: LimitRangeLike[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      return `${path}: ${(error as Error).message}`;
    }
    const documents = parseAllDocuments(text);
    if (!Array.isArray(documents)) continue;
    for (const [i, document] of documents.entries()) {
      if (document.errors.length > 0) return `${path}:${i + 1}: ${document.errors[0]?.message}`;
      const value = document.toJS() as { kind?: string; items?: unknown[] } | null;
      if (value === null) continue;
      for (const item of (value.kind?.endsWith('List') ? value.items : [value]) as { kind?: string }[]) {
        if (item.kind === 'ResourceQuota') quotas.push(item as ResourceQuotaLike);
        else if (item.kind === 'LimitRange') limitRanges.push(item as LimitRangeLike);
        else
          return `${path}:${i + 1}: kind ${item.kind ?? '(none)'} is not a ResourceQuota or LimitRange (--capacity takes \`kubectl get resourcequota,limitrange -n NAMESPACE -o yaml\`)`;
      }
    }
  }
  return { quotas, limitRanges };
}

/** The capacity check as explanations: each quota or limit range that would refuse the pods, or that they fit. */
export function capacityExplanations(value: LocatedMicroService['value'], objects: CapacityObjects): Explanation[] {
  const namespace = value.metadata.namespace;
  const here = <T extends { metadata?: { namespace?: string } }>(list: readonly T[]) =>
    list.filter(
      (o) => namespace === undefined || o.metadata?.namespace === undefined || o.metadata.namespace === namespace,
    );
  const quotas = here(objects.quotas);
  const limitRanges = here(objects.limitRanges);
  const object = `Deployment/${names.deployment(value.metadata.name)}`;
  const risks = capacityRisks({ spec: value.spec, quotas, limitRanges });
  const given = `${quotas.length} ResourceQuota${quotas.length === 1 ? '' : 's'} and ${limitRanges.length} LimitRange${limitRanges.length === 1 ? '' : 's'} given, counted as for a new Deployment (the operator also counts what the current pods hold)`;
  if (risks.length === 0) {
    return [{ object, field: 'capacity', value: 'fits', reason: `the pods and a rollout's surge fit the ${given}` }];
  }
  return risks.map((r) => ({
    object,
    field: `capacity ${r.kind} ${r.name} ${r.resource}`,
    value: r.short ? `short by ${r.short}` : 'refused',
    reason: r.message,
  }));
}

function describeSource(valueFrom: Record<string, unknown>): string {
  const [kind, ref] = Object.entries(valueFrom)[0] ?? [];
  const r = (ref ?? {}) as Record<string, unknown>;
  const target = r['name'] !== undefined ? `${r['name']}/${r['key']}` : (r['fieldPath'] ?? r['resource'] ?? '');
  return `(from ${kind} ${target})`;
}

/** Explanations for one MicroService: what the user gave (env in container order, pod metadata), then the renderer's. */
export function explanationsOf({ value }: LocatedMicroService): Explanation[] {
  const deployment = `Deployment/${names.deployment(value.metadata.name)}`;
  const rendered = render(value).explanations;
  // An options variable the runtime tuning extends (JAVA_TOOL_OPTIONS, NODE_OPTIONS) is explained
  // there, with the value the container gets; the rest of spec.env is copied as given.
  const extended = new Set(rendered.filter((e) => e.value !== '(unset)').map((e) => e.field));
  const given: Explanation[] = (value.spec.env ?? [])
    .filter((e) => !extended.has(`env ${e.name}`))
    .map((e) => ({
      object: deployment,
      field: `env ${e.name}`,
      value: e.value ?? (e.valueFrom ? describeSource(e.valueFrom) : ''),
      reason: 'set in spec.env (copied as given; runtime tuning never overrides it)',
    }));
  for (const [field, map] of [
    ['label', value.spec.podLabels],
    ['annotation', value.spec.podAnnotations],
  ] as const) {
    for (const [key, v] of Object.entries(map ?? {})) {
      given.push({
        object: deployment,
        field: `pod ${field} ${key}`,
        value: v,
        reason: `set in spec.pod${field === 'label' ? 'Labels' : 'Annotations'} (copied as given)`,
      });
    }
  }
  return [...given, ...rendered];
}

/** Aligned text: one block per object, value beside the field, the reason indented underneath. */
export function formatExplanations(header: string, explanations: readonly Explanation[]): string {
  const width = Math.max(0, ...explanations.map((e) => e.field.length));
  let out = `${header}\n`;
  let object: string | undefined;
  for (const e of explanations) {
    if (e.object !== object) {
      object = e.object;
      out += `\n  ${object}\n`;
    }
    out += `    ${e.field.padEnd(width)}  ${e.value}\n      ${e.reason}\n`;
    if (e.source) out += `      source: ${e.source}\n`;
  }
  return out;
}

export async function runExplain(options: ExplainOptions, io: Io): Promise<number> {
  const loaded = await load(options.filename, () => io.stdin);
  if (loaded.errors.length > 0) return reportErrors(io, loaded.errors);
  reportSkipped(io, loaded.skipped);
  let capacity: CapacityObjects | undefined;
  if (options.capacity !== undefined && options.capacity.length > 0) {
    const read = await loadCapacityObjects(options.capacity);
    if (typeof read === 'string') {
      io.err(`msvc explain: --capacity ${read}\n`);
      return EXIT_USER_ERROR;
    }
    capacity = read;
  }
  const explain = (s: LocatedMicroService) => [
    ...explanationsOf(s),
    ...(capacity ? capacityExplanations(s.value, capacity) : []),
  ];
  if (options.output === 'json') {
    const all = loaded.services.map((s) => ({
      source: s.where,
      microService: { namespace: s.value.metadata.namespace, name: s.value.metadata.name },
      explanations: explain(s),
    }));
    io.out(`${JSON.stringify(all, null, 2)}\n`);
    return EXIT_OK;
  }
  const blocks = loaded.services.map((s) =>
    formatExplanations(`MicroService ${displayName(s.value)} (${s.where})`, explain(s)),
  );
  io.out(blocks.join('\n'));
  return EXIT_OK;
}
