// What `msvc diff` prints for one child: the live object and what the operator's apply would make
// of it, both as the API server returns them, without the fields every write changes
// (managedFields, resourceVersion, generation, timestamps) and without status (the operator never
// writes a child's status), as a unified diff. The output of several children is one patch file
// in the svn style jsdiff reads back (`Index:` line, then `#` notes, then the hunks), so a test or
// a script can apply it with `diff`'s applyPatch or `patch -p0`.
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

type Json = Record<string, unknown>;

/** The object without what every write changes and what the operator does not write. */
export function comparable(obj: Json | undefined): Json | undefined {
  if (obj === undefined) return undefined;
  const { status: _status, ...rest } = obj;
  const metadata = { ...((rest['metadata'] as Json | undefined) ?? {}) };
  for (const field of ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'uid']) {
    delete metadata[field];
  }
  return { ...rest, metadata };
}

/** As printed in the diff: YAML with sorted keys, so the order a response happens to have never shows. */
export function objectText(obj: Json | undefined): string {
  const c = comparable(obj);
  return c === undefined ? '' : stringify(c, { sortMapEntries: true, lineWidth: 0 });
}

/** Whether the pod template changes: a new ReplicaSet, so the pods roll. */
export function podTemplateChanges(live: Json | undefined, after: Json | undefined): boolean {
  const template = (o: Json | undefined) => (o?.['spec'] as Json | undefined)?.['template'];
  return (
    stringify(template(live) ?? null, { sortMapEntries: true }) !==
    stringify(template(after) ?? null, { sortMapEntries: true })
  );
}

export interface ChildChange {
  /** `Deployment shop/user`. */
  readonly object: string;
  /** Undefined: the operator would create it. */
  readonly live?: Json;
  /** Undefined: the operator would delete it (prune). */
  readonly after?: Json;
  /** Lines printed as `# …` before the hunks. */
  readonly notes?: readonly string[];
}

/** The patch of one child, or '' when nothing changes. */
export function childPatch(change: ChildChange): string {
  const before = objectText(change.live);
  const after = objectText(change.after);
  if (before === after) return '';
  const notes = [...(change.notes ?? [])];
  if (change.live === undefined) notes.unshift('created');
  if (change.after === undefined) notes.unshift('pruned: the spec no longer renders it');
  const kind = (change.after ?? change.live)?.['kind'];
  if (kind === 'Deployment' && change.live !== undefined && change.after !== undefined) {
    notes.push(
      podTemplateChanges(change.live, change.after)
        ? 'rollout: yes (the pod template changes: new ReplicaSet, the pods are replaced)'
        : 'rollout: no (the pod template stays: same ReplicaSet and pods)',
    );
  }
  const patch = createTwoFilesPatch(`live/${change.object}`, `operator/${change.object}`, before, after, '', '', {
    context: 3,
  });
  return `Index: ${change.object}\n${notes.map((n) => `# ${n}\n`).join('')}${patch}`;
}
