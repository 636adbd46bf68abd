// The agent's in-memory model: frameworks, their executors and tasks, with
// Mesos 1.0's state machines (Framework RUNNING/TERMINATING, Executor
// REGISTERING/RUNNING/TERMINATING/TERMINATED; src/slave/slave.hpp). Owned by
// the agent process and changed only in its handlers.

import type { UPID } from '../libprocess/upid.js';
import { Resources } from '../common/resources.js';
import { isTerminalState } from '../common/task-states.js';
import { mesos } from '../proto/index.js';

export type ExecutorState = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';
export type FrameworkState = 'RUNNING' | 'TERMINATING';

/** Bounded history (Mesos uses circular buffers). */
export class History<T> {
  readonly items: T[] = [];
  constructor(private readonly capacity: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.shift();
  }
}

/**
 * The subscription stream of an HTTP executor (Mesos's HttpConnection in
 * src/slave/slave.hpp); common/event-stream.ts implements it.
 */
export interface ExecutorHttpConnection {
  /** `application/json` or `application/x-protobuf`, as the SUBSCRIBE's Accept chose. */
  readonly contentType: string;
  /** Writes one event as a RecordIO record; false once the stream is closed. */
  send(event: mesos.v1.executor.Event.$Properties): boolean;
  /** Ends the stream (idempotent). */
  close(): void;
  /** Resolves when the stream ends, from either side. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
}

export const MAX_COMPLETED_FRAMEWORKS = 50;
export const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;
export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;

export class Executor {
  state: ExecutorState = 'REGISTERING';
  /**
   * How the agent reaches the executor: a driver's pid, or the stream of an
   * executor subscribed over HTTP. At most one is set (Mesos's
   * Executor::pid and Executor::http); executors.sendToExecutor picks.
   */
  pid: UPID | undefined;
  http: ExecutorHttpConnection | undefined;
  resources: Resources;
  /** Tasks waiting for the executor to register. */
  readonly queuedTasks = new Map<string, mesos.TaskInfo.$Properties>();
  /** Tasks sent to the executor, not terminal yet (or terminal but unacknowledged). */
  readonly launchedTasks = new Map<string, mesos.Task.$Properties>();
  /** Terminal tasks whose terminal update the framework has not acknowledged yet. */
  readonly terminatedTasks = new Map<string, mesos.Task.$Properties>();
  readonly completedTasks = new History<mesos.Task.$Properties>(MAX_COMPLETED_TASKS_PER_EXECUTOR);
  /**
   * Why the executor ends, once known (Mesos's pendingTermination, then the
   * termination): its tasks' last update takes `state` and `reason` when set
   * (default TASK_FAILED, REASON_EXECUTOR_TERMINATED).
   */
  termination: { status?: number; message?: string; state?: mesos.TaskState; reason?: mesos.TaskStatus.Reason } | undefined;
  /**
   * How a recovered executor can be reached again (Mesos's Executor::pid after
   * Framework::recoverExecutor): its checkpointed libprocess pid, 'http' for an
   * HTTP executor (it subscribes again by itself), 'unknown' when neither was
   * checkpointed. undefined for executors this agent run launched.
   */
  recovered: UPID | 'http' | 'unknown' | undefined;
  registrationTimer: { cancel(): void } | undefined;
  shutdownTimer: { cancel(): void } | undefined;

  constructor(
    readonly frameworkId: string,
    readonly info: mesos.ExecutorInfo.$Properties,
    readonly containerId: string,
    readonly directory: string,
    readonly checkpoint: boolean,
    readonly commandExecutor: boolean,
  ) {
    this.resources = Resources.fromProto(info.resources ?? []);
  }

  get id(): string {
    return this.info.executor_id.value;
  }

  /** Whether the task is queued for, launched on, or terminated (unacknowledged) on this executor. */
  hasTask(taskId: string): boolean {
    return this.queuedTasks.has(taskId) || this.launchedTasks.has(taskId) || this.terminatedTasks.has(taskId);
  }

