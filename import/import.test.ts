// Import of real inputs: the seed's user service as `msvc render` prints it and as `kubectl get -o
// yaml` returns it (status, managedFields, defaults), the bjw-s app-template's `helm template`
// output (and that output as the API server stores it), and the generic app chart the benchmarks
// template (bench/fixtures/app-chart). Each gives a valid MicroService, and each field that is not
// carried over is a finding with its path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseMicroService } from '../api/index.ts';
import { helm } from '../charts/helm.ts';
import { canonicalJson, render } from '../render/index.ts';
import { repoRoot } from '../tools/bin.ts';
import { asStored, type Finding, importObjects, type SourceObject } from './index.ts';
import type { JsonObject } from './kubernetes.ts';

const fixtures = join(repoRoot, 'test/support/import');

function objects(text: string, where = 'input'): SourceObject[] {
  const out: SourceObject[] = [];
  parseAllDocuments(text, { version: '1.1' }).forEach((doc, i) => {
    const v = doc.toJS() as JsonObject | null;
    if (!v) return;
    const items = v['kind'] === 'List' ? (v['items'] as JsonObject[]) : [v];
    for (const item of items) out.push({ where: `${where}:${i + 1}`, object: item });
  });
  return out;
}

const read = (name: string) => objects(readFileSync(join(fixtures, name), 'utf8'), name);
const warnings = (findings: readonly Finding[]) => findings.filter((f) => f.kind !== 'note');
const paths = (findings: readonly Finding[]) => warnings(findings).map((f) => `${f.object} ${f.path}`);
const stored = (list: readonly object[]) =>
  list.map((o) => asStored(o as JsonObject)).sort((a, b) => String(a['kind']).localeCompare(String(b['kind'])));

const userSpec = parseAllDocuments(readFileSync(join(repoRoot, 'examples/user.yaml'), 'utf8'))[0]?.toJS();

describe('the seed user service', () => {
  const original = parseMicroService({ ...userSpec, metadata: { ...userSpec.metadata, namespace: 'shop' } });
  if (!original.ok) throw new Error('examples/user.yaml is invalid');
  const rendered = render(original.value).objects;

  it('as msvc render prints it: renders back byte for byte, nothing left behind', () => {
    const result = importObjects(rendered.map((o) => ({ where: 'render', object: o as JsonObject })));
    expect(result.errors).toStrictEqual([]);
    expect(result.services).toHaveLength(1);
    const [service] = result.services;
    expect(service?.findings).toStrictEqual([]);
    expect(render(service!.microService).objects).toStrictEqual(rendered);
    expect(service?.microService.spec.runtime).toStrictEqual({ go: { version: '1.26' } });
    expect(service?.microService.spec.mesh?.provider).toBe('linkerd');
  });

  it('as kubectl get -o yaml returns it (status, managedFields, defaults): the same spec, the same pod template', () => {
    const result = importObjects(read('user-kubectl-get.yaml'));
    expect(result.errors).toStrictEqual([]);
    const [service] = result.services;
    expect(parseMicroService(service?.microService).ok).toBe(true);
    expect(warnings(service!.findings)).toStrictEqual([]);
    // Only bookkeeping is left behind, and said so.
    expect(new Set(service!.findings.map((f) => f.path))).toStrictEqual(
      new Set([
        'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
        'metadata.annotations["deployment.kubernetes.io/revision"]',
      ]),
    );
    // The very objects: the pod-template hash too, so applying it rolls no pod.
    expect(render(service!.microService).objects).toStrictEqual(rendered);
  });

  it("as the operator applied it (its shard bucket label on every child): the operator's label is a note, not a warning", () => {
    const labelled = rendered.map((o) => {
      const object = structuredClone(o) as JsonObject & { metadata: { labels?: Record<string, string> } };
      object.metadata.labels = { ...object.metadata.labels, 'sharding.msvc.dev/bucket': '661' };
      return { where: 'operator', object: object as JsonObject };
    });
    const result = importObjects(labelled);
    expect(result.errors).toStrictEqual([]);
    const [service] = result.services;
    expect(warnings(service!.findings)).toStrictEqual([]);
    expect(service!.findings.map((f) => f.path)).toContain('metadata.labels["sharding.msvc.dev/bucket"]');
    expect(render(service!.microService).objects).toStrictEqual(rendered);
  });
});

