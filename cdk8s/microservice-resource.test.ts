import { ApiObject, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parseMicroService } from '../api/index.ts';
import { render } from '../render/index.ts';
import { chart, exampleMicroServices, microServiceProps, propsOf, withMetadata } from '../test/support/cdk8s.ts';
import { MicroService } from './microservice.ts';
import { MicroServiceResource } from './microservice-resource.ts';

const ordered = (value: unknown) => JSON.stringify(value, null, 1);

describe('MicroServiceResource', () => {
  it('emits the custom resource with the spec as given (no defaults filled in)', () => {
    const c = chart({ namespace: 'shop' });
    new MicroServiceResource(
      c,
      'order',
      microServiceProps(withMetadata({ labels: { team: 'a' }, annotations: { 'example.com/x': 'y' } })),
    );
    expect(Testing.synth(c)).toStrictEqual([
      {
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        metadata: { name: 'order', namespace: 'shop', labels: { team: 'a' }, annotations: { 'example.com/x': 'y' } },
        spec: { image: 'registry.example.com/shop/order:1.4.2', ports: [{ name: 'http', port: 8080 }] },
      },
    ]);
  });

  it.each(exampleMicroServices().map((e) => ({ ...e, name: e.ms.metadata.name })))(
    'examples/$file ($name): the operator renders from the CR what MicroService synthesizes',
    ({ ms }) => {
      const crChart = chart({ namespace: 'shop' });
      new MicroServiceResource(crChart, ms.metadata.name, propsOf(ms));
      const [cr] = Testing.synth(crChart);
      const parsed = parseMicroService(cr);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      const renderedChart = chart({ namespace: 'shop' });
      new MicroService(renderedChart, ms.metadata.name, propsOf(ms));
      expect(ordered(render(parsed.value).objects)).toBe(ordered(Testing.synth(renderedChart)));
    },
  );

  it('is an ApiObject: JSON patches and addEnv work', () => {
    const c = chart();
    const cr = new MicroServiceResource(c, 'order', microServiceProps());
    expect(ApiObject.of(cr)).toBe(cr);
    cr.addEnv({ name: 'A', value: '1' });
    cr.metadata.addLabel('team', 'a');
    const [out] = Testing.synth(c);
    expect(out.spec.env).toEqual([{ name: 'A', value: '1' }]);
    expect(out.metadata.labels).toEqual({ team: 'a' });
  });

  it('hands out a copy of the resource, and synthesizes a copy too', () => {
    const c = chart();
    const cr = new MicroServiceResource(c, 'order', microServiceProps());
    const before = ordered(Testing.synth(c));
    (cr.resource.spec.ports as { port: number }[])[0]!.port = 9999;
    Testing.synth(c)[0].spec.ports[0].port = 9999;
    expect(ordered(Testing.synth(c))).toBe(before);
  });

  it('validates at construction like MicroService', () => {
    expect(
      () =>
        new MicroServiceResource(
          chart(),
          'order',
          microServiceProps((p) => ({ ...p, replicas: 1.5 })),
        ),
    ).toThrowError(/^MicroService "order" at test\/order is invalid:\n {2}spec\.replicas: /);
  });
});
