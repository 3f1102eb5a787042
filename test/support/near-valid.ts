// Near-valid MicroServices for the differential suite of issue #14 (item 5b): a valid spec (from
// the examples, a minimal one, or test/support/arbitraries.ts) with one or two mutations at the
// edge of a rule. Two kinds of mutation:
//   - leaf edits driven by the CRD's own schema: any field the spec holds is set to the edges of its
//     constraints (minimum/maximum ±1, maxLength ±1, a near-miss of its pattern or enum, the other
//     type of an int-or-string), a list entry is duplicated or dropped, a key removed or added;
//   - targeted edits that build what a leaf edit cannot reach: names and label keys at their length
//     limits, quantities, ports and mesh ports, duplicate entries, volume and mount combinations,
//     mesh combinations, probes and autoscaling at their bounds.
// Each sample says what was done (`edits`), so a disagreement names its mutation.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from 'yaml';
import { buildCrd, MESH_RESERVED_PORTS } from '../../api/index.ts';
import { repoRoot } from '../../tools/bin.ts';
import { specArbitrary } from './arbitraries.ts';

type Json = Record<string, unknown>;
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  enum?: unknown[];
  'x-kubernetes-int-or-string'?: boolean;
}

/** One near-valid MicroService: its metadata (name aside) and spec, and the edits that made it. */
export interface NearValid {
  readonly spec: Json;
  readonly metadata: Json;
  /** The MicroService name's length when an edit chose it (the suite builds a unique name of it). */
  readonly nameLength?: number;
  readonly edits: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Bases: valid specs

const exampleSpecs: Json[] = readdirSync(`${repoRoot}/examples`)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => (parse(readFileSync(`${repoRoot}/examples/${f}`, 'utf8')) as { spec: Json }).spec);

const MINIMAL: Json = { image: 'registry.example.com/shop/order:1.0.0', ports: [{ name: 'http', port: 8080 }] };

const baseArbitrary: fc.Arbitrary<Json> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(MINIMAL) },
  { weight: 2, arbitrary: fc.constantFrom(...exampleSpecs) },
  { weight: 5, arbitrary: specArbitrary as unknown as fc.Arbitrary<Json> },
);

// ---------------------------------------------------------------------------------------------
// Leaf edits from the CRD schema

const specSchema = (buildCrd() as unknown as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } }).spec
  .versions[0]?.schema.openAPIV3Schema.properties?.spec as Schema;

interface Site {
  /** Path from spec. */
  readonly path: (string | number)[];
  readonly value: unknown;
  readonly schema: Schema;
}

function sites(value: unknown, schema: Schema, path: (string | number)[], out: Site[]): Site[] {
  out.push({ path, value, schema });
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => {
      sites(v, schema.items as Schema, [...path, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const child =
        schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {});
      sites(v, child, [...path, k], out);
    }
  }
  return out;
}

const QUANTITY_EDGES = ['0', '-1', '1E', '8E', '9E', '1e3', '.5', '+1', '1_000', '0.0001', '1m', '1.5Gi', '1n', '1Ki'];
const INT_EDGES = [0, -1, 1, 2147483647, 2147483648, 2 ** 53, 1.5];

/** A string of `length` that keeps `value`'s first character (so a pattern that wants a letter first still holds). */
const pad = (value: string, length: number): string =>
  length <= value.length ? value.slice(0, Math.max(length, 0)) : value + 'a'.repeat(length - value.length);

function intEdges(value: number, s: Schema): unknown[] {
  const out: unknown[] = [value - 1, value + 1, ...INT_EDGES, String(value)];
  if (s.minimum !== undefined) out.push(s.minimum - 1, s.minimum);
  if (s.maximum !== undefined) out.push(s.maximum, s.maximum + 1);
  return out;
}

function stringEdges(value: string, s: Schema): unknown[] {
  const out: unknown[] = ['', value.toUpperCase(), ` ${value}`, `${value} `, `${value}-`, `-${value}`, `${value}.`];
  out.push(`${value}_x`, `${value}/x`, `x${value}`, 63, 64, 253, 254);
  if (s.maxLength !== undefined) out.push(s.maxLength, s.maxLength + 1);
  if (s.minLength !== undefined && s.minLength > 0) out.push(s.minLength - 1);
  for (const e of s.enum ?? []) out.push(e, String(e).toLowerCase(), String(e).toUpperCase());
  // Numbers in the list above are lengths: a string of that many characters.
  return out.map((v) => (typeof v === 'number' ? pad(value || 'a', v) : v));
}

