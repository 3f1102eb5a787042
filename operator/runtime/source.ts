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
// - Every retry waits a jittered delay (retryDelayMs), and no retry waits longer than it must once
//   the API server is back: a server that cannot be reached at all is retried at least every
//   `unreachableMaxMs` (2 s), so a restart leaves no blind window of exponential back-off; a 429
//   waits what its Retry-After says; a 410 relists at once (the server answered: it is up);
//   other errors back off exponentially to `maxMs`. The back-off resets after a successful list
//   or once a watch has delivered events for `stableMs`, not on every event, so a watch that
//   opens and drops at once (flapping) keeps backing off instead of reconnecting every 0.8 s.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from './key.ts';
import { type Logger, silentLogger } from './log.ts';
import type { WatchMetrics } from './metrics.ts';
import {
  ApiError,
  isGone,
  isTooManyRequests,
  isTransport,
  type KubeRest,
  PARTIAL_OBJECT_METADATA,
  PARTIAL_OBJECT_METADATA_LIST,
} from './rest.ts';

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
  /** @default 800 (kube-rs' DefaultBackoff, client-go's reflector) */
  readonly initialMs?: number;
  /** @default 30000 (client-go's reflector) */
  readonly maxMs?: number;
  /**
   * Upper bound of the delay while the API server cannot be reached at all (connection refused
   * or reset, no answer): such a retry costs the server nothing, and the first one after it is
   * back ends the blind window, so it must come soon.
   * @default 2000
   */
  readonly unreachableMaxMs?: number;
  /**
   * A watch that has delivered events for this long counts as a stable connection and resets
   * the back-off (client-go's reflector resets after 2 minutes without a failure).
   * @default 10000
   */
  readonly stableMs?: number;
}

/** Exponential back-off with jitter on the upper half: delay ∈ [d/2, d], d doubling to maxMs. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;
  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initialMs = options.initialMs ?? 800;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#random = random;
  }
  next(): number {
    const ceiling = Math.min(this.#initialMs * 2 ** this.#attempt, this.#maxMs);
    this.#attempt++;
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }
  reset(): void {
    this.#attempt = 0;
  }
}

/** The watcher's two back-offs: HTTP errors, and a server that cannot be reached at all. */
export interface WatchBackoffs {
  /** Errors the server answered (5xx, 403, a broken stream): exponential to maxMs. */
  readonly answered: Backoff;
  /**
   * Connection refused or reset, no answer: at most unreachableMaxMs. Counted apart, so an outage
   * does not leave the first error after it (a 503 while the server starts) at the grown maximum.
   */
  readonly unreachable: Backoff;
}

/**
 * How long the watcher waits before retrying after `error` (see the header): Retry-After for a
 * 429 (stretched by up to 20 % so the watchers it refused do not return at one instant), a short
 * jitter for the first 410 in a row, `unreachableMaxMs` at most while the server cannot be
 * reached, exponential back-off otherwise.
 */
export function retryDelayMs(
  error: unknown,
  backoffs: WatchBackoffs,
  options: {
    goneInARow: number;
    /** The failed watch had delivered events: a connection that breaks is not an unreachable server. */
    connected?: boolean;
    random?: () => number;
  },
): number {
  const random = options.random ?? Math.random;
  if (isGone(error) && options.goneInARow <= 1) return Math.round(random() * 100);
  if (isTooManyRequests(error) && error instanceof ApiError && error.retryAfterSeconds !== undefined) {
    return Math.round(error.retryAfterSeconds * 1000 * (1 + 0.2 * random()));
  }
  if (isTransport(error) && !options.connected) return backoffs.unreachable.next();
  return backoffs.answered.next();
}

