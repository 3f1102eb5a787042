// fast-check arbitraries for MicroService specs, built from the constraints in api/schema.ts and
// api/rules.ts so that nearly every generated spec is valid: the property tests (and anyone else's)
// filter through parseSpec, and a generator that mostly produced rejects would test little.
// `rawSpecArbitrary` is the unfiltered generator; `specArbitrary` and `microServiceArbitrary` keep
// only what validation accepts.
import fc from 'fast-check';
import {
  cpuTarget,
  DEFAULTS,
  MESH_RESERVED_PORTS,
  type MetricSpec,
  type MicroService,
  type MicroServiceSpec,
  parseSpec,
  shutdownNeedsSeconds,
} from '../../api/index.ts';

type Spec = MicroServiceSpec;
type Resources = NonNullable<Spec['resources']>;

const optional = <T>(arb: fc.Arbitrary<T>, freq = 1): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { nil: undefined, freq });

/** Drops keys whose value is undefined, so specs look like parsed YAML (no `key: undefined`). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Names and quantities

const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A DNS-1035 label (MicroService names): a letter first, at most `max` characters. */
export const dns1035Arbitrary = (max = 63): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
      fc.string({ unit: fc.constantFrom(...`${alnum}-`), maxLength: max - 2 }),
      fc.constantFrom(...alnum),
    )
    .map(([a, b, c]) => (max === 1 ? a : `${a}${b}${c}`));

const dns1123Arbitrary = dns1035Arbitrary(30);

/**
 * A quantity string in one of the spellings the schema accepts, for a value in millicores (CPU) or
 * bytes (memory): plain, milli, decimal or binary suffix, exponent, decimal fraction, or an integer.
 */
function cpuQuantity(milli: number): fc.Arbitrary<string | number> {
  const forms: fc.Arbitrary<string | number>[] = [fc.constant(`${milli}m`)];
  if (milli % 1000 === 0) forms.push(fc.constant(String(milli / 1000)), fc.constant(milli / 1000));
  if (milli % 100 === 0) forms.push(fc.constant((milli / 1000).toString()));
  if (milli % 1000 === 0 && milli > 0) forms.push(fc.constant(`${milli / 1000}e0`), fc.constant(`${milli}e-3`));
  return fc.oneof(...forms);
}
const MI = 2 ** 20;
function memoryQuantity(mi: number): fc.Arbitrary<string | number> {
  const forms: fc.Arbitrary<string | number>[] = [fc.constant(`${mi}Mi`), fc.constant(String(mi * MI))];
  if (mi % 1024 === 0) forms.push(fc.constant(`${mi / 1024}Gi`));
  if (mi % 2 === 0) forms.push(fc.constant(`${(mi / 1024).toString()}Gi`).filter((s) => /^[0-9.]+Gi$/.test(s)));
  forms.push(fc.constant(`${mi * 1024}Ki`), fc.constant(mi * MI));
  return fc.oneof(...forms);
}
/** A request and a limit (each maybe absent) with request ≤ limit, as the rules demand. */
function requestAndLimit(
  max: number,
  quantity: (n: number) => fc.Arbitrary<string | number>,
  step: number,
): fc.Arbitrary<{ request?: string | number; limit?: string | number }> {
  return fc
    .tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max }), fc.boolean(), fc.boolean())
    .chain(([a, b, hasRequest, hasLimit]) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      return fc.record({
        request: hasRequest ? quantity(low * step) : fc.constant(undefined),
        limit: hasLimit ? quantity(high * step) : fc.constant(undefined),
      });
    });
}

/** CPU and memory requests and limits (what the mesh proxy takes). */
export const resourcesArbitrary: fc.Arbitrary<Resources> = fc
  .tuple(requestAndLimit(64, cpuQuantity, 125), requestAndLimit(64, memoryQuantity, 32), fc.boolean(), fc.boolean())
  .map(([cpu, memory, withRequests, withLimits]) => {
    const requests = compact({ cpu: cpu.request, memory: memory.request });
    const limits = compact({ cpu: cpu.limit, memory: memory.limit });
    return compact({
      requests: withRequests || Object.keys(requests).length > 0 ? requests : undefined,
      limits: withLimits || Object.keys(limits).length > 0 ? limits : undefined,
    });
  });

/** A container's resources: CPU and memory as above, and now and then ephemeral-storage. */
export const containerResourcesArbitrary: fc.Arbitrary<NonNullable<Spec['resources']>> = fc
  .tuple(resourcesArbitrary, optional(requestAndLimit(16, memoryQuantity, 256), 3))
  .map(([r, storage]) => {
    if (!storage || (storage.request === undefined && storage.limit === undefined)) return r;
    const out: NonNullable<Spec['resources']> = { ...r };
    if (storage.request !== undefined) out.requests = { ...r.requests, 'ephemeral-storage': storage.request };
    if (storage.limit !== undefined) out.limits = { ...r.limits, 'ephemeral-storage': storage.limit };
    return out;
  });

