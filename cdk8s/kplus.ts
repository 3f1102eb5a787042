// Interop with cdk8s-plus-27: turns kplus ConfigMaps, Secrets, EnvValues and ServiceAccounts into
// the MicroService spec's own types. Only references cross over (names and keys): the spec has no
// volumes, containers or pod fields of its own to take anything else (docs/cdk8s.md).
import type * as kplus from 'cdk8s-plus-27';
import type { IConstruct } from 'constructs';
import type { MicroServiceEnvFrom, MicroServiceEnvVar, MicroServiceServiceAccount } from './props.ts';

/** Options of a single-key reference. */
export interface EnvKeyOptions {
  /**
   * Start the container even if the ConfigMap/Secret or the key is missing.
   *
   * @default false
   */
  readonly optional?: boolean;
}

/** Options of importing every key of a ConfigMap or Secret. */
export interface EnvKeysOptions {
  /**
   * Prefix added to every variable name.
   *
   * @default - none
   */
  readonly prefix?: string;
  /**
   * Start the container even if the ConfigMap/Secret is missing.
   *
   * @default false
   */
  readonly optional?: boolean;
}

function withOptional<T extends object>(ref: T, optional: boolean | undefined): T & { optional?: boolean } {
  return optional === undefined ? ref : { ...ref, optional };
}

/** `name` = the value of `key` in a cdk8s-plus ConfigMap (`valueFrom.configMapKeyRef`). */
export function envFromConfigMap(
  name: string,
  configMap: kplus.IConfigMap,
  key: string,
  options: EnvKeyOptions = {},
): MicroServiceEnvVar {
  return { name, valueFrom: { configMapKeyRef: withOptional({ name: configMap.name, key }, options.optional) } };
}

/** `name` = the value of `key` in a cdk8s-plus Secret (`valueFrom.secretKeyRef`). */
export function envFromSecret(
  name: string,
  secret: kplus.ISecret,
  key: string,
  options: EnvKeyOptions = {},
): MicroServiceEnvVar {
  return { name, valueFrom: { secretKeyRef: withOptional({ name: secret.name, key }, options.optional) } };
}

/** Every key of a cdk8s-plus ConfigMap as a variable (`envFrom[].configMapRef`). */
export function envFromConfigMapKeys(configMap: kplus.IConfigMap, options: EnvKeysOptions = {}): MicroServiceEnvFrom {
  return {
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    configMapRef: withOptional({ name: configMap.name }, options.optional),
  };
}

/** Every key of a cdk8s-plus Secret as a variable (`envFrom[].secretRef`). */
export function envFromSecretKeys(secret: kplus.ISecret, options: EnvKeysOptions = {}): MicroServiceEnvFrom {
  return {
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    secretRef: withOptional({ name: secret.name }, options.optional),
  };
}

type KeyRef = { name: string; key: string; optional?: boolean };

function keyRef(what: string, name: string, ref: Record<string, unknown>): KeyRef {
  if (typeof ref['name'] !== 'string' || typeof ref['key'] !== 'string') {
    throw new Error(`env ${name}: the cdk8s-plus ${what} reference has no name or key`);
  }
  return withOptional({ name: ref['name'], key: ref['key'] }, ref['optional'] as boolean | undefined);
}

/**
 * Converts a cdk8s-plus `EnvValue` (`EnvValue.fromValue`, `fromConfigMap`, `fromSecretValue`,
 * `secret.envValue(key)`, `fromFieldRef`, `fromResource`, `fromProcess`) into a spec variable.
 *
 * Not supported (throws): `fromFieldRef` with an `apiVersion` other than v1, and `fromResource`
 * with a `container` (the variable always reads the app container's own resources).
 */
export function envFromKplus(name: string, value: kplus.EnvValue): MicroServiceEnvVar {
  const from = value.valueFrom as Record<string, Record<string, unknown> | undefined> | undefined;
  if (from === undefined) return { name, value: value.value ?? '' };
  if (from['configMapKeyRef'])
    return { name, valueFrom: { configMapKeyRef: keyRef('ConfigMap', name, from['configMapKeyRef']) } };
  if (from['secretKeyRef']) return { name, valueFrom: { secretKeyRef: keyRef('Secret', name, from['secretKeyRef']) } };
  const fieldRef = from['fieldRef'];
  if (fieldRef) {
    if (fieldRef['apiVersion'] !== undefined && fieldRef['apiVersion'] !== 'v1') {
      throw new Error(`env ${name}: fieldRef apiVersion ${String(fieldRef['apiVersion'])} is not supported (only v1)`);
    }
    return { name, valueFrom: { fieldRef: { fieldPath: String(fieldRef['fieldPath']) } } };
  }
  const resourceFieldRef = from['resourceFieldRef'];
  if (resourceFieldRef) {
    if (resourceFieldRef['containerName'] !== undefined) {
      throw new Error(
        `env ${name}: resourceFieldRef with a container is not supported: the variable reads the app container's resources`,
      );
    }
    // kplus wraps the divisor in an IntOrString; its `value` is the quantity.
    const divisor = resourceFieldRef['divisor'] as { value?: string | number } | string | number | undefined;
    const divisorValue = typeof divisor === 'object' ? divisor.value : divisor;
    return {
      name,
      valueFrom: {
        resourceFieldRef: {
          resource: String(resourceFieldRef['resource']),
          ...(divisorValue !== undefined ? { divisor: divisorValue } : {}),
        },
      },
    };
  }
  throw new Error(`env ${name}: unsupported cdk8s-plus EnvValue source ${Object.keys(from).join(', ')}`);
}

/** Converts a cdk8s-plus `envVariables` map (`{ NAME: EnvValue }`) into spec variables, in map order. */
export function envFromKplusVariables(variables: Readonly<Record<string, kplus.EnvValue>>): MicroServiceEnvVar[] {
  return Object.entries(variables).map(([name, value]) => envFromKplus(name, value));
}

/** True for a cdk8s-plus ServiceAccount (created or imported), as opposed to the spec's own object. */
export function isKplusServiceAccount(value: unknown): value is kplus.IServiceAccount {
  return (
    value !== null &&
    typeof value === 'object' &&
    'node' in value &&
    (value as { kind?: unknown }).kind === 'ServiceAccount' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/** A cdk8s-plus ServiceAccount as `spec.serviceAccount`: use it (create false), render none. */
export function serviceAccountFromKplus(
  serviceAccount: kplus.IServiceAccount,
  options: { readonly automountToken?: boolean } = {},
): MicroServiceServiceAccount {
  return {
    create: false,
    name: serviceAccount.name,
    ...(options.automountToken !== undefined ? { automountToken: options.automountToken } : {}),
  };
}

/** The namespace a cdk8s-plus resource declares, when it is one defined in this app (imported ones declare none). */
export function kplusNamespace(resource: IConstruct): string | undefined {
  const metadata = (resource as { metadata?: { namespace?: unknown } }).metadata;
  return typeof metadata?.namespace === 'string' ? metadata.namespace : undefined;
}
