/**
 * What a V8 heap snapshot holds, summed without DevTools: self size by node type and by
 * constructor, and the strings held more than once (the same value in several copies: what
 * interning them would save). For the operator's caches: `bench/memory.ts --snapshot DIR` writes
 * one after GC.
 *
 *   npx node bench/heap-summary.ts FILE.heapsnapshot [--top 25]
 *
 * The format is V8's (https://v8.dev/docs/memory-leaks, and the snapshot's own `meta`): a flat
 * `nodes` array of `node_fields` per node, names as indices into `strings`; a string node's name is
 * its value (V8 cuts it at 1,024 characters; the self size is the real one).
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: {
    readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] };
  };
  readonly nodes: number[];
  readonly strings: string[];
}

export interface HeapSummary {
  readonly totalMiB: number;
  readonly byType: ReadonlyArray<{ readonly type: string; readonly count: number; readonly MiB: number }>;
  readonly byConstructor: ReadonlyArray<{ readonly name: string; readonly count: number; readonly MiB: number }>;
  /** Every string node (flat strings only), and what all but one copy of each value take. */
  readonly strings: { readonly count: number; readonly MiB: number; readonly duplicateMiB: number };
  readonly duplicated: ReadonlyArray<{ readonly value: string; readonly copies: number; readonly MiB: number }>;
}

const toMiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;

export function summarize(snapshot: Snapshot, top = 25): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const TYPE = fields.indexOf('type');
  const NAME = fields.indexOf('name');
  const SIZE = fields.indexOf('self_size');
  const byType = new Map<string, { count: number; bytes: number }>();
  const byConstructor = new Map<string, { count: number; bytes: number }>();
  const strings = new Map<string, { copies: number; bytes: number }>();
  let total = 0;
  const { nodes } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + TYPE]!] ?? 'unknown';
    const size = nodes[i + SIZE]!;
    total += size;
    const t = byType.get(type) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += size;
    byType.set(type, t);
    const name = snapshot.strings[nodes[i + NAME]!] ?? '';
    if (type === 'object' || type === 'closure' || type === 'array') {
      const key = `${type} ${name}`;
      const c = byConstructor.get(key) ?? { count: 0, bytes: 0 };
      c.count++;
      c.bytes += size;
      byConstructor.set(key, c);
    } else if (type === 'string') {
      const s = strings.get(name) ?? { copies: 0, bytes: 0 };
      s.copies++;
      s.bytes += size;
      strings.set(name, s);
    }
  }
  let stringBytes = 0;
  let stringCount = 0;
  let duplicateBytes = 0;
  const duplicated: Array<{ value: string; copies: number; bytes: number; wasted: number }> = [];
  for (const [value, s] of strings) {
    stringBytes += s.bytes;
    stringCount += s.copies;
    if (s.copies < 2) continue;
    const wasted = s.bytes - s.bytes / s.copies;
    duplicateBytes += wasted;
    duplicated.push({ value, copies: s.copies, bytes: s.bytes, wasted });
  }
  const sorted = <T extends { bytes: number }>(m: Map<string, T>) => [...m].sort(([, a], [, b]) => b.bytes - a.bytes);
  return {
    totalMiB: toMiB(total),
    byType: sorted(byType).map(([type, t]) => ({ type, count: t.count, MiB: toMiB(t.bytes) })),
    byConstructor: sorted(byConstructor)
      .slice(0, top)
      .map(([name, c]) => ({ name, count: c.count, MiB: toMiB(c.bytes) })),
    strings: { count: stringCount, MiB: toMiB(stringBytes), duplicateMiB: toMiB(duplicateBytes) },
    duplicated: duplicated
      .sort((a, b) => b.wasted - a.wasted)
      .slice(0, top)
      .map((d) => ({ value: d.value.slice(0, 80), copies: d.copies, MiB: toMiB(d.bytes) })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/heap-summary.ts FILE.heapsnapshot [--top N]');
  const top = rest[0] === '--top' ? Number(rest[1]) : 25;
  console.log(JSON.stringify(summarize(JSON.parse(readFileSync(file, 'utf8')) as Snapshot, top), null, 1));
}