/** The app container's resources: a container's, and now and then the CPU-limit opt-out (or opt-in). */
const appResourcesArbitrary: fc.Arbitrary<NonNullable<Spec['resources']>> = fc
  .tuple(fc.oneof(containerResourcesArbitrary, fc.constant({})), optional(fc.boolean(), 2))
  .map(([r, defaultCPULimit]) => (defaultCPULimit === undefined ? r : { ...r, defaultCPULimit }));

// ---------------------------------------------------------------------------------------------
// Ports, probes, env

const ALL_RESERVED = new Set<number>([...MESH_RESERVED_PORTS.istio, ...MESH_RESERVED_PORTS.linkerd]);
const PORT_BASES = ['http', 'grpc', 'metrics', 'admin', 'web', 'api', 'h2c', 'dns', 'redis', 'db'];
export const portNumberArbitrary = fc
  .oneof(fc.constantFrom(80, 443, 8080, 8443, 9090, 53, 5432, 6379), fc.integer({ min: 1, max: 65535 }))
  .filter((p) => !ALL_RESERVED.has(p));

/** Ports with unique names (a base plus the index) and unique numbers, clear of every mesh proxy port. */
export const portsArbitrary: fc.Arbitrary<NonNullable<Spec['ports']>> = fc
  .uniqueArray(
    fc.record({
      port: portNumberArbitrary,
      base: fc.constantFrom(...PORT_BASES),
      protocol: optional(fc.constantFrom('HTTP', 'HTTP2', 'GRPC', 'TCP', 'UDP' as const), 4),
    }),
    { selector: (p) => p.port, maxLength: 5 },
  )
  .map((ports) => ports.map((p, i) => compact({ name: `${p.base}${i}`, port: p.port, protocol: p.protocol })));

type Probe = NonNullable<NonNullable<Spec['probes']>['liveness']>;
function probeArbitrary(portNames: string[], kind: 'liveness' | 'readiness' | 'startup'): fc.Arbitrary<Probe> {
  const portRef =
    portNames.length > 0 ? fc.oneof(fc.constantFrom(...portNames), portNumberArbitrary) : portNumberArbitrary;
  const handler = fc.oneof(
    fc.constant({}),
    fc.record({
      httpGet: fc.record({ path: fc.constantFrom('/', '/healthz', '/readyz', '/q/health'), port: portRef }),
    }),
    fc.record({
      grpc: fc
        .record({ port: portNumberArbitrary, service: optional(fc.constantFrom('', 'order.v1.Order')) })
        .map(compact),
    }),
    fc.record({ tcpSocket: fc.record({ port: portRef }) }),
    fc.record({
      exec: fc.record({
        command: fc.array(fc.constantFrom('/bin/check', '--ready', '-v'), { minLength: 1, maxLength: 3 }),
      }),
    }),
  );
  const timing = fc.record(
    {
      initialDelaySeconds: fc.integer({ min: 0, max: 3600 }),
      periodSeconds: fc.integer({ min: 1, max: 3600 }),
      timeoutSeconds: fc.integer({ min: 1, max: 3600 }),
      failureThreshold: fc.integer({ min: 1, max: 10000 }),
      successThreshold: kind === 'readiness' ? fc.integer({ min: 1, max: 100 }) : fc.constant(1),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ disabled: true }) },
    { weight: 6, arbitrary: fc.tuple(handler, timing).map(([h, t]) => ({ ...h, ...t })) },
  );
}

