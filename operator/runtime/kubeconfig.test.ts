import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LightKubeConfig, loadKubeConfig, mergeKubeConfigFiles, parseSimpleKubeConfig } from './kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

/** The options each loader applies, minus the agent (compared separately). */
async function applied(kc: { applyToHTTPSOptions(o: https.RequestOptions): Promise<void> }) {
  const o: https.RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(o);
  const { agent, ...rest } = o;
  return { ...rest, hasAgent: agent !== undefined };
}

describe('light kubeconfig loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msvc-kubeconfig-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA FILE');
  writeFileSync(join(dir, 'token'), 'file-token\n');

  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'client certificate and CA as data (kwokctl, kind)',
      { 'certificate-authority-data': b64('CA') },
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
    ],
    ['bearer token, CA file relative to the kubeconfig', { 'certificate-authority': 'ca.crt' }, { token: 'abc' }],
    [
      'TLS verification off, TLS server name',
      { 'insecure-skip-tls-verify': true, 'tls-server-name': 'api' },
      { token: 't' },
    ],
  ];

  it.each(cases)('applies what client-node applies: %s', async (_, cluster, user) => {
    const path = join(dir, `config-${Math.random()}`);
    writeFileSync(path, kubeconfig(cluster, user));
    const theirs = new KubeConfig();
    theirs.loadFromFile(path);
    const ours = await loadKubeConfig(path);
    expect(ours).toBeInstanceOf(LightKubeConfig);
    expect(ours.getCurrentCluster()?.server).toBe(theirs.getCurrentCluster()?.server);
    const a = await applied(ours);
    const b = await applied(theirs);
    expect(a.ca?.toString()).toBe(b.ca?.toString());
    expect(a.cert?.toString()).toBe(b.cert?.toString());
    expect(a.key?.toString()).toBe(b.key?.toString());
    expect(a.rejectUnauthorized).toBe(b.rejectUnauthorized);
    expect(a.servername).toBe(b.servername);
    expect((a.headers as Record<string, string>)['Authorization']).toBe(
      (b.headers as Record<string, string>)['Authorization'],
    );
    expect(a.hasAgent).toBe(b.hasAgent);
  });

  it('leaves exec plugins, auth providers, proxies and basic auth to client-node', () => {
    for (const [cluster, user] of [
      [{}, { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } }],
      [{}, { 'auth-provider': { name: 'oidc' } }],
      [{ 'proxy-url': 'http://proxy:3128' }, { token: 'x' }],
      [{}, { username: 'a', password: 'b' }],
      [{}, { as: 'someone', token: 'x' }],
      [{}, { tokenFile: '/var/run/token' }],
      [{}, { tokenFile: '/var/run/token' }],
    ] as [Record<string, unknown>, Record<string, unknown>][]) {
      expect(parseSimpleKubeConfig(kubeconfig(cluster, user), join(dir, 'config'))).toBeUndefined();
    }
  });

  it("gives the current context's namespace, as kubectl uses it without -n (light loader and client-node)", async () => {
    const withNamespace = (user: Record<string, unknown>, namespace?: string) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [{ name: 'u', user }],
        contexts: [
          { name: 'other', context: { cluster: 'c', user: 'u', namespace: 'not-this' } },
          { name: 'ctx', context: { cluster: 'c', user: 'u', ...(namespace === undefined ? {} : { namespace }) } },
        ],
        'current-context': 'ctx',
      });
    const light = join(dir, 'ns-light');
    writeFileSync(light, withNamespace({ token: 'x' }, 'shop'));
    const lightKc = await loadKubeConfig(light);
    expect(lightKc).toBeInstanceOf(LightKubeConfig);
    expect(lightKc.getContextNamespace?.()).toBe('shop');
    const exec = { exec: { command: 'true', apiVersion: 'client.authentication.k8s.io/v1' } };
    const heavy = join(dir, 'ns-exec');
    writeFileSync(heavy, withNamespace(exec, 'billing'));
    const heavyKc = await loadKubeConfig(heavy);
    expect(heavyKc).toBeInstanceOf(KubeConfig);
    expect(heavyKc.getContextNamespace?.()).toBe('billing');
    for (const [file, user] of [
      ['ns-none', { token: 'x' }],
      ['ns-none-exec', exec],
    ] as const) {
      writeFileSync(join(dir, file), withNamespace(user));
      expect((await loadKubeConfig(join(dir, file))).getContextNamespace?.()).toBeUndefined();
    }
  });

  it('re-reads a token file on every request (kubelet rotates projected tokens)', async () => {
    const tokenPath = join(dir, 'rotating');
    writeFileSync(tokenPath, 'one');
    const kc = new LightKubeConfig({ server: 'https://x:443', tokenFile: tokenPath });
    expect((await applied(kc)).headers).toMatchObject({ Authorization: 'Bearer one' });
    writeFileSync(tokenPath, 'two');
    expect((await applied(kc)).headers).toMatchObject({ Authorization: 'Bearer two' });
  });
});

describe('KUBECONFIG with several files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msvc-kubeconfig-merge-'));
  const first = join(dir, 'first');
  const second = join(dir, 'sub', 'second');
  writeFileSync(
    first,
    stringify({
      'current-context': 'mine',
      contexts: [{ name: 'mine', context: { cluster: 'shared', user: 'me' } }],
      users: [{ name: 'me', user: { token: 'first-token' } }],
    }),
  );
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'ca.crt'), 'SECOND CA');
  writeFileSync(
    second,
    stringify({
      'current-context': 'theirs',
      clusters: [{ name: 'shared', cluster: { server: 'https://second:6443', 'certificate-authority': 'ca.crt' } }],
      contexts: [
        { name: 'mine', context: { cluster: 'shared', user: 'other' } },
        { name: 'theirs', context: { cluster: 'shared', user: 'me' } },
      ],
      users: [
        { name: 'me', user: { token: 'second-token' } },
        { name: 'other', user: { token: 'other-token' } },
      ],
    }),
  );

  it('merges like kubectl: missing files skipped, first current-context and first name win, paths per file', async () => {
    const merged = mergeKubeConfigFiles([join(dir, 'missing'), first, '', second]);
    expect(merged['current-context']).toBe('mine');
    expect((merged['contexts'] as { name: string }[]).map((c) => c.name)).toEqual(['mine', 'theirs']);
    expect(merged['clusters']).toEqual([
      {
        name: 'shared',
        cluster: { server: 'https://second:6443', 'certificate-authority': join(dir, 'sub', 'ca.crt') },
      },
    ]);
    const previous = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = [join(dir, 'missing'), first, second].join(delimiter);
    try {
      const kc = await loadKubeConfig();
      expect(kc).toBeInstanceOf(LightKubeConfig);
      expect(kc.getCurrentCluster()?.server).toBe('https://second:6443');
      // The first file's context wins whole: its (absent) namespace too.
      expect(kc.getContextNamespace?.()).toBeUndefined();
      const options = await applied(kc);
      expect(options.ca?.toString()).toBe('SECOND CA');
      expect((options.headers as Record<string, string>)['Authorization']).toBe('Bearer first-token');
    } finally {
      if (previous === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = previous;
    }
  });

  it('says which files it looked for when none exists', () => {
    expect(() => mergeKubeConfigFiles([join(dir, 'a'), join(dir, 'b')])).toThrow(/none of the kubeconfig files/);
  });
});
