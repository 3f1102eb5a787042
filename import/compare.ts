// The check behind every import: an object as it runs now against what the imported MicroService
// renders, both in their stored form (kubernetes.ts), field by field. Whatever the input sets that
// the rendered object does not hold with the same value is a finding, so nothing is dropped
// silently, whatever the mapping in spec.ts missed. A few fields the renderer always adds change
// how the pods run (user ID, read-only root filesystem, probes); they are findings too.
import { tryCompareQuantities } from '../api/index.ts';
import { bookkeeping, DERIVED_ANNOTATIONS, isObject, type Json, type JsonObject } from './kubernetes.ts';

export type FindingKind = 'dropped' | 'changed' | 'note';

/** One field of the input that the MicroService does not carry over as it is. */
export interface Finding {
  /** `Deployment shop/user`. */
  readonly object: string;
  /** `spec.template.spec.hostNetwork`. */
  readonly path: string;
  /**
   * dropped: the MicroService has no such field (it is gone after the migration); changed: the
   * field gets another value; note: nothing is lost (bookkeeping of the old tool, an object that
   * stays as it is).
   */
  readonly kind: FindingKind;
  readonly message: string;
}

export type Path = readonly (string | number)[];

export function formatPath(path: Path): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `spec.template.spec.containers[].image`: indices and map keys under labels/annotations generalised. */
function pattern(path: Path): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? '[]' : out === '' ? s : `.${s}`;
  return out;
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** How list items are matched: by the field Kubernetes merges them by, or by position. */
function itemKey(item: Json, index: number): string {
  if (!isObject(item)) return `#${index}`;
  for (const key of ['mountPath', 'name', 'topologyKey', 'containerPort', 'port']) {
    const v = item[key];
    if (typeof v === 'string' || typeof v === 'number') return `${key}=${v}`;
  }
  if (isObject(item['resource']) && typeof item['resource']['name'] === 'string') {
    return `resource=${item['resource']['name']}`;
  }
  return `#${index}`;
}

const QUANTITY_FIELDS = /(^|\.)(requests|limits|sizeLimit|divisor)(\.|$)/;

function equalLeaf(path: Path, a: Json, b: Json | undefined): boolean {
  if (JSON.stringify(a) === JSON.stringify(b)) return true;
  if (QUANTITY_FIELDS.test(pattern(path)) && b !== undefined) return tryCompareQuantities(a, b) === 0;
  return false;
}

function isEmpty(value: Json | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    (Array.isArray(value) && value.length === 0) ||
    (isObject(value) && Object.keys(value).length === 0)
  );
}

/** Reasons for known fields, by path pattern; the generic wording otherwise. */
export interface Reasons {
  readonly [pattern: string]: string;
}

export interface CompareOptions {
  readonly object: string;
  /** Extra words for a finding, by path pattern (e.g. why a selector cannot change). */
  readonly reasons?: Reasons;
  /** Path patterns to leave alone: the caller reports them (e.g. replicas while an HPA owns them). */
  readonly skip?: readonly string[];
}

const METADATA_MAPS = new Set(['labels', 'annotations']);
/** Objects that only group fields: what is missing is the field inside, not the group. */
const GROUPINGS = new Set(['lifecycle', 'resources', 'requests', 'limits', 'securityContext', 'spec', 'template']);

/**
 * Every field of `input` that `rendered` does not hold with the same value (both in stored form).
 * Lists of objects are matched by name (or mountPath, topologyKey, port); empty values equal
 * absent ones.
 */
