import { Testing } from 'cdk8s';
import { expect, it } from 'vitest';
import { buildCrd } from '../api/index.ts';
import { chart } from '../test/support/cdk8s.ts';
import { MicroServiceCrd } from './crd.ts';

it('synthesizes buildCrd() unchanged, key order included', () => {
  const c = chart();
  new MicroServiceCrd(c, 'crd');
  expect(JSON.stringify(Testing.synth(c))).toBe(JSON.stringify([buildCrd()]));
});

it("never takes the Chart's namespace (a CRD is cluster-scoped)", () => {
  const c = chart({ namespace: 'shop' });
  new MicroServiceCrd(c, 'crd');
  expect(Testing.synth(c)[0].metadata.namespace).toBeUndefined();
});
