// Property tests over generated specs (render/testing/arbitraries.ts): every valid spec renders,
// deterministically and without touching its input, into objects that pass the Kubernetes OpenAPI
// types (kubernetes-models) and the API-server rules those types cannot express; invalid specs are
// rejected with a field path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatPath, type MicroServiceSpec, parseSpec, QUANTITY_PATTERN, SPEC_RULES } from '../api/index.ts';
import { microServiceArbitrary, rawSpecArbitrary, specArbitrary } from '../test/support/arbitraries.ts';
import { semanticIssues, validateOpenApi } from '../test/support/kubernetes.ts';
import { canonicalJson } from './hash.ts';
import {
  CONFIG_HASH_ANNOTATION,
  DEFAULT_RENDER_CONFIG,
  POD_TEMPLATE_HASH_ANNOTATION,
  type RenderedObject,
  render,
} from './index.ts';

type Json = Record<string, unknown>;

const RUNS = { numRuns: 150 };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('the generators', () => {
  it('produce mostly valid specs', () => {
    const samples = fc.sample(rawSpecArbitrary, { numRuns: 300, seed: 42 });
    const valid = samples.filter((s) => parseSpec(s).ok).length;
    expect(valid / samples.length).toBeGreaterThan(0.8);
  });

  it('cover meshes, autoscaling, Go tuning and probes', () => {
    const samples = fc.sample(specArbitrary, { numRuns: 300, seed: 7 });
    const share = (p: (s: MicroServiceSpec) => boolean) => samples.filter(p).length / samples.length;
    expect(share((s) => s.mesh?.provider === 'istio')).toBeGreaterThan(0.1);
    expect(share((s) => s.mesh?.provider === 'linkerd')).toBeGreaterThan(0.1);
    expect(share((s) => s.autoscaling !== undefined)).toBeGreaterThan(0.2);
    expect(share((s) => s.runtime?.go !== undefined)).toBeGreaterThan(0.2);
    expect(share((s) => s.probes !== undefined)).toBeGreaterThan(0.2);
    expect(share((s) => (s.ports ?? []).length > 1)).toBeGreaterThan(0.2);
    expect(share((s) => (s.volumes ?? []).length > 0 && (s.volumeMounts ?? []).length > 0)).toBeGreaterThan(0.2);
    expect(share((s) => (s.autoscaling?.metrics ?? []).length > 0)).toBeGreaterThan(0.05);
    expect(share((s) => s.autoscaling?.behavior?.scaleDown?.policies !== undefined)).toBeGreaterThan(0.05);
    expect(share((s) => s.strategy?.type === 'Recreate')).toBeGreaterThan(0.05);
    expect(share((s) => s.strategy?.rollingUpdate !== undefined)).toBeGreaterThan(0.05);
    expect(share((s) => s.progressDeadlineSeconds !== undefined && s.minReadySeconds !== undefined)).toBeGreaterThan(
      0.05,
    );
    expect(share((s) => s.revisionHistoryLimit !== undefined)).toBeGreaterThan(0.2);
    expect(share((s) => s.resources?.defaultCPULimit === false)).toBeGreaterThan(0.05);
    expect(share((s) => (s.tolerations ?? []).length > 0 && s.affinity !== undefined)).toBeGreaterThan(0.05);
    expect(share((s) => s.resources?.limits?.['ephemeral-storage'] !== undefined)).toBeGreaterThan(0.05);
    expect(share((s) => (s.initContainers ?? []).length > 0 && (s.sidecars ?? []).length > 0)).toBeGreaterThan(0.1);
    expect(share((s) => (s.imagePullSecrets ?? []).length > 0)).toBeGreaterThan(0.2);
    expect(share((s) => Object.keys(s.nodeSelector ?? {}).length > 0)).toBeGreaterThan(0.2);
    expect(share((s) => (s.topologySpreadConstraints ?? []).length > 0)).toBeGreaterThan(0.2);
    expect(share((s) => s.priorityClassName !== undefined && s.runtimeClassName !== undefined)).toBeGreaterThan(0.05);
    expect(share((s) => s.securityContext?.runAsUser !== undefined)).toBeGreaterThan(0.1);
    expect(share((s) => s.rolloutOnConfigChange === true)).toBeGreaterThan(0.1);
    expect(share((s) => s.rolloutOnConfigChange === true && (s.volumes ?? []).length > 0)).toBeGreaterThan(0.05);
  });

  it('the checkers catch what they claim to', () => {
    expect(() =>
      validateOpenApi({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', labels: {} }, spec: { ports: 'x' } }),
    ).toThrow();
    expect(
      semanticIssues([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'x', labels: { v: 'a b' } },
          spec: { type: 'NodePort', clusterIP: 'None' },
        },
      ]),
    ).toHaveLength(2);
  });
});

