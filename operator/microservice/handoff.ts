// Handing `spec.replicas` over to a HorizontalPodAutoscaler without a scale-down.
// While autoscaling is off, the operator applies `replicas` and so owns the field. Once
// autoscaling is on it stops sending the field; server-side apply would then *remove* it (back to
// the default of 1) because no one else owns it, dropping a 5-pod Deployment to 1 until the HPA
// reacts. The documented fix is a one-time apply of the current value under a second field
// manager before the first apply without it ("Transferring ownership" in the Kubernetes
// server-side apply documentation, linked from docs/operator.md): the field stays, then the HPA's
// scale updates take it over.
import type { Client, RequestControl } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/key.ts';
import { FIELD_MANAGER } from './identity.ts';

export const HANDOFF_FIELD_MANAGER = 'msvc-operator-handoff';

/** Set by the Deployment cache transform, which otherwise drops managedFields. */
export const OWNS_REPLICAS = 'msvcOwnsReplicas';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
}

/** Whether our field manager applied `spec.replicas` of this live Deployment. */
export function appliesReplicas(deployment: KubeObject): boolean {
  const entries = (deployment.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.some(
    (e) =>
      e.manager === FIELD_MANAGER && e.operation === 'Apply' && e.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined,
  );
}

/** Applies the live replica count under the handoff manager, so dropping it from our apply keeps it. */
export async function handOffReplicas(client: Client, live: KubeObject, control: RequestControl = {}): Promise<void> {
  const replicas = (live['spec'] as { replicas?: number } | undefined)?.replicas;
  if (replicas === undefined) return;
  await client.apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: live.metadata?.name, namespace: live.metadata?.namespace },
      spec: { replicas },
    },
    { ...control, fieldManager: HANDOFF_FIELD_MANAGER, force: false },
  );
}
