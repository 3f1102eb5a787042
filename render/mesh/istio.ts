// Istio keys, as Istio's own sources define them: the annotations and labels of istio/api
// (https://github.com/istio/api/blob/master/annotation/annotations.yaml,
// https://github.com/istio/api/blob/master/label/labels.yaml) and the sidecar injection template
// (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml in istio/istio).
// Sidecar and native-sidecar enrol with the pod label `sidecar.istio.io/inject`; ambient with
// `istio.io/dataplane-mode` (https://istio.io/latest/docs/ambient/usage/add-workloads/).
import { DEFAULTS } from '../../api/index.ts';
import { type MeshInput, type MeshKey, portAnnotation, proxyResourceAnnotations } from './shared.ts';

export function istioMetadata({ spec, mode, proxy, shutdown }: MeshInput): MeshKey[] {
  const mesh = spec.mesh;
  if (mode === 'ambient') {
    return [
      {
        kind: 'label',
        key: 'istio.io/dataplane-mode',
        value: 'ambient',
        reason: 'enrols the pod in ambient mode: node-level ztunnel, no sidecar, no restart needed',
      },
      {
        kind: 'label',
        key: 'sidecar.istio.io/inject',
        value: 'false',
        reason: 'keeps a sidecar out even in an istio-injection=enabled namespace: a sidecar would win over ambient',
      },
    ];
  }
  const keys: MeshKey[] = [
    {
      kind: 'label',
      key: 'sidecar.istio.io/inject',
      value: 'true',
      reason: 'opts the pod in (the label, not the deprecated annotation, is what the webhook selects on)',
    },
  ];
  if (mesh?.revision) {
    keys.push({
      kind: 'label',
      key: 'istio.io/rev',
      value: mesh.revision,
      reason: 'selects the revisioned control plane; honoured when the namespace has no injection label',
    });
  }
  const native = mode === 'native-sidecar';
  keys.push({
    kind: 'annotation',
    key: 'sidecar.istio.io/nativeSidecar',
    value: String(native),
    reason: native
      ? "runs istio-proxy as a Kubernetes native sidecar: started before the app; Istio's preStop hook drains it while the app shuts down, and it exits at once on the SIGTERM after the app's exit"
      : 'pins the classic sidecar so Istio 1.27+ "auto" does not switch modes under the shutdown budget',
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
        (what) => `proxy ${what}; all four are always set because Istio drops the unset ones once any is set`,
      ),
    );
  }
  // Classic sidecars get SIGTERM with the app (before its preStop sleep ends): the proxy must keep
  // draining for the app's whole shutdown, or the app's last outbound calls fail. The agent drains
  // Envoy for terminationDrainDuration on SIGTERM (ProxyConfig, default 5s:
  // https://github.com/istio/api/blob/master/mesh/v1alpha1/proxy.proto). A native sidecar has
  // neither setting to take: the template's preStop hook (`pilot-agent request POST drain`) drains
  // it when pod shutdown starts, and on the SIGTERM after the app's exit the agent skips
  // terminationDrainDuration and exits at once (pkg/envoy/agent.go); holdApplicationUntilProxyStarts
  // is ignored, since Kubernetes starts a native sidecar first.
  if (!native) {
    const drain = shutdown.preStopSleepSeconds + shutdown.timeoutSeconds;
    const hold = mesh?.holdApplicationUntilProxyStarts ?? DEFAULTS.mesh.holdApplicationUntilProxyStarts;
    const proxyConfig: Record<string, unknown> = {};
    if (hold) proxyConfig['holdApplicationUntilProxyStarts'] = true;
    proxyConfig['terminationDrainDuration'] = `${drain}s`;
    keys.push({
      kind: 'annotation',
      key: 'proxy.istio.io/config',
      value: JSON.stringify(proxyConfig),
      reason: [
        hold ? 'holds the app until the proxy is ready, so its first outbound calls do not fail' : undefined,
        `drains for preStop sleep + app shutdown (${drain}s), since the proxy gets SIGTERM at the same time as the app`,
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  keys.push({
    kind: 'annotation',
    key: 'sidecar.istio.io/rewriteAppHTTPProbers',
    value: 'true',
    reason: 'kubelet probes go to the agent on 15020 and reach the app without mTLS, whatever the install default',
  });
  keys.push(
    ...portAnnotation(
      'traffic.sidecar.istio.io/excludeOutboundPorts',
      mesh?.excludeOutboundPorts,
      'outbound traffic to these ports bypasses Envoy: no mTLS, policy or telemetry',
    ),
    ...portAnnotation(
      'traffic.sidecar.istio.io/excludeInboundPorts',
      mesh?.excludeInboundPorts,
      'inbound traffic to these ports bypasses Envoy',
    ),
  );
  return keys;
}