/** The values a leaf may be replaced with (possibly invalid, usually at an edge). */
function leafEdges(site: Site): unknown[] {
  const { value, schema } = site;
  if (schema['x-kubernetes-int-or-string']) {
    const base = typeof value === 'number' ? intEdges(value, schema) : stringEdges(String(value), schema);
    return [...base, ...QUANTITY_EDGES, '100%', '101%', '0%', 'auto', 'off'];
  }
  if (typeof value === 'number') return intEdges(value, schema);
  if (typeof value === 'string') return stringEdges(value, schema);
  if (typeof value === 'boolean') return [!value, String(value)];
  return [];
}

interface Edit {
  label: string;
  apply(spec: Json): void;
}

function setAt(root: Json, path: readonly (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
}

const show = (path: readonly (string | number)[]) =>
  path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');

/** One schema-driven edit, chosen by two numbers (the site and the edit there) once the spec is known. */
const leafEditArbitrary: fc.Arbitrary<Edit> = fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({
  label: 'leaf',
  apply(spec: Json) {
    const all = sites(spec, specSchema, [], []).slice(1);
    const site = all[a % all.length];
    if (!site) return;
    const { path, value, schema } = site;
    const options: { label: string; to: unknown; at?: (string | number)[] }[] = leafEdges(site).map((to) => ({
      label: `${show(path)} = ${JSON.stringify(to).slice(0, 40)}`,
      to,
    }));
    if (Array.isArray(value)) {
      if (value.length > 0) options.push({ label: `${show(path)}: first entry twice`, to: [value[0], ...value] });
      if (value.length > 0) options.push({ label: `${show(path)}: first entry dropped`, to: value.slice(1) });
      options.push({ label: `${show(path)}: empty`, to: [] });
      if (schema.maxItems !== undefined && value.length > 0 && schema.maxItems <= 64) {
        options.push({
          label: `${show(path)}: ${schema.maxItems + 1} entries`,
          to: Array.from({ length: schema.maxItems + 1 }, () => structuredClone(value[0])),
        });
      }
    } else if (value !== null && typeof value === 'object') {
      for (const k of Object.keys(value)) {
        options.push({ label: `${show([...path, k])} removed`, to: undefined, at: [...path, k] });
      }
      options.push({ label: `${show(path)}: an unknown field`, to: { ...value, bogus: 1 } });
      options.push({ label: `${show(path)}: null`, to: null });
    }
    const option = options[b % options.length];
    if (!option) return;
    this.label = option.label;
    setAt(spec, option.at ?? path, option.to === undefined ? undefined : structuredClone(option.to));
  },
}));

// ---------------------------------------------------------------------------------------------
// Targeted edits

const edit = (label: string, apply: (spec: Json) => void): Edit => ({ label, apply });
const set = (field: string, value: unknown) =>
  edit(`${field} = ${JSON.stringify(value).slice(0, 60)}`, (s) => {
    s[field] = structuredClone(value);
  });

const LONG_PREFIX = (n: number) =>
  Array.from({ length: Math.ceil(n / 50) }, () => 'a'.repeat(49))
    .join('.')
    .slice(0, n)
    .replace(/\.$/, 'a');
const labelKeyEdges = [
  'team',
  'Team',
  'example.com/team',
  'Example.com/team',
  '/team',
  'example.com/',
  'a/b/c',
  '-team',
  'team_',
  'kubernetes.io/x',
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  `${LONG_PREFIX(253)}/${'n'.repeat(63)}`,
  `${LONG_PREFIX(254)}/n`,
  `x/${'n'.repeat(64)}`,
  'n'.repeat(63),
  'n'.repeat(64),
];
const labelValueEdges = ['', 'a', 'a b', '-a', 'a-', 'A_1.b', 'x'.repeat(63), 'x'.repeat(64), 'é', '1'];

