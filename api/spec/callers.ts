// spec.allowedCallers: who may call the service. One list of namespaces, service accounts and
// MicroServices turns into a NetworkPolicy (L4, by namespace and pod labels) and, in a mesh, the
// mesh's policy by mTLS identity: Istio's AuthorizationPolicy, or Linkerd's Servers,
// MeshTLSAuthentication and AuthorizationPolicies — render/policy.ts. Absent: no policy, traffic stays
// open (see docs/traffic.md#who-may-call-me for why that is the default).
import { z } from 'zod';
import { DNS1123_LABEL } from '../metadata.ts';
import { DNS1035_LABEL } from '../patterns.ts';
import { dns1123 } from './fields.ts';
import type { PortSpec } from './ports.ts';
import type { SpecRule } from './rule.ts';

export const callerSchema = z
  .strictObject({
    namespace: z
      .string()
      .max(63)
      .regex(new RegExp(DNS1123_LABEL), 'must be a namespace name (a DNS-1123 label)')
      .optional()
      .describe(
        "The caller's namespace. Alone: every pod in it. With serviceAccount or microService: where that one runs (default: the MicroService's own namespace).",
      ),
    serviceAccount: dns1123(
      'A ServiceAccount whose pods may call. The mesh policy checks the identity; a NetworkPolicy cannot select by ServiceAccount and admits the whole namespace.',
    ).optional(),
    microService: z
      .string()
      .max(63)
      .regex(new RegExp(DNS1035_LABEL), 'must be a MicroService name')
      .optional()
      .describe(
        'Another MicroService whose pods may call (its pod label app.kubernetes.io/name; in a mesh its ServiceAccount, named after it unless it sets serviceAccount.name: name that one as serviceAccount instead).',
      ),
  })
  .refine((c) => c.namespace !== undefined || c.serviceAccount !== undefined || c.microService !== undefined, {
    message: 'name a namespace, a serviceAccount or a microService',
  })
  .refine((c) => c.serviceAccount === undefined || c.microService === undefined, {
    message: 'give serviceAccount or microService, not both (one entry per caller)',
  })
  .meta({
    description: 'One caller: a namespace, a ServiceAccount or a MicroService.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.namespace) || has(self.serviceAccount) || has(self.microService)',
        message: 'name a namespace, a serviceAccount or a microService',
      },
      {
        rule: '!has(self.serviceAccount) || !has(self.microService)',
        message: 'give serviceAccount or microService, not both (one entry per caller)',
      },
    ],
  });

export type CallerSpec = z.infer<typeof callerSchema>;

export const callersFields = {
  allowedCallers: z
    .array(callerSchema)
    .max(64)
    .optional()
    .describe(
      'Who may call the declared ports. Renders a NetworkPolicy (ingress only from these callers on spec.ports, plus the ports the mesh needs; egress is stated as open to everywhere: policyTypes Ingress and Egress, egress [{}]) and, on their mTLS identities, with mesh istio an AuthorizationPolicy, with mesh linkerd a Server per port, a MeshTLSAuthentication and an AuthorizationPolicy per Server. Gateways named in routes.parentRefs are added. Absent: no policy (open). An empty list: nobody but the Gateways (Linkerd: the Servers deny all but httpGet probes).',
    ),
};

export const CALLERS_RULES: readonly SpecRule<{ allowedCallers?: CallerSpec[]; ports?: PortSpec[] }>[] = [
  {
    id: 'allowed-callers-need-ports',
    summary: 'spec.allowedCallers needs spec.ports: the policy admits callers to the declared ports.',
    check: (spec) =>
      spec.allowedCallers !== undefined && (spec.ports ?? []).length === 0
        ? [
            {
              path: ['allowedCallers'],
              message: 'there are no spec.ports to call: declare the ports, or remove allowedCallers',
            },
          ]
        : [],
    cel: [
      {
        rule: '!has(self.allowedCallers) || (has(self.ports) && self.ports.size() > 0)',
        message: 'spec.allowedCallers: there are no spec.ports to call: declare the ports, or remove allowedCallers',
        fieldPath: '.allowedCallers',
      },
    ],
    invalidExamples: [{ ports: undefined, allowedCallers: [{ namespace: 'shop' }] }],
  },
];
