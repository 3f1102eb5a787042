// Istio's own injector over what we render (tools/testhelpers/cmd/istio-inject: istio.io/istio's
// pkg/kube/inject run offline as `istioctl kube-inject` runs it, with the injection template and
// chart values of the pinned Istio module; docs/mesh.md#what-istios-injector-makes-of-it). Every
// Istio Deployment of the examples, the examples' Istio services in the other sidecar mode, and
// generated MicroServices, each injected without and with istio-cni. The assertions read the
// injected pod only, never our annotations: what the proxy is given, the start-up order, where the
// excluded ports end up, where the probes go, what Kubernetes' resource helpers make of the pod's
// total, and whether the grace period covers what the proxy does at shutdown.
import { beforeAll, describe, expect, it } from 'vitest';
import { compareQuantities, meshMode, meshPodSecurityRisk, resolveShutdown } from '../../api/index.ts';
import {
  type Container,
  containersOf,
  type Deployment,
  type IstioCase,
  injectAll,
  istioCases,
  type Json,
  type Probe,
  proxyOf,
} from '../../test/support/istio.ts';
import { type IstioInjected, testHelpersDir } from '../../test/support/oracles.ts';
import { POD_RESOURCES_ANNOTATION, type PodBudget } from '../budget.ts';

const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;
const argAfter = (args: readonly string[], flag: string) => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const portSet = (list: string | undefined) => new Set((list ?? '').split(',').filter((p) => p !== ''));
const seconds = (duration: string) => {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(duration);
  if (!m) throw new Error(`not a duration in seconds: ${duration}`);
  return Number(m[1]);
};

/** Each resource of `got` equals `want` as a quantity (formats differ: "1" vs "1000m"). */
function expectSameQuantities(got: Record<string, string> | undefined, want: Record<string, string>, what: string) {
  const keys = (r: Record<string, string> | undefined) => Object.keys(r ?? {}).sort();
  expect(keys(got), what).toEqual(keys(want));
  for (const [key, value] of Object.entries(want))
    expect(compareQuantities(got?.[key] as string, value), `${what}: ${key}`).toBe(0);
}

