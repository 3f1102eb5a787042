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

export const PORTS_RULES: readonly SpecRule<{ ports?: PortSpec[] }>[] = [
  {
    id: 'unique-port-names-and-numbers',
    summary: 'spec.ports: names and port numbers are unique.',
    check: (spec) => {
      const ports = spec.ports ?? [];
      return [
        ...duplicates(ports, (p) => p.name).map((i) => ({
          path: ['ports', i, 'name'],
          message: `port name "${ports[i]?.name}" is used twice: give each port its own name`,
        })),
        ...duplicates(ports, (p) => p.port).map((i) => ({
          path: ['ports', i, 'port'],
          message: `port ${ports[i]?.port} is declared twice: each port number once`,
        })),
      ];
    },
    // Names: x-kubernetes-list-type map with key name (crd.ts) makes the API server reject duplicates.
    cel: [
      {
        rule: '!has(self.ports) || self.ports.all(p, self.ports.filter(q, q.port == p.port).size() == 1)',
        message: 'spec.ports: a port number is declared twice: each port number once',
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
    ],
  },
];