const port = (name: string, n: number, protocol?: string) => ({ name, port: n, ...(protocol ? { protocol } : {}) });
const RESERVED = [...MESH_RESERVED_PORTS.istio, ...MESH_RESERVED_PORTS.linkerd];
const portsEdits = fc.oneof(
  fc
    .constantFrom(0, 1, 80, 65535, 65536, -1, 8080.5, ...RESERVED)
    .map((n) => set('ports', [port('http', n as number)])),
  fc
    .constantFrom('h', 'a'.repeat(15), 'a'.repeat(16), '8080', 'HTTP', 'a--b', '-a', 'a-', 'web_1', 'x1', '1x', '')
    .map((name) => set('ports', [port(name, 8080)])),
  fc
    .constantFrom(
      [port('a', 53, 'TCP'), port('b', 53, 'UDP')],
      [port('a', 53, 'UDP'), port('b', 53, 'UDP')],
      [port('a', 80, 'HTTP'), port('b', 80, 'GRPC')],
      [port('a', 80), port('a', 81)],
      [port('a', 80, 'TCP'), port('b', 80, 'HTTP2')],
      [port('a', 80, 'SCTP')],
      [port('a', 80, 'udp')],
      Array.from({ length: 65 }, (_, i) => port(`p${i}`, 1000 + i)),
      Array.from({ length: 64 }, (_, i) => port(`p${i}`, 1000 + i)),
    )
    .map((ports) => set('ports', ports)),
);

const quantityValue = fc.constantFrom<unknown>(
  ...QUANTITY_EDGES,
  '500m',
  '1',
  '256Mi',
  '1Gi',
  '1G',
  '0.5',
  0.5,
  637534208.5,
  '637534208.5',
  2 ** 53,
  2 ** 53 + 2,
  '9223372036854775807',
  '9223372036854775808',
  '1000000000000000000000',
  '1.1m',
  '1u',
  '100Ti',
  '1P',
  ' 1',
  '1 ',
);
const resourcesEdits = fc.oneof(
  fc
    .tuple(fc.constantFrom('requests', 'limits'), fc.constantFrom('cpu', 'memory', 'ephemeral-storage'), quantityValue)
    .map(([kind, name, q]) => set('resources', { [kind]: { [name]: q } })),
  fc
    .tuple(fc.constantFrom('cpu', 'memory'), quantityValue, quantityValue)
    .map(([name, request, limit]) => set('resources', { requests: { [name]: request }, limits: { [name]: limit } })),
  fc
    .constantFrom(
      { requests: { cpu: '1001m' }, limits: { cpu: '1' } },
      { requests: { cpu: '1000m' }, limits: { cpu: '1' } },
      { requests: { memory: '1025Mi' }, limits: { memory: '1Gi' } },
      { requests: { memory: '1Gi' }, limits: { memory: '1073741824' } },
      { requests: { 'nvidia.com/gpu': 1 }, limits: { 'nvidia.com/gpu': 1 } },
      { requests: { hugepages: '1Gi' } },
      { limits: { cpu: '0' } },
      { defaultCPULimit: false, requests: { cpu: '100m' } },
    )
    .map((r) => set('resources', r)),
);

const envEdits = fc.oneof(
  fc
    .constantFrom('A', 'a.b', 'my-var', '1A', 'A B', 'A=B', '', '_', 'é', 'x'.repeat(256), 'GOMAXPROCS', 'GOMEMLIMIT')
    .map((name) => set('env', [{ name, value: 'x' }])),
  fc
    .constantFrom(
      [
        { name: 'A', value: 'x' },
        { name: 'A', value: 'y' },
      ],
      [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }],
      [{ name: 'A', valueFrom: { fieldRef: { fieldPath: "metadata.labels['a']" } } }],
      [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
      [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } }],
      [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } }],
      [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.nvidia.com/gpu' } } }],
      [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'a/b' } } }],
      [{ name: 'A', valueFrom: { secretKeyRef: { name: 'Secret', key: 'k' } } }],
    )
    .map((env) => set('env', env)),
);

const keyItems = (...paths: string[]) => paths.map((path, i) => ({ key: `k${i}`, path }));
const projected = (...sources: Json[]): Json => ({ name: 'p', projected: { sources } });
const fromConfigMap = (...paths: string[]): Json => ({ configMap: { name: 'a', items: keyItems(...paths) } });
const fromSecret = (...paths: string[]): Json => ({ secret: { name: 'b', items: keyItems(...paths) } });
const fields = (...paths: string[]) =>
  paths.map((path, i) => ({ path, fieldRef: { fieldPath: i ? 'metadata.uid' : 'metadata.name' } }));
const token = (extra: Json = {}): Json => ({ serviceAccountToken: { path: 'token', ...extra } });
const scratch = (name = 'a', emptyDir: Json = {}): Json => ({ name, emptyDir });
const mountA = (mountPath: string, extra: Json = {}): Json => ({ name: 'a', mountPath, ...extra });