describe('bjw-s app-template 4.0.1', () => {
  const expectUserService = (result: ReturnType<typeof importObjects>) => {
    expect(result.errors).toStrictEqual([]);
    expect(result.services).toHaveLength(1);
    const [service] = result.services;
    expect(parseMicroService(service?.microService).ok).toBe(true);
    expect(service?.from).toStrictEqual([
      'Deployment shop/user-service',
      'Service shop/user-service',
      'ServiceAccount shop/user-service',
    ]);
    const spec = service!.microService.spec;
    expect(spec).toMatchObject({
      image: 'registry.example.com/shop/user:1.0.0',
      replicas: 3,
      // The Deployment API's 25% the chart leaves to the default, kept: the rollout stays as it was.
      strategy: { rollingUpdate: { maxUnavailable: '25%' } },
      revisionHistoryLimit: 3,
      // The chart declares no container port; the Service's target port becomes one.
      ports: [{ name: 'http', port: 8080 }],
      // limits.cpu "1" is what the renderer derives from the 250m request anyway: left out.
      resources: { requests: { cpu: '250m', memory: '384Mi' }, limits: { memory: '384Mi' } },
      // Liveness and readiness equal the derived ones; the chart has no startup probe.
      probes: { startup: { disabled: true } },
      env: [{ name: 'CACHE_SIZE', value: '10000' }],
      // The chart's unbounded /tmp, not the renderer's 1Gi one.
      volumes: [{ name: 'tmp', emptyDir: {} }],
      // No preStop hook and the API's 30s grace period.
      shutdown: { preStopSleepSeconds: 0, gracePeriodSeconds: 30 },
    });
    expect(spec.serviceAccount).toBeUndefined();
    return service!;
  };

  it('helm template output: a MicroService, and the selector, labels and service links it cannot carry', () => {
    const service = expectUserService(importObjects(read('app-template.yaml')));
    expect(paths(service.findings)).toStrictEqual([
      'Deployment shop/user-service metadata.labels["app.kubernetes.io/controller"]',
      'Deployment shop/user-service spec.selector.matchLabels["app.kubernetes.io/controller"]',
      'Deployment shop/user-service spec.selector.matchLabels["app.kubernetes.io/instance"]',
      'Deployment shop/user-service spec.template.metadata.labels["app.kubernetes.io/controller"]',
      'Deployment shop/user-service spec.template.spec.enableServiceLinks',
      'Deployment shop/user-service spec.template.spec.containers[0].securityContext.runAsNonRoot',
      'Service shop/user-service metadata.labels["app.kubernetes.io/service"]',
      'Service shop/user-service spec.selector["app.kubernetes.io/controller"]',
      'Service shop/user-service spec.selector["app.kubernetes.io/instance"]',
      'ServiceAccount shop/user-service automountServiceAccountToken',
    ]);
    const selector = service.findings.find((f) => f.path.startsWith('spec.selector'));
    expect(selector?.message).toMatch(/selector cannot be changed.*docs\/migration\.md/);
    // Helm's bookkeeping is a note, not a warning.
    expect(service.findings.find((f) => f.path === 'metadata.labels["helm.sh/chart"]')?.kind).toBe('note');
  });

  it('the same objects as kubectl get -o yaml returns them: the same MicroService and findings', () => {
    const fromTemplate = importObjects(read('app-template.yaml')).services[0]!;
    const fromCluster = expectUserService(importObjects(read('app-template-kubectl-get.yaml')));
    expect(fromCluster.microService).toStrictEqual(fromTemplate.microService);
    expect(paths(fromCluster.findings)).toStrictEqual(paths(fromTemplate.findings));
  });
});

