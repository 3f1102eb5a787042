import { describe, expect, it } from 'vitest';
import { OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';

describe('OperatorMetrics', () => {
  it('exposes controller-runtime names with every label combination zeroed at registration', async () => {
    const metrics = new OperatorMetrics();
    metrics.forController('microservice', 4);
    metrics.trackQueue(new WorkQueue({ name: 'microservice', metrics: metrics.forQueue('microservice') }));
    metrics.forLease('msvc-operator');
    metrics.forWatch('microservices.msvc.dev');
    const text = await metrics.expose();
    const want = [
      'controller_runtime_reconcile_total{controller="microservice",result="success"} 0',
      'controller_runtime_reconcile_total{controller="microservice",result="error"} 0',
      'controller_runtime_reconcile_total{controller="microservice",result="requeue"} 0',
      'controller_runtime_reconcile_total{controller="microservice",result="requeue_after"} 0',
      'controller_runtime_reconcile_errors_total{controller="microservice"} 0',
      'controller_runtime_terminal_reconcile_errors_total{controller="microservice"} 0',
      'controller_runtime_reconcile_panics_total{controller="microservice"} 0',
      'controller_runtime_reconcile_timeouts_total{controller="microservice"} 0',
      'controller_runtime_reconcile_time_seconds_count{controller="microservice"} 0',
      'controller_runtime_max_concurrent_reconciles{controller="microservice"} 4',
      'controller_runtime_active_workers{controller="microservice"} 0',
      'workqueue_depth{name="microservice"} 0',
      'workqueue_adds_total{name="microservice"} 0',
      'workqueue_queue_duration_seconds_count{name="microservice"} 0',
      'workqueue_work_duration_seconds_count{name="microservice"} 0',
      'workqueue_unfinished_work_seconds{name="microservice"} 0',
      'workqueue_longest_running_processor_seconds{name="microservice"} 0',
      'workqueue_retries_total{name="microservice"} 0',
      'leader_election_master_status{name="msvc-operator"} 0',
      'msvc_watch_relists_total{resource="microservices.msvc.dev"} 0',
      'msvc_watch_errors_total{resource="microservices.msvc.dev"} 0',
      'msvc_cache_objects{resource="microservices.msvc.dev"} 0',
    ];
    for (const line of want) expect(text).toContain(line);
  });

  it('counts what the hooks report', async () => {
    const metrics = new OperatorMetrics();
    const controller = metrics.forController('c', 1);
    const queue = new WorkQueue({ name: 'c', metrics: metrics.forQueue('c') });
    metrics.trackQueue(queue);
    const setLeader = metrics.forLease('l');
    controller.reconcileResult('success');
    controller.reconcileResult('error');
    controller.reconcileError({ terminal: true, panic: false, timeout: false });
    queue.add('a');
    queue.add('b');
    queue.addRateLimited('c');
    setLeader(true);
    const text = await metrics.expose();
    expect(text).toContain('controller_runtime_reconcile_total{controller="c",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_total{controller="c",result="error"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="c"} 1');
    expect(text).toContain('controller_runtime_terminal_reconcile_errors_total{controller="c"} 1');
    expect(text).toContain('controller_runtime_reconcile_panics_total{controller="c"} 0');
    expect(text).toContain('workqueue_depth{name="c"} 2');
    expect(text).toContain('workqueue_adds_total{name="c"} 2');
    expect(text).toContain('workqueue_retries_total{name="c"} 1');
    expect(text).toContain('leader_election_master_status{name="l"} 1');
    queue.shutDown();
  });

  it('exposes the process metrics only when asked (main.ts asks, once per process)', async () => {
    const metrics = new OperatorMetrics();
    expect(await metrics.expose()).not.toContain('process_cpu_seconds_total');
    metrics.collectProcessMetrics();
    const text = await metrics.expose();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9]\d*/m);
  });

  it('keeps two instances apart (no global registry)', async () => {
    new OperatorMetrics().forController('one', 1);
    expect(await new OperatorMetrics().expose()).not.toContain('controller="one"');
  });

  it('reads a gauge of the controller at every scrape', async () => {
    const metrics = new OperatorMetrics();
    let size = 3;
    metrics.gaugeOf('msvc_applied_memo_entries', 'entries', () => size);
    expect(await metrics.expose()).toContain('msvc_applied_memo_entries 3\n');
    size = 0;
    expect(await metrics.expose()).toContain('msvc_applied_memo_entries 0\n');
  });
});