const volumesEdits = fc
  .constantFrom<[Json[], Json[]]>(
    // projected sources that write the same file (token paths are not compared by the API server)
    [[projected(fromConfigMap('f'), fromSecret('f'))], []],
    [[projected(fromConfigMap('f', 'f'))], []],
    [[projected(fromConfigMap('f'), { downwardAPI: { items: fields('f') } })], []],
    [[projected(fromConfigMap('token'), token())], []],
    [[projected(token(), token())], []],
    [[projected(fromConfigMap('f'), fromSecret('f/g'))], []],
    [[projected({ configMap: { name: 'a' } }, { secret: { name: 'b' } })], []],
    // items of one configMap, secret or downwardAPI volume at the same or nested paths
    [[{ name: 'c', configMap: { name: 'c', items: keyItems('f', 'f') } }], []],
    [[{ name: 'c', secret: { secretName: 'c', items: keyItems('f', 'f') } }], []],
    [[{ name: 'c', configMap: { name: 'c', items: keyItems('f', 'f/g') } }], []],
    [
      [
        {
          name: 'c',
          configMap: {
            name: 'c',
            items: [
              { key: 'a', path: 'f' },
              { key: 'a', path: 'g' },
            ],
          },
        },
      ],
      [],
    ],
    [[{ name: 'd', downwardAPI: { items: fields('f', 'f') } }], []],
    // mounts
    [[scratch()], [mountA('/data'), mountA('/data/x')]],
    [[scratch()], [mountA('/data'), mountA('/data')]],
    [[scratch()], [mountA('/tmp/x')]],
    [[scratch()], [mountA('/data', { subPath: 'x/../y' })]],
    [[scratch()], [mountA('/data', { subPath: '..x' })]],
    [[scratch()], [mountA('data')]],
    [[scratch()], [mountA('/data/')]],
    [[scratch()], [mountA('/data:x')]],
    [[{ name: 'tmp', configMap: { name: 'c' } }], [{ name: 'tmp', mountPath: '/etc/c' }]],
    [[scratch('tmp', { medium: 'Memory', sizeLimit: '64Mi' })], []],
    [[scratch(), scratch()], []],
    [[scratch('A')], []],
    [[scratch('a'.repeat(63))], []],
    [[scratch('a'.repeat(64))], []],
    [[scratch('a', { sizeLimit: '0' })], []],
    [[{ name: 'a', persistentVolumeClaim: { claimName: 'C' } }], []],
    [[{ name: 'a', secret: { secretName: 's', defaultMode: 512 } }], []],
    [[{ name: 'a', secret: { secretName: 's', defaultMode: 511 } }], []],
    [[{ name: 'a', csi: { driver: 'x', readOnly: true } }], []],
    [[projected(token({ expirationSeconds: 599 }))], []],
    [[projected(token({ expirationSeconds: 4294967296 }))], []],
    [[projected(token({ expirationSeconds: 4294967295 }))], []],
  )
  .map(([volumes, volumeMounts]) =>
    edit(`volumes ${JSON.stringify(volumes).slice(0, 120)} mounts ${JSON.stringify(volumeMounts)}`, (s) => {
      s['volumes'] = structuredClone(volumes);
      if (volumeMounts.length > 0) s['volumeMounts'] = structuredClone(volumeMounts);
      else delete s['volumeMounts'];
    }),
  );

const meshEdits = fc
  .tuple(
    fc.constantFrom('istio', 'linkerd', 'none', 'Istio', 'consul'),
    fc.constantFrom(undefined, 'sidecar', 'native-sidecar', 'ambient'),
    fc.constantFrom<Json>(
      {},
      { holdApplicationUntilProxyStarts: true },
      { excludeOutboundPorts: [0] },
      { excludeOutboundPorts: [65535, 65536] },
      { excludeOutboundPorts: [80, 80] },
      { excludeInboundPorts: [8080] },
      { opaquePorts: [5432] },
      { revision: 'canary' },
      { revision: 'Canary' },
      { revision: 'a'.repeat(64) },
      { proxy: { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } } },
      { proxy: { resources: { limits: { memory: '1Mi' } } } },
      { proxy: { resources: { requests: { memory: '0' } } } },
      { cni: true },
    ),
  )
  .map(([provider, mode, extra]) => set('mesh', { provider, ...(mode ? { mode } : {}), ...extra }));

