// The whole lifecycle in a real process: caches warm, the Lease is won, /readyz and /metrics
// answer, and SIGTERM stops intake, lets the in-flight reconcile finish, releases the Lease and
// exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, type TestNamespace } from '../../test/e2e/namespace.ts';
import { e2eKubeconfigPath, e2eRest, eventually } from '../../test/support/operator.ts';
import { Client } from './client.ts';
import type { KubeObject } from './key.ts';

const client = new Client(e2eRest(), { fieldManager: 'manager-e2e' });
let namespace: TestNamespace;
const children: ChildProcess[] = [];

beforeAll(async () => {
  namespace = await createTestNamespace(e2eKubeconfigPath(), 'op-manager');
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await namespace?.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startOperator(identity: string, port: number) {
  const script = fileURLToPath(new URL('../../test/support/manager-main.ts', import.meta.url));
  const child = spawn(process.execPath, [script, e2eKubeconfigPath(), namespace.name, identity, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

/** Writes as a user would (another field manager), so the operator's own applies never drop our fields. */
async function userApply(name: string, annotations: Record<string, string> = {}) {
  await client.rest.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace.name}/configmaps/${name}`,
    query: { fieldManager: 'e2e-user', force: true },
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: namespace.name,
        labels: { 'app.kubernetes.io/managed-by': 'msvc-operator' },
        annotations,
      },
    },
  });
}

const leaseHolder = async () =>
  (
    await client.get<{ spec?: { holderIdentity?: string } } & KubeObject>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: namespace.name,
      name: 'manager-e2e',
    })
  )?.spec?.holderIdentity;

describe('Manager process', () => {
  it('finishes the in-flight reconcile, releases the Lease and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const operator = startOperator('first', port);
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 'readyz', 60_000);
    await eventually(async () => (await leaseHolder()) === 'first', 'the lease', 30_000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('controller_runtime_reconcile_total{controller="slow",result="success"} 0');
    expect(metrics).toContain('leader_election_master_status{name="manager-e2e"} 1');

    await userApply('work');
    await eventually(() => operator.lines.some((l) => l['msg'] === 'reconcile started'), 'the reconcile to start');
    operator.child.kill('SIGTERM');
    expect(await operator.exited, operator.stderr()).toBe(0);

    // The in-flight reconcile ran to the end before the exit…
    const started = operator.lines.find((l) => l['msg'] === 'reconcile started');
    expect(started?.['key']).toBe(`${namespace.name}/work`);
    expect(operator.lines.some((l) => l['msg'] === 'reconcile finished')).toBe(true);
    const cm = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'work' });
    expect(cm?.metadata?.annotations?.['e2e/done']).toBe('first');
    // …and the Lease was released, not left to expire.
    expect(await leaseHolder()).toBe('');
    // Every line is JSON with a level, and every reconcile line carries the key.
    for (const line of operator.lines.filter((l) => String(l['msg']).startsWith('reconcile '))) {
      expect(line).toMatchObject({ key: `${namespace.name}/work`, controller: 'slow' });
    }
  });

  it('runs a warm standby that is ready without leading and takes over when the leader stops', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const leader = startOperator('leader', portA);
    await eventually(async () => (await leaseHolder()) === 'leader', 'the first replica to lead', 60_000);
    const standby = startOperator('standby', portB);
    // The standby's cache warms and it reports ready, but it does not reconcile.
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${portB}/readyz`)).status === 200,
      'standby readyz',
      60_000,
    );
    const standbyMetrics = await (await fetch(`http://127.0.0.1:${portB}/metrics`)).text();
    expect(standbyMetrics).toContain('leader_election_master_status{name="manager-e2e"} 0');
    await userApply('handover');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'handover' };
    await eventually(
      async () => (await client.get(ref))?.metadata?.annotations?.['e2e/done'] === 'leader',
      'the leader',
    );
    expect(standby.lines.some((l) => l['msg'] === 'reconcile started')).toBe(false);

    leader.child.kill('SIGTERM');
    expect(await leader.exited, leader.stderr()).toBe(0);
    // Released, so the standby takes over well before the 4s lease would have expired.
    await eventually(async () => (await leaseHolder()) === 'standby', 'the standby to lead', 4_000);
    await userApply('handover', { 'e2e/done': 'nobody' });
    await eventually(
      async () => (await client.get(ref))?.metadata?.annotations?.['e2e/done'] === 'standby',
      'the new leader',
    );
    standby.child.kill('SIGTERM');
    expect(await standby.exited, standby.stderr()).toBe(0);
  });
});
