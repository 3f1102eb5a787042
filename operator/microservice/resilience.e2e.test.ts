// Faults an operations team meets (issue "Operator resilience under faults"), reproduced on the
// real local control plane with the real operator process.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildCrd } from '../../api/index.ts';
import { kubectl } from '../../test/e2e/cluster.ts';
import {
  apply,
  conditionOf,
  eventually,
  getJson,
  installCrd,
  requestCounts,
  writesBetween,
} from '../../test/e2e/kube.ts';
import { startOperator } from '../../test/e2e/operator-process.ts';
import { operatorSuite } from '../../test/e2e/operator-suite.ts';
import { e2eRest, e2eKubeconfigPath as kubeconfig } from '../../test/support/operator.ts';
import { Client } from '../runtime/client.ts';
import { describeFieldOwners, permanentReason } from '../runtime/errors.ts';
import { KubeEventRecorder } from '../runtime/events.ts';
import type { KubeObject } from '../runtime/key.ts';
import { silentLogger } from '../runtime/log.ts';
import { FIELD_MANAGER } from './identity.ts';

type Obj = {
  metadata: { name: string; generation?: number };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};
type EventList = { items: { reason: string; message: string; count?: number; involvedObject: { name: string } }[] };

const e2e = operatorSuite();

const microService = (name: string, namespace: string) => ({
  apiVersion: 'msvc.dev/v1alpha1',
  kind: 'MicroService',
  metadata: { name, namespace },
  spec: { image: `registry.example.com/shop/${name}:1.0.0`, replicas: 2, ports: [{ name: 'http', port: 8080 }] },
});

const get = (ns: string, what: string) => getJson<Obj>(kubeconfig(), ['-n', ns, what]);

const condition = async (ns: string, name: string, type: string) =>
  conditionOf(await get(ns, `microservice/${name}`), type);

describe('events are aggregated like client-go EventCorrelator', () => {
  it('folds repeats into one Event with a count, and limits each object to a burst', async () => {
    const ns = await e2e.namespace('events');
    const client = new Client(e2eRest(), { fieldManager: FIELD_MANAGER });
    const recorder = new KubeEventRecorder(client, silentLogger, { component: 'events-e2e', burst: 12 });
    const subject = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, uid: `uid-${name}` },
    });
    // Concurrent repeats too: they must fold, not race to create.
    await Promise.all(Array.from({ length: 5 }, () => recorder.event(subject('a'), 'Warning', 'Failed', 'same')));
    for (let i = 0; i < 5; i++) await recorder.event(subject('a'), 'Warning', 'Failed', 'same');
    for (let i = 0; i < 20; i++) await recorder.event(subject('b'), 'Warning', 'Failed', `different ${i}`);
    const list = await getJson<EventList>(kubeconfig(), ['-n', ns, 'events']);
    const of = (name: string) => list?.items.filter((e) => e.involvedObject.name === name) ?? [];
    expect(of('a').map((e) => e.count)).toEqual([10]);
    // 12 distinct events fit the burst of b; the other 8 are dropped.
    expect(of('b')).toHaveLength(12);
  });
});

