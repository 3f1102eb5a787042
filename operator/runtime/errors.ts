// Telling a failed write that retrying cannot fix from one that it can. client-go retries
// everything alike and leaves the distinction to the controller; kstatus readers (Flux, kpt,
// Argo CD, `kubectl wait`) need it: a wedged object must say Stalled=True, not keep "progressing".
//   permanent: 400 BadRequest, 403 Forbidden, 422 Invalid (validation or admission), and 409
//              Conflict of a forced server-side apply (force resolves field conflicts, so a 409 left
//              over is something else: a precondition or an immutable field)
//   transient: everything else — 429, 5xx, timeouts, connection errors, 409 of an unforced write.
// Field ownership (managedFields) is read to say who set the field that breaks validation.
import type { KubeObject } from './key.ts';
import { ApiError } from './rest.ts';

/** Why an apply can never succeed as it is; undefined for a failure worth retrying. */
export function permanentReason(error: unknown, options: { forced?: boolean } = {}): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  switch (error.status) {
    case 400:
      return 'BadRequest';
    case 403:
      return 'Forbidden';
    case 422:
      return 'Invalid';
    case 409:
      return options.forced ? 'Conflict' : undefined;
    default:
      return undefined;
  }
}

/** One entry of a metav1.Status' `details.causes`. */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** The causes the API server listed for a failed request (422 bodies carry them). */
export function statusCauses(error: unknown): StatusCause[] {
  if (!(error instanceof ApiError)) return [];
  const body = error.body as { details?: { causes?: StatusCause[] } } | undefined;
  return Array.isArray(body?.details?.causes) ? body.details.causes : [];
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/** `spec.template.spec` → ['spec', 'template', 'spec']; list indexes (`ports[0]`) are cut off. */
function pathSegments(fieldPath: string): string[] {
  return fieldPath
    .split('.')
    .map((s) => s.replace(/\[.*$/, ''))
    .filter((s) => s !== '');
}

/** Leaf field paths (dotted, `f:` stripped; list keys as `[k:...]`) in a fieldsV1 subtree. */
function leaves(tree: Record<string, unknown>, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (k === '.') continue;
    const name = k.startsWith('f:') ? k.slice(2) : `[${k}]`;
    const path = prefix === '' ? name : name.startsWith('[') ? `${prefix}${name}` : `${prefix}.${name}`;
    const children = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    const sub = leaves(children, path);
    out.push(...(sub.length > 0 ? sub : [path]));
  }
  return out;
}

/** A field of a live object and the managers that own it. */
export interface FieldOwnership {
  readonly field: string;
  readonly managers: readonly string[];
}

/**
 * Who owns what at or under `fieldPath` of `live` (which must carry metadata.managedFields, as a
 * GET returns it). Status-subresource entries are left out: they never cause a spec to be invalid.
 */
export function fieldOwners(live: KubeObject | undefined, fieldPath: string): FieldOwnership[] {
  const entries = (live?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const byField = new Map<string, string[]>();
  const segments = pathSegments(fieldPath);
  for (const entry of entries) {
    if (entry.subresource !== undefined && entry.subresource !== '') continue;
    let tree: unknown = entry.fieldsV1 ?? {};
    for (const s of segments) tree = (tree as Record<string, unknown> | undefined)?.[`f:${s}`];
    if (tree === undefined || tree === null || typeof tree !== 'object') continue;
    const found = leaves(tree as Record<string, unknown>, segments.join('.'));
    for (const field of found.length > 0 ? found : [segments.join('.')]) {
      const managers = byField.get(field) ?? [];
      managers.push(`${entry.manager ?? '?'} (${entry.operation ?? '?'})`);
      byField.set(field, managers);
    }
  }
  return [...byField.entries()]
    .map(([field, managers]) => ({ field, managers }))
    .sort((a, b) => a.field.localeCompare(b.field));
}

/**
 * A person-readable account of a permanent failure: the API server's message, then for every
 * field it names the managers that set it other than `ourManager` ("spec.minAvailable is set by
 * kubectl-patch (Update)"), which is who to talk to or what to revert.
 */
export function describeFieldOwners(error: unknown, live: KubeObject | undefined, ourManager: string): string[] {
  const lines: string[] = [];
  for (const cause of statusCauses(error)) {
    if (!cause.field) continue;
    for (const { field, managers } of fieldOwners(live, cause.field)) {
      const foreign = managers.filter((m) => !m.startsWith(`${ourManager} (`));
      if (foreign.length > 0) lines.push(`${field} is set by ${foreign.join(', ')}`);
    }
  }
  return [...new Set(lines)];
}
