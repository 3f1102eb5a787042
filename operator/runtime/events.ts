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

/** Writes core/v1 Events (what `kubectl describe` and `kubectl events` show). */
export class KubeEventRecorder implements EventRecorder {
  readonly #client: Client;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #component: string;
  readonly #instance: string;
  #sequence = 0;

  /**
   * @param options.component `source.component` and `reportingComponent` of every Event
   * @param options.instance `reportingInstance` (e.g. the pod name); defaults to the component
   */
  constructor(client: Client, log: Logger, options: { component: string; now?: () => Date; instance?: string }) {
    this.#client = client;
    this.#log = log;
    this.#now = options.now ?? (() => new Date());
    this.#component = options.component;
    this.#instance = options.instance ?? options.component;
  }

  async event(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata?.namespace ?? 'default';
    const name = object.metadata?.name ?? 'unknown';
    const now = this.#now().toISOString();
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
      message: message.slice(0, 1024),
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.#client.create(body);
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
