// The round trip, as properties over generated inputs (fast-check):
//   - within what the spec covers: for any valid MicroService, import of its rendered objects gives
//     a MicroService that renders the same objects (as the API server stores them, and with the
//     same pod-template hash: applying it rolls no pod), and reports nothing as dropped;
//   - outside it: fields the API has no place for, added to such objects, are each reported at
//     their path, and nothing else is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  POD_RESOURCES_ANNOTATION,
  POD_TEMPLATE_HASH_ANNOTATION,
  type RenderedObject,
  render,
} from '../render/index.ts';
import { microServiceArbitrary } from '../test/support/arbitraries.ts';
import { asStored, importObjects } from './index.ts';
import type { JsonObject } from './kubernetes.ts';

const RUNS = Number(process.env['MSVC_IMPORT_RUNS'] ?? 40);

/**
 * The objects as the API server stores them, in a canonical order; the pod budget annotation's JSON
 * by value (its key order follows the order resources were written in, and a quantity may be a
 * number in the spec but is a string in a mesh annotation: the same budget either way).
 */
const stored = (objects: readonly RenderedObject[]) =>
  canonicalJson(
    objects
      .map((o) => {
        const s = asStored(o as unknown as JsonObject) as { metadata: { annotations?: Record<string, string> } };
        const budget = s.metadata.annotations?.[POD_RESOURCES_ANNOTATION];
        if (budget !== undefined)
          s.metadata.annotations![POD_RESOURCES_ANNOTATION] = canonicalJson(
            JSON.parse(budget, (_, v) => (typeof v === 'number' ? String(v) : v)),
          );
        return s as unknown as JsonObject;
      })
      .sort((a, b) => String(a['kind']).localeCompare(String(b['kind']))),
  );
const templateHash = (objects: readonly RenderedObject[]) => {
  const spec = objects.find((o) => o.kind === 'Deployment')?.['spec'] as
    | { template: { metadata: { annotations: Record<string, string> } } }
    | undefined;
  return spec?.template.metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION];
};

describe('import ∘ render', () => {
  it('renders the same objects again and drops nothing, for any MicroService', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        const objects = render(ms).objects;
        const result = importObjects(objects.map((o) => ({ where: 'render', object: o as unknown as JsonObject })));
        expect(result.errors).toStrictEqual([]);
        expect(result.services).toHaveLength(1);
        const [service] = result.services;
        expect(service?.findings.filter((f) => f.kind !== 'note')).toStrictEqual([]);
        const again = render(service!.microService).objects;
        expect(stored(again)).toBe(stored(objects));
        expect(templateHash(again)).toBe(templateHash(objects));
      }),
      { numRuns: RUNS },
    );
  });
});

/** Fields no MicroService can carry, each added at a path of its own. */
const UNCOVERED: readonly { readonly path: string; readonly add: (d: JsonObject) => void }[] = [
  { path: 'spec.template.spec.hostNetwork', add: (d) => Object.assign(pod(d), { hostNetwork: true }) },
  {
    path: 'spec.template.spec.shareProcessNamespace',
    add: (d) => Object.assign(pod(d), { shareProcessNamespace: true }),
  },
  { path: 'spec.template.spec.hostname', add: (d) => Object.assign(pod(d), { hostname: 'fixed' }) },
  { path: 'spec.template.spec.dnsPolicy', add: (d) => Object.assign(pod(d), { dnsPolicy: 'Default' }) },
  {
    path: 'spec.template.spec.hostAliases',
    add: (d) => Object.assign(pod(d), { hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }] }),
  },
  { path: 'spec.template.spec.containers[0].workingDir', add: (d) => Object.assign(app(d), { workingDir: '/srv' }) },
  { path: 'spec.template.spec.containers[0].tty', add: (d) => Object.assign(app(d), { tty: true }) },
  {
    path: 'spec.template.spec.containers[0].lifecycle.postStart',
    add: (d) =>
      Object.assign(app(d), {
        lifecycle: { ...(app(d)['lifecycle'] as JsonObject), postStart: { exec: { command: ['/warm'] } } },
      }),
  },
  {
    path: 'spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]',
    add: (d) => {
      const r = app(d)['resources'] as { limits: JsonObject };
      r.limits['nvidia.com/gpu'] = 1;
    },
  },
  {
    path: 'metadata.labels.team',
    add: (d) => {
      (d['metadata'] as { labels: JsonObject }).labels['team'] = 'checkout';
    },
  },
];

function pod(d: JsonObject): JsonObject {
  return (d['spec'] as { template: { spec: JsonObject } }).template.spec;
}
function app(d: JsonObject): JsonObject {
  return (pod(d)['containers'] as JsonObject[])[0] as JsonObject;
}

describe('what the spec does not cover', () => {
  it('is reported at its path, each field, and nothing else is', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(microServiceArbitrary, fc.subarray([...UNCOVERED], { minLength: 1 }), (ms, uncovered) => {
        const objects = render(ms).objects.map((o) => structuredClone(o) as unknown as JsonObject);
        const deployment = objects.find((o) => o['kind'] === 'Deployment') as JsonObject;
        for (const u of uncovered) u.add(deployment);
        const result = importObjects(objects.map((object) => ({ where: 'x', object })));
        expect(result.errors).toStrictEqual([]);
        const [service] = result.services;
        const reported = service!.findings.filter((f) => f.kind !== 'note').map((f) => f.path);
        expect(new Set(reported)).toStrictEqual(new Set(uncovered.map((u) => u.path)));
        // Everything else is carried over: the objects without the added fields render again.
        expect(stored(render(service!.microService).objects)).toBe(stored(render(ms).objects));
      }),
      { numRuns: RUNS },
    );
  });
});