  /**
   * Rebuilds a task from its checkpoint (Executor::recoverTask): the Task
   * written at launch, then its checkpointed updates in order; a terminal
   * update ends it, and an acknowledged terminal update completes it.
   */
  recoverTask(task: mesos.Task.$Properties, updates: readonly mesos.internal.StatusUpdate.$Properties[], acked: (uuid: Uint8Array | null | undefined) => boolean): void {
    const taskId = task.task_id.value;
    this.launchedTasks.set(taskId, { ...task, statuses: [...(task.statuses ?? [])] });
    this.resources = this.resources.plus(Resources.fromProto(task.resources ?? []));
    for (const update of updates) {
      this.updateTaskState(update.status);
      if (isTerminalState(update.status.state)) {
        if (acked(update.uuid)) this.completeTask(taskId);
        break;
      }
    }
  }

  /** Moves a task from queued to launched (Executor::addTask), charging its resources. */
  addTask(task: mesos.TaskInfo.$Properties): mesos.Task.$Properties {
    const record: mesos.Task.$Properties = {
      name: task.name,
      task_id: task.task_id,
      framework_id: { value: this.frameworkId },
      slave_id: task.slave_id,
      executor_id: { value: this.id },
      state: mesos.TaskState.TASK_STAGING,
      resources: task.resources ?? [],
      statuses: [],
    };
    if (task.labels) record.labels = task.labels;
    if (task.discovery) record.discovery = task.discovery;
    if (task.container) record.container = task.container;
    this.launchedTasks.set(task.task_id.value, record);
    this.resources = this.resources.plus(Resources.fromProto(task.resources ?? []));
    return record;
  }

  /** Applies a status to the task (Executor::updateTaskState / terminateTask). */
  updateTaskState(status: mesos.TaskStatus.$Properties): void {
    const taskId = status.task_id.value;
    const task = this.launchedTasks.get(taskId) ?? this.terminatedTasks.get(taskId);
    if (task === undefined) return;
    const wasTerminal = isTerminalState(task.state);
    task.state = status.state;
    const statuses = task.statuses ?? [];
    // A repeated state replaces the last status (e.g. an update re-sent on
    // resubscription), as Executor::updateTaskState does.
    if (statuses.length > 0 && statuses[statuses.length - 1]?.state === status.state) statuses.pop();
    statuses.push(status);
    task.statuses = statuses;
    if (!wasTerminal && isTerminalState(status.state)) {
      this.launchedTasks.delete(taskId);
      this.terminatedTasks.set(taskId, task);
      this.resources = this.resources.minus(Resources.fromProto(task.resources ?? []));
    }
  }

  /** The terminal update was acknowledged (Executor::completeTask). */
  completeTask(taskId: string): void {
    const task = this.terminatedTasks.get(taskId);
    if (task === undefined) return;
    this.terminatedTasks.delete(taskId);
    this.completedTasks.push(task);
  }

  /** Whether tasks are still queued, running or awaiting acknowledgement. */
  incompleteTasks(): boolean {
    return this.queuedTasks.size > 0 || this.launchedTasks.size > 0 || this.terminatedTasks.size > 0;
  }
}

export class Framework {
  state: FrameworkState = 'RUNNING';
  info: mesos.FrameworkInfo.$Properties;
  pid: UPID | undefined;
  readonly executors = new Map<string, Executor>();
  readonly completedExecutors = new History<Executor>(MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);

  constructor(info: mesos.FrameworkInfo.$Properties, pid: UPID | undefined) {
    this.info = info;
    this.pid = pid;
  }

  get id(): string {
    return this.info.id?.value ?? '';
  }

  executorForTask(taskId: string): Executor | undefined {
    // A command executor has its task's id: found without a scan.
    const own = this.executors.get(taskId);
    if (own !== undefined && own.hasTask(taskId)) return own;
    for (const executor of this.executors.values()) {
      if (executor.hasTask(taskId)) return executor;
    }
    return undefined;
  }
}

export type AgentState = 'RECOVERING' | 'DISCONNECTED' | 'RUNNING' | 'TERMINATING';

/** The agent's frameworks and identity, as its HTTP endpoints read them. */
export interface AgentView {
  readonly info: mesos.SlaveInfo.$Properties;
  readonly state: AgentState;
  readonly masterPid: UPID | undefined;
  readonly startTime: number;
  readonly frameworks: ReadonlyMap<string, Framework>;
  readonly completedFrameworks: readonly Framework[];
  readonly flags: () => Record<string, string>;
}
