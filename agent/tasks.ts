// Tasks on the agent: RunTask from the master, kills, status updates from
// executors through the status update manager to the master,
// acknowledgements back, and framework<->executor messages
// (src/slave/slave.cpp: runTask, killTask, statusUpdate, forward,
// statusUpdateAcknowledgement, schedulerMessage, executorMessage).

import { randomUUID } from 'node:crypto';
import { UPID } from '../libprocess/upid.js';
import { has, mesos } from '../proto/index.js';
import type { Agent } from './agent.js';
import { Framework, type Executor } from './model.js';
import * as executors from './executors.js';
import * as recovery from './recovery.js';

type StatusUpdate = mesos.internal.StatusUpdate.$Properties;
const Source = mesos.TaskStatus.Source;
const Reason = mesos.TaskStatus.Reason;

/**
 * Who a status update comes from, which decides its source and where the
 * acknowledgement goes: the agent itself (SOURCE_SLAVE, none), a driver-based
 * executor (StatusUpdateAcknowledgementMessage to its pid), or an executor
 * over the HTTP API (ACKNOWLEDGED on the stream of the task's executor).
 */
export type UpdateSender = { readonly kind: 'agent' } | { readonly kind: 'pid'; readonly pid: UPID } | { readonly kind: 'http' };
export const FROM_AGENT: UpdateSender = { kind: 'agent' };
export const FROM_HTTP_EXECUTOR: UpdateSender = { kind: 'http' };

function uuidBytes(): Uint8Array {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}

/** A status update the agent itself generates (source SOURCE_SLAVE), with a fresh uuid. */
export function agentUpdate(
  agent: Agent,
  frameworkId: string,
  taskId: string,
  state: mesos.TaskState,
  message: string,
  reason: mesos.TaskStatus.Reason,
  executorId?: string,
): StatusUpdate {
  const uuid = uuidBytes();
  const timestamp = agent.runtime.clock.now() / 1000;
  const status: mesos.TaskStatus.$Properties = {
    task_id: { value: taskId },
    state,
    source: Source.SOURCE_SLAVE,
    message,
    reason,
    slave_id: { value: agent.id },
    timestamp,
    uuid,
  };
  const update: StatusUpdate = { framework_id: { value: frameworkId }, slave_id: { value: agent.id }, status, timestamp, uuid };
  if (executorId !== undefined) {
    update.executor_id = { value: executorId };
    status.executor_id = { value: executorId };
  }
  return update;
}

/**
 * The StatusUpdate for a TaskStatus an HTTP executor sent
 * (protobuf::createStatusUpdate(frameworkId, status, slaveId)): the
 * executor id only when the status names one, the status's timestamp (now
 * when it has none) and uuid.
 */
export function createStatusUpdate(agent: Agent, frameworkId: string, status: mesos.TaskStatus.$Properties): StatusUpdate {
  const update: StatusUpdate = {
    framework_id: { value: frameworkId },
    slave_id: { value: agent.id },
    status: { ...status },
    timestamp: has(status, 'timestamp') ? (status.timestamp ?? 0) : agent.runtime.clock.now() / 1000,
  };
  if (has(status, 'executor_id') && status.executor_id) update.executor_id = status.executor_id;
  if (has(status, 'uuid') && status.uuid) update.uuid = status.uuid;
  return update;
}

/** A framework's pid as the master relays it; HTTP frameworks have none (`@0.0.0.0:0` or empty). */
function frameworkPid(text: string | null | undefined): UPID | undefined {
  const pid = text === null || text === undefined || text === '' ? undefined : UPID.tryParse(text);
  return pid === undefined || pid.port === 0 || pid.id === '' ? undefined : pid;
}

function isFromMaster(agent: Agent, from: UPID): boolean {
  return agent.masterPid !== undefined && from.equals(agent.masterPid);
}