export function compare(input: JsonObject, rendered: JsonObject | undefined, options: CompareOptions): Finding[] {
  const findings: Finding[] = [];
  const reasonOf = (path: Path) => options.reasons?.[pattern(path)];
  const add = (kind: FindingKind, path: Path, message: string) => {
    const reason = reasonOf(path);
    findings.push({
      object: options.object,
      path: formatPath(path),
      kind,
      message: reason ? `${message}: ${reason}` : message,
    });
  };
  const skipped = (path: Path) => options.skip?.includes(pattern(path)) ?? false;

  const walk = (path: Path, a: Json, b: Json | undefined): void => {
    if (skipped(path)) return;
    const parent = path.at(-1);
    if (isObject(a)) {
      if (isEmpty(a) && isEmpty(b)) return;
      if (b !== undefined && !isObject(b)) {
        add('changed', path, `${show(a)} becomes ${show(b)}`);
        return;
      }
      const inMetadataMap = typeof parent === 'string' && METADATA_MAPS.has(parent);
      // A whole object the rendered side lacks is one finding (labels and annotations go key by key).
      if (b === undefined && !inMetadataMap) {
        // A grouping is named by the fields in it (`lifecycle.postStart`, not `lifecycle`).
        if (typeof parent === 'string' && GROUPINGS.has(parent)) {
          for (const [key, value] of Object.entries(a))
            add('dropped', [...path, key], `${show(value)} is not carried over`);
        } else {
          add('dropped', path, `${show(a)} is not carried over`);
        }
        return;
      }
      for (const [key, value] of Object.entries(a)) {
        if (inMetadataMap) {
          // Hashes and budgets the renderer computes: equal whenever the rest is.
          if (DERIVED_ANNOTATIONS.has(key)) continue;
          const note = bookkeeping(key, value);
          if (note !== undefined) {
            if (!(isObject(b) && b[key] === value))
              findings.push({
                object: options.object,
                path: formatPath([...path, key]),
                kind: 'note',
                message: `not carried over: ${note}`,
              });
            continue;
          }
        }
        walk([...path, key], value, isObject(b) ? b[key] : undefined);
      }
      return;
    }
    if (Array.isArray(a) && a.some(isObject)) {
      if (isEmpty(b)) {
        add('dropped', path, `${show(a)} is not carried over`);
        return;
      }
      const others = Array.isArray(b) ? b : [];
      // By key when the keys tell the items apart on both sides, else by position.
      const unique = (list: Json[]) => new Set(list.map(itemKey)).size === list.length;
      const key = unique(a) && unique(others) ? itemKey : (_: Json, i: number) => `#${i}`;
      const byKey = new Map(others.map((item, i) => [key(item, i), item]));
      a.forEach((item, i) => {
        const match = byKey.get(key(item, i));
        if (match === undefined) add('dropped', [...path, i], `${show(item)} is not carried over`);
        else walk([...path, i], item, match);
      });
      return;
    }
    if (isEmpty(a) && isEmpty(b)) return;
    if (equalLeaf(path, a, b)) return;
    if (b === undefined) add('dropped', path, `${show(a)} is not carried over`);
    else add('changed', path, `${show(a)} becomes ${show(b)}`);
  };

  if (rendered === undefined) {
    add('dropped', [], `${options.object} is not carried over`);
    return findings;
  }
  // Fields whose whole value went missing are reported once, at the top of what is missing.
  walk([], input, rendered);
  return collapse(findings);
}

/** Drops findings below another finding of the same object (a dropped item already says it all). */
function collapse(findings: Finding[]): Finding[] {
  return findings.filter(
    (f) =>
      !findings.some(
        (g) => g !== f && g.object === f.object && g.kind === 'dropped' && f.path.startsWith(`${g.path}.`),
      ),
  );
}

/** A field the renderer always sets and that changes how the pods run: worth saying when the input lacks it. */
export interface Addition {
  readonly path: Path;
  readonly message: string;
}

/** Findings for `additions` the input does not set to the rendered value. */
export function additions(
  input: JsonObject,
  rendered: JsonObject,
  list: readonly Addition[],
  object: string,
): Finding[] {
  const at = (o: Json | undefined, path: Path): Json | undefined => {
    let v: Json | undefined = o;
    for (const s of path) {
      if (typeof s === 'number') v = Array.isArray(v) ? v[s] : undefined;
      else v = isObject(v) ? v[s] : undefined;
    }
    return v;
  };
  const out: Finding[] = [];
  for (const a of list) {
    const want = at(rendered, a.path);
    if (want === undefined) continue;
    const have = at(input, a.path);
    if (have === undefined || !equalLeaf(a.path, have, want)) {
      out.push({
        object,
        path: formatPath(a.path),
        kind: 'changed',
        message: `${have === undefined ? 'unset' : show(have)} becomes ${show(want)}: ${a.message}`,
      });
    }
  }
  return out;
}
