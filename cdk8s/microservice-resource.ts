// The MicroService custom resource itself, for teams whose clusters run the operator: cdk8s
// produces the CR and the operator renders it. Same props as the `MicroService` construct, so
// switching modes changes the class name and nothing else.
import type { Construct } from 'constructs';
import type { MicroService as MicroServiceObject } from '../api/index.ts';
import { MicroServiceDefinition } from './definition.ts';
import { type JsonObject, OrderedApiObject } from './ordered-api-object.ts';
import type { MicroServiceEnvFrom, MicroServiceEnvVar, MicroServiceProps } from './props.ts';

/**
 * A `msvc.dev/v1alpha1` MicroService custom resource, validated at construction with the schema
 * the CRD is generated from. The spec is written as given (no defaults filled in): the operator
 * applies api/defaults.ts when it renders, exactly as for a CR applied with kubectl.
 *
 * The CRD must be installed first: the Helm chart does it, or add a `MicroServiceCrd` to an
 * earlier chart.
 */
export class MicroServiceResource extends OrderedApiObject {
  private readonly definition: MicroServiceDefinition;

  constructor(scope: Construct, id: string, props: MicroServiceProps) {
    // Validated before super(): ApiObject takes its name and metadata at construction.
    const definition = new MicroServiceDefinition({ scope, id }, props);
    super(scope, id, { produce: () => definition.current as unknown as JsonObject });
    this.definition = definition;
  }

  /** The validated custom resource (a copy). */
  get resource(): MicroServiceObject {
    return this.definition.resource;
  }

  /** Adds environment variables to `spec.env`; validated at once. */
  addEnv(...variables: MicroServiceEnvVar[]): void {
    this.definition.addEnv(...variables);
  }

  /** Adds entries to `spec.envFrom`; validated at once. */
  addEnvFrom(...sources: MicroServiceEnvFrom[]): void {
    this.definition.addEnvFrom(...sources);
  }
}
