// What msvc writes, read back by kubectl's own decoder (tools/testhelpers/cmd/kubectl-decode:
// sigs.k8s.io/yaml, go-yaml v2): every string must stay the same string, field by field, through
// `msvc render` (cli/yaml.ts) and through the cdk8s construct's YAML (cdk8s/yaml-document.ts),
// and the two doors must write the same bytes. Strings kubectl would type (`0o17`, `0X1F`, `yes`,
// `010`, `1_0`, dates) are the ones the `yaml` library alone leaves plain or that YAML 1.1 types.
import { Testing, Yaml } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseMicroService } from '../api/index.ts';
import { MicroService } from '../cdk8s/microservice.ts';
import { load } from '../cli/input.ts';
import { toYaml, toYamlStream, YAML_OPTIONS } from '../cli/yaml.ts';
import { render } from '../render/index.ts';
import { microServiceArbitrary } from '../test/support/arbitraries.ts';
import { chart, propsOf } from '../test/support/cdk8s.ts';
import { ROOT } from '../test/support/cli.ts';
import { microService } from '../test/support/fixtures.ts';
import { kubectlDecode } from '../test/support/oracles.ts';

/** Strings some reader types: Go integer syntax, YAML 1.1 booleans/octal/base 60, timestamps, floats. */
const TRAPS = [
  ...['0o17', '-0o17', '0o1_7', '0X1F', '-0X1F', '0B11', '+0o7', '0O7', '0x1F', '0b11', '010', '1_000', '1_0'],
  ...['1:20', 'yes', 'No', 'on', 'OFF', 'y', 'N', 'true', 'null', '~', '.5', '1e3', '1E3', '1.', '.inf', '.nan'],
  ...['<<', '2024-01-02', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10', '+1', '08', '0777', '1e400'],
];
/** The traps that are also label values (alphanumerics, `-`, `_`, `.`) and annotation keys. */
const LABEL_SAFE = TRAPS.filter((t) => /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(t));

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Each document of `stream` as kubectl decodes it, which must succeed. */
function decoded(stream: string): unknown[] {
  return kubectlDecode(stream).map((d) => {
    if (!d.ok) throw new Error(`kubectl cannot decode msvc's output: ${d.error}\n${stream}`);
    return d.json;
  });
}

/** A MicroService that puts every trap where a user's string goes: env values, pod labels and annotations. */
function trapService() {
  const ms = microService((m) => {
    m.spec.env = TRAPS.map((value, i) => ({ name: `TRAP_${i}`, value }));
    m.spec.podLabels = Object.fromEntries(LABEL_SAFE.map((value, i) => [`trap-${i}`, value]));
    m.spec.podAnnotations = Object.fromEntries([
      ...TRAPS.map((value, i) => [`example.com/trap-${i}`, value]),
      ...LABEL_SAFE.map((key) => [key, key]),
    ]);
  });
  const parsed = parseMicroService(ms);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

describe("msvc's YAML, decoded as kubectl decodes it", () => {
  it('keeps every trap a string, as a value, a key and a list item', () => {
    const value = Object.fromEntries(TRAPS.map((t, i) => [`k${i}`, { value: t, list: [t], [t]: t }]));
    expect(decoded(toYaml(value))).toEqual([value]);
    // The library alone does not: kubectl reads some of them as numbers or booleans (and a `<<` key
    // as a merge key it cannot decode at all, so that one is left out here).
    const withoutMerge = Object.fromEntries(Object.entries(value).filter(([, v]) => v.value !== '<<'));
    expect(() => decoded(stringify(value, YAML_OPTIONS))).toThrow(/map merge/);
    const plainLibrary = decoded(stringify(withoutMerge, YAML_OPTIONS))[0] as Record<string, { value: unknown }>;
    const changed = TRAPS.filter((t, i) => plainLibrary[`k${i}`]?.value !== t);
    expect(changed).toEqual(expect.arrayContaining(['0o17', '0X1F', '0B11', '+0o7', '0O7', '-0o17']));
  });

  it('reads `msvc render` output exactly as rendered, and cdk8s writes the same bytes', () => {
    const ms = trapService();
    const objects = render(ms).objects;
    const cli = toYamlStream(objects.map((value) => ({ value })));
    expect(decoded(cli)).toEqual(asJson(objects));
    // The construct's YAML (cdk8s synth): the same objects, the same bytes, document by document.
    const c = chart();
    new MicroService(c, ms.metadata.name, propsOf(ms));
    const synth = Yaml.stringify(...Testing.synth(c));
    expect(synth.split('---\n')).toEqual(objects.map((o) => toYaml(o)));
    expect(decoded(synth)).toEqual(asJson(objects));
    // Both YAML versions read it back the same, too.
    for (const version of ['1.1', '1.2'] as const) {
      expect(
        cli
          .split('---\n')
          .slice(1)
          .map((d) => parse(d, { version })),
      ).toEqual(asJson(objects));
    }
  });

  it('reads any string-valued object back unchanged (generated strings over number-like characters)', () => {
    const text = fc.oneof(
      fc.constantFrom(...TRAPS),
      fc.string({ unit: fc.constantFrom(...'0123456789+-._oOxXbBeEyYnN:tTfF '), minLength: 1, maxLength: 8 }),
    );
    const objects = fc.sample(fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 6 }), {
      numRuns: 1500,
      seed: 14,
    });
    const stream = objects.map((value) => `---\n${toYaml(value)}`).join('');
    // kubectl skips empty documents (`{}` is not empty: it decodes to {}).
    expect(decoded(stream)).toEqual(asJson(objects));
  });

  // Every rendered output, not only the traps: what kubectl reads from `msvc render` of each example
  // and of generated MicroServices is what the renderer meant, field by field.
  it('reads the rendered objects of every example back exactly as rendered', async () => {
    const { services, errors } = await load([`${ROOT}/examples`]);
    expect(errors).toStrictEqual([]);
    expect(services.length).toBeGreaterThan(5);
    for (const { where, value } of services) {
      const objects = render(value).objects;
      expect(decoded(toYamlStream(objects.map((o) => ({ value: o })))), where).toEqual(asJson(objects));
    }
  });

  it('reads the rendered objects of generated MicroServices back exactly as rendered', () => {
    const services = fc.sample(microServiceArbitrary, { numRuns: 300, seed: 14 });
    const objects = services.flatMap((ms) => render(ms).objects);
    const stream = toYamlStream(objects.map((value) => ({ value })));
    expect(decoded(stream)).toEqual(asJson(objects));
  }, 300_000);
});