describe('rendering any valid MicroService', () => {
  it('does not throw, and returns objects in apply order with a Deployment', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        const kinds = render(ms).objects.map((o) => o.kind);
        const order = ['ServiceAccount', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'];
        expect(kinds).toContain('Deployment');
        expect([...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toStrictEqual(kinds);
      }),
      RUNS,
    );
  });

  it('is deterministic (canonical JSON and YAML) and does not mutate its frozen input', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        const frozen = deepFreeze(structuredClone(ms));
        const first = render(frozen);
        const second = render(structuredClone(ms));
        expect(canonicalJson(first)).toBe(canonicalJson(second));
        expect(stringify(first.objects)).toBe(stringify(second.objects));
        expect(frozen).toStrictEqual(ms);
      }),
      RUNS,
    );
    // Minutes, not the 30 s default: 150 renders twice over, on a loaded 2-core machine.
  }, 300_000);

  it('produces objects that validate against the Kubernetes OpenAPI types', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        for (const o of render(ms).objects) validateOpenApi(o);
      }),
      RUNS,
    );
  });

  it('produces objects the API server, the kubelet and the mesh injector accept', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        expect(semanticIssues(render(ms).objects, { userEnv: (ms.spec.env ?? []).map((e) => e.name) })).toStrictEqual(
          [],
        );
      }),
      RUNS,
    );
  });

  it("takes the operator's config hash only when opted in, as one pod template annotation", () => {
    fc.assert(
      fc.property(microServiceArbitrary, fc.stringMatching(/^[0-9a-f]{16}$/), (ms, hash) => {
        const template = (objects: RenderedObject[]) => {
          const d = objects.find((o) => o.kind === 'Deployment');
          if (!d) throw new Error('no Deployment rendered');
          return (d.spec as { template: { metadata: { annotations: Json } } }).template;
        };
        const plain = render(ms).objects;
        const hashed = render(ms, { ...DEFAULT_RENDER_CONFIG, configHash: hash }).objects;
        const annotations = template(hashed).metadata.annotations;
        if (ms.spec.rolloutOnConfigChange !== true) {
          expect(canonicalJson(hashed)).toBe(canonicalJson(plain));
          return;
        }
        expect(annotations[CONFIG_HASH_ANNOTATION]).toBe(hash);
        // A new hash is a new pod template, so the Deployment rolls.
        expect(annotations[POD_TEMPLATE_HASH_ANNOTATION]).not.toBe(
          template(plain).metadata.annotations[POD_TEMPLATE_HASH_ANNOTATION],
        );
        const strip = (objects: RenderedObject[]) => {
          const copy = structuredClone(objects);
          const a = template(copy).metadata.annotations;
          delete a[CONFIG_HASH_ANNOTATION];
          delete a[POD_TEMPLATE_HASH_ANNOTATION];
          return canonicalJson(copy);
        };
        expect(strip(hashed)).toBe(strip(plain));
        for (const o of hashed) validateOpenApi(o);
      }),
      RUNS,
    );
  }, 300_000);

  it('explains every tuning decision and the grace period', () => {
    fc.assert(
      fc.property(microServiceArbitrary, (ms) => {
        const fields = render(ms).explanations.map((e) => e.field);
        expect(fields).toContain('terminationGracePeriodSeconds');
        if (ms.spec.runtime?.go)
          expect(fields).toEqual(expect.arrayContaining(['env GOMAXPROCS', 'env GOMEMLIMIT', 'env GOGC']));
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid specs

type Mutation = { name: string; path: RegExp; apply: (s: MicroServiceSpec) => unknown };
const mutations: Mutation[] = [
  { name: 'empty image', path: /^spec\.image$/, apply: (s) => ({ ...s, image: '' }) },
  { name: 'image with a space', path: /^spec\.image$/, apply: (s) => ({ ...s, image: 'nginx 1.27' }) },
  { name: 'negative replicas', path: /^spec\.replicas$/, apply: (s) => ({ ...s, replicas: -1 }) },
  { name: 'fractional replicas', path: /^spec\.replicas$/, apply: (s) => ({ ...s, replicas: 1.5 }) },
  { name: 'unknown field', path: /^spec$/, apply: (s) => ({ ...s, replica: 3 }) },
  {
    name: 'port out of range',
    path: /^spec\.ports\[0\]\.port$/,
    apply: (s) => ({ ...s, ports: [{ name: 'http', port: 0 }] }),
  },
  {
    name: 'duplicate port number',
    path: /^spec\.ports\[1\]\.port$/,
    apply: (s) => ({
      ...s,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'web', port: 8080 },
      ],
    }),
  },
  {
    name: 'bad quantity',
    path: /^spec\.resources\.requests\.cpu$/,
    apply: (s) => ({ ...s, resources: { requests: { cpu: '1 core' } } }),
  },
  {
    name: 'request above limit',
    path: /^spec\.resources\.requests\.memory$/,
    apply: (s) => ({ ...s, resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }),
  },
  {
    name: 'minReplicas above maxReplicas',
    path: /^spec\.autoscaling\.maxReplicas$/,
    apply: (s) => ({ ...s, autoscaling: { minReplicas: 5, maxReplicas: 3 } }),
  },
  {
    name: 'both disruption fields',
    path: /^spec\.disruption$/,
    apply: (s) => ({ ...s, disruption: { maxUnavailable: 1, minAvailable: 1 } }),
  },
  {
    name: 'create: false without a name',
    path: /^spec\.serviceAccount\.name$/,
    apply: (s) => ({ ...s, serviceAccount: { create: false } }),
  },
  {
    name: 'mesh option with provider none',
    path: /^spec\.mesh\.mode$/,
    apply: (s) => ({ ...s, mesh: { provider: 'none', mode: 'sidecar' } }),
  },
  {
    name: 'linkerd ambient',
    path: /^spec\.mesh\.mode$/,
    apply: (s) => ({ ...s, mesh: { provider: 'linkerd', mode: 'ambient' } }),
  },
  {
    name: 'two probe handlers',
    path: /^spec\.probes\.liveness$/,
    apply: (s) => ({
      ...s,
      probes: { liveness: { httpGet: { path: '/', port: 8080 }, tcpSocket: { port: 8080 } } },
    }),
  },
  {
    name: 'liveness successThreshold 2',
    path: /^spec\.probes\.liveness\.successThreshold$/,
    apply: (s) => ({ ...s, probes: { liveness: { successThreshold: 2 } } }),
  },
  {
    name: 'grace period below the budget',
    path: /^spec\.shutdown\.gracePeriodSeconds$/,
    apply: (s) => ({ ...s, shutdown: { preStopSleepSeconds: 5, timeoutSeconds: 5, gracePeriodSeconds: 10 } }),
  },
  {
    name: 'go.mod above the toolchain',
    path: /^spec\.runtime\.go\.goModVersion$/,
    apply: (s) => ({ ...s, runtime: { go: { version: '1.24', goModVersion: '1.25' } } }),
  },
  {
    name: 'memoryLimitPercent below 10',
    path: /^spec\.runtime\.go\.memoryLimitPercent$/,
    apply: (s) => ({ ...s, runtime: { go: { version: '1.24', memoryLimitPercent: 5 } } }),
  },
  {
    name: "gcPercent 'off' without a memory limit",
    path: /^spec\.runtime\.go\.gcPercent$/,
    apply: (s) => ({
      ...s,
      resources: { requests: { memory: '64Mi' } },
      runtime: { go: { version: '1.24', gcPercent: 'off' } },
    }),
  },
  {
    name: 'env with value and valueFrom',
    path: /^spec\.env\[0\]$/,
    apply: (s) => ({ ...s, env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }),
  },
  // Rules the API server applies to the rendered env (k8s.io/kubernetes pkg/apis/core/validation).
  {
    name: 'resourceFieldRef with a resource the downward API does not offer',
    path: /^spec\.env\[0\]\.valueFrom\.resourceFieldRef\.resource$/,
    apply: (s) => ({ ...s, env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'cpu' } } }] }),
  },
  {
    name: 'fieldRef with an unsupported field',
    path: /^spec\.env\[0\]\.valueFrom\.fieldRef\.fieldPath$/,
    apply: (s) => ({ ...s, env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } }] }),
  },
  {
    name: 'configMapKeyRef with a key that is no ConfigMap key',
    path: /^spec\.env\[0\]\.valueFrom\.configMapKeyRef\.key$/,
    apply: (s) => ({ ...s, env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'a/b' } } }] }),
  },
  {
    name: "envFrom prefix with '='",
    path: /^spec\.envFrom\[0\]\.prefix$/,
    apply: (s) => ({ ...s, envFrom: [{ configMapRef: { name: 'c' }, prefix: 'A=' }] }),
  },
];

