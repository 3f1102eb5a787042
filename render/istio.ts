// Istio keys (docs/mesh.md, checked against istio/api annotations.yaml and labels.yaml and
// the injection template). Sidecar and native-sidecar enrol with the pod label
// `sidecar.istio.io/inject`; ambient with `istio.io/dataplane-mode`.
import { DEFAULTS, type MeshMode, type MicroServiceSpec, type Resources, type ShutdownBudget } from '../api/index.ts';
import { type MeshKey, portAnnotation, proxyResourceAnnotations } from './mesh.ts';

export interface MeshInput {
  readonly spec: MicroServiceSpec;
  readonly mode: MeshMode;
  readonly proxy: Resources | undefined;
  readonly shutdown: ShutdownBudget;
}

export function istioMetadata({ spec, mode, proxy, shutdown }: MeshInput): MeshKey[] {
  const mesh = spec.mesh;
  if (mode === 'ambient') {
    return [
      {
        kind: 'label',
        key: 'istio.io/dataplane-mode',
        value: 'ambient',
        reason: 'enrols the pod in ambient mode: node-level ztunnel, no sidecar, no restart needed (§1.1)',
      },
      {
        kind: 'label',
        key: 'sidecar.istio.io/inject',
        value: 'false',
        reason:
          'keeps a sidecar out even in an istio-injection=enabled namespace: a sidecar would win over ambient (§1.1)',
      },
    ];
  }
  const keys: MeshKey[] = [
    {
      kind: 'label',
      key: 'sidecar.istio.io/inject',
      value: 'true',
      reason: 'opts the pod in (the label, not the deprecated annotation, is what the webhook selects on) (§1.1)',
    },
  ];
  if (mesh?.revision) {
    keys.push({
      kind: 'label',
      key: 'istio.io/rev',
      value: mesh.revision,
      reason: 'selects the revisioned control plane; honoured when the namespace has no injection label (§1.1)',
    });
  }
  const native = mode === 'native-sidecar';
  keys.push({
    kind: 'annotation',
    key: 'sidecar.istio.io/nativeSidecar',
    value: String(native),
    reason: native
      ? 'runs istio-proxy as a Kubernetes native sidecar: started before and stopped after the app (§1.3)'
      : 'pins the classic sidecar so Istio 1.27+ "auto" does not switch modes under the shutdown budget (§1.3)',
  });
  if (proxy) {
    keys.push(
      ...proxyResourceAnnotations(
        [
          ['sidecar.istio.io/proxyCPU', proxy.requests.cpu, 'CPU request'],
          ['sidecar.istio.io/proxyMemory', proxy.requests.memory, 'memory request'],
          ['sidecar.istio.io/proxyCPULimit', proxy.limits.cpu, 'CPU limit'],
          ['sidecar.istio.io/proxyMemoryLimit', proxy.limits.memory, 'memory limit'],
        ],
        (what) => `proxy ${what}; all four are always set because Istio drops the unset ones once any is set (§1.2)`,
      ),
    );
  }
  // Classic sidecars get SIGTERM with the app (before its preStop sleep ends): the proxy must keep
  // draining for the app's whole shutdown, or the app's last outbound calls fail (§1.4).
  const drain = native
    ? DEFAULTS.mesh.nativeSidecarDrainSeconds
    : shutdown.preStopSleepSeconds + shutdown.timeoutSeconds;
  const hold = !native && (mesh?.holdApplicationUntilProxyStarts ?? DEFAULTS.mesh.holdApplicationUntilProxyStarts);
  const proxyConfig: Record<string, unknown> = {};
  if (hold) proxyConfig['holdApplicationUntilProxyStarts'] = true;
  proxyConfig['terminationDrainDuration'] = `${drain}s`;
  keys.push({
    kind: 'annotation',
    key: 'proxy.istio.io/config',
    value: JSON.stringify(proxyConfig),
    reason: [
      hold ? 'holds the app until the proxy is ready, so its first outbound calls do not fail' : undefined,
      native
        ? `drains ${drain}s after the app has exited (native sidecars stop last)`
        : `drains for preStop sleep + app shutdown (${drain}s), since the proxy gets SIGTERM at the same time as the app`,
    ]
      .filter(Boolean)
      .join('; ')
      .concat(' (§1.3, §1.4)'),
  });
  keys.push({
    kind: 'annotation',
    key: 'sidecar.istio.io/rewriteAppHTTPProbers',
    value: 'true',
    reason:
      'kubelet probes go to the agent on 15020 and reach the app without mTLS, whatever the install default (§1.5)',
  });
  keys.push(
    ...portAnnotation(
      'traffic.sidecar.istio.io/excludeOutboundPorts',
      mesh?.excludeOutboundPorts,
      'outbound traffic to these ports bypasses Envoy: no mTLS, policy or telemetry (§1.5)',
    ),
    ...portAnnotation(
      'traffic.sidecar.istio.io/excludeInboundPorts',
      mesh?.excludeInboundPorts,
      'inbound traffic to these ports bypasses Envoy (§1.5)',
    ),
  );
  return keys;
}
