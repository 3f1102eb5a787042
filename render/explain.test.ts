import { describe, expect, it } from 'vitest';
import {
  microService,
  withAutoscaling,
  withMesh,
  withoutPorts,
  withProbes,
  withReplicas,
  withResources,
  withShutdown,
} from '../test/support/fixtures.ts';
import { explain } from './explain.ts';

const D = 'Deployment/order';
const pick = (ms: ReturnType<typeof microService>, field: string) => {
  const e = explain(ms).find((x) => x.field === field);
  return e && { value: e.value, reason: e.reason };
};

describe('explain', () => {
  const cases = [
    {
      name: 'the default CPU limit, with the rule',
      input: [microService(withResources({ requests: { cpu: '1500m' } })), 'container app resources.limits.cpu'],
      want: {
        value: '3',
        reason:
          "default: max(1, ceil(2 × CPU request 1500m)) = 3 cores, so the app bursts to twice its reservation but cannot take the node; whole cores so GOMAXPROCS and the JVM's processor count match the quota (spec.resources.defaultCPULimit: false renders none)",
      },
    },
    {
      name: 'a given CPU limit',
      input: [microService(withResources({ limits: { cpu: '750m' } })), 'container app resources.limits.cpu'],
      want: { value: '750m', reason: 'set in spec.resources.limits.cpu' },
    },
    {
      name: 'opted out of the CPU limit',
      input: [microService(withResources({ defaultCPULimit: false })), 'container app resources.limits.cpu'],
      want: {
        value: '(unset)',
        reason:
          'spec.resources.defaultCPULimit is false: no CPU limit, the app may use any idle CPU of the node (a namespace LimitRange may still add one); runtime tuning is sized from the CPU request',
      },
    },
    {
      name: 'grace period from the budget',
      input: [microService(), 'terminationGracePeriodSeconds'],
      want: {
        value: '30',
        reason: 'preStop sleep 5s + app shutdown 20s + 5s margin; anything still running then is SIGKILLed',
      },
    },
    {
      name: 'grace period with the Linkerd native proxy shutdown after the app',
      input: [microService(withMesh({ provider: 'linkerd', mode: 'native-sidecar' })), 'terminationGracePeriodSeconds'],
      want: {
        value: '35',
        reason:
          'preStop sleep 5s + app shutdown 20s + Linkerd native proxy shutdown 5s + 5s margin; anything still running then is SIGKILLed',
      },
    },
    {
      name: 'grace period with the Istio native sidecar: nothing added, it drains from its preStop hook',
      input: [microService(withMesh({ provider: 'istio', mode: 'native-sidecar' })), 'terminationGracePeriodSeconds'],
      want: {
        value: '30',
        reason:
          "preStop sleep 5s + app shutdown 20s + 5s margin; anything still running then is SIGKILLed. The Istio native sidecar adds nothing: its preStop hook drains it while the app shuts down and it exits at once on the SIGTERM after the app's exit",
      },
    },
    {
      name: 'grace period set by the user',
      input: [microService(withShutdown({ gracePeriodSeconds: 60 })), 'terminationGracePeriodSeconds'],
      want: { value: '60', reason: 'set in spec.shutdown.gracePeriodSeconds (covers preStop 5s + app 20s)' },
    },
    {
      name: 'derived probe',
      input: [microService(), 'readinessProbe'],
      want: { value: '{"httpGet":{"path":"/readyz","port":"http"}}', reason: 'derived from the first HTTP port' },
    },
    {
      name: 'derived probe under Istio',
      input: [microService(withMesh({ provider: 'istio' })), 'livenessProbe'],
      want: {
        value: '{"httpGet":{"path":"/healthz","port":"http"}}',
        reason: 'derived from the first HTTP port; the Istio sidecar rewrites it to its agent so it works under mTLS',
      },
    },
    {
      name: 'derived probe under Istio ambient (no sidecar, nothing rewrites it)',
      input: [microService(withMesh({ provider: 'istio', mode: 'ambient' })), 'livenessProbe'],
      want: { value: '{"httpGet":{"path":"/healthz","port":"http"}}', reason: 'derived from the first HTTP port' },
    },
    {
      name: 'given probe',
      input: [microService(withProbes({ startup: { tcpSocket: { port: 'http' } } })), 'startupProbe'],
      want: { value: '{"tcpSocket":{"port":"http"}}', reason: 'given in spec.probes.startup' },
    },
    {
      name: 'disabled probe',
      input: [microService(withProbes({ liveness: { disabled: true } })), 'livenessProbe'],
      want: { value: '(none)', reason: 'disabled in spec.probes.liveness' },
    },
    {
      name: 'no port for a probe',
      input: [microService(withoutPorts), 'livenessProbe'],
      want: { value: '(none)', reason: 'no HTTP, HTTP2, GRPC or TCP port to derive it from' },
    },
    {
      name: 'replicas left to the autoscaler',
      input: [microService(withAutoscaling({ maxReplicas: 5 })), 'replicas'],
      want: {
        value: '(unset)',
        reason: 'left out: the HorizontalPodAutoscaler owns replicas, and server-side apply must not take them back',
      },
    },
    {
      name: 'replicas by default',
      input: [microService(), 'replicas'],
      want: { value: '2', reason: 'default 2' },
    },
    {
      name: 'pod budget with a proxy',
      input: [microService(withMesh({ provider: 'linkerd' })), 'annotation msvc.dev/pod-resources'],
      want: {
        value: '{"requests":{"cpu":"200m","memory":"148Mi"},"limits":{"memory":"378Mi"}}',
        reason:
          'what ResourceQuota counts per pod: app + linkerd-proxy (the proxy is injected at admission and counted too)',
      },
    },
  ] as const;
  it.each(cases)('$name', ({ input: [ms, field], want }) => expect(pick(ms, field)).toStrictEqual(want));

  const budgets = [
    { name: '2 replicas', input: microService(), want: 'yes' },
    { name: '1 replica', input: microService(withReplicas(1)), want: 'no' },
    { name: 'autoscaled from 1', input: microService(withAutoscaling({ minReplicas: 1, maxReplicas: 3 })), want: 'no' },
  ];
  it.each(budgets)('disruption budget rendered for $name: $want', ({ input, want }) => {
    expect(explain(input).find((e) => e.object === 'PodDisruptionBudget/order')?.value).toBe(want);
  });

  it('every mesh key is explained on the Deployment', () => {
    const ms = microService(withMesh({ provider: 'istio', revision: 'canary', excludeOutboundPorts: [5432] }));
    const fields = explain(ms)
      .filter((e) => e.object === D && e.field.startsWith('pod '))
      .map((e) => e.field);
    expect(fields).toStrictEqual([
      'pod label sidecar.istio.io/inject',
      'pod label istio.io/rev',
      'pod annotation sidecar.istio.io/nativeSidecar',
      'pod annotation sidecar.istio.io/proxyCPU',
      'pod annotation sidecar.istio.io/proxyMemory',
      'pod annotation sidecar.istio.io/proxyCPULimit',
      'pod annotation sidecar.istio.io/proxyMemoryLimit',
      'pod annotation proxy.istio.io/config',
      'pod annotation sidecar.istio.io/rewriteAppHTTPProbers',
      'pod annotation traffic.sidecar.istio.io/excludeOutboundPorts',
    ]);
  });

  describe('Pod Security of the injected init container', () => {
    const podSecurity = (ms: ReturnType<typeof microService>) =>
      explain(ms)
        .filter((e) => e.object === D && e.field.startsWith('Pod Security'))
        .map((e) => ({ field: e.field, value: e.value, reason: e.reason }));

    it.each([
      ['istio', 'sidecar', 'istio-init', 'capabilities NET_ADMIN and NET_RAW, running as uid 0', 'istio-cni'],
      ['istio', 'native-sidecar', 'istio-init', 'capabilities NET_ADMIN and NET_RAW, running as uid 0', 'istio-cni'],
      ['linkerd', 'sidecar', 'linkerd-init', 'capabilities NET_ADMIN and NET_RAW', 'linkerd-cni'],
      ['linkerd', 'native-sidecar', 'linkerd-init', 'capabilities NET_ADMIN and NET_RAW', 'linkerd-cni'],
    ] as const)('%s %s without CNI: a warning naming %s and the fixes', (provider, mode, init, needs, plugin) => {
      const [only, ...rest] = podSecurity(microService(withMesh({ provider, mode })));
      expect(rest).toStrictEqual([]);
      expect(only?.field).toBe(`Pod Security (injected ${init})`);
      expect(only?.value).toBe('warning: rejected by baseline and restricted');
      expect(only?.reason).toContain(`without ${plugin}, ${provider} injects the init container ${init} (${needs})`);
      expect(only?.reason).toContain(`Install ${plugin}`);
      expect(only?.reason).toContain('set spec.mesh.cni: true');
      expect(only?.reason).toContain('pod-security.kubernetes.io/enforce=privileged');
    });

    it('with spec.mesh.cni: no warning, the reason instead', () => {
      expect(podSecurity(microService(withMesh({ provider: 'istio', cni: true })))).toStrictEqual([
        {
          field: 'Pod Security (mesh CNI)',
          value: 'CNI plugin: no init container with NET_ADMIN',
          reason:
            'spec.mesh.cni: the mesh CNI plugin sets up the traffic redirection, so the injected pod can pass the restricted level',
        },
      ]);
    });

    it.each([
      ['no mesh', microService()],
      ['ambient', microService(withMesh({ provider: 'istio', mode: 'ambient' }))],
      ['provider none', microService(withMesh({ provider: 'none' }))],
    ])('%s: nothing to say', (_, ms) => expect(podSecurity(ms)).toStrictEqual([]));
  });
});
