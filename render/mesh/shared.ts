// What every mesh provider module shares: the shape of one label or annotation with its reason,
// the input a provider renders from, and helpers for port lists and proxy resources. Providers
// (istio.ts, linkerd.ts) import this file; it imports neither of them, so the dependency runs
// one way (index.ts chooses the provider).
import type { MeshMode, MicroServiceSpec, Resources, ShutdownBudget } from '../../api/index.ts';

/** One label or annotation with the reason it is there. */
export interface MeshKey {
  readonly kind: 'label' | 'annotation';
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}

/** What a provider renders its keys from: the spec and the values resolved from it. */
export interface MeshInput {
  readonly spec: MicroServiceSpec;
  readonly mode: MeshMode;
  readonly proxy: Resources | undefined;
  readonly shutdown: ShutdownBudget;
}

/** Name of the container the mesh injects, for budgets and for status code that looks for it. */
export const PROXY_CONTAINER = { istio: 'istio-proxy', linkerd: 'linkerd-proxy' } as const;

export function splitMeshKeys(keys: readonly MeshKey[]): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const k of keys) (k.kind === 'label' ? labels : annotations)[k.key] = k.value;
  return { labels, annotations };
}

/** An annotation whose value is a sorted, comma-joined port list; none when the list is empty. */
export function portAnnotation(key: string, ports: readonly number[] | undefined, reason: string): MeshKey[] {
  const value = portList(ports);
  return value === undefined ? [] : [{ kind: 'annotation', key, value, reason }];
}

/** One annotation per proxy resource value that is set, each with `reason(what)`. */
export function proxyResourceAnnotations(
  values: readonly (readonly [key: string, value: string | number | undefined, what: string])[],
  reason: (what: string) => string,
): MeshKey[] {
  return values.flatMap(([key, value, what]) =>
    value === undefined ? [] : [{ kind: 'annotation' as const, key, value: String(value), reason: reason(what) }],
  );
}

export function portList(ports: readonly number[] | undefined): string | undefined {
  return ports && ports.length > 0 ? [...ports].sort((a, b) => a - b).join(',') : undefined;
}
