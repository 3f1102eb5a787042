// What the operator applies for a rendered child (children.ts): the owner reference and the
// owner's shard bucket label on the child's own metadata, never on the pod template.
import { describe, expect, it } from 'vitest';
import { parseMicroService } from '../../api/index.ts';
import { render } from '../../render/index.ts';
import { bucketOfValue } from '../runtime/ring.ts';
import { SHARD_BUCKET_LABEL } from '../runtime/shard.ts';
import { desiredChild } from './children.ts';

const UID = '6f1c1a52-1f7e-4c4e-9a2b-0d6a8f5e2c11';

function children() {
  const parsed = parseMicroService({
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name: 'order', namespace: 'shop' },
    spec: { image: 'order:1', autoscaling: { minReplicas: 2, maxReplicas: 4 }, ports: [{ name: 'http', port: 80 }] },
  });
  if (!parsed.ok) throw new Error('fixture');
  const owner = { apiVersion: 'msvc.dev/v1alpha1', kind: 'MicroService', metadata: { name: 'order', uid: UID } };
  const rendered = render(parsed.value).objects;
  return { rendered, desired: rendered.map((o) => desiredChild(o, owner, 'shop')) };
}

describe('desiredChild', () => {
  it("labels every child with its owner's shard bucket, next to the owner reference", () => {
    const { desired } = children();
    expect(desired.length).toBeGreaterThan(3);
    for (const child of desired) {
      expect(child.metadata?.labels?.[SHARD_BUCKET_LABEL], child.kind).toBe(String(bucketOfValue(UID)));
      expect(child.metadata?.ownerReferences?.[0]?.uid).toBe(UID);
    }
  });

  it('leaves the pod template as rendered (a label there would restart every pod)', () => {
    const { rendered, desired } = children();
    const template = (o: { spec?: unknown }) => (o.spec as { template?: unknown } | undefined)?.template;
    const deployment = desired.find((o) => o.kind === 'Deployment')!;
    expect(template(deployment as never)).toEqual(template(rendered.find((o) => o.kind === 'Deployment') as never));
  });
});