describe('a permanent apply failure does not wedge a MicroService', () => {
  it('undoes a hand edit of PDB minAvailable (422 "cannot be both set") by taking the field over', async () => {
    const ns = await e2e.namespace('pdb-exclusive');
    const op = await e2e.operator(ns);
    await apply(kubeconfig(), [microService('cart', ns)]);
    await eventually(async () => (await condition(ns, 'cart', 'Ready'))?.status === 'True', { what: 'cart Ready' });
    const before = await get(ns, 'pdb/cart');
    expect(before?.spec?.['maxUnavailable']).toBeDefined();

    // The hand edit: minAvailable now belongs to kubectl-patch; applying maxUnavailable alone is 422.
    await kubectl(kubeconfig(), [
      '-n',
      ns,
      'patch',
      'pdb/cart',
      '--type',
      'merge',
      '-p',
      '{"spec":{"maxUnavailable":null,"minAvailable":0}}',
    ]);
    const restored = await eventually(
      async () => {
        const pdb = await get(ns, 'pdb/cart');
        return pdb?.spec?.['minAvailable'] === undefined && pdb?.spec?.['maxUnavailable'] !== undefined
          ? pdb
          : undefined;
      },
      { what: 'PDB minAvailable removed and maxUnavailable restored', timeoutMs: 30_000 },
    ).catch((e: unknown) => {
      throw new Error(`${e}\n${op.logs().slice(-6000)}`);
    });
    expect(restored.spec?.['maxUnavailable']).toEqual(before?.spec?.['maxUnavailable']);
    expect((await condition(ns, 'cart', 'Stalled'))?.status).toBe('False');
    const events = await getJson<EventList>(kubeconfig(), ['-n', ns, 'events']);
    const taken = events?.items.find((e) => e.reason === 'FieldTakenOver');
    expect(taken?.message).toContain('spec.minAvailable');
    expect(taken?.message).toContain('kubectl-patch');
  });

  it('undoes a hand-made rollingUpdate on a Recreate Deployment (422 "may not be specified") by taking it over', async () => {
    const ns = await e2e.namespace('recreate');
    const op = await e2e.operator(ns);
    const spec = {
      ...microService('batch', ns),
      spec: { ...microService('batch', ns).spec, strategy: { type: 'Recreate' } },
    };
    await apply(kubeconfig(), [spec]);
    await eventually(async () => (await get(ns, 'deployment/batch'))?.spec?.['strategy'], { what: 'the Deployment' });
    // The hand edit: back to RollingUpdate with a rollingUpdate that kubectl-patch now owns; our
    // forced apply of type Recreate alone then merges to an invalid strategy.
    await kubectl(kubeconfig(), [
      '-n',
      ns,
      'patch',
      'deployment/batch',
      '--type',
      'merge',
      '-p',
      '{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":3,"maxUnavailable":0}}}}',
    ]);
    await eventually(
      async () => {
        const strategy = (await get(ns, 'deployment/batch'))?.spec?.['strategy'] as Record<string, unknown> | undefined;
        return strategy?.['type'] === 'Recreate' && strategy['rollingUpdate'] === undefined;
      },
      { what: 'strategy Recreate without rollingUpdate again', timeoutMs: 30_000 },
    ).catch((e: unknown) => {
      throw new Error(`${e}\n${op.logs().slice(-6000)}`);
    });
    expect((await condition(ns, 'batch', 'Stalled'))?.status).not.toBe('True');
    const events = await getJson<EventList>(kubeconfig(), ['-n', ns, 'events']);
    const taken = events?.items.find((e) => e.reason === 'FieldTakenOver');
    expect(taken?.message).toContain('spec.strategy.rollingUpdate');
    expect(taken?.message).toContain('kubectl-patch');
  });

  it('names the field and the manager that set it in a real 422 of a forced apply', async () => {
    const ns = await e2e.namespace('owners');
    const client = new Client(e2eRest(), { fieldManager: FIELD_MANAGER });
    const pdb: KubeObject = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'x', namespace: ns },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } },
    };
    await client.apply(pdb, { force: true });
    await kubectl(kubeconfig(), [
      '-n',
      ns,
      'patch',
      'pdb/x',
      '--type',
      'merge',
      '-p',
      '{"spec":{"maxUnavailable":null,"minAvailable":0}}',
    ]);
    const error = await client.apply(pdb, { force: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(permanentReason(error, { forced: true })).toBe('Invalid');
    const live = await client.get({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: ns, name: 'x' });
    expect(describeFieldOwners(error, live, FIELD_MANAGER)).toEqual([
      'spec.minAvailable is set by kubectl-patch (Update)',
    ]);
  });

  it('reports Stalled=True naming the object when admission refuses a child, and recovers once it is allowed', async () => {
    const ns = await e2e.namespace('stalled');
    const policy = `msvc-e2e-deny-pdb-${ns}`;
    const objects = [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: policy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ['policy'],
                apiVersions: ['v1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['poddisruptionbudgets'],
              },
            ],
          },
          validations: [{ expression: 'false', message: 'PodDisruptionBudgets are frozen in this namespace' }],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: policy },
        spec: {
          policyName: policy,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
        },
      },
    ];
    await apply(kubeconfig(), objects);
    const unbind = async () => {
      await kubectl(kubeconfig(), ['delete', '--ignore-not-found', 'validatingadmissionpolicybinding', policy]);
      await kubectl(kubeconfig(), ['delete', '--ignore-not-found', 'validatingadmissionpolicy', policy]);
    };
    e2e.defer(unbind);
    // The policy takes effect asynchronously: wait until a dry-run create is refused.
    await eventually(
      async () => {
        const r = await kubectl(
          kubeconfig(),
          ['-n', ns, 'create', 'pdb', 'probe', '--selector=a=b', '--max-unavailable=1', '--dry-run=server'],
          { check: false },
        );
        return r.code !== 0 && /frozen/.test(r.stderr);
      },
      { what: 'admission policy active' },
    );
    await e2e.operator(ns, { resyncSeconds: 3 });
    await apply(kubeconfig(), [microService('ledger', ns)]);
    const stalled = await eventually(
      async () => {
        const c = await condition(ns, 'ledger', 'Stalled');
        return c?.status === 'True' ? c : undefined;
      },
      { what: 'ledger Stalled=True', timeoutMs: 30_000 },
    );
    expect(stalled.reason).toBe('Invalid');
    expect(stalled.message).toContain(`PodDisruptionBudget ${ns}/ledger`);
    expect(stalled.message).toContain('frozen');
    expect(stalled.message).toContain('admission policy');
    expect((await condition(ns, 'ledger', 'Ready'))?.status).toBe('False');
    // kstatus reads Stalled=True as Failed; `kubectl wait` agrees.
    const wait = await kubectl(kubeconfig(), [
      '-n',
      ns,
      'wait',
      '--for=condition=Stalled',
      'microservice/ledger',
      '--timeout=5s',
    ]);
    expect(wait.stdout).toContain('condition met');

    // The failure loops (a resync every 3 s retries it): one Event object whose count grows.
    const looped = await eventually(
      async () => {
        const list = await getJson<EventList>(kubeconfig(), ['-n', ns, 'events']);
        const invalid = list?.items.filter((e) => e.reason === 'Invalid' && e.involvedObject.name === 'ledger') ?? [];
        return invalid.length === 1 && (invalid[0]?.count ?? 0) >= 4 ? invalid : undefined;
      },
      { what: 'the looping failure folded into one Event with count >= 4', timeoutMs: 30_000 },
    );
    expect(looped).toHaveLength(1);

    await unbind();
    await eventually(async () => (await condition(ns, 'ledger', 'Ready'))?.status === 'True', {
      what: 'ledger Ready once the policy is gone',
      timeoutMs: 60_000,
    });
    expect((await condition(ns, 'ledger', 'Stalled'))?.status).toBe('False');
  });
});

