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

/** The longest quantity string msvc and the CRD take. */
export const QUANTITY_MAX_LENGTH = 64;

export const quantity = (description: string) =>
  z
    .union(
      [
        z
          .string()
          // A bound for the API server's CEL cost estimate (quantity() in the requests ≤ limits rules):
          // unbounded strings are costed as megabytes. Real quantities are a few characters.
          .max(QUANTITY_MAX_LENGTH, `a quantity has at most ${QUANTITY_MAX_LENGTH} characters`)
          .regex(new RegExp(QUANTITY_PATTERN), 'must be a Kubernetes quantity such as 500m, 2, 256Mi or 1Gi'),
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
    .meta({ description, ...INT_OR_STRING, pattern: QUANTITY_PATTERN, 'x-kubernetes-validations': QUANTITY_CEL });

/**
 * What zod's union says, for the API server: a number is a whole number up to 2^53-1. The type check
 * alone lets through a large number with a small fraction (637534208.5: kube-openapi's
 * IsFloat64AJSONInteger takes a relative error below 1e-9 for an integer) and integers JavaScript
 * cannot hold exactly; in CEL a fractional int-or-string is an evaluation error, so it is refused too.
 */
const QUANTITY_CEL = [
  {
    rule: `type(self) == string || self <= ${Number.MAX_SAFE_INTEGER}`,
    message: `a number here must be a whole number up to ${Number.MAX_SAFE_INTEGER}: write other quantities as strings, e.g. "0.5" or "637534208500m"`,
  },
];

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

/**
 * The longest qualified name: a DNS-1123 subdomain prefix of 253 characters, '/', a name of 63. The
 * pattern bounds the name part; the prefix's own bound is {@link QUALIFIED_NAME_PREFIX_CEL}.
 */
export const QUALIFIED_NAME_MAX = 253 + 1 + 63;

/** CEL: the prefix before '/' of the qualified name `k` is at most 253 characters (a DNS subdomain). */
export const QUALIFIED_NAME_PREFIX_CEL = (k: string) => `(!${k}.contains('/') || ${k}.indexOf('/') <= 253)`;

/** A qualified name (IsQualifiedName): the pattern, the lengths, and the prefix at most 253 characters. */
export const qualifiedName = (message: string) =>
  z
    .string()
    .max(QUALIFIED_NAME_MAX)
    .regex(new RegExp(QUALIFIED_NAME), message)
    .refine((k) => !k.includes('/') || k.indexOf('/') <= 253, {
      message: 'has a prefix (before /) of more than 253 characters: a prefix is a DNS subdomain, at most 253',
    });

/** A label or annotation map; keys are qualified names. */
export const metadataMap = (value: z.ZodString) =>
  z
    .record(qualifiedName('must be a qualified name like example.com/key or key'), value)
    // The CRD's maxProperties, enforced here too (zod does not read the meta): issue #14.
    .refine((map) => Object.keys(map).length <= 64, {
      message: 'at most 64 entries: move the rest to a ConfigMap or drop them',
    })
    .meta({
      maxProperties: 64,
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.size() <= ${QUALIFIED_NAME_MAX} && k.matches('${QUALIFIED_NAME.replaceAll('\\', '\\\\')}') && ${QUALIFIED_NAME_PREFIX_CEL('k')})`,
          message: 'keys must be qualified names like example.com/key or key',
        },
      ],
    });

export const secondsField = (description: string, max = 3600) => z.int().min(0).max(max).describe(description);

/**
 * The divisors a resourceFieldRef may use (`validateContainerResourceDivisor` in
 * k8s.io/kubernetes pkg/apis/core/validation/validation.go): 1m or 1 for CPU, a power of 1000 or 1024
 * from 1 to 1E/1Ei for memory, ephemeral-storage and hugepages. The API server compares the
 * quantity's canonical form (so "1000m" passes there as "1"); msvc takes these spellings only, which
 * the API server always accepts, and says which to write.
 */
export const CPU_DIVISORS = ['1m', '1'] as const;
export const BYTE_DIVISORS = [
  '1',
  '1k',
  '1M',
  '1G',
  '1T',
  '1P',
  '1E',
  '1Ki',
  '1Mi',
  '1Gi',
  '1Ti',
  '1Pi',
  '1Ei',
] as const;

const DIVISORS = [...new Set<string>([...CPU_DIVISORS, ...BYTE_DIVISORS])];
const divisorsFor = (resource: string): readonly string[] => (resource.endsWith('.cpu') ? CPU_DIVISORS : BYTE_DIVISORS);

/** A resourceFieldRef divisor: one of the spellings above (or the number 1); which ones, the resource says. */
export const divisor = z
  .union([z.enum(DIVISORS as [string, ...string[]]), z.int().min(1).max(1)], {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is no divisor: write 1m or 1 for cpu; 1, 1k, 1M, 1G, 1T, 1P, 1E or 1Ki to 1Ei for memory, ephemeral-storage and hugepages (or leave it out for 1)`,
  })
  .meta({
    description: 'Unit of the exposed value: 1m or 1 for cpu, 1 to 1E or 1Ki to 1Ei for the others. Default 1.',
    ...INT_OR_STRING,
  });

/** Refines a resourceFieldRef object: its divisor must be one its resource allows. */
export function withValidDivisor<T extends z.ZodType<{ resource: string; divisor?: string | number | undefined }>>(
  schema: T,
) {
  return schema
    .superRefine((ref, ctx) => {
      if (ref.divisor === undefined || !DIVISORS.includes(String(ref.divisor))) return;
      const allowed = divisorsFor(ref.resource);
      if (!allowed.includes(String(ref.divisor))) {
        ctx.addIssue({
          code: 'custom',
          path: ['divisor'],
          message: `${JSON.stringify(ref.divisor)} is no divisor for ${ref.resource}: write one of ${allowed.join(', ')} (or leave it out for 1)`,
        });
      }
    })
    .meta({
      'x-kubernetes-validations': [
        {
          // Comparisons only: an int-or-string value costs CEL as much as the longest string.
          rule: "!has(self.divisor) || (self.resource.endsWith('.cpu') ? (self.divisor == '1m' || self.divisor == '1' || self.divisor == 1) : self.divisor != '1m')",
          message:
            'divisor: 1m or 1 for cpu; 1, 1k, 1M, 1G, 1T, 1P, 1E or 1Ki to 1Ei for memory, ephemeral-storage and hugepages',
          fieldPath: '.divisor',
        },
      ],
    });
}
