// Field ownership as server-side apply records it (metadata.managedFields, fieldsV1), for taking
// objects over from other field managers: the field sets of some managers moved to another's
// Apply entry, so that the next apply of that manager owns them and removes those it no longer
// sends; and what that apply would leave of an object. This is what kubectl does when it moves an
// object from client-side to server-side apply (k8s.io/client-go/util/csaupgrade,
// UpgradeManagedFields): "Transferring ownership" in
// https://kubernetes.io/docs/reference/using-api/server-side-apply/#transferring-ownership.
// Generic: nothing here knows MicroServices.
import type { KubeObject } from './key.ts';

/** A fieldsV1 set: `f:<field>`, `k:<json keys>`, `v:<json value>`, `i:<index>`, and `.` for the item itself. */
export interface FieldSet {
  [element: string]: FieldSet;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldSet;
  subresource?: string;
}

export function managedFields(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  return (obj?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
}

/** The managers of the object itself (not of its status or scale subresources), in the order listed. */
export function objectManagers(obj: KubeObject | undefined): string[] {
  const names = managedFields(obj)
    .filter((e) => !e.subresource && e.manager !== undefined)
    .map((e) => e.manager as string);
  return [...new Set(names)];
}

/** The union of field sets. */
export function unionFieldSets(...sets: readonly (FieldSet | undefined)[]): FieldSet {
  const out: FieldSet = {};
  for (const set of sets) {
    for (const [key, child] of Object.entries(set ?? {})) out[key] = unionFieldSets(out[key], child);
  }
  return out;
}

/** `set` without the fields in `minus` (a field listed as a leaf in `minus` goes with everything below it). */
export function subtractFieldSets(set: FieldSet, minus: FieldSet | undefined): FieldSet {
  const out: FieldSet = {};
  for (const [key, child] of Object.entries(set)) {
    const m = minus?.[key];
    if (m !== undefined && Object.keys(m).length === 0) continue;
    const rest = subtractFieldSets(child, m);
    // An element whose own entry and children all went is gone; one that had neither stays a leaf.
    if (Object.keys(child).length > 0 && Object.keys(rest).length === 0) continue;
    out[key] = rest;
  }
  return out;
}

function isEmpty(set: FieldSet): boolean {
  return Object.keys(set).length === 0;
}

export interface TransferOptions {
  /** The managers whose fields move (entries of the object itself; subresource entries never move). */
  readonly from: ReadonlySet<string>;
  /** The manager that takes them, as an Apply entry (merged with its own, if it has one). */
  readonly to: string;
  /** The apiVersion of the new Apply entry when `to` has none. */
  readonly apiVersion: string;
  /** Fields that stay with their managers (e.g. spec.replicas while an autoscaler takes it over). */
  readonly except?: FieldSet;
  /** Timestamp of the new entry (RFC 3339). */
  readonly time?: string;
}

/**
 * managedFields with the field sets of `from` moved to the Apply entry of `to`: what `to` then
 * owns alone, it may change or remove with its next apply, without a conflict and without the
 * old managers' copy lingering. Entries left with no field are dropped.
 */
export function transferOwnership(
  entries: readonly ManagedFieldsEntry[],
  options: TransferOptions,
): ManagedFieldsEntry[] {
  const moves = (e: ManagedFieldsEntry) => !e.subresource && e.manager !== undefined && options.from.has(e.manager);
  const target = entries.find((e) => e.manager === options.to && e.operation === 'Apply' && !e.subresource);
  const moved = unionFieldSets(
    target?.fieldsV1,
    ...entries.filter(moves).map((e) => subtractFieldSets(e.fieldsV1 ?? {}, unionFieldSets(options.except))),
  );
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (e === target) continue;
    if (moves(e)) {
      // What `except` keeps stays with its manager.
      const kept = options.except ? keepOnly(e.fieldsV1 ?? {}, options.except) : {};
      if (!isEmpty(kept)) out.push({ ...e, fieldsV1: kept });
      continue;
    }
    out.push(e);
  }
  out.push({
    manager: options.to,
    operation: 'Apply',
    apiVersion: target?.apiVersion ?? options.apiVersion,
    ...(options.time ? { time: options.time } : target?.time ? { time: target.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: moved,
  });
  return out;
}

/** The part of `set` that lies in `only`. */
function keepOnly(set: FieldSet, only: FieldSet): FieldSet {
  const out: FieldSet = {};
  for (const [key, child] of Object.entries(set)) {
    const o = only[key];
    if (o === undefined) continue;
    out[key] = isEmpty(o) ? child : keepOnly(child, o);
    if (!isEmpty(o) && isEmpty(out[key] as FieldSet) && !isEmpty(child)) delete out[key];
  }
  return out;
}

/**
 * A JSON patch that replaces managedFields, guarded by the resourceVersion read: the API server
 * takes managedFields as given in a non-apply request, and refuses the patch (409 via the failed
 * test) if the object changed since it was read.
 */
export function managedFieldsPatch(
  obj: KubeObject,
  entries: readonly ManagedFieldsEntry[],
): { op: string; path: string; value: unknown }[] {
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion },
    { op: 'replace', path: '/metadata/managedFields', value: entries },
  ];
}

type Json = unknown;

function matchesKey(item: Json, keys: Record<string, Json>): boolean {
  if (item === null || typeof item !== 'object') return false;
  return Object.entries(keys).every(
    ([k, v]) => JSON.stringify((item as Record<string, Json>)[k]) === JSON.stringify(v),
  );
}

/** Removes from `value` the fields in `remove` that `keep` does not hold (at them or below). */
function strip(value: Json, remove: FieldSet, keep: FieldSet | undefined): Json {
  if (Array.isArray(value)) {
    const drop = new Set<number>();
    const out = value.map((item, index) => {
      for (const [element, sub] of Object.entries(remove)) {
        const hit = element.startsWith('k:')
          ? matchesKey(item, JSON.parse(element.slice(2)) as Record<string, Json>)
          : element.startsWith('v:')
            ? JSON.stringify(item) === JSON.stringify(JSON.parse(element.slice(2)))
            : element === `i:${index}`;
        if (!hit) continue;
        const kept = keep?.[element];
        if (kept === undefined && (sub['.'] !== undefined || isEmpty(sub))) drop.add(index);
        else return strip(item, sub, kept);
      }
      return item;
    });
    return out.filter((_, i) => !drop.has(i));
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = { ...(value as Record<string, Json>) };
  for (const [element, sub] of Object.entries(remove)) {
    if (!element.startsWith('f:')) continue;
    const field = element.slice(2);
    if (!(field in out)) continue;
    const kept = keep?.[element];
    if (kept === undefined && (isEmpty(sub) || sub['.'] !== undefined)) delete out[field];
    else if (kept === undefined || !isEmpty(kept)) out[field] = strip(out[field], sub, kept);
  }
  return out;
}

/**
 * The object as it would be after `to` took over the fields of `from` and applied what it holds
 * now: every field only `from` managed is gone (the API server would then default what it
 * defaults). `obj` is what an apply of `to` returns, with its managedFields.
 */
export function withoutFieldsOf(obj: KubeObject, from: ReadonlySet<string>, except?: FieldSet): KubeObject {
  const entries = managedFields(obj).filter((e) => !e.subresource);
  const removed = unionFieldSets(
    ...entries.filter((e) => e.manager !== undefined && from.has(e.manager)).map((e) => e.fieldsV1),
  );
  const kept = unionFieldSets(
    except,
    ...entries.filter((e) => e.manager === undefined || !from.has(e.manager)).map((e) => e.fieldsV1),
  );
  return strip(obj, removed, kept) as KubeObject;
}
