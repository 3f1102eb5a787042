// What the renderer would derive anyway, recognised in an existing pod template so that it goes
// into the spec as the setting that produces it, not as a copy of the result: mesh enrolment (the
// labels and annotations render/mesh/ writes) and runtime tuning (the env render/runtime/ adds).
// Each guess is checked by running the renderer's own rule on it; only an exact match counts, and
// anything else stays where it was (plain env vars keep their values: spec.env always wins).
import type { MicroServiceSpec } from '../api/index.ts';
import { meshKeys } from '../render/mesh/index.ts';
import { runtimeTuning, withTuning } from '../render/runtime/index.ts';

type Spec = Record<string, unknown>;
type Env = { name: string; value?: string; valueFrom?: unknown };

const ports = (value: string | undefined): number[] | undefined => {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map(Number);
  return list.length > 0 && list.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535) ? list : undefined;
};

function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Candidate mesh sections for a pod template's labels and annotations, most specific first. */
function meshCandidates(labels: Record<string, string>, annotations: Record<string, string>): Spec[] {
  const a = annotations;
  const istioInject = labels['sidecar.istio.io/inject'] ?? a['sidecar.istio.io/inject'];
  if (labels['istio.io/dataplane-mode'] === 'ambient') return [{ provider: 'istio', mode: 'ambient' }];
  if (istioInject === 'true') {
    let config: Record<string, unknown> = {};
    try {
      config = JSON.parse(a['proxy.istio.io/config'] ?? '{}') as Record<string, unknown>;
    } catch {
      // Not the JSON the renderer writes: it stays a finding.
    }
    const native = a['sidecar.istio.io/nativeSidecar'] === 'true';
    const requests = compact({ cpu: a['sidecar.istio.io/proxyCPU'], memory: a['sidecar.istio.io/proxyMemory'] });
    const limits = compact({
      cpu: a['sidecar.istio.io/proxyCPULimit'],
      memory: a['sidecar.istio.io/proxyMemoryLimit'],
    });
    const base = compact({
      provider: 'istio',
      ...(native ? { mode: 'native-sidecar' } : {}),
      revision: labels['istio.io/rev'],
      ...(native ? {} : { holdApplicationUntilProxyStarts: config['holdApplicationUntilProxyStarts'] === true }),
      excludeOutboundPorts: ports(a['traffic.sidecar.istio.io/excludeOutboundPorts']),
      excludeInboundPorts: ports(a['traffic.sidecar.istio.io/excludeInboundPorts']),
    });
    const proxy = { resources: compact({ requests, limits }) };
    return [{ ...base, proxy }, base];
  }
  if (a['linkerd.io/inject'] === 'enabled') {
    const native = ['config.linkerd.io', 'config.beta.linkerd.io', 'config.alpha.linkerd.io'].some(
      (p) => a[`${p}/proxy-enable-native-sidecar`] === 'true',
    );
    const requests = compact({
      cpu: a['config.linkerd.io/proxy-cpu-request'],
      memory: a['config.linkerd.io/proxy-memory-request'],
    });
    const limits = compact({
      cpu: a['config.linkerd.io/proxy-cpu-limit'],
      memory: a['config.linkerd.io/proxy-memory-limit'],
    });
    const base = compact({
      provider: 'linkerd',
      ...(native ? { mode: 'native-sidecar' } : {}),
      holdApplicationUntilProxyStarts: a['config.linkerd.io/proxy-await'] !== 'disabled',
      excludeOutboundPorts: ports(a['config.linkerd.io/skip-outbound-ports']),
      excludeInboundPorts: ports(a['config.linkerd.io/skip-inbound-ports']),
      opaquePorts: ports(a['config.linkerd.io/opaque-ports']),
    });
    return [{ ...base, proxy: { resources: compact({ requests, limits }) } }, base];
  }
  return [];
}

/**
 * The app's own shutdown timeout, read back from the proxy drain a classic sidecar gets (Istio's
 * terminationDrainDuration, Linkerd's wait-before-exit: both preStop sleep + timeout).
 */
function drainTimeout(annotations: Record<string, string>, preStop: number): number | undefined {
  let drain: number | undefined;
  try {
    const config = JSON.parse(annotations['proxy.istio.io/config'] ?? '{}') as Record<string, unknown>;
    const m = /^(\d+)s$/.exec(String(config['terminationDrainDuration'] ?? ''));
    if (m) drain = Number(m[1]);
  } catch {
    // not ours
  }
  const linkerd = annotations['config.alpha.linkerd.io/proxy-wait-before-exit-seconds'];
  if (linkerd !== undefined && /^\d+$/.test(linkerd)) drain = Number(linkerd);
  return drain !== undefined && drain - preStop >= 1 ? drain - preStop : undefined;
}

export interface MeshRecognition {
  readonly mesh?: Spec;
  /** Shutdown timeout read from the proxy's drain, when the template tells it. */
  readonly timeoutSeconds?: number;
  /** The pod label and annotation keys the recognised mesh renders with these values. */
  readonly labels: ReadonlySet<string>;
  readonly annotations: ReadonlySet<string>;
}

/**
 * The mesh section whose rendered keys match the most of the template's (and no key it would
 * render with another value), with the keys it accounts for.
 */
