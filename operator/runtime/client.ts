// Every request the controllers, leader election and the event recorder make about an object goes
// through here (watches stream through rest.ts), so every write carries the same field manager
// (controller-runtime's WithFieldOwner), every request can be bounded and aborted, and every
// error names the object. Controllers write with server-side apply: they send only the fields
// they own, the API server merges them and keeps everyone else's (an HPA's replicas, another
// controller's annotations). Status goes through the status subresource. create and update (PUT
// with the object's resourceVersion, so a stale copy fails with 409) are for objects that are
// read-modify-written, such as a Lease, or only ever created, such as an Event.
import type { KubeObject } from './key.ts';
import { ApiError, isNotFound, type KubeRest } from './rest.ts';

/** The server-side apply content type; a JSON body is valid YAML. */
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** Enough to find one object. `namespace` is ignored for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/**
 * A failed request about one object; `key` is `Kind namespace/name`. An ApiError itself (status,
 * reason and body of the cause), so isNotFound/isConflict/isGone work on it.
 */
export class ObjectError extends ApiError {
  readonly key: string;
  /** The object the request was about (apiVersion, kind, namespace, name). */
  readonly ref: ObjectRef;
  constructor(verb: string, ref: ObjectRef, cause: unknown) {
    const key = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const api = cause instanceof ApiError ? cause : undefined;
    super(`${verb} ${key}: ${detail}`, api?.status ?? 0, api?.reason ?? '', api?.body, {
      cause,
      retryAfterSeconds: api?.retryAfterSeconds,
    });
    this.name = 'ObjectError';
    this.key = key;
    this.ref = ref;
  }
}

/** Bounds for one request. */
export interface RequestControl {
  /** Aborts the request (e.g. a reconcile's `ctx.signal`, or lost leadership). */
  readonly signal?: AbortSignal;
  /** @default 30000 (rest.ts) */
  readonly timeoutMs?: number;
  /** Bypass the write guard (only leader election's own Lease writes). */
  readonly unfenced?: boolean;
}

export interface ApplyOptions extends RequestControl {
  /**
   * Take over fields another manager owns instead of failing with 409 Conflict. Use for children
   * (they are ours by definition); leave off where a conflict is information.
   * @default false
   */
  readonly force?: boolean;
  /** Validate and merge on the server without persisting. */
  readonly dryRun?: boolean;
  /**
   * Apply as another field manager than the client's, for a deliberate ownership transfer
   * (server-side apply's documented way to hand a field over; docs/operator.md, replica hand-off).
   * @default the client's fieldManager
   */
  readonly fieldManager?: string;
}

export interface DeleteOptions extends RequestControl {
  /** @default 'Background' */
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Delete only if the object still has this uid (don't delete a recreated namesake). */
  readonly uid?: string;
}

export interface ListOptions extends RequestControl {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

function refOf(obj: KubeObject, verb: string): ObjectRef {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  if (!apiVersion || !kind || !name) throw new Error(`${verb} needs apiVersion, kind and metadata.name`);
  return { apiVersion, kind, namespace: obj.metadata?.namespace, name };
}

export interface ClientOptions {
  /** The field manager of every write (server-side apply, create, update). */
  readonly fieldManager: string;
}

/** Apply, status apply, create, update, delete, get and list with a fixed field manager. */
export class Client {
  readonly rest: KubeRest;
  readonly fieldManager: string;

  constructor(rest: KubeRest, options: ClientOptions) {
    this.rest = rest;
    this.fieldManager = options.fieldManager;
  }

  /** Server-side apply of `obj` (complete, with apiVersion and kind, holding only fields we own). */
  async apply<T extends KubeObject>(obj: T, options: ApplyOptions = {}): Promise<T> {
    return this.#apply(obj, undefined, options);
  }

  /**
   * Server-side apply of `obj.status` through the status subresource (spec and metadata in the
   * body are ignored by the server there). Forced: status is written by this operator only.
   */
  async applyStatus<T extends KubeObject>(obj: T, control: RequestControl = {}): Promise<T> {
    return this.#apply(obj, 'status', { ...control, force: true });
  }

