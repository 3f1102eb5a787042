// `msvc diff`: what the operator would change on each child of each MicroService, asked of the live
// cluster (kubeconfig as kubectl finds it). Every child is sent as the operator sends it (same
// body, owner reference and applied-hash annotation: operator/microservice/children.ts) in a
// server-side apply dry-run with the operator's field manager and force, so defaulting, admission
// and field ownership are the API server's; the result is compared with the live object. A child
// the MicroService does not own yet is shown as the adoption would leave it (the previous managers'
// fields gone: adoption.ts), with a note that the opt-in is needed; children the operator would
// prune are shown as removed. Exit codes as `kubectl diff`: 0 no change, 1 changes, >1 an error.
//
// The one CLI command that talks to a cluster; loaded only when it runs (cli/main.ts), so the
// other commands never load the client.
import { type MicroService, minimumReplicas } from '../../api/index.ts';
import { ADOPT_ANNOTATION, adoptionOptIn, afterAdoption } from '../../operator/microservice/adoption.ts';
import {
  CHILD_KINDS,
  childKind,
  crdOf,
  type KindRef,
  kindKey,
  several,
} from '../../operator/microservice/child-kinds.ts';
import { desiredChild, ownedBy, SHARD_BUCKET_LABEL } from '../../operator/microservice/children.ts';
import { APPLIED_HASH_ANNOTATION } from '../../operator/microservice/drift.ts';
import { FIELD_MANAGER } from '../../operator/microservice/identity.ts';
import { Client, ObjectError } from '../../operator/runtime/client.ts';
import { KindDiscovery } from '../../operator/runtime/discovery.ts';
import type { KubeObject } from '../../operator/runtime/key.ts';
import { loadKubeConfig } from '../../operator/runtime/kubeconfig.ts';
import { KubeRest } from '../../operator/runtime/rest.ts';
import { DEFAULT_RENDER_CONFIG, LABEL_NAME, type RenderedObject, render } from '../../render/index.ts';
import { displayName, load } from '../input.ts';
import { type Io, reportSkipped } from '../io.ts';
import { type ChildChange, childPatch } from './diff-text.ts';