export function runTask(agent: Agent, from: UPID, msg: mesos.internal.RunTaskMessage): void {
  if (!isFromMaster(agent, from)) {
    agent.runtime.log.warn({ from: from.toString() }, 'ignoring run task message from a non-leading master');
    return;
  }
  if (agent.state !== 'RUNNING') {
    agent.runtime.log.warn({ task: msg.task.task_id.value }, 'ignoring run task message: not registered');
    return;
  }
  const frameworkId = msg.framework.id?.value ?? msg.framework_id?.value ?? '';
  const task = msg.task;
  let framework = agent.frameworks.get(frameworkId);
  if (framework === undefined) {
    framework = new Framework({ ...msg.framework, id: { value: frameworkId } }, has(msg, 'pid') ? frameworkPid(msg.pid) : undefined);
    agent.frameworks.set(frameworkId, framework);
    recovery.checkpointFramework(agent, framework);
  }
  if (framework.state === 'TERMINATING') {
    lost(agent, framework, task, 'Framework terminating');
    return;
  }
  const info = executors.executorInfoFor(agent, framework, task);
  let executor = framework.executors.get(info.executor_id.value);
  if (executor === undefined) {
    executor = executors.launchExecutor(agent, framework, info, task.executor === undefined || task.executor === null);
  }
  switch (executor.state) {
    case 'TERMINATING':
    case 'TERMINATED':
      lost(agent, framework, task, 'Executor terminating/terminated');
      return;
    case 'REGISTERING':
      recovery.checkpointTask(agent, executor, task);
      executor.queuedTasks.set(task.task_id.value, task);
      return;
    case 'RUNNING':
      recovery.checkpointTask(agent, executor, task);
      sendTaskToExecutor(agent, framework, executor, task);
  }
}

function lost(agent: Agent, framework: Framework, task: mesos.TaskInfo.$Properties, message: string): void {
  const update = agentUpdate(agent, framework.id, task.task_id.value, mesos.TaskState.TASK_LOST, message, Reason.REASON_EXECUTOR_TERMINATED);
  statusUpdate(agent, update, FROM_AGENT);
}

/** Sends a task to a registered executor and records it as launched. */
export function sendTaskToExecutor(agent: Agent, framework: Framework, executor: Executor, task: mesos.TaskInfo.$Properties): void {
  executor.addTask(task);
  executors.sendToExecutor(agent, executor, mesos.internal.RunTaskMessage, {
    framework_id: { value: framework.id },
    framework: framework.info,
    pid: framework.pid?.toString() ?? '@0.0.0.0:0',
    task,
  });
}

export function killTask(agent: Agent, from: UPID, msg: mesos.internal.KillTaskMessage): void {
  if (!isFromMaster(agent, from)) return;
  const frameworkId = msg.framework_id.value;
  const taskId = msg.task_id.value;
  const framework = agent.frameworks.get(frameworkId);
  if (framework === undefined || framework.state === 'TERMINATING') {
    agent.runtime.log.warn({ framework: frameworkId, task: taskId }, 'cannot kill task of an unknown or terminating framework');
    return;
  }
  const executor = framework.executorForTask(taskId);
  if (executor === undefined) {
    const update = agentUpdate(agent, frameworkId, taskId, mesos.TaskState.TASK_LOST, 'Cannot find executor', Reason.REASON_EXECUTOR_TERMINATED);
    statusUpdate(agent, update, FROM_AGENT);
    return;
  }
  if (executor.queuedTasks.has(taskId)) {
    // Never launched: kill it here.
    const task = executor.queuedTasks.get(taskId);
    executor.queuedTasks.delete(taskId);
    if (task !== undefined) executor.addTask(task);
    const update = agentUpdate(agent, frameworkId, taskId, mesos.TaskState.TASK_KILLED, 'Unregistered executor', Reason.REASON_EXECUTOR_UNREGISTERED, executor.id);
    statusUpdate(agent, update, FROM_AGENT);
    // Nothing left for the registering executor: it is not needed any more.
    if (executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0) executors.shutdownExecutor(agent, framework, executor);
    return;
  }
  if (executor.state !== 'RUNNING') {
    agent.runtime.log.warn({ task: taskId, state: executor.state }, 'cannot kill task: the executor is not running');
    return;
  }
  const kill: mesos.internal.KillTaskMessage.$Properties = { framework_id: msg.framework_id, task_id: msg.task_id };
  if (msg.kill_policy) kill.kill_policy = msg.kill_policy;
  executors.sendToExecutor(agent, executor, mesos.internal.KillTaskMessage, kill);
}

