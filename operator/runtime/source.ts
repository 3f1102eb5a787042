// The watcher: list+watch of one resource as an explicit state machine (kube-rs' watcher.rs),
// written over raw requests because we must own resourceVersion, bookmarks and 410 handling.
//
//   Empty ──Init──▶ InitListing(continue?) ──InitApply*──▶ … ──InitDone──▶ InitListed(rv)
//   InitListed(rv) / Watching(rv) ──watch?resourceVersion=rv&allowWatchBookmarks──▶ Watching(rv')
//
// - A watch that ends normally (server timeout) resumes from the last resourceVersion.
// - A dropped connection or API server restart resumes from the last resourceVersion after back-off.
// - 410 Gone (compacted resourceVersion or expired continue token) → Empty: a full relist, whose
//   InitDone lets the cache drop objects deleted while we were away. No event is lost: every
//   change is either seen on the watch or reflected in the relist.
// - Every retry goes through back-off (exponential with jitter, reset after progress).
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from './key.ts';
import { type Logger, silentLogger } from './log.ts';
import type { WatchMetrics } from './metrics.ts';
import { ApiError, isGone, type KubeRest } from './rest.ts';

/** What the watcher emits (kube-rs' watcher::Event). A relist is Init, InitApply*, InitDone. */
export type WatchEvent<T> =
  | { readonly type: 'Init' }
  | { readonly type: 'InitApply'; readonly object: T }
  | { readonly type: 'InitDone' }
  | { readonly type: 'Apply'; readonly object: T }
  | { readonly type: 'Delete'; readonly object: T };

/** Where the watcher is; exported for logs and tests. */
export type WatcherState =
  | { readonly phase: 'Empty' }
  | { readonly phase: 'InitListing'; readonly continueToken: string | undefined }
  | { readonly phase: 'InitListed'; readonly resourceVersion: string }
  | { readonly phase: 'Watching'; readonly resourceVersion: string };

export interface BackoffOptions {
  /** @default 800 (kube-rs' DefaultBackoff) */
  readonly initialMs?: number;
  /** @default 30000 */
  readonly maxMs?: number;
}

/** Exponential back-off with full jitter on the upper half: delay ∈ [d/2, d], d doubling to maxMs. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #attempt = 0;
  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 800;
    this.#maxMs = options.maxMs ?? 30_000;
  }
  next(): number {
    const ceiling = Math.min(this.#initialMs * 2 ** this.#attempt, this.#maxMs);
    this.#attempt++;
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }
  reset(): void {
    this.#attempt = 0;
  }
}

export interface WatcherOptions<T> {
  readonly rest: KubeRest;
  readonly apiVersion: string;
  readonly kind: string;
  /** Watch one namespace; all namespaces when omitted. */
  readonly namespace?: string;
  /** e.g. `app.kubernetes.io/managed-by=msvc-operator`; filters server-side, so the cache stays small. */
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Shrinks objects before they are cached (and handed to handlers). Runs on every object.
   * @default stripManagedFields
   */
  readonly transform?: (obj: KubeObject) => T;
  /**
   * Page size of the initial list.
   * @default 500
   */
  readonly pageSize?: number;
  readonly backoff?: BackoffOptions;
  /**
   * Server-side watch timeout; a random value in [min, 2·min) like client-go spreads reconnects.
   * @default 300
   */
  readonly minWatchTimeoutSeconds?: number;
  readonly log?: Logger;
  readonly metrics?: WatchMetrics;
  /** Called on every state transition (tests, debugging). */
  readonly onState?: (state: WatcherState) => void;
}

/** Drops what reconcile never reads: managedFields and kubectl's last-applied annotation. */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata;
  if (metadata === undefined) return obj;
  const { managedFields: _managedFields, ...rest } = metadata;
  const annotations = rest.annotations;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _lastApplied, ...kept } = annotations;
    rest.annotations = kept;
  }
  return { ...obj, metadata: rest };
}

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

