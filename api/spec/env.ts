// spec.env and spec.envFrom: the app container's environment, as Kubernetes' EnvVar and
// EnvFromSource. A variable set here always wins over runtime tuning (runtime.ts).
import { z } from 'zod';
import { CONFIG_MAP_KEY, ENV_FIELD_PATH, ENV_RESOURCE, ENV_VAR_NAME, ENV_VAR_PREFIX } from '../patterns.ts';
import { divisor, dns1123, LIST_MAP_BY_NAME, withValidDivisor } from './fields.ts';
import { duplicates, type RuleIssue, type SpecRule } from './rule.ts';

const keyRef = (what: string) =>
  z
    .strictObject({
      name: dns1123(`Name of the ${what}.`),
      key: z
        .string()
        .min(1)
        .max(253)
        .regex(new RegExp(CONFIG_MAP_KEY), "must be a key: letters, digits, '-', '_' and '.'")
        .describe(`Key in the ${what}.`),
      optional: z.boolean().optional().describe(`Start the container even if the ${what} or key is missing.`),
    })
    .describe(`Selects a key of a ${what}.`);

export const envVarSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(256)
      .regex(new RegExp(ENV_VAR_NAME), "must be printable ASCII without '='")
      .describe('Variable name.'),
    value: z.string().max(32768).optional().describe('Literal value.'),
    valueFrom: z
      .strictObject({
        configMapKeyRef: keyRef('ConfigMap').optional(),
        secretKeyRef: keyRef('Secret').optional(),
        fieldRef: z
          .strictObject({
            fieldPath: z
              .string()
              .min(1)
              .max(256)
              .regex(
                new RegExp(ENV_FIELD_PATH),
                "must be a pod field env vars can read: metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'], metadata.annotations['k'], spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s)",
              )
              .describe('Pod field, e.g. metadata.name or status.podIP.'),
          })
          .optional()
          .describe('A field of the pod (downward API).'),
        resourceFieldRef: withValidDivisor(
          z.strictObject({
            resource: z
              .string()
              .min(1)
              .max(64)
              .regex(
                new RegExp(ENV_RESOURCE),
                'must be limits.cpu, limits.memory, limits.ephemeral-storage or the same under requests.',
              )
              .describe('limits.cpu, limits.memory, requests.cpu or requests.memory.'),
            divisor: divisor.optional(),
          }),
        )
          .optional()
          .describe('A resource request or limit of this container (downward API).'),
      })
      .optional()
      .describe('Takes the value from a ConfigMap, Secret, pod field or resource. Exactly one source.'),
  })
  .describe(
    'An environment variable of the app container. A variable set here always wins over one the runtime tuning would add; in JAVA_TOOL_OPTIONS and NODE_OPTIONS your options are kept and only the missing ones added.',
  );

export const envFromSchema = z
  .strictObject({
    configMapRef: z
      .strictObject({
        name: dns1123('ConfigMap name.'),
        optional: z.boolean().optional().describe('Start even if it is missing.'),
      })
      .optional()
      .describe('Every key of a ConfigMap becomes a variable.'),
    secretRef: z
      .strictObject({
        name: dns1123('Secret name.'),
        optional: z.boolean().optional().describe('Start even if it is missing.'),
      })
      .optional()
      .describe('Every key of a Secret becomes a variable.'),
    prefix: z
      .string()
      .max(256)
      .regex(new RegExp(ENV_VAR_PREFIX), "must be printable ASCII without '='")
      .optional()
      .describe('Prefix added to every variable name.'),
  })
  .describe('Imports all keys of a ConfigMap or Secret as variables. Exactly one of configMapRef and secretRef.');

export type EnvVarSpec = z.infer<typeof envVarSchema>;
export type EnvFromSpec = z.infer<typeof envFromSchema>;

export const envFields = {
  env: z
    .array(envVarSchema)
    .max(256)
    .optional()
    .meta({ description: 'Environment variables of the app container. Names are unique.', ...LIST_MAP_BY_NAME }),
  envFrom: z
    .array(envFromSchema)
    .max(32)
    .optional()
    .describe(
      'ConfigMaps and Secrets imported as variables. Kubernetes lets env win over envFrom, so GOMAXPROCS, GOMEMLIMIT, GOGC, JAVA_TOOL_OPTIONS, NODE_OPTIONS or UV_THREADPOOL_SIZE from here lose to the values spec.runtime renders: set those in spec.env.',
    ),
};

export const ENV_RULES: readonly SpecRule<{ env?: EnvVarSpec[]; envFrom?: EnvFromSpec[] }>[] = [
  {
    id: 'env-names-and-sources',
    summary:
      'spec.env: unique names; value or valueFrom, not both; valueFrom and envFrom items name exactly one source.',
    check: (spec) => {
      const env = spec.env ?? [];
      const issues: RuleIssue[] = duplicates(env, (e) => e.name).map((i) => ({
        path: ['env', i, 'name'],
        message: `${env[i]?.name} is set twice: keep one`,
      }));
      env.forEach((e, i) => {
        if (e.value !== undefined && e.valueFrom !== undefined) {
          issues.push({ path: ['env', i], message: 'sets both value and valueFrom: keep one' });
        }
        if (e.valueFrom && Object.values(e.valueFrom).filter((v) => v !== undefined).length !== 1) {
          issues.push({
            path: ['env', i, 'valueFrom'],
            message: 'needs exactly one source (configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef)',
          });
        }
      });
      (spec.envFrom ?? []).forEach((e, i) => {
        if ((e.configMapRef === undefined) === (e.secretRef === undefined)) {
          issues.push({ path: ['envFrom', i], message: 'needs exactly one of configMapRef and secretRef' });
        }
      });
      return issues;
    },
    // Names: x-kubernetes-list-type map with key name (crd.ts).
    cel: [
      {
        rule: '!has(self.env) || self.env.all(e, !(has(e.value) && has(e.valueFrom)))',
        message: 'spec.env: an item sets both value and valueFrom: keep one',
        fieldPath: '.env',
      },
      {
        rule: '!has(self.env) || self.env.all(e, !has(e.valueFrom) || (has(e.valueFrom.configMapKeyRef) ? 1 : 0) + (has(e.valueFrom.secretKeyRef) ? 1 : 0) + (has(e.valueFrom.fieldRef) ? 1 : 0) + (has(e.valueFrom.resourceFieldRef) ? 1 : 0) == 1)',
        message:
          'spec.env: valueFrom needs exactly one source (configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef)',
        fieldPath: '.env',
      },
      {
        rule: '!has(self.envFrom) || self.envFrom.all(e, has(e.configMapRef) != has(e.secretRef))',
        message: 'spec.envFrom: each item needs exactly one of configMapRef and secretRef',
        fieldPath: '.envFrom',
      },
    ],
    invalidExamples: [
      { env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
      { envFrom: [{ prefix: 'X_' }] },
    ],
  },
];
