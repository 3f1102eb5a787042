// The chart's observability of the operator itself: the PrometheusRule's alerts pass Prometheus'
// own rule checks (the ones `promtool check rules` runs: tools/testhelpers/cmd/check-rules, built
// from github.com/prometheus/prometheus/model/rulefmt), the Grafana dashboard's queries are valid
// PromQL by the same parser, and both use only metric names the operator exports.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { OperatorMetrics } from '../operator/runtime/metrics.ts';
import { testHelpersDir } from '../test/support/oracles.ts';
import { chartDir, helm } from './helm.ts';

type Json = Record<string, unknown>;

/** Runs check-rules on a YAML stream: exit code, stdout, stderr. */
function checkRules(yamlText: string) {
  const result = spawnSync(join(testHelpersDir(), 'check-rules'), { input: yamlText, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function rendered(values: string[]): Promise<{ text: string; docs: Json[] }> {
  const { stdout } = await helm([
    'template',
    'msvc',
    chartDir,
    '--namespace',
    'msvc-system',
    ...values.flatMap((v) => ['--set', v]),
  ]);
  return {
    text: stdout,
    docs: parseAllDocuments(stdout)
      .map((d) => d.toJS() as Json)
      .filter(Boolean),
  };
}

const ON = [
  'metrics.serviceMonitor.enabled=true',
  'metrics.prometheusRule.enabled=true',
  'metrics.dashboard.enabled=true',
];

/** Metric names the operator serves (histograms also as _bucket, _sum, _count). */
async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = new OperatorMetrics();
  metrics.forController('microservice', 1);
  const text = await metrics.registry.metrics();
  const names = new Set<string>(['up']);
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!m?.[1]) continue;
    names.add(m[1]);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m[1]}${s}`);
  }
  return names;
}
const metricNamesIn = (expr: string) =>
  [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*\{/g)]
    .map((m) => m[1] as string)
    .filter((n) => !['by', 'without'].includes(n));

describe('chart: operator observability', () => {
  // Builds the Go checker on first use (cached after; cold it takes minutes: docs/development.md).
  beforeAll(() => {
    testHelpersDir();
  }, 1_800_000);

  it('is off by default: no PrometheusRule, no dashboard', async () => {
    const { docs } = await rendered([]);
    expect(docs.map((d) => d['kind'])).not.toContain('PrometheusRule');
    expect(docs.filter((d) => d['kind'] === 'ConfigMap')).toEqual([]);
  });

  it("the PrometheusRule passes Prometheus' rule checks, with the alerts users expect", async () => {
    const { text, docs } = await rendered(ON);
    const result = checkRules(text);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('msvc-microservice-operator: 1 groups, 6 rules');
    const rule = docs.find((d) => d['kind'] === 'PrometheusRule') as {
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toStrictEqual([
      'MicroServiceOperatorDown',
      'MicroServiceOperatorReconcileErrors',
      'MicroServiceOperatorWorkQueueDepth',
      'MicroServiceOperatorWorkQueueLatency',
      'MicroServiceOperatorNoLeader',
      'MicroServiceOperatorWatchRestarts',
    ]);
    // The job is what the chart's ServiceMonitor makes it: the metrics Service's name.
    const service = docs.find((d) => d['kind'] === 'Service') as { metadata: { name: string } };
    for (const r of rules) expect(r.expr).toContain(`job="${service.metadata.name}", namespace="msvc-system"`);
    const exported = await exportedMetricNames();
    for (const r of rules)
      for (const name of metricNamesIn(r.expr)) expect(exported, `${r.alert}: ${name}`).toContain(name);
  });

  it("sharded, the PrometheusRule alerts on the ring instead of a leader, and passes Prometheus' rule checks", async () => {
    const { text, docs } = await rendered([...ON, 'sharding.enabled=true', 'replicaCount=3']);
    const result = checkRules(text);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('msvc-microservice-operator: 1 groups, 8 rules');
    const rule = docs.find((d) => d['kind'] === 'PrometheusRule') as {
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    // Each shard holds its own Lease: "no replica leads" means nothing there, and is not rendered.
    expect(rules.map((r) => r.alert)).toStrictEqual([
      'MicroServiceOperatorDown',
      'MicroServiceOperatorReconcileErrors',
      'MicroServiceOperatorWorkQueueDepth',
      'MicroServiceOperatorWorkQueueLatency',
      'MicroServiceOperatorNoShard',
      'MicroServiceOperatorShardOutOfRing',
      'MicroServiceOperatorShardRingSplit',
      'MicroServiceOperatorWatchRestarts',
    ]);
    const exported = await exportedMetricNames();
    for (const r of rules)
      for (const name of metricNamesIn(r.expr)) expect(exported, `${r.alert}: ${name}`).toContain(name);
  });

  it('the checker is not a rubber stamp: a broken expression or template fails it', () => {
    const bad = (expr: string, description = 'ok') =>
      stringify({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: 'bad' },
        spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr, annotations: { description } }] }] },
      });
    expect(checkRules(bad('rate(workqueue_depth[5m]')).code).toBe(1);
    expect(checkRules(bad('up', '{{ $value | nosuchfunction }}')).code).toBe(1);
    expect(checkRules(bad('up')).code).toBe(0);
  });

  it('the dashboard ConfigMap holds the JSON file, and every query is valid PromQL on exported metrics', async () => {
    const { docs } = await rendered(ON);
    const configMap = docs.find((d) => d['kind'] === 'ConfigMap') as {
      metadata: { labels: Json };
      data: Record<string, string>;
    };
    expect(configMap.metadata.labels['grafana_dashboard']).toBe('1');
    const file = readFileSync(join(chartDir, 'dashboards/microservice-operator.json'), 'utf8');
    expect(configMap.data['microservice-operator.json']).toBe(file.trimEnd());
    const dashboard = JSON.parse(file) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    // Grafana's $variables sit inside label matchers, so each query is PromQL as it stands.
    const asRules = stringify({
      kind: 'PrometheusRule',
      metadata: { name: 'dashboard' },
      spec: {
        groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })) }],
      },
    });
    const result = checkRules(asRules);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const exported = await exportedMetricNames();
    for (const e of exprs)
      for (const name of metricNamesIn(e.expr)) expect(exported, `${e.title}: ${name}`).toContain(name);
  });
});