export interface WatcherOptions<T> {
  readonly rest: KubeRest;
  readonly apiVersion: string;
  readonly kind: string;
  /** Watch one namespace; all namespaces when omitted. */
  readonly namespace?: string;
  /**
   * e.g. `app.kubernetes.io/managed-by=msvc-operator`; filters server-side, so the cache stays
   * small. A function is read at the start of each full list and kept until the next one, like
   * shardSelector (sharded children: the label values of this replica's buckets).
   */
  readonly labelSelector?: string | (() => string | undefined);
  readonly fieldSelector?: string;
  /**
   * The KEP-5866 shardSelector of the lists and watches, read at the start of each full list and
   * kept until the next one (the Informer restarts the watcher when the ring moves, so the new
   * ranges are listed afresh); undefined sends none. Only an API
   * server with the ShardedListAndWatch feature gate applies it: it then echoes the selector in
   * the list's metadata.shardInfo (see onListPage); one without the gate answers everything.
   */
  readonly shardSelector?: () => string | undefined;
  /** Told the metadata of every list page (e.g. shardInfo, the shardSelector echo). */
  readonly onListPage?: (metadata: ListMetadata) => void;
  /**
   * List and watch metadata only (PartialObjectMetadata): what a cache of resourceVersions needs,
   * without ever receiving the objects' data (Secrets). Objects keep the watched apiVersion and kind.
   * @default false
   */
  readonly metadataOnly?: boolean;
  /**
   * Shrinks objects before they are cached (and handed to handlers). Runs on every object.
   * @default stripManagedFields
   */
  readonly transform?: (obj: KubeObject) => T;
  /**
   * Page size of the initial list. Each page is one response body, one string and one parse in
   * flight, so smaller pages keep a full list's transient memory small: 100 instead of client-go's
   * 500 took the operator's peak RSS with 1,000 MicroServices from 117 to 105 MiB
   * (bench/results/memory-fix.json); more pages cost round trips, not API server work.
   * @default 100
   */
  readonly pageSize?: number;
  readonly backoff?: BackoffOptions;
  /**
   * Server-side watch timeout; a random value in [min, 2·min) like client-go spreads reconnects.
   * @default 300
   */
  readonly minWatchTimeoutSeconds?: number;
  /**
   * A watch that delivers nothing (no event, no bookmark) for this long is taken for a dead
   * connection (HTTP/1.1 has no pings: a half-open TCP connection is silent forever) and
   * reconnected from its resourceVersion. The API server sends a bookmark to a watch that asked
   * for them about once a minute (measured on 1.37: every 60 s on a quiet watch), so 150 s is two
   * missed bookmarks and a half; a false alarm costs one reconnect.
   * @default 150000
   */
  readonly idleTimeoutMs?: number;
  readonly log?: Logger;
  readonly metrics?: WatchMetrics;
  /** Called on every state transition (tests, debugging). */
  readonly onState?: (state: WatcherState) => void;
  /** Called before each wait to retry, with its length and the error (health, tests). */
  readonly onRetry?: (delayMs: number, error: unknown) => void;
  /** Called whenever the watch makes progress: a list page, an event or bookmark, a normal end (health). */
  readonly onProgress?: () => void;
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

/** The metadata of a list answer (metav1.ListMeta). */
export interface ListMetadata {
  readonly resourceVersion?: string;
  readonly continue?: string;
  /** KEP-5866: set only when the server applied a shardSelector, to the selector it applied. */
  readonly shardInfo?: { readonly selector?: string };
}

interface ListResponse {
  metadata?: ListMetadata;
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
  const backoffs: WatchBackoffs = {
    answered: new Backoff(options.backoff),
    unreachable: new Backoff({ ...options.backoff, maxMs: options.backoff?.unreachableMaxMs ?? 2_000 }),
  };
  const reset = () => {
    backoffs.answered.reset();
    backoffs.unreachable.reset();
  };
  const stableMs = options.backoff?.stableMs ?? 10_000;
  let goneInARow = 0;
  let delivered = 0; // events of the current (or last) watch
  const pageSize = options.pageSize ?? 100;
  const minTimeout = options.minWatchTimeoutSeconds ?? 300;
  const idleAfterMs = options.idleTimeoutMs ?? 150_000;
  const idleError = () =>
    new ApiError(
      `watch ${options.kind}: nothing received for ${Math.round(idleAfterMs / 1000)}s, not even a bookmark: taken for a dead connection, reconnecting`,
      0,
      'Idle',
    );
  // Metadata-only answers say kind PartialObjectMetadata: keep the kind that was watched.
  const typed = options.metadataOnly
    ? (obj: KubeObject) => transform({ ...obj, apiVersion: options.apiVersion, kind: options.kind })
    : (obj: KubeObject) => transform({ apiVersion: options.apiVersion, kind: options.kind, ...obj });
  let state = { phase: 'Empty' } as WatcherState;
  let shardSelector: string | undefined;
  const readLabelSelector = () =>
    typeof options.labelSelector === 'function' ? options.labelSelector() : options.labelSelector;
  let labelSelector = readLabelSelector();
  const enter = (next: WatcherState) => {
    state = next;
    options.onState?.(next);
  };

