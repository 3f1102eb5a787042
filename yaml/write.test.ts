import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as yaml from 'yaml';
import { Document, parse, stringify } from 'yaml';
import { parseMicroService } from '../api/index.ts';
import { YAML_OPTIONS } from '../cli/yaml.ts';
import { render } from '../render/index.ts';
import { microServiceArbitrary } from '../test/support/arbitraries.ts';
import {
  fastYamlWriter,
  libraryStringify,
  readsAsNonString,
  TYPED_SCALAR_TESTS,
  type YamlOptions,
  yamlWriter,
} from './write.ts';

const YAML_12: YamlOptions = { ...YAML_OPTIONS, version: '1.2' };
/** What cdk8s's Yaml.stringify passes for each document (cdk8s/lib/yaml.js). */
const CDK8S_OPTIONS: YamlOptions = { keepUndefined: true, lineWidth: 0, version: '1.1' };

/** A `"…"` scalar whose text some reader would type, back to the plain form the library writes for it. */
const unquoteNonStrings = (line: string): string =>
  line.replace(/"([^"\\]*)"/g, (quoted, text: string) => (readsAsNonString(text) ? text : quoted));

/**
 * The writer is the library's stringify with one rule added, so its output is the library's byte
 * for byte EXCEPT where the library leaves plain a string that kubectl (go-yaml v2: `0o17`, `0X1F`,
 * `0B11`, `+0o7`) or the other YAML version (`0o17` in 1.2; `yes`, `010`, `1_0`, `1:20` in 1.1)
 * reads as a number, boolean, null or timestamp: there the writer double-quotes it. Line by line,
 * after undoing exactly those quotes, the two texts must be equal.
 */
function expectLibraryExceptNonStrings(ours: string, library: string): void {
  expect(ours.split('\n').map(unquoteNonStrings)).toEqual(library.split('\n').map(unquoteNonStrings));
}

/** What a reader of either YAML version gets back: the value, as JSON (undefined dropped). */
function expectReadsBack(text: string, value: unknown, options: YamlOptions): void {
  const json = JSON.parse(JSON.stringify(value)) as unknown;
  for (const version of ['1.1', '1.2'] as const) {
    const back = parse(text, { version }) as unknown;
    expect(options.keepUndefined ? JSON.parse(JSON.stringify(back)) : back).toEqual(json);
  }
}

