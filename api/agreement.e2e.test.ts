// zod and the API server read every spec the same way (issue #14, items 3 and 4): for each input of
// the table, `parseMicroService` accepts it exactly when the real API server (the CRD's schema and
// CEL) accepts the custom resource; and whatever zod accepts renders objects the API server accepts
// too. Server-side dry run: nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../render/index.ts';
import { dryRunEach, verdictKey } from '../test/e2e/dry-run.ts';
import { installCrd, installVendoredCrds } from '../test/e2e/kube.ts';
import { createTestNamespace } from '../test/e2e/namespace.ts';
import { e2eKubeconfigPath as kubeconfig } from '../test/support/operator.ts';
import { parseMicroService } from './validate.ts';

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  await installCrd(kubeconfig());
  // The rendered objects include third-party kinds (HTTPRoute for the routes cases): their CRDs must
  // be served whatever suite ran before this one.
  await installVendoredCrds(kubeconfig());
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'agree'));
});
afterAll(async () => {
  await cleanup?.();
});

type Case = { name: string; spec?: Record<string, unknown>; metadata?: Record<string, unknown>; valid: boolean };

const go = (over: Record<string, unknown>) => ({ runtime: { go: { version: '1.24', ...over } } });
const divisorRef = (resource: string, divisor: unknown) => ({
  env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource, divisor } } }],
});
/** A route over port http with these parentRefs. */
const routeTo = (...parentRefs: Record<string, unknown>[]) => ({
  ports: [{ name: 'http', port: 8080 }],
  routes: { parentRefs, http: [{ port: 'http' }] },
});
const probePort = (port: unknown) => ({
  ports: [{ name: 'http', port: 8080 }],
  probes: { liveness: { httpGet: { path: '/healthz', port } } },
});

/** A label key with a DNS-subdomain prefix of `prefix` characters and a name of `name`. */
const longKey = (prefix: number, name: number) =>
  `${Array.from({ length: Math.ceil(prefix / 50) }, () => 'a'.repeat(49))
    .join('.')
    .slice(0, prefix)
    .replace(/\.$/, 'a')}/${'n'.repeat(name)}`;

