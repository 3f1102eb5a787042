// The Deployment: pod template with the app container, mesh metadata, identity, shutdown budget and
// the restricted security defaults. Leaves `replicas` out while an autoscaler owns it.
import {
  copyData,
  DEFAULTS,
  type MicroService,
  resolvePodSecurityContext,
  resolveRollingUpdate,
  resolveShutdown,
  serviceAccountName,
} from '../api/index.ts';
import { POD_RESOURCES_ANNOTATION, podBudget } from './budget.ts';
import { CONFIG_HASH_ANNOTATION } from './config.ts';
import { renderAppContainer } from './container.ts';
import { renderInitContainers } from './containers.ts';
import { contentHash } from './hash.ts';
import { commonLabels, selectorLabels } from './labels.ts';
import { meshKeys, splitMeshKeys } from './mesh/index.ts';
import { monitoringPodAnnotations } from './monitoring.ts';
import { names } from './names.ts';
import type { RenderConfig, RenderedObject } from './types.ts';
import { renderVolumes } from './volumes.ts';

/** On the pod template: changes exactly when the template does; lets the operator and status code match pods to the current spec. */
export const POD_TEMPLATE_HASH_ANNOTATION = 'msvc.dev/pod-template-hash';

export function renderDeployment(ms: MicroService, cfg: RenderConfig): RenderedObject {
  const spec = ms.spec;
  const mesh = splitMeshKeys(meshKeys(spec));
  // User keys first: reserved keys are rejected by validation, and ours win regardless.
  const podLabels = { ...spec.podLabels, ...commonLabels(ms, cfg), ...mesh.labels };
  const initContainers = renderInitContainers(spec);
  const podSpec: Record<string, unknown> = {
    ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets.map((s) => ({ name: s.name })) } : {}),
    serviceAccountName: serviceAccountName(spec, ms.metadata.name) ?? 'default',
    automountServiceAccountToken: spec.serviceAccount?.automountToken ?? DEFAULTS.serviceAccount.automountToken,
    securityContext: resolvePodSecurityContext(spec),
    terminationGracePeriodSeconds: resolveShutdown(spec).gracePeriodSeconds,
    ...(initContainers ? { initContainers } : {}),
    containers: [renderAppContainer(ms)],
    volumes: renderVolumes(spec),
    ...scheduling(ms),
  };
  const templateAnnotations: Record<string, string> = {
    ...spec.podAnnotations,
    ...monitoringPodAnnotations(ms),
    ...mesh.annotations,
  };
  // Changes when a referenced ConfigMap or Secret does, and with it the template: one rollout.
  if (spec.rolloutOnConfigChange === true && cfg.configHash !== undefined) {
    templateAnnotations[CONFIG_HASH_ANNOTATION] = cfg.configHash;
  }
  const template = { metadata: { labels: podLabels, annotations: templateAnnotations }, spec: podSpec };
  // Hash everything in the template but the hash itself.
  templateAnnotations[POD_TEMPLATE_HASH_ANNOTATION] = contentHash(template);
  const deploymentSpec: Record<string, unknown> = {};
  if (!spec.autoscaling) deploymentSpec['replicas'] = spec.replicas ?? DEFAULTS.replicas;
  deploymentSpec['selector'] = { matchLabels: selectorLabels(ms) };
  // By default surge first and never drop below the desired count: the least impact while rolling.
  const rolling = resolveRollingUpdate(spec);
  deploymentSpec['strategy'] = rolling ? { type: 'RollingUpdate', rollingUpdate: rolling } : { type: 'Recreate' };
  // The Deployment API defaults these itself; written only when set, so a spec that does not
  // mention them renders what it did before.
  if (spec.minReadySeconds !== undefined) deploymentSpec['minReadySeconds'] = spec.minReadySeconds;
  if (spec.progressDeadlineSeconds !== undefined) {
    deploymentSpec['progressDeadlineSeconds'] = spec.progressDeadlineSeconds;
  }
  if (spec.revisionHistoryLimit !== undefined) deploymentSpec['revisionHistoryLimit'] = spec.revisionHistoryLimit;
  deploymentSpec['template'] = template;
  const budget = podBudget(spec);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: names.deployment(ms.metadata.name),
      ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
      labels: commonLabels(ms, cfg),
      annotations: {
        [POD_RESOURCES_ANNOTATION]: JSON.stringify({
          requests: budget.requests,
          limits: budget.limits,
          containers: budget.containers,
        }),
      },
    },
    spec: deploymentSpec,
  };
}

/** nodeSelector, tolerations, affinity, spread, priority and runtime class, as given; the spread defaults otherwise. */
function scheduling(ms: MicroService): Record<string, unknown> {
  const spec = ms.spec;
  const out: Record<string, unknown> = {};
  if (spec.nodeSelector) out['nodeSelector'] = { ...spec.nodeSelector };
  if (spec.tolerations) out['tolerations'] = copyData(spec.tolerations);
  if (spec.affinity) out['affinity'] = copyData(spec.affinity);
  const spread = (spec.topologySpreadConstraints ?? DEFAULTS.topologySpread) as readonly Record<string, unknown>[];
  out['topologySpreadConstraints'] = spread.map((c) => ({
    ...copyData(c),
    // Without a selector a constraint counts no pods at all; ours is what the user means.
    labelSelector: c['labelSelector'] ? copyData(c['labelSelector']) : { matchLabels: selectorLabels(ms) },
  }));
  if (spec.priorityClassName) out['priorityClassName'] = spec.priorityClassName;
  if (spec.runtimeClassName) out['runtimeClassName'] = spec.runtimeClassName;
  return out;
}
