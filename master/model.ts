// The master's in-memory model: agents, frameworks, offers and tasks, with the
// indexes the handlers need. Owned by the master process; changed only inside
// its handlers. Shapes follow Mesos 1.0's Slave and Framework structs
// (src/master/master.hpp), trimmed to what the master uses.

import type { UPID } from '../libprocess/upid.js';
import type { Timer } from '../libprocess/clock.js';
import { mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';

export { isTerminalState, taskStateName, type TaskStateName } from '../common/task-states.js';
import { isTerminalState } from '../common/task-states.js';

/** A task the master knows about: the `mesos.Task.$Properties` message it reports, plus its resources parsed once. */
export interface TaskRecord {
  task: mesos.Task.$Properties;
  resources: Resources;
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

export interface OfferRecord {
  offer: mesos.Offer.$Properties;
  id: string;
  frameworkId: string;
  agentId: string;
  resources: Resources;
  timer: Timer | undefined;
}

export class Agent {
  readonly id: string;
  info: mesos.SlaveInfo.$Properties;
  pid: UPID;
  version: string;
  registeredTime: number;
  reregisteredTime: number | undefined;
  connected = true;
  active = true;
  totalResources: Resources;
  checkpointedResources: Resources;
  /** frameworkId -> taskId -> task */
  readonly tasks = new Map<string, Map<string, TaskRecord>>();
  /** frameworkId -> executorId -> executor */
  readonly executors = new Map<string, Map<string, mesos.ExecutorInfo.$Properties>>();
  /** frameworkId -> resources used by its tasks and executors here */
  readonly usedResources = new Map<string, Resources>();
  offeredResources: Resources = Resources.EMPTY;
  readonly offers = new Set<string>();
  /** Tasks killed before the agent knew them (not in 1.0's API; kept for reconciliation). */
  observer: UPID | undefined;

  constructor(info: mesos.SlaveInfo.$Properties, pid: UPID, version: string, now: number, checkpointed: Resources) {
    this.id = info.id?.value ?? '';
    this.info = info;
    this.pid = pid;
    this.version = version;
    this.registeredTime = now;
    this.totalResources = Resources.fromProto(info.resources ?? []);
    this.checkpointedResources = checkpointed;
  }

  addTask(record: TaskRecord): void {
    const frameworkId = record.task.framework_id.value;
    let tasks = this.tasks.get(frameworkId);
    if (tasks === undefined) this.tasks.set(frameworkId, (tasks = new Map()));
    tasks.set(record.task.task_id.value, record);
    if (!isTerminalState(record.task.state)) this.use(frameworkId, record.resources);
  }

  /** Releases a task's resources when it reaches a terminal state (it stays listed until acknowledged). */
  taskTerminated(record: TaskRecord): void {
    this.release(record.task.framework_id.value, record.resources);
  }

  removeTask(record: TaskRecord): void {
    const frameworkId = record.task.framework_id.value;
    const tasks = this.tasks.get(frameworkId);
    if (tasks?.get(record.task.task_id.value) !== record) return;
    tasks.delete(record.task.task_id.value);
    if (tasks.size === 0) this.tasks.delete(frameworkId);
    if (!isTerminalState(record.task.state)) this.release(frameworkId, record.resources);
  }

  addExecutor(frameworkId: string, executor: mesos.ExecutorInfo.$Properties): void {
    let executors = this.executors.get(frameworkId);
    if (executors === undefined) this.executors.set(frameworkId, (executors = new Map()));
    executors.set(executor.executor_id.value, executor);
    this.use(frameworkId, Resources.fromProto(executor.resources ?? []));
  }

  removeExecutor(frameworkId: string, executorId: string): mesos.ExecutorInfo.$Properties | undefined {
    const executors = this.executors.get(frameworkId);
    const executor = executors?.get(executorId);
    if (executors === undefined || executor === undefined) return undefined;
    executors.delete(executorId);
    if (executors.size === 0) this.executors.delete(frameworkId);
    this.release(frameworkId, Resources.fromProto(executor.resources ?? []));
    return executor;
  }

  hasExecutor(frameworkId: string, executorId: string): boolean {
    return this.executors.get(frameworkId)?.has(executorId) ?? false;
  }

  used(): Resources {
    let total = Resources.EMPTY;
    for (const resources of this.usedResources.values()) total = total.plus(resources);
    return total;
  }

  private use(frameworkId: string, resources: Resources): void {
    if (resources.isEmpty()) return;
    this.usedResources.set(frameworkId, (this.usedResources.get(frameworkId) ?? Resources.EMPTY).plus(resources));
  }

  private release(frameworkId: string, resources: Resources): void {
    if (resources.isEmpty()) return;
    const left = (this.usedResources.get(frameworkId) ?? Resources.EMPTY).minus(resources);
    if (left.isEmpty()) this.usedResources.delete(frameworkId);
    else this.usedResources.set(frameworkId, left);
  }
}

/**
 * The subscription stream of an HTTP framework (Mesos's HttpConnection,
 * src/master/master.hpp); master/http/scheduler-stream.ts implements it.
 */
export interface HttpConnection {
  readonly kind: 'http';
  /** The `Mesos-Stream-Id` of this subscription (a UUID). */
  readonly streamId: string;
  /** Writes one event as a RecordIO record; false once the stream is closed. */
  send(event: mesos.v1.scheduler.Event.$Properties): boolean;
  /** Ends the stream (idempotent); stops the heartbeats. */
  close(): void;
  /** Resolves when the stream ends, from either side. */
  readonly closed: Promise<void>;
  /** Sends HEARTBEAT now and every heartbeat interval until the stream closes (Mesos's Heartbeater). */
  startHeartbeats(): void;
}

/** How a framework talks to the master: a driver at a pid (v0), or an HTTP stream (v1). */
export type FrameworkConnection = { kind: 'pid'; pid: UPID } | HttpConnection;

export class Framework {
  info: mesos.FrameworkInfo.$Properties;
  connection: FrameworkConnection;
  connected = true;
  active = true;
  registeredTime: number;
  reregisteredTime: number | undefined;
  unregisteredTime: number | undefined;
  /** taskId -> task (non-completed; terminal tasks stay until acknowledged) */
  readonly tasks = new Map<string, TaskRecord>();
  readonly completedTasks: mesos.Task.$Properties[] = [];
  /** agentId -> executorId -> executor */
  readonly executors = new Map<string, Map<string, mesos.ExecutorInfo.$Properties>>();
  readonly offers = new Set<string>();
  /** agentId -> resources used there */
  readonly usedResources = new Map<string, Resources>();
  offeredResources: Resources = Resources.EMPTY;
  failoverTimer: Timer | undefined;

  constructor(info: mesos.FrameworkInfo.$Properties, connection: FrameworkConnection, now: number) {
    this.info = info;
    this.connection = connection;
    this.registeredTime = now;
  }

  get id(): string {
    return this.info.id?.value ?? '';
  }

  get role(): string {
    return this.info.role ?? '*';
  }

  get pid(): UPID | undefined {
    return this.connection.kind === 'pid' ? this.connection.pid : undefined;
  }

  totalUsed(): Resources {
    let total = Resources.EMPTY;
    for (const resources of this.usedResources.values()) total = total.plus(resources);
    return total;
  }

  addTask(record: TaskRecord): void {
    this.tasks.set(record.task.task_id.value, record);
    if (!isTerminalState(record.task.state)) this.use(record.task.slave_id.value, record.resources);
  }

  taskTerminated(record: TaskRecord): void {
    this.release(record.task.slave_id.value, record.resources);
  }

  removeTask(record: TaskRecord, maxCompleted: number): void {
    if (this.tasks.get(record.task.task_id.value) !== record) return;
    this.tasks.delete(record.task.task_id.value);
    if (!isTerminalState(record.task.state)) this.release(record.task.slave_id.value, record.resources);
    this.completedTasks.push(record.task);
    while (this.completedTasks.length > maxCompleted) this.completedTasks.shift();
  }

  addExecutor(agentId: string, executor: mesos.ExecutorInfo.$Properties): void {
    let executors = this.executors.get(agentId);
    if (executors === undefined) this.executors.set(agentId, (executors = new Map()));
    executors.set(executor.executor_id.value, executor);
    this.use(agentId, Resources.fromProto(executor.resources ?? []));
  }

  removeExecutor(agentId: string, executorId: string): void {
    const executors = this.executors.get(agentId);
    const executor = executors?.get(executorId);
    if (executors === undefined || executor === undefined) return;
    executors.delete(executorId);
    if (executors.size === 0) this.executors.delete(agentId);
    this.release(agentId, Resources.fromProto(executor.resources ?? []));
  }

  private use(agentId: string, resources: Resources): void {
    if (resources.isEmpty()) return;
    this.usedResources.set(agentId, (this.usedResources.get(agentId) ?? Resources.EMPTY).plus(resources));
  }

  private release(agentId: string, resources: Resources): void {
    if (resources.isEmpty()) return;
    const left = (this.usedResources.get(agentId) ?? Resources.EMPTY).minus(resources);
    if (left.isEmpty()) this.usedResources.delete(agentId);
    else this.usedResources.set(agentId, left);
  }
}
