import { describe, expect, it } from 'vitest';
import {
  deployment,
  horizontalPodAutoscaler,
  microService,
  podDisruptionBudget,
  service,
  serviceAccount,
  withAutoscaling,
  withContainer,
  withDeploymentReplicas,
  withoutContainerPorts,
  withoutPorts,
  withoutProbes,
  withPodSpecField,
  withReplicas,
  withServiceAccount,
} from '../test/support/fixtures.ts';
import { render } from './index.ts';

describe('render', () => {
  const cases = [
    {
      name: 'default: ServiceAccount, Service, Deployment, PDB in apply order',
      input: microService(),
      want: [serviceAccount(), service(), deployment(), podDisruptionBudget()],
    },
    {
      name: 'autoscaled: an HPA, and a Deployment without replicas',
      input: microService(withAutoscaling({ maxReplicas: 10 })),
      want: [
        serviceAccount(),
        service(),
        deployment(withDeploymentReplicas(undefined)),
        horizontalPodAutoscaler(),
        podDisruptionBudget(),
      ],
    },
    {
      name: 'no ports, one replica, existing account: the Deployment alone',
      input: microService(withoutPorts, withReplicas(1), withServiceAccount({ create: false, name: 'shared' })),
      want: [
        deployment(
          withDeploymentReplicas(1),
          withPodSpecField('serviceAccountName', 'shared'),
          withContainer(withoutContainerPorts, withoutProbes),
        ),
      ],
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(render(input).objects).toStrictEqual(want));

  it('uses the default render config', () => {
    expect(render(microService()).objects.map((o) => o.metadata.labels['app.kubernetes.io/managed-by'])).toStrictEqual([
      'msvc-operator',
      'msvc-operator',
      'msvc-operator',
      'msvc-operator',
    ]);
  });
});
