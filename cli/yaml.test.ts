import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { render, renderObjects } from '../render/index.ts';
import { microServiceArbitrary, trafficMicroServiceArbitrary } from '../test/support/arbitraries.ts';
import { type StreamDocument, toYaml, toYamlStream } from './yaml.ts';

describe('YAML for kubectl', () => {
  it.each(['off', 'on', 'yes', 'no', 'y', 'n'])('quotes %s so YAML 1.1 readers keep it a string', (word) => {
    const text = toYaml({ env: [{ name: 'GOGC', value: word }] });
    expect(text).toContain(`"${word}"`);
    expect(parse(text, { version: '1.1' }).env[0].value).toBe(word);
  });
});

/** The stream as toYamlStream first wrote it: each document through toYaml, then joined. */
function streamOneByOne(documents: readonly StreamDocument[]): string {
  return documents
    .map((d) => `---\n${d.comment ? `# ${d.comment.replace(/\n/g, ' ')}\n` : ''}${toYaml(d.value)}`)
    .join('');
}

describe('toYamlStream', () => {
  it('writes the bytes of the documents one by one, for the objects rendered from generated MicroServices', () => {
    const services = [
      ...fc.sample(microServiceArbitrary, { numRuns: 200, seed: 15 }),
      ...fc.sample(trafficMicroServiceArbitrary, { numRuns: 100, seed: 16 }),
    ];
    const documents = services.flatMap((ms, i) =>
      renderObjects(ms).map((value) => ({
        comment: `Source: ms-${i}.yaml:1 (MicroService ${ms.metadata.name})`,
        value,
      })),
    );
    expect(documents.length).toBeGreaterThan(900);
    expect(toYamlStream(documents)).toBe(streamOneByOne(documents));
  });

  it('takes the library for a document the fast writer declines part way, with nothing of its partial text', () => {
    const documents: StreamDocument[] = [
      { comment: 'plain', value: { kind: 'A', spec: { replicas: 2 } } },
      // The float and the nested list come after lines the fast writer had already written.
      { comment: 'a float', value: { kind: 'B', metadata: { name: 'b' }, spec: { ratio: 1.5 } } },
      { value: { kind: 'C', matrix: [[1, 2], [3]] } },
      { comment: 'multi-line\ncomment', value: { kind: 'D', script: 'line one\nline two\n' } },
      { comment: '', value: {} },
    ];
    const text = toYamlStream(documents);
    expect(text).toBe(streamOneByOne(documents));
    expect(text).toContain('ratio: 1.5');
    expect(text.match(/kind: B/g)).toHaveLength(1);
  });
});

describe('renderObjects', () => {
  it('is render().objects, without the explanations', () => {
    fc.assert(
      fc.property(fc.oneof(microServiceArbitrary, trafficMicroServiceArbitrary), (ms) => {
        expect(renderObjects(ms)).toStrictEqual(render(ms).objects);
      }),
      { numRuns: 200 },
    );
  });
});