describe.each([
  ['the CLI options (YAML 1.1)', YAML_OPTIONS],
  ['YAML 1.2', YAML_12],
  ["cdk8s's options (YAML 1.1, keepUndefined)", CDK8S_OPTIONS],
])('fastYamlWriter with %s', (_, options: YamlOptions) => {
  const write = fastYamlWriter(() => yaml, options);
  const fastYaml = (value: unknown) => write(value);
  /**
   * Every value the writer accepts must come out byte-identical to libraryStringify (the library
   * plus the quoting rule), the library's own bytes except for that rule, and read back as written.
   */
  function same(value: unknown, readBack = true): boolean {
    const fast = fastYaml(value);
    if (fast !== undefined) {
      expect(fast).toBe(libraryStringify(yaml, value, options));
      expectLibraryExceptNonStrings(fast, stringify(value, options));
      if (readBack) expectReadsBack(fast, value, options);
    }
    return fast !== undefined;
  }

  it('writes every rendered object as the yaml library does (except the quotes above)', () => {
    let handled = 0;
    let total = 0;
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        for (const object of render(ms).objects) {
          total++;
          // Read back in yaml/write.oracle.test.ts, by kubectl's decoder.
          if (same(object, false)) handled++;
        }
      }),
      { numRuns: 300 },
    );
    // The fast path must actually be the common path for rendered objects.
    expect(handled / total).toBeGreaterThan(0.95);
    // Minutes, not the 30 s default: 300 specs with every field, on a loaded 2-core machine.
  }, 300_000);

  it('matches the library (except the quotes above) on awkward scalars and shapes, or declines', () => {
    const scalars = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '',
        'true',
        'False',
        'NULL',
        '~',
        'null',
        'y',
        'no',
        'on',
        '1',
        '-1',
        '0x1F',
        '0o17',
        '1e3',
        '.inf',
        '-.Inf',
        '.nan',
        '1.4.2',
        '08',
        '+1',
        'a: b',
        'a:b',
        'a #b',
        '#a',
        '- a',
        '-a',
        '?',
        '? a',
        '*x',
        '&x',
        '!x',
        '%x',
        '@x',
        '`x',
        '"x"',
        "'x'",
        'x:',
        ' x',
        'x ',
        'a\nb',
        'a\n',
        '\t',
        'é',
        '<<',
        '=',
        '{a}',
        '[a]',
        'a,b',
        '2024-01-01',
        'registry.example.com/shop/order:1.4.2',
        '/healthz',
        'http://x:8080',
        '500m',
        '1Gi',
        'RuntimeDefault',
        'e1000',
        'e10000',
        'E64096',
        '1e1000',
        '25%',
        // YAML 1.1 floats need no digits before the exponent: these are numbers there, at any length.
        'e37376',
        'E5',
        'e-123456',
        'ee37376',
        'e37376a',
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
        'e1000',
        'E64096',
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

  it('decides strings of letters, digits and _./:%- and JSON texts as the library does (except the quotes above)', () => {
    const simple = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'aAeEnNoOxXbBtTyYZ0123456789_./:%-'.split('')), maxLength: 12 }),
      fc.constantFrom('1:30', '1:30.5', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '0b101', '0o17', '0x1F', '1_000'),
      fc.constantFrom('1e3', '1.', '.5', 'Yes', 'ON', 'n', 'NULL', 'a:', 'a:b', '8080', '0123abcd', 'registry/x:1.0'),
    );
    const json = fc
      .oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), fc.array(fc.jsonValue(), { maxLength: 3 }))
      .map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(fc.oneof(simple, json), (text) => {
        same({ k: text, [text]: 1, list: [text] });
        same({ k: text });
      }),
      { numRuns: 3000 },
    );
  });

  it('quotes names YAML 1.1 reads as floats (e10000), key or value', () => {
    const object = { metadata: { name: 'e10000' } };
    expect(same(object)).toBe(true);
    // A key that needs quotes is left to the library (and quoted whatever the version).
    expect(same({ labels: { e12345: 'x' } })).toBe(false);
    expect(fastYaml(object)).toBe('metadata:\n  name: "e10000"\n');
  });

  it('quotes every string kubectl, YAML 1.1 or YAML 1.2 would read as something else, key or value', () => {
    const writeAll = yamlWriter(() => yaml, options);
    const traps = [
      ...['0o17', '-0o17', '0o1_7', '0X1F', '-0X1F', '0B11', '+0o7', '0O7', '0x1F', '0b11', '010', '1_000', '1_0'],
      ...['1:20', '190:20:30', 'yes', 'No', 'on', 'OFF', 'y', 'N', 'true', 'null', '~', '.5', '1e3', '1E3', '1.'],
      ...['.inf', '-.Inf', '.nan', '<<', '2024-01-02', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10'],
      ...['+1', '-1', '08', '1_2:3', '9223372036854775808'],
    ];
    for (const text of traps) {
      expect(readsAsNonString(text), text).toBe(true);
      const value = { k: text, list: [text], [text]: 'v' };
      const written = writeAll(value);
      expect(written, text).toBe(libraryStringify(yaml, value, options));
      expect(written.split('\n').filter((line) => line.includes(text) && !line.includes(`"${text}"`))).toEqual([]);
      expectReadsBack(written, value, options);
    }
    // The library alone leaves some of them plain: the reason for the rule.
    if (options.version === '1.1') expect(stringify({ k: '0o17' }, options)).toBe('k: 0o17\n');
    expect(stringify({ k: '0X1F', l: '+0o7' }, options)).toBe('k: 0X1F\nl: +0o7\n');
    expect(stringify({ '<<': '<<' }, options)).toMatch(/^<<: /);
  });

  it('declines what it does not handle', () => {
    expect(fastYaml({ a: 'line\nbreak' })).toBeUndefined();
    expect(fastYaml({ 'a b': 1 })).toBeUndefined();
    expect(fastYaml({ a: 1.5 })).toBeUndefined();
    expect(fastYaml({ a: new Date(0) })).toBeUndefined();
    expect(fastYaml({ a: [[1]] })).toBeUndefined();
    expect(fastYaml('scalar')).toBeUndefined();
    expect(fastYaml({ a: [undefined] })).toBeUndefined();
  });

  it('drops undefined values as the library does, or leaves them to it when the options keep them', () => {
    const object = { a: 1, b: undefined, c: { d: undefined } };
    if (options.keepUndefined) expect(fastYaml(object)).toBeUndefined();
    else expect(fastYaml(object)).toBe(stringify(object, options));
  });
});