const probeEdits = fc
  .tuple(
    fc.constantFrom('liveness', 'readiness', 'startup'),
    fc.constantFrom<Json>(
      { httpGet: { path: '/healthz', port: 'http' } },
      { httpGet: { path: 'healthz', port: 'http' } },
      { httpGet: { path: '/healthz', port: 'nope' } },
      { httpGet: { path: '/healthz', port: 0 } },
      { httpGet: { path: '/healthz', port: 65536 } },
      { tcpSocket: { port: 'http' } },
      { grpc: { port: 8080 } },
      { grpc: { port: 'http' } },
      { exec: { command: [] } },
      { httpGet: { path: '/', port: 'http' }, tcpSocket: { port: 'http' } },
      {},
    ),
    fc.constantFrom<Json>(
      {},
      { periodSeconds: 0 },
      { periodSeconds: 1 },
      { timeoutSeconds: 0 },
      { failureThreshold: 0 },
      { successThreshold: 2 },
      { successThreshold: 0 },
      { initialDelaySeconds: -1 },
      { terminationGracePeriodSeconds: 0 },
      { terminationGracePeriodSeconds: 1 },
    ),
  )
  .map(([kind, handler, timing]) =>
    edit(`probes.${kind} = ${JSON.stringify({ ...handler, ...timing })}`, (s) => {
      s['ports'] = [port('http', 8080)];
      s['probes'] = { [kind]: { ...structuredClone(handler), ...timing } };
    }),
  );

const autoscalingEdits = fc
  .constantFrom<Json>(
    { maxReplicas: 1 },
    { maxReplicas: 0 },
    { minReplicas: 0, maxReplicas: 3 },
    { minReplicas: 3, maxReplicas: 2 },
    { minReplicas: 3, maxReplicas: 3 },
    { maxReplicas: 3, targetCPUUtilizationPercent: 0 },
    { maxReplicas: 3, targetCPUUtilizationPercent: 1 },
    { maxReplicas: 3, targetMemoryUtilizationPercent: 70 },
    { maxReplicas: 3, behavior: { scaleUp: { stabilizationWindowSeconds: 3600 } } },
    { maxReplicas: 3, behavior: { scaleUp: { stabilizationWindowSeconds: 3601 } } },
    { maxReplicas: 3, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1800 }] } } },
    { maxReplicas: 3, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } },
    { maxReplicas: 3, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 0, periodSeconds: 60 }] } } },
    { maxReplicas: 3, behavior: { scaleDown: { policies: [] } } },
    { maxReplicas: 3, behavior: { scaleDown: { selectPolicy: 'Disabled' } } },
    {
      maxReplicas: 3,
      metrics: [
        {
          type: 'Pods',
          pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '0' } },
        },
      ],
    },
    {
      maxReplicas: 3,
      metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '-1' } } }],
    },
    { maxReplicas: 2147483647 },
    { maxReplicas: 2147483648 },
  )
  .chain((a) =>
    fc
      .constantFrom<Json | undefined>(
        undefined,
        { requests: { cpu: '100m', memory: '64Mi' } },
        { limits: { cpu: '1', memory: '64Mi' } },
        { limits: { memory: '64Mi' } },
      )
      .map((resources) =>
        edit(`autoscaling = ${JSON.stringify(a)}, resources ${JSON.stringify(resources)}`, (s) => {
          s['autoscaling'] = structuredClone(a);
          if (resources) s['resources'] = structuredClone(resources);
        }),
      ),
  );

const podMetadataEdits = fc
  .tuple(
    fc.constantFrom('podLabels', 'podAnnotations', 'nodeSelector'),
    fc.constantFrom(...labelKeyEdges),
    fc.constantFrom(...labelValueEdges),
  )
  .map(([field, key, value]) => set(field, { [key]: value }));

