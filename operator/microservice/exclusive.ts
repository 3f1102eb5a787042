// Fields that exclude each other, where a hand edit of one wedges every later apply of the other.
// `kubectl patch pdb X --type merge -p '{"spec":{"maxUnavailable":null,"minAvailable":0}}'` leaves
// minAvailable owned by kubectl-patch; our forced apply of maxUnavailable then merges to both, which
// validation refuses with 422 ("minAvailable and maxUnavailable cannot be both set"), and force
// cannot help: it only takes over fields we send. Server-side apply's documented way to remove a
// field another manager owns is to take ownership of it first (apply it, forced, with its current
// value), then apply without it: as its only owner, our apply removes it
// (https://kubernetes.io/docs/reference/using-api/server-side-apply/#transferring-ownership).
// The takeover must send a *different* value: applying the value the field already has is no
// conflict, so the other manager keeps a share of it ("shared ownership", same page) and our next
// apply leaves it in place. For the PDB pair the takeover value is 0, or "0%" when the live value
// is 0 (the same budget written differently); it stands for the milliseconds until the next apply.
import { fieldOwners } from '../runtime/errors.ts';
import type { KubeObject } from '../runtime/key.ts';

type Path = readonly string[];

/** Per kind: pairs of fields at most one of which may be set (the API server's validation). */
export const EXCLUSIVE_FIELDS: Readonly<Record<string, readonly (readonly [Path, Path])[]>> = {
  // k8s.io/kubernetes pkg/apis/policy/validation: "minAvailable and maxUnavailable cannot be both set"
  PodDisruptionBudget: [
    [
      ['spec', 'minAvailable'],
      ['spec', 'maxUnavailable'],
    ],
  ],
};

/**
 * A Deployment with `strategy.type: Recreate` may not have `strategy.rollingUpdate` (apps
 * validation: "may not be specified when strategy `type` is 'Recreate'"): a rollingUpdate someone
 * patched in by hand, or one left behind by the API server's defaulting (owned by nobody), makes
 * every apply of Recreate fail with 422. The takeover sends `type: RollingUpdate` with both
 * rollingUpdate fields at values other than the live ones (valid: maxSurge is never 0 there);
 * the apply of Recreate that follows then removes the field we alone own.
 */
function recreateTakeover(desired: KubeObject, live: KubeObject, ourManager: string): Takeover | undefined {
  if (desired.kind !== 'Deployment' || at(desired, ['spec', 'strategy', 'type']) !== 'Recreate') return undefined;
  const rolling = at(live, ['spec', 'strategy', 'rollingUpdate']) as Record<string, unknown> | undefined | null;
  if (rolling === undefined || rolling === null) return undefined;
  const field = 'spec.strategy.rollingUpdate';
  const owners = fieldOwners(live, field)
    .flatMap((o) => o.managers)
    .filter((m) => !m.startsWith(`${ourManager} (`));
  const managers = owners.length > 0 ? [...new Set(owners)] : ['nobody (API server defaults)'];
  const body = withValue(desired, ['spec', 'strategy'], {
    type: 'RollingUpdate',
    rollingUpdate: {
      maxSurge: rolling['maxSurge'] === 1 ? 2 : 1,
      maxUnavailable: rolling['maxUnavailable'] === 0 ? 1 : 0,
    },
  });
  return { field, managers, body };
}

/** A value the API server accepts for an int-or-percent field that differs from `live`. */
function differentValue(live: unknown): unknown {
  return live === 0 ? '0%' : 0;
}

function at(obj: unknown, path: Path): unknown {
  let v: unknown = obj;
  for (const s of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

function withValue(obj: KubeObject, path: Path, value: unknown): KubeObject {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let parent = copy;
  for (const s of path.slice(0, -1)) {
    parent[s] = { ...((parent[s] as Record<string, unknown> | undefined) ?? {}) };
    parent = parent[s] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy as KubeObject;
}

/** The foreign field that blocks `desired`, and the apply that takes it over. */
export interface Takeover {
  /** Dotted path of the field another manager set, e.g. `spec.minAvailable`. */
  readonly field: string;
  /** Who set it, as managedFields names them. */
  readonly managers: readonly string[];
  /** `desired` without our side of the pair and with the foreign field at a value other than its live one. */
  readonly body: KubeObject;
}

/**
 * For `desired` (what we apply) and `live` (read from the API server, with managedFields): the
 * takeover apply that lets `desired` succeed, when `live` holds the other side of an exclusive
 * pair that `desired` does not send and that a manager other than `ourManager` owns.
 */
export function exclusiveTakeover(
  desired: KubeObject,
  live: KubeObject | undefined,
  ourManager: string,
): Takeover | undefined {
  if (!live) return undefined;
  const recreate = recreateTakeover(desired, live, ourManager);
  if (recreate) return recreate;
  for (const [a, b] of EXCLUSIVE_FIELDS[desired.kind ?? ''] ?? []) {
    for (const [ours, theirs] of [
      [a, b],
      [b, a],
    ] as const) {
      if (at(desired, ours) === undefined || at(desired, theirs) !== undefined) continue;
      const value = at(live, theirs);
      if (value === undefined || value === null) continue;
      const field = theirs.join('.');
      const managers = fieldOwners(live, field)
        .flatMap((o) => o.managers)
        .filter((m) => !m.startsWith(`${ourManager} (`));
      if (managers.length === 0) continue;
      return { field, managers, body: withValue(withValue(desired, ours, undefined), theirs, differentValue(value)) };
    }
  }
  return undefined;
}
