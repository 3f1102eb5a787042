// spec.service: the Service in front of the pods, rendered when spec.ports is not empty.
import { z } from 'zod';
import type { SpecRule } from './rule.ts';

export const serviceSchema = z
  .strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).optional().describe('Service type. Default ClusterIP.'),
    headless: z
      .boolean()
      .optional()
      .describe(
        'Render a headless Service (clusterIP: None) for client-side load balancing, e.g. gRPC. Default false.',
      ),
  })
  .describe('The Service in front of the pods (rendered when spec.ports is not empty).');

export type ServiceSpec = z.infer<typeof serviceSchema>;

export const SERVICE_DEFAULTS = { service: { type: 'ClusterIP', headless: false } } as const;

export const serviceFields = { service: serviceSchema.optional() };

export const SERVICE_RULES: readonly SpecRule<{ service?: ServiceSpec }>[] = [
  {
    id: 'service-headless-cluster-ip',
    summary:
      'spec.service.headless needs type ClusterIP (the API server rejects clusterIP None for NodePort and LoadBalancer).',
    check: (spec) => {
      const s = spec.service;
      const type = s?.type ?? SERVICE_DEFAULTS.service.type;
      return s?.headless === true && type !== 'ClusterIP'
        ? [
            {
              path: ['service', 'headless'],
              message: `a ${type} Service cannot be headless (clusterIP: None): remove headless or use type ClusterIP`,
            },
          ]
        : [];
    },
    cel: [
      {
        rule: "!has(self.service) || !has(self.service.headless) || !self.service.headless || !has(self.service.type) || self.service.type == 'ClusterIP'",
        message:
          'spec.service: a NodePort or LoadBalancer Service cannot be headless: remove headless or use type ClusterIP',
        fieldPath: '.service.headless',
      },
    ],
    invalidExamples: [
      { service: { type: 'LoadBalancer', headless: true } },
      { service: { type: 'NodePort', headless: true } },
    ],
  },
];
