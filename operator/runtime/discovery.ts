// Which optional kinds the API server serves right now (a custom resource exists only once its CRD
// is installed). Answers come from API discovery (GET /apis/<group>/<version>, cached by KubeRest):
// a served kind stays served until a request for it gets a 404 (`forget`), and a missing one is
// asked about again once `recheckMs` has passed, so a CRD installed later is found without a
// restart, at the cost of at most one discovery request per group/version and interval.
import { isNotFound, type KubeRest } from './rest.ts';

export interface KindDiscoveryOptions {
  /** How long a "not served" answer holds before discovery is asked again. @default 30_000 */
  readonly recheckMs?: number;
  /** Milliseconds clock, for tests. @default Date.now */
  readonly now?: () => number;
}

export class KindDiscovery {
  readonly #rest: KubeRest;
  readonly #recheckMs: number;
  readonly #now: () => number;
  /** `apiVersion/kind` → when it was last found missing. */
  readonly #missingSince = new Map<string, number>();

  constructor(rest: KubeRest, options: KindDiscoveryOptions = {}) {
    this.#rest = rest;
    this.#recheckMs = options.recheckMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The interval after which a missing kind is looked up again. */
  get recheckMs(): number {
    return this.#recheckMs;
  }

  /** Whether `kind` is served at `apiVersion`. Transport and other errors are thrown (retry the caller). */
  async served(apiVersion: string, kind: string): Promise<boolean> {
    const key = `${apiVersion}/${kind}`;
    const missing = this.#missingSince.get(key);
    if (missing !== undefined && this.#now() - missing < this.#recheckMs) return false;
    try {
      await this.#rest.resource(apiVersion, kind);
      this.#missingSince.delete(key);
      return true;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.#missingSince.set(key, this.#now());
      return false;
    }
  }

  /** A request for the kind got a 404 (its CRD was removed): ask discovery afresh next time. */
  forget(apiVersion: string, kind: string): void {
    this.#rest.forgetDiscovery(apiVersion);
    this.#missingSince.delete(`${apiVersion}/${kind}`);
  }
}
