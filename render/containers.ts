// The pod's other containers: spec.sidecars as native sidecars (init containers with
// restartPolicy: Always, https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/),
// then spec.initContainers, so that a migration can already use a sidecar (a database proxy, say).
// Each gets the app's `restricted` security context and a writable /tmp.
import {
  type ExtraContainerSpec,
  type MicroServiceSpec,
  resolveExtraResources,
  type VolumeMountSpec,
} from '../api/index.ts';
import { renderEnv, renderEnvFrom, resourceBlock, restrictedSecurityContext } from './container.ts';
import { renderVolumeMounts } from './volumes.ts';

function renderExtra(c: ExtraContainerSpec, sidecar: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, image: c.image };
  if (c.imagePullPolicy) out['imagePullPolicy'] = c.imagePullPolicy;
  if (c.command) out['command'] = [...c.command];
  if (c.args) out['args'] = [...c.args];
  const env = renderEnv(c.env, c.name);
  if (env.length > 0) out['env'] = env;
  if (c.envFrom && c.envFrom.length > 0) out['envFrom'] = renderEnvFrom(c.envFrom);
  // The app's CPU-limit rule (docs/resources.md): a CPU request without a limit gets the default one.
  const resources = resolveExtraResources(c);
  out['resources'] = { requests: resourceBlock(resources.requests), limits: resourceBlock(resources.limits) };
  if (sidecar) out['restartPolicy'] = 'Always';
  out['securityContext'] = restrictedSecurityContext();
  out['volumeMounts'] = renderVolumeMounts(c.volumeMounts as VolumeMountSpec[] | undefined);
  out['terminationMessagePolicy'] = 'FallbackToLogsOnError';
  return out;
}

/** spec.template.spec.initContainers: sidecars first, then init containers; undefined when there are none. */
export function renderInitContainers(spec: MicroServiceSpec): Record<string, unknown>[] | undefined {
  const list = [
    ...(spec.sidecars ?? []).map((c) => renderExtra(c, true)),
    ...(spec.initContainers ?? []).map((c) => renderExtra(c, false)),
  ];
  return list.length > 0 ? list : undefined;
}
