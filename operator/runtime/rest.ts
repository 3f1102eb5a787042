// The HTTP transport to the API server: plain JSON requests and watch streams over node:https with
// the KubeConfig's TLS and auth options (client-node's applyToHTTPSOptions). We do not use
// KubernetesObjectApi for I/O because its ObjectSerializer rewrites known kinds (drops unknown
// fields, turns timestamps into Dates) and it has no subresources; and client-node's informer
// hides resourceVersion and 410 handling, which source.ts must own.
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { KubeConfigLike } from './kubeconfig.ts';
import { http } from './node-http.ts';

/** Where a kind is served, from discovery. */
export interface ResourceInfo {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** A failed request; `status` is the HTTP code (0 for transport errors), `reason` the Status reason. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  /**
   * How long the server asked us to wait before retrying (a 429's or 503's `Retry-After` header,
   * or the Status' `details.retryAfterSeconds`), in seconds.
   */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    status: number,
    reason = '',
    body: unknown = undefined,
    options?: ErrorOptions & { retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.body = body;
    this.retryAfterSeconds = options?.retryAfterSeconds ?? retryAfterOf(body);
  }
}

/** `details.retryAfterSeconds` of a metav1.Status body, if positive. */
function retryAfterOf(body: unknown): number | undefined {
  const seconds = (body as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

/** A `Retry-After` header in seconds (the HTTP-date form is not used by the API server). */
function retryAfterHeader(response: IncomingMessage): number | undefined {
  const value = Number(response.headers['retry-after']);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** 429 Too Many Requests (API Priority and Fairness, a watch cache still initialising). */
export function isTooManyRequests(error: unknown): boolean {
  return error instanceof ApiError && error.status === 429;
}

/** No HTTP answer at all: connection refused or reset, DNS, TLS, a request timeout. */
export function isTransport(error: unknown): boolean {
  return error instanceof ApiError && error.status === 0;
}

/** 404 from the API server (kube-rs: "usually not a problem"). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** 410 Gone: the resourceVersion (or continue token) was compacted away; relist. */
export function isGone(error: unknown): boolean {
  return error instanceof ApiError && error.status === 410;
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

export interface RequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. /apis/apps/v1/namespaces/shop/deployments/order. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** @default 'application/json' */
  readonly contentType?: string;
  /**
   * The Accept header, e.g. {@link PARTIAL_OBJECT_METADATA_LIST} for metadata only.
   * @default 'application/json'
   */
  readonly accept?: string;
  readonly signal?: AbortSignal;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Skip the write guard (the Lease's own renewals are how leadership is held). */
  readonly unfenced?: boolean;
}

/** Called right before a write is sent; throws to refuse it (leader election's fence). */
export type WriteGuard = (options: Pick<RequestOptions, 'method' | 'path'>) => void;

/** The error a write guard throws: this replica may no longer write. */
export class FencedError extends ApiError {
  constructor(message: string) {
    super(message, 0, 'Fenced');
    this.name = 'FencedError';
  }
}

/**
 * Built-in kinds every API server serves, so requests about them need no discovery round trip
 * (plural and scope as `kubectl api-resources` lists them). Anything else,
 * custom resources above all, is looked up by discovery.
 */
const BUILTIN_RESOURCES: Readonly<Record<string, { plural: string; namespaced: boolean }>> = {
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Event': { plural: 'events', namespaced: true },
  'v1/LimitRange': { plural: 'limitranges', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/Pod': { plural: 'pods', namespaced: true },
  'v1/ResourceQuota': { plural: 'resourcequotas', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1/ReplicaSet': { plural: 'replicasets', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { plural: 'horizontalpodautoscalers', namespaced: true },
  'coordination.k8s.io/v1/Lease': { plural: 'leases', namespaced: true },
  'events.k8s.io/v1/Event': { plural: 'events', namespaced: true },
  'policy/v1/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
};

/**
 * Accept headers that make the API server answer with metadata only (PartialObjectMetadata, as
 * client-go's metadata client asks for it): name, namespace, labels, annotations, resourceVersion,
 * owners, never `data` or `spec`. No JSON fallback, so a server that cannot do it answers 406
 * rather than whole objects (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
 * lists the `as=` forms; the metadata form is meta.k8s.io/v1 PartialObjectMetadata).
 */
export const PARTIAL_OBJECT_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const PARTIAL_OBJECT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** A JSON client bound to one KubeConfig context. */
export class KubeRest {
  readonly kubeConfig: KubeConfigLike;
  /**
   * Checked synchronously right before every write (POST, PUT, PATCH, DELETE) is sent, after
   * everything that awaits; the Manager sets it to refuse writes once the lease may be another's.
   */
  writeGuard: WriteGuard | undefined;
  /** The User-Agent header (audit logs tell replicas apart by it). */
  userAgent: string | undefined;
  readonly #discovery = new Map<string, Promise<Array<{ name: string; kind: string; namespaced: boolean }>>>();

  constructor(kubeConfig: KubeConfigLike) {
    this.kubeConfig = kubeConfig;
  }

  /** Finds the plural and scope of a kind: built in, or by discovery (cached per group/version). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const builtin = BUILTIN_RESOURCES[`${apiVersion}/${kind}`];
    if (builtin !== undefined) return { group, version, apiVersion, kind, ...builtin };
    let resources = this.#discovery.get(apiVersion);
    if (resources === undefined) {
      const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
      resources = this.request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>({
        method: 'GET',
        path,
      }).then((list) => list.resources);
      this.#discovery.set(apiVersion, resources);
      resources.catch(() => this.#discovery.delete(apiVersion)); // retry discovery next time
    }
    const found = (await resources).find((r) => r.kind === kind && !r.name.includes('/'));
    if (found === undefined) {
      this.#discovery.delete(apiVersion); // a CRD may be installed later
      throw new ApiError(`kind ${kind} is not served at ${apiVersion}`, 404, 'NotFound');
    }
    return { group, version, apiVersion, kind, plural: found.name, namespaced: found.namespaced };
  }

  /** Drops the cached discovery of `apiVersion` (a CRD was removed or changed): the next lookup asks again. */
  forgetDiscovery(apiVersion: string): void {
    this.#discovery.delete(apiVersion);
  }

  /** The collection or object path of a resource. */
  path(info: ResourceInfo, at: { namespace?: string; name?: string; subresource?: string } = {}): string {
    const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
    const ns = info.namespaced && at.namespace ? `/namespaces/${encodeURIComponent(at.namespace)}` : '';
    const name = at.name === undefined ? '' : `/${encodeURIComponent(at.name)}`;
    const sub = at.subresource === undefined ? '' : `/${at.subresource}`;
    return `${base}${ns}/${info.plural}${name}${sub}`;
  }

  /** Sends a request and parses the JSON answer; throws ApiError for non-2xx and transport errors. */
  async request<T>(options: RequestOptions): Promise<T> {
    const response = await this.#send(options, options.timeoutMs ?? 30_000, false);
    const text = await readAll(response);
    const body = text === '' ? undefined : safeParse(text);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw statusError(options, status, body ?? text, retryAfterHeader(response));
    return body as T;
  }

  /**
   * Opens a streaming GET (a watch) and yields its lines. Throws ApiError if the server answers
   * non-200. The iteration ends when the server closes the stream, and throws on transport errors
   * or abort.
   */
  async *lines(
    options: Omit<RequestOptions, 'method' | 'body'> & {
      /** Called once the server has answered 200 (the stream is open). */
      readonly onOpen?: () => void;
    },
  ): AsyncGenerator<string> {
    const response = await this.#send({ ...options, method: 'GET' }, options.timeoutMs ?? 30_000, true);
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      const text = await readAll(response);
      throw statusError({ ...options, method: 'GET' }, status, safeParse(text) ?? text, retryAfterHeader(response));
    }
    options.onOpen?.();
    const reader = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
    let failure: unknown;
    response.on('error', (error) => {
      failure = error;
    });
    try {
      for await (const line of reader) if (line !== '') yield line;
    } finally {
      reader.close();
      response.destroy();
    }
    if (failure !== undefined) throw transportError({ ...options, method: 'GET' }, failure);
    if (options.signal?.aborted) throw options.signal.reason;
  }

  /** Sends a request; `timeoutMs` bounds socket inactivity, until the headers only for a stream. */
  async #send(options: RequestOptions, timeoutMs: number, streaming: boolean): Promise<IncomingMessage> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + options.path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const requestOptions: https.RequestOptions = {
      method: options.method,
      headers: { Accept: options.accept ?? 'application/json' },
    };
    await this.kubeConfig.applyToHTTPSOptions(requestOptions);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = { ...(requestOptions.headers as Record<string, string>) };
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    if (this.userAgent !== undefined) headers['User-Agent'] = this.userAgent;
    const transport = url.protocol === 'http:' ? http : https;
    if (url.protocol === 'http:') delete requestOptions.agent;
    // Last thing before the request leaves: nothing may await between this check and the send.
    if (options.method !== 'GET' && !options.unfenced) this.writeGuard?.(options);
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { ...requestOptions, headers, signal: options.signal }, (response) => {
        // A watch is long-lived and quiet by design; its liveness is the watcher's job.
        if (streaming) request.setTimeout(0);
        resolve(response);
      });
      request.setTimeout(timeoutMs, () =>
        request.destroy(new Error(`no response within ${timeoutMs}ms from ${options.method} ${options.path}`)),
      );
      request.on('error', (error) => reject(options.signal?.aborted ? error : transportError(options, error)));
      request.end(body);
    });
  }
}

