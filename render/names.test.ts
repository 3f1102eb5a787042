import { describe, expect, it } from 'vitest';
import { names } from './names.ts';

describe('names', () => {
  const cases = [
    { name: 'deployment', input: names.deployment('order'), want: 'order' },
    { name: 'service', input: names.service('order'), want: 'order' },
    { name: 'service account', input: names.serviceAccount('order'), want: 'order' },
    { name: 'autoscaler', input: names.horizontalPodAutoscaler('order'), want: 'order' },
    { name: 'disruption budget', input: names.podDisruptionBudget('order'), want: 'order' },
    { name: 'app container', input: names.appContainer, want: 'app' },
    { name: 'tmp volume', input: names.tmpVolume, want: 'tmp' },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(input).toStrictEqual(want));
});
