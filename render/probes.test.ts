import { describe, expect, it } from 'vitest';
import type { MicroService } from '../api/index.ts';
import { microService, withoutPorts, withPorts, withProbes } from '../test/support/fixtures.ts';
import { type ProbeKind, renderProbe } from './probes.ts';

type Probes = Record<`${ProbeKind}Probe`, Record<string, unknown> | undefined>;

const timings = {
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
  startup: { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30, successThreshold: 1 },
};

/** The three probes with the default timings around the given handlers; a kind mapped to undefined is absent. */
function probes(handlers: Partial<Record<ProbeKind, Record<string, unknown> | undefined>>): Probes {
  const out = {} as Probes;
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const handler = handlers[kind];
    out[`${kind}Probe`] = handler === undefined ? undefined : { ...handler, ...timings[kind] };
  }
  return out;
}
const http = (port: string) => ({
  liveness: { httpGet: { path: '/healthz', port } },
  readiness: { httpGet: { path: '/readyz', port } },
  startup: { httpGet: { path: '/healthz', port } },
});
const same = (handler: Record<string, unknown>) => ({ liveness: handler, readiness: handler, startup: handler });

function rendered(ms: MicroService): Probes {
  return {
    livenessProbe: renderProbe(ms.spec, 'liveness'),
    readinessProbe: renderProbe(ms.spec, 'readiness'),
    startupProbe: renderProbe(ms.spec, 'startup'),
  };
}

describe('renderProbe', () => {
  const cases = [
    { name: 'HTTP port: httpGet /healthz and /readyz by port name', input: microService(), want: probes(http('http')) },
    {
      name: 'protocol defaults to HTTP',
      input: microService(withPorts({ name: 'web', port: 80 })),
      want: probes(http('web')),
    },
    {
      name: 'HTTP2 port: httpGet',
      input: microService(withPorts({ name: 'h2', port: 8443, protocol: 'HTTP2' })),
      want: probes(http('h2')),
    },
    {
      name: 'GRPC port: grpc probe with the port number (the kubelet takes no name)',
      input: microService(withPorts({ name: 'grpc', port: 9090, protocol: 'GRPC' })),
      want: probes(same({ grpc: { port: 9090 } })),
    },
    {
      name: 'first web port wins, in declaration order',
      input: microService(
        withPorts(
          { name: 'db', port: 5432, protocol: 'TCP' },
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
          { name: 'http', port: 8080 },
        ),
      ),
      want: probes(same({ grpc: { port: 9090 } })),
    },
    {
      name: 'TCP fallback without a web port',
      input: microService(
        withPorts({ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'redis', port: 6379, protocol: 'TCP' }),
      ),
      want: probes(same({ tcpSocket: { port: 'redis' } })),
    },
    {
      name: 'UDP only: no probes',
      input: microService(withPorts({ name: 'dns', port: 53, protocol: 'UDP' })),
      want: probes({}),
    },
    { name: 'no ports: no probes', input: microService(withoutPorts), want: probes({}) },
    {
      name: 'user handler kept, with default timings',
      input: microService(
        withProbes({
          liveness: { exec: { command: ['/bin/check', '--live'] } },
          readiness: { httpGet: { path: '/ready', port: 9000 } },
          startup: { tcpSocket: { port: 'http' } },
        }),
      ),
      want: probes({
        liveness: { exec: { command: ['/bin/check', '--live'] } },
        readiness: { httpGet: { path: '/ready', port: 9000 } },
        startup: { tcpSocket: { port: 'http' } },
      }),
    },
    {
      name: 'user grpc handler with a service name',
      input: microService(withProbes({ readiness: { grpc: { port: 9090, service: 'order.v1' } } })),
      want: probes({ ...http('http'), readiness: { grpc: { port: 9090, service: 'order.v1' } } }),
    },
    {
      name: 'user timing on the derived handler',
      input: microService(
        withProbes({
          readiness: {
            initialDelaySeconds: 3,
            periodSeconds: 7,
            timeoutSeconds: 4,
            failureThreshold: 9,
            successThreshold: 2,
          },
        }),
      ),
      want: {
        ...probes(http('http')),
        readinessProbe: {
          httpGet: { path: '/readyz', port: 'http' },
          initialDelaySeconds: 3,
          periodSeconds: 7,
          timeoutSeconds: 4,
          failureThreshold: 9,
          successThreshold: 2,
        },
      },
    },
    {
      name: 'disabled probes are left out, the others stay',
      input: microService(withProbes({ liveness: { disabled: true }, startup: { disabled: true } })),
      want: probes({ readiness: http('http').readiness }),
    },
    {
      name: 'disabled: false changes nothing',
      input: microService(withProbes({ liveness: { disabled: false } })),
      want: probes(http('http')),
    },
    {
      name: 'timing without a port to derive from: no probe',
      input: microService(withoutPorts, withProbes({ liveness: { periodSeconds: 3 } })),
      want: probes({}),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(rendered(input)).toStrictEqual(want));
});
