import { describe, expect, it } from 'vitest';
import { type MicroServiceSpec, SPEC_RULES } from './spec/index.ts';
import { parseMicroService, parseSpec } from './validate.ts';

const base: MicroServiceSpec = {
  image: 'registry.example.com/shop/order:1.4.2',
  ports: [{ name: 'http', port: 8080 }],
};
const spec = (over: Partial<MicroServiceSpec>): MicroServiceSpec => ({ ...base, ...over });

const issuesOf = (input: unknown) => {
  const r = parseSpec(input);
  return r.ok ? [] : r.issues;
};

describe('valid specs', () => {
  const cases: { name: string; input: MicroServiceSpec }[] = [
    { name: 'minimal', input: { image: 'nginx:1.27' } },
    { name: 'with ports', input: base },
    {
      name: 'the full example from the API overview',
      input: {
        image: 'registry.example.com/shop/order:1.4.2',
        replicas: 3,
        autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercent: 70 },
        ports: [
          { name: 'http', port: 8080, protocol: 'HTTP' },
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
        ],
        resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
        probes: {
          liveness: { httpGet: { path: '/healthz', port: 'http' } },
          readiness: { httpGet: { path: '/readyz', port: 'http' } },
          startup: { httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 30 },
        },
        env: [{ name: 'LOG_LEVEL', value: 'info' }],
        runtime: { go: { version: '1.24', maxProcs: 'auto', memoryLimitPercent: 90, gcPercent: 100 } },
        mesh: {
          provider: 'istio',
          mode: 'sidecar',
          proxy: { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
          holdApplicationUntilProxyStarts: true,
          excludeOutboundPorts: [5432],
        },
        shutdown: { gracePeriodSeconds: 30, preStopSleepSeconds: 5 },
        disruption: { maxUnavailable: 1 },
      },
    },
    { name: 'ambient istio', input: spec({ mesh: { provider: 'istio', mode: 'ambient' } }) },
    { name: 'probe disabled', input: spec({ probes: { liveness: { disabled: true } } }) },
    { name: 'numeric probe port', input: spec({ probes: { readiness: { httpGet: { path: '/', port: 9999 } } } }) },
    { name: 'integer quantities', input: spec({ resources: { requests: { cpu: 1 }, limits: { cpu: 2 } } }) },
    { name: 'existing service account', input: spec({ serviceAccount: { create: false, name: 'shared' } }) },
    {
      name: 'one port number for TCP and UDP (DNS on 53)',
      input: spec({
        ports: [
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      }),
    },
    {
      name: 'autoscaling on CPU with a CPU limit only (Kubernetes defaults the request to it)',
      input: spec({ autoscaling: { maxReplicas: 4 }, resources: { limits: { cpu: '1', memory: '256Mi' } } }),
    },
    {
      name: 'divisors the resource allows',
      input: spec({
        env: [
          { name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
          { name: 'B', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
          { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: 1 } } },
        ],
      }),
    },
  ];
  it.each(cases)('$name is accepted', ({ input }) => expect(issuesOf(input)).toEqual([]));
});

/** A label key with a DNS-subdomain prefix of `prefix` characters and a name of `name` (IsQualifiedName: 253 and 63). */
const longKey = (prefix: number, name: number) =>
  `${Array.from({ length: Math.ceil(prefix / 50) }, () => 'a'.repeat(49))
    .join('.')
    .slice(0, prefix)
    .replace(/\.$/, 'a')}/${'n'.repeat(name)}`;

describe('label keys: prefix at most 253 characters, name at most 63', () => {
  it.each([
    ['podLabels', (key: string) => spec({ podLabels: { [key]: 'v' } })],
    ['podAnnotations', (key: string) => spec({ podAnnotations: { [key]: 'v' } })],
    ['nodeSelector', (key: string) => spec({ nodeSelector: { [key]: 'v' } })],
    [
      'topologySpreadConstraints[0].topologyKey',
      (key: string) =>
        spec({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: key, whenUnsatisfiable: 'ScheduleAnyway' }] }),
    ],
  ] as const)('%s', (field, make) => {
    expect(longKey(253, 63)).toHaveLength(317);
    expect(issuesOf(make(longKey(253, 63)))).toStrictEqual([]);
    for (const key of [longKey(254, 1), longKey(253, 64)]) {
      const issues = issuesOf(make(key));
      expect(issues.length, key).toBeGreaterThan(0);
      expect(issues[0]?.path).toMatch(new RegExp(`^spec\\.${field.replace(/[[\]]/g, '\\$&')}`));
    }
  });
});

