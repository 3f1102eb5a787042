import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as yaml from 'yaml';
import { fastYamlWriter, type YamlOptions } from './fast-yaml.ts';

// The options cdk8s's Yaml.stringify uses, and YAML 1.2 to show the schema comes from the library.
describe.each<[string, YamlOptions]>([
  ["cdk8s's options (YAML 1.1, keepUndefined)", { keepUndefined: true, lineWidth: 0, version: '1.1' }],
  ['YAML 1.2', { lineWidth: 0, version: '1.2' }],
])('fastYamlWriter with %s', (_, options) => {
  const write = fastYamlWriter(yaml, options);
  /** Every value the writer accepts comes out byte-identical to the library's. */
  function same(value: unknown): boolean {
    const fast = write(value);
    if (fast !== undefined) expect(fast).toBe(yaml.stringify(value, options));
    return fast !== undefined;
  }

  it('matches the library on awkward scalars, keys and shapes, or declines', () => {
    const scalars = fc.oneof(
      fc.string(),
      fc.constantFrom(
        ...['', 'true', 'False', 'NULL', '~', 'null', 'y', 'no', 'on', 'Off', '1', '-1', '0x1F', '0o17', '1e3'],
        ...['.inf', '-.Inf', '.nan', '1.4.2', '08', '+1', '1_000', '12:30', 'a: b', 'a:b', 'a #b', '#a', '- a'],
        ...['-a', '?', '*x', '&x', '!x', '%x', '@x', '`x', '"x"', "'x'", 'x:', ' x', 'x ', 'a\nb', '\t', 'é'],
        ...['<<', '=', '{a}', '[a]', 'a,b', '2024-01-01', 'registry.example.com/a:1', '/healthz', '500m', '1Gi'],
        // YAML 1.1 floats need no digits before the exponent: these are numbers there, at any length.
        ...['e37376', 'E5', 'e-123456', 'e1234567890', 'ee37376', 'e37376a'],
      ),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const keys = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'app.kubernetes.io/name',
        'a',
        'true',
        'on',
        'y',
        'no',
        '1',
        'a b',
        'msvc.dev/x',
        '<<',
        'e123456',
      ),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalars, tie('map'), tie('seq')),
      map: fc.dictionary(keys, tie('node'), { maxKeys: 4 }),
      seq: fc.array(tie('node'), { maxLength: 4 }),
    }));
    fc.assert(
      fc.property(value.map, (map) => {
        same(map);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the usual Kubernetes shapes itself', () => {
    const object = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'order', labels: { 'app.kubernetes.io/name': 'order' }, annotations: { a: '{"b":1}' } },
      spec: { replicas: 2, paused: false, template: { spec: { containers: [{ name: 'app', args: [], env: [{}] }] } } },
    };
    expect(same(object)).toBe(true);
  });

  it('quotes what YAML 1.1 reads as an exponent float, whatever its length', () => {
    expect(same({ name: 'e37376', image: 'E1234567', args: ['e-123456'] })).toBe(true);
    same({ e1234567: 1 }); // a key the library quotes: written the same, or declined
  });

  it('declines what it does not handle', () => {
    expect(write({ a: 'line\nbreak' })).toBeUndefined();
    expect(write({ 'a b': 1 })).toBeUndefined();
    expect(write({ a: 1.5 })).toBeUndefined();
    expect(write({ a: undefined })).toBeUndefined();
    expect(write({ a: [undefined] })).toBeUndefined();
    expect(write({ a: new Date(0) })).toBeUndefined();
    expect(write({ a: [[1]] })).toBeUndefined();
    expect(write('scalar')).toBeUndefined();
  });
});
