// spec.shutdown: the graceful shutdown budget. preStop sleep, then SIGTERM, then the app drains
// (plus the proxy's drain with a native sidecar), all inside terminationGracePeriodSeconds.
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
        'terminationGracePeriodSeconds. Default: preStopSleepSeconds + timeoutSeconds + proxy drain (native sidecars) + 5s margin. If set, it must exceed that sum without the margin.',
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
  /** Seconds the proxy drains after the app is done (native sidecars), else 0. */
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
  const proxyDrainAfterAppSeconds =
    meshMode(spec) === 'native-sidecar' ? MESH_DEFAULTS.mesh.nativeSidecarDrainSeconds : 0;
  const gracePeriodSeconds =
    spec.shutdown?.gracePeriodSeconds ??
    preStopSleepSeconds + timeoutSeconds + proxyDrainAfterAppSeconds + SHUTDOWN_DEFAULTS.shutdown.marginSeconds;
  return { preStopSleepSeconds, timeoutSeconds, proxyDrainAfterAppSeconds, gracePeriodSeconds };
}

/**
 * Seconds between the pod's deletion and the moment everything must be done, without margin:
 * preStop sleep, the app's own shutdown, and (native sidecars only, which stop after the app) the proxy drain.
 * With classic sidecars the proxy drains in parallel with the app (its drain is stretched to cover the app).
 */
export function shutdownNeedsSeconds(spec: ShutdownView): number {
  const s = spec.shutdown;
  const preStop = s?.preStopSleepSeconds ?? SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds;
  const app = s?.timeoutSeconds ?? SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds;
  const nativeProxy = meshProvider(spec) !== 'none' && spec.mesh?.mode === 'native-sidecar';
  return preStop + app + (nativeProxy ? MESH_DEFAULTS.mesh.nativeSidecarDrainSeconds : 0);
}

export const SHUTDOWN_RULES: readonly SpecRule<ShutdownView>[] = [
  {
    id: 'shutdown-grace-covers-budget',
    summary:
      'spec.shutdown.gracePeriodSeconds must exceed preStopSleepSeconds + timeoutSeconds (+ proxy drain with native sidecars).',
    check: (spec) => {
      const s = spec.shutdown;
      if (s?.gracePeriodSeconds === undefined) return [];
      const needed = shutdownNeedsSeconds(spec);
      return s.gracePeriodSeconds <= needed
        ? [
            {
              path: ['shutdown', 'gracePeriodSeconds'],
              message: `${s.gracePeriodSeconds}s does not cover preStop sleep + app shutdown${needed > (s.preStopSleepSeconds ?? SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds) + (s.timeoutSeconds ?? SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds) ? ' + proxy drain' : ''} (${needed}s): set it above ${needed} or shorten the others`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: `!(${celHas('shutdown.gracePeriodSeconds')}) || self.shutdown.gracePeriodSeconds > (has(self.shutdown.preStopSleepSeconds) ? self.shutdown.preStopSleepSeconds : ${SHUTDOWN_DEFAULTS.shutdown.preStopSleepSeconds}) + (has(self.shutdown.timeoutSeconds) ? self.shutdown.timeoutSeconds : ${SHUTDOWN_DEFAULTS.shutdown.timeoutSeconds}) + ((has(self.mesh) && self.mesh.provider != 'none' && has(self.mesh.mode) && self.mesh.mode == 'native-sidecar') ? ${MESH_DEFAULTS.mesh.nativeSidecarDrainSeconds} : 0)`,
        message:
          'spec.shutdown.gracePeriodSeconds does not cover preStopSleepSeconds + timeoutSeconds (+ proxy drain with native sidecars)',
        fieldPath: '.shutdown.gracePeriodSeconds',
      },
    ],
    invalidExamples: [
      { shutdown: { gracePeriodSeconds: 10, preStopSleepSeconds: 5, timeoutSeconds: 5 } },
      { shutdown: { gracePeriodSeconds: 26 }, mesh: { provider: 'istio', mode: 'native-sidecar' } },
    ],
  },
];
