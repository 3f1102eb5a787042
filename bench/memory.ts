/**
 * Operator memory with N MicroServices and their children (and pods) in its caches: VmRSS from
 * /proc/<pid>/status and V8 heap from process.memoryUsage(), both read right after two forced full
 * GCs (bench/operator-probe.ts), after the operator has been idle for a few seconds.
 */
import type { OperatorHandle } from './cluster-env.ts';
import { log, type Row } from './harness.ts';

export async function memory(
  operator: OperatorHandle,
  n: number,
): Promise<{ rows: Row[]; raw: Record<string, number> }> {
  await new Promise((r) => setTimeout(r, 5000));
  const m = await operator.memory();
  const cached = await operator.metric('msvc_cache_objects');
  log(`memory: ${JSON.stringify(m)}, cached objects ${cached}`);
  return {
    raw: { ...m, cachedObjects: cached },
    rows: [
      {
        measure: `operator RSS after GC, ${n} CRs and their children cached`,
        value: m.rssMiB,
        unit: 'MiB',
        target: '≤ 120 MiB',
        met: m.rssMiB <= 120,
        note: `peak RSS ${m.hwmMiB} MiB; ${cached} objects cached`,
      },
      {
        measure: `operator V8 heap used after GC (${n} CRs)`,
        value: m.heapUsedMiB,
        unit: 'MiB',
        target: 'informational',
        note: `heap total ${m.heapTotalMiB} MiB, external ${m.externalMiB} MiB`,
      },
    ],
  };
}
