import { describe, expect, it } from 'vitest';
import type { MicroServiceSpec } from '../api/index.ts';
import { microService, withEnv, withSpec } from '../test/support/fixtures.ts';
import { CONFIG_HASH_ANNOTATION, configHash, configReferences } from './config.ts';
import { POD_TEMPLATE_HASH_ANNOTATION } from './deployment.ts';
import { render } from './index.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

const container = (name: string, extra: Partial<NonNullable<MicroServiceSpec['sidecars']>[number]>) => ({
  name,
  image: `${name}:1`,
  ...extra,
});

describe('configReferences', () => {
  const cases: { name: string; spec: MicroServiceSpec; want: ReturnType<typeof configReferences> }[] = [
    { name: 'none', spec: microService().spec, want: [] },
    {
      name: 'env valueFrom of the app container',
      spec: microService(
        withEnv(
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: true } } },
          { name: 'C', value: 'literal' },
        ),
      ).spec,
      want: [
        { kind: 'ConfigMap', name: 'settings', optional: false, path: 'spec.env[0].valueFrom.configMapKeyRef.name' },
        { kind: 'Secret', name: 'db', optional: true, path: 'spec.env[1].valueFrom.secretKeyRef.name' },
      ],
    },
    {
      name: 'envFrom, init containers and sidecars',
      spec: microService(
        withSpec({
          envFrom: [{ configMapRef: { name: 'settings' } }],
          initContainers: [container('migrate', { envFrom: [{ secretRef: { name: 'db' } }] })],
          sidecars: [
            container('proxy', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'proxy', key: 'x' } } }] }),
          ],
        }),
      ).spec,
      want: [
        { kind: 'ConfigMap', name: 'settings', optional: false, path: 'spec.envFrom[0].configMapRef.name' },
        { kind: 'Secret', name: 'db', optional: false, path: 'spec.initContainers[0].envFrom[0].secretRef.name' },
        {
          kind: 'ConfigMap',
          name: 'proxy',
          optional: false,
          path: 'spec.sidecars[0].env[0].valueFrom.configMapKeyRef.name',
        },
      ],
    },
    {
      name: 'volumes: configMap, secret, projected sources; not the CSI driver secret',
      spec: microService(
        withSpec({
          volumes: [
            { name: 'config', configMap: { name: 'settings', optional: true } },
            { name: 'tls', secret: { secretName: 'tls' } },
            {
              name: 'bundle',
              projected: {
                sources: [{ configMap: { name: 'ca' } }, { secret: { name: 'token', optional: true } }],
              },
            },
            {
              name: 'vault',
              csi: { driver: 'secrets-store.csi.k8s.io', nodePublishSecretRef: { name: 'driver-creds' } },
            },
          ],
        }),
      ).spec,
      want: [
        { kind: 'ConfigMap', name: 'settings', optional: true, path: 'spec.volumes[0].configMap.name' },
        { kind: 'Secret', name: 'tls', optional: false, path: 'spec.volumes[1].secret.secretName' },
        { kind: 'ConfigMap', name: 'ca', optional: false, path: 'spec.volumes[2].projected.sources[0].configMap.name' },
        { kind: 'Secret', name: 'token', optional: true, path: 'spec.volumes[2].projected.sources[1].secret.name' },
      ],
    },
    {
      name: 'one entry per object; optional only if every reference is',
      spec: microService(
        withEnv({ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a', optional: true } } }),
        withSpec({ volumes: [{ name: 'config', configMap: { name: 'settings' } }] }),
      ).spec,
      want: [
        { kind: 'ConfigMap', name: 'settings', optional: false, path: 'spec.env[0].valueFrom.configMapKeyRef.name' },
      ],
    },
    {
      name: 'a ConfigMap and a Secret of the same name are two objects',
      spec: microService(withSpec({ envFrom: [{ configMapRef: { name: 'app' } }, { secretRef: { name: 'app' } }] }))
        .spec,
      want: [
        { kind: 'ConfigMap', name: 'app', optional: false, path: 'spec.envFrom[0].configMapRef.name' },
        { kind: 'Secret', name: 'app', optional: false, path: 'spec.envFrom[1].secretRef.name' },
      ],
    },
  ];
  it.each(cases)('$name', ({ spec, want }) => expect(configReferences(spec)).toStrictEqual(want));
});