describe('fastYamlWriter and the library', () => {
  it('loads the library only for strings its rules do not decide', () => {
    let calls = 0;
    const write = fastYamlWriter(() => {
      calls++;
      return yaml;
    }, YAML_OPTIONS);
    const parsed = parseMicroService({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: 'order', namespace: 'shop' },
      spec: { image: 'registry.example.com/shop/order:1.4.2', ports: [{ name: 'http', port: 8080 }] },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const deployment = render(parsed.value).objects.find((o) => o.kind === 'Deployment');
    expect(write(deployment)).toBe(stringify(deployment, YAML_OPTIONS));
    expect(calls).toBe(0);
    expect(write({ note: 'two words' })).toBe('note: two words\n');
    expect(calls).toBe(1);
  });
});

describe('TYPED_SCALAR_TESTS', () => {
  it.each(['1.1', '1.2'] as const)('are the tests of the yaml library’s %s schema', (version) => {
    const { tags, compat } = new Document(null, { version }).schema;
    const library = [...tags, ...(compat ?? [])]
      .filter((tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test)
      .map((tag) => String(tag.test));
    expect(TYPED_SCALAR_TESTS[version].map(String)).toEqual(library);
  });

  it('all start with a character fastYaml checks for first', () => {
    // write.ts skips the tests for strings starting with anything else.
    const first = /^[-+.0-9~<eEnNyYtTfFoO]/;
    const typed = [
      '~',
      'null',
      'NULL',
      'y',
      'Yes',
      'true',
      'on',
      'OFF',
      'no',
      'False',
      '0b1',
      '-0b1',
      '017',
      '+1',
      '1_0',
      '0x1F',
    ];
    typed.push(
      '.inf',
      '-.Inf',
      '.nan',
      '1e3',
      '.5',
      '1.',
      '<<',
      '1:30',
      '-1:30.5',
      '2001-12-14',
      '2001-12-14T21:59:43Z',
    );
    for (const text of typed) {
      expect(
        TYPED_SCALAR_TESTS['1.1'].some((t) => t.test(text)) || TYPED_SCALAR_TESTS['1.2'].some((t) => t.test(text)),
        text,
      ).toBe(true);
      expect(first.test(text), text).toBe(true);
    }
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'-+.0123456789~<aeEnNyYtTfFoOxXbBlLsSuUrRZ:_'.split('')), maxLength: 8 }),
        (text) => {
          const matches = [...TYPED_SCALAR_TESTS['1.1'], ...TYPED_SCALAR_TESTS['1.2']].some((t) => t.test(text));
          if (matches && text !== '') expect(first.test(text), text).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('fastYamlWriter caches', () => {
  it('belong to one writer: what one learnt under its options never leaks into another', () => {
    const single = fastYamlWriter(() => yaml, { ...YAML_OPTIONS, singleQuote: true });
    const yaml11 = fastYamlWriter(() => yaml, YAML_OPTIONS);
    for (let i = 0; i < 2; i++) {
      // Under singleQuote the library quotes `on` with ', under the CLI's options with ".
      expect(single({ k: 'on' })).toBe("k: 'on'\n");
      expect(yaml11({ k: 'on' })).toBe('k: "on"\n');
      expect(yaml11({ on: 1 })).toBeUndefined();
    }
  });
});
