// Config-change rollouts (spec.rolloutOnConfigChange): which ConfigMaps and Secrets the pods use,
// and the pod template annotation that changes when any of them does. The checksum-annotation
// pattern of Helm charts (bjw-s app-template, https://helm.sh/docs/howto/charts_tips_and_tricks/#automatically-roll-deployments)
// and of stakater/Reloader, fed with resourceVersions instead of content: the operator reads
// them from a metadata-only watch, so it never needs to read a Secret's data.
import type { MicroServiceSpec } from '../api/index.ts';
import { contentHash } from './hash.ts';

/** On the pod template: a hash of the referenced ConfigMaps' and Secrets' resourceVersions. */
export const CONFIG_HASH_ANNOTATION = 'msvc.dev/config-hash';

export type ConfigKind = 'ConfigMap' | 'Secret';

/** One ConfigMap or Secret the pods use. */
export interface ConfigReference {
  readonly kind: ConfigKind;
  readonly name: string;
  /** Every reference to it is `optional: true`: the pods start without it. */
  readonly optional: boolean;
  /** The first field that names it, e.g. `spec.volumes[0].configMap.name`. */
  readonly path: string;
}

/** `ConfigMap/name`: the key of RenderConfig.configVersions. */
export const configKey = (kind: ConfigKind, name: string): string => `${kind}/${name}`;

type EnvVar = NonNullable<MicroServiceSpec['env']>[number];
type EnvFrom = NonNullable<MicroServiceSpec['envFrom']>[number];

/**
 * Every ConfigMap and Secret named in env (valueFrom), envFrom and volumes (configMap, secret,
 * projected sources) of the app, init and sidecar containers, once each, in the order first named.
 * Not included: imagePullSecrets (read at pull time, no rollout needed) and a CSI volume's
 * nodePublishSecretRef (the driver's credentials, not the pod's files).
 */
export function configReferences(spec: MicroServiceSpec): ConfigReference[] {
  const found = new Map<string, { kind: ConfigKind; name: string; optional: boolean; path: string }>();
  const add = (kind: ConfigKind, name: string, optional: boolean | undefined, path: string) => {
    const key = configKey(kind, name);
    const seen = found.get(key);
    if (seen) seen.optional &&= optional === true;
    else found.set(key, { kind, name, optional: optional === true, path });
  };
  const containers = (env: readonly EnvVar[] | undefined, envFrom: readonly EnvFrom[] | undefined, at: string) => {
    for (const [i, e] of (env ?? []).entries()) {
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm) add('ConfigMap', cm.name, cm.optional, `${at}env[${i}].valueFrom.configMapKeyRef.name`);
      const secret = e.valueFrom?.secretKeyRef;
      if (secret) add('Secret', secret.name, secret.optional, `${at}env[${i}].valueFrom.secretKeyRef.name`);
    }
    for (const [i, e] of (envFrom ?? []).entries()) {
      if (e.configMapRef)
        add('ConfigMap', e.configMapRef.name, e.configMapRef.optional, `${at}envFrom[${i}].configMapRef.name`);
      if (e.secretRef) add('Secret', e.secretRef.name, e.secretRef.optional, `${at}envFrom[${i}].secretRef.name`);
    }
  };
  containers(spec.env, spec.envFrom, 'spec.');
  for (const [i, c] of (spec.initContainers ?? []).entries())
    containers(c.env, c.envFrom, `spec.initContainers[${i}].`);
  for (const [i, c] of (spec.sidecars ?? []).entries()) containers(c.env, c.envFrom, `spec.sidecars[${i}].`);
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    const at = `spec.volumes[${i}]`;
    if (v.configMap) add('ConfigMap', v.configMap.name, v.configMap.optional, `${at}.configMap.name`);
    if (v.secret) add('Secret', v.secret.secretName, v.secret.optional, `${at}.secret.secretName`);
    for (const [j, s] of (v.projected?.sources ?? []).entries()) {
      if (s.configMap)
        add('ConfigMap', s.configMap.name, s.configMap.optional, `${at}.projected.sources[${j}].configMap.name`);
      if (s.secret) add('Secret', s.secret.name, s.secret.optional, `${at}.projected.sources[${j}].secret.name`);
    }
  }
  return [...found.values()];
}

/**
 * The pod template annotation for spec.rolloutOnConfigChange, or undefined when it is off, the
 * spec references nothing, or the versions are not known (outside the operator). A missing object
 * counts as absent, so its creation rolls the pods too.
 */
export function configHash(
  spec: MicroServiceSpec,
  versions: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (spec.rolloutOnConfigChange !== true || versions === undefined) return undefined;
  const refs = configReferences(spec);
  if (refs.length === 0) return undefined;
  const keys = refs.map((r) => configKey(r.kind, r.name)).sort();
  return contentHash(keys.map((k) => [k, versions[k] ?? null]));
}