describe('a spec the API server accepted but the renderer refuses (a CRD older than the operator)', () => {
  it('sets Ready=False naming the field, and neither retries hot nor writes or records again', async () => {
    // The CRD as an older release might have left it: no schema for spec, so the API server takes
    // anything. Put back by installCrd at the end.
    const crd = buildCrd() as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }[] };
    };
    for (const v of crd.spec.versions) {
      v.schema.openAPIV3Schema.properties['spec'] = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    await kubectl(kubeconfig(), ['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: stringify(crd) });
    e2e.defer(() => installCrd(kubeconfig()));
    const ns = await e2e.namespace('refused-spec');
    // A resync every 2 s: each one reconciles the key again, which must stay quiet.
    const op = await e2e.operator(ns, { resyncSeconds: 2 });
    const bad = microService('ledger', ns);
    bad.spec.ports = [{ name: 'http', port: 70000 }];
    await apply(kubeconfig(), [bad]);

    const ready = await eventually(
      async () => {
        const c = await condition(ns, 'ledger', 'Ready');
        return c?.status === 'False' && c.reason === 'InvalidSpec' ? c : undefined;
      },
      { what: 'ledger Ready=False InvalidSpec', timeoutMs: 30_000 },
    );
    expect(ready.message).toContain('spec.ports[0].port');
    expect(ready.message).toContain('65535');
    expect((await condition(ns, 'ledger', 'Stalled'))?.status).toBe('True');
    // Nothing was rendered from it.
    expect(await get(ns, 'deployment/ledger')).toBeUndefined();

    const invalidEvents = async () => {
      const list = await getJson<EventList>(kubeconfig(), ['-n', ns, 'events']);
      return list?.items.filter((e) => e.involvedObject.name === 'ledger') ?? [];
    };
    const errors = async () => {
      const metrics = await (await fetch(`${op.healthUrl}/metrics`)).text();
      const m = /controller_runtime_terminal_reconcile_errors_total\{controller="microservice"\} (\d+)/.exec(metrics);
      return Number(m?.[1] ?? 0);
    };
    const eventsBefore = await eventually(async () => {
      const events = await invalidEvents();
      return events.length > 0 ? events : undefined;
    });
    const errorsBefore = await errors();
    // MicroService writes, cluster-wide (only this test's operator runs); Events are read in the namespace.
    const writesBefore = await requestCounts(kubeconfig(), ['microservices']);
    await new Promise((r) => setTimeout(r, 10_000));
    const errorsAfter = await errors();
    // Dropped, not retried with back-off: only the resyncs (one per 2 s) reconcile it again.
    expect(errorsAfter - errorsBefore).toBeGreaterThanOrEqual(2);
    expect(errorsAfter - errorsBefore).toBeLessThanOrEqual(7);
    // The status is not written again and the Event is neither repeated nor counted up. Deletes are
    // left out: the namespace controller is still removing the previous tests' MicroServices (their
    // namespaces are deleted after each test), and the operator never deletes one.
    const {
      DELETE: _deletes,
      DELETECOLLECTION: _collections,
      ...writes
    } = writesBetween(writesBefore, await requestCounts(kubeconfig(), ['microservices']));
    expect(writes).toEqual({});
    const eventsAfter = await invalidEvents();
    expect(eventsAfter.map((e) => [e.reason, e.count, e.message])).toEqual(
      eventsBefore.map((e) => [e.reason, e.count, e.message]),
    );
    expect(eventsAfter.filter((e) => e.reason === 'InvalidSpec')).toHaveLength(1);
    // The operator logs it by its message, with no stack trace (issue #14: none for any input).
    const logged = op
      .logs()
      .split('\n')
      .filter((l) => l.includes(`"key":"${ns}/ledger"`) && l.includes('not retrying'));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) {
      expect(line).toContain('spec.ports[0].port');
      expect(line).not.toMatch(/"stack"|\\n\s+at /);
    }

    // Fixing the spec recovers it.
    await apply(kubeconfig(), [microService('ledger', ns)]);
    await eventually(async () => (await condition(ns, 'ledger', 'Ready'))?.status === 'True', {
      what: 'ledger Ready once the spec is valid',
      timeoutMs: 60_000,
    });
  });
});

