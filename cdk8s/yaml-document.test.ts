import { createRequire } from 'node:module';
import { JsonPatch, Testing, Yaml } from 'cdk8s';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { microServiceArbitrary } from '../test/support/arbitraries.ts';
import { chart, exampleMicroServices, microServiceProps, propsOf } from '../test/support/cdk8s.ts';
import { MicroServiceCrd } from './crd.ts';
import { MicroService } from './microservice.ts';
import { MicroServiceResource } from './microservice-resource.ts';

/** The yaml library cdk8s bundles and writes with. */
const cdk8sYaml = createRequire(createRequire(import.meta.url).resolve('cdk8s'))('yaml') as typeof import('yaml');

/** Deep plain copies, key order kept: what yaml would get without the fast path. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function synthExamples() {
  const c = chart({ namespace: 'shop', labels: { team: 'checkout' } });
  for (const { ms } of exampleMicroServices()) new MicroService(c, ms.metadata.name, propsOf(ms));
  new MicroServiceResource(c, 'order-cr', microServiceProps());
  new MicroServiceCrd(c, 'crd');
  return Testing.synth(c);
}

describe('synthesized objects and YAML', () => {
  afterEach(() => vi.restoreAllMocks());

  it("write the same bytes through cdk8s's Yaml.stringify as plain copies do", () => {
    const objects = synthExamples();
    expect(Yaml.stringify(...objects)).toBe(Yaml.stringify(...plain(objects)));
  });

  it('write the same bytes as plain copies for any valid MicroService', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        const c = chart();
        new MicroService(c, ms.metadata.name, propsOf(ms));
        const objects = Testing.synth(c);
        expect(Yaml.stringify(...objects)).toBe(Yaml.stringify(...plain(objects)));
      }),
      { numRuns: 200 },
    );
  });

  it('are written without the yaml library building a document for them', () => {
    const c = chart();
    new MicroService(c, 'order', microServiceProps());
    const objects = Testing.synth(c);
    const libraryWrite = vi.spyOn(cdk8sYaml.Document.prototype, 'toString');
    const text = Yaml.stringify(...objects);
    expect(libraryWrite).not.toHaveBeenCalled();
    expect(text).toBe(objects.map((o) => stringify(plain(o), { version: '1.1', lineWidth: 0 })).join('---\n'));
  });

  it('stay plain data: same keys, JSON and equality as plain objects', () => {
    const objects = synthExamples();
    expect(objects).toStrictEqual(plain(objects));
    for (const o of objects) {
      expect(Object.keys(o)).toEqual(Object.keys(plain(o)));
      expect(Object.getOwnPropertySymbols({ ...o })).toEqual([]);
    }
  });

  it('are written like plain objects when nested, with other options, or after being changed', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps());
    ms.deployment.addJsonPatch(JsonPatch.add('/spec/minReadySeconds', 5));
    const objects = Testing.synth(c);
    const list = { apiVersion: 'v1', kind: 'List', items: objects };
    expect(Yaml.stringify(list)).toBe(Yaml.stringify(plain(list)));
    expect(stringify(objects[2])).toBe(stringify(plain(objects[2])));
    expect(stringify(objects[2], { version: '1.2', indentSeq: false })).toBe(
      stringify(plain(objects[2]), { version: '1.2', indentSeq: false }),
    );
    // Shared objects (anchors), undefined (null under keepUndefined), multi-line strings, new fields.
    const [sa, service, deployment] = objects;
    sa.metadata.annotations = { shared: 'x' };
    sa.secrets = [sa.metadata.annotations];
    service.spec.ports[0].name = undefined;
    deployment.spec.template.spec.containers[0].args = ['--port', '8080', 'on', 'multi\nline'];
    deployment.contents = 'a field like any other';
    const library = Yaml.stringify(...objects.map((o) => ({ ...o })));
    expect(library).toMatch(/&a1[\s\S]*\*a1/);
    expect(library).toContain('name: null');
    expect(library).toContain('contents: a field like any other');
    expect(Yaml.stringify(...objects)).toBe(library);
  });
});