  /** Creates `obj` (POST); fails with 409 AlreadyExists if it exists. */
  async create<T extends KubeObject>(obj: T, control: RequestControl = {}): Promise<T> {
    const ref = refOf(obj, 'create');
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'POST',
        path: this.rest.path(info, { namespace: ref.namespace }),
        query: { fieldManager: this.fieldManager },
        body: obj,
        ...control,
      });
    } catch (error) {
      throw new ObjectError('create', ref, error);
    }
  }

  /**
   * Replaces `obj` (PUT). With metadata.resourceVersion set (as read), the API server refuses a
   * stale copy with 409 Conflict: optimistic concurrency for read-modify-write.
   */
  async update<T extends KubeObject>(obj: T, options: RequestControl & { readonly dryRun?: boolean } = {}): Promise<T> {
    const ref = refOf(obj, 'update');
    const { dryRun, ...control } = options;
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'PUT',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name }),
        query: { fieldManager: this.fieldManager, dryRun: dryRun ? 'All' : undefined },
        body: obj,
        ...control,
      });
    } catch (error) {
      throw new ObjectError('update', ref, error);
    }
  }

  /**
   * A JSON patch (RFC 6902) of one object, e.g. to rewrite its managedFields with a `test` of the
   * resourceVersion read (managed-fields.ts): not server-side apply, so it can set managedFields.
   */
  async patch<T extends KubeObject>(
    ref: ObjectRef,
    operations: readonly { op: string; path: string; value?: unknown }[],
    options: RequestControl & { readonly dryRun?: boolean } = {},
  ): Promise<T> {
    const { dryRun, ...control } = options;
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'PATCH',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name }),
        query: { fieldManager: this.fieldManager, dryRun: dryRun ? 'All' : undefined },
        contentType: 'application/json-patch+json',
        body: operations,
        ...control,
      });
    } catch (error) {
      throw new ObjectError('patch', ref, error);
    }
  }

  /** Deletes an object; resolves false if it was already gone. */
  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      await this.rest.request({
        method: 'DELETE',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name }),
        body: {
          propagationPolicy: options.propagationPolicy ?? 'Background',
          ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
        },
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new ObjectError('delete', ref, error);
    }
  }

  /** Reads an object from the API server (not the cache); undefined if it does not exist. */
  async get<T extends KubeObject>(ref: ObjectRef, control: RequestControl = {}): Promise<T | undefined> {
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'GET',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name }),
        ...control,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new ObjectError('get', ref, error);
    }
  }

  /** Lists objects (all pages) from the API server, with apiVersion and kind set on each. */
  async list<T extends KubeObject>(apiVersion: string, kind: string, options: ListOptions = {}): Promise<T[]> {
    const ref = { apiVersion, kind, namespace: options.namespace, name: '*' };
    try {
      const info = await this.rest.resource(apiVersion, kind);
      const items: T[] = [];
      let continueToken: string | undefined;
      do {
        const page = await this.rest.request<{ metadata?: { continue?: string }; items?: T[] }>({
          method: 'GET',
          path: this.rest.path(info, { namespace: options.namespace }),
          query: {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            limit: 500,
            continue: continueToken,
          },
          signal: options.signal,
          timeoutMs: options.timeoutMs,
        });
        for (const item of page.items ?? []) items.push({ apiVersion, kind, ...item });
        continueToken = page.metadata?.continue || undefined;
      } while (continueToken !== undefined);
      return items;
    } catch (error) {
      throw new ObjectError('list', ref, error);
    }
  }

  async #apply<T extends KubeObject>(obj: T, subresource: string | undefined, options: ApplyOptions): Promise<T> {
    const ref = refOf(obj, 'apply');
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'PATCH',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name, subresource }),
        query: {
          fieldManager: options.fieldManager ?? this.fieldManager,
          force: options.force ? true : undefined,
          dryRun: options.dryRun ? 'All' : undefined,
        },
        contentType: APPLY_PATCH_CONTENT_TYPE,
        body: obj,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    } catch (error) {
      throw new ObjectError(subresource === undefined ? 'apply' : `apply ${subresource} of`, ref, error);
    }
  }
}
