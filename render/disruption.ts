// The PodDisruptionBudget, only when it can protect anything: with fewer than two pods a budget
// either blocks every node drain (minAvailable 1) or allows everything (maxUnavailable 1).
import { DEFAULTS, type MicroService, minimumReplicas } from '../api/index.ts';
import { commonLabels, selectorLabels } from './labels.ts';
import { names } from './names.ts';
import type { RenderConfig, RenderedObject } from './types.ts';

export function renderPodDisruptionBudget(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  if (minimumReplicas(ms.spec) < DEFAULTS.disruptionMinReplicas) return undefined;
  const d = ms.spec.disruption;
  const budget =
    d?.minAvailable !== undefined
      ? { minAvailable: d.minAvailable }
      : { maxUnavailable: d?.maxUnavailable ?? DEFAULTS.disruption.maxUnavailable };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: names.podDisruptionBudget(ms.metadata.name),
      ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
      labels: commonLabels(ms, cfg),
    },
    spec: {
      ...budget,
      selector: { matchLabels: selectorLabels(ms) },
      // Pods that are not ready protect nothing; letting them go keeps drains from hanging on a crash loop.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
