// The Service in front of the pods: one port per declared port, targeting the container port by
// name, with appProtocol so meshes pick the protocol without sniffing.
import { DEFAULTS, type MicroService } from '../api/index.ts';
import { commonLabels, selectorLabels } from './labels.ts';
import { names } from './names.ts';
import type { RenderConfig, RenderedObject } from './types.ts';

/** Istio and Linkerd read these appProtocol values (https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/). */
const APP_PROTOCOL = { HTTP: 'http', HTTP2: 'http2', GRPC: 'grpc', TCP: 'tcp', UDP: undefined } as const;

export function renderService(ms: MicroService, cfg: RenderConfig): RenderedObject | undefined {
  const ports = ms.spec.ports ?? [];
  if (ports.length === 0) return undefined;
  const service = ms.spec.service;
  const spec: Record<string, unknown> = { type: service?.type ?? DEFAULTS.service.type };
  if (service?.headless ?? DEFAULTS.service.headless) spec['clusterIP'] = 'None';
  spec['selector'] = selectorLabels(ms);
  spec['ports'] = ports.map((p) => {
    const protocol = p.protocol ?? DEFAULTS.portProtocol;
    const appProtocol = APP_PROTOCOL[protocol];
    return {
      name: p.name,
      port: p.port,
      targetPort: p.name,
      protocol: protocol === 'UDP' ? 'UDP' : 'TCP',
      ...(appProtocol ? { appProtocol } : {}),
    };
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: names.service(ms.metadata.name),
      ...(ms.metadata.namespace ? { namespace: ms.metadata.namespace } : {}),
      labels: commonLabels(ms, cfg),
    },
    spec,
  };
}
