// Kubernetes Events for transitions a person should see in `kubectl describe KIND/NAME`: a
// condition flipping, a child pruned, a spec rejected, an apply failing. Events are best effort:
// failing to record one never fails a reconcile (client-go's recorder behaves the same way).
import type { Client } from './client.ts';
import type { KubeObject } from './key.ts';
import type { Logger } from './log.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(object: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

/** How a KubeEventRecorder folds repeats and limits each object (client-go's EventCorrelator defaults). */
export interface EventCorrelationOptions {
  /** Events one object may record in a burst. @default 25 (client-go defaultSpamBurst) */
  readonly burst?: number;
  /** One more event per object every this many ms once the burst is spent. @default 300000 (client-go: qps 1/300) */
  readonly refillMs?: number;
  /** Repeats of the same event are folded into its count for this long. @default 600000 (client-go: 10 min) */
  readonly foldMs?: number;
  /** Objects and events remembered (least recently used forgotten). @default 4096 (client-go maxLruCacheEntries) */
  readonly maxEntries?: number;
}

interface Recorded {
  readonly event: KubeObject & { count?: number; firstTimestamp?: string };
  readonly at: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A Map used as an LRU: get moves an entry to the back, set drops the front beyond `max`. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
}

/**
 * Writes core/v1 Events (what `kubectl describe` and `kubectl events` show), correlated the way
 * client-go's EventRecorder does (k8s.io/client-go/tools/record/events_cache.go): a repeat of the
 * same event (object, type, reason, message, component) within `foldMs` updates the existing
 * Event's `count` and `lastTimestamp` instead of creating another object, and each object has a
 * token bucket (`burst`, one token per `refillMs`), so a looping failure cannot flood etcd. A
 * dropped event is logged at debug level.
 */
export class KubeEventRecorder implements EventRecorder {
  readonly #client: Client;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #component: string;
  readonly #instance: string;
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #foldMs: number;
  readonly #recorded: Lru<Recorded>;
  readonly #buckets: Lru<Bucket>;
  /** Per event key: the write in flight, so concurrent repeats fold instead of racing to create. */
  readonly #inFlight = new Map<string, Promise<void>>();
  #sequence = 0;

  /**
   * @param options.component `source.component` and `reportingComponent` of every Event
   * @param options.instance `reportingInstance` (e.g. the pod name); defaults to the component
   */
  constructor(
    client: Client,
    log: Logger,
    options: { component: string; now?: () => Date; instance?: string } & EventCorrelationOptions,
  ) {
    this.#client = client;
    this.#log = log;
    this.#now = options.now ?? (() => new Date());
    this.#component = options.component;
    this.#instance = options.instance ?? options.component;
    this.#burst = options.burst ?? 25;
    this.#refillMs = options.refillMs ?? 300_000;
    this.#foldMs = options.foldMs ?? 600_000;
    const max = options.maxEntries ?? 4096;
    this.#recorded = new Lru(max);
    this.#buckets = new Lru(max);
  }

  async event(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata?.namespace ?? 'default';
    const name = object.metadata?.name ?? 'unknown';
    const objectKey = [object.apiVersion, object.kind, namespace, name, object.metadata?.uid ?? ''].join('\u0000');
    const text = message.slice(0, 1024);
    const key = [objectKey, type, reason, text].join('\u0000');
    const previous = this.#inFlight.get(key) ?? Promise.resolve();
    const write = previous.then(() => this.#write(object, objectKey, key, type, reason, text, namespace, name));
    this.#inFlight.set(key, write);
    try {
      await write;
    } finally {
      if (this.#inFlight.get(key) === write) this.#inFlight.delete(key);
    }
  }

  /** Takes a token from the object's bucket; false when it is empty (the event is dropped). */
  #allow(objectKey: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(objectKey) ?? { tokens: this.#burst, at: nowMs };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (nowMs - bucket.at) / this.#refillMs);
    bucket.at = nowMs;
    this.#buckets.set(objectKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  async #write(
    object: KubeObject,
    objectKey: string,
    key: string,
    type: EventType,
    reason: string,
    message: string,
    namespace: string,
    name: string,
  ): Promise<void> {
    const nowDate = this.#now();
    const nowMs = nowDate.getTime();
    const now = nowDate.toISOString();
    if (!this.#allow(objectKey, nowMs)) {
      this.#log.debug(
        { reason, object: `${object.kind} ${namespace}/${name}` },
        'event dropped: rate limit of the object',
      );
      return;
    }
    const seen = this.#recorded.get(key);
    if (seen && nowMs - seen.at <= this.#foldMs) {
      const count = (seen.event.count ?? 1) + 1;
      try {
        const updated = await this.#client.update({ ...seen.event, count, lastTimestamp: now });
        this.#recorded.set(key, { event: updated, at: nowMs });
        return;
      } catch (error) {
        // Gone (expired after the API server's event TTL) or changed by someone else: start over.
        this.#recorded.delete(key);
        this.#log.debug({ err: error, reason }, 'could not update the event; creating a new one');
      }
    }
    this.#sequence += 1;
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${Date.now().toString(16)}${this.#sequence.toString(16)}`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name,
        namespace,
        uid: object.metadata?.uid,
        resourceVersion: object.metadata?.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      const created = await this.#client.create(body);
      this.#recorded.set(key, { event: created, at: nowMs });
    } catch (error) {
      this.#log.warn({ err: error, reason }, 'could not record event');
    }
  }
}

/** Keeps events in memory (tests, and the CLI's dry runs). */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: { object: string; type: EventType; reason: string; message: string }[] = [];
  async event(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    this.events.push({ object: `${object.kind}/${object.metadata?.name}`, type, reason, message });
  }
}
