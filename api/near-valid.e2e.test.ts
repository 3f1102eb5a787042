// msvc and the API server agree on accept/reject for thousands of near-valid specs (issue #14,
// item 5b): valid specs with one or two mutations at the edge of a rule (test/support/near-valid.ts),
// seeded, so a run is reproducible. Each custom resource goes to the real API server with a
// server-side dry run; when msvc accepts it, so must the API server, and every object rendered from
// it too. `msvc validate` OK ⇔ the API server takes the CR and everything rendered from it.
// MSVC_NEAR_VALID_RUNS sets the number of specs (default 2000), MSVC_NEAR_VALID_SEED the seed.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../render/index.ts';
import { type DryRunVerdict, dryRunEach, verdictKey } from '../test/e2e/dry-run.ts';
import { installCrd, installVendoredCrds } from '../test/e2e/kube.ts';
import { createTestNamespace } from '../test/e2e/namespace.ts';
import { type NearValid, nearValidArbitrary } from '../test/support/near-valid.ts';
import { e2eKubeconfigPath as kubeconfig } from '../test/support/operator.ts';
import { parseMicroService } from './validate.ts';

const RUNS = Number(process.env.MSVC_NEAR_VALID_RUNS ?? 2000);
const SEED = Number(process.env.MSVC_NEAR_VALID_SEED ?? 14);
/** kubectl processes at once; each sends its batch's objects one request after another. */
const CONCURRENCY = 4;
const BATCH = 100;

let namespace = '';
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  await installCrd(kubeconfig());
  // Routes, monitors and the Istio policy are rendered children too.
  await installVendoredCrds(kubeconfig());
  ({ name: namespace, cleanup } = await createTestNamespace(kubeconfig(), 'near-valid'));
});
afterAll(async () => {
  await cleanup?.();
});

type Named = { kind: string; metadata: { name: string } };

/** dryRunEach over `objects` in CONCURRENCY parallel streams of BATCH-sized kubectl calls. */
async function dryRunAll(objects: readonly Named[]): Promise<Map<string, DryRunVerdict>> {
  const batches: Named[][] = [];
  for (let i = 0; i < objects.length; i += BATCH) batches.push(objects.slice(i, i + BATCH));
  const verdicts = new Map<string, DryRunVerdict>();
  let next = 0;
  const worker = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      for (const [k, v] of await dryRunEach(kubeconfig(), namespace, batches[b] as Named[], BATCH)) verdicts.set(k, v);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return verdicts;
}

/** A unique MicroService name, `length` characters long when the sample asks for one. */
function nameOf(sample: NearValid, i: number): string {
  const base = `nv${i.toString(36)}`;
  return sample.nameLength === undefined ? base : `${base}${'a'.repeat(Math.max(sample.nameLength - base.length, 0))}`;
}

describe('msvc and the API server agree on near-valid specs', () => {
  it(`${RUNS} generated specs (seed ${SEED}): msvc accepts exactly what the API server accepts, CR and children`, async () => {
    const started = performance.now();
    const samples = fc.sample(nearValidArbitrary, { numRuns: RUNS, seed: SEED });
    const crs = samples.map((s, i) => ({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { ...s.metadata, name: nameOf(s, i) },
      spec: s.spec,
    }));
    const parsed = crs.map((cr) => parseMicroService({ ...cr, metadata: { ...cr.metadata, namespace } }));
    const generated = performance.now();

    const crVerdicts = await dryRunAll(crs);
    const crsDone = performance.now();

    // What msvc accepts and the API server took: its children, each keyed back to its spec.
    const owner = new Map<string, number>();
    const children: Named[] = [];
    const renderErrors: string[] = [];
    crs.forEach((cr, i) => {
      const p = parsed[i];
      if (!p?.ok || !crVerdicts.get(verdictKey(cr))?.accepted) return;
      try {
        for (const o of render(p.value).objects as Named[]) {
          owner.set(verdictKey(o), i);
          children.push(o);
        }
      } catch (error) {
        renderErrors.push(`${cr.metadata.name} (${samples[i]?.edits.join('; ')}): render threw ${String(error)}`);
      }
    });
    const childVerdicts = await dryRunAll(children);
    const childrenDone = performance.now();

    const refusedChild = new Map<number, string[]>();
    for (const o of children) {
      const v = childVerdicts.get(verdictKey(o));
      if (v?.accepted) continue;
      const i = owner.get(verdictKey(o)) as number;
      refusedChild.set(i, [...(refusedChild.get(i) ?? []), `${verdictKey(o)}: ${v?.message}`]);
    }

    const disagreements: string[] = [...renderErrors];
    let msvcAccepts = 0;
    crs.forEach((cr, i) => {
      const p = parsed[i];
      const cv = crVerdicts.get(verdictKey(cr));
      const what = `${cr.metadata.name} [${samples[i]?.edits.join('; ')}]`;
      if (p?.ok) msvcAccepts++;
      if (p?.ok && !cv?.accepted)
        disagreements.push(`${what}: msvc accepts, the API server refuses the CR: ${cv?.message}`);
      else if (!p?.ok && cv?.accepted) {
        disagreements.push(
          `${what}: the API server accepts the CR, msvc refuses: ${p?.issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
        );
      } else if (refusedChild.has(i)) {
        disagreements.push(
          `${what}: msvc accepts, the API server refuses a child: ${refusedChild.get(i)?.join(' | ')}`,
        );
      }
    });

    const seconds = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
    console.log(
      [
        `near-valid: ${RUNS} specs (seed ${SEED}): msvc accepts ${msvcAccepts}, refuses ${RUNS - msvcAccepts};`,
        `${children.length} rendered objects dry-run; ${disagreements.length} disagreements.`,
        `time: generate+parse ${seconds(started, generated)} s, CRs ${seconds(generated, crsDone)} s,`,
        `children ${seconds(crsDone, childrenDone)} s (${CONCURRENCY} kubectl at once, ${BATCH} objects each)`,
      ].join(' '),
    );
    // Both sides were exercised, not one.
    expect(msvcAccepts).toBeGreaterThan(RUNS / 5);
    expect(RUNS - msvcAccepts).toBeGreaterThan(RUNS / 5);
    expect(disagreements).toStrictEqual([]);
    // About 2 minutes on two cores (docs/development.md); the default e2e timeout is 3.
  }, 900_000);
});
