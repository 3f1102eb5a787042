import { type App, Chart, type IResolver, JsonPatch, Lazy, type ResolutionContext, Testing, Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { render } from '../render/index.ts';
import { chart, exampleMicroServices, microServiceProps, propsOf } from '../test/support/cdk8s.ts';
import { MicroService } from './microservice.ts';
import { type JsonObject, OrderedApiObject } from './ordered-api-object.ts';

/** JSON text keeps key order, so equal strings mean equal values in the same order. */
const ordered = (value: unknown) => JSON.stringify(value, null, 1);

/** Changes nothing, but is not one of cdk8s's own resolvers: toJson() must go through cdk8s. */
class NoOpResolver implements IResolver {
  resolve(_context: ResolutionContext): void {}
}

const shared = { app: 'x' };
const sample = (): JsonObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', labels: { b: '2', a: '1' } },
  data: { z: 'last', a: 'first', gone: null, missing: undefined },
  list: [shared, shared, null, { y: 1, x: [true, 0, ''] }],
});

describe('OrderedApiObject.toJson', () => {
  it("equals cdk8s's own resolution path (a custom resolver forces it) for every example", () => {
    const synth = (app: App) => {
      const c = new Chart(app, 'test', { namespace: 'shop', labels: { team: 'checkout' } });
      for (const { ms } of exampleMicroServices()) new MicroService(c, ms.metadata.name, propsOf(ms));
      new OrderedApiObject(c, 'sample', { produce: sample });
      return Testing.synth(c);
    };
    const viaCdk8s = synth(Testing.app({ resolvers: [new NoOpResolver()] }));
    expect(ordered(synth(Testing.app()))).toBe(ordered(viaCdk8s));
    expect(viaCdk8s.length).toBeGreaterThan(exampleMicroServices().length);
  });

  it('keeps the producer order, drops null entries and never shares objects (no YAML anchors)', () => {
    const c = chart();
    new OrderedApiObject(c, 'sample', { produce: sample });
    const [json] = Testing.synth(c);
    expect(ordered(json)).toBe(
      ordered({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', labels: { b: '2', a: '1' } },
        data: { z: 'last', a: 'first' },
        list: [{ app: 'x' }, { app: 'x' }, undefined, { y: 1, x: [true, 0, ''] }],
      }),
    );
    expect(json.list[0]).not.toBe(json.list[1]);
    expect(Yaml.stringify(json)).not.toMatch(/[&*]a1/);
  });

  it('returns a copy: changing it changes neither the producer nor the next synth', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps());
    const before = ordered(Testing.synth(c));
    const deployment = ms.deployment.toJson();
    deployment.spec.template.spec.containers[0].image = 'changed';
    deployment.metadata.labels.extra = 'x';
    expect(ordered(Testing.synth(c))).toBe(before);
  });

  it('calls the producer once per synthesis, not once per field', () => {
    let calls = 0;
    const c = chart();
    const object = new OrderedApiObject(c, 'sample', {
      produce: () => {
        calls++;
        return sample();
      },
    });
    calls = 0;
    Testing.synth(c);
    expect(calls).toBe(1);
    object.addJsonPatch(JsonPatch.add('/data/b', 'patched'));
    calls = 0;
    Testing.synth(c);
    expect(calls).toBe(1);
  });

  it('applies a JSON patch added after an earlier synthesis, keeping the key order', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps());
    const first = Testing.synth(c);
    ms.deployment.addJsonPatch(JsonPatch.add('/spec/minReadySeconds', 10));
    ms.service?.metadata.addLabel('late', 'yes');
    const [, service, deployment] = Testing.synth(c);
    expect(deployment.spec.minReadySeconds).toBe(10);
    expect(Object.keys(deployment.spec)).toEqual([...Object.keys(first[2].spec), 'minReadySeconds']);
    expect(service.metadata.labels.late).toBe('yes');
    const { minReadySeconds: _, ...spec } = deployment.spec;
    expect(ordered({ ...deployment, spec })).toBe(ordered(first[2]));
  });

  it('applies custom App resolvers to the rendered fields', () => {
    const nodePort: IResolver = {
      resolve(context: ResolutionContext) {
        // cdk8s resolves a replaced value again, so replace only once.
        if (context.key.join('.') === 'spec.type' && context.value !== 'NodePort') context.replaceValue('NodePort');
      },
    };
    const c = new Chart(Testing.app({ resolvers: [nodePort] }), 'test');
    new MicroService(c, 'order', microServiceProps());
    expect(Testing.synth(c)[1].spec.type).toBe('NodePort');
  });

  it('resolves tokens a producer puts in its body, as cdk8s does', () => {
    const c = chart();
    new OrderedApiObject(c, 'sample', {
      produce: () => ({ ...sample(), data: { a: Lazy.any({ produce: () => 'lazy' }) } }),
    });
    expect(Testing.synth(c)[0].data).toEqual({ a: 'lazy' });
  });

  it('equals render() for a MicroService, byte for byte in YAML', () => {
    const c = chart();
    const { ms } = exampleMicroServices()[0]!;
    new MicroService(c, ms.metadata.name, propsOf(ms));
    expect(Yaml.stringify(...Testing.synth(c))).toBe(Yaml.stringify(...render(ms).objects));
  });
});
