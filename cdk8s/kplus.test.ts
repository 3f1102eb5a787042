import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { chart, microServiceProps } from '../test/support/cdk8s.ts';
import {
  envFromConfigMap,
  envFromConfigMapKeys,
  envFromKplus,
  envFromKplusVariables,
  envFromSecret,
  envFromSecretKeys,
  serviceAccountFromKplus,
} from './kplus.ts';
import { MicroService } from './microservice.ts';

describe('env from cdk8s-plus ConfigMaps and Secrets', () => {
  it('references a ConfigMap defined in the same chart by its (generated) name', () => {
    const c = chart();
    const settings = new kplus.ConfigMap(c, 'settings', { data: { level: 'info' } });
    const ms = new MicroService(c, 'order', {
      ...microServiceProps(),
      env: [envFromConfigMap('LOG_LEVEL', settings, 'level')],
      envFrom: [envFromConfigMapKeys(settings, { prefix: 'APP_' })],
    });
    const objects = Testing.synth(c);
    expect(objects.map((o) => o.kind)).toEqual([
      'ConfigMap',
      'ServiceAccount',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
    ]);
    const container = objects[3].spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: settings.name, key: 'level' } } },
    ]);
    expect(container.envFrom).toEqual([{ prefix: 'APP_', configMapRef: { name: settings.name } }]);
    expect(ms.spec.env?.[0]?.valueFrom?.configMapKeyRef?.name).toMatch(/^test-settings-c8[0-9a-f]+$/);
  });

  it('references Secrets, created or imported', () => {
    const c = chart();
    const imported = kplus.Secret.fromSecretName(c, 'db', 'order-db');
    expect(envFromSecret('DATABASE_URL', imported, 'url', { optional: true })).toEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'order-db', key: 'url', optional: true } },
    });
    expect(envFromSecretKeys(imported)).toEqual({ secretRef: { name: 'order-db' } });
  });

  it('converts cdk8s-plus EnvValues', () => {
    const c = chart();
    const secret = kplus.Secret.fromSecretName(c, 'db', 'order-db');
    const cm = kplus.ConfigMap.fromConfigMapName(c, 'cm', 'settings');
    expect(
      envFromKplusVariables({
        PLAIN: kplus.EnvValue.fromValue('x'),
        FROM_CM: kplus.EnvValue.fromConfigMap(cm, 'k'),
        FROM_SECRET: secret.envValue('url', { optional: true }),
        POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        MEMORY: kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT, { divisor: '1Mi' }),
      }),
    ).toEqual([
      { name: 'PLAIN', value: 'x' },
      { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'k' } } },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'order-db', key: 'url', optional: true } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MEMORY', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    ]);
  });

  it('refuses what the spec cannot express', () => {
    const c = chart();
    const container = new kplus.Deployment(c, 'd', { containers: [{ image: 'x' }] }).containers[0]!;
    expect(() =>
      envFromKplus('CPU', kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.CPU_LIMIT, { container })),
    ).toThrowError(/resourceFieldRef with a container is not supported/);
    expect(() =>
      envFromKplus('X', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME, { apiVersion: 'v2' })),
    ).toThrowError(/apiVersion v2 is not supported/);
  });
});

describe('a cdk8s-plus ServiceAccount as the pod identity', () => {
  it('is used instead of rendering one', () => {
    const c = chart({ namespace: 'shop' });
    const sa = new kplus.ServiceAccount(c, 'identity');
    const ms = new MicroService(c, 'order', { ...microServiceProps(), serviceAccount: sa });
    expect(ms.serviceAccount).toBeUndefined();
    expect(ms.spec.serviceAccount).toEqual({ create: false, name: sa.name });
    const deployment = Testing.synth(c).find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.serviceAccountName).toBe(sa.name);
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('may be an imported one', () => {
    const sa = kplus.ServiceAccount.fromServiceAccountName(chart(), 'sa', 'shared');
    expect(serviceAccountFromKplus(sa, { automountToken: true })).toEqual({
      create: false,
      name: 'shared',
      automountToken: true,
    });
  });

  it('must live in the namespace of the pods', () => {
    const c = chart({ namespace: 'shop' });
    const sa = new kplus.ServiceAccount(c, 'identity', { metadata: { namespace: 'other' } });
    expect(() => new MicroService(c, 'order', { ...microServiceProps(), serviceAccount: sa })).toThrowError(
      /spec\.serviceAccount: the cdk8s-plus ServiceAccount .* is in namespace other, not shop/,
    );
  });
});
