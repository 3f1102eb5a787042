// The Istio Deployments the injector tests run Istio's own injection over (render/mesh/istio.oracle.test.ts,
// test/mesh-injection.e2e.test.ts): every Istio Deployment of the examples, the examples' Istio
// sidecar services in the other sidecar mode, and generated MicroServices with an Istio sidecar,
// with the pod shapes the tests read.
import fc from 'fast-check';
import { type MicroService, meshMode, meshProvider } from '../../api/index.ts';
import { render } from '../../render/index.ts';
import { microServiceArbitrary } from './arbitraries.ts';
import { exampleMicroServices } from './cdk8s.ts';
import { type IstioInjected, istioInject } from './oracles.ts';

export type Json = Record<string, unknown>;
export interface Container {
  name: string;
  restartPolicy?: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { capabilities?: { add?: string[] }; runAsUser?: number; runAsNonRoot?: boolean };
  lifecycle?: { postStart?: { exec?: { command: string[] } }; preStop?: Json & { exec?: { command: string[] } } };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}
export type Probe = Json & {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number; service?: string };
  timeoutSeconds?: number;
};
export interface PodTemplate {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; terminationGracePeriodSeconds?: number };
}
export interface Deployment {
  kind: 'Deployment';
  metadata: { name: string; annotations: Record<string, string> };
  spec: { template: PodTemplate };
}

export interface IstioCase {
  where: string;
  ms: MicroService;
  rendered: Deployment;
}

/** The same service (renamed) in the other sidecar mode. */
export const withMode = (ms: MicroService, mode: 'sidecar' | 'native-sidecar'): MicroService => ({
  ...ms,
  metadata: { ...ms.metadata, name: `${ms.metadata.name}-${mode}` },
  spec: { ...ms.spec, mesh: { ...ms.spec.mesh, provider: 'istio', mode } },
});

export const isIstioSidecar = (ms: MicroService) =>
  meshProvider(ms.spec) === 'istio' && meshMode(ms.spec) !== 'ambient';

/**
 * `injected`: the Istio sidecar and native-sidecar Deployments; `ambient`: the examples' ambient ones.
 * `numRuns`: how many MicroServices to sample (about a quarter have an Istio sidecar).
 */
export async function istioCases(numRuns = 400): Promise<{ injected: IstioCase[]; ambient: IstioCase[] }> {
  const examples = exampleMicroServices().map(({ file, ms }) => ({
    where: `examples/${file} ${ms.metadata.name}`,
    ms,
  }));
  const istio = examples.filter(({ ms }) => meshProvider(ms.spec) === 'istio');
  const variants = istio
    .filter(({ ms }) => isIstioSidecar(ms))
    .flatMap(({ where, ms }) => {
      const other = meshMode(ms.spec) === 'native-sidecar' ? 'sidecar' : 'native-sidecar';
      return [{ where: `${where} as ${other}`, ms: withMode(ms, other) }];
    });
  const generated = fc
    .sample(microServiceArbitrary, { numRuns, seed: 17 })
    .filter(isIstioSidecar)
    .map((ms, i) => ({ where: `generated #${i} (${ms.metadata.name}, ${meshMode(ms.spec)})`, ms }));
  const withDeployment = ({ where, ms }: { where: string; ms: MicroService }): IstioCase => ({
    where,
    ms,
    rendered: render(ms).objects.find((o) => o.kind === 'Deployment') as unknown as Deployment,
  });
  return {
    injected: [...istio.filter(({ ms }) => isIstioSidecar(ms)), ...variants, ...generated].map(withDeployment),
    ambient: istio.filter(({ ms }) => !isIstioSidecar(ms)).map(withDeployment),
  };
}

/** Each case's Deployment through Istio's injector, in one process per run. */
export function injectAll(list: readonly IstioCase[], cni: boolean): Extract<IstioInjected, { ok: true }>[] {
  const out = istioInject(list.map((c) => `---\n${JSON.stringify(c.rendered)}\n`).join(''), { cni });
  if (out.length !== list.length) throw new Error(`istio-inject returned ${out.length} documents for ${list.length}`);
  return out.map((doc, i) => {
    if (!doc.ok) throw new Error(`${list[i]?.where}: Istio's injector refused the Deployment: ${doc.error}`);
    return doc;
  });
}

export const containersOf = (d: Deployment) => [
  ...(d.spec.template.spec.initContainers ?? []),
  ...d.spec.template.spec.containers,
];
export const proxyOf = (d: Deployment) => containersOf(d).find((c) => c.name === 'istio-proxy');
