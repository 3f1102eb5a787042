// Linkerd keys, as linkerd2 defines them
// (https://github.com/linkerd/linkerd2/blob/main/pkg/k8s/labels.go and the proxy templates,
// charts/partials/templates/_proxy.tpl; shutdown: https://linkerd.io/2/tasks/graceful-shutdown/). Linkerd opts in with the `linkerd.io/inject` annotation; each config annotation
// overrides only its own field.
import { DEFAULTS } from '../../api/index.ts';
import { type MeshInput, type MeshKey, portAnnotation, proxyResourceAnnotations } from './shared.ts';

/** The GA (2.20+), beta (2.19) and alpha (2.15–2.18) names; unknown annotations are ignored, so all are set. */
const NATIVE_SIDECAR_KEYS = [
  'config.linkerd.io/proxy-enable-native-sidecar',
  'config.beta.linkerd.io/proxy-enable-native-sidecar',
  'config.alpha.linkerd.io/proxy-enable-native-sidecar',
] as const;

export function linkerdMetadata({ spec, mode, proxy, shutdown }: MeshInput): MeshKey[] {
  const mesh = spec.mesh;
  const native = mode === 'native-sidecar';
  const keys: MeshKey[] = [
    {
      kind: 'annotation',
      key: 'linkerd.io/inject',
      value: 'enabled',
      reason: 'opts the pod in; Linkerd reads an annotation, not a label',
    },
  ];
  for (const key of NATIVE_SIDECAR_KEYS) {
    keys.push({
      kind: 'annotation',
      key,
      value: String(native),
      reason: native
        ? 'runs linkerd-proxy as a native sidecar (every Linkerd release name of the key)'
        : 'pins the classic sidecar, since Linkerd 2.20 defaults to native and the shutdown budget depends on the mode',
    });
  }
  if (proxy) {
    keys.push(
      ...proxyResourceAnnotations(
        [
          [
            'config.linkerd.io/proxy-cpu-request',
            proxy.requests.cpu,
            'CPU request (also the minimum proxy worker threads)',
          ],
          ['config.linkerd.io/proxy-memory-request', proxy.requests.memory, 'memory request'],
          ['config.linkerd.io/proxy-cpu-limit', proxy.limits.cpu, 'CPU limit (also the maximum proxy worker threads)'],
          ['config.linkerd.io/proxy-memory-limit', proxy.limits.memory, 'memory limit'],
        ],
        (what) => `proxy ${what}; Linkerd sets none by default, which quota would reject`,
      ),
    );
  }
  const hold = mesh?.holdApplicationUntilProxyStarts ?? DEFAULTS.mesh.holdApplicationUntilProxyStarts;
  keys.push({
    kind: 'annotation',
    key: 'config.linkerd.io/proxy-await',
    value: hold ? 'enabled' : 'disabled',
    reason: hold
      ? 'the app starts only once the proxy is ready'
      : 'spec.mesh.holdApplicationUntilProxyStarts is false: the app may start before the proxy',
  });
  if (native) {
    keys.push({
      kind: 'annotation',
      key: 'config.linkerd.io/shutdown-grace-period',
      value: `${DEFAULTS.mesh.linkerdNativeShutdownSeconds}s`,
      reason: 'the native proxy stops after the app; it closes what is left within this, inside the grace period',
    });
  } else {
    const wait = shutdown.preStopSleepSeconds + shutdown.timeoutSeconds;
    const remaining = shutdown.gracePeriodSeconds - wait - 1;
    keys.push({
      kind: 'annotation',
      key: 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds',
      value: String(wait),
      reason: `keeps the proxy up through preStop sleep + app shutdown (${wait}s), below the ${shutdown.gracePeriodSeconds}s grace period`,
    });
    keys.push({
      kind: 'annotation',
      key: 'config.linkerd.io/shutdown-grace-period',
      value: `${Math.max(1, remaining)}s`,
      reason: `what is left of the grace period after the wait, less 1s, so the kubelet never has to SIGKILL the proxy`,
    });
  }
  keys.push(
    ...portAnnotation(
      'config.linkerd.io/skip-outbound-ports',
      mesh?.excludeOutboundPorts,
      'outbound traffic to these ports bypasses the proxy: no mTLS, no metrics',
    ),
    ...portAnnotation(
      'config.linkerd.io/skip-inbound-ports',
      mesh?.excludeInboundPorts,
      'inbound traffic to these ports bypasses the proxy',
    ),
    ...portAnnotation(
      'config.linkerd.io/opaque-ports',
      mesh?.opaquePorts,
      'proxied and mTLS-protected without protocol detection, for server-speaks-first protocols',
    ),
  );
  return keys;
}
