// Mesh enrolment: the pod-template labels and annotations a mesh's own injector reads
// (docs/mesh.md). The operator never injects containers; it tells the injector what to do,
// budgets the proxy, and orders start-up and shutdown around the app's own budget.
import { type MicroServiceSpec, meshMode, meshProvider, resolveProxyResources, resolveShutdown } from '../api/index.ts';
import { istioMetadata } from './istio.ts';
import { linkerdMetadata } from './linkerd.ts';

/** One label or annotation with the reason it is there. */
export interface MeshKey {
  readonly kind: 'label' | 'annotation';
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}

/** Name of the container the mesh injects, for budgets and for status code that looks for it. */
export const PROXY_CONTAINER = { istio: 'istio-proxy', linkerd: 'linkerd-proxy' } as const;

export function meshKeys(spec: MicroServiceSpec): MeshKey[] {
  const provider = meshProvider(spec);
  const mode = meshMode(spec);
  if (provider === 'none' || mode === undefined) return [];
  const input = { spec, mode, proxy: resolveProxyResources(spec), shutdown: resolveShutdown(spec) };
  return provider === 'istio' ? istioMetadata(input) : linkerdMetadata(input);
}

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
