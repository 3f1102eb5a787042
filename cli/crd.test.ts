// The checked-in CRD must be exactly what `msvc crd` prints today, and it must be a structural
// schema the API server accepts as it stands (zod's JSON Schema is not: see api/crd.ts toStructural).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCrd } from '../api/index.ts';
import { ROOT } from '../test/support/cli.ts';
import { crdYaml } from './commands/crd.ts';

const CRD_FILE = 'crds/microservices.msvc.dev.yaml';

type Node = { [key: string]: unknown };

/** Every schema node under openAPIV3Schema, with its path (`.spec.ports[].name`). */
function* schemaNodes(node: Node, path: string): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node['properties'] ?? {}) as Record<string, Node>)) {
    yield* schemaNodes(child, `${path}.${name}`);
  }
  if (node['items']) yield* schemaNodes(node['items'] as Node, `${path}[]`);
  if (typeof node['additionalProperties'] === 'object') {
    yield* schemaNodes(node['additionalProperties'] as Node, `${path}{}`);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const [i, child] of ((node[key] ?? []) as Node[]).entries()) yield* schemaNodes(child, `${path}<${key}${i}>`);
  }
}

function* allValues(value: unknown): Generator<[string, unknown]> {
  if (Array.isArray(value)) for (const v of value) yield* allValues(v);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      yield [k, v];
      yield* allValues(v);
    }
  }
}

const crd = buildCrd() as Node;
const version = ((crd['spec'] as Node)['versions'] as Node[])[0] as Node;
const root = (version['schema'] as Node)['openAPIV3Schema'] as Node;
const nodes = [...schemaNodes(root, '')];

describe(CRD_FILE, () => {
  it('is what `msvc crd` generates from the schema', async () => {
    const checkedIn = await readFile(join(ROOT, CRD_FILE), 'utf8').catch(() => '(missing)');
    // A plain equality check, so the failure says what to do instead of dumping a 1000-line diff first.
    if (checkedIn !== crdYaml()) {
      expect.fail(`${CRD_FILE} is out of date with api/schema.ts: run \`make crds\` and commit the result`);
    }
  });
});

describe('the CRD schema is structural', () => {
  it('has no $schema, $id or const anywhere', () => {
    const keys = new Set([...allValues(root)].map(([k]) => k));
    expect(['$schema', '$id', 'id', 'const'].filter((k) => keys.has(k))).toStrictEqual([]);
  });

  // zod refuses an integer JavaScript cannot hold exactly, so the API server must refuse it too
  // (it would take any int64): every integer keeps a bound within ±(2^53-1) (api/crd.ts).
  it('bounds every integer within ±(2^53-1), as zod does', () => {
    const unbounded = nodes
      .filter(([, node]) => node['type'] === 'integer')
      .filter(([, node]) => {
        const { minimum: min, maximum: max } = node as { minimum?: number; maximum?: number };
        return (
          min === undefined || max === undefined || min < -Number.MAX_SAFE_INTEGER || max > Number.MAX_SAFE_INTEGER
        );
      })
      .map(([path]) => path);
    expect(unbounded).toStrictEqual([]);
  });

  it('never sets additionalProperties beside properties', () => {
    const both = nodes.filter(([, n]) => n['properties'] !== undefined && n['additionalProperties'] !== undefined);
    expect(both.map(([p]) => p)).toStrictEqual([]);
  });

  it('uses anyOf/oneOf only for int-or-string', () => {
    const unions = nodes.filter(
      ([, n]) => (n['anyOf'] !== undefined || n['oneOf'] !== undefined) && n['x-kubernetes-int-or-string'] !== true,
    );
    expect(unions.map(([p]) => p)).toStrictEqual([]);
  });

  it('gives every node a type (or marks it int-or-string)', () => {
    const untyped = nodes.filter(([, n]) => n['type'] === undefined && n['x-kubernetes-int-or-string'] !== true);
    expect(untyped.map(([p]) => p)).toStrictEqual([]);
  });

  it('describes every property, so `kubectl explain` is useful', () => {
    // Array items and map values are not properties (their array or map carries the description).
    // metadata is exempt: the API server publishes ObjectMeta's own schema and docs for it, and
    // only validates metadata.name with ours.
    const isProperty = (path: string) =>
      path !== '' && !path.endsWith('[]') && !path.endsWith('{}') && !/^\.metadata(\.|$)/.test(path);
    const undescribed = nodes.filter(
      ([path, n]) => isProperty(path) && !(typeof n['description'] === 'string' && n['description']),
    );
    expect(undescribed.map(([p]) => p)).toStrictEqual([]);
  });

  it('has the status and scale subresources and the printer columns', () => {
    expect(Object.keys(version['subresources'] as Node)).toStrictEqual(['status', 'scale']);
    const columns = (version['additionalPrinterColumns'] as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(['Ready', 'Replicas', 'Mesh', 'Age']));
  });
});