describe('field validation names the field', () => {
  const cases = [
    {
      name: 'a memory divisor for cpu',
      input: spec({
        env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1Mi' } } }],
      }),
      path: 'spec.env[0].valueFrom.resourceFieldRef.divisor',
    },
    {
      name: 'a divisor no resource allows',
      input: spec({
        env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: 1024 } } }],
      }),
      path: 'spec.env[0].valueFrom.resourceFieldRef.divisor',
    },
    {
      name: 'a memory limit in millibytes with Go tuning (GOMEMLIMIT would be 0)',
      input: spec({ runtime: { go: { version: '1.24' } }, resources: { limits: { memory: '512m' } } }),
      path: 'spec.resources.limits.memory',
    },
    {
      name: 'bad cpu quantity',
      input: spec({ resources: { requests: { cpu: '1 core' } } }),
      path: 'spec.resources.requests.cpu',
    },
    {
      name: 'bad memory quantity',
      input: spec({ resources: { limits: { memory: '1GB' } } }),
      path: 'spec.resources.limits.memory',
    },
    {
      name: 'port name too long',
      input: spec({ ports: [{ name: 'a-very-long-port-name', port: 80 }] }),
      path: 'spec.ports[0].name',
    },
    {
      name: 'port name without letter',
      input: spec({ ports: [{ name: '8080', port: 80 }] }),
      path: 'spec.ports[0].name',
    },
    { name: 'port name with --', input: spec({ ports: [{ name: 'a--b', port: 80 }] }), path: 'spec.ports[0].name' },
    { name: 'port out of range', input: spec({ ports: [{ name: 'http', port: 70000 }] }), path: 'spec.ports[0].port' },
    { name: 'unknown field', input: { ...base, replica: 3 }, path: 'spec' },
    {
      name: 'bad go version',
      input: spec({ runtime: { go: { version: 'go1.24' } } }),
      path: 'spec.runtime.go.version',
    },
    {
      name: 'bad JDK version',
      input: spec({ runtime: { jvm: { version: '1.8' } } }),
      path: 'spec.runtime.jvm.version',
    },
    { name: 'JDK 7', input: spec({ runtime: { jvm: { version: '7' } } }), path: 'spec.runtime.jvm.version' },
    {
      name: 'bad Node version',
      input: spec({ runtime: { node: { version: 'v22' } } }),
      path: 'spec.runtime.node.version',
    },
    {
      name: 'heapPercent above 95',
      input: spec({ runtime: { node: { version: '22', heapPercent: 99 } } }),
      path: 'spec.runtime.node.heapPercent',
    },
    { name: 'unknown mesh', input: { ...base, mesh: { provider: 'consul' } }, path: 'spec.mesh.provider' },
    {
      name: 'secret name not DNS-1123',
      input: spec({ envFrom: [{ secretRef: { name: 'Bad_Name' } }] }),
      path: 'spec.envFrom[0].secretRef.name',
    },
  ];
  it.each(cases)('$name → $path', ({ input, path }) => {
    expect(issuesOf(input).map((i) => i.path)).toContain(path);
  });

  it('two runtimes: the error names both fields', () => {
    expect(issuesOf(spec({ runtime: { go: { version: '1.26' }, node: { version: '22' } } }))).toContainEqual(
      expect.objectContaining({
        path: 'spec.runtime.node',
        message: expect.stringMatching(/^is set beside spec\.runtime\.go: .*keep only the one its image runs$/),
      }),
    );
  });

  it('rejects a MicroService whose name is not a DNS-1035 label', () => {
    const r = parseMicroService({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: '9lives' },
      spec: base,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe('metadata.name');
  });
});

describe('cross-field rules', () => {
  const cases = SPEC_RULES.flatMap((rule) =>
    rule.invalidExamples.map((example, i) => ({ name: `${rule.id} #${i}`, input: spec(example), rule })),
  );
  it.each(cases)('$name is rejected with a path and a fix', ({ input, rule }) => {
    expect(rule.check(input).length).toBeGreaterThan(0);
    const issues = issuesOf(input);
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.path).toMatch(/^spec\./);
  });

  it('a field the schema refused is reported once, not again by a rule that reads it', () => {
    expect(issuesOf(spec({ shutdown: { gracePeriodSeconds: -1 } }))).toStrictEqual([
      { path: 'spec.shutdown.gracePeriodSeconds', message: expect.stringMatching(/at least 1/) },
    ]);
    const hostPath = issuesOf({ ...base, volumes: [{ name: 'a', hostPath: { path: '/var/run' } }] });
    expect(hostPath).toHaveLength(1);
    expect(hostPath[0]?.message).toMatch(/hostPath volumes break the restricted Pod Security rule/);
    // A rule on a field the schema accepted still runs beside an issue elsewhere.
    const both = issuesOf(spec({ replicas: -1, shutdown: { gracePeriodSeconds: 10, timeoutSeconds: 20 } }));
    expect(both.map((i) => i.path).sort()).toStrictEqual(['spec.replicas', 'spec.shutdown.gracePeriodSeconds']);
  });

  it('every rule has a CEL twin and a failing example', () => {
    for (const rule of SPEC_RULES) {
      expect(rule.cel.length, rule.id).toBeGreaterThan(0);
      expect(rule.invalidExamples.length, rule.id).toBeGreaterThan(0);
    }
  });

  const messages = [
    {
      input: spec({ mesh: { provider: 'linkerd', mode: 'ambient' } }),
      path: 'spec.mesh.mode',
      message: /ambient is an Istio mode/,
    },
    {
      input: spec({ resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }),
      path: 'spec.resources.requests.memory',
      message: /above the limit 1Gi/,
    },
    {
      input: spec({ probes: { liveness: { httpGet: { path: '/', port: 'admin' } } } }),
      path: 'spec.probes.liveness.httpGet.port',
      message: /does not declare/,
    },
    {
      input: spec({ autoscaling: { maxReplicas: 1 } }),
      path: 'spec.autoscaling.maxReplicas',
      message: /minReplicas \(2, the default\)/,
    },
    {
      input: spec({
        ports: [
          { name: 'http', port: 8080 },
          { name: 'http', port: 8081 },
        ],
      }),
      path: 'spec.ports[1].name',
      message: /used twice/,
    },
    {
      input: spec({ mesh: { provider: 'linkerd' }, ports: [{ name: 'admin', port: 4191 }] }),
      path: 'spec.ports[0].port',
      message: /linkerd proxy/,
    },
    {
      input: spec({ shutdown: { gracePeriodSeconds: 20 } }),
      path: 'spec.shutdown.gracePeriodSeconds',
      message: /\(25s\)/,
    },
  ];
  it.each(messages)('$path: $message', ({ input, path, message }) => {
    const issue = issuesOf(input).find((i) => i.path === path);
    expect(issue?.message).toMatch(message);
  });
});
