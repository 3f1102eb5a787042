// spec.ports: what the container listens on, and the Service and default probes derived from it.
import { z } from 'zod';
import { LIST_MAP_BY_NAME, portName, portNumber } from './fields.ts';
import { duplicates, type SpecRule } from './rule.ts';

export const portProtocols = ['HTTP', 'HTTP2', 'GRPC', 'TCP', 'UDP'] as const;

export const portSchema = z
  .strictObject({
    name: portName,
    port: portNumber('Port the container listens on; the Service exposes the same number.'),
    protocol: z
      .enum(portProtocols)
      .optional()
      .describe(
        'Application protocol: HTTP, HTTP2, GRPC, TCP or UDP. Sets the Service appProtocol (which meshes use for protocol selection) and the default probes. Defaults to HTTP.',
      ),
  })
  .describe('A port the container listens on.');

export type PortSpec = z.infer<typeof portSchema>;

export const PORTS_DEFAULTS = { portProtocol: 'HTTP' } as const;

export const portsFields = {
  ports: z
    .array(portSchema)
    .max(32)
    .optional()
    .meta({
      description:
        'Ports the container listens on. Names and numbers must be unique. No ports: no Service is rendered.',
      ...LIST_MAP_BY_NAME,
    }),
};

/**
 * The Kubernetes protocol a port is served on: UDP, or TCP for everything else (HTTP, HTTP2, GRPC
 * and TCP). A Service may list one number once per protocol (`validateServicePort`: duplicate
 * port+protocol), so DNS's 53/TCP and 53/UDP are two ports.
 */
export function transport(port: Pick<PortSpec, 'protocol'>): 'TCP' | 'UDP' {
  return port.protocol === 'UDP' ? 'UDP' : 'TCP';
}

export const PORTS_RULES: readonly SpecRule<{ ports?: PortSpec[] }>[] = [
  {
    id: 'unique-port-names-and-numbers',
    summary: 'spec.ports: names are unique, and so are port numbers per protocol (UDP, or TCP for the rest).',
    check: (spec) => {
      const ports = spec.ports ?? [];
      return [
        ...duplicates(ports, (p) => p.name).map((i) => ({
          path: ['ports', i, 'name'],
          message: `port name "${ports[i]?.name}" is used twice: give each port its own name`,
        })),
        ...duplicates(ports, (p) => `${p.port}/${transport(p)}`).map((i) => ({
          path: ['ports', i, 'port'],
          message: `port ${ports[i]?.port}/${transport(ports[i] as PortSpec)} is declared twice: each port number once per protocol (TCP and UDP may share one, as DNS does on 53)`,
        })),
      ];
    },
    // Names: x-kubernetes-list-type map with key name (crd.ts) makes the API server reject duplicates.
    cel: [
      {
        rule: "!has(self.ports) || self.ports.all(p, self.ports.filter(q, q.port == p.port && (has(q.protocol) && q.protocol == 'UDP') == (has(p.protocol) && p.protocol == 'UDP')).size() == 1)",
        message:
          'spec.ports: a port number is declared twice for one protocol: each port number once per protocol (TCP and UDP may share one)',
        fieldPath: '.ports',
      },
    ],
    invalidExamples: [
      {
        ports: [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 8080 },
        ],
      },
      {
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-again', port: 53, protocol: 'UDP' },
        ],
      },
      {
        ports: [
          { name: 'http', port: 8080, protocol: 'HTTP' },
          { name: 'grpc', port: 8080, protocol: 'GRPC' },
        ],
      },
    ],
  },
];