/**
 * A status update from an executor, or one the agent generated
 * (Slave::statusUpdate). It is applied to the task, handed to the status
 * update manager, and once the manager has it the executor is acknowledged.
 */
export function statusUpdate(agent: Agent, update: StatusUpdate, sender: UpdateSender): void {
  const fromAgent = sender.kind === 'agent';
  const origin = sender.kind === 'pid' ? sender.pid.toString() : sender.kind;
  if (update.uuid === undefined || update.uuid === null || update.uuid.length === 0) {
    agent.runtime.log.warn({ from: origin }, 'ignoring status update without a uuid');
    return;
  }
  update.status = { ...update.status, uuid: update.uuid, source: fromAgent ? Source.SOURCE_SLAVE : Source.SOURCE_EXECUTOR };
  if (update.executor_id) {
    if (update.status.executor_id && update.status.executor_id.value !== update.executor_id.value) {
      agent.runtime.log.warn(
        { from: origin, received: update.status.executor_id.value, expected: update.executor_id.value },
        'executor id mismatch in status update; overwriting it',
      );
    }
    update.status.executor_id = update.executor_id;
  }
  const framework = agent.frameworks.get(update.framework_id.value);
  if (framework === undefined || framework.state === 'TERMINATING') {
    agent.runtime.log.warn({ framework: update.framework_id.value }, 'ignoring status update for an unknown or terminating framework');
    return;
  }
  const taskId = update.status.task_id.value;
  const executor = framework.executorForTask(taskId);
  if (executor !== undefined) {
    if (!fromAgent && update.status.state === mesos.TaskState.TASK_STAGING) {
      agent.runtime.log.error({ executor: executor.id, task: taskId }, 'executor sent TASK_STAGING; shutting it down');
      executors.shutdownExecutor(agent, framework, executor);
      return;
    }
    executor.updateTaskState(update.status);
  }
  const checkpoint = recovery.taskUpdatesPath(agent, executor, taskId);
  const accepted = agent.runtime.dispatch(agent.sum, (s) => s.update(update, checkpoint));
  agent.defer(accepted, (result) => {
    if (!result.ok) {
      agent.runtime.log.error({ err: result.error, task: taskId }, 'status update manager refused an update');
      return;
    }
    // The manager has the update (or already had it): acknowledge the executor.
    const ack: mesos.internal.StatusUpdateAcknowledgementMessage.$Properties = {
      slave_id: update.slave_id ?? { value: agent.id },
      framework_id: update.framework_id,
      task_id: update.status.task_id,
      uuid: update.uuid ?? new Uint8Array(),
    };
    if (sender.kind === 'pid') {
      agent.sendProto(sender.pid, mesos.internal.StatusUpdateAcknowledgementMessage, ack);
    } else if (sender.kind === 'http') {
      const current = agent.frameworks.get(update.framework_id.value)?.executorForTask(taskId);
      if (current === undefined) {
        agent.runtime.log.warn({ task: taskId }, 'not acknowledging a status update of an unknown executor');
        return;
      }
      executors.sendToExecutor(agent, current, mesos.internal.StatusUpdateAcknowledgementMessage, ack);
    }
  });
}

