// The operator process finds its cluster the way kubectl does: a $KUBECONFIG list of several files
// is merged (the first file to set a value wins), not read as one path.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { installCrd } from '../../test/e2e/kube.ts';
import { createTestNamespace } from '../../test/e2e/namespace.ts';
import { startOperator } from '../../test/e2e/operator-process.ts';
import { e2eKubeconfigPath, eventually } from '../../test/support/operator.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
beforeAll(async () => {
  // `kubectl wait` can look before the CRD has any condition (right after an apply): ask again.
  await eventually(() => installCrd(e2eKubeconfigPath()).then(() => true), 'the CRD', 60_000);
});

describe('KUBECONFIG with several files', () => {
  it('merges them like kubectl: the first current-context and the first context of a name win', async () => {
    const ns = await createTestNamespace(e2eKubeconfigPath(), 'kubeconfig');
    cleanups.push(ns.cleanup);
    const real = parse(readFileSync(e2eKubeconfigPath(), 'utf8')) as {
      clusters: { name: string }[];
      users: { name: string }[];
      contexts: { name: string; context: { cluster: string; user: string } }[];
      'current-context': string;
    };
    const context = real.contexts.find((c) => c.name === real['current-context'])!.context;
    const dir = mkdtempSync(join(tmpdir(), 'msvc-kubeconfig-e2e-'));
    // The first file only picks the context; the second holds the credentials, plus a context of
    // the same name that points nowhere and a current-context of its own (client-node would take
    // that one, or throw on the duplicate name).
    writeFileSync(
      join(dir, 'context'),
      stringify({ 'current-context': 'picked', contexts: [{ name: 'picked', context }] }),
    );
    writeFileSync(
      join(dir, 'credentials'),
      stringify({
        clusters: [...real.clusters, { name: 'nowhere', cluster: { server: 'https://127.0.0.1:1' } }],
        users: real.users,
        contexts: [
          { name: 'picked', context: { cluster: 'nowhere', user: context.user } },
          { name: 'wrong', context: { cluster: 'nowhere', user: context.user } },
        ],
        'current-context': 'wrong',
      }),
    );
    const op = await startOperator({
      namespaces: [ns.name],
      env: { KUBECONFIG: [join(dir, 'missing'), join(dir, 'context'), join(dir, 'credentials')].join(':') },
    });
    cleanups.push(() => op.stop('SIGKILL'));
    // Ready means every cache listed from the API server: the merged kubeconfig reached it.
    await eventually(async () => (await fetch(`${op.healthUrl}/readyz`)).ok, 'readyz', 60_000).catch((error) => {
      throw new Error(`${error}\n${op.logs()}`);
    });
    expect(op.logs()).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1\b/);
  });
});
