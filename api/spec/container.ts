// The app container's own fields: image, pull policy, command and args; and the pull secrets its
// registry needs (pod-wide, so init containers and sidecars pull with them too).
import { z } from 'zod';
import { dns1123, LIST_MAP_BY_NAME } from './fields.ts';
import { uniqueEntries } from './rule.ts';

export const containerFields = {
  image: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[^\s]+$/, 'must be an image reference without spaces, e.g. registry.example.com/team/app:1.2.3')
    .describe('Container image, ideally pinned by tag and digest.'),
  imagePullPolicy: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .optional()
    .describe('Image pull policy. Default: the Kubernetes default (Always for :latest or no tag, else IfNotPresent).'),
  command: z.array(z.string().max(4096)).max(64).optional().describe('Overrides the image ENTRYPOINT.'),
  args: z.array(z.string().max(4096)).max(256).optional().describe('Overrides the image CMD.'),
  imagePullSecrets: z
    .array(
      z.strictObject({ name: dns1123('Name of a Secret of type kubernetes.io/dockerconfigjson in the namespace.') }),
    )
    .max(16)
    .superRefine(
      uniqueEntries(
        (s) => s.name,
        (s) => `Secret ${s.name}`,
      ),
    )
    .optional()
    .meta({
      description:
        'Secrets with registry credentials, for every image of the pod (app, init containers, sidecars). Kubernetes LocalObjectReference list, as in a PodSpec.',
      ...LIST_MAP_BY_NAME,
    }),
};
