import { describe, expect, it } from 'vitest';
import {
  appContainer,
  microService,
  withContainerEnv,
  withContainerField,
  withContainerPorts,
  withContainerResources,
  withEnv,
  withGo,
  withoutContainerPorts,
  withoutPorts,
  withoutPreStop,
  withoutProbes,
  withPorts,
  withPreStopSleep,
  withProbeHandlers,
  withResources,
  withShutdown,
  withSpec,
} from '../test/support/fixtures.ts';
import { renderAppContainer } from './container.ts';

describe('renderAppContainer', () => {
  const cases = [
    { name: 'default', input: microService(), want: appContainer() },
    {
      name: 'restricted Pod Security defaults are always there',
      input: microService(withoutPorts),
      want: appContainer(withoutContainerPorts, withoutProbes),
    },
    {
      name: 'command, args and pull policy are passed through',
      input: microService(withSpec({ command: ['/app'], args: ['--port', '8080'], imagePullPolicy: 'Always' })),
      want: appContainer(
        withContainerField('command', ['/app']),
        withContainerField('args', ['--port', '8080']),
        withContainerField('imagePullPolicy', 'Always'),
      ),
    },
    {
      name: 'ports: UDP stays UDP, every other protocol is TCP',
      input: microService(
        withPorts(
          { name: 'http', port: 8080 },
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
          { name: 'dns', port: 5353, protocol: 'UDP' },
          { name: 'h2', port: 8443, protocol: 'HTTP2' },
        ),
      ),
      want: appContainer(
        withContainerPorts(
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
          { name: 'dns', containerPort: 5353, protocol: 'UDP' },
          { name: 'h2', containerPort: 8443, protocol: 'TCP' },
        ),
      ),
    },
    {
      name: 'preStop sleep from spec.shutdown',
      input: microService(withShutdown({ preStopSleepSeconds: 12 })),
      want: appContainer(withPreStopSleep(12)),
    },
    {
      name: 'no preStop hook with a zero sleep',
      input: microService(withShutdown({ preStopSleepSeconds: 0 })),
      want: appContainer(withoutPreStop),
    },
    {
      name: 'resources as given, nothing filled in',
      input: microService(withResources({ requests: { cpu: 1 }, limits: { cpu: '2', memory: '1Gi' } })),
      want: appContainer(withContainerResources({ requests: { cpu: 1 }, limits: { cpu: '2', memory: '1Gi' } })),
    },
    {
      name: 'empty resources stay empty',
      input: microService(withResources({})),
      want: appContainer(withContainerResources({ requests: {}, limits: {} })),
    },
    {
      name: 'env: value, every valueFrom source, missing value as empty string',
      input: microService(
        withEnv(
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'EMPTY' },
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a', optional: true } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'sec', key: 'b' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        ),
      ),
      want: appContainer(
        withContainerEnv(
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'EMPTY', value: '' },
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a', optional: true } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'sec', key: 'b' } } },
          { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          {
            name: 'MEM',
            valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
          },
        ),
      ),
    },
    {
      name: 'envFrom: one source each, prefix kept',
      input: microService(
        withSpec({
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 's', optional: true } }],
        }),
      ),
      want: appContainer(
        withContainerField('envFrom', [
          { prefix: 'CFG_', configMapRef: { name: 'cfg' } },
          { secretRef: { name: 's', optional: true } },
        ]),
      ),
    },
    {
      name: 'user env first, then runtime tuning',
      input: microService(withGo({ version: '1.25' }), withEnv({ name: 'LOG_LEVEL', value: 'debug' })),
      want: appContainer(
        withContainerEnv(
          { name: 'LOG_LEVEL', value: 'debug' },
          // No GOMAXPROCS: Go 1.25 reads the default CPU limit (1) from the cgroup itself.
          { name: 'GOMEMLIMIT', value: '120795955' },
        ),
      ),
    },
    {
      name: 'probes follow the first web port',
      input: microService(withPorts({ name: 'grpc', port: 9090, protocol: 'GRPC' })),
      want: appContainer(
        withContainerPorts({ name: 'grpc', containerPort: 9090, protocol: 'TCP' }),
        withProbeHandlers({
          liveness: { grpc: { port: 9090 } },
          readiness: { grpc: { port: 9090 } },
          startup: { grpc: { port: 9090 } },
        }),
      ),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderAppContainer(input)).toStrictEqual(want));

  it('does not share arrays with the input', () => {
    const ms = microService(withSpec({ command: ['/app'], args: ['x'] }));
    const c = renderAppContainer(ms);
    expect(c['command']).not.toBe(ms.spec.command);
    expect(c['args']).not.toBe(ms.spec.args);
  });
});
