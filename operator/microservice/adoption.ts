// Adoption: a child the MicroService renders that already exists, but is not controlled by it (a
// Deployment a Helm chart or `kubectl apply` made). A forced apply over it would merge into
// whatever the previous tool left (a second container, its labels, its managers' fields), so the
// operator never does that by default: it sets AdoptionRequired, naming the object and its field
// managers, and applies nothing. With the annotation `msvc.dev/adopt: "true"` on the MicroService
// it takes the object over: the fields of the previous managers become its own (managed-fields.ts,
// as kubectl does when it moves an object to server-side apply), then its forced apply sets what it
// renders, removes what it does not, and adds the owner reference. When the pod template renders
// equal, the Deployment keeps its ReplicaSet: no pod restarts (docs/migration.md).
import type { Client } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/key.ts';
import {
  type FieldSet,
  managedFieldsPatch,
  objectManagers,
  transferOwnership,
  withoutFieldsOf,
} from '../runtime/managed-fields.ts';
import { ownedBy } from './children.ts';
import { HANDOFF_FIELD_MANAGER } from './handoff.ts';
import { FIELD_MANAGER } from './identity.ts';

/** On the MicroService: "true" lets the operator take over children it does not control yet. */
export const ADOPT_ANNOTATION = 'msvc.dev/adopt';
/** The condition that says which children wait for adoption, and why. */
export const ADOPTION_CONDITION = 'AdoptionRequired';

/**
 * Managers whose fields stay theirs when the operator adopts an object: controllers that keep
 * working on it (the Deployment controller's revision annotation, `kubectl rollout restart`'s
 * restartedAt, which would restart the pods if it went) and the operator's own replica hand-off.
 * Subresource entries (status, scale: the HPA's replicas) never move either.
 */
export const KEPT_MANAGERS: ReadonlySet<string> = new Set([
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl-rollout',
  HANDOFF_FIELD_MANAGER,
]);

export function adoptionOptIn(ms: KubeObject): boolean {
  return ms.metadata?.annotations?.[ADOPT_ANNOTATION] === 'true';
}

/** The managers whose fields an adoption takes over: every manager of the object itself but ours and the kept ones. */
export function previousManagers(live: KubeObject, ours = FIELD_MANAGER): Set<string> {
  return new Set(objectManagers(live).filter((m) => m !== ours && !KEPT_MANAGERS.has(m)));
}

/**
 * Fields that stay with their managers: the replicas of a Deployment the MicroService leaves to an
 * autoscaler (ours would remove them, dropping it to one pod until the HPA reacts).
 */
export function keptFields(desired: KubeObject): FieldSet | undefined {
  const spec = desired['spec'] as { replicas?: number } | undefined;
  return desired.kind === 'Deployment' && spec?.replicas === undefined ? { 'f:spec': { 'f:replicas': {} } } : undefined;
}

/** The JSON patch that hands the previous managers' fields to the operator (guarded by resourceVersion). */
export function adoptionPatch(live: KubeObject, desired: KubeObject, now: Date = new Date()) {
  const except = keptFields(desired);
  const entries = transferOwnership((live.metadata?.managedFields ?? []) as never, {
    from: previousManagers(live),
    to: FIELD_MANAGER,
    apiVersion: desired.apiVersion ?? live.apiVersion ?? '',
    ...(except ? { except } : {}),
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  return managedFieldsPatch(live, entries);
}

/**
 * What the adoption leaves of an object, from a (dry-run) forced apply of `desired` over it:
 * the fields only the previous managers held are gone. The API server defaults what it defaults
 * on the real write; `msvc diff` sends this through a dry-run update for that.
 */
export function afterAdoption(applied: KubeObject, live: KubeObject, desired: KubeObject): KubeObject {
  return withoutFieldsOf(applied, previousManagers(live), keptFields(desired));
}

/** A child that exists but is not controlled by the MicroService. */
export interface ForeignChild {
  readonly desired: KubeObject;
  readonly live: KubeObject;
  /** `Deployment shop/user`. */
  readonly object: string;
  /** Its field managers (of the object itself), in the order listed. */
  readonly managers: readonly string[];
  /** Another controller it belongs to (`ReplicaSet x`): such an object is never taken over. */
  readonly controller?: string;
}

const describe = (o: KubeObject) =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

/**
 * The children among `desired` that exist without the MicroService as their controller. A child
 * the cache holds as ours costs nothing; any other is listed by name from the API server, with its managers.
 */
export async function foreignChildren(
  client: Client,
  ms: KubeObject,
  desired: readonly KubeObject[],
  cached: (child: KubeObject) => KubeObject | undefined,
  signal?: AbortSignal,
): Promise<ForeignChild[]> {
  const out: ForeignChild[] = [];
  for (const d of desired) {
    const c = cached(d);
    if (c && ownedBy(c, ms.metadata?.uid)) continue;
    // A list by name, not a get: the operator's RBAC grants list on its children and no get (the
    // caches serve its reads), and a list returns managedFields as a get does.
    const [live] = await client.list(d.apiVersion ?? '', d.kind ?? '', {
      namespace: d.metadata?.namespace,
      fieldSelector: `metadata.name=${d.metadata?.name ?? ''}`,
      signal,
    });
    if (!live || ownedBy(live, ms.metadata?.uid)) continue;
    const other = (live.metadata?.ownerReferences ?? []).find((r) => r.controller);
    out.push({
      desired: d,
      live,
      object: describe(live),
      managers: objectManagers(live),
      ...(other ? { controller: `${other.kind} ${other.name}` } : {}),
    });
  }
  return out;
}

/** The AdoptionRequired message: each object, its managers, and what to do. */
export function adoptionMessage(foreign: readonly ForeignChild[], optedIn: boolean): string {
  const parts = foreign.map((f) => {
    const managers = f.managers.length > 0 ? `field managers ${f.managers.join(', ')}` : 'no field managers';
    return f.controller
      ? `${f.object} is controlled by ${f.controller} (${managers})`
      : `${f.object} exists and is not owned by this MicroService (${managers})`;
  });
  const controlled = foreign.some((f) => f.controller);
  const advice = controlled
    ? 'an object another controller owns is never taken over: remove that owner reference, or delete the object and let the operator create it'
    : optedIn
      ? 'taking it over'
      : `nothing was applied; to take it over (its fields become the operator's, no pod restarts when the pod template renders equal), set the annotation ${ADOPT_ANNOTATION}: "true" on the MicroService (docs/migration.md)`;
  return `${parts.join('; ')}: ${advice}`;
}

/** Takes each foreign child over: its previous managers' fields move to the operator's field manager. */
export async function takeOver(client: Client, foreign: readonly ForeignChild[], signal?: AbortSignal): Promise<void> {
  for (const f of foreign) {
    await client.patch(
      {
        apiVersion: f.live.apiVersion ?? f.desired.apiVersion ?? '',
        kind: f.live.kind ?? f.desired.kind ?? '',
        namespace: f.live.metadata?.namespace,
        name: f.live.metadata?.name ?? '',
      },
      adoptionPatch(f.live, f.desired),
      { signal },
    );
  }
}
