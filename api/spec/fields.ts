// zod building blocks shared by the spec sections: quantities, names, ports, label maps, seconds.
// Each carries its Kubernetes syntax (api/patterns.ts) and the CRD markers crd.ts translates.
import { z } from 'zod';
import {
  DNS1123_SUBDOMAIN,
  DNS1123_SUBDOMAIN_MAX,
  IANA_SVC_NAME,
  IANA_SVC_NAME_CEL,
  IANA_SVC_NAME_MAX,
  isIanaSvcName,
} from '../patterns.ts';
import { QUANTITY_PATTERN } from '../quantity.ts';

/** Marks a schema as Kubernetes int-or-string in the CRD (crd.ts turns the zod union into it). */
export const INT_OR_STRING = { 'x-kubernetes-int-or-string': true } as const;
/** A list keyed by `name`: the API server itself rejects duplicate names and server-side apply merges by name. */
export const LIST_MAP_BY_NAME = { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] } as const;

export const quantity = (description: string) =>
  z
    .union(
      [
        z.string().regex(new RegExp(QUANTITY_PATTERN), 'must be a Kubernetes quantity such as 500m, 2, 256Mi or 1Gi'),
        z.int().min(0),
      ],
      {
        error: (issue) =>
          typeof issue.input === 'number'
            ? Number.isInteger(issue.input)
              ? `${issue.input} is no quantity: quantities are whole numbers from 0 up, or strings such as "500m", "2" or "256Mi"`
              : `the number ${issue.input} is no quantity: quote it ("${issue.input}") or write it in milli-units ("${Math.round(issue.input * 1000)}m")`
            : `must be a Kubernetes quantity such as "500m", "2", "256Mi" or "1Gi", not ${issue.input === null ? 'null' : typeof issue.input === 'boolean' ? String(issue.input) : `a ${Array.isArray(issue.input) ? 'list' : typeof issue.input}`}`,
      },
    )
    .meta({ description, ...INT_OR_STRING, pattern: QUANTITY_PATTERN });

export const dns1123 = (description: string) =>
  z
    .string()
    .max(DNS1123_SUBDOMAIN_MAX)
    .regex(
      new RegExp(DNS1123_SUBDOMAIN),
      "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
    )
    .describe(description);

export const portNumber = (description: string) => z.int().min(1).max(65535).describe(description);

export const portName = z
  .string()
  .max(IANA_SVC_NAME_MAX)
  .regex(new RegExp(IANA_SVC_NAME), "must be lower-case letters, digits and '-', not starting or ending with '-'")
  .refine(isIanaSvcName, "must contain a letter and no '--' (an IANA service name)")
  .meta({
    description: "Port name: an IANA service name (at most 15 characters, lower-case, e.g. 'http', 'grpc').",
    'x-kubernetes-validations': [
      { rule: IANA_SVC_NAME_CEL, message: "must contain a letter and no '--' (an IANA service name)" },
    ],
  });

export { LABEL_VALUE } from '../metadata.ts';
/** A qualified name with an optional DNS-1123 subdomain prefix (IsQualifiedName). */
export const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';

/** A label or annotation map; keys are qualified names. */
export const metadataMap = (value: z.ZodString) =>
  z
    .record(
      z.string().max(316).regex(new RegExp(QUALIFIED_NAME), 'must be a qualified name like example.com/key or key'),
      value,
    )
    // The CRD's maxProperties, enforced here too (zod does not read the meta): issue #14.
    .refine((map) => Object.keys(map).length <= 64, {
      message: 'at most 64 entries: move the rest to a ConfigMap or drop them',
    })
    .meta({
      maxProperties: 64,
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.size() <= 316 && k.matches('${QUALIFIED_NAME.replaceAll('\\', '\\\\')}'))`,
          message: 'keys must be qualified names like example.com/key or key',
        },
      ],
    });

export const secondsField = (description: string, max = 3600) => z.int().min(0).max(max).describe(description);
