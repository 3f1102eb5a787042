// Runtime tuning: picks the tuner of the spec's runtime (Go, JVM or Node.js; at most one is set)
// and merges its variables into the app container's env. The tuners share shared.ts and never
// import each other or this file.
import type { MicroServiceSpec } from '../../api/index.ts';
import type { EnvVar } from '../types.ts';
import { goTuning } from './go.ts';
import { jvmTuning } from './jvm.ts';
import { nodeTuning } from './node.ts';
import type { RuntimeTuning } from './shared.ts';

export type { RuntimeTuning, TuningDecision } from './shared.ts';

export function runtimeTuning(spec: MicroServiceSpec): RuntimeTuning {
  if (spec.runtime?.jvm) return jvmTuning(spec);
  if (spec.runtime?.node) return nodeTuning(spec);
  return goTuning(spec);
}

/**
 * The app container's env: the user's variables in their order, a tuned options variable the user
 * set (JAVA_TOOL_OPTIONS, NODE_OPTIONS) replaced in place by its extended value, then the other
 * tuning variables.
 */
export function withTuning(userEnv: readonly EnvVar[], tuning: RuntimeTuning): EnvVar[] {
  const tuned = new Map(tuning.env.map((e) => [e.name, e.value]));
  const out = userEnv.map((e) => {
    const value = tuned.get(e.name);
    if (value === undefined) return e;
    tuned.delete(e.name);
    return { name: e.name, value };
  });
  for (const [name, value] of tuned) out.push({ name, value });
  return out;
}
