// Every write the operator makes goes through here, so every write carries the same field manager
// (controller-runtime's WithFieldOwner). Writes are server-side apply: we send only the fields we
// own, the API server merges them and keeps everyone else's (an HPA's replicas, another
// controller's annotations). Status goes through the status subresource. Errors name the object.
import type { KubeObject } from './key.ts';
import { ApiError, isNotFound, type KubeRest } from './rest.ts';

/** The one field manager of every operator write. */
export const FIELD_MANAGER = 'msvc-operator';

/** The server-side apply content type; a JSON body is valid YAML. */
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** Enough to find one object. `namespace` is ignored for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** A failed request about one object; `key` is `Kind namespace/name`. */
export class ObjectError extends Error {
  readonly key: string;
  readonly status: number;
  readonly reason: string;
  constructor(verb: string, ref: ObjectRef, cause: unknown) {
    const key = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${verb} ${key}: ${detail}`, { cause });
    this.name = 'ObjectError';
    this.key = key;
    this.status = cause instanceof ApiError ? cause.status : 0;
    this.reason = cause instanceof ApiError ? cause.reason : '';
  }
}

export interface ApplyOptions {
  /**
   * Take over fields another manager owns instead of failing with 409 Conflict. Use for children
   * (they are ours by definition); leave off where a conflict is information.
   * @default false
   */
  readonly force?: boolean;
  /** Validate and merge on the server without persisting. */
  readonly dryRun?: boolean;
}

export interface DeleteOptions {
  /** @default 'Background' */
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Delete only if the object still has this uid (don't delete a recreated namesake). */
  readonly uid?: string;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

function refOf(obj: KubeObject): ObjectRef {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  if (!apiVersion || !kind || !name) throw new Error('apply needs apiVersion, kind and metadata.name');
  return { apiVersion, kind, namespace: obj.metadata?.namespace, name };
}

/** Apply, status apply, delete, get and list with a fixed field manager. */
export class Client {
  readonly rest: KubeRest;

  constructor(rest: KubeRest) {
    this.rest = rest;
  }

  /** Server-side apply of `obj` (complete, with apiVersion and kind, holding only fields we own). */
  async apply<T extends KubeObject>(obj: T, options: ApplyOptions = {}): Promise<T> {
    return this.#apply(obj, undefined, options);
  }

  /**
   * Server-side apply of `obj.status` through the status subresource (spec and metadata in the
   * body are ignored by the server there). Forced: status is written by this operator only.
   */
  async applyStatus<T extends KubeObject>(obj: T): Promise<T> {
    return this.#apply(obj, 'status', { force: true });
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
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new ObjectError('delete', ref, error);
    }
  }

  /** Reads an object from the API server (not the cache); undefined if it does not exist. */
  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'GET',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name }),
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
    const ref = refOf(obj);
    try {
      const info = await this.rest.resource(ref.apiVersion, ref.kind);
      return await this.rest.request<T>({
        method: 'PATCH',
        path: this.rest.path(info, { namespace: ref.namespace, name: ref.name, subresource }),
        query: {
          fieldManager: FIELD_MANAGER,
          force: options.force ? true : undefined,
          dryRun: options.dryRun ? 'All' : undefined,
        },
        contentType: APPLY_PATCH_CONTENT_TYPE,
        body: obj,
      });
    } catch (error) {
      throw new ObjectError(subresource === undefined ? 'apply' : `apply ${subresource} of`, ref, error);
    }
  }
}
