// Config-change rollouts (spec.rolloutOnConfigChange), the operator's half: the resourceVersions
// of the ConfigMaps and Secrets a MicroService's pods use, from metadata-only caches (the operator
// never receives a Secret's data), hashed into the pod template by render/config.ts; and the
// ConfigResolved condition naming a referenced object that does not exist.
import { type MicroService, parseMicroService } from '../../api/index.ts';
import {
  CONFIG_HASH_ANNOTATION,
  type ConfigKind,
  type ConfigReference,
  configHash,
  configKey,
  configReferences,
} from '../../render/index.ts';
import type { Store } from '../runtime/cache.ts';
import type { KubeObject } from '../runtime/key.ts';
import type { ExtraCondition } from './status.ts';

export const CONFIG_CONDITION = 'ConfigResolved';

/** The MicroService index of opted-in specs by what they reference: `namespace/Kind/name`. */
export const CONFIG_INDEX = 'config';

export const configIndexValue = (namespace: string, kind: ConfigKind, name: string) => `${namespace}/${kind}/${name}`;

/** Indexer of the MicroService cache: the ConfigMaps and Secrets an opted-in spec references. */
export function configIndex(raw: KubeObject): string[] {
  const parsed = parseMicroService(raw);
  if (!parsed.ok || parsed.value.spec.rolloutOnConfigChange !== true) return [];
  const namespace = raw.metadata?.namespace ?? '';
  return configReferences(parsed.value.spec).map((r) => configIndexValue(namespace, r.kind, r.name));
}

/** Only what the hash needs: the object's identity and resourceVersion. */
export function leanConfig(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, resourceVersion: m?.resourceVersion },
  };
}

export type ConfigStores = Readonly<Record<ConfigKind, Store<KubeObject>>>;

export interface ConfigState {
  /** The msvc.dev/config-hash to render (RenderConfig.configHash); undefined renders none. */
  readonly hash?: string;
  readonly condition?: ExtraCondition;
}

const describeRef = (namespace: string, r: ConfigReference) => `${r.kind} ${namespace}/${r.name} (${r.path})`;

/**
 * The hash and condition for `ms`. With a required object missing, the pods of a rollout could
 * not start, so the hash the live Deployment has is kept (no rollout for the deletion) and
 * ConfigResolved=False names the object; its creation then rolls the pods once.
 * `stores` is undefined when the operator does not watch config (chart configRollout.enabled).
 */
export function configState(
  ms: MicroService,
  stores: ConfigStores | undefined,
  liveTemplateAnnotations: Readonly<Record<string, string>> | undefined,
): ConfigState {
  if (ms.spec.rolloutOnConfigChange !== true) return {};
  if (stores === undefined) {
    return {
      condition: {
        type: CONFIG_CONDITION,
        status: 'Unknown',
        reason: 'NotWatched',
        message:
          'spec.rolloutOnConfigChange is on, but this operator does not watch ConfigMaps and Secrets, so config changes do not roll the pods: install the chart with configRollout.enabled=true (or run the operator with --watch-config)',
      },
    };
  }
  const namespace = ms.metadata.namespace ?? '';
  const refs = configReferences(ms.spec);
  const versions: Record<string, string> = {};
  const missing: ConfigReference[] = [];
  for (const r of refs) {
    const version = stores[r.kind].get({ namespace, name: r.name })?.metadata?.resourceVersion;
    if (version !== undefined) versions[configKey(r.kind, r.name)] = version;
    else if (!r.optional) missing.push(r);
  }
  if (missing.length > 0) {
    const live = liveTemplateAnnotations?.[CONFIG_HASH_ANNOTATION];
    return {
      hash: live ?? configHash(ms.spec, versions),
      condition: {
        type: CONFIG_CONDITION,
        status: 'False',
        reason: 'NotFound',
        message: `${missing.map((r) => describeRef(namespace, r)).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist: pods that use ${missing.length === 1 ? 'it' : 'them'} cannot start, so they are not rolled until ${missing.length === 1 ? 'it does' : 'they do'}; create ${missing.length === 1 ? 'it' : 'them'}, or mark the reference optional: true`,
      },
    };
  }
  return {
    hash: configHash(ms.spec, versions),
    condition: {
      type: CONFIG_CONDITION,
      status: 'True',
      reason: 'Found',
      message:
        refs.length === 0
          ? 'no ConfigMap or Secret is referenced'
          : `rolled on changes to ${refs.map((r) => `${r.kind} ${r.name}`).join(', ')}`,
    },
  };
}
