// One copy of each string the caches hold many of. JSON.parse gives every string value its own copy
// (V8 shares property names, not values), so a cache of thousands of objects holds thousands of
// copies of the same apiVersions, kinds, namespaces, label values, owner names, images, quantities
// and condition reasons: with 1,000 MicroServices and their children, 3 MiB of a 30 MiB heap in a
// heap snapshot (bench/heap-summary.ts). A cache transform runs its result through intern(): each
// string is swapped for the copy seen first. Identifiers that are never repeated (uid,
// resourceVersion) are left alone, so they do not fill the table. The table is bounded: once it
// holds `maxEntries` strings it starts over (what was shared stays shared; new copies are shared
// from then on), so strings of objects long gone cannot pile up.

/** Keys whose values are unique per object (or per version of one): not worth a table entry. */
const UNIQUE_KEYS: ReadonlySet<string> = new Set(['uid', 'resourceVersion']);

export class StringInterner {
  readonly #maxEntries: number;
  readonly #maxLength: number;
  #table = new Map<string, string>();

  /**
   * @param maxEntries how many distinct strings the table holds before it starts over
   * @param maxLength longer strings are kept as they are (a long value is rarely repeated)
   */
  constructor(options: { maxEntries?: number; maxLength?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 50_000;
    this.#maxLength = options.maxLength ?? 256;
  }

  /** Distinct strings in the table now. */
  get size(): number {
    return this.#table.size;
  }

  /** The shared copy of `value`. */
  string(value: string): string {
    if (value.length > this.#maxLength) return value;
    const shared = this.#table.get(value);
    if (shared !== undefined) return shared;
    if (this.#table.size >= this.#maxEntries) this.#table = new Map();
    this.#table.set(value, value);
    return value;
  }

  /**
   * Swaps every string value in `value` (objects and arrays, depth first) for its shared copy, in
   * place, and returns it. Only for an object nobody else holds yet: a transform's fresh result.
   */
  intern<T>(value: T): T {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') value[i] = this.string(item);
        else if (item !== null && typeof item === 'object') this.intern(item);
      }
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const item = record[key];
        if (typeof item === 'string') {
          if (!UNIQUE_KEYS.has(key)) record[key] = this.string(item);
        } else if (item !== null && typeof item === 'object') this.intern(item);
      }
    }
    return value;
  }
}