/** Lists then watches until `signal` aborts; never throws (errors are retried after back-off). */
export async function* watcher<T = KubeObject>(
  options: WatcherOptions<T>,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent<T>> {
  const log = (options.log ?? silentLogger).child({ watch: options.kind, namespace: options.namespace });
  const transform = options.transform ?? (stripManagedFields as (obj: KubeObject) => T);
  const backoff = new Backoff(options.backoff);
  const pageSize = options.pageSize ?? 500;
  const minTimeout = options.minWatchTimeoutSeconds ?? 300;
  const typed = (obj: KubeObject) => transform({ apiVersion: options.apiVersion, kind: options.kind, ...obj });
  let state = { phase: 'Empty' } as WatcherState;
  const enter = (next: WatcherState) => {
    state = next;
    options.onState?.(next);
  };

  while (!signal.aborted) {
    try {
      switch (state.phase) {
        case 'Empty': {
          options.metrics?.relist();
          yield { type: 'Init' };
          enter({ phase: 'InitListing', continueToken: undefined });
          break;
        }
        case 'InitListing': {
          const info = await options.rest.resource(options.apiVersion, options.kind);
          const page = await options.rest.request<ListResponse>({
            method: 'GET',
            path: options.rest.path(info, { namespace: options.namespace }),
            query: {
              labelSelector: options.labelSelector,
              fieldSelector: options.fieldSelector,
              limit: pageSize,
              continue: state.continueToken,
            },
            signal,
          });
          backoff.reset();
          for (const item of page.items ?? []) yield { type: 'InitApply', object: typed(item) };
          const continueToken = page.metadata?.continue;
          if (continueToken) {
            enter({ phase: 'InitListing', continueToken });
          } else {
            enter({ phase: 'InitListed', resourceVersion: page.metadata?.resourceVersion ?? '' });
            yield { type: 'InitDone' };
          }
          break;
        }
        case 'InitListed':
        case 'Watching': {
          const info = await options.rest.resource(options.apiVersion, options.kind);
          const started = Date.now();
          let resourceVersion = state.resourceVersion;
          let received = 0;
          const idle = new AbortController();
          const idleAfterMs = (2 * minTimeout + 60) * 1000;
          let idleTimer = setTimeout(() => idle.abort(new Error('watch idle')), idleAfterMs);
          try {
            enter({ phase: 'Watching', resourceVersion });
            const lines = options.rest.lines({
              path: options.rest.path(info, { namespace: options.namespace }),
              query: {
                watch: true,
                allowWatchBookmarks: true,
                resourceVersion,
                labelSelector: options.labelSelector,
                fieldSelector: options.fieldSelector,
                timeoutSeconds: Math.floor(minTimeout * (1 + Math.random())),
              },
              signal: AbortSignal.any([signal, idle.signal]),
            });
            for await (const line of lines) {
              clearTimeout(idleTimer);
              idleTimer = setTimeout(() => idle.abort(new Error('watch idle')), idleAfterMs);
              const event = JSON.parse(line) as RawWatchEvent;
              options.metrics?.event(event.type);
              received++;
              if (event.type === 'ERROR') {
                const status = event.object;
                throw new ApiError(
                  `watch ${options.kind}: ${status.code ?? '?'} ${status.reason ?? ''} ${status.message ?? ''}`,
                  status.code ?? 500,
                  status.reason,
                  status,
                );
              }
              resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
              enter({ phase: 'Watching', resourceVersion });
              backoff.reset();
              if (event.type === 'ADDED' || event.type === 'MODIFIED')
                yield { type: 'Apply', object: typed(event.object) };
              else if (event.type === 'DELETED') yield { type: 'Delete', object: typed(event.object) };
              // BOOKMARK: only the resourceVersion moves.
            }
          } finally {
            clearTimeout(idleTimer);
          }
          // A normal end is the server-side timeout: resume at once. An empty stream that ends
          // quickly means the server is going away: treat it like an error and back off.
          if (received === 0 && Date.now() - started < 5_000 && !signal.aborted) {
            await sleep(backoff.next(), undefined, { signal });
          }
          break;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      options.metrics?.watchError();
      const gone = isGone(error);
      if (gone) enter({ phase: 'Empty' });
      const delayMs = backoff.next();
      log.warn({ err: error, phase: state.phase, delayMs, relist: gone }, 'list/watch failed; retrying');
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }
}
