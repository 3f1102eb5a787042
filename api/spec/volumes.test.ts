// spec.volumes, spec.volumeMounts, ephemeral-storage and imagePullSecrets: what validation accepts,
// and what it rejects at which path (the CEL twins are proven in api/crd.e2e.test.ts).
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../validate.ts';
import type { MicroServiceSpec } from './index.ts';

const base: MicroServiceSpec = { image: 'registry.example.com/shop/order:1.4.2' };
const issuesOf = (over: Record<string, unknown>) => {
  const r = parseSpec({ ...base, ...over });
  return r.ok ? [] : r.issues;
};

describe('valid', () => {
  const cases: { name: string; input: Partial<MicroServiceSpec> }[] = [
    {
      name: 'a config file from a ConfigMap, read-only, one key by subPath',
      input: {
        volumes: [
          { name: 'config', configMap: { name: 'order-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
        ],
        volumeMounts: [{ name: 'config', mountPath: '/etc/order/app.yaml', subPath: 'app.yaml', readOnly: true }],
      },
    },
    {
      name: 'a TLS Secret with mode 0440',
      input: {
        volumes: [{ name: 'tls', secret: { secretName: 'order-tls', defaultMode: 0o440 } }],
        volumeMounts: [{ name: 'tls', mountPath: '/etc/tls', readOnly: true }],
      },
    },
    {
      name: 'a memory emptyDir, a PVC, a CSI volume, downward API and a projected token',
      input: {
        volumes: [
          { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'order-data' } },
          { name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { a: 'b' } } },
          {
            name: 'podinfo',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: "metadata.labels['app']" } },
                { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
              ],
            },
          },
          {
            name: 'token',
            projected: {
              sources: [
                { serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'token' } },
                { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              ],
            },
          },
        ],
        volumeMounts: [
          { name: 'cache', mountPath: '/var/cache/order' },
          { name: 'data', mountPath: '/data' },
          { name: 'vault', mountPath: '/mnt/secrets' },
          { name: 'podinfo', mountPath: '/etc/podinfo' },
          { name: 'token', mountPath: '/var/run/secrets/vault' },
        ],
      },
    },
    {
      name: 'a bigger /tmp: a volume named tmp',
      input: { volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '4Gi' } }] },
    },
    { name: 'the tmp volume mounted elsewhere too', input: { volumeMounts: [{ name: 'tmp', mountPath: '/var/tmp' }] } },
    {
      name: 'ephemeral-storage request and limit',
      input: { resources: { requests: { 'ephemeral-storage': '1Gi' }, limits: { 'ephemeral-storage': '2Gi' } } },
    },
    { name: 'pull secrets', input: { imagePullSecrets: [{ name: 'registry' }, { name: 'mirror' }] } },
  ];
  it.each(cases)('$name', ({ input }) => expect(issuesOf(input)).toStrictEqual([]));
});

