// A minimal operator process for manager.e2e.test.ts: watches labelled ConfigMaps in one
// namespace and "reconciles" each slowly (so SIGTERM can land mid-reconcile), marking it done
// with an annotation. Usage: manager-main.ts <kubeconfig> <namespace> <identity> <health-port>
import { KubeConfig } from '@kubernetes/client-node';
import { enqueueSelf } from '../../operator/runtime/handler.ts';
import { createLogger } from '../../operator/runtime/log.ts';
import { Manager } from '../../operator/runtime/manager.ts';

const [kubeconfigPath, namespace, identity, healthPort] = process.argv.slice(2);
if (!kubeconfigPath || !namespace || !identity || !healthPort)
  throw new Error('usage: <kubeconfig> <namespace> <identity> <port>');
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);

const mgr = new Manager({
  fieldManager: 'manager-main',
  kubeConfig,
  log: createLogger({ level: 'debug' }),
  healthAddress: `127.0.0.1:${healthPort}`,
  leaderElection: {
    namespace,
    name: 'manager-e2e',
    identity,
    leaseDurationMs: 4_000,
    renewDeadlineMs: 3_000,
    retryPeriodMs: 500,
  },
});
const configMaps = mgr.informer({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespaces: [namespace],
  labelSelector: 'app.kubernetes.io/managed-by=msvc-operator',
});
mgr.controller({
  name: 'slow',
  watches: [{ informer: configMaps, handler: enqueueSelf() }],
  reconcile: async (key, ctx) => {
    const cm = configMaps.store.get(key);
    if (cm === undefined || cm.metadata?.annotations?.['e2e/done'] === identity) return {};
    ctx.log.info('reconcile started');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await mgr.client.apply(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...key, annotations: { 'e2e/done': identity } } },
      { force: true },
    );
    ctx.log.info('reconcile finished');
    return {};
  },
});
process.exit(await mgr.run());
