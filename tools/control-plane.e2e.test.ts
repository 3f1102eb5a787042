// The local control plane (tools/) behaves like a real cluster: controllers, garbage collection,
// CRD validation, RBAC, Pod Security admission, kwok's failure stages, restarts, etcd access, and
// clean start/stop. Runs against the cluster of test/e2e/global-setup.ts with the built kubectl.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  clusterInfo,
  clusterProcesses,
  etcdctl,
  kubeconfigPathFor,
  kubectl,
  restartApiServer,
  startCluster,
  stopCluster,
} from '../test/e2e/cluster.ts';
import { createTestNamespace, type TestNamespace } from '../test/e2e/namespace.ts';

const kubeconfig = inject('msvcKubeconfig');
const clusterName = inject('msvcCluster');

// biome-ignore lint/suspicious/noExplicitAny: kubectl -o json output, inspected field by field
type Json = any;

async function getJson(args: string[], kc = kubeconfig): Promise<Json> {
  const { stdout } = await kubectl(kc, [...args, '-o', 'json']);
  return JSON.parse(stdout);
}

async function apply(manifest: object | string, kc = kubeconfig) {
  const input = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
  return kubectl(kc, ['apply', '-f', '-'], { input, check: false });
}

/** Polls fn until it returns a value other than undefined/false, or fails after timeoutMs. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(200);
  }
}

/** PIDs listening on 127.0.0.1:port (from /proc/net/tcp and each process's socket fds). */
function listeners(port: number): number[] {
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || f[3] !== '0A') continue; // 0A = LISTEN
    if (Number.parseInt(local.split(':')[1] ?? '', 16) === port && f[9]) inodes.add(f[9]);
  }
  const pids: number[] = [];
  if (inodes.size === 0) return pids;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m?.[1] && inodes.has(m[1])) pids.push(Number(entry));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return [...new Set(pids)];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const isReady = (obj: Json) =>
  (obj.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');

describe('local control plane', () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace(kubeconfig, 'control-plane');
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  it('serves the Kubernetes version tools/kubernetes pins, with kwok nodes that are Ready', async () => {
    const pinned = /^\s*k8s\.io\/kubernetes (v1\.\d+\.\d+)/m.exec(
      readFileSync(new URL('./kubernetes/go.mod', import.meta.url), 'utf8'),
    )?.[1];
    expect(pinned).toMatch(/^v1\.(3[7-9]|[4-9]\d)\./); // 1.37 or newer: the ShardedListAndWatch era
    const version = await getJson(['version']);
    expect(version.serverVersion.gitVersion).toBe(pinned);
    expect(version.clientVersion.gitVersion).toBe(version.serverVersion.gitVersion);
    const nodes = await getJson(['get', 'nodes']);
    expect(nodes.items.length).toBeGreaterThanOrEqual(1);
    for (const node of nodes.items) {
      expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
      expect(isReady(node)).toBe(true);
    }
  });

  it('runs a Deployment: ReplicaSet, scheduled pods, Ready on a kwok node', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] },
        },
      },
    };
    const applied = await apply(deployment);
    expect(applied.code, applied.stderr).toBe(0);

    const rs = await until('a ReplicaSet owned by the Deployment', async () => {
      const list = await getJson(['get', 'replicasets', '-n', ns.name, '-l', 'app=web']);
      return list.items.find((r: Json) => r.metadata.ownerReferences?.[0]?.kind === 'Deployment');
    });
    expect(rs.spec.replicas).toBe(2);

    const pods = await until('2 Ready pods', async () => {
      const list = await getJson(['get', 'pods', '-n', ns.name, '-l', 'app=web']);
      const ready = list.items.filter(isReady);
      return ready.length === 2 ? ready : undefined;
    });
    const nodeNames = new Set((await getJson(['get', 'nodes'])).items.map((n: Json) => n.metadata.name));
    for (const pod of pods) {
      expect(nodeNames.has(pod.spec.nodeName)).toBe(true);
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toBeTruthy();
      expect(pod.metadata.ownerReferences[0].uid).toBe(rs.metadata.uid);
    }
    await until('the Deployment to report 2 available replicas', async () => {
      const d = await getJson(['get', 'deployment', 'web', '-n', ns.name]);
      return d.status?.availableReplicas === 2;
    });
  });

  it('garbage-collects dependents when their owner is deleted', async () => {
    await kubectl(kubeconfig, ['create', 'configmap', 'owner', '-n', ns.name, '--from-literal=a=b']);
    const owner = await getJson(['get', 'configmap', 'owner', '-n', ns.name]);
    const dependent = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dependent',
        namespace: ns.name,
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
      },
      data: { x: 'y' },
    };
    expect((await apply(dependent)).code).toBe(0);
    // Background propagation: the owner goes at once, the garbage collector removes the dependent.
    await kubectl(kubeconfig, ['delete', 'configmap', 'owner', '-n', ns.name, '--cascade=background']);
    await until('the dependent ConfigMap to be garbage-collected', async () => {
      const r = await kubectl(kubeconfig, ['get', 'configmap', 'dependent', '-n', ns.name], { check: false });
      return r.code !== 0 && r.stderr.includes('NotFound');
    });

    // And a Deployment's ReplicaSets and pods go with it.
    await kubectl(kubeconfig, ['delete', 'deployment', 'web', '-n', ns.name, '--cascade=background']);
    await until('the ReplicaSet and pods of the deleted Deployment to go', async () => {
      const rs = await getJson(['get', 'replicasets', '-n', ns.name, '-l', 'app=web']);
      const pods = await getJson(['get', 'pods', '-n', ns.name, '-l', 'app=web']);
      return rs.items.length === 0 && pods.items.length === 0;
    });
  });

  it('installs a CRD, accepts a valid custom resource and rejects one violating the schema', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.e2e.msvc.dev' },
      spec: {
        group: 'e2e.msvc.dev',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: { size: { type: 'integer', minimum: 1, maximum: 10 } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    expect((await apply(crd)).code).toBe(0);
    await kubectl(kubeconfig, ['wait', '--for=condition=Established', 'crd/widgets.e2e.msvc.dev', '--timeout=60s']);
    try {
      const widget = (size: unknown) => ({
        apiVersion: 'e2e.msvc.dev/v1',
        kind: 'Widget',
        metadata: { name: `w-${String(size).replace(/[^a-z0-9]/g, 'x')}`, namespace: ns.name },
        spec: { size },
      });
      const ok = await until('the Widget kind to be served', async () => {
        const r = await apply(widget(3));
        return r.code === 0 ? r : undefined;
      });
      expect(ok.stdout).toContain('created');
      const tooBig = await apply(widget(11));
      expect(tooBig.code).not.toBe(0);
      expect(tooBig.stderr).toMatch(/spec\.size.*should be less than or equal to 10/);
      const wrongType = await apply(widget('big'));
      expect(wrongType.code).not.toBe(0);
      expect(wrongType.stderr).toMatch(/spec\.size.*must be of type integer|Invalid value/);
      const list = await getJson(['get', 'widgets', '-n', ns.name]);
      expect(list.items.map((w: Json) => w.spec.size)).toEqual([3]);
    } finally {
      await kubectl(kubeconfig, ['delete', 'crd', 'widgets.e2e.msvc.dev', '--wait=false'], { check: false });
    }
  });

  it('denies an unprivileged identity by RBAC until a Role grants it', async () => {
    await kubectl(kubeconfig, ['create', 'serviceaccount', 'nobody', '-n', ns.name]);
    const as = `--as=system:serviceaccount:${ns.name}:nobody`;
    const denied = await kubectl(kubeconfig, ['get', 'configmaps', '-n', ns.name, as], { check: false });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Forbidden|forbidden/);
    expect(denied.stderr).toContain(`system:serviceaccount:${ns.name}:nobody`);

    await kubectl(kubeconfig, [
      'create',
      'role',
      'cm-reader',
      '-n',
      ns.name,
      '--verb=get,list',
      '--resource=configmaps',
    ]);
    await kubectl(kubeconfig, [
      'create',
      'rolebinding',
      'nobody-reads',
      '-n',
      ns.name,
      '--role=cm-reader',
      `--serviceaccount=${ns.name}:nobody`,
    ]);
    await until('the RoleBinding to take effect', async () => {
      const r = await kubectl(kubeconfig, ['get', 'configmaps', '-n', ns.name, as], { check: false });
      return r.code === 0;
    });
    // Still nothing beyond the grant.
    const write = await kubectl(kubeconfig, ['create', 'configmap', 'x', '-n', ns.name, as], { check: false });
    expect(write.stderr).toMatch(/forbidden/);
  });

  it('rejects a privileged pod in a restricted Pod Security namespace and admits a compliant one', async () => {
    const restricted = await createTestNamespace(kubeconfig, 'restricted', {
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    });
    try {
      const pod = (name: string, securityContext: object, podSecurityContext: object = {}) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: restricted.name },
        spec: {
          securityContext: podSecurityContext,
          containers: [{ name: 'app', image: 'registry.example.com/app:1', securityContext }],
        },
      });
      const privileged = await apply(pod('privileged', { privileged: true }));
      expect(privileged.code).not.toBe(0);
      expect(privileged.stderr).toContain('violates PodSecurity "restricted:latest"');
      expect(privileged.stderr).toContain('privileged');

      const compliant = await apply(
        pod(
          'compliant',
          { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        ),
      );
      expect(compliant.code, compliant.stderr).toBe(0);
      await until('the compliant pod to become Ready', async () =>
        isReady(await getJson(['get', 'pod', 'compliant', '-n', restricted.name])),
      );
    } finally {
      await restricted.cleanup();
    }
  });

  describe('kwok failure stages (pod annotation msvc.dev/simulate)', () => {
    const simulated = (name: string, simulate: string, extra: Record<string, string> = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns.name, annotations: { 'msvc.dev/simulate': simulate, ...extra } },
      spec: {
        containers: [
          { name: 'app', image: 'registry.example.com/app:1' },
          { name: 'sidecar', image: 'registry.example.com/sidecar:1' },
        ],
      },
    });

    async function settled(name: string): Promise<Json> {
      return until(`pod ${name} to get container statuses`, async () => {
        const pod = await getJson(['get', 'pod', name, '-n', ns.name]);
        return pod.status?.containerStatuses?.length ? pod : undefined;
      });
    }

    function byName(pod: Json, container: string): Json {
      return pod.status.containerStatuses.find((c: Json) => c.name === container);
    }

    it('ImagePullBackOff: pending, waiting on the image, never Ready', async () => {
      expect((await apply(simulated('pull', 'ImagePullBackOff'))).code).toBe(0);
      const pod = await settled('pull');
      expect(pod.status.phase).toBe('Pending');
      expect(isReady(pod)).toBe(false);
      for (const c of pod.status.containerStatuses) {
        expect(c.ready).toBe(false);
        expect(c.state.waiting.reason).toBe('ImagePullBackOff');
        expect(c.state.waiting.message).toContain(c.image);
        expect(c.restartCount).toBe(0);
      }
    });

    it('CrashLoopBackOff: running, back-off after errors, restarts counted', async () => {
      expect((await apply(simulated('crash', 'CrashLoopBackOff'))).code).toBe(0);
      const pod = await settled('crash');
      expect(pod.status.phase).toBe('Running');
      expect(isReady(pod)).toBe(false);
      for (const c of pod.status.containerStatuses) {
        expect(c.state.waiting.reason).toBe('CrashLoopBackOff');
        expect(c.lastState.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
        expect(c.restartCount).toBeGreaterThan(0);
      }
    });

    it('OOMKilled: last termination OOMKilled (exit 137), only the selected container', async () => {
      expect((await apply(simulated('oom', 'OOMKilled', { 'msvc.dev/simulate-container': 'app' }))).code).toBe(0);
      const pod = await settled('oom');
      expect(isReady(pod)).toBe(false);
      const app = byName(pod, 'app');
      expect(app.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
      expect(app.state.waiting.reason).toBe('CrashLoopBackOff');
      expect(app.ready).toBe(false);
      const sidecar = byName(pod, 'sidecar');
      expect(sidecar.ready).toBe(true);
      expect(sidecar.state.running).toBeTruthy();
    });

    it('simulated states stay put (no pod-ready later) and the pods can still be deleted', async () => {
      await sleep(2_000);
      const pods = await getJson(['get', 'pods', '-n', ns.name]);
      const sims = pods.items.filter((p: Json) => p.metadata.annotations?.['msvc.dev/simulate']);
      expect(sims.length).toBe(3);
      for (const p of sims) expect(isReady(p)).toBe(false);
      await kubectl(kubeconfig, ['delete', 'pod', 'pull', 'crash', 'oom', '-n', ns.name, '--timeout=60s']);
    });
  });

  it('audits write requests when started with the audit policy', async (ctx) => {
    const info = clusterName ? clusterInfo(clusterName) : undefined;
    if (!info?.auditLogPath) ctx.skip();
    const path = info?.auditLogPath as string;
    await kubectl(kubeconfig, ['create', 'configmap', 'audited', '-n', ns.name]);
    await kubectl(kubeconfig, ['get', 'configmap', 'audited', '-n', ns.name]);
    const events = await until('the audit event of the create', async () => {
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      const parsed = lines.map((l) => JSON.parse(l) as Json);
      const mine = parsed.filter((e) => e.objectRef?.namespace === ns.name && e.objectRef?.name === 'audited');
      return mine.length > 0 ? mine : undefined;
    });
    expect(events.map((e: Json) => e.verb)).toEqual(['create']); // reads are not logged
  });
});

