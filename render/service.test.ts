import { describe, expect, it } from 'vitest';
import {
  microService,
  service,
  withImage,
  withObjectLabels,
  withoutNamespace,
  withoutObjectNamespace,
  withoutPorts,
  withoutVersionLabel,
  withPorts,
  withService,
  withServicePorts,
  withServiceSpec,
} from '../test/support/fixtures.ts';
import { renderService } from './service.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

describe('renderService', () => {
  const cases = [
    { name: 'default: ClusterIP, one HTTP port by name', input: microService(), want: service() },
    { name: 'no ports: no Service', input: microService(withoutPorts), want: undefined },
    { name: 'empty ports: no Service', input: microService(withPorts()), want: undefined },
    {
      name: 'appProtocol per protocol; UDP has none and protocol UDP',
      input: microService(
        withPorts(
          { name: 'http', port: 8080, protocol: 'HTTP' },
          { name: 'h2', port: 8443, protocol: 'HTTP2' },
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
          { name: 'redis', port: 6379, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ),
      ),
      want: service(
        withServicePorts(
          { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
          { name: 'h2', port: 8443, targetPort: 'h2', protocol: 'TCP', appProtocol: 'http2' },
          { name: 'grpc', port: 9090, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
          { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'tcp' },
          { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
        ),
      ),
    },
    {
      name: 'headless',
      input: microService(withService({ headless: true })),
      want: service(withServiceSpec({ clusterIP: 'None' })),
    },
    {
      name: 'headless: false renders a normal ClusterIP Service',
      input: microService(withService({ headless: false })),
      want: service(),
    },
    {
      name: 'type LoadBalancer',
      input: microService(withService({ type: 'LoadBalancer' })),
      want: service(withServiceSpec({ type: 'LoadBalancer' })),
    },
    {
      name: 'type NodePort',
      input: microService(withService({ type: 'NodePort' })),
      want: service(withServiceSpec({ type: 'NodePort' })),
    },
    {
      name: 'no namespace: none in the output',
      input: microService(withoutNamespace),
      want: service(withoutObjectNamespace),
    },
    {
      name: 'labels follow the image',
      input: microService(withImage('registry.example.com/shop/order')),
      want: service(withObjectLabels(withoutVersionLabel)),
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(renderService(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want));
});
