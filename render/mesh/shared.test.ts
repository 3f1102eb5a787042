import { describe, expect, it } from 'vitest';
import { microService, withMesh } from '../../test/support/fixtures.ts';
import { renderDeployment } from '../deployment.ts';
import { DEFAULT_RENDER_CONFIG } from '../types.ts';
import { portList } from './shared.ts';

describe('portList', () => {
  const cases = [
    { name: 'undefined', input: undefined, want: undefined },
    { name: 'empty', input: [], want: undefined },
    { name: 'numeric sort, not lexical', input: [9090, 80, 443, 15], want: '15,80,443,9090' },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(portList(input)).toStrictEqual(want));

  it('does not sort the input in place', () => {
    const ports = [3, 1, 2];
    portList(ports);
    expect(ports).toStrictEqual([3, 1, 2]);
  });
});

describe('mesh keys live on the pod template only', () => {
  const meshes = [
    { name: 'istio sidecar', input: microService(withMesh({ provider: 'istio', revision: 'canary' })) },
    { name: 'istio native', input: microService(withMesh({ provider: 'istio', mode: 'native-sidecar' })) },
    { name: 'istio ambient', input: microService(withMesh({ provider: 'istio', mode: 'ambient' })) },
    { name: 'linkerd sidecar', input: microService(withMesh({ provider: 'linkerd', opaquePorts: [5432] })) },
    { name: 'linkerd native', input: microService(withMesh({ provider: 'linkerd', mode: 'native-sidecar' })) },
  ];
  const meshKey = /istio|linkerd/;
  it.each(meshes)('$name', ({ input }) => {
    const d = renderDeployment(input, DEFAULT_RENDER_CONFIG);
    const template = (d['spec'] as { template: { metadata: { labels: object; annotations: object } } }).template;
    const templateKeys = [...Object.keys(template.metadata.labels), ...Object.keys(template.metadata.annotations)];
    expect(templateKeys.filter((k) => meshKey.test(k)).length).toBeGreaterThan(0);
    const deploymentKeys = [...Object.keys(d.metadata.labels), ...Object.keys(d.metadata.annotations ?? {})];
    expect(deploymentKeys.filter((k) => meshKey.test(k))).toStrictEqual([]);
  });
});
