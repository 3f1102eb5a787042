// The renderer's public entry: MicroService in, Kubernetes objects (and the reasons behind them) out.
// Pure and deterministic: no I/O, no clock, no randomness, inputs never mutated. The operator, the
// cdk8s construct and the CLI all call `render`, so they cannot disagree.
import type { MicroService } from '../api/index.ts';
import { renderHorizontalPodAutoscaler } from './autoscaling.ts';
import { renderDeployment } from './deployment.ts';
import { renderPodDisruptionBudget } from './disruption.ts';
import { explain } from './explain.ts';
import { renderMonitor } from './monitoring.ts';
import { renderIstioAuthorizationPolicy, renderLinkerdPolicy, renderNetworkPolicy } from './policy.ts';
import { renderGrpcRoute, renderHttpRoute, renderIngress } from './routes.ts';
import { renderService } from './service.ts';
import { renderServiceAccount } from './service-account.ts';
import { DEFAULT_RENDER_CONFIG, type RenderConfig, type RenderedObject, type RenderResult } from './types.ts';

/** Renders a validated MicroService (see api/validate.ts): its objects and the reasons behind computed values. */
export function render(ms: MicroService, cfg: RenderConfig = DEFAULT_RENDER_CONFIG): RenderResult {
  return { objects: renderObjects(ms, cfg), explanations: explain(ms) };
}

/**
 * The objects of {@link render} alone, for callers that never read the explanations (`msvc render`,
 * the operator): explaining costs as much again as rendering the Service and ServiceAccount.
 */
export function renderObjects(ms: MicroService, cfg: RenderConfig = DEFAULT_RENDER_CONFIG): RenderedObject[] {
  return [
    renderServiceAccount(ms, cfg),
    renderService(ms, cfg),
    renderDeployment(ms, cfg),
    renderHorizontalPodAutoscaler(ms, cfg),
    renderPodDisruptionBudget(ms, cfg),
    renderMonitor(ms, cfg),
    renderHttpRoute(ms, cfg),
    renderGrpcRoute(ms, cfg),
    renderIngress(ms, cfg),
    renderNetworkPolicy(ms, cfg),
    renderIstioAuthorizationPolicy(ms, cfg),
    ...renderLinkerdPolicy(ms, cfg),
  ].filter((o): o is RenderedObject => o !== undefined);
}

export { POD_RESOURCES_ANNOTATION, podBudget } from './budget.ts';
export {
  type CapacityRisk,
  capacityRisks,
  type LimitRangeLike,
  podCharge,
  type ResourceQuotaLike,
} from './capacity.ts';
export {
  CONFIG_HASH_ANNOTATION,
  type ConfigKind,
  type ConfigReference,
  configHash,
  configKey,
  configReferences,
} from './config.ts';
export { POD_TEMPLATE_HASH_ANNOTATION } from './deployment.ts';
export { canonicalJson, contentHash } from './hash.ts';
export * from './labels.ts';
export { PROXY_CONTAINER } from './mesh/index.ts';
export { groupOf, type KindRef, kindKey, names } from './names.ts';
export { policyNamespaceGuesses } from './policy.ts';
export * from './types.ts';