/** Sends an update to the master with the task's latest state (Slave::forward). */
export function forwardToMaster(agent: Agent, update: StatusUpdate): void {
  if (agent.state !== 'RUNNING') return;
  const framework = agent.frameworks.get(update.framework_id.value);
  const executor = framework?.executorForTask(update.status.task_id.value);
  const task =
    executor?.launchedTasks.get(update.status.task_id.value) ?? executor?.terminatedTasks.get(update.status.task_id.value);
  const forwarded: StatusUpdate = { ...update, slave_id: { value: agent.id } };
  if (task !== undefined && has(task, 'state')) forwarded.latest_state = task.state;
  agent.sendToMaster(mesos.internal.StatusUpdateMessage, { update: forwarded, pid: agent.self.toString() });
}

/** The executor's task ended with its container: TASK_FAILED unless the termination says otherwise. */
export function sendExecutorTerminatedUpdate(
  agent: Agent,
  framework: Framework,
  executor: Executor,
  taskId: string,
  message: string,
  state: mesos.TaskState = mesos.TaskState.TASK_FAILED,
  reason: mesos.TaskStatus.Reason = Reason.REASON_EXECUTOR_TERMINATED,
): void {
  const update = agentUpdate(agent, framework.id, taskId, state, message, reason, executor.id);
  executor.updateTaskState(update.status);
  const checkpoint = recovery.taskUpdatesPath(agent, executor, taskId);
  void agent.runtime
    .dispatch(agent.sum, (s) => s.update(update, checkpoint))
    .catch((error: unknown) => agent.runtime.log.error({ err: error }, 'failed to queue executor-terminated update'));
}

export function acknowledgement(agent: Agent, from: UPID, msg: mesos.internal.StatusUpdateAcknowledgementMessage): void {
  if (!isFromMaster(agent, from)) return;
  const frameworkId = msg.framework_id.value;
  const taskId = msg.task_id.value;
  const acked = agent.runtime.dispatch(agent.sum, (s) => s.acknowledgement(frameworkId, taskId, msg.uuid));
  agent.defer(acked, (result) => {
    if (!result.ok) {
      agent.runtime.log.warn({ err: result.error, task: taskId }, 'rejected status update acknowledgement');
      return;
    }
    const framework = agent.frameworks.get(frameworkId);
    const executor = framework?.executorForTask(taskId);
    if (framework === undefined || executor === undefined) return;
    // The executor is not told: it was acknowledged when the agent took the
    // update (Slave::_statusUpdateAcknowledgement).
    if (!result.value) executor.completeTask(taskId);
    if (executor.state === 'TERMINATED' && !executor.incompleteTasks()) executors.removeExecutor(agent, framework, executor);
  });
}

/** Framework -> executor; the 1.0 driver sends these straight to the agent, so any sender is accepted (Slave::schedulerMessage). */
export function schedulerMessage(agent: Agent, from: UPID, msg: mesos.internal.FrameworkToExecutorMessage): void {
  if (agent.state !== 'RUNNING') {
    agent.runtime.log.warn({ from: from.toString() }, 'dropping framework message: the agent is not registered');
    return;
  }
  const framework = agent.frameworks.get(msg.framework_id.value);
  const executor = framework?.executors.get(msg.executor_id.value);
  if (framework === undefined || framework.state === 'TERMINATING' || executor === undefined || executor.state !== 'RUNNING') {
    agent.runtime.log.warn({ executor: msg.executor_id.value }, 'dropping framework message: executor not running');
    return;
  }
  executors.sendToExecutor(agent, executor, mesos.internal.FrameworkToExecutorMessage, msg);
}

/**
 * Executor -> framework, from a driver's ExecutorToFrameworkMessage or an
 * HTTP executor's MESSAGE call: straight to a driver-based framework's pid,
 * else through the master (Slave::executorMessage).
 */
