import { describe, expect, it } from 'vitest';
import { deployment, microService, withPodSpecField, withSpec } from '../test/support/fixtures.ts';
import { renderDeployment } from './deployment.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

const cfg = DEFAULT_RENDER_CONFIG;
const SELECTOR = { matchLabels: { 'app.kubernetes.io/name': 'order' } };

describe('scheduling in the Deployment', () => {
  const cases = [
    {
      name: 'a dedicated node pool: nodeSelector and a toleration, as given',
      input: microService(
        withSpec({
          nodeSelector: { 'pool.example.com/name': 'payments' },
          tolerations: [{ key: 'pool.example.com/name', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
        }),
      ),
      want: deployment(
        withPodSpecField('nodeSelector', { 'pool.example.com/name': 'payments' }),
        withPodSpecField('tolerations', [
          { key: 'pool.example.com/name', operator: 'Equal', value: 'payments', effect: 'NoSchedule' },
        ]),
      ),
    },
    {
      name: 'given spread constraints replace both defaults; a missing labelSelector counts our pods',
      input: microService(
        withSpec({
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              minDomains: 3,
            },
          ],
        }),
      ),
      want: deployment(
        withPodSpecField('topologySpreadConstraints', [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            minDomains: 3,
            labelSelector: SELECTOR,
          },
        ]),
      ),
    },
    {
      name: 'affinity, priority and runtime class, as given',
      input: microService(
        withSpec({
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] },
                ],
              },
            },
          },
          priorityClassName: 'business-critical',
          runtimeClassName: 'gvisor',
        }),
      ),
      want: deployment(
        withPodSpecField('affinity', {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] },
              ],
            },
          },
        }),
        withPodSpecField('priorityClassName', 'business-critical'),
        withPodSpecField('runtimeClassName', 'gvisor'),
      ),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderDeployment(input, cfg)).toStrictEqual(want));
});
