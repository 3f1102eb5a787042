import { describe, expect, it } from 'vitest';
import { CONFIG_HASH_ANNOTATION, configHash } from '../../render/index.ts';
import { microService, withEnv, withSpec } from '../../test/support/fixtures.ts';
import { Writer } from '../runtime/cache.ts';
import type { KubeObject } from '../runtime/key.ts';
import { type ConfigStores, configIndex, configState, leanConfig } from './config.ts';

function stores(objects: { kind: 'ConfigMap' | 'Secret'; name: string; rv: string }[]): ConfigStores {
  const make = (kind: string) => {
    const writer = new Writer<KubeObject>();
    writer.apply({ type: 'Init' });
    for (const o of objects.filter((x) => x.kind === kind)) {
      writer.apply({
        type: 'InitApply',
        object: { apiVersion: 'v1', kind, metadata: { name: o.name, namespace: 'shop', resourceVersion: o.rv } },
      });
    }
    writer.apply({ type: 'InitDone' });
    return writer.asStore();
  };
  return { ConfigMap: make('ConfigMap'), Secret: make('Secret') };
}

const opted = microService(
  withSpec({
    rolloutOnConfigChange: true,
    volumes: [
      { name: 'config', configMap: { name: 'settings' } },
      { name: 'extra', configMap: { name: 'extra', optional: true } },
    ],
  }),
  withEnv({ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }),
);
const all = [
  { kind: 'ConfigMap' as const, name: 'settings', rv: '10' },
  { kind: 'Secret' as const, name: 'db', rv: '20' },
];

describe('configState', () => {
  it('is nothing for a MicroService that does not opt in', () => {
    expect(configState(microService(), stores(all), undefined)).toStrictEqual({});
  });

  it('hashes the resourceVersions and reports ConfigResolved=True', () => {
    const state = configState(opted, stores(all), undefined);
    expect(state.hash).toBe(configHash(opted.spec, { 'ConfigMap/settings': '10', 'Secret/db': '20' }));
    expect(state.condition).toStrictEqual({
      type: 'ConfigResolved',
      status: 'True',
      reason: 'Found',
      message: 'rolled on changes to Secret db, ConfigMap settings, ConfigMap extra',
    });
  });

  it('a missing optional object is no problem; its creation changes the hash', () => {
    const without = configState(opted, stores(all), undefined);
    const withExtra = configState(opted, stores([...all, { kind: 'ConfigMap', name: 'extra', rv: '5' }]), undefined);
    expect(without.condition?.status).toBe('True');
    expect(withExtra.hash).not.toBe(without.hash);
  });

  it('a missing required object is named, and the live hash is kept so no pod is rolled for it', () => {
    const state = configState(opted, stores([all[1] as (typeof all)[number]]), { [CONFIG_HASH_ANNOTATION]: 'live' });
    expect(state.hash).toBe('live');
    expect(state.condition).toStrictEqual({
      type: 'ConfigResolved',
      status: 'False',
      reason: 'NotFound',
      message:
        'ConfigMap shop/settings (spec.volumes[0].configMap.name) does not exist: pods that use it cannot start, so they are not rolled until it does; create it, or mark the reference optional: true',
    });
    // Before the first apply there is no live hash: the one of what exists.
    expect(configState(opted, stores([all[1] as (typeof all)[number]]), undefined).hash).toBe(
      configHash(opted.spec, { 'Secret/db': '20' }),
    );
  });

  it('says the operator does not watch config when it has no caches', () => {
    expect(configState(opted, undefined, undefined)).toMatchObject({
      condition: { type: 'ConfigResolved', status: 'Unknown', reason: 'NotWatched' },
    });
    expect(configState(opted, undefined, undefined).hash).toBeUndefined();
  });
});

describe('configIndex', () => {
  it('indexes opted-in MicroServices by what they reference, and nothing else', () => {
    expect(configIndex(opted as unknown as KubeObject)).toStrictEqual([
      'shop/Secret/db',
      'shop/ConfigMap/settings',
      'shop/ConfigMap/extra',
    ]);
    const plain = microService(withSpec({ volumes: [{ name: 'config', configMap: { name: 'settings' } }] }));
    expect(configIndex(plain as unknown as KubeObject)).toStrictEqual([]);
    expect(
      configIndex({ apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', metadata: { name: 'x' } }),
    ).toStrictEqual([]);
  });
});

describe('leanConfig', () => {
  it('keeps identity and resourceVersion only', () => {
    expect(
      leanConfig({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'shop', uid: 'u', resourceVersion: '7', labels: { a: 'b' } },
        data: { password: 'c2VjcmV0' },
      } as KubeObject),
    ).toStrictEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop', uid: 'u', resourceVersion: '7' },
    });
  });
});
