// Every default of the MicroService API in one object, composed from the spec sections that own
// them (api/spec/*.ts). The renderer, the cdk8s construct's `@default` docs, the CLI's `explain` and
// the rules all read these values, so a default changes in its section or nowhere.
import { DISRUPTION_DEFAULTS } from './spec/disruption.ts';
import { IDENTITY_DEFAULTS } from './spec/identity.ts';
import { MESH_DEFAULTS } from './spec/mesh.ts';
import { MONITORING_DEFAULTS } from './spec/monitoring.ts';
import { PORTS_DEFAULTS } from './spec/ports.ts';
import { PROBES_DEFAULTS } from './spec/probes.ts';
import { RESOURCES_DEFAULTS } from './spec/resources.ts';
import { ROLLOUT_DEFAULTS } from './spec/rollout.ts';
import { ROUTES_DEFAULTS } from './spec/routes.ts';
import { RUNTIME_DEFAULTS } from './spec/runtime.ts';
import { SCALING_DEFAULTS } from './spec/scaling.ts';
import { SCHEDULING_DEFAULTS } from './spec/scheduling.ts';
import { SECURITY_DEFAULTS } from './spec/security.ts';
import { SERVICE_DEFAULTS } from './spec/service.ts';
import { SHUTDOWN_DEFAULTS } from './spec/shutdown.ts';
import { VOLUMES_DEFAULTS } from './spec/volumes.ts';

export const DEFAULTS = {
  ...SCALING_DEFAULTS,
  ...RESOURCES_DEFAULTS,
  ...ROLLOUT_DEFAULTS,
  ...PORTS_DEFAULTS,
  ...PROBES_DEFAULTS,
  ...RUNTIME_DEFAULTS,
  ...MESH_DEFAULTS,
  ...SHUTDOWN_DEFAULTS,
  ...DISRUPTION_DEFAULTS,
  ...IDENTITY_DEFAULTS,
  ...SERVICE_DEFAULTS,
  ...MONITORING_DEFAULTS,
  ...ROUTES_DEFAULTS,
  ...VOLUMES_DEFAULTS,
  ...SCHEDULING_DEFAULTS,
  ...SECURITY_DEFAULTS,
} as const;
