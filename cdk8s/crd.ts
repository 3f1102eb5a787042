// The MicroService CustomResourceDefinition as a construct, from the same buildCrd() that writes
// crds/ and the Helm chart, for cdk8s apps that install the API themselves.
import type { Construct } from 'constructs';
import { buildCrd } from '../api/index.ts';
import { type JsonObject, OrderedApiObject } from './ordered-api-object.ts';

/**
 * The `microservices.msvc.dev` CustomResourceDefinition. Cluster-scoped: the Chart's namespace is
 * not applied. Put it in a chart that `MicroServiceResource` charts depend on
 * (`chart.addDependency(crdChart)`), so it is applied first.
 */
export class MicroServiceCrd extends OrderedApiObject {
  constructor(scope: Construct, id: string) {
    super(scope, id, { produce: () => buildCrd() as JsonObject, clusterScoped: true });
  }
}
