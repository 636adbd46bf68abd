// The master's metrics, named as Mesos 1.0 names them (src/master/metrics.cpp):
// message counters, agent/framework gauges, gauges for live task states and
// counters for terminal ones, resource totals and the
// per-(state, source, reason) task counters created on first use.

import type { Counter, MetricsRegistry } from '../libprocess/metrics.js';

/** Read-only view of the master the gauges sample. */
export interface MasterGauges {
  uptimeSecs(): number;
  elected(): boolean;
  agents(): { active: number; inactive: number; connected: number; disconnected: number };
  frameworks(): { active: number; inactive: number; connected: number; disconnected: number };
  outstandingOffers(): number;
  /** Current number of tasks per state name (TASK_RUNNING, ...). */
  tasksInState(state: string): number;
  /** Scalar totals for cpus/gpus/mem/disk, revocable or not. */
  resourceTotal(name: string, revocable: boolean): number;
  resourceUsed(name: string, revocable: boolean): number;
  eventQueue(): { messages: number; dispatches: number; httpRequests: number };
}

const MESSAGE_COUNTERS = [
  'dropped_messages',
  'messages_authenticate',
  'messages_deactivate_framework',
  'messages_decline_offers',
  'messages_executor_to_framework',
  'messages_exited_executor',
  'messages_framework_to_executor',
  'messages_kill_task',
  'messages_launch_tasks',
  'messages_reconcile_tasks',
  'messages_register_framework',
  'messages_register_slave',
  'messages_reregister_framework',
  'messages_reregister_slave',
  'messages_resource_request',
  'messages_revive_offers',
  'messages_status_update',
  'messages_status_update_acknowledgement',
  'messages_suppress_offers',
  'messages_unregister_framework',
  'messages_unregister_slave',
  'messages_update_slave',
  'valid_framework_to_executor_messages',
  'invalid_framework_to_executor_messages',
  'valid_executor_to_framework_messages',
  'invalid_executor_to_framework_messages',
  'valid_status_updates',
  'invalid_status_updates',
  'valid_status_update_acknowledgements',
  'invalid_status_update_acknowledgements',
  'tasks_finished',
  'tasks_failed',
  'tasks_killed',
  'tasks_lost',
  'tasks_error',
  'recovery_slave_removals',
  'slave_registrations',
  'slave_reregistrations',
  'slave_removals',
  'slave_removals/reason_unhealthy',
  'slave_removals/reason_unregistered',
  'slave_removals/reason_registered',
  'slave_shutdowns_scheduled',
  'slave_shutdowns_completed',
  'slave_shutdowns_canceled',
] as const;

export type MasterCounterName = (typeof MESSAGE_COUNTERS)[number];

const TASK_GAUGES: ReadonlyArray<[string, string]> = [
  ['tasks_staging', 'TASK_STAGING'],
  ['tasks_starting', 'TASK_STARTING'],
  ['tasks_running', 'TASK_RUNNING'],
  ['tasks_killing', 'TASK_KILLING'],
];

const RESOURCES = ['cpus', 'gpus', 'mem', 'disk'] as const;

export class MasterMetrics {
  private readonly counters = new Map<string, Counter>();
  private readonly registered: string[] = [];

  constructor(
    private readonly registry: MetricsRegistry,
    view: MasterGauges,
  ) {
    for (const name of MESSAGE_COUNTERS) this.counters.set(name, registry.counter(`master/${name}`));
    const gauge = (name: string, read: () => number): void => {
      registry.gauge(`master/${name}`, read);
      this.registered.push(`master/${name}`);
    };
    gauge('uptime_secs', () => view.uptimeSecs());
    gauge('elected', () => (view.elected() ? 1 : 0));
    gauge('slaves_active', () => view.agents().active);
    gauge('slaves_inactive', () => view.agents().inactive);
    gauge('slaves_connected', () => view.agents().connected);
    gauge('slaves_disconnected', () => view.agents().disconnected);
    gauge('frameworks_active', () => view.frameworks().active);
    gauge('frameworks_inactive', () => view.frameworks().inactive);
    gauge('frameworks_connected', () => view.frameworks().connected);
    gauge('frameworks_disconnected', () => view.frameworks().disconnected);
    gauge('outstanding_offers', () => view.outstandingOffers());
    gauge('event_queue_messages', () => view.eventQueue().messages);
    gauge('event_queue_dispatches', () => view.eventQueue().dispatches);
    gauge('event_queue_http_requests', () => view.eventQueue().httpRequests);
    for (const [name, state] of TASK_GAUGES) gauge(name, () => view.tasksInState(state));
    for (const resource of RESOURCES) {
      for (const revocable of [false, true]) {
        const infix = revocable ? '_revocable' : '';
        gauge(`${resource}${infix}_total`, () => view.resourceTotal(resource, revocable));
        gauge(`${resource}${infix}_used`, () => view.resourceUsed(resource, revocable));
        gauge(`${resource}${infix}_percent`, () => {
          const total = view.resourceTotal(resource, revocable);
          return total === 0 ? 0 : view.resourceUsed(resource, revocable) / total;
        });
      }
    }
  }

  /** Increments `master/<name>`. */
  inc(name: MasterCounterName, by = 1): void {
    this.counters.get(name)?.inc(by);
  }

  /**
   * Counts a terminal or other task transition under
   * `master/<state>/<source>/<reason>` (lower-case enum names), created on
   * first use like Metrics::incrementTasksStates.
   */
  taskState(state: string, source: string, reason: string): void {
    const name = `master/${state.toLowerCase()}/${source.toLowerCase()}/${reason.toLowerCase()}`;
    let counter = this.counters.get(name);
    if (counter === undefined) {
      counter = this.registry.counter(name);
      this.counters.set(name, counter);
      this.registered.push(name);
    }
    counter.inc();
  }

  /** Removes every metric this master added (on finalize). */
  remove(): void {
    for (const name of this.registered) this.registry.remove(name);
    for (const name of MESSAGE_COUNTERS) this.registry.remove(`master/${name}`);
  }
}