  while (!signal.aborted) {
    try {
      switch (state.phase) {
        case 'Empty': {
          options.metrics?.relist();
          shardSelector = options.shardSelector?.();
          labelSelector = readLabelSelector();
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
              labelSelector,
              fieldSelector: options.fieldSelector,
              shardSelector,
              limit: pageSize,
              continue: state.continueToken,
            },
            accept: options.metadataOnly ? PARTIAL_OBJECT_METADATA_LIST : undefined,
            signal,
          });
          // A 2xx list: the server is up and serving; whatever failed before is over.
          reset();
          options.onProgress?.();
          options.onListPage?.(page.metadata ?? {});
          options.metrics?.listed?.(page.items?.length ?? 0);
          goneInARow = 0;
          // Each raw item is let go once transformed: a suspended generator keeps its registers,
          // so a for-of over page.items would hold the whole last page (the objects as the API
          // server sent them, managedFields and all) for as long as the watch that follows runs.
          const items = page.items ?? [];
          for (let i = 0; i < items.length; i++) {
            const item = items[i]!;
            items[i] = undefined as unknown as KubeObject;
            yield { type: 'InitApply', object: typed(item) };
          }
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
          delivered = 0;
          let firstEventAt: number | undefined;
          const idle = new AbortController();
          const onIdle = () => {
            options.metrics?.idleTimeout?.();
            idle.abort(idleError());
          };
          let idleTimer = setTimeout(onIdle, idleAfterMs);
          try {
            enter({ phase: 'Watching', resourceVersion });
            const lines = options.rest.lines({
              path: options.rest.path(info, { namespace: options.namespace }),
              query: {
                watch: true,
                allowWatchBookmarks: true,
                resourceVersion,
                labelSelector,
                fieldSelector: options.fieldSelector,
                shardSelector,
                timeoutSeconds: Math.floor(minTimeout * (1 + Math.random())),
              },
              accept: options.metadataOnly ? PARTIAL_OBJECT_METADATA : undefined,
              signal: AbortSignal.any([signal, idle.signal]),
              // The API server answers a watch at once; a silent socket (a pooled connection that
              // went half-open with the rest) must not hold the reconnect for the default 30 s.
              timeoutMs: 10_000,
              // The server answered: the connection works (a quiet watch is not a dead one).
              onOpen: () => options.onProgress?.(),
            });
            for await (const line of lines) {
              clearTimeout(idleTimer);
              idleTimer = setTimeout(onIdle, idleAfterMs);
              options.onProgress?.();
              const event = JSON.parse(line) as RawWatchEvent;
              options.metrics?.event(event.type);
              received++;
              delivered = received;
              firstEventAt ??= Date.now();
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
              // Not on every event: only a connection that stays up resets (see the header).
              if (Date.now() - firstEventAt >= stableMs) reset();
              if (event.type === 'ADDED' || event.type === 'MODIFIED')
                yield { type: 'Apply', object: typed(event.object) };
              else if (event.type === 'DELETED') yield { type: 'Delete', object: typed(event.object) };
              // BOOKMARK: only the resourceVersion moves.
            }
          } catch (error) {
            // Whatever the transport made of the abort, a watch given up as dead is a dead connection.
            if (idle.signal.aborted && !signal.aborted) throw idle.signal.reason;
            throw error;
          } finally {
            clearTimeout(idleTimer);
            if (firstEventAt !== undefined && Date.now() - firstEventAt >= stableMs) reset();
          }
          // A normal end is the server-side timeout: resume at once. An empty stream that ends
          // quickly means the server is going away: treat it like an error and back off.
          if (received === 0 && Date.now() - started < 5_000 && !signal.aborted) {
            await sleep(backoffs.unreachable.next(), undefined, { signal });
          } else options.onProgress?.();
          break;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      options.metrics?.watchError();
      const gone = isGone(error);
      goneInARow = gone ? goneInARow + 1 : 0;
      if (gone) enter({ phase: 'Empty' });
      const delayMs = retryDelayMs(error, backoffs, { goneInARow, connected: delivered > 0 });
      delivered = 0;
      options.onRetry?.(delayMs, error);
      log.warn({ err: error, phase: state.phase, delayMs, relist: gone }, 'list/watch failed; retrying');
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }
}
