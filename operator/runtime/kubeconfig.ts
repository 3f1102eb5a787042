// A light kubeconfig loader for the operator process. Importing @kubernetes/client-node (even just
// its KubeConfig) loads every generated API model: ~80 MiB of RSS, more than half of what an idle
// operator used (bench/memory.ts). The operator needs only what rest.ts uses: the server URL and
// the TLS/auth options. This loader handles the common shapes itself — in-cluster ServiceAccount
// (token re-read as kubelet rotates it), and kubeconfig files with a bearer token,
// client certificates and CA as files or data, insecure-skip-tls-verify and tls-server-name — and
// hands anything else (exec plugins, auth providers, proxies, basic auth, impersonation) to
// client-node's KubeConfig, imported only then. Several files in $KUBECONFIG are merged the way
// kubectl merges them (mergeKubeConfigFiles), not the way client-node does.
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';

/** What KubeRest needs from a kubeconfig (client-node's KubeConfig has the same two methods). */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
  /**
   * The namespace kubectl uses for a request without `-n`: the current context's `namespace`, or
   * in-cluster $POD_NAMESPACE, then the ServiceAccount's namespace file (client-go's clientcmd);
   * undefined when none is set (kubectl then uses `default`).
   */
  getContextNamespace?(): string | undefined;
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
  /** The current context's namespace, if it sets one. */
  readonly namespace?: string;
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
  return simpleFromDoc(parse(text) as Fields | null, dirname(path));
}

/** parseSimpleKubeConfig of a parsed document whose relative paths are relative to `base`. */
function simpleFromDoc(doc: Fields | null, base: string): SimpleKubeConfig | undefined {
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
  const out: SimpleKubeConfig = {
    server: cluster['server'],
    ...(cluster['insecure-skip-tls-verify'] === true ? { skipTLSVerify: true } : {}),
    ...(typeof cluster['tls-server-name'] === 'string' ? { tlsServerName: cluster['tls-server-name'] } : {}),
    ...(typeof context['namespace'] === 'string' && context['namespace'] !== ''
      ? { namespace: context['namespace'] }
      : {}),
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

function readTrimmed(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() || undefined : undefined;
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

  getContextNamespace(): string | undefined {
    return this.#config.namespace;
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
  return Object.assign(kc, {
    getContextNamespace: () => kc.getContextObject(kc.getCurrentContext())?.namespace || undefined,
  });
}

const NAMED_LISTS = ['clusters', 'users', 'contexts'] as const;
const CLUSTER_PATHS = ['certificate-authority'];
const USER_PATHS = ['client-certificate', 'client-key', 'tokenFile'];

/** A copy of `entry` whose file references are absolute, resolved against the file's folder. */
function absolutePaths(entry: Fields | undefined, fields: readonly string[], base: string): Fields | undefined {
  if (!entry || typeof entry !== 'object') return entry;
  const out: Fields = { ...entry };
  for (const field of fields) {
    const value = out[field];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) out[field] = join(base, value);
  }
  const exec = out['exec'] as Fields | undefined;
  // client-go resolves an exec command only when it names a path (contains a separator).
  if (exec && typeof exec['command'] === 'string' && exec['command'].includes('/') && !isAbsolute(exec['command']))
    out['exec'] = { ...exec, command: join(base, exec['command']) };
  return out;
}

/**
 * Merges kubeconfig files as kubectl does for a $KUBECONFIG list
 * (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files):
 * empty names and missing files are skipped, the first file to set a value or a named cluster,
 * user or context wins and later files never change it (current-context included), and file
 * references are relative to the file that holds them. client-node's loadFromDefault differs: it
 * takes the last file's current-context and throws on a name two files share. Throws when no
 * file exists, naming the list.
 */
export function mergeKubeConfigFiles(paths: readonly string[]): Fields {
  const merged: Fields = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  let found = 0;
  for (const path of paths) {
    if (path === '' || !existsSync(path)) continue;
    found++;
    const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as Fields;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`kubeconfig ${path} is not a mapping`);
    const base = dirname(path);
    if (merged['current-context'] === undefined && typeof doc['current-context'] === 'string' && doc['current-context'])
      merged['current-context'] = doc['current-context'];
    for (const list of NAMED_LISTS) {
      const target = merged[list] as NamedEntry<Fields>[];
      for (const entry of Array.isArray(doc[list]) ? (doc[list] as NamedEntry<Fields>[]) : []) {
        if (!entry || typeof entry.name !== 'string' || target.some((e) => e.name === entry.name)) continue;
        target.push({
          ...entry,
          ...(entry.cluster ? { cluster: absolutePaths(entry.cluster, CLUSTER_PATHS, base) } : {}),
          ...(entry.user ? { user: absolutePaths(entry.user, USER_PATHS, base) } : {}),
        });
      }
    }
  }
  if (found === 0) throw new Error(`none of the kubeconfig files in KUBECONFIG exists: ${paths.join(':')}`);
  return merged;
}

/** Several files (a $KUBECONFIG list): merged like kubectl, then the light loader or client-node. */
async function fromFiles(paths: readonly string[]): Promise<KubeConfigLike> {
  const merged = mergeKubeConfigFiles(paths);
  const simple = simpleFromDoc(merged, process.cwd());
  return simple ? new LightKubeConfig(simple) : clientNode((kc) => kc.loadFromString(stringify(merged)));
}

function fromFile(path: string): KubeConfigLike | undefined {
  const simple = parseSimpleKubeConfig(readFileSync(path, 'utf8'), path);
  return simple ? new LightKubeConfig(simple) : undefined;
}

/**
 * Loads a kubeconfig as kubectl does: the file `path` alone (--kubeconfig), else the files of
 * $KUBECONFIG merged (a `:`-separated list, `;` on Windows), else ~/.kube/config, else the
 * in-cluster ServiceAccount.
 */
export async function loadKubeConfig(path?: string): Promise<KubeConfigLike> {
  if (path) return fromFile(path) ?? clientNode((kc) => kc.loadFromFile(path));
  const env = process.env['KUBECONFIG'];
  if (env) {
    const files = env.split(delimiter).filter(Boolean);
    if (files.length === 1 && existsSync(files[0]!)) {
      const light = fromFile(files[0]!);
      if (light) return light;
      return clientNode((kc) => kc.loadFromFile(files[0]!));
    }
    if (files.length > 0) return fromFiles(files);
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFile(home) ?? clientNode((kc) => kc.loadFromDefault());
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (host && port && existsSync(join(SA_DIR, 'token'))) {
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const namespace = process.env['POD_NAMESPACE'] || readTrimmed(join(SA_DIR, 'namespace'));
    return new LightKubeConfig({
      server,
      ca: { file: join(SA_DIR, 'ca.crt') },
      tokenFile: join(SA_DIR, 'token'),
      ...(namespace ? { namespace } : {}),
    });
  }
  return clientNode((kc) => kc.loadFromDefault());
}
