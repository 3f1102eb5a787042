// Liveness, readiness and startup probes: derived from the first HTTP/HTTP2/GRPC port (TCP as a
// fallback) unless the spec gives them, with timings from api/defaults.ts. Istio rewrites httpGet,
// tcpSocket and grpc probes to its agent (we ask it to explicitly, see istio.ts); Linkerd lets
// kubelet HTTP probes through under its default policy (docs/mesh.md).
import { DEFAULTS, type MicroServiceSpec, type Probe } from '../api/index.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A probe as the pod spec takes it. */
export type K8sProbe = Record<string, unknown>;

const HANDLERS = ['httpGet', 'grpc', 'tcpSocket', 'exec'] as const;

function derivedHandler(spec: MicroServiceSpec, kind: ProbeKind): Record<string, unknown> | undefined {
  const ports = spec.ports ?? [];
  const web = ports.find((p) => {
    const protocol = p.protocol ?? DEFAULTS.portProtocol;
    return protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'GRPC';
  });
  if (web) {
    if ((web.protocol ?? DEFAULTS.portProtocol) === 'GRPC') return { grpc: { port: web.port } };
    return { httpGet: { path: DEFAULTS.probes[kind].path, port: web.name } };
  }
  const tcp = ports.find((p) => p.protocol === 'TCP');
  return tcp ? { tcpSocket: { port: tcp.name } } : undefined;
}

function givenHandler(probe: Probe | undefined): Record<string, unknown> | undefined {
  for (const h of HANDLERS) {
    const value = probe?.[h];
    if (value !== undefined) {
      if (h === 'httpGet') {
        const v = value as NonNullable<Probe['httpGet']>;
        return { httpGet: { path: v.path, port: v.port } };
      }
      if (h === 'grpc') {
        const v = value as NonNullable<Probe['grpc']>;
        return { grpc: v.service === undefined ? { port: v.port } : { port: v.port, service: v.service } };
      }
      if (h === 'tcpSocket') return { tcpSocket: { port: (value as NonNullable<Probe['tcpSocket']>).port } };
      return { exec: { command: [...(value as NonNullable<Probe['exec']>).command] } };
    }
  }
  return undefined;
}

/** The probe of one kind, or undefined when disabled or when nothing can be derived. */
export function renderProbe(spec: MicroServiceSpec, kind: ProbeKind): K8sProbe | undefined {
  const given = spec.probes?.[kind];
  if (given?.disabled) return undefined;
  const handler = givenHandler(given) ?? derivedHandler(spec, kind);
  if (!handler) return undefined;
  const d = DEFAULTS.probes[kind];
  const probe: K8sProbe = { ...handler };
  if (given?.initialDelaySeconds !== undefined) probe['initialDelaySeconds'] = given.initialDelaySeconds;
  probe['periodSeconds'] = given?.periodSeconds ?? d.periodSeconds;
  probe['timeoutSeconds'] = given?.timeoutSeconds ?? d.timeoutSeconds;
  probe['failureThreshold'] = given?.failureThreshold ?? d.failureThreshold;
  probe['successThreshold'] = given?.successThreshold ?? 1;
  return probe;
}
