// spec.probes: liveness, readiness and startup probes, their defaults (derived from spec.ports when
// omitted) and the rules Kubernetes puts on them.
import { z } from 'zod';
import { INT_OR_STRING, portName, portNumber, secondsField } from './fields.ts';
import type { PortSpec } from './ports.ts';
import { celHas, type SpecRule } from './rule.ts';

/** A probe port: the name of a declared port, or a number. */
const probePort = z.union([portName, z.int().min(1).max(65535)]).meta({
  description: 'The name of a port declared in spec.ports (preferred), or a port number.',
  ...INT_OR_STRING,
});

const probeSchema = z
  .strictObject({
    disabled: z
      .boolean()
      .optional()
      .describe('Set to true to render no probe of this kind (the default probe is derived from spec.ports).'),
    httpGet: z
      .strictObject({
        path: z.string().startsWith('/').max(1024).describe('HTTP path, e.g. /healthz.'),
        port: probePort,
      })
      .optional()
      .describe('Probe with an HTTP GET; 2xx and 3xx count as success.'),
    grpc: z
      .strictObject({
        port: portNumber('gRPC port number (the kubelet requires a number for gRPC probes).'),
        service: z.string().max(253).optional().describe('Service name sent in the grpc.health.v1 request.'),
      })
      .optional()
      .describe('Probe with the gRPC health checking protocol (grpc.health.v1).'),
    tcpSocket: z.strictObject({ port: probePort }).optional().describe('Probe by opening a TCP connection.'),
    exec: z
      .strictObject({
        command: z.array(z.string().max(4096)).min(1).max(64).describe('Command and arguments, run without a shell.'),
      })
      .optional()
      .describe('Probe by running a command in the container (needs a binary for it in the image).'),
    initialDelaySeconds: secondsField('Seconds after start before the first probe.').optional(),
    periodSeconds: z.int().min(1).max(3600).optional().describe('Seconds between probes.'),
    timeoutSeconds: z.int().min(1).max(3600).optional().describe('Seconds before a probe times out.'),
    failureThreshold: z.int().min(1).max(10000).optional().describe('Consecutive failures that count as failed.'),
    successThreshold: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Consecutive successes that count as passed (must be 1 for liveness and startup).'),
  })
  .describe('A probe. Give at most one handler (httpGet, grpc, tcpSocket, exec); with none, the derived one is kept.');

export const probesSchema = z
  .strictObject({
    liveness: probeSchema
      .optional()
      .describe('Restarts the container when it fails. Default: httpGet /healthz on the first HTTP port.'),
    readiness: probeSchema
      .optional()
      .describe(
        'Takes the pod out of Service endpoints when it fails. Default: httpGet /readyz on the first HTTP port.',
      ),
    startup: probeSchema
      .optional()
      .describe(
        'Holds liveness and readiness until it passes once. Default: httpGet /healthz, every 2s, up to 60s (failureThreshold 30).',
      ),
  })
  .describe(
    'Liveness, readiness and startup probes. Omitted probes are derived from the first HTTP, HTTP2 or GRPC port in spec.ports (TCP otherwise); a probe with disabled: true is left out.',
  );

export type Probe = z.infer<typeof probeSchema>;
export type ProbesSpec = z.infer<typeof probesSchema>;

