// A light kubeconfig loader for the operator process. Importing @kubernetes/client-node (even just
// its KubeConfig) loads every generated API model: ~80 MiB of RSS, more than half of what an idle
// operator used (bench/memory.ts). The operator needs only what rest.ts uses: the server URL and
// the TLS/auth options. This loader handles the common shapes itself — in-cluster ServiceAccount
// (token re-read as kubelet rotates it), and kubeconfig files with a bearer token,
// client certificates and CA as files or data, insecure-skip-tls-verify and tls-server-name — and
// hands anything else (exec plugins, auth providers, proxies, basic auth, impersonation, several
// files in $KUBECONFIG) to client-node's KubeConfig, imported only then.
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** What KubeRest needs from a kubeconfig (client-node's KubeConfig has the same two methods). */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface NamedEntry<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
// Not `tokenFile`: client-node ignores it, and the operator keeps what client-node did.
const USER_FIELDS = new Set([
  'token',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'extensions',
]);

/** The server and the TLS/auth material of one context, resolved to absolute files or data. */
export interface SimpleKubeConfig {
  readonly server: string;
  readonly ca?: { file?: string; data?: string };
  readonly cert?: { file?: string; data?: string };
  readonly key?: { file?: string; data?: string };
  readonly token?: string;
  readonly tokenFile?: string;
  readonly skipTLSVerify?: boolean;
  readonly tlsServerName?: string;
}

function material(file: unknown, data: unknown, base: string): { file?: string; data?: string } | undefined {
  if (typeof file === 'string' && file !== '') return { file: isAbsolute(file) ? file : join(base, file) };
  if (typeof data === 'string' && data !== '') return { data };
  return undefined;
}

/**
 * The current context of a kubeconfig file, if it only uses fields this loader handles; undefined
 * means "let client-node load it".
 */
export function parseSimpleKubeConfig(text: string, path: string): SimpleKubeConfig | undefined {
  const doc = parse(text) as Fields | null;
  if (!doc || typeof doc !== 'object') return undefined;
  const contextName = doc['current-context'];
  const find = <K extends 'cluster' | 'user' | 'context'>(list: unknown, name: unknown, key: K) =>
    (Array.isArray(list) ? (list as NamedEntry<Fields>[]) : []).find((e) => e?.name === name)?.[key];
  const context = find(doc['contexts'], contextName, 'context');
  if (!context) return undefined;
  const cluster = find(doc['clusters'], context['cluster'], 'cluster');
  const user = context['user'] === undefined ? {} : find(doc['users'], context['user'], 'user');
  if (!cluster || !user || typeof cluster['server'] !== 'string') return undefined;
  if (Object.keys(cluster).some((k) => !CLUSTER_FIELDS.has(k))) return undefined;
  if (Object.keys(user).some((k) => !USER_FIELDS.has(k))) return undefined;
  const base = dirname(path);
  const out: SimpleKubeConfig = {
    server: cluster['server'],
    ...(cluster['insecure-skip-tls-verify'] === true ? { skipTLSVerify: true } : {}),
    ...(typeof cluster['tls-server-name'] === 'string' ? { tlsServerName: cluster['tls-server-name'] } : {}),
  };
  const ca = material(cluster['certificate-authority'], cluster['certificate-authority-data'], base);
  const cert = material(user['client-certificate'], user['client-certificate-data'], base);
  const key = material(user['client-key'], user['client-key-data'], base);
  return {
    ...out,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(typeof user['token'] === 'string' && user['token'] !== '' ? { token: user['token'] } : {}),
  };
}

function read(m: { file?: string; data?: string } | undefined): Buffer | undefined {
  if (!m) return undefined;
  return m.file !== undefined ? readFileSync(m.file) : Buffer.from(m.data ?? '', 'base64');
}

/** A KubeConfigLike over a SimpleKubeConfig. Files are read once, the token file on every request. */
export class LightKubeConfig implements KubeConfigLike {
  readonly #config: SimpleKubeConfig;
  readonly #tls: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  #agent: https.Agent | undefined;

  constructor(config: SimpleKubeConfig) {
    this.#config = config;
    const ca = read(config.ca);
    const cert = read(config.cert);
    const key = read(config.key);
    this.#tls = {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(config.skipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    };
  }

  getCurrentCluster(): { server: string; skipTLSVerify: boolean } {
    return { server: this.#config.server, skipTLSVerify: this.#config.skipTLSVerify === true };
  }

  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    Object.assign(options, this.#tls);
    // One agent for every request, as client-node keeps one per cluster; keep-alive, so a burst of
    // reconciles reuses connections instead of paying a TLS handshake each.
    if (this.#agent === undefined && this.#config.server.startsWith('https:')) {
      this.#agent = new https.Agent({ ...this.#tls, keepAlive: true });
    }
    if (this.#agent) options.agent = this.#agent;
    const token = this.#config.tokenFile ? readFileSync(this.#config.tokenFile, 'utf8').trim() : this.#config.token;
    if (token) options.headers = { ...(options.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  }
}

async function clientNode(load: (kc: import('@kubernetes/client-node').KubeConfig) => void): Promise<KubeConfigLike> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  load(kc);
  return kc;
}

function fromFile(path: string): KubeConfigLike | undefined {
  const simple = parseSimpleKubeConfig(readFileSync(path, 'utf8'), path);
  return simple ? new LightKubeConfig(simple) : undefined;
}

/**
 * Loads a kubeconfig like client-node's KubeConfig.loadFromFile (with a path) or loadFromDefault
 * (without: $KUBECONFIG, then ~/.kube/config, then the in-cluster ServiceAccount).
 */
export async function loadKubeConfig(path?: string): Promise<KubeConfigLike> {
  if (path) return fromFile(path) ?? clientNode((kc) => kc.loadFromFile(path));
  const env = process.env['KUBECONFIG'];
  if (env) {
    const files = env.split(':').filter(Boolean);
    if (files.length === 1 && existsSync(files[0]!)) {
      const light = fromFile(files[0]!);
      if (light) return light;
    }
    return clientNode((kc) => kc.loadFromDefault());
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFile(home) ?? clientNode((kc) => kc.loadFromDefault());
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (host && port && existsSync(join(SA_DIR, 'token'))) {
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new LightKubeConfig({ server, ca: { file: join(SA_DIR, 'ca.crt') }, tokenFile: join(SA_DIR, 'token') });
  }
  return clientNode((kc) => kc.loadFromDefault());
}