describe('rejecting an invalid spec', () => {
  it.each(mutations)('$name is rejected with a path', ({ path, apply }) => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const result = parseSpec(apply(structuredClone(spec)));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.map((i) => i.path)).toContainEqual(expect.stringMatching(path));
      }),
      { numRuns: 20 },
    );
  });
});

describe('every cross-field rule', () => {
  const cases = SPEC_RULES.flatMap((rule) =>
    rule.invalidExamples.map((example, i) => ({ name: `${rule.id} #${i}`, rule, example })),
  );
  it.each(cases)('$name: its failing example breaks any valid spec, at the rule path', ({ rule, example }) => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const broken = { ...spec, ...structuredClone(example) } as MicroServiceSpec;
        const expected = rule.check(broken).map((i) => formatPath(['spec', ...i.path]));
        expect(expected.length).toBeGreaterThan(0);
        const result = parseSpec(broken);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(expect.arrayContaining(expected));
      }),
      { numRuns: 10 },
    );
  });
});

describe('quantities', () => {
  it('every quantity the schema accepts renders valid objects (as limits and requests, app and proxy)', () => {
    fc.assert(
      fc.property(fc.stringMatching(new RegExp(QUANTITY_PATTERN)), fc.boolean(), (q, asLimit) => {
        const values = { cpu: q, memory: q };
        const spec = {
          image: 'nginx:1.27',
          resources: asLimit ? { limits: values } : { requests: values, limits: values },
          runtime: { go: { version: '1.24' } },
          mesh: { provider: 'istio', proxy: { resources: { requests: values } } },
        };
        let parsed: ReturnType<typeof parseSpec>;
        try {
          parsed = parseSpec(spec);
        } catch (e) {
          throw new Error(`validation threw on ${q}: ${e}`);
        }
        fc.pre(parsed.ok);
        if (!parsed.ok) return;
        const ms = { apiVersion: 'msvc.dev/v1alpha1' as const, kind: 'MicroService' as const, metadata: { name: 'q' } };
        const { objects } = render({ ...ms, spec: parsed.value });
        for (const o of objects) validateOpenApi(o);
        expect(semanticIssues(objects)).toStrictEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
