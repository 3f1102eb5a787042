// Generates the MicroService CustomResourceDefinition from the zod schema. zod's JSON Schema is
// not a CRD schema as it stands (see toStructural for what differs); every translation happens in
// `toStructural` below, and the e2e suite installs the result into a real API server.
import { z } from 'zod';
import { DNS1035_LABEL, DNS1035_LABEL_MAX } from './patterns.ts';
import { API_GROUP, API_VERSION, KIND, PLURAL, SHORT_NAME, statusSchema } from './schema.ts';
import { specSchema } from './spec/index.ts';

type JsonSchema = { [key: string]: unknown };

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Formats kube-openapi validates (k8s.io/kube-openapi pkg/validation/strfmt); others only draw a warning. */
const KNOWN_FORMATS = new Set([
  'int32',
  'int64',
  'float',
  'double',
  'byte',
  'date',
  'date-time',
  'duration',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
]);

/**
 * Rewrites one zod JSON Schema node (recursively) into a structural OpenAPI v3 schema:
 * - int-or-string unions → `x-kubernetes-int-or-string: true` with their branches' value validations
 *   (see intOrStringValidations);
 * - `additionalProperties: false` dropped (structural schemas forbid it beside `properties`; the API
 *   server prunes unknown fields and kubectl's strict field validation reports them);
 * - the ±(2^53-1) bounds zod puts on every integer kept: zod refuses a larger integer (JavaScript
 *   cannot hold it exactly), so the API server must too (it would take any int64);
 * - `const` → single-value `enum`, and keys the API server rejects removed.
 */
export function toStructural(node: JsonSchema): JsonSchema {
  if (node['x-kubernetes-int-or-string']) {
    const out: JsonSchema = { 'x-kubernetes-int-or-string': true };
    for (const key of ['description', 'pattern', 'x-kubernetes-validations'] as const) {
      if (node[key] !== undefined) out[key] = node[key];
    }
    Object.assign(out, intOrStringValidations(node));
    return out;
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case '$schema':
      case 'id':
      case '$id':
        break;
      case 'additionalProperties':
        if (value !== false) out[key] = toStructural(value as JsonSchema);
        break;
      case 'format':
        // zod writes formats the API server does not know (e.g. `starts_with`); it warns about them.
        if (KNOWN_FORMATS.has(value as string)) out[key] = value;
        break;
      case 'const':
        out['enum'] = [value];
        if (out['type'] === undefined) out['type'] = typeof value;
        break;
      case 'properties':
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toStructural(v)]),
        );
        break;
      case 'items':
        out[key] = toStructural(value as JsonSchema);
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The value validations of an int-or-string union's branches, on the int-or-string node itself. A
 * structural schema allows no `type` in the branches (`anyOf: [{type: integer, minimum: 1}, ...]`
 * is refused), but on the node `minimum`/`maximum` apply to integers only and
 * `maxLength`/`pattern` to strings only, so the ranges and words zod checks (gcPercent >= 1,
 * maxProcs 'auto' or 1..1024, a probe port's 1..65535 or its name, a quantity's >= 0) carry over
 * without CEL, which would cost too much here: the API server sizes an int-or-string value as a
 * string as long as the request, whatever its maxLength. An `enum` of strings becomes a pattern (an
 * enum would refuse the integers). CEL rules of the string branch are kept, for strings only.
 */
export function intOrStringValidations(node: JsonSchema): JsonSchema {
  const branches = ((node['anyOf'] ?? node['oneOf']) as JsonSchema[] | undefined) ?? [];
  const integer = branches.find((b) => b['type'] === 'integer');
  const text = branches.find((b) => b['type'] === 'string');
  const out: JsonSchema = {};
  const min = integer?.['minimum'];
  const max = integer?.['maximum'];
  if (min !== undefined && min !== -MAX_SAFE) out['minimum'] = min;
  if (max !== undefined && max !== MAX_SAFE) out['maximum'] = max;
  if (integer?.['enum'] !== undefined || integer?.['const'] !== undefined) {
    throw new Error('an int-or-string field with an enum of integers is not representable: use minimum/maximum');
  }
  if (text !== undefined) {
    if (text['maxLength'] !== undefined) out['maxLength'] = text['maxLength'];
    const values = text['enum'] as string[] | undefined;
    if (values !== undefined) out['pattern'] = `^(${values.map(escapeRegExp).join('|')})$`;
    else if (text['pattern'] !== undefined) out['pattern'] = text['pattern'];
    const rules = (text['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? [];
    if (rules.length > 0) {
      out['x-kubernetes-validations'] = [
        ...((node['x-kubernetes-validations'] as unknown[] | undefined) ?? []),
        ...rules.map((r) => ({ ...r, rule: `type(self) != string || (${r.rule})` })),
      ];
    }
  }
  return out;
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return toStructural(
    z.toJSONSchema(schema, {
      target: 'openapi-3.0',
      io: 'input',
      reused: 'inline',
      unrepresentable: 'throw',
    }) as JsonSchema,
  );
}

export const CRD_NAME = `${PLURAL}.${API_GROUP}`;

/** The CustomResourceDefinition object (serialize with the `yaml` package). */
export function buildCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: {
        'app.kubernetes.io/name': 'microservice-operator',
        'app.kubernetes.io/part-of': 'microservice-operator',
      },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: [SHORT_NAME],
        categories: ['all'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
            { name: 'Replicas', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready pods' },
            { name: 'Mesh', type: 'string', jsonPath: '.spec.mesh.provider' },
            { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'MicroService describes one service once; the operator renders its Deployment, Service, ServiceAccount, HorizontalPodAutoscaler and PodDisruptionBudget.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of this object: msvc.dev/v1alpha1.' },
                kind: { type: 'string', description: 'Kind of this object: MicroService.' },
                metadata: {
                  type: 'object',
                  properties: {
                    // Every child (Service included) takes this name, and Service names are DNS-1035 labels.
                    name: { type: 'string', maxLength: DNS1035_LABEL_MAX, pattern: DNS1035_LABEL },
                  },
                },
                spec: jsonSchemaOf(specSchema),
                status: jsonSchemaOf(statusSchema),
              },
            },
          },
        },
      ],
    },
  };
}