export function executorMessage(agent: Agent, msg: mesos.internal.ExecutorToFrameworkMessage.$Properties): void {
  const framework = agent.frameworks.get(msg.framework_id.value);
  if (framework === undefined || framework.state === 'TERMINATING' || agent.state !== 'RUNNING') {
    agent.runtime.log.warn(
      { framework: msg.framework_id.value, executor: msg.executor_id.value },
      'dropping executor message: unknown or terminating framework, or no master',
    );
    return;
  }
  const message = { ...msg, slave_id: { value: agent.id } };
  if (framework.pid !== undefined) agent.sendProto(framework.pid, mesos.internal.ExecutorToFrameworkMessage, message);
  else agent.sendToMaster(mesos.internal.ExecutorToFrameworkMessage, message);
}

export function updateFramework(agent: Agent, from: UPID, msg: mesos.internal.UpdateFrameworkMessage): void {
  if (!isFromMaster(agent, from)) return;
  const framework = agent.frameworks.get(msg.framework_id.value);
  if (framework === undefined) return;
  framework.pid = has(msg, 'pid') ? frameworkPid(msg.pid) : undefined;
  recovery.checkpointFramework(agent, framework);
}

/** Tasks the master asked about after re-registration get their latest state re-sent. */
export function reconcileWithMaster(agent: Agent, reconciliations: readonly mesos.internal.ReconcileTasksMessage.$Properties[]): void {
  for (const reconcile of reconciliations) {
    const framework = agent.frameworks.get(reconcile.framework_id.value);
    for (const status of reconcile.statuses ?? []) {
      const executor = framework?.executorForTask(status.task_id.value);
      if (framework === undefined || executor === undefined) {
        const update = agentUpdate(agent, reconcile.framework_id.value, status.task_id.value, mesos.TaskState.TASK_LOST, 'Reconciliation: task unknown to the agent', Reason.REASON_RECONCILIATION);
        statusUpdate(agent, update, FROM_AGENT);
      }
    }
  }
}

/** ReregisterSlaveMessage: the agent's frameworks, tasks and executors (Slave::doReliableRegistration). */
export function reregistrationMessage(agent: Agent): mesos.internal.ReregisterSlaveMessage.$Properties {
  const message: mesos.internal.ReregisterSlaveMessage.$Properties = {
    slave: agent.info,
    version: '1.0.0',
    checkpointed_resources: agent.checkpointedResources,
    frameworks: [],
    tasks: [],
    executor_infos: [],
    completed_frameworks: [],
  };
  for (const framework of agent.frameworks.values()) {
    message.frameworks?.push(framework.info);
    for (const executor of framework.executors.values()) {
      const first = message.tasks?.length ?? 0;
      for (const task of executor.launchedTasks.values()) message.tasks?.push(task);
      for (const task of executor.terminatedTasks.values()) message.tasks?.push(task);
      for (const task of executor.queuedTasks.values()) {
        message.tasks?.push({
          name: task.name,
          task_id: task.task_id,
          framework_id: { value: framework.id },
          slave_id: { value: agent.id },
          executor_id: { value: executor.id },
          state: mesos.TaskState.TASK_STAGING,
          resources: task.resources ?? [],
        });
      }
      if (executor.commandExecutor) {
        for (let i = first; i < (message.tasks?.length ?? 0); i++) {
          const task = message.tasks?.[i];
          if (task !== undefined && message.tasks !== undefined && message.tasks !== null) {
            message.tasks[i] = { ...task, executor_id: null };
          }
        }
      } else if (executor.state !== 'TERMINATED') {
        message.executor_infos?.push(executor.info);
      }
    }
  }
  for (const framework of agent.completedFrameworks) {
    const archived: mesos.internal.Archive.Framework.$Properties = { framework_info: framework.info, tasks: [] };
    if (framework.pid !== undefined) archived.pid = framework.pid.toString();
    for (const executor of framework.completedExecutors.items) {
      for (const task of executor.terminatedTasks.values()) archived.tasks?.push(task);
      for (const task of executor.completedTasks.items) archived.tasks?.push(task);
    }
    message.completed_frameworks?.push(archived);
  }
  return message;
}