export const PROBES_DEFAULTS = {
  probes: {
    liveness: { path: '/healthz', periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readiness: { path: '/readyz', periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
    /** 30 × 2s = 60s to start before liveness takes over. */
    startup: { path: '/healthz', periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
  },
} as const;

export const probesFields = { probes: probesSchema.optional() };

const PROBE_KINDS = ['liveness', 'readiness', 'startup'] as const;
const PROBE_HANDLERS = ['httpGet', 'grpc', 'tcpSocket', 'exec'] as const;

type ProbesView = { probes?: ProbesSpec; ports?: PortSpec[] };

export const PROBES_RULES: readonly SpecRule<ProbesView>[] = [
  {
    id: 'probe-one-handler',
    summary: 'spec.probes.*: at most one of httpGet, grpc, tcpSocket, exec; none with disabled: true.',
    check: (spec) =>
      PROBE_KINDS.flatMap((kind) => {
        const probe = spec.probes?.[kind];
        if (!probe) return [];
        const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined);
        if (handlers.length > 1) {
          return [{ path: ['probes', kind], message: `has ${handlers.join(' and ')}: give exactly one handler` }];
        }
        if (probe.disabled && handlers.length > 0) {
          return [{ path: ['probes', kind, 'disabled'], message: `is true but ${handlers[0]} is set: remove one` }];
        }
        return [];
      }),
    cel: PROBE_KINDS.map((kind) => ({
      rule: `!${`(${celHas(`probes.${kind}`)})`} || (${PROBE_HANDLERS.map((h) => `(has(self.probes.${kind}.${h}) ? 1 : 0)`).join(' + ')}) <= ((has(self.probes.${kind}.disabled) && self.probes.${kind}.disabled) ? 0 : 1)`,
      message: `spec.probes.${kind}: give exactly one of httpGet, grpc, tcpSocket, exec (and none when disabled)`,
      fieldPath: `.probes.${kind}`,
    })),
    invalidExamples: [{ probes: { liveness: { httpGet: { path: '/', port: 8080 }, tcpSocket: { port: 8080 } } } }],
  },
  {
    id: 'probe-port-declared',
    summary: 'spec.probes.*: a probe port given by name must name a port in spec.ports.',
    check: (spec) => {
      const names = new Set((spec.ports ?? []).map((p) => p.name));
      return PROBE_KINDS.flatMap((kind) =>
        (['httpGet', 'tcpSocket'] as const).flatMap((h) => {
          const port = spec.probes?.[kind]?.[h]?.port;
          return typeof port === 'string' && !names.has(port)
            ? [
                {
                  path: ['probes', kind, h, 'port'],
                  message: `names port "${port}", which spec.ports does not declare: declare it or use a number`,
                },
              ]
            : [];
        }),
      );
    },
    cel: PROBE_KINDS.flatMap((kind) =>
      (['httpGet', 'tcpSocket'] as const).map((h) => ({
        rule: `!(${celHas(`probes.${kind}.${h}`)}) || type(self.probes.${kind}.${h}.port) == int || (has(self.ports) && self.ports.exists(p, p.name == self.probes.${kind}.${h}.port))`,
        message: `spec.probes.${kind}.${h}.port names a port that spec.ports does not declare: declare it or use a number`,
        fieldPath: `.probes.${kind}.${h}.port`,
      })),
    ),
    invalidExamples: [
      { ports: [{ name: 'http', port: 8080 }], probes: { readiness: { httpGet: { path: '/', port: 'admin' } } } },
    ],
  },
  {
    id: 'probe-success-threshold',
    summary: 'spec.probes.liveness/startup: successThreshold must be 1 (a Kubernetes rule).',
    check: (spec) =>
      (['liveness', 'startup'] as const).flatMap((kind) => {
        const t = spec.probes?.[kind]?.successThreshold;
        return t !== undefined && t !== 1
          ? [{ path: ['probes', kind, 'successThreshold'], message: `must be 1 for ${kind} probes (Kubernetes rule)` }]
          : [];
      }),
    cel: (['liveness', 'startup'] as const).map((kind) => ({
      rule: `!(${celHas(`probes.${kind}.successThreshold`)}) || self.probes.${kind}.successThreshold == 1`,
      message: `spec.probes.${kind}.successThreshold must be 1 (Kubernetes rule)`,
      fieldPath: `.probes.${kind}.successThreshold`,
    })),
    invalidExamples: [{ probes: { liveness: { successThreshold: 2, httpGet: { path: '/', port: 8080 } } } }],
  },
];
