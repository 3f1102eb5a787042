// The operator process: flags (and MSVC_* env vars) → buildOperator → run until SIGTERM.
// `node operator/microservice/main.ts --help` lists every flag.
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import { loadKubeConfig } from '../runtime/kubeconfig.ts';
import { createLogger } from '../runtime/log.ts';
import { OperatorMetrics } from '../runtime/metrics.ts';
import { buildOperator } from './app.ts';

const program = new Command()
  .name('msvc-operator')
  .description(
    'Reconciles MicroService resources (msvc.dev/v1alpha1) into Deployments, Services, HPAs, PDBs and ServiceAccounts.',
  )
  .addOption(
    // Not bound to $KUBECONFIG: that is a list of files to merge (loadKubeConfig does), this one file.
    new Option(
      '--kubeconfig <path>',
      'kubeconfig file (default: the files in $KUBECONFIG merged as kubectl merges them, then ~/.kube/config, then the in-cluster service account)',
    ),
  )
  .addOption(
    new Option('--namespaces <list>', 'comma-separated namespaces to watch (default: all)').env('MSVC_NAMESPACES'),
  )
  .addOption(new Option('--concurrency <n>', 'MicroServices reconciled at once').env('MSVC_CONCURRENCY').default('4'))
  .addOption(
    new Option('--resync <seconds>', 'full resync interval, the safety net for missed events (0 = off)')
      .env('MSVC_RESYNC_SECONDS')
      .default('600'),
  )
  .addOption(
    new Option('--retry-qps <n>', 'retries per second across all MicroServices once the burst is spent (0 = no limit)')
      .env('MSVC_RETRY_QPS')
      .default('10'),
  )
  .addOption(
    new Option('--retry-burst <n>', 'retries across all MicroServices allowed at once before --retry-qps applies')
      .env('MSVC_RETRY_BURST')
      .default('100'),
  )
  .addOption(
    new Option('--health-address <host:port>', '/healthz, /readyz and /metrics')
      .env('MSVC_HEALTH_ADDRESS')
      .default('0.0.0.0:8080'),
  )
  .addOption(
    new Option('--leader-elect', 'elect a leader on a coordination.k8s.io Lease (run 2+ replicas)').env(
      'MSVC_LEADER_ELECT',
    ),
  )
  .addOption(
    new Option(
      '--sharding',
      'every replica active: each holds its own Lease in a ring and reconciles the MicroServices its hash ranges own (docs/sharding.md); excludes --leader-elect',
    ).env('MSVC_SHARDING'),
  )
  .addOption(
    new Option('--shard-ring <name>', 'name of the ring (the label of its shard Leases)')
      .env('MSVC_SHARD_RING')
      .default('msvc-operator'),
  )
  .addOption(
    new Option(
      '--shard-identity <name>',
      "this replica's name in the ring and its Lease's name (default: $POD_NAME, else the host name)",
    ).env('MSVC_SHARD_IDENTITY'),
  )
  .addOption(
    new Option('--lease-namespace <ns>', 'namespace of the Lease (and of the shard Leases)')
      .env('MSVC_LEASE_NAMESPACE')
      .default('msvc-system'),
  )
  .addOption(new Option('--lease-name <name>', 'name of the Lease').env('MSVC_LEASE_NAME').default('msvc-operator'))
  .addOption(
    new Option('--lease-duration <seconds>', 'how long a Lease is valid without renewal')
      .env('MSVC_LEASE_DURATION')
      .default('15'),
  )
  .addOption(
    new Option('--renew-deadline <seconds>', 'how long the leader retries renewing before it gives up')
      .env('MSVC_RENEW_DEADLINE')
      .default('10'),
  )
  .addOption(
    new Option('--retry-period <seconds>', 'how often candidates try to acquire or renew')
      .env('MSVC_RETRY_PERIOD')
      .default('2'),
  )
  .addOption(
    new Option(
      '--cache-sync-timeout <seconds>',
      'log an error with the reason when a cache has not synced this long after start (/readyz fails until it does)',
    )
      .env('MSVC_CACHE_SYNC_TIMEOUT')
      .default('120'),
  )
  .addOption(
    new Option(
      '--watch-stall <seconds>',
      '/healthz fails when a watch has made no progress this long (no list, event, bookmark or answer)',
    )
      .env('MSVC_WATCH_STALL')
      .default('300'),
  )
  .addOption(
    new Option('--shutdown-timeout <seconds>', 'how long SIGTERM waits for in-flight reconciles')
      .env('MSVC_SHUTDOWN_TIMEOUT')
      .default('20'),
  )
  .addOption(
    new Option(
      '--watch-config',
      'watch ConfigMap and Secret metadata (never their data) so spec.rolloutOnConfigChange rolls pods on config changes; needs list/watch on configmaps and secrets',
    ).env('MSVC_WATCH_CONFIG'),
  )
  .addOption(
    new Option(
      '--no-pod-security-check',
      'do not watch namespace labels for the PodSecurityRisk condition (a sidecar mesh the namespace enforce level refuses); the check needs get/list/watch on namespaces',
    ),
  )
  .addOption(
    new Option('--log-level <level>', 'trace, debug, info, warn or error').env('MSVC_LOG_LEVEL').default('info'),
  );

