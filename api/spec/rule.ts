// The shape of a cross-field rule. Each rule is written once with both of its faces: `check`
// (TypeScript, run by zod in the CLI and the cdk8s construct, with exact field paths) and `cel` (the
// same rule as x-kubernetes-validations in the CRD, run by the API server). Keeping the two side by
// side, in the module of the spec section they guard, is what makes "same rule, same meaning"
// reviewable; the e2e suite submits every rule's failing example to a real API server to prove the
// CEL half.

export interface RuleIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath (relative to spec) the API server reports the failure at. */
  readonly fieldPath?: string;
}

/**
 * A rule over the part of the spec it reads, `S` (a section module types it with the sections it
 * needs, so it never imports the whole spec). Every rule applies to the full spec, which has all
 * of those fields.
 */
export interface SpecRule<S> {
  /** Stable id, used in tests and docs. */
  readonly id: string;
  /** One line for the API reference (docs/api.md). */
  readonly summary: string;
  readonly check: (spec: S) => RuleIssue[];
  readonly cel: readonly CelRule[];
  /** Specs (merged over a minimal valid one) that violate the rule: each must fail both check and CEL. */
  readonly invalidExamples: readonly Partial<S>[];
}

/** `has(self.a) && has(self.a.b) && ...` for a dotted path under `self`. */
export function celHas(path: string): string {
  const parts = path.split('.');
  return parts.map((_, i) => `has(self.${parts.slice(0, i + 1).join('.')})`).join(' && ');
}

/** Indexes of the items whose key was seen at an earlier index. */
export function duplicates<T>(items: readonly T[], key: (item: T) => unknown): number[] {
  const seen = new Set<unknown>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
}

/**
 * A zod check for a list the CRD declares as a list-type map: two entries with one key are refused
 * by the API server (server-side apply: "duplicate entries for key"), so zod refuses them too.
 */
export const uniqueEntries =
  <T>(key: (item: T) => string, what: (item: T) => string) =>
  (list: T[], ctx: { addIssue: (issue: { code: 'custom'; path: number[]; message: string }) => void }) => {
    for (const i of duplicates(list, key)) {
      ctx.addIssue({ code: 'custom', path: [i], message: `${what(list[i] as T)} is listed twice: keep one` });
    }
  };