describe('the generic app chart (bench/fixtures/app-chart)', () => {
  it('autoscaled, with a disruption budget: autoscaling and disruption are carried over', async () => {
    const values = join(fixtures, 'app-chart.values.yaml');
    const { stdout } = await helm([
      'template',
      'catalog',
      join(repoRoot, 'bench/fixtures/app-chart'),
      '-n',
      'shop',
      '-f',
      values,
    ]);
    const result = importObjects(objects(stdout));
    expect(result.errors).toStrictEqual([]);
    const [service] = result.services;
    expect(parseMicroService(service?.microService).ok).toBe(true);
    expect(service?.microService.metadata.labels).toStrictEqual({ 'app.kubernetes.io/part-of': 'shop' });
    expect(service?.microService.spec).toMatchObject({
      image: 'registry.example.com/shop/catalog:2.3.1',
      autoscaling: { maxReplicas: 6, targetCPUUtilizationPercent: 75 },
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '256Mi' } },
      // The chart's probes leave timeoutSeconds (and readiness periodSeconds) to the API's defaults.
      probes: { liveness: { timeoutSeconds: 1 }, readiness: { periodSeconds: 10, timeoutSeconds: 1 } },
      env: [{ name: 'LOG_LEVEL', value: 'info' }],
      podAnnotations: { 'checksum/values': expect.any(String) },
    });
    // minReplicas 2 is the MicroService default too; helm.sh/chart on the pods is bookkeeping.
    expect(service?.microService.spec.podLabels).toBeUndefined();
    expect(paths(service!.findings)).toStrictEqual([
      'Deployment catalog spec.selector.matchLabels["app.kubernetes.io/instance"]',
      'Deployment catalog spec.template.spec.containers[0].securityContext.runAsNonRoot',
      'Service catalog spec.selector["app.kubernetes.io/instance"]',
      'PodDisruptionBudget catalog spec.selector.matchLabels["app.kubernetes.io/instance"]',
      'PodDisruptionBudget catalog spec.unhealthyPodEvictionPolicy',
    ]);
  });
});

describe('fields a MicroService cannot carry', () => {
  const base = () => {
    const ms = parseMicroService({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: 'order', namespace: 'shop' },
      spec: { image: 'registry.example.com/shop/order:1.4.2', ports: [{ name: 'http', port: 8080 }] },
    });
    if (!ms.ok) throw new Error('invalid');
    return render(ms.value).objects.map((o) => structuredClone(o) as unknown as JsonObject);
  };
  const podSpecOf = (list: JsonObject[]) =>
    ((list.find((o) => o['kind'] === 'Deployment') as JsonObject)['spec'] as { template: { spec: JsonObject } })
      .template.spec;

  it.each([
    ['hostNetwork', (p: JsonObject) => Object.assign(p, { hostNetwork: true }), 'spec.template.spec.hostNetwork'],
    [
      'a GPU limit',
      (p: JsonObject) => {
        const c = (p['containers'] as JsonObject[])[0] as { resources: { limits: JsonObject } };
        c.resources.limits['nvidia.com/gpu'] = 1;
      },
      'spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]',
    ],
    [
      'a working directory',
      (p: JsonObject) => Object.assign((p['containers'] as JsonObject[])[0] as JsonObject, { workingDir: '/srv' }),
      'spec.template.spec.containers[0].workingDir',
    ],
    [
      'a hostPath volume',
      (p: JsonObject) => (p['volumes'] as JsonObject[]).push({ name: 'sock', hostPath: { path: '/var/run' } }),
      'spec.template.spec.volumes[1]',
    ],
  ])('%s is a finding at its path; the rest is carried over', (_, change, path) => {
    const list = base();
    change(podSpecOf(list));
    const [service] = importObjects(list.map((o) => ({ where: 'x', object: o }))).services;
    expect(paths(service!.findings)).toStrictEqual([`Deployment shop/order ${path}`]);
    // Everything else renders back as it was.
    const again = render(service!.microService).objects;
    expect(canonicalJson(stored(again))).toBe(canonicalJson(stored(base())));
  });

  it('a Deployment whose name cannot name a MicroService is an error naming it', () => {
    const list = base();
    (list.find((o) => o['kind'] === 'Deployment')!['metadata'] as JsonObject)['name'] = '1order';
    const result = importObjects(list.map((o) => ({ where: 'x.yaml:3', object: o })));
    expect(result.errors).toStrictEqual([
      {
        where: 'x.yaml:3',
        message: expect.stringMatching(/^Deployment shop\/1order: the name is not a DNS-1035 label/),
      },
    ]);
  });

  it('objects of other kinds are notes, not imported', () => {
    const result = importObjects([
      ...base().map((o) => ({ where: 'x', object: o })),
      { where: 'cm.yaml:1', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'order-config' } } },
    ]);
    expect(result.others).toStrictEqual([
      expect.objectContaining({ where: 'cm.yaml:1', object: 'ConfigMap order-config', kind: 'note' }),
    ]);
  });
});