describe('retries across all MicroServices share one token bucket (--retry-qps, --retry-burst)', () => {
  it('holds 20 failing MicroServices to the bucket; without it each retries on its own back-off', async () => {
    const ns = await e2e.namespace('retry-bucket');
    // An admission webhook nobody serves, for this namespace's ServiceAccounts (the first child
    // applied, so nothing else is created whose events would queue the MicroService again): each
    // apply fails with a 500 (failurePolicy Fail), an error the operator retries.
    const webhook = `refuse-sa-${ns}`;
    await apply(kubeconfig(), [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: webhook },
        webhooks: [
          {
            name: 'refuse.msvc.dev',
            clientConfig: { url: 'https://127.0.0.1:1/refuse' },
            rules: [
              {
                apiGroups: [''],
                apiVersions: ['v1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['serviceaccounts'],
              },
            ],
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
            failurePolicy: 'Fail',
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
            timeoutSeconds: 1,
          },
        ],
      },
    ]);
    e2e.defer(() => kubectl(kubeconfig(), ['delete', 'validatingwebhookconfiguration', webhook]));
    const count = 20;
    await apply(
      kubeconfig(),
      Array.from({ length: count }, (_, i) => microService(`svc-${i}`, ns)),
    );

    /** Failed reconciles in the first `windowMs` after the first one, for an operator run with `args`. */
    const failuresWith = async (args: string[], windowMs: number) => {
      const op = await startOperator({ kubeconfig: kubeconfig(), namespaces: [ns], extraArgs: args });
      try {
        const errors = async () => {
          const metrics = await (await fetch(`${op.healthUrl}/metrics`)).text();
          return Number(
            /controller_runtime_reconcile_errors_total\{controller="microservice"\} (\d+)/.exec(metrics)?.[1] ?? 0,
          );
        };
        const first = await eventually(async () => ((await errors()) > 0 ? Date.now() : undefined), {
          what: 'the first failed reconcile',
          timeoutMs: 30_000,
        });
        await new Promise((r) => setTimeout(r, first + windowMs - Date.now()));
        return await errors();
      } finally {
        await op.stop('SIGKILL');
      }
    };
    const windowMs = 12_000;
    const limited = await failuresWith(['--retry-qps', '1', '--retry-burst', '1'], windowMs);
    const unlimited = await failuresWith(['--retry-qps', '0'], windowMs);
    console.log(
      `retry bucket: ${limited} failed reconciles of ${count} MicroServices in ${windowMs / 1000} s with --retry-qps 1 --retry-burst 1, ${unlimited} without a limit`,
    );
    // Limited: each MicroService's first attempt, then one bucket (burst 1, 1 per second) for all.
    expect(limited).toBeGreaterThanOrEqual(count);
    expect(limited).toBeLessThanOrEqual(count + 1 + windowMs / 1000 + 5);
    // Unlimited: 100 ms, 200 ms, … per key, six or more retries each in the window.
    expect(unlimited).toBeGreaterThan(count * 4);
    // And it was the webhook: ApplyFailed says so.
    const ready = await condition(ns, 'svc-0', 'Ready');
    expect(ready?.reason).toBe('ApplyFailed');
    expect(ready?.message).toContain('refuse.msvc.dev');
  });
});