describe("Istio's own injector over the rendered Deployments", () => {
  let all: { injected: IstioCase[]; ambient: IstioCase[] };
  const runs: Record<'plain' | 'cni', Extract<IstioInjected, { ok: true }>[]> = { plain: [], cni: [] };

  // Builds the Go helper on first use (cached after; cold it takes minutes: docs/development.md).
  beforeAll(async () => {
    testHelpersDir();
    all = await istioCases();
    runs.plain = injectAll(all.injected, false);
    runs.cni = injectAll(all.injected, true);
  }, 1_800_000);

  it('covers the examples and generated services in both sidecar modes', () => {
    const modes = all.injected.map(({ ms }) => meshMode(ms.spec));
    expect(modes.filter((m) => m === 'sidecar').length).toBeGreaterThan(10);
    expect(modes.filter((m) => m === 'native-sidecar').length).toBeGreaterThan(10);
    expect(all.injected.some(({ where }) => where.includes('gateway.yaml'))).toBe(true);
    expect(all.ambient.length).toBeGreaterThan(0);
    for (const [i, doc] of runs.plain.entries())
      expect(proxyOf(doc.object as unknown as Deployment), all.injected[i]?.where).toBeDefined();
  });

  it('injects nothing into an ambient Deployment (sidecar.istio.io/inject: "false")', () => {
    const out = injectAll(all.ambient, false);
    for (const [i, doc] of out.entries()) {
      const c = all.ambient[i] as IstioCase;
      const template = (doc.object as unknown as Deployment).spec.template;
      expect(template.spec, c.where).toEqual(JSON.parse(JSON.stringify(c.rendered.spec.template.spec)));
      expect(template.metadata.annotations, c.where).toEqual(c.rendered.spec.template.metadata.annotations);
      expect(doc.warnings?.join(' '), c.where).toMatch(/sidecar injection disabled/);
    }
  });

  it('gives the proxy the resources the budget counts, and the pod the total the budget annotation states', () => {
    for (const run of [runs.plain, runs.cni]) {
      for (const [i, doc] of run.entries()) {
        const c = all.injected[i] as IstioCase;
        const budget = JSON.parse(c.rendered.metadata.annotations[POD_RESOURCES_ANNOTATION] as string) as PodBudget;
        const injected = doc.object as unknown as Deployment;
        const want = budget.containers['istio-proxy'];
        expect(want, c.where).toBeDefined();
        const proxy = proxyOf(injected) as Container;
        expectSameQuantities(
          proxy.resources?.requests,
          want?.requests as Record<string, string>,
          `${c.where}: proxy requests`,
        );
        expectSameQuantities(
          proxy.resources?.limits,
          want?.limits as Record<string, string>,
          `${c.where}: proxy limits`,
        );
        // Kubernetes' own PodRequests/PodLimits over the injected pod (istio-init or
        // istio-validation included) against the annotation's total.
        const pod = doc.pod as NonNullable<typeof doc.pod>;
        const requests = Object.fromEntries(Object.entries(pod.requests).filter(([k]) => k in budget.requests));
        expectSameQuantities(requests, budget.requests as Record<string, string>, `${c.where}: pod requests`);
        for (const key of ['cpu', 'memory'] as const) {
          const everyLimited = containersOf(injected).every((x) => x.resources?.limits?.[key] !== undefined);
          if (budget.limits[key] === undefined) {
            expect(everyLimited, `${c.where}: the budget has no ${key} limit, so some container has none`).toBe(false);
          } else {
            expect(
              compareQuantities(pod.limits[key] as string, budget.limits[key] as string),
              `${c.where}: pod ${key} limit`,
            ).toBe(0);
          }
        }
      }
    }
  });

  it('starts the proxy as asked: held before the app (classic), or a native sidecar ahead of every init container', () => {
    for (const run of [runs.plain, runs.cni]) {
      for (const [i, doc] of run.entries()) {
        const c = all.injected[i] as IstioCase;
        const spec = (doc.object as unknown as Deployment).spec.template.spec;
        const init = (spec.initContainers ?? []).map((x) => x.name);
        const main = spec.containers.map((x) => x.name);
        if (meshMode(c.ms.spec) === 'native-sidecar') {
          expect(main, c.where).not.toContain('istio-proxy');
          const at = init.indexOf('istio-proxy');
          expect(spec.initContainers?.[at]?.restartPolicy, c.where).toBe('Always');
          // Only Istio's own traffic set-up (istio-init, or istio-validation with CNI) runs before it.
          expect(init.slice(0, at), c.where).toEqual([run === runs.cni ? 'istio-validation' : 'istio-init']);
          expect(spec.initContainers?.[at]?.lifecycle?.postStart, c.where).toBeUndefined();
        } else {
          expect(init, c.where).not.toContain('istio-proxy');
          const proxy = spec.containers.find((x) => x.name === 'istio-proxy') as Container;
          const hold = c.ms.spec.mesh?.holdApplicationUntilProxyStarts ?? true;
          // Held: first container, and its postStart hook blocks the kubelet from starting the next
          // container until the proxy is ready (pilot-agent wait). Not held: last, no hook.
          expect(main.indexOf('istio-proxy'), c.where).toBe(hold ? 0 : main.length - 1);
          expect(proxy.lifecycle?.postStart?.exec?.command, c.where).toEqual(
            hold ? ['pilot-agent', 'wait'] : undefined,
          );
        }
      }
    }
  });

  it('hands the excluded ports to istio-init (iptables -d/-o) or, with istio-cni, to the CNI plugin (pod annotations)', () => {
    for (const [i, doc] of runs.plain.entries()) {
      const c = all.injected[i] as IstioCase;
      const spec = (doc.object as unknown as Deployment).spec.template.spec;
      const init = spec.initContainers?.find((x) => x.name === 'istio-init') as Container;
      expect(init, c.where).toBeDefined();
      const inbound = portSet(argAfter(init.args ?? [], '-d'));
      const outbound = portSet(argAfter(init.args ?? [], '-o'));
      for (const p of c.ms.spec.mesh?.excludeInboundPorts ?? [])
        expect(inbound.has(String(p)), `${c.where}: -d ${p}`).toBe(true);
      // The agent's own ports stay out of the redirection too (15020 health/probes, 15021, 15090).
      for (const p of ['15020', '15021', '15090']) expect(inbound.has(p), `${c.where}: -d ${p}`).toBe(true);
      expect([...outbound].sort(), c.where).toEqual((c.ms.spec.mesh?.excludeOutboundPorts ?? []).map(String).sort());
    }
    for (const [i, doc] of runs.cni.entries()) {
      const c = all.injected[i] as IstioCase;
      const injected = doc.object as unknown as Deployment;
      const annotations = injected.spec.template.metadata.annotations ?? {};
      expect(
        containersOf(injected).map((x) => x.name),
        c.where,
      ).not.toContain('istio-init');
      const inbound = portSet(annotations['traffic.sidecar.istio.io/excludeInboundPorts']);
      for (const p of [...(c.ms.spec.mesh?.excludeInboundPorts ?? []), 15020])
        expect(inbound.has(String(p)), `${c.where}: inbound ${p}`).toBe(true);
      expect([...portSet(annotations['traffic.sidecar.istio.io/excludeOutboundPorts'])].sort(), c.where).toEqual(
        (c.ms.spec.mesh?.excludeOutboundPorts ?? []).map(String).sort(),
      );
    }
  });

  it('rewrites every probe to the agent on 15020, which still reaches the app: the original probe is handed to the agent, port resolved', () => {
    for (const [i, doc] of runs.plain.entries()) {
      const c = all.injected[i] as IstioCase;
      const injected = doc.object as unknown as Deployment;
      const probers = JSON.parse(envOf(proxyOf(injected) as Container, 'ISTIO_KUBE_APP_PROBERS') ?? '{}') as Record<
        string,
        Probe
      >;
      let seen = 0;
      for (const original of containersOf(c.rendered)) {
        const after = containersOf(injected).find((x) => x.name === original.name) as Container;
        for (const [field, suffix] of [
          ['livenessProbe', 'livez'],
          ['readinessProbe', 'readyz'],
          ['startupProbe', 'startupz'],
        ] as const) {
          const probe = original[field];
          if (!probe) continue;
          // Go's omitempty drops the zeros (initialDelaySeconds: 0), which are Kubernetes' defaults anyway.
          const nonZero = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
          if (probe['exec'] !== undefined) {
            // An exec probe runs inside the container, past no proxy: left as it is.
            expect(nonZero(after[field] as Probe), `${c.where}: ${original.name}.${field}`).toEqual(nonZero(probe));
            continue;
          }
          seen++;
          const path = `/app-health/${original.name}/${suffix}`;
          const what = `${c.where}: ${original.name}.${field}`;
          expect(after[field]?.httpGet, what).toMatchObject({ path, port: 15020 });
          const { httpGet, tcpSocket, grpc, timeoutSeconds, ...rest } = probe;
          const { httpGet: _h, tcpSocket: _t, grpc: _g, timeoutSeconds: t2, ...restAfter } = after[field] as Probe;
          expect(nonZero(restAfter), `${what}: thresholds and periods kept`).toEqual(nonZero(rest));
          expect(t2, what).toBe(timeoutSeconds);
          const byName = (port: number | string) =>
            typeof port === 'number' ? port : original.ports?.find((p) => p.name === port)?.containerPort;
          // Go's nil pointers (grpc.service) come out as null: the same as unset.
          const handed =
            probers[path] && JSON.parse(JSON.stringify(probers[path], (_k, v) => (v === null ? undefined : v)));
          expect(handed, `${what}: no prober at ${path}, the kubelet's probe would fail`).toBeDefined();
          const action = httpGet ?? tcpSocket ?? grpc;
          const port = byName(action?.port as number | string) as number;
          const kind = httpGet ? 'httpGet' : tcpSocket ? 'tcpSocket' : 'grpc';
          expect(handed, what).toEqual({ [kind]: { ...action, port }, ...(timeoutSeconds ? { timeoutSeconds } : {}) });
        }
      }
      expect(Object.keys(probers), c.where).toHaveLength(seen);
    }
  });

  it('the grace period covers what the proxy does at shutdown: the classic drain, or the native preStop drain and the exit after the app', () => {
    for (const [i, doc] of runs.plain.entries()) {
      const c = all.injected[i] as IstioCase;
      const spec = (doc.object as unknown as Deployment).spec.template.spec;
      const { preStopSleepSeconds, timeoutSeconds } = resolveShutdown(c.ms.spec);
      const grace = spec.terminationGracePeriodSeconds ?? 30;
      const proxy = proxyOf(doc.object as unknown as Deployment) as Container;
      const proxyConfig = JSON.parse(envOf(proxy, 'PROXY_CONFIG') ?? '{}') as { terminationDrainDuration?: string };
      const app = spec.containers.find((x) => x.name === 'app') as Container;
      expect(app.lifecycle?.preStop, c.where).toEqual(
        preStopSleepSeconds > 0 ? { sleep: { seconds: preStopSleepSeconds } } : undefined,
      );
      if (meshMode(c.ms.spec) === 'native-sidecar') {
        // The native proxy drains from its own preStop hook, run when pod shutdown starts, while the
        // app sleeps and shuts down; it gets SIGTERM only after the app has exited and then exits
        // at once (skipDrain). The app's whole budget must fit, with time left for that exit.
        expect(proxy.lifecycle?.preStop?.exec?.command, c.where).toEqual([
          'pilot-agent',
          'request',
          '--debug-port=15020',
          'POST',
          'drain',
        ]);
        expect(grace, c.where).toBeGreaterThan(preStopSleepSeconds + timeoutSeconds);
      } else {
        // A classic proxy gets SIGTERM with the app and drains for terminationDrainDuration: long
        // enough for the app's last outbound call, and over before the kubelet's SIGKILL.
        expect(proxy.lifecycle?.preStop, c.where).toBeUndefined();
        const drain = seconds(proxyConfig.terminationDrainDuration as string);
        expect(drain, c.where).toBeGreaterThanOrEqual(preStopSleepSeconds + timeoutSeconds);
        expect(drain, c.where).toBeLessThan(grace);
      }
    }
  });

  it('without istio-cni injects a NET_ADMIN, NET_RAW, uid 0 istio-init, as meshPodSecurityRisk says; with it an unprivileged istio-validation', () => {
    for (const [i, doc] of runs.plain.entries()) {
      const c = all.injected[i] as IstioCase;
      // The plain run is a cluster without istio-cni: what the spec would say with cni: false.
      const withoutCni = { ...c.ms.spec, mesh: { provider: 'istio' as const, ...c.ms.spec.mesh, cni: false } };
      expect(meshPodSecurityRisk(withoutCni)?.initContainer, c.where).toBe('istio-init');
      const init = (doc.object as unknown as Deployment).spec.template.spec.initContainers?.find(
        (x) => x.name === 'istio-init',
      );
      expect(init?.securityContext?.capabilities?.add, c.where).toEqual(['NET_ADMIN', 'NET_RAW']);
      expect(init?.securityContext?.runAsUser, c.where).toBe(0);
    }
    for (const [i, doc] of runs.cni.entries()) {
      const c = all.injected[i] as IstioCase;
      for (const x of containersOf(doc.object as unknown as Deployment)) {
        expect(x.securityContext?.capabilities?.add ?? [], `${c.where}: ${x.name}`).toEqual([]);
        if (x.name.startsWith('istio-')) expect(x.securityContext?.runAsNonRoot, `${c.where}: ${x.name}`).toBe(true);
      }
    }
  });
});