export function recognizeMesh(
  spec: Spec,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): MeshRecognition {
  const none = { labels: new Set<string>(), annotations: new Set<string>() };
  const shutdown = (spec['shutdown'] ?? {}) as Record<string, number>;
  const timeoutSeconds = drainTimeout(annotations, shutdown['preStopSleepSeconds'] ?? 5);
  let best: (MeshRecognition & { score: number }) | undefined;
  for (const mesh of meshCandidates(labels, annotations)) {
    const trial = {
      ...spec,
      mesh,
      ...(timeoutSeconds !== undefined ? { shutdown: { ...shutdown, timeoutSeconds } } : {}),
    } as unknown as MicroServiceSpec;
    let keys: ReturnType<typeof meshKeys>;
    try {
      keys = meshKeys(trial);
    } catch {
      continue;
    }
    const matched = { labels: new Set<string>(), annotations: new Set<string>() };
    let mismatch = false;
    for (const k of keys) {
      const have = (k.kind === 'label' ? labels : annotations)[k.key];
      if (have === k.value) (k.kind === 'label' ? matched.labels : matched.annotations).add(k.key);
      else mismatch = true;
    }
    const score = matched.labels.size + matched.annotations.size - (mismatch ? 0.5 : 0);
    if (best === undefined || score > best.score) {
      best = { mesh, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}), ...matched, score };
    }
  }
  if (!best) return none;
  const { score: _, ...recognition } = best;
  return recognition;
}

const TUNING_ENV = ['GOMAXPROCS', 'GOMEMLIMIT', 'GOGC', 'JAVA_TOOL_OPTIONS', 'NODE_OPTIONS', 'UV_THREADPOOL_SIZE'];
const OPTIONS_ENV = new Set(['JAVA_TOOL_OPTIONS', 'NODE_OPTIONS']);

function* runtimeCandidates(env: ReadonlyMap<string, string>): Generator<Spec> {
  const int = (name: string) => {
    const v = env.get(name);
    return v !== undefined && /^[1-9][0-9]*$/.test(v) ? Number(v) : undefined;
  };
  if (env.has('GOMAXPROCS') || env.has('GOMEMLIMIT') || env.has('GOGC')) {
    const gogc = env.get('GOGC');
    const gcPercent = gogc === 'off' ? 'off' : int('GOGC');
    for (const version of ['1.26', '1.24']) {
      for (const maxProcs of [undefined, int('GOMAXPROCS')]) {
        for (let percent = 10; percent <= 100; percent++) {
          yield {
            go: compact({ version, maxProcs, memoryLimitPercent: percent === 90 ? undefined : percent, gcPercent }),
          };
          if (!env.has('GOMEMLIMIT')) break;
        }
      }
    }
  }
  const jvm = env.get('JAVA_TOOL_OPTIONS');
  if (jvm !== undefined) {
    const heap = /-XX:MaxRAMPercentage=([0-9.]+)/.exec(jvm)?.[1];
    const cpus = /-XX:ActiveProcessorCount=([0-9]+)/.exec(jvm)?.[1];
    for (const version of ['21', '17', '11.0.16', '11', '8u372', '8u191', '8']) {
      for (const heapPercent of [undefined, heap === undefined ? undefined : Math.round(Number(heap))]) {
        for (const activeProcessorCount of [undefined, cpus === undefined ? undefined : Number(cpus)]) {
          yield { jvm: compact({ version, heapPercent, activeProcessorCount }) };
        }
      }
    }
  }
  if (env.has('NODE_OPTIONS') || env.has('UV_THREADPOOL_SIZE')) {
    for (const version of ['24', '22', '20', '18']) {
      for (const threadPoolSize of [undefined, int('UV_THREADPOOL_SIZE')]) {
        for (let percent = 10; percent <= 95; percent++) {
          yield { node: compact({ version, heapPercent: percent === 75 ? undefined : percent, threadPoolSize }) };
          if (!env.has('NODE_OPTIONS')) break;
        }
      }
    }
  }
}

export interface RuntimeRecognition {
  readonly runtime?: Spec;
  /** The app env without what the runtime renders (an options variable keeps the user's part). */
  readonly env: Env[];
}

/**
 * A spec.runtime whose tuning renders exactly the tuning variables of `env` (every variable it
 * renders is there with that value, and it accounts for at least one), and the env that is left.
 */
export function recognizeRuntime(spec: Spec, env: readonly Env[]): RuntimeRecognition {
  const literal = new Map(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
  const tuned = TUNING_ENV.filter((n) => literal.has(n));
  if (tuned.length === 0) return { env: [...env] };
  let best: { runtime: Spec; env: Env[]; derived: number } | undefined;
  for (const runtime of runtimeCandidates(literal)) {
    // The user's part of an options variable: what is left once the rendered options are cut off.
    const withoutTuned = env.filter((e) => !tuned.includes(e.name));
    const bare = runtimeTuning({ ...spec, env: withoutTuned, runtime } as unknown as MicroServiceSpec).env;
    const userEnv = env.flatMap((e): Env[] => {
      if (!tuned.includes(e.name)) return [e];
      const rendered = bare.find((b) => b.name === e.name)?.value;
      if (rendered === e.value) return [];
      if (OPTIONS_ENV.has(e.name) && rendered !== undefined && e.value?.endsWith(` ${rendered}`)) {
        return [{ name: e.name, value: e.value.slice(0, -rendered.length - 1) }];
      }
      return [e];
    });
    const check = runtimeTuning({ ...spec, env: userEnv, runtime } as unknown as MicroServiceSpec).env;
    // The env exactly as it was, in its order (an env list reordered is another pod template).
    const rendered = withTuning(userEnv as Parameters<typeof withTuning>[0], { decisions: [], env: check });
    const exact =
      JSON.stringify(rendered.map((e) => [e.name, e.value])) === JSON.stringify(env.map((e) => [e.name, e.value]));
    const derived = tuned.filter((n) => !userEnv.some((e) => e.name === n)).length;
    if (exact && derived > 0 && (best === undefined || derived > best.derived)) {
      best = { runtime, env: userEnv, derived };
    }
  }
  return best ? { runtime: best.runtime, env: best.env } : { env: [...env] };
}
