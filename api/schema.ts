// The MicroService resource (msvc.dev/v1alpha1): apiVersion, kind, metadata, the spec (composed
// from its sections in spec/) and the status the operator writes. One zod schema is the single
// source of truth for the TypeScript types, validation in the CLI and the cdk8s construct, and
// (through crd.ts) the CRD's OpenAPI schema. Every field carries a description: `kubectl explain`
// and the API reference (docs/api.md) are built from it. Defaults are not set in the schema but
// by the renderer from DEFAULTS, so that "was this field set?" stays answerable (a mesh option on
// a spec without a mesh is an error, not a silently ignored default).
import { z } from 'zod';
import { objectMetaSchema } from './metadata.ts';
import { DNS1035_LABEL, DNS1035_LABEL_MAX } from './patterns.ts';
import { specSchema } from './spec/index.ts';

export const API_GROUP = 'msvc.dev';
export const API_VERSION = 'v1alpha1';
export const KIND = 'MicroService';
export const PLURAL = 'microservices';
export const SHORT_NAME = 'msvc';

export const conditionSchema = z
  .strictObject({
    type: z.string().max(316).describe('Condition type, e.g. Ready.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().max(1024).describe('CamelCase reason, for machines.'),
    message: z.string().max(32768).describe('What happened and what to do, for people.'),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the condition was computed from.'),
    lastTransitionTime: z.string().describe('When status last changed (RFC 3339).'),
  })
  .describe('A standard Kubernetes condition (metav1.Condition).');

export const statusSchema = z
  .strictObject({
    observedGeneration: z.int().min(0).optional().describe('The metadata.generation the operator last acted on.'),
    conditions: z
      .array(conditionSchema)
      .max(16)
      .optional()
      .describe('Ready (the summary kubectl wait and kstatus read) and one condition per concern.'),
    replicas: z.int().min(0).optional().describe('Pods of the current Deployment (for the scale subresource).'),
    readyReplicas: z.int().min(0).optional().describe('Pods that are ready.'),
    selector: z.string().max(1024).optional().describe('Label selector of the pods, for the scale subresource.'),
    reconciledBy: z
      .string()
      .max(253)
      .optional()
      .describe(
        'The operator replica (shard) that last wrote this status; set only when the operator runs sharded (docs/sharding.md).',
      ),
  })
  .describe('Observed state, written by the operator.');

export type MicroServiceStatus = z.infer<typeof statusSchema>;
export type Condition = z.infer<typeof conditionSchema>;

export const metadataSchema = objectMetaSchema(
  z
    .string()
    .max(DNS1035_LABEL_MAX)
    .regex(
      new RegExp(DNS1035_LABEL),
      "must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters): it names the Service and every other child",
    ),
);

export const microServiceSchema = z.strictObject({
  apiVersion: z.literal(`${API_GROUP}/${API_VERSION}`),
  kind: z.literal(KIND),
  metadata: metadataSchema,
  spec: specSchema,
  status: statusSchema.optional(),
});

export type MicroService = z.infer<typeof microServiceSchema>;