const ENV_NAMES = ['LOG_LEVEL', 'PORT', 'GOMAXPROCS', 'GOMEMLIMIT', 'GOGC', 'FEATURE_X', 'my.var', 'A'];
const envSourceArbitrary = fc.oneof(
  fc.record({
    configMapKeyRef: fc
      .record({ name: dns1123Arbitrary, key: fc.constantFrom('a', 'config.yaml'), optional: optional(fc.boolean()) })
      .map(compact),
  }),
  fc.record({ secretKeyRef: fc.record({ name: dns1123Arbitrary, key: fc.constantFrom('password', 'tls.crt') }) }),
  fc.record({ fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.name', 'status.podIP') }) }),
  fc.record({
    resourceFieldRef: fc
      .record({
        resource: fc.constantFrom('limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'),
        divisor: optional(fc.constantFrom('1')),
      })
      .map(compact),
  }),
);
export const envArbitrary: fc.Arbitrary<NonNullable<Spec['env']>> = fc.uniqueArray(
  fc.oneof(
    fc.record({ name: fc.constantFrom(...ENV_NAMES), value: optional(fc.string({ maxLength: 20 }), 4) }).map(compact),
    fc.record({ name: fc.constantFrom(...ENV_NAMES), valueFrom: envSourceArbitrary }),
  ),
  { selector: (e) => e.name, maxLength: 4 },
);
const envFromArbitrary = fc.array(
  fc
    .record({
      source: fc.oneof(
        fc.record({
          configMapRef: fc.record({ name: dns1123Arbitrary, optional: optional(fc.boolean()) }).map(compact),
        }),
        fc.record({ secretRef: fc.record({ name: dns1123Arbitrary }) }),
      ),
      prefix: optional(fc.constantFrom('APP_', 'X_')),
    })
    .map(({ source, prefix }) => compact({ ...source, prefix })),
  { maxLength: 2 },
);

// ---------------------------------------------------------------------------------------------
// Volumes, mounts, pull secrets

const relativePathArbitrary = fc.constantFrom('app.yaml', 'tls/tls.crt', '..data', 'a.b', 'conf.d/x');
const itemsArbitrary = fc.array(
  fc.record({ key: fc.constantFrom('app.yaml', 'tls.crt', 'ca.crt'), path: relativePathArbitrary }),
  { maxLength: 2 },
);
type Volume = NonNullable<Spec['volumes']>[number];
const volumeSourceArbitrary = fc.oneof(
  fc.record({
    configMap: fc.record(
      { name: dns1123Arbitrary, items: itemsArbitrary, optional: fc.boolean() },
      { requiredKeys: ['name'] },
    ),
  }),
  fc.record({
    secret: fc.record(
      { secretName: dns1123Arbitrary, defaultMode: fc.constantFrom(0o400, 0o440, 0o644), items: itemsArbitrary },
      { requiredKeys: ['secretName'] },
    ),
  }),
  fc.record({
    emptyDir: fc.record(
      { medium: fc.constantFrom('' as const, 'Memory' as const), sizeLimit: fc.constantFrom('64Mi', '1Gi', 1048576) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    persistentVolumeClaim: fc.record(
      { claimName: dns1123Arbitrary, readOnly: fc.boolean() },
      { requiredKeys: ['claimName'] },
    ),
  }),
  fc.record({
    projected: fc.record({
      sources: fc
        .array(
          fc.oneof(
            fc.record({
              serviceAccountToken: fc.record(
                {
                  path: fc.constant('token'),
                  audience: fc.constantFrom('vault', 'sts.amazonaws.com'),
                  expirationSeconds: fc.integer({ min: 600, max: 86400 }),
                },
                { requiredKeys: ['path'] },
              ),
            }),
            fc.record({
              configMap: fc.record({ name: dns1123Arbitrary, items: itemsArbitrary }, { requiredKeys: ['name'] }),
            }),
            fc.record({
              downwardAPI: fc.record({
                items: fc.constant([{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }]),
              }),
            }),
          ),
          { minLength: 1, maxLength: 3 },
        )
        // The items of all sources write distinct files (the API server: "conflicting duplicate paths").
        .map((sources) => {
          const seen = new Set<string>();
          const distinct = (items: { path: string }[] | undefined) =>
            items?.filter((i) => !seen.has(i.path) && seen.add(i.path) !== undefined);
          return sources
            .map((s) => {
              const kind = Object.keys(s)[0] as 'configMap' | 'downwardAPI' | 'serviceAccountToken';
              const source = (s as Record<string, { items?: { path: string }[] }>)[kind];
              if (!source?.items || kind === 'serviceAccountToken') return s;
              return { [kind]: { ...source, items: distinct(source.items) } };
            })
            .filter((s) => !('downwardAPI' in s) || (s.downwardAPI?.items ?? []).length > 0);
        }),
    }),
  }),
  fc.record({
    downwardAPI: fc.record({
      items: fc.constant([
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
      ]),
    }),
  }),
  fc.record({
    csi: fc.record(
      {
        driver: fc.constant('secrets-store.csi.k8s.io'),
        readOnly: fc.boolean(),
        volumeAttributes: fc.constant({ secretProviderClass: 'order' }),
      },
      { requiredKeys: ['driver'] },
    ),
  }),
) as unknown as fc.Arbitrary<Omit<Volume, 'name'>>;
const VOLUME_NAMES = ['config', 'tls', 'cache', 'data', 'token', 'tmp'];
/** Volumes with unique names (now and then `tmp`, replacing the default) and mounts of them at unique paths. */
export const volumesArbitrary: fc.Arbitrary<{
  volumes: Volume[];
  volumeMounts: NonNullable<Spec['volumeMounts']>;
}> = fc
  .uniqueArray(fc.record({ name: fc.constantFrom(...VOLUME_NAMES), source: volumeSourceArbitrary }), {
    selector: (v) => v.name,
    maxLength: 4,
  })
  .chain((vs) => {
    const volumes = vs.map((v) => ({ name: v.name, ...v.source }));
    const mountable = [...new Set(['tmp', ...volumes.map((v) => v.name)])];
    const mounts = fc.uniqueArray(
      fc.record(
        {
          name: fc.constantFrom(...mountable),
          mountPath: fc.constantFrom(
            '/etc/app',
            '/etc/tls',
            '/var/cache/app',
            '/data',
            '/var/run/secrets/x',
            '/var/tmp',
          ),
          readOnly: fc.boolean(),
          subPath: relativePathArbitrary,
        },
        { requiredKeys: ['name', 'mountPath'] },
      ),
      { selector: (m) => m.mountPath, maxLength: 4 },
    );
    return mounts.map((volumeMounts) => ({ volumes, volumeMounts }));
  });
const extraContainersArbitrary = (prefix: string): fc.Arbitrary<NonNullable<Spec['initContainers']>> =>
  fc
    .array(
      fc.record(
        {
          image: fc.constantFrom('busybox:1.37', 'fluent/fluent-bit:3.2'),
          args: fc.array(fc.constantFrom('up', '-v'), { maxLength: 2 }),
          env: fc.constant([{ name: 'MODE', value: 'x' }]).map((e) => e.map((x) => ({ ...x }))),
          resources: containerResourcesArbitrary,
          volumeMounts: fc.constant([{ name: 'tmp', mountPath: '/var/scratch' }]).map((m) => m.map((x) => ({ ...x }))),
        },
        { requiredKeys: ['image'] },
      ),
      { maxLength: 2 },
    )
    .map((cs) => cs.map((c, i) => ({ name: `${prefix}${i}`, ...c })));

const schedulingArbitrary = fc
  .record(
    {
      nodeSelector: fc.dictionary(
        fc.constantFrom('pool.example.com/name', 'kubernetes.io/arch'),
        fc.constantFrom('payments', 'arm64'),
        { maxKeys: 2 },
      ),
      tolerations: fc.array(
        fc.oneof(
          fc.constant({ key: 'pool', operator: 'Equal' as const, value: 'payments', effect: 'NoSchedule' as const }),
          fc.constant({ operator: 'Exists' as const }),
          fc.constant({
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists' as const,
            effect: 'NoExecute' as const,
            tolerationSeconds: 30,
          }),
        ),
        { maxLength: 2 },
      ),
      affinity: fc.constantFrom(
        {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                preference: {
                  matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In' as const, values: ['arm64'] }],
                },
              },
            ],
          },
        },
        {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' as const }] },
              },
            ],
          },
        },
      ),
      topologySpreadConstraints: fc.array(
        fc.record(
          {
            maxSkew: fc.integer({ min: 1, max: 3 }),
            topologyKey: fc.constantFrom('topology.kubernetes.io/zone', 'kubernetes.io/hostname'),
            whenUnsatisfiable: fc.constantFrom('DoNotSchedule' as const, 'ScheduleAnyway' as const),
            matchLabelKeys: fc.constant(['pod-template-hash']),
          },
          { requiredKeys: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
        ),
        { maxLength: 2 },
      ),
      priorityClassName: fc.constantFrom('business-critical', 'low'),
      runtimeClassName: fc.constantFrom('gvisor', 'kata'),
      securityContext: fc.record(
        {
          runAsUser: fc.integer({ min: 1, max: 2147483647 }),
          runAsGroup: fc.integer({ min: 1, max: 65535 }),
          fsGroup: fc.integer({ min: 1, max: 65535 }),
          supplementalGroups: fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 2 }),
          fsGroupChangePolicy: fc.constantFrom('OnRootMismatch' as const, 'Always' as const),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .map((s) => JSON.parse(JSON.stringify(s)) as Partial<Spec>);

const imagePullSecretsArbitrary = fc.uniqueArray(fc.record({ name: dns1123Arbitrary }), {
  selector: (s) => s.name,
  maxLength: 2,
});

// ---------------------------------------------------------------------------------------------
// Runtime, mesh, scaling, shutdown

const goVersion = (minMinor: number, maxMinor: number) =>
  fc
    .tuple(fc.integer({ min: minMinor, max: maxMinor }), optional(fc.integer({ min: 0, max: 12 })))
    .map(([minor, patch]) => (patch === undefined ? `1.${minor}` : `1.${minor}.${patch}`));

const goArbitrary = fc.integer({ min: 18, max: 27 }).chain((minor) =>
  fc.record(
    {
      version: goVersion(minor, minor),
      goModVersion: goVersion(16, minor),
      maxProcs: fc.oneof(fc.constant('auto' as const), fc.integer({ min: 1, max: 1024 })),
      memoryLimitPercent: fc.integer({ min: 10, max: 100 }),
      gcPercent: fc.oneof(fc.constant('off' as const), fc.integer({ min: 1, max: 100000 })),
    },
    { requiredKeys: ['version'] },
  ),
);

const excludePorts = fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 4 });
export const meshArbitrary: fc.Arbitrary<NonNullable<Spec['mesh']>> = fc.oneof(
  fc.constant({ provider: 'none' as const }),
  fc.record({ provider: fc.constant('istio' as const), mode: fc.constant('ambient' as const) }),
  fc.record(
    {
      provider: fc.constant('istio' as const),
      mode: fc.constantFrom('sidecar' as const, 'native-sidecar' as const),
      revision: fc.constantFrom('canary', '1-27-2', 'default'),
      proxy: fc.record({ resources: resourcesArbitrary }, { requiredKeys: [] }),
      holdApplicationUntilProxyStarts: fc.boolean(),
      excludeOutboundPorts: excludePorts,
      excludeInboundPorts: excludePorts,
    },
    { requiredKeys: ['provider'] },
  ),
  fc.record(
    {
      provider: fc.constant('linkerd' as const),
      mode: fc.constantFrom('sidecar' as const, 'native-sidecar' as const),
      proxy: fc.record({ resources: resourcesArbitrary }, { requiredKeys: [] }),
      holdApplicationUntilProxyStarts: fc.boolean(),
      excludeOutboundPorts: excludePorts,
      excludeInboundPorts: excludePorts,
      opaquePorts: excludePorts,
    },
    { requiredKeys: ['provider'] },
  ),
);

