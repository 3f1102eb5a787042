import { describe, expect, it } from 'vitest';
import { ANNOTATIONS_TOTAL_MAX, annotationsSize, labelValueProblem, qualifiedNameProblem } from './metadata.ts';
import { parseMicroService } from './validate.ts';

const microService = (metadata: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name: 'order', ...metadata },
  spec: { image: 'registry.example.com/shop/order:1.0.0', ...spec },
});

const issuesOf = (input: unknown) => {
  const r = parseMicroService(input);
  return r.ok ? [] : r.issues;
};

describe('qualified names (IsQualifiedName)', () => {
  it.each([
    'team',
    'example.com/team',
    'a.b-c.example/x_y.z',
    `${'a'.repeat(63)}`,
    `${'a'.repeat(253)}/${'b'.repeat(63)}`,
    'A1',
  ])('%s is one', (key) => expect(qualifiedNameProblem(key)).toBeUndefined());
  it.each([
    ['', 'empty name'],
    ['/team', 'empty prefix'],
    ['a/b/c', "more than one '/'"],
    ['Example.com/team', 'no DNS-1123 subdomain'],
    [`${'a'.repeat(254)}/x`, 'at most 253'],
    [`${'a'.repeat(64)}`, 'at most 63'],
    ['-team', 'starting and ending'],
    ['team_', 'starting and ending'],
    ['te am', 'letters, digits'],
  ])('%j is not (%s)', (key, why) => expect(qualifiedNameProblem(key)).toContain(why));
});

describe('label values (IsValidLabelValue)', () => {
  it.each(['', 'v1', 'a.b_c-d', 'x'.repeat(63)])('%j is one', (v) => expect(labelValueProblem(v)).toBeUndefined());
  it.each(['x'.repeat(64), '-a', 'a-', 'a b', 'ä', 'a/b'])('%j is not', (v) =>
    expect(labelValueProblem(v)).toBeDefined(),
  );
});

describe('annotation size', () => {
  it('counts keys and values in UTF-8 bytes, as Go len() does', () => {
    expect(annotationsSize({ a: 'é', bb: '日本' })).toBe(1 + 2 + 2 + 6);
  });
});

describe('metadata of a MicroService', () => {
  it('accepts what kubectl and the API server write back (creationTimestamp: null, managedFields, ...)', () => {
    expect(
      issuesOf(
        microService({
          namespace: 'shop',
          uid: '0b9c...',
          generation: 3,
          resourceVersion: '12',
          creationTimestamp: null,
          finalizers: ['example.com/cleanup'],
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'y', controller: true }],
          managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
          labels: { 'app.kubernetes.io/part-of': 'shop', empty: '' },
          annotations: { 'Example.COM/Note': 'upper-case keys are lower-cased before the check' },
        }),
      ),
    ).toStrictEqual([]);
  });

  const cases: { name: string; metadata: Record<string, unknown>; path: string; message: RegExp }[] = [
    {
      name: 'a namespace that is no DNS-1123 label',
      metadata: { namespace: 'Shop_1' },
      path: 'metadata.namespace',
      message: /DNS-1123 label/,
    },
    {
      name: 'a namespace of 64 characters',
      metadata: { namespace: 'a'.repeat(64) },
      path: 'metadata.namespace',
      message: /at most 63/,
    },
    { name: 'a misspelt metadata field', metadata: { labes: { a: 'b' } }, path: 'metadata', message: /labes/ },
    {
      name: 'a label value with a space',
      metadata: { labels: { team: 'shop floor' } },
      path: 'metadata.labels.team',
      message: /no label value/,
    },
    {
      name: 'a part-of label the children could not carry',
      metadata: { labels: { 'app.kubernetes.io/part-of': 'Shop Front' } },
      path: 'metadata.labels.app.kubernetes.io/part-of',
      message: /no label value/,
    },
    {
      name: 'a label key with two slashes',
      metadata: { labels: { 'a/b/c': 'x' } },
      path: 'metadata.labels.a/b/c',
      message: /more than one/,
    },
    {
      name: 'a number as a label value',
      metadata: { labels: { replicas: 3 } },
      path: 'metadata.labels.replicas',
      message: /quote it \("3"\)/,
    },
    {
      name: 'an annotation key with a bad prefix',
      metadata: { annotations: { 'exa mple.com/x': 'y' } },
      path: 'metadata.annotations.exa mple.com/x',
      message: /DNS-1123/,
    },
    {
      name: 'annotations over 256 KiB',
      metadata: { annotations: { a: 'x'.repeat(ANNOTATIONS_TOTAL_MAX) } },
      path: 'metadata.annotations',
      message: /262145 bytes .* at most 262144/,
    },
    {
      name: 'a generation given as text',
      metadata: { generation: '3' },
      path: 'metadata.generation',
      message: /without quotes/,
    },
    {
      name: 'finalizers as one string',
      metadata: { finalizers: 'x' },
      path: 'metadata.finalizers',
      message: /must be a list/,
    },
  ];
  it.each(cases)('rejects $name at $path', ({ metadata, path, message }) => {
    const issues = issuesOf(microService(metadata));
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)?.message).toMatch(message);
  });

  it('accepts annotations of exactly 256 KiB', () => {
    expect(issuesOf(microService({ annotations: { a: 'x'.repeat(ANNOTATIONS_TOTAL_MAX - 1) } }))).toStrictEqual([]);
  });
});

describe('messages say what to write, not "Invalid input"', () => {
  const cases: { name: string; spec: Record<string, unknown>; path: string; message: string }[] = [
    {
      name: 'cpu: 0.5 as a number',
      spec: { resources: { requests: { cpu: 0.5 } } },
      path: 'spec.resources.requests.cpu',
      message: 'the number 0.5 is no quantity: quote it ("0.5") or write it in milli-units ("500m")',
    },
    {
      name: 'gcPercent: false (gcPercent: no in YAML 1.1)',
      spec: { runtime: { go: { version: '1.24', gcPercent: false } } },
      path: 'spec.runtime.go.gcPercent',
      message: "must be 'off' or a number, not false: quote it if you meant the string",
    },
    {
      name: 'gcPercent: -5',
      spec: { runtime: { go: { version: '1.24', gcPercent: -5 } } },
      path: 'spec.runtime.go.gcPercent',
      message: 'must be at least 1 (got -5)',
    },
    {
      name: 'replicas: "3"',
      spec: { replicas: '3' },
      path: 'spec.replicas',
      message: 'must be a number, not the string "3": write it without quotes',
    },
    {
      name: 'an unknown protocol',
      spec: { ports: [{ name: 'http', port: 80, protocol: 'SCTP' }] },
      path: 'spec.ports[0].protocol',
      message: 'must be one of "HTTP", "HTTP2", "GRPC", "TCP", "UDP", not the string "SCTP"',
    },
    { name: 'a missing image', spec: { image: undefined }, path: 'spec.image', message: 'is required' },
  ];
  it.each(cases)('$name', ({ spec, path, message }) => {
    const issues = issuesOf(microService({}, spec));
    expect(issues).toContainEqual({ path, message });
    expect(issues.map((i) => i.message).join('\n')).not.toContain('Invalid input');
  });
});
