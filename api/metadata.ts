// The syntax of object metadata as the API server checks it (k8s.io/apimachinery
// pkg/api/validation/objectmeta.go and pkg/util/validation/validation.go): label and annotation
// keys (qualified names), label values, the 256 KiB annotation budget, and the metadata fields an
// object may carry. zod applies these to metadata and to the maps the renderer copies onto
// children, so `msvc validate` OK means the API server accepts them too.
import { z } from 'zod';
import { DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MAX } from './patterns.ts';

/** DNS-1123 label: what a namespace name must be (`ValidateNamespaceName`). */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_LABEL_MAX = 63;

/** A label value (`IsValidLabelValue`): empty, or at most 63 alphanumerics, '-', '_' and '.', alphanumeric at both ends. */
export const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
export const LABEL_VALUE_MAX = 63;

/** The name part of a qualified name (`IsQualifiedName`). */
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const QUALIFIED_NAME_PART_MAX = 63;

/** `TotalAnnotationSizeLimitB`: the keys and values of an object's annotations, in bytes. */
export const ANNOTATIONS_TOTAL_MAX = 256 * 1024;

/**
 * What is wrong with `key` as a qualified name (`IsQualifiedName`: an optional DNS-1123 subdomain
 * prefix of at most 253 characters and '/', then a name of at most 63), or undefined when it is one.
 */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "has more than one '/': write prefix/name, e.g. example.com/team";
  const name = parts.length === 2 ? (parts[1] as string) : (parts[0] as string);
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === '') return "has an empty prefix before '/': write example.com/name or drop the '/'";
    if (prefix.length > DNS1123_SUBDOMAIN_MAX) {
      return `has a prefix of ${prefix.length} characters: at most ${DNS1123_SUBDOMAIN_MAX} (a DNS subdomain)`;
    }
    if (!new RegExp(DNS1123_SUBDOMAIN).test(prefix)) {
      return `has the prefix "${prefix}", which is no DNS-1123 subdomain: lower-case letters, digits, '-' and '.', e.g. example.com`;
    }
  }
  if (name === '') return 'has an empty name: write a name like team or example.com/team';
  if (name.length > QUALIFIED_NAME_PART_MAX) {
    return `has a name part of ${name.length} characters: at most ${QUALIFIED_NAME_PART_MAX}`;
  }
  if (!QUALIFIED_NAME_PART.test(name)) {
    return `has the name "${name}": letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** What is wrong with `value` as a label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > LABEL_VALUE_MAX) return `is ${value.length} characters long: a label value has at most 63`;
  if (!new RegExp(LABEL_VALUE).test(value)) {
    return "is no label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or empty)";
  }
  return undefined;
}

const utf8 = new TextEncoder();

/** The bytes annotations take against {@link ANNOTATIONS_TOTAL_MAX}: every key and value, UTF-8 (Go's len). */
export function annotationsSize(annotations: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += utf8.encode(k).length + utf8.encode(v).length;
  return total;
}

/** `metadata.labels`: qualified-name keys, label values (`ValidateLabels`). */
export const labelsSchema = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) ctx.addIssue({ code: 'custom', path: [key], message: `label key ${keyProblem}` });
    const valueProblem = labelValueProblem(value);
    if (valueProblem) ctx.addIssue({ code: 'custom', path: [key], message: `"${value}" ${valueProblem}` });
  }
});

/**
 * `metadata.annotations`: keys are qualified names once lower-cased (`ValidateAnnotations` lower-cases
 * them first), values any text, all of it at most 256 KiB.
 */
export const annotationsSchema = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  for (const key of Object.keys(annotations)) {
    const problem = qualifiedNameProblem(key.toLowerCase());
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `annotation key ${problem}` });
  }
  const size = annotationsSize(annotations);
  if (size > ANNOTATIONS_TOTAL_MAX) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: `take ${size} bytes (keys and values): the API server allows at most ${ANNOTATIONS_TOTAL_MAX} (256 KiB); move large values to a ConfigMap`,
    });
  }
});

const timestamp = z
  .union([z.string(), z.date(), z.null()])
  .optional()
  .describe('Set by the API server (RFC 3339); `null` as `kubectl create --dry-run -o yaml` writes it.');

/**
 * `metadata` of a MicroService: ObjectMeta's fields and no others. A misspelt key (`labes:`) is an
 * error, as `kubectl apply` (strict field validation) makes it; the fields the API server sets are
 * accepted so a CR read back from the cluster parses.
 */
export function objectMetaSchema(name: z.ZodString) {
  return z
    .strictObject({
      name,
      generateName: z.string().optional(),
      namespace: z
        .string()
        .max(DNS1123_LABEL_MAX, 'must be at most 63 characters (a namespace name is a DNS-1123 label)')
        .regex(
          new RegExp(DNS1123_LABEL),
          "must be a DNS-1123 label (a namespace name): lower-case letters, digits and '-', starting and ending with a letter or digit",
        )
        .optional(),
      labels: labelsSchema.optional(),
      annotations: annotationsSchema.optional(),
      uid: z.string().optional(),
      generation: z.int().optional(),
      resourceVersion: z.string().optional(),
      selfLink: z.string().optional(),
      creationTimestamp: timestamp,
      deletionTimestamp: timestamp,
      deletionGracePeriodSeconds: z.int().optional(),
      finalizers: z.array(z.string()).optional(),
      ownerReferences: z
        .array(z.looseObject({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string() }))
        .optional(),
      managedFields: z.array(z.looseObject({})).optional(),
    })
    .describe('Standard object metadata.');
}