export interface DiffOptions {
  readonly filename: readonly string[];
  /** For MicroServices without metadata.namespace. @default the kubeconfig context's namespace, then 'default' (as kubectl) */
  readonly namespace?: string;
  /** A kubeconfig file instead of $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
}

/** As `kubectl diff`: 0 nothing changes, 1 something does, 2 (or more) an error. */
export const EXIT_NO_DIFF = 0;
export const EXIT_DIFF = 1;
export const EXIT_ERROR = 2;

type Json = Record<string, unknown>;

const MICROSERVICE = { apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService' };

/** Until the MicroService exists, its uid is unknown: the owner reference is shown with this. */
export const UNKNOWN_UID = '<the uid of the MicroService, once created>';
/** ... and so is the applied-hash annotation, a hash of the applied object, owner reference included. */
export const UNKNOWN_HASH = '<hash of the applied object, with the uid>';
/** ... and the shard bucket label, the bucket of that uid (operator/microservice/children.ts). */
export const UNKNOWN_BUCKET = '<the bucket of its uid>';

/**
 * A child as the `Index:` line names it: `Deployment shop/order`. A CRD kind carries its group
 * (`AuthorizationPolicy.policy.linkerd.io shop/order-http`): Istio and Linkerd share that kind name.
 */
const describe = (ref: KindRef, namespace: string, name: string) =>
  `${crdOf(ref) === undefined ? ref.kind : kindKey(ref)} ${namespace}/${name}`;

export async function runDiff(options: DiffOptions, io: Io): Promise<number> {
  const loaded = await load(options.filename, () => io.stdin);
  if (loaded.errors.length > 0) {
    for (const e of loaded.errors) io.err(`${e.where}: ${e.path ? `${e.path}: ` : ''}${e.message}\n`);
    return EXIT_ERROR;
  }
  reportSkipped(io, loaded.skipped);
  let client: Client;
  let namespace: string;
  try {
    const kubeConfig = await loadKubeConfig(options.kubeconfig);
    client = new Client(new KubeRest(kubeConfig), { fieldManager: FIELD_MANAGER });
    // As kubectl: -n, else the current context's namespace, else default.
    namespace = options.namespace ?? kubeConfig.getContextNamespace?.() ?? 'default';
  } catch (error) {
    // The light loader hands exec plugins and auth providers to client-node, which the CLI does not bundle.
    const hint = /@kubernetes\/client-node/.test(message(error))
      ? ' (this kubeconfig uses an exec plugin or auth provider: npm install @kubernetes/client-node next to msvc)'
      : '';
    io.err(`msvc diff: cannot load the kubeconfig: ${message(error)}${hint}\n`);
    return EXIT_ERROR;
  }
  const discovery = new KindDiscovery(client.rest);
  let changed = false;
  for (const { where, value } of loaded.services) {
    try {
      const changes = await microServiceChanges(client, discovery, value, namespace, io);
      for (const change of changes) {
        const patch = childPatch(change);
        if (patch === '') continue;
        changed = true;
        io.out(patch);
      }
    } catch (error) {
      io.err(`${where} (MicroService ${displayName(value)}): ${message(error)}\n`);
      return EXIT_ERROR;
    }
  }
  return changed ? EXIT_DIFF : EXIT_NO_DIFF;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the operator's reconcile of this MicroService would do to each child, from dry-runs. */
async function microServiceChanges(
  client: Client,
  discovery: KindDiscovery,
  ms: MicroService,
  defaultNamespace: string,
  io: Io,
): Promise<ChildChange[]> {
  const namespace = ms.metadata.namespace ?? defaultNamespace;
  const name = ms.metadata.name;
  const live = await client.get({ ...MICROSERVICE, namespace, name });
  const uid = live?.metadata?.uid;
  // The owner as the operator will see it: the live object's uid, the file's annotations (the opt-in).
  const owner: KubeObject = {
    ...MICROSERVICE,
    metadata: { ...(ms.metadata as KubeObject['metadata']), namespace, uid },
  };
  const optedIn = adoptionOptIn(owner);
  const objects = render(ms, DEFAULT_RENDER_CONFIG).objects;
  const changes: ChildChange[] = [];
  for (const obj of objects) {
    const object = describe(obj, namespace, obj.metadata.name);
    if (!childKind(obj)) {
      io.err(`${object}: not applied by this operator version (rendered by msvc render only)\n`);
      continue;
    }
    const crd = crdOf(obj);
    if (crd !== undefined && !(await discovery.served(obj.apiVersion, obj.kind))) {
      io.err(`${object}: not applied: the CRD ${crd} is not installed (ChildrenApplied=False)\n`);
      continue;
    }
    let desired = desiredChild(obj, owner, namespace);
    if (uid === undefined) desired = withoutOwnerReferences(desired);
    if (obj.kind === 'Deployment' && ms.spec.autoscaling !== undefined) {
      desired = { ...desired, spec: { replicas: minimumReplicas(ms.spec), ...(desired['spec'] as Json) } };
    }
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name: obj.metadata.name };
    const current = await client.get(ref);
    const notes: string[] = [];
    let after: KubeObject;
    if (current !== undefined && !ownedBy(current, uid)) {
      const controller = (current.metadata?.ownerReferences ?? []).find((r) => r.controller);
      if (controller) {
        io.err(
          `${object}: controlled by ${controller.kind} ${controller.name}: the operator never takes it over (AdoptionRequired, ControlledByOther) and applies nothing\n`,
        );
        continue;
      }
      notes.push(
        optedIn
          ? `adopted (${ADOPT_ANNOTATION}: "true"): the fields of its previous managers become the operator's, what only they set is removed`
          : `exists without this MicroService as its owner: the operator applies nothing (AdoptionRequired) until the MicroService has ${ADOPT_ANNOTATION}: "true"; shown as the adoption would leave it`,
      );
      after = await dryRunAdoption(client, desired, current);
    } else {
      after = await client.apply(desired, { force: true, dryRun: true });
    }
    if (current !== undefined) after = keepAutoscaledReplicas(after, current, ms);
    if (uid === undefined) after = withOwnerReference(after, name);
    changes.push({ object, live: current as Json | undefined, after: after as Json, notes });
  }
  if (uid !== undefined) changes.push(...(await pruned(client, discovery, objects, namespace, name, uid)));
  return changes;
}

/**
 * The adoption, without writing: the forced apply over the object as it is, the fields only the
 * previous managers held taken out (what the transfer of ownership makes the real apply remove),
 * then a dry-run update of that, so the API server defaults what it would default.
 */
async function dryRunAdoption(client: Client, desired: KubeObject, current: KubeObject): Promise<KubeObject> {
  const applied = await client.apply(desired, { force: true, dryRun: true });
  const left = afterAdoption(applied, current, desired);
  return client.update(
    { ...left, metadata: { ...left.metadata, resourceVersion: current.metadata?.resourceVersion } },
    { dryRun: true },
  );
}

/** An autoscaled Deployment's replicas are the HPA's: the operator hands them over, never changes them. */
function keepAutoscaledReplicas(after: KubeObject, current: KubeObject, ms: MicroService): KubeObject {
  if (after.kind !== 'Deployment' || ms.spec.autoscaling === undefined) return after;
  const replicas = (current['spec'] as Json | undefined)?.['replicas'];
  return { ...after, spec: { ...(after['spec'] as Json), replicas } };
}

function withoutOwnerReferences(obj: KubeObject): KubeObject {
  const { ownerReferences: _, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

/**
 * The owner reference the operator adds, with the uid the MicroService will get (and the hash that
 * covers it, and the shard bucket label derived from it).
 */
function withOwnerReference(obj: KubeObject, name: string): KubeObject {
  const reference = { ...MICROSERVICE, name, uid: UNKNOWN_UID, controller: true, blockOwnerDeletion: true };
  const annotations = { ...obj.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: UNKNOWN_HASH };
  const labels = { ...obj.metadata?.labels, [SHARD_BUCKET_LABEL]: UNKNOWN_BUCKET };
  return { ...obj, metadata: { ...obj.metadata, labels, annotations, ownerReferences: [reference] } };
}

/** Children the MicroService owns that it no longer renders: the operator deletes them. */
async function pruned(
  client: Client,
  discovery: KindDiscovery,
  objects: readonly RenderedObject[],
  namespace: string,
  name: string,
  uid: string,
): Promise<ChildChange[]> {
  const out: ChildChange[] = [];
  const rendered = new Set(objects.map((o) => `${kindKey(o)}/${o.metadata.name}`));
  for (const entry of CHILD_KINDS) {
    const { apiVersion, kind } = entry;
    const many = several(entry);
    if (!many && rendered.has(`${kindKey(entry)}/${name}`)) continue;
    if (crdOf(entry) !== undefined && !(await discovery.served(apiVersion, kind))) continue;
    let candidates: (KubeObject | undefined)[];
    try {
      // Kinds with several children per MicroService (one per port) are found by their name label.
      candidates = many
        ? await client.list(apiVersion, kind, { namespace, labelSelector: `${LABEL_NAME}=${name}` })
        : [await client.get({ apiVersion, kind, namespace, name })];
    } catch (error) {
      if (error instanceof ObjectError && error.status === 404) continue;
      throw error;
    }
    for (const live of candidates) {
      const childName = live?.metadata?.name;
      if (!live || childName === undefined || rendered.has(`${kindKey(entry)}/${childName}`)) continue;
      if (ownedBy(live, uid)) out.push({ object: describe(entry, namespace, childName), live: live as Json });
    }
  }
  return out;
}
