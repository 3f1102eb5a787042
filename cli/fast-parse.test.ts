import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify, type ToStringOptions } from 'yaml';
import { microServiceArbitrary } from '../test/support/arbitraries.ts';
import { parseFast, resolvePlain } from './fast-parse.ts';

/** What cli/input.ts gets from the library: every document's value, or 'error' when any has errors. */
function library(text: string): unknown[] | 'error' {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((d) => d.errors.length > 0)) return 'error';
  return list.map((d) => d.toJS({ maxAliasCount: 100 }));
}

/** JSON that keeps key order, -0, NaN and ±Infinity apart (toEqual ignores key order). */
function exact(value: unknown): string {
  return JSON.stringify(value, (_, v) => {
    if (typeof v !== 'number') return v;
    return `#number ${Object.is(v, -0) ? '-0' : String(v)}`;
  });
}

/** The fast parser either declines or agrees with the library exactly; returns whether it answered. */
function agrees(text: string): boolean {
  const fast = parseFast(text);
  if (fast === undefined) return false;
  const slow = library(text);
  if (slow === 'error') expect.fail(`fast parse accepted what the library rejects:\n${text}`);
  expect(exact(fast), text).toBe(exact(slow));
  return true;
}

/** Scalars where YAML versions, schemas and the library's quoting disagree. */
const TRICKY = [
  '',
  ' ',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  'yes',
  'Yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'null',
  'Null',
  'NULL',
  'nULL',
  '~',
  '0',
  '-0',
  '+0',
  '007',
  '0o17',
  '0o8',
  '0O17',
  '0x1F',
  '0X1F',
  '0b101',
  '1_000',
  '12:30',
  '1:2:3',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '1.',
  '.5',
  '1.50',
  '-1.5',
  '+.5',
  '1e3',
  '1E-3',
  '.1e+3',
  '1.e3',
  'e3',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  '-.nan',
  '.',
  '..',
  '12345678901234567890',
  '0x',
  '-',
  '--',
  '---',
  '...',
  '?',
  ':',
  '-a',
  '?a',
  ':a',
  'a:',
  'a:b',
  'a: b',
  'a #b',
  'a#b',
  '#a',
  'a]',
  'a}',
  'a,b',
  '[a]',
  '{a}',
  '&a',
  '*a',
  '!a',
  '|',
  '>',
  '%a',
  '@a',
  '`a',
  "'a'",
  '"a"',
  "it's",
  'say "hi"',
  'a\\b',
  'a\nb',
  'a\tb',
  ' a',
  'a ',
  '<<',
  '__proto__',
  'é',
  '100m',
  '128Mi',
  '25%',
];

describe('resolvePlain (YAML 1.2 core schema, as the yaml library types plain scalars)', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['FALSE', false],
    ['tRUE', 'tRUE'],
    ['yes', 'yes'],
    ['on', 'on'],
    ['off', 'off'],
    ['y', 'y'],
    ['null', null],
    ['Null', null],
    ['~', null],
    ['', null],
    ['nULL', 'nULL'],
    ['0o17', 15],
    ['0O17', '0O17'],
    ['0o8', '0o8'],
    ['007', 7],
    ['-0', -0],
    ['+12', 12],
    ['0x1F', 31],
    ['0X1F', '0X1F'],
    ['0b101', '0b101'],
    ['1_000', '1_000'],
    ['12:30', '12:30'],
    ['2001-12-14', '2001-12-14'],
    ['1.50', 1.5],
    ['1.', 1],
    ['.5', 0.5],
    ['1e3', 1000],
    ['1.e3', 1000],
    ['e3', 'e3'],
    ['.inf', Number.POSITIVE_INFINITY],
    ['-.Inf', Number.NEGATIVE_INFINITY],
    ['.NaN', Number.NaN],
    ['-.nan', '-.nan'],
    ['.', '.'],
    ['100m', '100m'],
  ])('%j → %j', (text, value) => {
    expect(Object.is(resolvePlain(text), value)).toBe(true);
    // And the library agrees, as a map value.
    expect(exact(library(`k: ${text}\n`))).toBe(exact([{ k: value }]));
  });

  it('types every tricky scalar as the library does, as a value, a key and a sequence item', () => {
    for (const s of TRICKY) {
      for (const text of [
        `k: ${s}\n`,
        `${s}: v\n`,
        `- ${s}\n`,
        `k: [${s}]\n`,
        `k: [a, ${s}, b]\n`,
        `k: { a: ${s}, b: c }\n`,
        `k: { ${s}: v }\n`,
        `k: "${s}"\n`,
        `k: '${s}'\n`,
        `k: ${s} # c\n`,
      ]) {
        agrees(text);
      }
    }
  });
});