function positive(name: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    console.error(
      `msvc-operator: --${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${value}"`,
    );
    process.exit(2);
  }
  return n;
}

program.parse();
const flags = program.opts<Record<string, string | boolean | undefined>>();
const log = createLogger({ level: String(flags['logLevel']) });
const kubeConfig = await loadKubeConfig(
  typeof flags['kubeconfig'] === 'string' && flags['kubeconfig'] !== '' ? flags['kubeconfig'] : undefined,
);

const enabled = (flag: unknown) => Boolean(flag);
if (enabled(flags['sharding']) && enabled(flags['leaderElect'])) {
  console.error(
    'msvc-operator: --sharding and --leader-elect exclude each other: with --sharding every replica is active; drop --leader-elect',
  );
  process.exit(2);
}
const leaseTimes = () => ({
  leaseDurationMs: positive('lease-duration', String(flags['leaseDuration'])) * 1000,
  renewDeadlineMs: positive('renew-deadline', String(flags['renewDeadline'])) * 1000,
  retryPeriodMs: positive('retry-period', String(flags['retryPeriod'])) * 1000,
});

const metrics = new OperatorMetrics();
metrics.collectProcessMetrics();
const manager = buildOperator({
  kubeConfig,
  log,
  metrics,
  namespaces:
    typeof flags['namespaces'] === 'string'
      ? flags['namespaces']
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  concurrency: positive('concurrency', String(flags['concurrency'])),
  watchConfig: flags['watchConfig'] === true || flags['watchConfig'] === 'true',
  podSecurityCheck: flags['podSecurityCheck'] !== false,
  resyncIntervalMs: positive('resync', String(flags['resync']), true) * 1000,
  retryRateLimit: {
    qps: positive('retry-qps', String(flags['retryQps']), true),
    burst: positive('retry-burst', String(flags['retryBurst'])),
  },
  healthAddress: String(flags['healthAddress']),
  shutdownTimeoutMs: positive('shutdown-timeout', String(flags['shutdownTimeout'])) * 1000,
  cacheSyncTimeoutMs: positive('cache-sync-timeout', String(flags['cacheSyncTimeout'])) * 1000,
  watchStallMs: positive('watch-stall', String(flags['watchStall'])) * 1000,
  leaderElection: enabled(flags['leaderElect'])
    ? { namespace: String(flags['leaseNamespace']), name: String(flags['leaseName']), ...leaseTimes() }
    : false,
  sharding: enabled(flags['sharding'])
    ? {
        namespace: String(flags['leaseNamespace']),
        ring: String(flags['shardRing']),
        identity:
          typeof flags['shardIdentity'] === 'string' && flags['shardIdentity'] !== ''
            ? flags['shardIdentity']
            : process.env['POD_NAME'] || hostname(),
        ...leaseTimes(),
      }
    : false,
});
process.exit(await manager.run());
