import { describe, expect, it } from 'vitest';
import {
  labels,
  microService,
  withImage,
  withLabel,
  withMetadataLabels,
  withoutVersionLabel,
  withVersionLabel,
} from '../test/support/fixtures.ts';
import { render } from './index.ts';
import { commonLabels, imageVersion, selectorLabels, selectorString } from './labels.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

const cfg = DEFAULT_RENDER_CONFIG;
const digest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describe('commonLabels', () => {
  const cases = [
    { name: 'default: name, instance, version from the tag, managed-by', input: microService(), want: labels() },
    {
      name: 'version from the tag when a digest follows it',
      input: microService(withImage(`registry.example.com/shop/order:2.0.1@${digest}`)),
      want: labels(withVersionLabel('2.0.1')),
    },
    {
      name: 'digest-only image: no version label',
      input: microService(withImage(`registry.example.com/shop/order@${digest}`)),
      want: labels(withoutVersionLabel),
    },
    {
      name: 'untagged image: no version label',
      input: microService(withImage('registry.example.com/shop/order')),
      want: labels(withoutVersionLabel),
    },
    {
      name: 'a registry port is not a tag',
      input: microService(withImage('localhost:5000/shop/order')),
      want: labels(withoutVersionLabel),
    },
    {
      name: 'registry port and tag',
      input: microService(withImage('localhost:5000/shop/order:v3')),
      want: labels(withVersionLabel('v3')),
    },
    {
      name: 'a tag that is no valid label value (too long) gives no version label',
      input: microService(withImage(`nginx:${'a'.repeat(64)}`)),
      want: labels(withoutVersionLabel),
    },
    {
      name: 'part-of is carried over from the MicroService labels, nothing else is',
      input: microService(withMetadataLabels({ 'app.kubernetes.io/part-of': 'shop', team: 'checkout' })),
      want: labels(withLabel('app.kubernetes.io/part-of', 'shop')),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(commonLabels(input, cfg)).toStrictEqual(want));

  it('managed-by comes from the render config', () => {
    expect(commonLabels(microService(), { managedBy: 'cdk8s' })['app.kubernetes.io/managed-by']).toBe('cdk8s');
  });

  it('returns a fresh map on every call', () => {
    const ms = microService();
    expect(commonLabels(ms, cfg)).not.toBe(commonLabels(ms, cfg));
    expect(selectorLabels(ms)).not.toBe(selectorLabels(ms));
  });
});

describe('imageVersion', () => {
  const cases = [
    { name: 'plain tag', input: 'nginx:1.27', want: '1.27' },
    { name: 'no tag', input: 'nginx', want: undefined },
    { name: 'tag and digest', input: `nginx:1.27@${digest}`, want: '1.27' },
    { name: 'digest only', input: `nginx@${digest}`, want: undefined },
    { name: 'registry port, no tag', input: 'host:5000/nginx', want: undefined },
    { name: 'registry port and tag', input: 'host:5000/a/b:latest', want: 'latest' },
    { name: 'tag ending in a dot is no label value', input: 'nginx:1.', want: undefined },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(imageVersion(input)).toStrictEqual(want));
});

describe('selector', () => {
  const cases = [
    { name: 'default', input: microService() },
    { name: 'another version', input: microService(withImage('registry.example.com/shop/order:9.9.9')) },
    { name: 'digest-only image', input: microService(withImage(`registry.example.com/shop/order@${digest}`)) },
    { name: 'with part-of', input: microService(withMetadataLabels({ 'app.kubernetes.io/part-of': 'shop' })) },
  ];
  it.each(cases)('$name: only the name, nothing that can change', ({ input }) => {
    expect(selectorLabels(input)).toStrictEqual({ 'app.kubernetes.io/name': 'order' });
    expect(selectorString(input)).toBe('app.kubernetes.io/name=order');
  });

  it('every selector in the output is the same immutable subset, with no version or hash', () => {
    const ms = microService(withImage('registry.example.com/shop/order:2.0.0'), (m) => {
      m.spec.autoscaling = { maxReplicas: 4 };
    });
    type Spec = {
      selector?: { matchLabels?: object } & object;
      template?: { spec: { topologySpreadConstraints?: { labelSelector: { matchLabels: object } }[] } };
    };
    const selectors = render(ms).objects.flatMap((o) => {
      const spec = o['spec'] as Spec | undefined;
      return [
        o.kind === 'Service' ? spec?.selector : spec?.selector?.matchLabels,
        spec?.template?.spec.topologySpreadConstraints?.[0]?.labelSelector.matchLabels,
      ].filter((s) => s !== undefined);
    });
    expect(selectors.length).toBe(4); // Service, Deployment (selector + spread), PDB
    for (const s of selectors) expect(s).toStrictEqual({ 'app.kubernetes.io/name': 'order' });
  });
});
