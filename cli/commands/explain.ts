// `msvc explain`: for each MicroService, every computed value the renderer set (env tuning, mesh
// labels and annotations, shutdown budget, probes, replicas, the pod budget) and the rule behind it.
// The reasons come from render/explain.ts, the same code path that renders the objects; this file
// only adds what is copied from the spec as given (env, pod labels and annotations) and lays the
// list out for people.
import { type Explanation, names, render } from '../../render/index.ts';
import { displayName, type LocatedMicroService, load } from '../input.ts';
import { EXIT_OK, type Io, reportErrors, reportSkipped } from '../io.ts';

export interface ExplainOptions {
  readonly filename: readonly string[];
  readonly output?: 'text' | 'json';
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
  const loaded = await load(options.filename, io.stdin);
  if (loaded.errors.length > 0) return reportErrors(io, loaded.errors);
  reportSkipped(io, loaded.skipped);
  if (options.output === 'json') {
    const all = loaded.services.map((s) => ({
      source: s.where,
      microService: { namespace: s.value.metadata.namespace, name: s.value.metadata.name },
      explanations: explanationsOf(s),
    }));
    io.out(`${JSON.stringify(all, null, 2)}\n`);
    return EXIT_OK;
  }
  const blocks = loaded.services.map((s) =>
    formatExplanations(`MicroService ${displayName(s.value)} (${s.where})`, explanationsOf(s)),
  );
  io.out(blocks.join('\n'));
  return EXIT_OK;
}
