// spec.shutdown: the graceful shutdown budget. preStop sleep, then SIGTERM, then the app drains
// (plus the Linkerd proxy's shutdown after the app with a native sidecar), all inside
// terminationGracePeriodSeconds.
import { z } from 'zod';
import { secondsField } from './fields.ts';
import { MESH_DEFAULTS, type MeshSpec, meshMode, meshProvider } from './mesh.ts';
import { celHas, type SpecRule } from './rule.ts';

export const shutdownSchema = z
  .strictObject({
    preStopSleepSeconds: secondsField(
      'Seconds the pod keeps serving after it is marked for termination, so load balancers and proxies stop routing to it before the app gets SIGTERM. Default 5.',
      600,
    ).optional(),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(3600)
      .optional()
      .describe('Seconds the app needs after SIGTERM to finish in-flight work and exit. Default 20.'),
    gracePeriodSeconds: z
      .int()
      .min(1)
      .max(86400)
      .optional()
      .describe(
        'terminationGracePeriodSeconds. Default: preStopSleepSeconds + timeoutSeconds + the Linkerd proxy shutdown (5s, native sidecar only) + 5s margin. If set, it must exceed that sum without the margin.',
      ),
  })
  .describe(
    'Graceful shutdown budget: preStop sleep, then SIGTERM, then the app drains; everything fits the grace period.',
  );

export type ShutdownSpec = z.infer<typeof shutdownSchema>;

export const SHUTDOWN_DEFAULTS = {
  shutdown: { preStopSleepSeconds: 5, timeoutSeconds: 20, marginSeconds: 5 },
} as const;

export const shutdownFields = { shutdown: shutdownSchema.optional() };

type ShutdownView = { shutdown?: ShutdownSpec; mesh?: MeshSpec };

export interface ShutdownBudget {
  preStopSleepSeconds: number;
  timeoutSeconds: number;
  /**
   * Seconds the proxy still runs after the app has exited: a Linkerd native sidecar's shutdown grace
   * period; 0 otherwise. A classic sidecar drains alongside the app; Istio's native sidecar drains
   * from its preStop hook while the app shuts down and exits at once on the SIGTERM after it.
   */
  proxyDrainAfterAppSeconds: number;
  gracePeriodSeconds: number;
}

/**
 * The termination budget: preStop sleep, app shutdown, proxy drain, margin. The kubelet runs
 * preStop first and sends SIGTERM only after it; the grace period covers both, and whatever still
 * runs when it ends is SIGKILLed (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
 */
export function resolveShutdown(spec: ShutdownView): ShutdownBudget {
  const preStopSleepSeconds = spec.shutdown?.preStopSleepSeconds ?? SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds;
  const timeoutSeconds = spec.shutdown?.timeoutSeconds ?? SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds;
  const proxyDrainAfterAppSeconds = proxyAfterAppSeconds(spec);
  const gracePeriodSeconds =
    spec.shutdown?.gracePeriodSeconds ??
    preStopSleepSeconds + timeoutSeconds + proxyDrainAfterAppSeconds + SHUTDOWN_DEFAULTS.shutdown.marginSeconds;
  return { preStopSleepSeconds, timeoutSeconds, proxyDrainAfterAppSeconds, gracePeriodSeconds };
}

/**
 * Seconds the proxy runs after the app has exited. Only a Linkerd native sidecar does: the kubelet
 * stops it after the app, and it closes what is left within its shutdown-grace-period. A classic
 * sidecar (either mesh) gets SIGTERM with the app and drains alongside it (its drain is stretched to
 * cover the app). Istio's native sidecar drains from a preStop hook (`pilot-agent request POST
 * drain`, manifests/charts/istio-control/istio-discovery/files/injection-template.yaml) that runs
 * when pod shutdown starts, and on the SIGTERM that follows the app's exit the agent skips its own
 * drain and exits at once (pkg/envoy/agent.go in https://github.com/istio/istio): nothing to add.
 */
function proxyAfterAppSeconds(spec: ShutdownView): number {
  return meshProvider(spec) === 'linkerd' && meshMode(spec) === 'native-sidecar'
    ? MESH_DEFAULTS.mesh.linkerdNativeShutdownSeconds
    : 0;
}

/**
 * Seconds between the pod's deletion and the moment everything must be done, without margin:
 * preStop sleep, the app's own shutdown, and the proxy's time after the app (Linkerd native sidecar).
 */
export function shutdownNeedsSeconds(spec: ShutdownView): number {
  const s = spec.shutdown;
  const preStop = s?.preStopSleepSeconds ?? SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds;
  const app = s?.timeoutSeconds ?? SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds;
  return preStop + app + proxyAfterAppSeconds(spec);
}

export const SHUTDOWN_RULES: readonly SpecRule<ShutdownView>[] = [
  {
    id: 'shutdown-grace-covers-budget',
    summary:
      'spec.shutdown.gracePeriodSeconds must exceed preStopSleepSeconds + timeoutSeconds (+ the proxy shutdown with a Linkerd native sidecar).',
    check: (spec) => {
      const s = spec.shutdown;
      if (s?.gracePeriodSeconds === undefined) return [];
      const needed = shutdownNeedsSeconds(spec);
      return s.gracePeriodSeconds <= needed
        ? [
            {
              path: ['shutdown', 'gracePeriodSeconds'],
              message: `${s.gracePeriodSeconds}s does not cover preStop sleep + app shutdown${needed > (s.preStopSleepSeconds ?? SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds) + (s.timeoutSeconds ?? SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds) ? ' + Linkerd proxy shutdown' : ''} (${needed}s): set it above ${needed} or shorten the others`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!(${celHas('shutdown.gracePeriodSeconds')}) || self.shutdown.gracePeriodSeconds > (has(self.shutdown.preStopSleepSeconds) ? self.shutdown.preStopSleepSeconds : ${SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds}) + (has(self.shutdown.timeoutSeconds) ? self.shutdown.timeoutSeconds : ${SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds}) + ((has(self.mesh) && self.mesh.provider == 'linkerd' && has(self.mesh.mode) && self.mesh.mode == 'native-sidecar') ? ${MESH_DEFAULTS.mesh.linkerdNativeShutdownSeconds} : 0)`,
        message:
          'spec.shutdown.gracePeriodSeconds does not cover preStopSleepSeconds + timeoutSeconds (+ the proxy shutdown with a Linkerd native sidecar)',
        fieldPath: '.shutdown.gracePeriodSeconds',
      },
    ],
    invalidExamples: [
      { shutdown: { gracePeriodSeconds: 10, preStopSleepSeconds: 5, timeoutSeconds: 5 } },
      { shutdown: { gracePeriodSeconds: 26 }, mesh: { provider: 'linkerd', mode: 'native-sidecar' } },
    ],
  },
];
