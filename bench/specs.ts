/**
 * The services every benchmark uses: N plain web services spread over a fixed namespace layout,
 * as MicroService resources, as the helm chart's values, and as cdk8s-plus-27 / MicroService
 * construct props. One definition, so every door and every baseline describes the same services.
 *
 * Each service: one HTTP port (8080), CPU/memory requests and a memory limit, one env var,
 * `replicas` pods (1 by default: N services → N kwok pods), a disruption budget of maxUnavailable 1.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const NAMESPACES_PER_RUN = 10;

export interface ServiceSpec {
  readonly name: string;
  /** Namespace suffix index 0..NAMESPACES_PER_RUN-1; the run picks the prefix. */
  readonly nsIndex: number;
  readonly image: string;
  readonly replicas: number;
}

export function services(n: number, replicas = 1): ServiceSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `svc-${String(i).padStart(4, '0')}`,
    nsIndex: i % NAMESPACES_PER_RUN,
    image: `registry.example.com/bench/svc-${i % 50}:1.0.${i % 7}`,
    replicas,
  }));
}

export function namespaceOf(prefix: string, s: ServiceSpec): string {
  return `${prefix}-${s.nsIndex}`;
}

export function namespaces(prefix: string): string[] {
  return Array.from({ length: NAMESPACES_PER_RUN }, (_, i) => `${prefix}-${i}`);
}

/** The MicroService spec (as in examples/catalog.yaml). */
export function microServiceSpec(s: ServiceSpec) {
  return {
    image: s.image,
    replicas: s.replicas,
    ports: [{ name: 'http', port: 8080 }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
    env: [{ name: 'LOG_LEVEL', value: 'info' }],
    disruption: { maxUnavailable: 1 },
  };
}

export function microServiceResource(s: ServiceSpec, namespace?: string) {
  return {
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name: s.name, ...(namespace ? { namespace } : {}), labels: { 'app.kubernetes.io/part-of': 'bench' } },
    spec: microServiceSpec(s),
  };
}

/** Writes one YAML file per service into dir (recreated). */
export function writeMicroServices(dir: string, list: readonly ServiceSpec[], prefix?: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of list) {
    writeFileSync(
      join(dir, `${s.name}.yaml`),
      stringify(microServiceResource(s, prefix ? namespaceOf(prefix, s) : undefined)),
    );
  }
}

/** The generic app chart's values for the same service (bench/fixtures/app-chart). */
export function helmValues(s: ServiceSpec) {
  return {
    image: { reference: s.image },
    replicaCount: s.replicas,
    service: { ports: [{ name: 'http', port: 8080 }] },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
    env: [{ name: 'LOG_LEVEL', value: 'info' }],
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    partOf: 'bench',
  };
}