/**
 * A response body as text; nothing keeps the chunks once it is read. Node's https.Agent keeps, for
 * the life of each keep-alive socket, the request that opened it (the socket's 'session' listener
 * shares a closure context with the callback that holds it), and with it that request's response
 * and its listeners: a 'data' listener still holding the chunks kept the first answer of every
 * socket, a list page of megabytes, for as long as the operator ran (8.7 MiB of ArrayBuffers with
 * 1,000 MicroServices cached, in a heap snapshot; bench/heap-summary.ts).
 */
export function readAll(response: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const done = () => {
      response.off('data', onData);
      response.off('end', onEnd);
      response.off('error', onError);
      chunks = [];
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      done();
      resolve(text);
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    response.on('data', onData);
    response.on('end', onEnd);
    response.on('error', onError);
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function statusError(
  options: Pick<RequestOptions, 'method' | 'path'>,
  status: number,
  body: unknown,
  retryAfterSeconds?: number,
): ApiError {
  const statusBody = (typeof body === 'object' && body !== null ? body : {}) as { message?: string; reason?: string };
  const message = statusBody.message ?? (typeof body === 'string' ? body.slice(0, 200) : '');
  return new ApiError(
    `${options.method} ${options.path}: ${status} ${statusBody.reason ?? ''} ${message}`.trim(),
    status,
    statusBody.reason,
    body,
    retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
  );
}

function transportError(options: Pick<RequestOptions, 'method' | 'path'>, error: unknown): ApiError {
  const detail = error instanceof Error ? error.message : String(error);
  return new ApiError(`${options.method} ${options.path}: ${detail}`, 0, 'Transport', undefined, { cause: error });
}
