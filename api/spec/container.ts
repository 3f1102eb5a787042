// The app container's own fields: image, pull policy, command and args.
import { z } from 'zod';

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
};
