// Checks rendered objects the way a cluster would: the Kubernetes OpenAPI types (through the
// kubernetes-models package) and the rules the API server, the kubelet and the mesh injectors
// apply that the types cannot express. For tests; a real API server is the final word (e2e).
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
import { compareQuantities, isQuantity } from '../../api/index.ts';
import type { RenderedObject } from '../../render/types.ts';

/** Built-in kinds, by apiVersion/kind. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
};

type Schema = Record<string, unknown>;
/**
 * A CRD's structural schema as JSON Schema for Ajv, with what the API server does that JSON Schema
 * does not say: int-or-string, and unknown fields refused wherever the schema lists properties and
 * does not preserve unknown fields (`kubectl apply --validate=strict`). CEL rules are not checked:
 * the end-to-end suites apply the same objects to a real API server.
 */
function jsonSchema(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'nullable') continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, jsonSchema(v)]),
      );
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' && value !== null ? jsonSchema(value as Schema) : value;
    } else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf') {
      out[key] = (value as Schema[]).map(jsonSchema);
    } else out[key] = value;
  }
  if (node['x-kubernetes-int-or-string'] === true && out['anyOf'] === undefined) {
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    node['properties'] !== undefined &&
    node['additionalProperties'] === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

let crdSchemas: Map<string, ValidateFunction> | undefined;
/** The served versions of the CRDs in test/support/crds (see its README), by apiVersion/kind. */
function vendoredCrdSchemas(): Map<string, ValidateFunction> {
  if (crdSchemas) return crdSchemas;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const dir = new URL('./crds/', import.meta.url).pathname;
  crdSchemas = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(`${dir}${file}`, 'utf8'))) {
      const crd = doc.toJS() as {
        spec: {
          group: string;
          names: { kind: string };
          versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
        };
      };
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const root = jsonSchema(version.schema.openAPIV3Schema);
        const properties = {
          ...(root['properties'] as Schema),
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
        };
        crdSchemas.set(
          `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
          ajv.compile({ ...root, properties, additionalProperties: false }),
        );
      }
    }
  }
  return crdSchemas;
}

/**
 * Runs the OpenAPI schema of the object's kind: the Kubernetes types for built-in kinds, the
 * vendored CRD's schema for third-party ones (Gateway API, Prometheus Operator, Istio, Linkerd);
 * throws with the failing path.
 */
export function validateOpenApi(o: RenderedObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const Model = MODELS[key];
  if (!Model) {
    const validate = vendoredCrdSchemas().get(key);
    if (!validate) throw new Error(`no model or vendored CRD for ${key}`);
    const name = o.metadata.name;
    if (!validate(o)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      throw new Error(`${key} ${name}: ${errors}`);
    }
    return;
  }
  const { apiVersion, kind, ...data } = o;
  const model = new Model(data as never);
  if ((model as unknown as RenderedObject).apiVersion !== apiVersion)
    throw new Error(`${kind}: apiVersion ${apiVersion}`);
  model.validate();
}

type Json = Record<string, unknown>;
type Container = Json & { name: string; resources?: { requests?: Json; limits?: Json }; env?: { name: string }[] };
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Rules the API server (or the mesh injector, or the kubelet) applies that the OpenAPI types do not carry. */
export function semanticIssues(
  objects: readonly RenderedObject[],
  /** Variables the spec sets itself: their values are the user's, not the tuning's. */
  { userEnv = [] }: { userEnv?: readonly string[] } = {},
): string[] {
  const issues: string[] = [];
  const checkLabels = (where: string, labels: Record<string, string> | undefined) => {
    for (const [k, v] of Object.entries(labels ?? {})) {
      if (v.length > 63 || !LABEL_VALUE.test(v)) issues.push(`${where}: label ${k}=${v} is no label value`);
    }
  };
  const withinLimits = (where: string, requests: Json = {}, limits: Json = {}) => {
    for (const r of ['cpu', 'memory']) {
      const request = requests[r] as string | number | undefined;
      const limit = limits[r] as string | number | undefined;
      if (request !== undefined && limit !== undefined && compareQuantities(request, limit) > 0) {
        issues.push(`${where}: ${r} request ${request} above limit ${limit}`);
      }
    }
  };
  for (const o of objects) {
    checkLabels(`${o.kind} metadata`, o.metadata.labels);
    const spec = o['spec'] as Json | undefined;
    if (o.kind === 'Service' && spec?.['clusterIP'] === 'None' && spec['type'] !== 'ClusterIP') {
      issues.push(`Service: clusterIP None with type ${String(spec['type'])}`);
    }
    if (o.kind !== 'Deployment') continue;
    const template = spec?.['template'] as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: Json & { containers: Container[]; terminationGracePeriodSeconds: number };
    };
    checkLabels('pod template', template.metadata.labels);
    const grace = template.spec.terminationGracePeriodSeconds;
    const a = template.metadata.annotations;
    for (const c of template.spec.containers) {
      withinLimits(`container ${c.name}`, c.resources?.requests, c.resources?.limits);
      for (const e of (c.env ?? []) as { name: string; value?: string }[]) {
        if (userEnv.includes(e.name)) continue;
        // What the Go runtime parses: a positive integer for GOMAXPROCS, a byte count for GOMEMLIMIT.
        if (e.name === 'GOMAXPROCS' && e.value !== undefined && !/^[1-9][0-9]*$/.test(e.value)) {
          issues.push(`GOMAXPROCS=${e.value} is no positive integer`);
        }
        if (e.name === 'GOMEMLIMIT' && e.value !== undefined && !/^[0-9]+$/.test(e.value)) {
          issues.push(`GOMEMLIMIT=${e.value} is no byte count`);
        }
      }
      const names = (c.env ?? []).map((e) => e.name);
      if (new Set(names).size !== names.length) issues.push(`container ${c.name}: duplicate env ${names.join(',')}`);
      const sleep = (c['lifecycle'] as { preStop?: { sleep?: { seconds: number } } } | undefined)?.preStop?.sleep;
      if (sleep && sleep.seconds > grace) issues.push(`preStop sleep ${sleep.seconds}s above grace ${grace}s`);
      const ports = new Set(((c['ports'] as { name: string }[] | undefined) ?? []).map((p) => p.name));
      for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const probe = c[kind] as Json | undefined;
        if (!probe) continue;
        if (kind !== 'readinessProbe' && probe['successThreshold'] !== 1) issues.push(`${kind}: successThreshold`);
        for (const h of ['httpGet', 'tcpSocket']) {
          const port = (probe[h] as { port?: unknown } | undefined)?.port;
          if (typeof port === 'string' && !ports.has(port)) issues.push(`${kind}: port ${port} not declared`);
        }
      }
    }
    // The proxy the injector will add, from the annotations it reads.
    withinLimits(
      'istio-proxy',
      { cpu: a['sidecar.istio.io/proxyCPU'], memory: a['sidecar.istio.io/proxyMemory'] },
      { cpu: a['sidecar.istio.io/proxyCPULimit'], memory: a['sidecar.istio.io/proxyMemoryLimit'] },
    );
    withinLimits(
      'linkerd-proxy',
      { cpu: a['config.linkerd.io/proxy-cpu-request'], memory: a['config.linkerd.io/proxy-memory-request'] },
      { cpu: a['config.linkerd.io/proxy-cpu-limit'], memory: a['config.linkerd.io/proxy-memory-limit'] },
    );
    const budget = o.metadata.annotations?.['msvc.dev/pod-resources'];
    if (budget !== undefined) {
      const { requests, limits } = JSON.parse(budget) as { requests: Json; limits: Json };
      for (const [what, value] of Object.entries({ ...requests, ...limits })) {
        if (!isQuantity(value)) issues.push(`pod-resources ${what}: ${String(value)} is no quantity`);
      }
    }
    const wait = a['config.alpha.linkerd.io/proxy-wait-before-exit-seconds'];
    if (wait !== undefined && Number(wait) >= grace) issues.push(`linkerd wait-before-exit ${wait}s ≥ grace ${grace}s`);
    const drain = a['proxy.istio.io/config'];
    if (drain !== undefined) {
      const seconds = Number.parseInt(JSON.parse(drain).terminationDrainDuration, 10);
      if (seconds >= grace) issues.push(`istio terminationDrainDuration ${seconds}s ≥ grace ${grace}s`);
    }
  }
  return issues;
}
