// Mesh enrolment: the pod-template labels and annotations a mesh's own injector reads. The
// operator never injects containers; it tells the injector what to do, budgets the proxy, and
// orders start-up and shutdown around the app's own budget (docs/mesh.md). This file picks the
// provider; the providers share shared.ts and never import each other or this file.
import {
  type MicroServiceSpec,
  meshMode,
  meshProvider,
  resolveProxyResources,
  resolveShutdown,
} from '../../api/index.ts';
import { istioMetadata } from './istio.ts';
import { linkerdMetadata } from './linkerd.ts';
import type { MeshKey } from './shared.ts';

export { type MeshKey, PROXY_CONTAINER, splitMeshKeys } from './shared.ts';

export function meshKeys(spec: MicroServiceSpec): MeshKey[] {
  const provider = meshProvider(spec);
  const mode = meshMode(spec);
  if (provider === 'none' || mode === undefined) return [];
  const input = { spec, mode, proxy: resolveProxyResources(spec), shutdown: resolveShutdown(spec) };
  return provider === 'istio' ? istioMetadata(input) : linkerdMetadata(input);
}
