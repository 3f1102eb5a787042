import { describe, expect, it } from 'vitest';
import { buildCrd, intOrStringValidations } from './crd.ts';

type Node = Record<string, unknown>;
const specSchema = (): Node => {
  const crd = buildCrd() as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
  const root = crd.spec.versions[0]?.schema.openAPIV3Schema as { properties: { spec: Node } };
  return root.properties.spec;
};
const at = (node: Node, path: string): Node =>
  path.split('.').reduce((n, key) => (n['properties'] as Record<string, Node>)[key] as Node, node);

describe('int-or-string fields keep what zod checks (the API server applies no range in a union branch)', () => {
  it.each([
    ['runtime.go.gcPercent', { minimum: 1, maximum: 100000, pattern: '^(off)$' }],
    ['runtime.go.maxProcs', { minimum: 1, maximum: 1024, pattern: '^(auto)$' }],
    ['disruption.minAvailable', { minimum: 0, maximum: 100000, pattern: '^(100|[1-9]?[0-9])%$' }],
    ['resources.requests.cpu', { minimum: 0 }],
    ['probes.liveness.httpGet.port', { minimum: 1, maximum: 65535, maxLength: 15 }],
  ])('%s', (path, want) => {
    const node = at(specSchema(), path);
    expect(node['x-kubernetes-int-or-string']).toBe(true);
    expect(node).toMatchObject(want);
    expect(node['anyOf']).toBeUndefined();
  });

  it("keeps a string branch's CEL rules for strings only", () => {
    const node = at(specSchema(), 'probes.liveness.httpGet.port');
    expect(node['x-kubernetes-validations']).toStrictEqual([
      {
        rule: "type(self) != string || (self.matches('[a-z]') && !self.contains('--'))",
        message: "must contain a letter and no '--' (an IANA service name)",
      },
    ]);
  });

  it('turns an enum into an anchored, escaped pattern', () => {
    expect(
      intOrStringValidations({
        anyOf: [
          { type: 'string', enum: ['a.b', 'c'] },
          { type: 'integer', minimum: 2 },
        ],
      }),
    ).toStrictEqual({ minimum: 2, pattern: '^(a\\.b|c)$' });
  });
});