const otherEdits = fc.oneof(
  fc.constantFrom(-1, 0, 1, 2147483647, 2147483648).map((n) => set('replicas', n)),
  fc
    .constantFrom('', ' nginx', 'nginx ', 'Nginx', 'nginx:latest', 'a/b/c:1', 'x@sha256:abc', 'registry:5000/x', 'a b')
    .map((image) => set('image', image)),
  fc
    .constantFrom<Json>(
      { gracePeriodSeconds: 0 },
      { gracePeriodSeconds: 1, preStopSleepSeconds: 1 },
      { gracePeriodSeconds: 2, preStopSleepSeconds: 1 },
      { preStopSleepSeconds: 0 },
      { gracePeriodSeconds: 86400 },
      { gracePeriodSeconds: 86401 },
    )
    .map((sh) => set('shutdown', sh)),
  fc
    .constantFrom<Json>(
      { maxUnavailable: 0 },
      { minAvailable: 0 },
      { minAvailable: '0%' },
      { maxUnavailable: '100%' },
      { minAvailable: 1, maxUnavailable: 1 },
    )
    .map((d) => set('disruption', d)),
  fc
    .constantFrom<Json>(
      { go: { version: '1.24', gcPercent: 'off' } },
      { go: { version: '1.26', maxProcs: 'auto' } },
      { go: { version: '2.0' } },
      { go: { version: '1.24', memoryLimitPercent: 101 } },
      { jvm: { version: 21 } },
      { node: { version: 22 } },
      { go: { version: '1.24' }, jvm: { version: 21 } },
    )
    .map((r) => set('runtime', r)),
  fc
    .constantFrom<Json>(
      { name: 'a'.repeat(253) },
      { name: 'a'.repeat(254) },
      { name: 'Default' },
      { create: false },
      { create: true, name: 'x' },
    )
    .map((sa) => set('serviceAccount', sa)),
  fc
    .constantFrom('init', 'sidecar')
    .chain((which) =>
      fc
        .constantFrom('app', 'istio-proxy', 'linkerd-proxy', 'a'.repeat(63), 'a'.repeat(64), 'A', 'x')
        .map((name) => set(which === 'init' ? 'initContainers' : 'sidecars', [{ name, image: 'busybox:1.37' }])),
    ),
  fc.constant(
    set('initContainers', [
      { name: 'x', image: 'busybox:1.37' },
      { name: 'x', image: 'busybox:1.37' },
    ]),
  ),
  fc.constant(
    edit('initContainers and sidecars share a name', (s) => {
      s['initContainers'] = [{ name: 'x', image: 'busybox:1.37' }];
      s['sidecars'] = [{ name: 'x', image: 'busybox:1.37' }];
    }),
  ),
);

const targetedEditArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  portsEdits,
  resourcesEdits,
  envEdits,
  volumesEdits,
  meshEdits,
  probeEdits,
  autoscalingEdits,
  podMetadataEdits,
  otherEdits,
);

/** Metadata at its edges: part-of values and label keys, annotation sizes. */
const metadataArbitrary: fc.Arbitrary<{ metadata: Json; label?: string }> = fc.oneof(
  { weight: 200, arbitrary: fc.constant({ metadata: {} }) },
  {
    weight: 10,
    arbitrary: fc
      .tuple(fc.constantFrom('app.kubernetes.io/part-of', ...labelKeyEdges), fc.constantFrom(...labelValueEdges))
      .map(([key, value]) => ({ metadata: { labels: { [key]: value } }, label: `metadata.labels[${key}] = ${value}` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(262143, 262144, 262145)
      .map((n) => ({ metadata: { annotations: { a: 'x'.repeat(n - 1) } }, label: `annotations of ${n} bytes` })),
  },
);

/** MicroService name lengths at the edges (the names of every rendered child derive from it). */
const nameLengthArbitrary = fc.oneof(
  { weight: 16, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(44, 47, 48, 52, 53, 54, 57, 58, 62, 63, 64) },
);

const editArbitrary = fc.oneof(
  { weight: 3, arbitrary: leafEditArbitrary },
  { weight: 2, arbitrary: targetedEditArbitrary },
);

export const nearValidArbitrary: fc.Arbitrary<NearValid> = fc
  .tuple(
    baseArbitrary,
    fc.oneof(
      { weight: 3, arbitrary: fc.tuple(editArbitrary) },
      { weight: 1, arbitrary: fc.tuple(editArbitrary, editArbitrary) },
    ),
    metadataArbitrary,
    nameLengthArbitrary,
  )
  .map(([base, edits, { metadata, label }, nameLength]) => {
    const spec = structuredClone(base);
    const labels: string[] = [];
    for (const e of edits) {
      // A fresh object per sample: a leaf edit records what it chose on itself.
      const fresh = { ...e };
      fresh.apply(spec);
      labels.push(fresh.label);
    }
    if (label) labels.push(label);
    if (nameLength !== undefined) labels.push(`name of ${nameLength} characters`);
    return { spec, metadata, nameLength, edits: labels };
  });