/** Every int-or-string field's range and words, the rules zod and CEL both carry, and metadata. */
const CASES: Case[] = [
  // int-or-string fields keep their ranges in the CRD (the API server took gcPercent: -5 before)
  { name: 'gcPercent -5', spec: go({ gcPercent: -5 }), valid: false },
  { name: 'gcPercent 0', spec: go({ gcPercent: 0 }), valid: false },
  { name: 'gcPercent 1', spec: go({ gcPercent: 1 }), valid: true },
  { name: 'gcPercent 100000', spec: go({ gcPercent: 100000 }), valid: true },
  { name: 'gcPercent 100001', spec: go({ gcPercent: 100001 }), valid: false },
  { name: "gcPercent 'off'", spec: go({ gcPercent: 'off' }), valid: true },
  { name: "gcPercent 'on'", spec: go({ gcPercent: 'on' }), valid: false },
  { name: "gcPercent '100'", spec: go({ gcPercent: '100' }), valid: false },
  { name: 'maxProcs 0', spec: go({ maxProcs: 0 }), valid: false },
  { name: 'maxProcs 1024', spec: go({ maxProcs: 1024 }), valid: true },
  { name: 'maxProcs 1025', spec: go({ maxProcs: 1025 }), valid: false },
  { name: "maxProcs 'auto'", spec: go({ maxProcs: 'auto' }), valid: true },
  { name: "maxProcs 'max'", spec: go({ maxProcs: 'max' }), valid: false },
  { name: 'probe port 0', spec: probePort(0), valid: false },
  { name: 'probe port 65535', spec: probePort(65535), valid: true },
  { name: 'probe port 65536', spec: probePort(65536), valid: false },
  { name: "probe port 'http'", spec: probePort('http'), valid: true },
  { name: "probe port 'HTTP'", spec: probePort('HTTP'), valid: false },
  { name: "probe port 'h--p'", spec: probePort('h--p'), valid: false },
  { name: "probe port '8080'", spec: probePort('8080'), valid: false },
  { name: 'probe port name of 16 characters', spec: probePort('a'.repeat(16)), valid: false },
  { name: 'disruption maxUnavailable -1', spec: { disruption: { maxUnavailable: -1 } }, valid: false },
  { name: 'disruption minAvailable 100001', spec: { disruption: { minAvailable: 100001 } }, valid: false },
  { name: "disruption minAvailable '101%'", spec: { disruption: { minAvailable: '101%' } }, valid: false },
  { name: "disruption minAvailable '50%'", spec: { disruption: { minAvailable: '50%' } }, valid: true },
  { name: 'maxSurge -1', spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: -1 } } }, valid: false },
  { name: 'cpu request -1', spec: { resources: { requests: { cpu: -1 } } }, valid: false },
  { name: 'cpu request 0', spec: { resources: { requests: { cpu: 0 } } }, valid: true },
  { name: 'emptyDir sizeLimit -1', spec: { volumes: [{ name: 'cache', emptyDir: { sizeLimit: -1 } }] }, valid: false },
  {
    name: 'init container cpu -2',
    spec: { initContainers: [{ name: 'i', image: 'x', resources: { limits: { cpu: -2 } } }] },
    valid: false,
  },
  // resourceFieldRef divisors, per resource
  { name: 'divisor 1m for cpu', spec: divisorRef('limits.cpu', '1m'), valid: true },
  { name: 'divisor 1 (number) for cpu', spec: divisorRef('limits.cpu', 1), valid: true },
  { name: 'divisor 1Mi for cpu', spec: divisorRef('limits.cpu', '1Mi'), valid: false },
  { name: 'divisor 1m for memory', spec: divisorRef('requests.memory', '1m'), valid: false },
  { name: 'divisor 1Mi for memory', spec: divisorRef('requests.memory', '1Mi'), valid: true },
  { name: 'divisor 1k for ephemeral-storage', spec: divisorRef('limits.ephemeral-storage', '1k'), valid: true },
  { name: 'divisor 2 for memory', spec: divisorRef('limits.memory', 2), valid: false },
  { name: 'divisor 1024 for memory', spec: divisorRef('limits.memory', '1024'), valid: false },
  { name: 'divisor 0 for cpu', spec: divisorRef('limits.cpu', 0), valid: false },
  // valid Kubernetes that used to be refused
  {
    name: 'the same port for TCP and UDP (DNS on 53)',
    spec: {
      ports: [
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    },
    valid: true,
  },
  {
    name: 'the same port twice for UDP',
    spec: {
      ports: [
        { name: 'a', port: 53, protocol: 'UDP' },
        { name: 'b', port: 53, protocol: 'UDP' },
      ],
    },
    valid: false,
  },
  {
    name: 'the same port for HTTP and GRPC (both TCP)',
    spec: {
      ports: [
        { name: 'a', port: 80, protocol: 'HTTP' },
        { name: 'b', port: 80, protocol: 'GRPC' },
      ],
    },
    valid: false,
  },
  {
    name: 'autoscaling on CPU with a CPU limit and no request (the request defaults to the limit)',
    spec: { autoscaling: { maxReplicas: 4 }, resources: { limits: { cpu: '1', memory: '256Mi' } } },
    valid: true,
  },
  {
    name: 'autoscaling on memory with a memory limit and no request',
    spec: {
      autoscaling: { maxReplicas: 4, targetMemoryUtilizationPercent: 70 },
      resources: { limits: { memory: '256Mi' } },
    },
    valid: true,
  },
  {
    name: 'autoscaling on CPU with neither request nor limit',
    spec: { autoscaling: { maxReplicas: 4 }, resources: { limits: { memory: '256Mi' } } },
    valid: false,
  },
  // GOMEMLIMIT within 4 MiB .. 2^63-1
  {
    name: 'GOMEMLIMIT from limits.memory 512m',
    spec: { ...go({}), resources: { limits: { memory: '512m' } } },
    valid: false,
  },
  {
    name: 'GOMEMLIMIT from limits.memory 512Mi',
    spec: { ...go({}), resources: { limits: { memory: '512Mi' } } },
    valid: true,
  },
  {
    name: 'GOMEMLIMIT from limits.memory 4Mi at 90%',
    spec: { ...go({}), resources: { limits: { memory: '4Mi' } } },
    valid: false,
  },
  {
    name: 'GOMEMLIMIT from limits.memory 5Mi at 90%',
    spec: { ...go({}), resources: { limits: { memory: '5Mi' } } },
    valid: true,
  },
  {
    name: 'GOMEMLIMIT from limits.memory 10E at 100%',
    spec: { ...go({ memoryLimitPercent: 100 }), resources: { limits: { memory: '10E' } } },
    valid: false,
  },
  {
    name: 'GOMEMLIMIT from limits.memory 8E at 100%',
    spec: { ...go({ memoryLimitPercent: 100 }), resources: { limits: { memory: '8E' } } },
    valid: true,
  },
  {
    name: 'a tiny memory limit with GOMEMLIMIT set in env',
    spec: { ...go({}), resources: { limits: { memory: '512m' } }, env: [{ name: 'GOMEMLIMIT', value: '100MiB' }] },
    valid: true,
  },
  // pod metadata
  {
    name: 'podAnnotations over the budget',
    spec: { podAnnotations: Object.fromEntries([0, 1, 2, 3].map((i) => [`example.com/b${i}`, 'x'.repeat(62000)])) },
    valid: false,
  },
  {
    name: 'podAnnotations under the budget',
    spec: { podAnnotations: Object.fromEntries([0, 1, 2].map((i) => [`example.com/b${i}`, 'x'.repeat(62000)])) },
    valid: true,
  },
  // label keys in the spec: a DNS-subdomain prefix of at most 253 characters, a name of at most 63
  { name: 'a podLabels key of 253 + 63 characters', spec: { podLabels: { [longKey(253, 63)]: 'v' } }, valid: true },
  { name: 'a podLabels key prefix of 254', spec: { podLabels: { [longKey(254, 1)]: 'v' } }, valid: false },
  { name: 'a podLabels key name of 64', spec: { podLabels: { [longKey(10, 64)]: 'v' } }, valid: false },
  { name: 'a nodeSelector key prefix of 254', spec: { nodeSelector: { [longKey(254, 1)]: 'v' } }, valid: false },
  {
    name: 'a topologyKey prefix of 254',
    spec: {
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: longKey(254, 1), whenUnsatisfiable: 'ScheduleAnyway' }],
    },
    valid: false,
  },
  // list entries the rendered objects key by (server-side apply refuses two with one key), and item paths
  { name: 'an imagePullSecret listed twice', spec: { imagePullSecrets: [{ name: 'r' }, { name: 'r' }] }, valid: false },
  {
    name: 'a sidecar env variable set twice',
    spec: {
      sidecars: [
        {
          name: 's',
          image: 'x',
          env: [
            { name: 'A', value: 'x' },
            { name: 'A', value: 'y' },
          ],
        },
      ],
    },
    valid: false,
  },
  {
    name: 'two topology constraints on one key',
    spec: {
      topologySpreadConstraints: [0, 1].map((i) => ({
        maxSkew: 1 + i,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
      })),
    },
    valid: false,
  },
  {
    name: "a configMap item path '..data'",
    spec: { volumes: [{ name: 'c', configMap: { name: 'c', items: [{ key: 'k', path: '..data' }] } }] },
    valid: false,
  },
  {
    name: "a configMap item path 'a/..data'",
    spec: { volumes: [{ name: 'c', configMap: { name: 'c', items: [{ key: 'k', path: 'a/..data' }] } }] },
    valid: true,
  },
  // found by the near-valid suite (near-valid.e2e.test.ts): quantities as numbers, requests of extra
  // containers, projected volumes
  { name: 'memory 637534208.5 as a number', spec: { resources: { requests: { memory: 637534208.5 } } }, valid: false },
  {
    name: 'memory 2^53+3 as a number',
    spec: { resources: { limits: { memory: 2 ** 53 + 3 } } },
    valid: false,
  },
  {
    name: 'memory 2^53-1 as a number',
    spec: { resources: { requests: { memory: 2 ** 53 - 1 }, limits: { memory: '8Pi' } } },
    valid: true,
  },
  {
    name: 'a cpu quantity of 64 characters',
    spec: { resources: { requests: { cpu: `${'0'.repeat(63)}1` } } },
    valid: true,
  },
  {
    name: 'a cpu quantity of 65 characters',
    spec: { resources: { requests: { cpu: `${'0'.repeat(64)}1` } } },
    valid: false,
  },
  {
    name: 'a sidecar request above its limit',
    spec: { sidecars: [{ name: 's', image: 'x', resources: { requests: { cpu: '1.5Gi' }, limits: { cpu: '250m' } } }] },
    valid: false,
  },
  {
    name: 'init containers and sidecars with and without the default CPU limit',
    spec: {
      initContainers: [{ name: 'migrate', image: 'x', resources: { requests: { cpu: '100m' } } }],
      sidecars: [
        { name: 'logs', image: 'x', resources: { requests: { cpu: '50m' }, defaultCPULimit: false } },
        { name: 'proxy', image: 'x', resources: { requests: { cpu: '50m' }, defaultCPULimit: true } },
      ],
    },
    valid: true,
  },
  {
    name: "a sidecar's defaultCPULimit as a string",
    spec: { sidecars: [{ name: 's', image: 'x', resources: { requests: { cpu: '50m' }, defaultCPULimit: 'no' } }] },
    valid: false,
  },
  {
    name: 'an init container ephemeral-storage request above its limit',
    spec: {
      initContainers: [
        {
          name: 'i',
          image: 'x',
          resources: { requests: { 'ephemeral-storage': '2Gi' }, limits: { 'ephemeral-storage': '1Gi' } },
        },
      ],
    },
    valid: false,
  },
  {
    name: 'two projected sources write one file',
    spec: {
      volumes: [
        {
          name: 'p',
          projected: {
            sources: [
              { configMap: { name: 'a', items: [{ key: 'k', path: 'f' }] } },
              { secret: { name: 'b', items: [{ key: 'k', path: 'f' }] } },
            ],
          },
        },
      ],
    },
    valid: false,
  },
  {
    name: 'a projected downward API file at a configMap item path',
    spec: {
      volumes: [
        {
          name: 'p',
          projected: {
            sources: [
              { configMap: { name: 'a', items: [{ key: 'k', path: 'f' }] } },
              { downwardAPI: { items: [{ path: 'f', fieldRef: { fieldPath: 'metadata.name' } }] } },
            ],
          },
        },
      ],
    },
    valid: false,
  },
  {
    name: 'a projected token at a configMap item path (the API server does not compare token paths)',
    spec: {
      volumes: [
        {
          name: 'p',
          projected: {
            sources: [
              { configMap: { name: 'a', items: [{ key: 'k', path: 'token' }] } },
              { serviceAccountToken: { path: 'token' } },
            ],
          },
        },
      ],
    },
    valid: true,
  },
  {
    name: 'two items of one configMap volume at one path (the API server does not compare them)',
    spec: {
      volumes: [
        {
          name: 'c',
          configMap: {
            name: 'c',
            items: [
              { key: 'a', path: 'f' },
              { key: 'b', path: 'f' },
            ],
          },
        },
      ],
    },
    valid: true,
  },
  {
    name: 'tolerationSeconds 2^53 (above what JavaScript holds exactly)',
    spec: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 ** 53 }] },
    valid: false,
  },
  {
    name: 'tolerationSeconds 2^53-1',
    spec: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 ** 53 - 1 }] },
    valid: true,
  },
  {
    name: 'topology maxSkew 2^31 (int32 in the PodSpec)',
    spec: {
      topologySpreadConstraints: [
        { maxSkew: 2 ** 31, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      ],
    },
    valid: false,
  },
  {
    name: 'topology maxSkew 2^31-1',
    spec: {
      topologySpreadConstraints: [
        { maxSkew: 2 ** 31 - 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      ],
    },
    valid: true,
  },
  {
    name: "a toleration value ' payments' (no label value)",
    spec: { tolerations: [{ key: 'pool', operator: 'Equal', value: ' payments', effect: 'NoSchedule' }] },
    valid: false,
  },
  {
    name: 'a toleration value of 63 characters',
    spec: { tolerations: [{ key: 'pool', value: 'p'.repeat(63), effect: 'NoSchedule' }] },
    valid: true,
  },
  {
    name: 'a Gateway listed twice in routes.parentRefs',
    spec: routeTo({ name: 'public' }, { name: 'public' }),
    valid: false,
  },
  {
    name: 'one Gateway twice, once as kind Gateway written out, one sectionName',
    spec: routeTo({ name: 'public', sectionName: 'https' }, { name: 'public', kind: 'Gateway', sectionName: 'https' }),
    valid: false,
  },
  {
    name: 'one Gateway twice, with and without a sectionName',
    spec: routeTo({ name: 'public', sectionName: 'https' }, { name: 'public' }),
    valid: false,
  },
  {
    name: 'one Gateway twice, two listeners',
    spec: routeTo({ name: 'public', sectionName: 'https' }, { name: 'public', sectionName: 'http' }),
    valid: true,
  },
  {
    name: 'one Gateway name in two namespaces',
    spec: routeTo({ name: 'public' }, { name: 'public', namespace: 'edge' }),
    valid: true,
  },
  // metadata, which the API server checks itself
  { name: 'a label value with a space', metadata: { labels: { team: 'shop floor' } }, valid: false },
  {
    name: 'a part-of label of 64 characters',
    metadata: { labels: { 'app.kubernetes.io/part-of': 'a'.repeat(64) } },
    valid: false,
  },
  { name: 'a label key with an upper-case prefix', metadata: { labels: { 'Example.com/team': 'a' } }, valid: false },
  {
    name: 'an annotation key with an upper-case prefix',
    metadata: { annotations: { 'Example.com/team': 'a' } },
    valid: true,
  },
  { name: 'annotations over 256 KiB', metadata: { annotations: { a: 'x'.repeat(262144) } }, valid: false },
  { name: 'annotations of 256 KiB', metadata: { annotations: { a: 'x'.repeat(262143) } }, valid: true },
  { name: 'a misspelt metadata field', metadata: { labes: { a: 'b' } }, valid: false },
  { name: 'finalizers as a string', metadata: { finalizers: 'x' }, valid: false },
];

describe('zod and the API server agree on accept/reject', () => {
  const objects = CASES.map((c, i) => ({
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name: `agree-${i}`, ...c.metadata },
    spec: { image: 'registry.example.com/shop/order:1.0.0', ...c.spec },
  }));
  let verdicts = new Map<string, { accepted: boolean; message: string }>();
  beforeAll(async () => {
    // Strict field validation, as kubectl apply does by default: a misspelt field is an error.
    verdicts = await dryRunEach(kubeconfig(), namespace, objects);
  });

  it.each(CASES.map((c, i) => ({ ...c, i })))('$name: valid=$valid', ({ i, valid }) => {
    const object = objects[i] as (typeof objects)[number];
    const withNamespace = { ...object, metadata: { ...object.metadata, namespace } };
    const parsed = parseMicroService(withNamespace);
    const verdict = verdicts.get(verdictKey(object));
    expect(parsed.ok, parsed.ok ? 'zod accepted' : JSON.stringify(parsed.issues)).toBe(valid);
    expect(verdict?.accepted, verdict?.message).toBe(valid);
  });

  it('renders objects the API server accepts from every spec zod accepts', async () => {
    const rendered = CASES.flatMap((_, i) => {
      const object = objects[i] as (typeof objects)[number];
      const parsed = parseMicroService({ ...object, metadata: { ...object.metadata, namespace } });
      return parsed.ok ? render(parsed.value).objects : [];
    });
    expect(rendered.length).toBeGreaterThan(0);
    const children = await dryRunEach(
      kubeconfig(),
      namespace,
      rendered as { kind: string; metadata: { name: string } }[],
    );
    const refused = [...children].filter(([, v]) => !v.accepted).map(([k, v]) => `${k}: ${v.message}`);
    expect(refused).toStrictEqual([]);
  });
});