describe('configHash', () => {
  const opted = microService(
    withSpec({ rolloutOnConfigChange: true, volumes: [{ name: 'config', configMap: { name: 'settings' } }] }),
    withEnv({ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }),
  ).spec;
  const versions = { 'ConfigMap/settings': '100', 'Secret/db': '7' };

  it('is undefined unless opted in, referenced and known', () => {
    expect(configHash({ ...opted, rolloutOnConfigChange: undefined }, versions)).toBeUndefined();
    expect(configHash({ ...opted, rolloutOnConfigChange: false }, versions)).toBeUndefined();
    expect(configHash(opted, undefined)).toBeUndefined();
    expect(configHash(microService(withSpec({ rolloutOnConfigChange: true })).spec, versions)).toBeUndefined();
    expect(configHash(opted, versions)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes when any referenced version does, an object appears or goes, and only then', () => {
    const base = configHash(opted, versions);
    expect(configHash(opted, { ...versions })).toBe(base);
    expect(configHash(opted, { 'Secret/db': '7', 'ConfigMap/settings': '100' })).toBe(base);
    expect(configHash(opted, { ...versions, 'ConfigMap/unrelated': '5' })).toBe(base);
    const changed = [
      configHash(opted, { ...versions, 'ConfigMap/settings': '101' }),
      configHash(opted, { ...versions, 'Secret/db': '8' }),
      configHash(opted, { 'Secret/db': '7' }),
      configHash(opted, {}),
    ];
    expect(new Set([base, ...changed]).size).toBe(5);
  });
});

describe('the config hash on the pod template', () => {
  const template = (ms: ReturnType<typeof microService>, versions?: Record<string, string>) => {
    const hash = versions && configHash(ms.spec, versions);
    const deployment = render(ms, { ...DEFAULT_RENDER_CONFIG, configHash: hash }).objects.find(
      (o) => o.kind === 'Deployment',
    );
    if (!deployment) throw new Error('no Deployment rendered');
    return (deployment['spec'] as { template: { metadata: { annotations: Record<string, string> } } }).template;
  };
  const opted = microService(
    withSpec({ rolloutOnConfigChange: true, volumes: [{ name: 'config', configMap: { name: 'settings' } }] }),
  );

  it('is set from the hash the operator passes, and moves the template hash with it', () => {
    const a = template(opted, { 'ConfigMap/settings': '100' });
    const b = template(opted, { 'ConfigMap/settings': '101' });
    expect(a.metadata.annotations[CONFIG_HASH_ANNOTATION]).toBe(
      configHash(opted.spec, { 'ConfigMap/settings': '100' }),
    );
    expect(b.metadata.annotations[CONFIG_HASH_ANNOTATION]).not.toBe(a.metadata.annotations[CONFIG_HASH_ANNOTATION]);
    expect(b.metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION]).not.toBe(
      a.metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION],
    );
  });

  it('is absent without a hash (msvc render, cdk8s) or without opting in', () => {
    const plain = microService(withSpec({ volumes: [{ name: 'config', configMap: { name: 'settings' } }] }));
    expect(template(opted).metadata.annotations[CONFIG_HASH_ANNOTATION]).toBeUndefined();
    expect(
      template(plain, { 'ConfigMap/settings': '100' }).metadata.annotations[CONFIG_HASH_ANNOTATION],
    ).toBeUndefined();
    expect(template(plain, { 'ConfigMap/settings': '100' })).toStrictEqual(template(plain));
    const forced = render(plain, { ...DEFAULT_RENDER_CONFIG, configHash: 'abc' }).objects;
    expect(forced).toStrictEqual(render(plain).objects);
  });
});
