// The MicroService spec, composed from its sections (one module each: schema, defaults and
// cross-field rules together). The field order here is the order of `kubectl explain`, the CRD and
// the API reference; the rules run in section order.
import { z } from 'zod';
import { CALLERS_RULES, callersFields } from './callers.ts';
import { containerFields } from './container.ts';
import { CONTAINERS_RULES, containersFields } from './containers.ts';
import { DISRUPTION_RULES, disruptionFields } from './disruption.ts';
import { ENV_RULES, envFields } from './env.ts';
import { IDENTITY_RULES, identityFields } from './identity.ts';
import { MESH_RULES, meshFields } from './mesh.ts';
import { MONITORING_RULES, monitoringFields } from './monitoring.ts';
import { POD_METADATA_RULES, podMetadataFields } from './pod-metadata.ts';
import { PORTS_RULES, portsFields } from './ports.ts';
import { PROBES_RULES, probesFields } from './probes.ts';
import { RESOURCES_RULES, resourcesFields } from './resources.ts';
import { ROLLOUT_RULES, rolloutFields } from './rollout.ts';
import { ROUTES_RULES, routesFields } from './routes.ts';
import type { SpecRule } from './rule.ts';
import { RUNTIME_RULES, runtimeFields } from './runtime.ts';
import { replicasFields, SCALING_RULES } from './scaling.ts';
import { SCHEDULING_RULES, schedulingFields } from './scheduling.ts';
import { securityFields } from './security.ts';
import { SERVICE_RULES, serviceFields } from './service.ts';
import { SHUTDOWN_RULES, shutdownFields } from './shutdown.ts';
import { VOLUMES_RULES, volumesFields } from './volumes.ts';

const specShape = z.strictObject({
  ...containerFields,
  ...replicasFields,
  ...rolloutFields,
  ...portsFields,
  ...resourcesFields,
  ...probesFields,
  ...envFields,
  ...volumesFields,
  ...containersFields,
  ...schedulingFields,
  ...securityFields,
  ...runtimeFields,
  ...meshFields,
  ...shutdownFields,
  ...disruptionFields,
  ...identityFields,
  ...serviceFields,
  ...monitoringFields,
  ...routesFields,
  ...callersFields,
  ...podMetadataFields,
});

export type MicroServiceSpec = z.infer<typeof specShape>;

/** Every cross-field rule, in section order. */
export const SPEC_RULES: readonly SpecRule<MicroServiceSpec>[] = [
  ...POD_METADATA_RULES,
  ...RESOURCES_RULES,
  ...PORTS_RULES,
  ...PROBES_RULES,
  ...SCALING_RULES,
  ...ROLLOUT_RULES,
  ...MESH_RULES,
  ...DISRUPTION_RULES,
  ...SERVICE_RULES,
  ...MONITORING_RULES,
  ...ROUTES_RULES,
  ...CALLERS_RULES,
  ...IDENTITY_RULES,
  ...ENV_RULES,
  ...VOLUMES_RULES,
  ...CONTAINERS_RULES,
  ...SCHEDULING_RULES,
  ...RUNTIME_RULES,
  ...SHUTDOWN_RULES,
];

export const specSchema = specShape
  .superRefine((spec, ctx) => {
    // Cross-field rules see what parsed; a field the schema already refused (a value below its
    // minimum, a key it does not offer) is reported once, not again by a rule that reads it.
    const refused = ctx.issues.map((i) => i.path ?? []);
    const covered = (path: readonly PropertyKey[]) =>
      refused.some((r) => r.length <= path.length && r.every((segment, k) => segment === path[k]));
    for (const rule of SPEC_RULES) {
      for (const issue of rule.check(spec)) {
        if (covered(issue.path)) continue;
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    }
  })
  .meta({
    description: 'Desired state of the service: one container image and how it should run.',
    'x-kubernetes-validations': SPEC_RULES.flatMap((rule) => rule.cel.map((cel) => ({ ...cel }))),
  });

export * from './callers.ts';
export * from './container.ts';
export * from './containers.ts';
export * from './disruption.ts';
export * from './env.ts';
export * from './fields.ts';
export * from './identity.ts';
export * from './mesh.ts';
export * from './monitoring.ts';
export * from './pod-metadata.ts';
export * from './pod-security.ts';
export * from './ports.ts';
export * from './probes.ts';
export * from './resources.ts';
export * from './rollout.ts';
export * from './routes.ts';
export * from './rule.ts';
export * from './runtime.ts';
export * from './scaling.ts';
export * from './scheduling.ts';
export * from './security.ts';
export * from './service.ts';
export * from './shutdown.ts';
export * from './volumes.ts';