describe('cluster lifecycle (a second cluster)', () => {
  const name = `msvc-lifecycle-${process.pid}`; // unique: runs on one machine must not collide

  afterAll(async () => {
    if (existsSync(kubeconfigPathFor(name))) await stopCluster(name);
  });

  it('up twice reuses the same processes; restart, etcdctl; down leaves no process, port or file', async () => {
    const first = await startCluster({ name, nodes: 1, fresh: true });
    const pids = clusterProcesses(name).sort();
    // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller
    expect(pids.length).toBe(5);
    expect(await portOpen(first.apiServerPort)).toBe(true);
    expect(await portOpen(first.etcdPort)).toBe(true);

    const second = await startCluster({ name, nodes: 1 });
    expect(second.apiServerPort).toBe(first.apiServerPort);
    expect(clusterProcesses(name).sort()).toEqual(pids);
    const nodes = await getJson(['get', 'nodes'], second.kubeconfigPath);
    expect(nodes.items.length).toBe(1);

    // State survives an API server restart; only the API server's process changes.
    await kubectl(second.kubeconfigPath, ['create', 'configmap', 'survivor', '-n', 'default']);
    const before = await getJson(['get', 'configmap', 'survivor', '-n', 'default'], second.kubeconfigPath);
    await restartApiServer(name);
    const after = clusterProcesses(name).sort();
    expect(after.length).toBe(5);
    const ours = new Set([...pids, ...after]);
    // listeners() sees them (so its empty answer after `down` means something).
    expect(listeners(first.apiServerPort).filter((pid) => ours.has(pid)).length).toBe(1);
    expect(listeners(first.etcdPort).filter((pid) => ours.has(pid)).length).toBe(1);
    expect(after.filter((p) => !pids.includes(p)).length).toBe(1);
    const again = await getJson(['get', 'configmap', 'survivor', '-n', 'default'], second.kubeconfigPath);
    expect(again.metadata.uid).toBe(before.metadata.uid);

    // etcdctl reaches the cluster's etcd; compacting past a resourceVersion makes it 410 Gone.
    const status = JSON.parse(await etcdctl(name, ['endpoint', 'status', '-w', 'json']));
    const revision = Number(status[0].Status.header.revision);
    expect(revision).toBeGreaterThan(Number(before.metadata.resourceVersion));
    await kubectl(second.kubeconfigPath, ['create', 'configmap', 'later', '-n', 'default']);
    const latest = JSON.parse(await etcdctl(name, ['endpoint', 'status', '-w', 'json']))[0].Status.header.revision;
    await etcdctl(name, ['compact', String(latest)]);
    const gone = await kubectl(
      second.kubeconfigPath,
      [
        'get',
        '--raw',
        `/api/v1/namespaces/default/configmaps?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`,
      ],
      { check: false },
    );
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/Expired|410|too old/);

    await stopCluster(name);
    expect(clusterProcesses(name)).toEqual([]);
    // Nothing of ours listens any more. (On a shared machine another cluster may pick a freed port
    // at once, so the check is on who listens, not on whether anyone does.)
    for (const port of [first.apiServerPort, first.etcdPort]) {
      expect(listeners(port).filter((pid) => ours.has(pid))).toEqual([]);
    }
    expect(existsSync(first.workdir)).toBe(false);
    expect(existsSync(first.kubeconfigPath)).toBe(false);

    // down twice is harmless.
    await stopCluster(name);
  });
});
