// The HorizontalPodAutoscaler (autoscaling/v2), only when spec.autoscaling is set. The Deployment
// then has no replicas field, so server-side apply never takes replicas back from the HPA.
import { copyData, cpuTarget, DEFAULTS, type MicroService } from '../api/index.ts';
import { commonLabels } from './labels.ts';
import { names } from './names.ts';
import type { RenderConfig, RenderedObject } from './types.ts';

export function renderHorizontalPodAutoscaler(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  const a = ms.spec.autoscaling;
  if (!a) return undefined;
  const metrics: Record<string, unknown>[] = [];
  const cpu = cpuTarget(a);
  if (cpu !== undefined) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } },
    });
  }
  if (a.targetMemoryUtilizationPercent !== undefined) {
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'memory',
        target: { type: 'Utilization', averageUtilization: a.targetMemoryUtilizationPercent },
      },
    });
  }
  // Custom metrics and behavior pass through as written (the autoscaling/v2 shapes), copied so the
  // rendered object shares nothing with the input.
  for (const m of a.metrics ?? []) metrics.push(copyData(m));
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: names.horizontalPodAutoscaler(ms.metadata.name),
      ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
      labels: commonLabels(ms, cfg),
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.deployment(ms.metadata.name) },
      minReplicas: a.minReplicas ?? DEFAULTS.autoscaling.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics,
      ...(a.behavior ? { behavior: copyData(a.behavior) } : {}),
    },
  };
}
