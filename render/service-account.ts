// The ServiceAccount, unless the spec names an existing one. No token is mounted by default.
import { DEFAULTS, type MicroService, serviceAccountName } from '../api/index.ts';
import { commonLabels } from './labels.ts';
import { names } from './names.ts';
import type { RenderConfig, RenderedObject } from './types.ts';

export function renderServiceAccount(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  if (serviceAccountName(ms.spec, ms.metadata.name) !== ms.metadata.name || ms.spec.serviceAccount?.name) {
    return undefined;
  }
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: names.serviceAccount(ms.metadata.name),
      ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
      labels: commonLabels(ms, cfg),
    },
    automountServiceAccountToken: ms.spec.serviceAccount?.automountToken ?? DEFAULTS.serviceAccount.automountToken,
  };
}
