// Canonical JSON and a short content hash. Used for the pod-template hash annotation, which lets
// the operator tell a no-op from a change without diffing every field.
import { hash } from 'node:crypto';

/** `"key":` by key: objects of one kind share their keys, and JSON.stringify of each was a third of the cost. */
const keyPrefixes = new Map<string, string>();
const KEY_PREFIXES_MAX = 10_000;

function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    if (keyPrefixes.size < KEY_PREFIXES_MAX) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

/** Sorts strings by UTF-16 code units (as `a < b` compares them), in place: insertion sort for the usual few keys. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * JSON with object keys sorted at every level: equal values give equal strings. The hash of it is
 * stored on live objects, so the bytes must never change: hash.test.ts compares this with the
 * straightforward version (entries, filter, sort, map, join) on arbitrary values. This one builds
 * the string in one pass, with cached key prefixes and an insertion sort, about twice as fast (it
 * hashes every pod template).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole or an undefined element: join() writes nothing for it.
      if (i in value) out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of sortKeys(Object.keys(object))) {
    const v = object[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    // `${undefined}` for values JSON has no text for (a function), as before.
    out += `${keyPrefix(key)}${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * First 16 hex digits of the SHA-256 of the canonical JSON. crypto.hash is the one-shot form of
 * createHash().update().digest() (https://nodejs.org/api/crypto.html#cryptohashalgorithm-data-options),
 * without a Hash object per call.
 */
export function contentHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex').slice(0, 16);
}
