// cdk8s constructs for the MicroService API (package subpath `microservice-operator/cdk8s`):
// `MicroService` renders the objects the operator would apply, `MicroServiceResource` emits the
// custom resource, `MicroServiceCrd` the CRD; helpers reference cdk8s-plus-27 objects.
export { MicroServiceCrd } from './crd.ts';
export {
  type EnvKeyOptions,
  type EnvKeysOptions,
  envFromConfigMap,
  envFromConfigMapKeys,
  envFromKplus,
  envFromKplusVariables,
  envFromSecret,
  envFromSecretKeys,
  serviceAccountFromKplus,
} from './kplus.ts';
export { MicroService, type MicroServiceOptions } from './microservice.ts';
export { MicroServiceResource } from './microservice-resource.ts';
export { OrderedApiObject, type OrderedApiObjectOptions } from './ordered-api-object.ts';
export type {
  MicroServiceEnvFrom,
  MicroServiceEnvVar,
  MicroServiceMetadata,
  MicroServicePort,
  MicroServiceProps,
  MicroServiceServiceAccount,
} from './props.ts';