describe('parseFast', () => {
  it('reads the plain block YAML MicroService files are written in', () => {
    const text = [
      '# a comment',
      'apiVersion: msvc.dev/v1alpha1',
      'kind: MicroService',
      'metadata:',
      '  name: order # trailing comment',
      '  labels:',
      '    app.kubernetes.io/part-of: shop',
      'spec:',
      '  image: "registry.example.com/order:1.0"',
      '  replicas: 2',
      '  resources:',
      '    requests: { cpu: 500m, "memory": 1Gi, nn: 1 }',
      '  ports:',
      '    - name: http',
      '      port: 8080',
      '  env:',
      '  - name: A',
      "    value: 'it''s'",
      '  - {}',
      '  args: [--port, "8080", 3]',
      '  empty:',
      '',
      'other: ~',
    ].join('\n');
    expect(parseFast(text)).toEqual([
      {
        apiVersion: 'msvc.dev/v1alpha1',
        kind: 'MicroService',
        metadata: { name: 'order', labels: { 'app.kubernetes.io/part-of': 'shop' } },
        spec: {
          image: 'registry.example.com/order:1.0',
          replicas: 2,
          resources: { requests: { cpu: '500m', memory: '1Gi', nn: 1 } },
          ports: [{ name: 'http', port: 8080 }],
          env: [{ name: 'A', value: "it's" }, {}],
          args: ['--port', '8080', 3],
          empty: null,
        },
        other: null,
      },
    ]);
    expect(agrees(text)).toBe(true);
  });

  it('answers the same for a scalar met again (its typing is kept by text), ambiguous or not', () => {
    for (let round = 0; round < 3; round++) {
      expect(parseFast('a: 10\nb: 8080\nc: 100m\n')).toStrictEqual([{ a: 10, b: 8080, c: '100m' }]);
      // kubectl reads `off` and `010` (octal 8) otherwise: the library path must report them, every time.
      expect(parseFast('gcPercent: off\n')).toBeUndefined();
      expect(parseFast('mode: 010\n')).toBeUndefined();
      expect(parseFast('- off\n')).toBeUndefined();
      expect(parseFast('off: 1\n')).toBeUndefined();
    }
  });

  it('reads every example the fast way', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(agrees(readFileSync(join(dir, file), 'utf8')), file).toBe(true);
  });

  it('splits documents on --- and counts them as the library does', () => {
    expect(parseFast('a: 1\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(parseFast('---\na: 1\n')).toEqual([{ a: 1 }]);
    expect(parseFast('# header\n---\na: 1\n')).toEqual([{ a: 1 }]);
    for (const text of ['a: 1\n---\nb: 2\n', '---\na: 1\n', '# header\n---\na: 1\n', '---\n- 1\n---\nk: v\n']) {
      expect(agrees(text)).toBe(true);
    }
  });

  it('reads JSON with JSON.parse, and leaves duplicate keys to the library', () => {
    expect(parseFast('{"a": [1, 2.5, "x", true, null], "b": {}}')).toEqual([{ a: [1, 2.5, 'x', true, null], b: {} }]);
    expect(parseFast('{"a": 1, "a": 2}')).toBeUndefined();
    expect(parseFast('{"a": {"b": 1, "b": 1}}')).toBeUndefined();
    expect(parseFast('{"a:b": 1, "c": "d:e\\"f:"}')).toEqual([{ 'a:b': 1, c: 'd:e"f:' }]);
  });

  it.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a literal block scalar', 'a: |\n  line\n'],
    ['a folded block scalar', 'a: >\n  line\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line plain scalar in a sequence', '- one\n  two\n'],
    ['a multi-line quoted scalar', 'a: "one\n  two"\n'],
    ['a nested flow map', 'a: {b: {c: 1}}\n'],
    ['a flow map with a comma in quotes', 'a: {b: "c, d"}\n'],
    ['a flow map entry without a space', 'a: {b:1}\n'],
    ['a flow map with a duplicate key', 'a: {b: 1, b: 2}\n'],
    ['a nested flow sequence', 'a: [[1]]\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a tab', 'a:\t1\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['an empty document', 'a: 1\n---\n---\nb: 1\n'],
    ['a trailing document marker', 'a: 1\n---\n'],
    ['only comments', '# nothing\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate key, quoted', 'a: 1\n"a": 2\n'],
    ['a number key', '1: a\n'],
    ['a null key', '~: a\n'],
    ['a merge key', '<<: {}\n'],
    ['__proto__', '__proto__: 1\n'],
    ['odd indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['a scalar document', 'just text\n'],
    ['an unknown escape', 'a: "\\x41"\n'],
    ['a nested map on one line', 'a: b: c\n'],
    ['a BOM', '\ufeffa: 1\n'],
  ])('leaves %s to the library', (_, text) => {
    expect(parseFast(text)).toBeUndefined();
  });

  const key = fc.oneof(
    fc.constantFrom(...TRICKY),
    fc.stringMatching(/^[a-z][a-zA-Z0-9_./-]{0,12}$/),
    fc.string({ maxLength: 8 }),
  );
  const scalar = fc.oneof(
    fc.constantFrom(...TRICKY),
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  }));
  const document = fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 });
  const styles: ToStringOptions[] = [
    {},
    { indent: 4 },
    { indentSeq: false },
    { defaultStringType: 'QUOTE_DOUBLE' },
    { defaultStringType: 'QUOTE_SINGLE' },
    { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' },
    { doubleQuotedAsJSON: true },
    { lineWidth: 20, minContentWidth: 0 },
    { collectionStyle: 'flow' },
    { flowCollectionPadding: false },
  ];

  it('agrees with the library on whatever the library writes, in any style, or declines', () => {
    fc.assert(
      fc.property(
        fc.array(document, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...styles),
        fc.constantFrom('1.1', '1.2') as fc.Arbitrary<'1.1' | '1.2'>,
        (docs, style, version) => {
          const text = docs.map((d) => stringify(d, { ...style, version })).join('---\n');
          agrees(text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('agrees with the library on JSON, or declines', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2), (json, indent) => {
        agrees(JSON.stringify(json, null, indent));
      }),
      { numRuns: 1000 },
    );
  });

  it('never accepts a damaged document the library rejects or reads differently', () => {
    const pieces = [
      ' ',
      '  ',
      '-',
      '- ',
      ':',
      ': ',
      '#',
      ' #',
      '"',
      "'",
      '\n',
      '\n  ',
      '[',
      ']',
      '{',
      '}',
      ',',
      '&',
      '*',
      '!',
      '|',
      '>',
      '?',
      '%',
      '---\n',
      'a',
      '1',
      '.',
      '\\',
      '~',
      // Unicode white space: JavaScript's trim() strips it, YAML trims only space and tab (issue #14).
      '\u00a0',
      '\u2003',
      '\u3000',
      '\u0085',
      '\u1680',
      '\u202f',
      ' \u00a0',
      '\u3000\n',
    ];
    fc.assert(
      fc.property(
        microServiceArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 3 }),
        (ms, edits) => {
          let text = stringify(ms);
          for (const [at, remove, insert] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + remove);
          }
          agrees(text);
        },
      ),
      { numRuns: 6000 },
    );
    // 6000 library parses take ~20 s on an idle 2-core machine; the limit only guards against a hang.
  }, 300_000);

  it('takes the fast path for MicroServices as the yaml library writes them', () => {
    let handled = 0;
    let total = 0;
    fc.assert(
      fc.property(microServiceArbitrary, fc.constantFrom<ToStringOptions>({}, { indentSeq: false }), (ms, style) => {
        total++;
        // YAML 1.1, as msvc writes (cli/yaml.ts): strings kubectl would type are quoted.
        if (agrees(stringify(ms, { ...style, version: '1.1' }))) handled++;
        total++;
        if (agrees(JSON.stringify(ms, null, 2))) handled++;
      }),
      { numRuns: 300 },
    );
    expect(handled / total).toBeGreaterThan(0.95);
  });
});