const percentOrCount = fc.oneof(
  fc.integer({ min: 0, max: 10 }),
  fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`),
);
const positiveQuantity = fc.oneof(
  fc.integer({ min: 1, max: 100000 }),
  fc.constantFrom('100m', '1', '2k', '1500m', '0.5', '10Mi'),
);
const metricIdentifier = fc.record(
  {
    name: fc.constantFrom('http_requests_per_second', 'queue-depth', 'a.b', 'latency:p99'),
    selector: fc.constantFrom(
      { matchLabels: { queue: 'orders' } },
      { matchExpressions: [{ key: 'verb', operator: 'In' as const, values: ['GET', 'POST'] }] },
    ),
  },
  { requiredKeys: ['name'] },
);
const valueTarget = fc.oneof(
  positiveQuantity.map((value) => ({ type: 'Value' as const, value })),
  positiveQuantity.map((averageValue) => ({ type: 'AverageValue' as const, averageValue })),
);
const metricArbitrary: fc.Arbitrary<MetricSpec> = fc
  .oneof(
    fc.record({
      type: fc.constant('Pods' as const),
      pods: fc.record({
        metric: metricIdentifier,
        target: positiveQuantity.map((averageValue) => ({ type: 'AverageValue' as const, averageValue })),
      }),
    }),
    fc.record({
      type: fc.constant('Object' as const),
      object: fc.record({
        describedObject: fc.record(
          {
            apiVersion: fc.constantFrom('networking.k8s.io/v1', 'v1', 'gateway.networking.k8s.io/v1'),
            kind: fc.constantFrom('Ingress', 'Service', 'HTTPRoute'),
            name: dns1123Arbitrary,
          },
          { requiredKeys: ['kind', 'name'] },
        ),
        metric: metricIdentifier,
        target: valueTarget,
      }),
    }),
    fc.record({
      type: fc.constant('External' as const),
      external: fc.record({ metric: metricIdentifier, target: valueTarget }),
    }),
  )
  // Plain mutable copies (the constants above are shared and readonly).
  .map((m) => JSON.parse(JSON.stringify(m)) as MetricSpec);

const scalingRules = fc.record(
  {
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 3600 }),
    selectPolicy: fc.constantFrom('Max' as const, 'Min' as const, 'Disabled' as const),
    policies: fc.array(
      fc.record({
        type: fc.constantFrom('Pods' as const, 'Percent' as const),
        value: fc.integer({ min: 1, max: 1000 }),
        periodSeconds: fc.integer({ min: 1, max: 1800 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

const autoscalingArbitrary = fc
  .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), fc.boolean())
  .chain(([min, extra, giveMin]) =>
    fc.record(
      {
        minReplicas: fc.constant(giveMin ? min : undefined),
        maxReplicas: fc.constant(Math.max(giveMin ? min : DEFAULTS.autoscaling.minReplicas, min) + extra),
        targetCPUUtilizationPercent: fc.integer({ min: 1, max: 1000 }),
        targetMemoryUtilizationPercent: fc.integer({ min: 1, max: 1000 }),
        metrics: fc.array(metricArbitrary, { maxLength: 3 }),
        behavior: fc.record({ scaleUp: scalingRules, scaleDown: scalingRules }, { requiredKeys: [] }),
      },
      { requiredKeys: ['maxReplicas'] },
    ),
  )
  .map(compact);

/**
 * spec.strategy, minReadySeconds, progressDeadlineSeconds (> minReadySeconds), revisionHistoryLimit,
 * rolloutOnConfigChange.
 */
const rolloutArbitrary = fc
  .record(
    {
      strategy: fc.oneof(
        fc.constant({ type: 'Recreate' as const }),
        fc
          .record(
            {
              type: fc.constant('RollingUpdate' as const),
              rollingUpdate: fc.record(
                { maxSurge: percentOrCount, maxUnavailable: percentOrCount },
                { requiredKeys: [] },
              ),
            },
            { requiredKeys: [] },
          )
          // The Deployment API: maxSurge and maxUnavailable may not both be 0 (absent ones default to 25% and 0).
          .map((st) => {
            const r = st.rollingUpdate;
            const zero = (v: unknown) => v === 0 || v === '0%';
            if (r && zero(r.maxSurge ?? '25%') && zero(r.maxUnavailable ?? 0))
              return { ...st, rollingUpdate: { ...r, maxSurge: 1 } };
            return st;
          }),
      ),
      minReadySeconds: fc.integer({ min: 0, max: 600 }),
      deadlineSlack: fc.integer({ min: 1, max: 3600 }),
      revisionHistoryLimit: fc.integer({ min: 0, max: 1000 }),
      rolloutOnConfigChange: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .map(({ deadlineSlack, ...r }) =>
    compact({
      ...r,
      progressDeadlineSeconds: deadlineSlack === undefined ? undefined : (r.minReadySeconds ?? 0) + deadlineSlack,
    }),
  );

const disruptionArbitrary = fc.oneof(
  fc.constant({}),
  fc.record({ maxUnavailable: percentOrCount }),
  fc.record({ minAvailable: percentOrCount }),
);

const serviceAccountArbitrary = fc.oneof(
  fc.record({ create: fc.constant(true), automountToken: fc.boolean() }, { requiredKeys: [] }),
  fc.record(
    { create: fc.constant(false), name: dns1123Arbitrary, automountToken: fc.boolean() },
    { requiredKeys: ['name'] },
  ),
  fc.record({ name: dns1123Arbitrary }),
);

const serviceArbitrary = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.oneof(
      fc.record({ type: fc.constantFrom('NodePort' as const, 'LoadBalancer' as const) }),
      fc.record({ type: fc.constant('ClusterIP' as const), headless: fc.boolean() }, { requiredKeys: [] }),
    ),
  },
  // Now and then anything the schema allows, so the headless rule gets exercised.
  {
    weight: 1,
    arbitrary: fc.record(
      {
        type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const, 'LoadBalancer' as const),
        headless: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  },
);

const shutdownArbitrary = fc.record(
  {
    preStopSleepSeconds: fc.integer({ min: 0, max: 600 }),
    timeoutSeconds: fc.integer({ min: 1, max: 3600 }),
    /** Seconds above what the rule needs; turned into gracePeriodSeconds once the mesh is known. */
    graceSlack: fc.integer({ min: 1, max: 600 }),
  },
  { requiredKeys: [] },
);

const IMAGES = [
  'registry.example.com/shop/order:1.4.2',
  'nginx',
  'nginx:1.27-alpine',
  'localhost:5000/team/app:v2',
  'ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  'ghcr.io/acme/app:2.0.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
];

// ---------------------------------------------------------------------------------------------
// Specs

/**
 * Specs built to satisfy every rule in api/rules.ts; a few still fail validation (e.g. a probe
 * naming a port that a later choice dropped), so filter through `parseSpec` (see `specArbitrary`).
 */
export const rawSpecArbitrary: fc.Arbitrary<Spec> = fc
  .record(
    {
      image: fc.constantFrom(...IMAGES),
      imagePullPolicy: fc.constantFrom('Always' as const, 'IfNotPresent' as const, 'Never' as const),
      command: fc.array(fc.constantFrom('/app', '--serve'), { maxLength: 2 }),
      args: fc.array(fc.constantFrom('--port=8080', '-v', ''), { maxLength: 3 }),
      replicas: fc.integer({ min: 0, max: 10 }),
      autoscaling: autoscalingArbitrary,
      rollout: rolloutArbitrary,
      ports: portsArbitrary,
      resources: appResourcesArbitrary,
      env: envArbitrary,
      envFrom: envFromArbitrary,
      go: goArbitrary,
      mesh: meshArbitrary,
      shutdown: shutdownArbitrary,
      disruption: disruptionArbitrary,
      serviceAccount: serviceAccountArbitrary,
      service: serviceArbitrary,
      storage: volumesArbitrary,
      scheduling: schedulingArbitrary,
      initContainers: extraContainersArbitrary('init'),
      sidecars: extraContainersArbitrary('sidecar'),
      imagePullSecrets: imagePullSecretsArbitrary,
      podLabels: fc.dictionary(
        fc.constantFrom('team', 'example.com/cost-center', 'a.b-c/d_e.f', 'version'),
        fc.constantFrom('checkout', '', 'A-1.b_2', 'x'.repeat(63)),
        { maxKeys: 3 },
      ),
      podAnnotations: fc.dictionary(
        fc.constantFrom('prometheus.io/scrape', 'prometheus.io/port', 'example.com/note', 'msvc.dev/simulate'),
        fc.string({ maxLength: 30 }),
        { maxKeys: 3 },
      ),
      probeSeed: fc.boolean(),
    },
    { requiredKeys: ['image', 'probeSeed'] },
  )
  .chain(({ go, shutdown, probeSeed, storage, scheduling, rollout, ...rest }) => {
    const portNames = (rest.ports ?? []).map((p) => p.name);
    const probes = probeSeed
      ? fc.record(
          {
            liveness: probeArbitrary(portNames, 'liveness'),
            readiness: probeArbitrary(portNames, 'readiness'),
            startup: probeArbitrary(portNames, 'startup'),
          },
          { requiredKeys: [] },
        )
      : fc.constant(undefined);
    return probes.map((p) => {
      const spec: Spec = compact({
        ...rest,
        ...scheduling,
        ...rollout,
        ...(storage
          ? compact({
              volumes: storage.volumes.length > 0 ? storage.volumes : undefined,
              volumeMounts: storage.volumeMounts.length > 0 ? storage.volumeMounts : undefined,
            })
          : {}),
        probes: p,
        runtime: go ? { go } : undefined,
      });
      // Rule: autoscaling targets need the matching requests when resources are given.
      if (spec.autoscaling && spec.resources) {
        const a = spec.autoscaling;
        const requests = { ...spec.resources.requests };
        const limits = spec.resources.limits;
        // A filled-in request equals the limit when there is one, so requests ≤ limits still holds.
        if (cpuTarget(a) !== undefined) {
          requests.cpu ??= limits?.cpu ?? '100m';
        }
        if (a.targetMemoryUtilizationPercent !== undefined) requests.memory ??= limits?.memory ?? '64Mi';
        spec.resources = { ...spec.resources, requests };
      }
      // Rule: gcPercent 'off' needs a memory limit when resources are given.
      if (spec.runtime?.go?.gcPercent === 'off' && spec.resources && spec.resources.limits?.memory === undefined) {
        spec.runtime = { go: { ...spec.runtime.go, gcPercent: 100 } };
      }
      if (shutdown) {
        const { graceSlack, ...s } = shutdown;
        const withoutGrace: Spec = { ...spec, shutdown: compact(s) };
        spec.shutdown = compact({
          ...s,
          gracePeriodSeconds: graceSlack !== undefined ? shutdownNeedsSeconds(withoutGrace) + graceSlack : undefined,
        });
        if (spec.shutdown.gracePeriodSeconds !== undefined && spec.shutdown.gracePeriodSeconds > 86400) {
          delete spec.shutdown.gracePeriodSeconds;
        }
      }
      // Plain objects, as parsed YAML gives them (fast-check builds some without a prototype).
      return JSON.parse(JSON.stringify(spec)) as Spec;
    });
  });

/** Valid specs only. */
export const specArbitrary: fc.Arbitrary<Spec> = rawSpecArbitrary.filter((s) => parseSpec(s).ok);

/** Valid MicroServices (name, maybe a namespace and a part-of label) around the specs of `specs`. */
function microServicesOf(specs: fc.Arbitrary<Spec>): fc.Arbitrary<MicroService> {
  return fc
    .record(
      {
        name: dns1035Arbitrary(),
        namespace: dns1035Arbitrary(20),
        partOf: fc.constantFrom('shop', 'payments'),
        spec: specs,
      },
      { requiredKeys: ['name', 'spec'] },
    )
    .map(({ name, namespace, partOf, spec }) => ({
      apiVersion: 'msvc.dev/v1alpha1' as const,
      kind: 'MicroService' as const,
      metadata: compact({
        name,
        namespace,
        labels: partOf ? { 'app.kubernetes.io/part-of': partOf } : undefined,
      }),
      spec,
    }));
}

/** Valid MicroServices (name, maybe a namespace and a part-of label) around {@link specArbitrary}. */
export const microServiceArbitrary: fc.Arbitrary<MicroService> = microServicesOf(specArbitrary);

// ---------------------------------------------------------------------------------------------
// Traffic: routes in and who may call (spec.routes, spec.allowedCallers), on the ports a spec has

type Port = NonNullable<Spec['ports']>[number];
const protocolOf = (p: Port) => p.protocol ?? DEFAULTS.portProtocol;

/** One caller: a namespace, a ServiceAccount or a MicroService (each maybe in another namespace). */
export const callerArbitrary: fc.Arbitrary<NonNullable<Spec['allowedCallers']>[number]> = fc.oneof(
  fc.record({ namespace: dns1123Arbitrary }),
  fc.record({ serviceAccount: dns1123Arbitrary, namespace: optional(dns1123Arbitrary) }).map(compact),
  fc.record({ microService: dns1035Arbitrary(30), namespace: optional(dns1123Arbitrary) }).map(compact),
);
/** spec.allowedCallers: empty now and then (nobody but the Gateways), at most a few entries. */
export const allowedCallersArbitrary: fc.Arbitrary<NonNullable<Spec['allowedCallers']>> = fc.array(callerArbitrary, {
  maxLength: 5,
});

const headerArbitrary = fc
  .record({
    name: fc.constantFrom('x-tenant', 'x-version', 'content-type'),
    value: fc.constantFrom('acme', 'v2', 'application/json'),
    type: optional(fc.constantFrom('Exact', 'RegularExpression' as const)),
  })
  .map(compact);
const headersArbitrary = optional(fc.uniqueArray(headerArbitrary, { selector: (h) => h.name, maxLength: 2 }));
/** An HTTP match; `plain` keeps to what an Ingress can say (Exact and PathPrefix paths, nothing else). */
const httpMatchArbitrary = (plain: boolean) =>
  fc
    .record({
      path: optional(
        fc
          .record({
            type: optional(
              fc.constantFrom(...(plain ? ['PathPrefix', 'Exact'] : ['PathPrefix', 'Exact', 'RegularExpression'])),
            ),
            value: fc.constantFrom('/', '/orders', '/api/v1', '/a-b/c.json'),
          })
          .map(compact),
      ),
      method: plain ? fc.constant(undefined) : optional(fc.constantFrom('GET', 'POST', 'DELETE' as const)),
      headers: plain ? fc.constant(undefined) : headersArbitrary,
    })
    .map(compact);
const httpRuleArbitrary = (port: string, plain: boolean) =>
  fc
    .record({
      port: fc.constant(port),
      matches: optional(fc.array(httpMatchArbitrary(plain), { minLength: 1, maxLength: 3 })),
      timeouts: plain
        ? fc.constant(undefined)
        : optional(
            fc
              .record({
                request: fc.constantFrom('10s', '1m30s', '0s'),
                backendRequest: optional(fc.constantFrom('2s', '5s')),
              })
              .map(compact)
              .filter((t) => t.request !== '0s' || t.backendRequest === undefined),
          ),
    })
    .map(compact);
const grpcRuleArbitrary = (port: string) =>
  fc
    .record({
      port: fc.constant(port),
      matches: optional(
        fc.array(
          fc
            .record({
              method: optional(
                fc
                  .record({
                    service: optional(fc.constantFrom('shop.v1.Orders', 'grpc.health.v1.Health')),
                    method: optional(fc.constantFrom('GetOrder', 'Check')),
                  })
                  .map(compact)
                  .filter((m) => m.service !== undefined || m.method !== undefined),
              ),
              headers: headersArbitrary,
            })
            .map(compact),
          { minLength: 1, maxLength: 2 },
        ),
      ),
    })
    .map(compact);
const parentRefArbitrary = fc
  .record({
    name: fc.constantFrom('shop', 'internal'),
    namespace: optional(dns1123Arbitrary),
    sectionName: optional(fc.constantFrom('https', 'http')),
  })
  .map(compact);

/** spec.routes for these ports: http rules on HTTP/HTTP2 ports, grpc rules on GRPC ports; undefined when none fits. */
export function routesArbitrary(ports: readonly Port[]): fc.Arbitrary<Spec['routes']> {
  const http = ports.filter((p) => protocolOf(p) === 'HTTP' || protocolOf(p) === 'HTTP2').map((p) => p.name);
  const grpc = ports.filter((p) => protocolOf(p) === 'GRPC').map((p) => p.name);
  if (http.length === 0 && grpc.length === 0) return fc.constant(undefined);
  // The generators' literal types are wider than the schema's enums (they are the same strings).
  const routes = fc.boolean().chain((ingress) => {
    const plain = ingress && http.length > 0;
    return fc
      .record({
        parentRefs: plain
          ? optional(fc.array(parentRefArbitrary, { minLength: 1, maxLength: 2 }))
          : fc.array(parentRefArbitrary, { minLength: 1, maxLength: 2 }),
        hostnames: optional(
          fc.uniqueArray(fc.constantFrom('shop.example.com', '*.example.com', 'api.shop.example'), {
            minLength: 1,
            maxLength: 2,
          }),
        ),
        http:
          http.length > 0
            ? fc.array(
                fc.constantFrom(...http).chain((p) => httpRuleArbitrary(p, plain)),
                { minLength: plain ? 1 : 0, maxLength: 3 },
              )
            : fc.constant([]),
        grpc:
          grpc.length > 0 && !plain
            ? fc.array(fc.constantFrom(...grpc).chain(grpcRuleArbitrary), { maxLength: 2 })
            : fc.constant([]),
        ingress: plain
          ? fc
              .record({
                className: optional(fc.constantFrom('nginx', 'traefik')),
                tls: optional(fc.constant([{ secretName: 'shop-tls' }])),
              })
              .map(compact)
          : fc.constant(undefined),
      })
      .map(({ http: h, grpc: g, ...r }) =>
        compact({ ...r, http: h.length > 0 ? h : undefined, grpc: g.length > 0 ? g : undefined }),
      );
  });
  return routes as unknown as fc.Arbitrary<Spec['routes']>;
}

const TRAFFIC_MESHES: readonly (Spec['mesh'] | undefined)[] = [
  undefined,
  { provider: 'istio' },
  { provider: 'istio', mode: 'ambient' },
  { provider: 'linkerd' },
  { provider: 'linkerd', mode: 'native-sidecar' },
];

/**
 * Valid specs with ports and traffic: routes where the ports allow them, allowedCallers (absent now
 * and then), each mesh (Istio sidecar and ambient, Linkerd) when the spec has none of its own.
 */
export const trafficSpecArbitrary: fc.Arbitrary<Spec> = specArbitrary
  .filter((s) => (s.ports ?? []).length > 0)
  .chain((spec) =>
    fc
      .record({
        routes: optional(routesArbitrary(spec.ports ?? []), 3),
        allowedCallers: optional(allowedCallersArbitrary, 4),
        mesh: fc.constantFrom(...TRAFFIC_MESHES),
      })
      .map(({ routes, allowedCallers, mesh }) => compact({ ...spec, routes, allowedCallers, mesh: spec.mesh ?? mesh })),
  )
  .filter((s) => parseSpec(s).ok);

/** Valid MicroServices around {@link trafficSpecArbitrary}. */
export const trafficMicroServiceArbitrary: fc.Arbitrary<MicroService> = microServicesOf(trafficSpecArbitrary);
