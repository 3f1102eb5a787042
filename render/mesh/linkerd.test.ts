import { describe, expect, it } from 'vitest';
import {
  linkerdSidecar,
  microService,
  withMesh,
  withMeshAnnotations,
  withShutdown,
} from '../../test/support/fixtures.ts';
import { meshKeys, splitMeshKeys } from './index.ts';

const native = withMeshAnnotations({
  'config.linkerd.io/proxy-enable-native-sidecar': 'true',
  'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true',
  'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true',
  'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': undefined,
  'config.linkerd.io/shutdown-grace-period': '5s',
});

describe('Linkerd pod-template keys', () => {
  const cases = [
    {
      name: 'sidecar: inject annotation, all three native-sidecar keys false, default proxy resources',
      input: microService(withMesh({ provider: 'linkerd' })),
      want: linkerdSidecar(),
    },
    {
      name: 'native sidecar: keys true, no wait-before-exit, 5s shutdown grace',
      input: microService(withMesh({ provider: 'linkerd', mode: 'native-sidecar' })),
      want: linkerdSidecar(native),
    },
    {
      name: 'proxy-await disabled',
      input: microService(withMesh({ provider: 'linkerd', holdApplicationUntilProxyStarts: false })),
      want: linkerdSidecar(withMeshAnnotations({ 'config.linkerd.io/proxy-await': 'disabled' })),
    },
    {
      name: 'given proxy resources, missing requests from the defaults, no limit added',
      input: microService(
        withMesh({ provider: 'linkerd', proxy: { resources: { requests: { cpu: '200m' }, limits: { cpu: '1' } } } }),
      ),
      want: linkerdSidecar(
        withMeshAnnotations({
          'config.linkerd.io/proxy-cpu-request': '200m',
          'config.linkerd.io/proxy-memory-limit': undefined,
          'config.linkerd.io/proxy-cpu-limit': '1',
        }),
      ),
    },
    {
      name: 'limits only: the requests are always rendered, capped at the limits',
      input: microService(
        withMesh({ provider: 'linkerd', proxy: { resources: { limits: { cpu: '50m', memory: '512Mi' } } } }),
      ),
      want: linkerdSidecar(
        withMeshAnnotations({
          'config.linkerd.io/proxy-cpu-request': '50m',
          'config.linkerd.io/proxy-memory-request': '20Mi',
          'config.linkerd.io/proxy-cpu-limit': '50m',
          'config.linkerd.io/proxy-memory-limit': '512Mi',
        }),
      ),
    },
    {
      name: 'wait-before-exit covers preStop + app; shutdown grace is what is left, less 1s',
      input: microService(
        withMesh({ provider: 'linkerd' }),
        withShutdown({ preStopSleepSeconds: 10, timeoutSeconds: 30, gracePeriodSeconds: 60 }),
      ),
      want: linkerdSidecar(
        withMeshAnnotations({
          'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '40',
          'config.linkerd.io/shutdown-grace-period': '19s',
        }),
      ),
    },
    {
      name: 'a tight user grace period still leaves 1s of shutdown grace',
      input: microService(
        withMesh({ provider: 'linkerd' }),
        withShutdown({ preStopSleepSeconds: 5, timeoutSeconds: 5, gracePeriodSeconds: 11 }),
      ),
      want: linkerdSidecar(
        withMeshAnnotations({
          'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '10',
          'config.linkerd.io/shutdown-grace-period': '1s',
        }),
      ),
    },
    {
      name: 'skip and opaque ports sorted and comma-joined',
      input: microService(
        withMesh({
          provider: 'linkerd',
          excludeOutboundPorts: [5432, 443],
          excludeInboundPorts: [9102],
          opaquePorts: [6379, 3306],
        }),
      ),
      want: linkerdSidecar(
        withMeshAnnotations({
          'config.linkerd.io/skip-outbound-ports': '443,5432',
          'config.linkerd.io/skip-inbound-ports': '9102',
          'config.linkerd.io/opaque-ports': '3306,6379',
        }),
      ),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(splitMeshKeys(meshKeys(input.spec))).toStrictEqual(want));

  it('no labels: Linkerd reads annotations only', () => {
    for (const mode of ['sidecar', 'native-sidecar'] as const) {
      expect(splitMeshKeys(meshKeys(microService(withMesh({ provider: 'linkerd', mode })).spec)).labels).toStrictEqual(
        {},
      );
    }
  });

  const graces = [
    { name: 'default budget', input: microService(withMesh({ provider: 'linkerd' })), want: 30 },
    {
      name: 'user grace',
      input: microService(
        withMesh({ provider: 'linkerd' }),
        withShutdown({ timeoutSeconds: 50, gracePeriodSeconds: 56 }),
      ),
      want: 56,
    },
  ];
  it.each(graces)(
    'wait-before-exit and shutdown grace each stay below the $want s grace period ($name)',
    ({ input, want }) => {
      const a = splitMeshKeys(meshKeys(input.spec)).annotations;
      const wait = Number(a['config.alpha.linkerd.io/proxy-wait-before-exit-seconds']);
      const grace = Number.parseInt(a['config.linkerd.io/shutdown-grace-period'] ?? '', 10);
      expect(wait).toBeLessThan(want);
      expect(grace).toBeLessThan(want);
      // The sum reaches the grace period only when the user's grace leaves no second to spare.
      expect(wait + grace).toBeLessThanOrEqual(want);
    },
  );
});
