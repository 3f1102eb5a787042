// The app container: image, ports, env (user env first, then runtime tuning; a JAVA_TOOL_OPTIONS or
// NODE_OPTIONS the user set is extended in place), resources, probes,
// the preStop sleep and the `restricted` Pod Security settings.
import {
  type EnvFromSpec,
  type EnvVarSpec,
  type MicroService,
  type ResourceValues,
  resolveResources,
  resolveShutdown,
} from '../api/index.ts';
import { names } from './names.ts';
import { renderProbe } from './probes.ts';
import { runtimeTuning, withTuning } from './runtime/index.ts';
import type { EnvVar } from './types.ts';
import { renderVolumeMounts } from './volumes.ts';

export function resourceBlock(values: ResourceValues): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (values.cpu !== undefined) out['cpu'] = values.cpu;
  if (values.memory !== undefined) out['memory'] = values.memory;
  if (values['ephemeral-storage'] !== undefined) out['ephemeral-storage'] = values['ephemeral-storage'];
  return out;
}

/** A container's env as given; a resourceFieldRef without a container reads `containerName`'s own. */
export function renderEnv(given: readonly EnvVarSpec[] | undefined, containerName: string): EnvVar[] {
  return (given ?? []).map((e) => {
    if (e.valueFrom === undefined) return { name: e.name, value: e.value ?? '' };
    const from = e.valueFrom;
    const valueFrom: Record<string, unknown> = {};
    if (from.configMapKeyRef) valueFrom['configMapKeyRef'] = { ...from.configMapKeyRef };
    if (from.secretKeyRef) valueFrom['secretKeyRef'] = { ...from.secretKeyRef };
    if (from.fieldRef) valueFrom['fieldRef'] = { apiVersion: 'v1', fieldPath: from.fieldRef.fieldPath };
    if (from.resourceFieldRef) {
      valueFrom['resourceFieldRef'] = { containerName, ...from.resourceFieldRef };
    }
    return { name: e.name, valueFrom };
  });
}

export function renderEnvFrom(given: readonly EnvFromSpec[]): Record<string, unknown>[] {
  return given.map((e) => {
    const out: Record<string, unknown> = {};
    if (e.prefix !== undefined) out['prefix'] = e.prefix;
    if (e.configMapRef) out['configMapRef'] = { ...e.configMapRef };
    if (e.secretRef) out['secretRef'] = { ...e.secretRef };
    return out;
  });
}

/** The container settings of the `restricted` Pod Security level, with a read-only root filesystem. */
export function restrictedSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function renderAppContainer(ms: MicroService): Record<string, unknown> {
  const spec = ms.spec;
  const container: Record<string, unknown> = { name: names.appContainer, image: spec.image };
  if (spec.imagePullPolicy) container['imagePullPolicy'] = spec.imagePullPolicy;
  if (spec.command) container['command'] = [...spec.command];
  if (spec.args) container['args'] = [...spec.args];
  if (spec.ports && spec.ports.length > 0) {
    container['ports'] = spec.ports.map((p) => ({
      name: p.name,
      containerPort: p.port,
      protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP',
    }));
  }
  const env = withTuning(renderEnv(spec.env, names.appContainer), runtimeTuning(spec));
  if (env.length > 0) container['env'] = env;
  if (spec.envFrom && spec.envFrom.length > 0) container['envFrom'] = renderEnvFrom(spec.envFrom);
  const resources = resolveResources(spec);
  container['resources'] = { requests: resourceBlock(resources.requests), limits: resourceBlock(resources.limits) };
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const probe = renderProbe(spec, kind);
    if (probe) container[`${kind}Probe`] = probe;
  }
  const { preStopSleepSeconds } = resolveShutdown(spec);
  if (preStopSleepSeconds > 0) {
    // The native sleep action needs no shell in the image (PodLifecycleSleepAction, GA in 1.34:
    // https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations).
    container['lifecycle'] = { preStop: { sleep: { seconds: preStopSleepSeconds } } };
  }
  container['securityContext'] = restrictedSecurityContext();
  container['volumeMounts'] = renderVolumeMounts(spec.volumeMounts);
  container['terminationMessagePolicy'] = 'FallbackToLogsOnError';
  return container;
}
