// spec.serviceAccount: the pod identity. A ServiceAccount named after the MicroService by default,
// with no API token mounted (most services never call the Kubernetes API).
import { z } from 'zod';
import { dns1123 } from './fields.ts';
import type { SpecRule } from './rule.ts';

export const serviceAccountSchema = z
  .strictObject({
    create: z
      .boolean()
      .optional()
      .describe('Render a ServiceAccount named after the MicroService. Default true. If false, name must be given.'),
    name: dns1123('Use this existing ServiceAccount instead (with create: false).').optional(),
    automountToken: z
      .boolean()
      .optional()
      .describe('Mount an API token into the pod. Default false: most services never call the Kubernetes API.'),
  })
  .describe('The pod identity.');

export type ServiceAccountSpec = z.infer<typeof serviceAccountSchema>;

export const IDENTITY_DEFAULTS = { serviceAccount: { create: true, automountToken: false } } as const;

export const identityFields = { serviceAccount: serviceAccountSchema.optional() };

type IdentityView = { serviceAccount?: ServiceAccountSpec };

/** The ServiceAccount the pods run as: the rendered one (named after the MicroService), or the given one. */
export function serviceAccountName(spec: IdentityView, microServiceName: string): string | undefined {
  const create = spec.serviceAccount?.create ?? spec.serviceAccount?.name === undefined;
  return create ? microServiceName : spec.serviceAccount?.name;
}

export const IDENTITY_RULES: readonly SpecRule<IdentityView>[] = [
  {
    id: 'service-account-create-or-name',
    summary: 'spec.serviceAccount: name is for an existing account (create: false); create: false needs a name.',
    check: (spec) => {
      const sa = spec.serviceAccount;
      if (sa?.create === true && sa.name !== undefined) {
        return [
          {
            path: ['serviceAccount', 'name'],
            message: 'names an existing ServiceAccount, but create is true: set create: false or remove name',
          },
        ];
      }
      if (sa?.create === false && sa.name === undefined) {
        return [
          {
            path: ['serviceAccount', 'name'],
            message: 'is required when create is false: name the existing ServiceAccount',
          },
        ];
      }
      return [];
    },
    cel: [
      {
        rule: '!has(self.serviceAccount) || !has(self.serviceAccount.create) || (self.serviceAccount.create ? !has(self.serviceAccount.name) : has(self.serviceAccount.name))',
        message:
          'spec.serviceAccount: with create: true leave name out; with create: false name the existing ServiceAccount',
        fieldPath: '.serviceAccount',
      },
    ],
    invalidExamples: [{ serviceAccount: { create: false } }, { serviceAccount: { create: true, name: 'x' } }],
  },
];
