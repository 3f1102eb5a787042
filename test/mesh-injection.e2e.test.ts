// The pods Istio's own injector makes of our Deployments (tools/testhelpers/cmd/istio-inject, the
// cases of test/support/istio.ts), created with a server-side dry run in namespaces that enforce
// Pod Security: the API server's own PodSecurity admission decides. Without istio-cni the injected
// istio-init (NET_ADMIN, NET_RAW, uid 0) is refused by `restricted` and by `baseline`; with it
// (istio-validation instead) the same pods are admitted by `restricted`, as the rendered pods are
// before injection (docs/mesh.md#pod-security-and-the-mesh-cni-plugin).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl } from './e2e/cluster.ts';
import { dryRunEach } from './e2e/dry-run.ts';
import { apply } from './e2e/kube.ts';
import { createTestNamespace } from './e2e/namespace.ts';
import { type Deployment, type IstioCase, injectAll, istioCases } from './support/istio.ts';
import { e2eKubeconfigPath as kubeconfig } from './support/operator.ts';
import { testHelpersDir } from './support/oracles.ts';

const LEVELS = ['restricted', 'baseline'] as const;
const namespaces: Record<(typeof LEVELS)[number], string> = { restricted: '', baseline: '' };
const cleanups: (() => Promise<void>)[] = [];
let cases: IstioCase[] = [];
let classes: string[] = [];

/** The pod a ReplicaSet would create from the Deployment's template, named after the case. */
const podOf = (d: Deployment, i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: `pod-${i}`,
    labels: d.spec.template.metadata.labels,
    annotations: d.spec.template.metadata.annotations,
  },
  spec: d.spec.template.spec,
});

beforeAll(async () => {
  testHelpersDir();
  // The examples, their other-mode variants and about 25 generated services.
  cases = (await istioCases(100)).injected;
  // The cluster-scoped classes generated pods name, which admission looks up.
  const specs = cases.map(
    ({ rendered }) => rendered.spec.template.spec as { priorityClassName?: string; runtimeClassName?: string },
  );
  const named = (key: 'priorityClassName' | 'runtimeClassName') => [...new Set(specs.flatMap((s) => s[key] ?? []))];
  classes = [
    ...named('priorityClassName').map((n) => `priorityclass/${n}`),
    ...named('runtimeClassName').map((n) => `runtimeclass/${n}`),
  ];
  await apply(kubeconfig(), [
    ...named('priorityClassName').map((name) => ({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value: 1000,
    })),
    ...named('runtimeClassName').map((name) => ({
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name },
      handler: 'runc',
    })),
  ]);
  for (const level of LEVELS) {
    const ns = await createTestNamespace(kubeconfig(), `mesh-psa-${level}`, {
      labels: { 'pod-security.kubernetes.io/enforce': level },
    });
    namespaces[level] = ns.name;
    cleanups.push(ns.cleanup);
    // The pods run as the service's own ServiceAccount, which must exist for admission.
    const accounts = new Map(
      cases.map(({ rendered }) => {
        const name = (rendered.spec.template.spec as { serviceAccountName?: string }).serviceAccountName ?? 'default';
        return [name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns.name } }];
      }),
    );
    accounts.delete('default');
    classes = [
      ...named('priorityClassName').map((n) => `priorityclass/${n}`),
      ...named('runtimeClassName').map((n) => `runtimeclass/${n}`),
    ];
    await apply(kubeconfig(), [...accounts.values()]);
  }
}, 1_800_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  if (classes.length > 0) await kubectl(kubeconfig(), ['delete', '--ignore-not-found', ...classes], { check: false });
});

describe('injected pods under Pod Security', () => {
  it('the rendered pods, before injection, are admitted by restricted', async () => {
    const pods = cases.map(({ rendered }, i) => podOf(rendered, i));
    const verdicts = await dryRunEach(kubeconfig(), namespaces.restricted, pods);
    for (const [i, c] of cases.entries())
      expect(verdicts.get(`pod/pod-${i}`), c.where).toEqual({ accepted: true, message: '' });
  });

  it('without istio-cni, restricted and baseline refuse every injected pod, naming istio-init and its capabilities', async () => {
    const pods = injectAll(cases, false).map((doc, i) => podOf(doc.object as unknown as Deployment, i));
    for (const level of LEVELS) {
      const verdicts = await dryRunEach(kubeconfig(), namespaces[level], pods);
      for (const [i, c] of cases.entries()) {
        const verdict = verdicts.get(`pod/pod-${i}`);
        expect(verdict?.accepted, `${level}: ${c.where}`).toBe(false);
        expect(verdict?.message, `${level}: ${c.where}`).toMatch(/violates PodSecurity/);
        expect(verdict?.message, `${level}: ${c.where}`).toMatch(
          /container "istio-init" must not include "NET_ADMIN", "NET_RAW"/,
        );
      }
    }
  });

  it('with istio-cni, restricted admits every injected pod', async () => {
    const pods = injectAll(cases, true).map((doc, i) => podOf(doc.object as unknown as Deployment, i));
    const verdicts = await dryRunEach(kubeconfig(), namespaces.restricted, pods);
    for (const [i, c] of cases.entries())
      expect(verdicts.get(`pod/pod-${i}`), c.where).toEqual({ accepted: true, message: '' });
  });
});