describe('rejected, at the field, with what to do', () => {
  const cases: { name: string; input: Record<string, unknown>; path: string; message: RegExp }[] = [
    {
      name: 'a mount of an undeclared volume',
      input: { volumeMounts: [{ name: 'config', mountPath: '/etc/x' }] },
      path: 'spec.volumeMounts[0].name',
      message: /spec\.volumes does not declare/,
    },
    {
      name: 'two mounts at one path',
      input: {
        volumes: [{ name: 'a', emptyDir: {} }],
        volumeMounts: [
          { name: 'a', mountPath: '/data' },
          { name: 'tmp', mountPath: '/data' },
        ],
      },
      path: 'spec.volumeMounts[1].mountPath',
      message: /mounted twice/,
    },
    {
      name: 'a mount over /tmp',
      input: { volumes: [{ name: 'a', emptyDir: {} }], volumeMounts: [{ name: 'a', mountPath: '/tmp' }] },
      path: 'spec.volumeMounts[0].mountPath',
      message: /declare a volume named tmp/,
    },
    {
      name: 'a relative mount path',
      input: { volumeMounts: [{ name: 'tmp', mountPath: 'etc' }] },
      path: 'spec.volumeMounts[0].mountPath',
      message: /absolute path/,
    },
    {
      name: "a subPath with '..'",
      input: { volumeMounts: [{ name: 'tmp', mountPath: '/x', subPath: 'a/../../etc' }] },
      path: 'spec.volumeMounts[0].subPath',
      message: /without '\.\.'/,
    },
    {
      name: 'a volume with two sources',
      input: { volumes: [{ name: 'a', emptyDir: {}, configMap: { name: 'c' } }] },
      path: 'spec.volumes[0]',
      message:
        /exactly one source .* it has emptyDir and configMap|exactly one source .* it has configMap and emptyDir/,
    },
    {
      name: 'a volume name used twice',
      input: {
        volumes: [
          { name: 'a', emptyDir: {} },
          { name: 'a', emptyDir: {} },
        ],
      },
      path: 'spec.volumes[1].name',
      message: /declared twice/,
    },
    {
      name: "an item path starting with '..' (the kubelet's ..data link)",
      input: { volumes: [{ name: 'a', configMap: { name: 'c', items: [{ key: 'k', path: '..data' }] } }] },
      path: 'spec.volumes[0].configMap.items[0].path',
      message: /not starting with '\.\.'/,
    },
    {
      name: 'a hostPath volume (not allowed by restricted)',
      input: { volumes: [{ name: 'a', hostPath: { path: '/var/run' } }] },
      path: 'spec.volumes[0]',
      message: /hostPath volumes break the restricted Pod Security rule 'Volume Types'/,
    },
    {
      name: 'a file mode above 0777',
      input: { volumes: [{ name: 'a', secret: { secretName: 's', defaultMode: 0o1777 } }] },
      path: 'spec.volumes[0].secret.defaultMode',
      message: /0777|511/,
    },
    {
      name: 'a token shorter than 10 minutes',
      input: {
        volumes: [
          { name: 'a', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 60 } }] } },
        ],
      },
      path: 'spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds',
      message: /600/,
    },
    {
      name: 'an ephemeral-storage request above its limit',
      input: { resources: { requests: { 'ephemeral-storage': '3Gi' }, limits: { 'ephemeral-storage': '1Gi' } } },
      path: 'spec.resources.requests.ephemeral-storage',
      message: /lower the request or raise the limit/,
    },
    {
      name: 'a pull secret that is no name',
      input: { imagePullSecrets: [{ name: 'Registry Creds' }] },
      path: 'spec.imagePullSecrets[0].name',
      message: /DNS-1123/,
    },
    {
      name: 'an init container named like the mesh proxy',
      input: { initContainers: [{ name: 'istio-proxy', image: 'busybox' }] },
      path: 'spec.initContainers[0].name',
      message: /taken by the app or a mesh container/,
    },
    {
      name: 'a sidecar and an init container with one name',
      input: { initContainers: [{ name: 'x', image: 'busybox' }], sidecars: [{ name: 'x', image: 'busybox' }] },
      path: 'spec.initContainers[0].name',
      message: /used by another container/,
    },
    {
      name: 'a sidecar mounting an undeclared volume',
      input: { sidecars: [{ name: 'logs', image: 'busybox', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }] },
      path: 'spec.sidecars[0].volumeMounts[0].name',
      message: /spec\.volumes does not declare/,
    },
    {
      name: 'an init container requesting more memory than its limit',
      input: {
        initContainers: [
          { name: 'm', image: 'busybox', resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } },
        ],
      },
      path: 'spec.initContainers[0].resources.requests.memory',
      message: /lower the request or raise the limit/,
    },
    {
      name: 'hostNetwork (not allowed by baseline)',
      input: { hostNetwork: true },
      path: 'spec',
      message: /breaks the Pod Security rule 'Host Namespaces'/,
    },
  ];
  it.each(cases)('$name → $path', ({ input, path, message }) => {
    const issues = issuesOf(input);
    const at = issues.filter((i) => i.path === path);
    expect(at, JSON.stringify(issues)).not.toStrictEqual([]);
    expect(at.map((i) => i.message).join('\n')).toMatch(message);
  });
});
