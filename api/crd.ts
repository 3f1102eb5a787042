// Generates the MicroService CustomResourceDefinition from the zod schema. zod's JSON Schema is
// not a CRD schema as it stands (the API server needs a structural schema); every translation happens in
// `toStructural` below, and the e2e suite installs the result into a real API server.
import { z } from 'zod';
import { DNS1035_LABEL, DNS1035_LABEL_MAX } from './patterns.ts';
import { API_GROUP, API_VERSION, KIND, PLURAL, SHORT_NAME, specSchema, statusSchema } from './schema.ts';

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
 * - int-or-string unions → `x-kubernetes-int-or-string: true` (keeping pattern and description);
 * - `additionalProperties: false` dropped (structural schemas forbid it beside `properties`; the API
 *   server prunes unknown fields and kubectl's strict field validation reports them);
 * - the ±2^53 bounds zod puts on every integer dropped;
 * - `const` → single-value `enum`, and keys the API server rejects removed.
 */
export function toStructural(node: JsonSchema): JsonSchema {
  if (node['x-kubernetes-int-or-string']) {
    const out: JsonSchema = { 'x-kubernetes-int-or-string': true };
    for (const key of ['description', 'pattern', 'x-kubernetes-validations'] as const) {
      if (node[key] !== undefined) out[key] = node[key];
    }
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
      case 'maximum':
        if (value !== MAX_SAFE) out[key] = value;
        break;
      case 'minimum':
        if (value !== -MAX_SAFE) out[key] = value;
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
