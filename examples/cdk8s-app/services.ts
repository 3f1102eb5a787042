// The shop's services as construct props: the same specs as examples/gateway.yaml, user.yaml,
// order.yaml and payments.yaml, written in TypeScript. synth.test.ts checks that what cdk8s synthesizes from these
// equals `msvc render` of those files, byte for byte.
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { envFromSecret, type MicroServiceProps } from '../../cdk8s/index.ts';

const partOfShop = { 'app.kubernetes.io/part-of': 'shop' };

/** Props of gateway, user, order and payments, by construct id (which is also each MicroService's name). */
export function shopServices(scope: Construct): Record<string, MicroServiceProps> {
  // The database credentials live in a Secret made outside this app; a cdk8s-plus import of it is
  // all `envFromSecret` needs (its name).
  const orderDatabase = kplus.Secret.fromSecretName(scope, 'order-db', 'order-db');
  return {
    // The edge service, in an Istio sidecar mesh and autoscaled on CPU.
    gateway: {
      metadata: { labels: partOfShop },
      image: 'registry.example.com/shop/gateway:1.0.0',
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercent: 70 },
      ports: [{ name: 'http', port: 8080, protocol: 'HTTP' }],
      resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '512Mi' } },
      env: [
        { name: 'USER_URL', value: 'http://user:8080' },
        { name: 'ORDER_URL', value: 'http://order:8080' },
      ],
      runtime: { go: { version: '1.26' } },
      mesh: {
        provider: 'istio',
        mode: 'sidecar',
        cni: true,
        proxy: { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } },
      },
      shutdown: { preStopSleepSeconds: 5, timeoutSeconds: 20 },
      disruption: { maxUnavailable: 1 },
      allowedCallers: [{ namespace: 'istio-ingress' }, { microService: 'storefront' }],
    },
    // Linkerd with linkerd-proxy as a native sidecar (Kubernetes 1.29+).
    user: {
      metadata: { labels: partOfShop },
      image: 'registry.example.com/shop/user:1.0.0',
      replicas: 3,
      ports: [{ name: 'http', port: 8080 }],
      resources: { requests: { cpu: '250m', memory: '384Mi' }, limits: { cpu: '1', memory: '384Mi' } },
      env: [{ name: 'CACHE_SIZE', value: '10000' }],
      runtime: { go: { version: '1.26' } },
      mesh: {
        provider: 'linkerd',
        mode: 'native-sidecar',
        cni: true,
        proxy: { resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '128Mi' } } },
      },
      allowedCallers: [{ microService: 'gateway' }, { microService: 'order' }],
    },
    // Istio ambient mode: no sidecar to budget or to order start-up around.
    order: {
      metadata: { labels: partOfShop },
      image: 'registry.example.com/shop/order:1.4.2',
      replicas: 3,
      ports: [{ name: 'http', port: 8080 }],
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '512Mi' } },
      probes: { readiness: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 6 } },
      env: [{ name: 'USER_URL', value: 'http://user:8080' }, envFromSecret('DATABASE_URL', orderDatabase, 'url')],
      runtime: { go: { version: '1.26' } },
      mesh: { provider: 'istio', mode: 'ambient' },
      shutdown: { timeoutSeconds: 25 },
      disruption: { minAvailable: 2 },
      allowedCallers: [{ microService: 'gateway' }],
    },
    // A service as it arrives from a Helm chart: a config file from a ConfigMap, a TLS Secret, a
    // private registry, a migration init container (with the database proxy sidecar it needs),
    // a dedicated node pool and a slow scale-down.
    payments: {
      metadata: { labels: partOfShop },
      image: 'registry.example.com/shop/payments:2.3.1',
      imagePullSecrets: [{ name: 'registry-example-com' }],
      autoscaling: {
        minReplicas: 3,
        maxReplicas: 12,
        targetCPUUtilizationPercent: 70,
        behavior: {
          scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      minReadySeconds: 10,
      rolloutOnConfigChange: true,
      ports: [{ name: 'https', port: 8443, protocol: 'HTTP2' }],
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '256Mi' } },
      volumes: [
        {
          name: 'config',
          configMap: { name: 'payments-config', items: [{ key: 'payments.yaml', path: 'payments.yaml' }] },
        },
        { name: 'tls', secret: { secretName: 'payments-tls', defaultMode: 0o440 } },
      ],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/payments', readOnly: true },
        { name: 'tls', mountPath: '/etc/tls', readOnly: true },
      ],
      sidecars: [
        {
          name: 'db-proxy',
          image: 'registry.example.com/platform/db-proxy:1.8.0',
          args: ['--port=5432', 'payments-db'],
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '64Mi' } },
        },
      ],
      initContainers: [
        {
          name: 'migrate',
          image: 'registry.example.com/shop/payments-migrate:2.3.1',
          args: ['up'],
          env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'url' } } }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/payments', readOnly: true }],
        },
      ],
      nodeSelector: { 'pool.example.com/name': 'payments' },
      tolerations: [{ key: 'pool.example.com/name', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
      securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
      allowedCallers: [{ microService: 'order' }],
    },
  };
}
