// Tasks in the master: ACCEPT/LAUNCH with validation, RunTaskMessage to the
// agent, status updates from agents forwarded to frameworks, acknowledgements
// back, kills, reconciliation and framework<->executor messages
// (src/master/master.cpp: accept, _accept, addTask, statusUpdate, forward,
// updateTask, removeTask, removeExecutor, kill, acknowledge, _reconcileTasks).

import { randomUUID } from 'node:crypto';
import { UPID } from '../libprocess/upid.js';
import { has, mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import type { Master } from './master.js';
import { isTerminalState, type Agent, type Framework, type TaskRecord } from './model.js';
import * as offers from './offers.js';
import { validateOffers, validateTask } from './validation.js';
import { validateUuidBytes } from './validation-common.js';
import * as operatorEvents from './operator-events.js';

const Source = mesos.TaskStatus.Source;
const Reason = mesos.TaskStatus.Reason;
const TaskState = mesos.TaskState;

const TERMINAL_COUNTERS = new Map<number, 'tasks_finished' | 'tasks_failed' | 'tasks_killed' | 'tasks_lost' | 'tasks_error'>([
  [TaskState.TASK_FINISHED, 'tasks_finished'],
  [TaskState.TASK_FAILED, 'tasks_failed'],
  [TaskState.TASK_KILLED, 'tasks_killed'],
  [TaskState.TASK_LOST, 'tasks_lost'],
  [TaskState.TASK_ERROR, 'tasks_error'],
]);

export function recordOf(task: mesos.Task.$Properties, agentId?: string): TaskRecord {
  const normalized = agentId === undefined ? task : { ...task, slave_id: task.slave_id ?? { value: agentId } };
  return { task: normalized, resources: Resources.fromProto(task.resources ?? []) };
}

interface UpdateSpec {
  state: mesos.TaskState;
  source: mesos.TaskStatus.Source;
  message: string;
  reason?: mesos.TaskStatus.Reason;
}

/** protobuf::createStatusUpdate for a master-generated update (no uuid: nothing to acknowledge). */
export function statusUpdateFor(
  master: Master,
  frameworkId: string,
  agentId: string | undefined,
  taskId: string,
  spec: UpdateSpec,
  executorId?: string,
): mesos.internal.StatusUpdate.$Properties {
  const timestamp = master.nowSecs();
  const status: mesos.TaskStatus.$Properties = {
    task_id: { value: taskId },
    state: spec.state,
    source: spec.source,
    message: spec.message,
    timestamp,
  };
  if (agentId !== undefined) status.slave_id = { value: agentId };
  if (spec.reason !== undefined) status.reason = spec.reason;
  const update: mesos.internal.StatusUpdate.$Properties = { framework_id: { value: frameworkId }, status, timestamp };
  if (agentId !== undefined) update.slave_id = { value: agentId };
  if (executorId !== undefined) update.executor_id = { value: executorId };
  return update;
}

export function createStatusUpdate(master: Master, record: TaskRecord, spec: UpdateSpec): mesos.internal.StatusUpdate.$Properties {
  const task = record.task;
  return statusUpdateFor(master, task.framework_id.value, task.slave_id.value, task.task_id.value, spec, task.executor_id?.value);
}

/** Sends a status update to the framework; `acknowledgee` is the agent pid when the update needs an acknowledgement. */
export function forward(master: Master, update: mesos.internal.StatusUpdate.$Properties, acknowledgee: UPID | undefined, framework: Framework): void {
  master.sendToFramework(framework, mesos.internal.StatusUpdateMessage, {
    update,
    pid: acknowledgee?.toString() ?? '@0.0.0.0:0',
  });
}

/** Applies a status update to the master's copy of the task (Master::updateTask). */
export function updateTask(master: Master, record: TaskRecord, update: mesos.internal.StatusUpdate.$Properties): void {
  const task = record.task;
  const status = update.status;
  const newState = has(update, 'latest_state') ? (update.latest_state as mesos.TaskState) : (status.state ?? TaskState.TASK_STAGING);
  const wasTerminal = isTerminalState(task.state);
  const terminated = !wasTerminal && isTerminalState(newState);
  if (!wasTerminal && newState !== task.state) operatorEvents.taskUpdated(master, task, newState);
  if (!wasTerminal) task.state = newState;
  if (update.uuid !== undefined && update.uuid !== null && update.uuid.length > 0) {
    task.status_update_state = status.state ?? null;
    task.status_update_uuid = update.uuid;
  }
  const statuses = task.statuses ?? [];
  if (statuses.length > 0 && statuses[statuses.length - 1]?.state === status.state) statuses.pop();
  const stored: mesos.TaskStatus.$Properties = { ...status };
  delete stored.data;
  statuses.push(stored);
  task.statuses = statuses;
  if (terminated) {
    master.allocator.recoverResources(task.framework_id.value, task.slave_id.value, record.resources);
    master.state.agents.get(task.slave_id.value)?.taskTerminated(record);
    master.state.frameworks.get(task.framework_id.value)?.taskTerminated(record);
    const terminalCounter = TERMINAL_COUNTERS.get(status.state ?? -1);
    if (terminalCounter !== undefined) master.metrics.inc(terminalCounter);
    if (has(status, 'reason')) {
      master.metrics.taskState(
        mesos.TaskState[status.state ?? 0] ?? 'UNKNOWN',
        Source[status.source ?? 0] ?? 'UNKNOWN',
        Reason[status.reason ?? 0] ?? 'UNKNOWN',
      );
    }
  }
}

/** Forgets a task (Master::removeTask); a task still running gives its resources back. */
export function removeTask(master: Master, record: TaskRecord): void {
  const task = record.task;
  if (!isTerminalState(task.state)) {
    master.allocator.recoverResources(task.framework_id.value, task.slave_id.value, record.resources);
  }
  master.state.frameworks.get(task.framework_id.value)?.removeTask(record, master.opts.maxCompletedTasksPerFramework);
  master.state.agents.get(task.slave_id.value)?.removeTask(record);
}

export function removeExecutor(master: Master, agent: Agent, frameworkId: string, executorId: string): void {
  const executor = agent.executors.get(frameworkId)?.get(executorId);
  if (executor === undefined) return;
  master.allocator.recoverResources(frameworkId, agent.id, Resources.fromProto(executor.resources ?? []));
  master.state.frameworks.get(frameworkId)?.removeExecutor(agent.id, executorId);
  agent.removeExecutor(frameworkId, executorId);
}

/** LaunchTasksMessage from an older driver becomes an ACCEPT with one LAUNCH. */
export function launchTasksMessage(master: Master, from: UPID, msg: mesos.internal.LaunchTasksMessage): void {
  const framework = master.state.frameworks.get(msg.framework_id.value);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) {
    master.runtime.log.warn({ from: from.toString(), framework: msg.framework_id.value }, 'ignoring launch tasks message from an unknown framework or pid');
    return;
  }
  accept(master, framework, {
    offer_ids: msg.offer_ids,
    operations: [{ type: mesos.Offer.Operation.Type.LAUNCH, launch: { task_infos: msg.tasks ?? [] } }],
    filters: msg.filters,
  });
}

function launchedTasks(operations: readonly mesos.Offer.Operation.$Properties[]): mesos.TaskInfo.$Properties[] {
  const out: mesos.TaskInfo.$Properties[] = [];
  for (const op of operations) if (op.type === mesos.Offer.Operation.Type.LAUNCH) out.push(...(op.launch?.task_infos ?? []));
  return out;
}

export function accept(master: Master, framework: Framework, call: mesos.scheduler.Call.Accept.$Properties): void {
  const operations = call.operations ?? [];
  for (const op of operations) {
    if (op.type !== mesos.Offer.Operation.Type.LAUNCH) continue;
    master.metrics.inc((op.launch?.task_infos?.length ?? 0) > 0 ? 'messages_launch_tasks' : 'messages_decline_offers');
  }
  const state = master.state;
  const offerIds = (call.offer_ids ?? []).map((o) => o.value);
  let error: string | undefined;
  let offered = Resources.EMPTY;
  let agentId: string | undefined;
  if (offerIds.length === 0) {
    error = 'No offers specified';
  } else {
    error = validateOffers(offerIds, framework.id, (id) => state.offers.get(id), (id) => state.agents.get(id));
    for (const id of offerIds) {
      const record = state.offers.get(id);
      if (record === undefined) continue;
      agentId = record.agentId;
      offered = offered.plus(record.resources);
      if (error !== undefined) master.allocator.recoverResources(record.frameworkId, record.agentId, record.resources);
      offers.remove(master, record, false);
    }
  }
  if (error !== undefined || agentId === undefined) {
    for (const task of launchedTasks(operations)) {
      const update = statusUpdateFor(master, framework.id, task.slave_id?.value, task.task_id.value, {
        state: TaskState.TASK_LOST,
        source: Source.SOURCE_MASTER,
        message: `Task launched with invalid offers: ${error ?? 'No offers specified'}`,
        reason: Reason.REASON_INVALID_OFFERS,
      });
      master.metrics.inc('tasks_lost');
      master.metrics.taskState('TASK_LOST', 'SOURCE_MASTER', 'REASON_INVALID_OFFERS');
      forward(master, update, undefined, framework);
    }
    return;
  }
  const agent = state.agents.get(agentId);
  if (agent === undefined || !agent.connected) {
    const reason = agent === undefined ? Reason.REASON_SLAVE_REMOVED : Reason.REASON_SLAVE_DISCONNECTED;
    for (const task of launchedTasks(operations)) {
      const update = statusUpdateFor(master, framework.id, task.slave_id?.value, task.task_id.value, {
        state: TaskState.TASK_LOST,
        source: Source.SOURCE_MASTER,
        message: agent === undefined ? 'Agent removed' : 'Agent disconnected',
        reason,
      });
      forward(master, update, undefined, framework);
    }
    master.allocator.recoverResources(framework.id, agentId, offered);
    return;
  }
  let remaining = offered;
  for (const op of operations) {
    if (op.type !== mesos.Offer.Operation.Type.LAUNCH) {
      const type = mesos.Offer.Operation.Type[op.type ?? 0] ?? String(op.type);
      master.runtime.log.error({ framework: framework.id, type }, `dropping ${type} offer operation: not supported by this master yet`);
      continue;
    }
    for (const info of op.launch?.task_infos ?? []) {
      const task: mesos.TaskInfo.$Properties = { ...info };
      if (task.executor && !task.executor.framework_id) task.executor = { ...task.executor, framework_id: { value: framework.id } };
      const invalid = validateTask(task, framework, agent, remaining);
      if (invalid !== undefined) {
        const update = statusUpdateFor(master, framework.id, task.slave_id?.value, task.task_id.value, {
          state: TaskState.TASK_ERROR,
          source: Source.SOURCE_MASTER,
          message: invalid,
          reason: Reason.REASON_TASK_INVALID,
        });
        master.metrics.inc('tasks_error');
        master.metrics.taskState('TASK_ERROR', 'SOURCE_MASTER', 'REASON_TASK_INVALID');
        forward(master, update, undefined, framework);
        continue;
      }
      remaining = remaining.minus(addTask(master, task, framework, agent));
      master.sendProto(agent.pid, mesos.internal.RunTaskMessage, {
        framework: framework.info,
        framework_id: { value: framework.id },
        pid: framework.pid?.toString() ?? '@0.0.0.0:0',
        task,
      });
    }
  }
  if (!remaining.isEmpty()) {
    master.allocator.recoverResources(framework.id, agent.id, remaining, offers.refuseSecondsOf(call.filters));
  }
}

/** Adds a validated task (and its executor, when new); returns the resources it consumes. */
function addTask(master: Master, info: mesos.TaskInfo.$Properties, framework: Framework, agent: Agent): Resources {
  let consumed = Resources.fromProto(info.resources ?? []);
  const task: mesos.Task.$Properties = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: framework.id },
    slave_id: { value: agent.id },
    state: TaskState.TASK_STAGING,
    resources: info.resources ?? [],
    statuses: [],
  };
  if (info.executor) task.executor_id = info.executor.executor_id;
  if (info.labels) task.labels = info.labels;
  if (info.discovery) task.discovery = info.discovery;
  if (info.container) task.container = info.container;
  if (has(info.command, 'user')) task.user = info.command?.user ?? null;
  else if (has(info.executor?.command, 'user')) task.user = info.executor?.command?.user ?? null;
  const record: TaskRecord = { task, resources: consumed };
  if (info.executor && !agent.hasExecutor(framework.id, info.executor.executor_id.value)) {
    agent.addExecutor(framework.id, info.executor);
    framework.addExecutor(agent.id, info.executor);
    consumed = consumed.plus(Resources.fromProto(info.executor.resources ?? []));
  }
  framework.addTask(record);
  agent.addTask(record);
  operatorEvents.taskAdded(master, task);
  return consumed;
}

/** A status update from an agent (Master::statusUpdate). */
export function statusUpdate(master: Master, from: UPID, msg: mesos.internal.StatusUpdateMessage): void {
  master.metrics.inc('messages_status_update');
  const update = msg.update;
  const agentId = update.slave_id?.value ?? '';
  if (master.state.removedAgents.has(agentId)) {
    master.sendProto(from, mesos.internal.ShutdownMessage, { message: 'Status update from unknown agent' });
    master.metrics.inc('invalid_status_updates');
    return;
  }
  const agent = master.state.agents.get(agentId);
  const framework = master.state.frameworks.get(update.framework_id.value);
  if (agent === undefined || framework === undefined) {
    master.metrics.inc('invalid_status_updates');
    return;
  }
  if (update.uuid !== undefined && update.uuid !== null && update.uuid.length > 0) update.status.uuid = update.uuid;
  const acknowledgee = msg.pid !== undefined && msg.pid !== null && msg.pid !== '' ? UPID.tryParse(msg.pid) : undefined;
  forward(master, update, acknowledgee, framework);
  const record = agent.tasks.get(framework.id)?.get(update.status.task_id.value);
  if (record === undefined) {
    master.metrics.inc('invalid_status_updates');
    return;
  }
  updateTask(master, record, update);
  if (isTerminalState(record.task.state) && acknowledgee === undefined) removeTask(master, record);
  master.metrics.inc('valid_status_updates');
}

export function kill(master: Master, framework: Framework, call: mesos.scheduler.Call.Kill.$Properties): void {
  master.metrics.inc('messages_kill_task');
  const taskId = call.task_id.value;
  const agentId = call.slave_id?.value;
  const record = framework.tasks.get(taskId);
  if (record === undefined) {
    reconcile(master, framework, [{ task_id: call.task_id, ...(agentId !== undefined ? { slave_id: { value: agentId } } : {}) }]);
    return;
  }
  if (agentId !== undefined && agentId !== record.task.slave_id.value) return;
  const agent = master.state.agents.get(record.task.slave_id.value);
  if (agent === undefined) return;
  if (!agent.connected) {
    master.runtime.log.warn({ task: taskId, agent: agent.id }, 'cannot kill task: the agent is disconnected');
    return;
  }
  const message: mesos.internal.KillTaskMessage.$Properties = { framework_id: { value: framework.id }, task_id: call.task_id };
  if (call.kill_policy) message.kill_policy = call.kill_policy;
  master.sendProto(agent.pid, mesos.internal.KillTaskMessage, message);
}

export function killTaskMessage(master: Master, from: UPID, msg: mesos.internal.KillTaskMessage): void {
  const framework = master.state.frameworks.get(msg.framework_id.value);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) return;
  kill(master, framework, { task_id: msg.task_id, kill_policy: msg.kill_policy });
}

export function acknowledge(
  master: Master,
  framework: Framework,
  ack: mesos.scheduler.Call.Acknowledge.$Properties,
  from?: UPID,
  call?: mesos.scheduler.Call.$Properties,
): void {
  if (validateUuidBytes(ack.uuid) !== undefined) {
    master.metrics.inc('invalid_status_update_acknowledgements');
    if (from !== undefined && call !== undefined) {
      master.runtime.log.error({ framework: framework.id }, 'dropping ACKNOWLEDGE call: invalid UUID');
    }
    return;
  }
  master.metrics.inc('messages_status_update_acknowledgement');
  const agent = master.state.agents.get(ack.slave_id.value);
  if (agent === undefined || !agent.connected) {
    master.metrics.inc('invalid_status_update_acknowledgements');
    return;
  }
  const record = agent.tasks.get(framework.id)?.get(ack.task_id.value);
  if (record !== undefined) {
    const task = record.task;
    if (!has(task, 'status_update_state')) {
      master.metrics.inc('invalid_status_update_acknowledgements');
      return;
    }
    if (isTerminalState(task.status_update_state) && Buffer.from(task.status_update_uuid ?? []).equals(Buffer.from(ack.uuid))) {
      removeTask(master, record);
    }
  }
  master.sendProto(agent.pid, mesos.internal.StatusUpdateAcknowledgementMessage, {
    slave_id: ack.slave_id,
    framework_id: { value: framework.id },
    task_id: ack.task_id,
    uuid: ack.uuid,
  });
  master.metrics.inc('valid_status_update_acknowledgements');
}

export function acknowledgeMessage(master: Master, from: UPID, msg: mesos.internal.StatusUpdateAcknowledgementMessage): void {
  const framework = master.state.frameworks.get(msg.framework_id.value);
  if (validateUuidBytes(msg.uuid) !== undefined || framework === undefined || framework.pid?.toString() !== from.toString()) {
    master.metrics.inc('invalid_status_update_acknowledgements');
    return;
  }
  acknowledge(master, framework, { slave_id: msg.slave_id, task_id: msg.task_id, uuid: msg.uuid });
}

/** Explicit (statuses given) or implicit (none) reconciliation (Master::_reconcileTasks). */
export function reconcile(
  master: Master,
  framework: Framework,
  statuses: ReadonlyArray<{ task_id: mesos.TaskID.$Properties; slave_id?: mesos.SlaveID.$Properties | null }>,
): void {
  master.metrics.inc('messages_reconcile_tasks');
  const latest = (record: TaskRecord): mesos.internal.StatusUpdate.$Properties => {
    const task = record.task;
    return createStatusUpdate(master, record, {
      state: has(task, 'status_update_state') ? (task.status_update_state as mesos.TaskState) : (task.state ?? TaskState.TASK_STAGING),
      source: Source.SOURCE_MASTER,
      message: 'Reconciliation: Latest task state',
      reason: Reason.REASON_RECONCILIATION,
    });
  };
  const send = (update: mesos.internal.StatusUpdate.$Properties): void =>
    master.sendToFramework(framework, mesos.internal.StatusUpdateMessage, { update });
  if (statuses.length === 0) {
    for (const record of framework.tasks.values()) send(latest(record));
    return;
  }
  for (const status of statuses) {
    const agentId = status.slave_id?.value;
    const record = framework.tasks.get(status.task_id.value);
    if (record !== undefined) {
      send(latest(record));
    } else if (agentId !== undefined && master.state.agents.has(agentId)) {
      send(
        statusUpdateFor(master, framework.id, agentId, status.task_id.value, {
          state: TaskState.TASK_LOST,
          source: Source.SOURCE_MASTER,
          message: 'Reconciliation: Task is unknown to the agent',
          reason: Reason.REASON_RECONCILIATION,
        }),
      );
    } else if (agentId !== undefined && (master.state.recovered.has(agentId) || master.state.reregistering.has(agentId))) {
      // The agent is re-registering: its answer will come then.
    } else {
      send(
        statusUpdateFor(master, framework.id, agentId, status.task_id.value, {
          state: TaskState.TASK_LOST,
          source: Source.SOURCE_MASTER,
          message: 'Reconciliation: Task is unknown',
          reason: Reason.REASON_RECONCILIATION,
        }),
      );
    }
  }
}

export function reconcileMessage(master: Master, from: UPID, msg: mesos.internal.ReconcileTasksMessage): void {
  const framework = master.state.frameworks.get(msg.framework_id.value);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) return;
  reconcile(master, framework, msg.statuses ?? []);
}

/** Framework -> executor (FrameworkToExecutorMessage or Call MESSAGE), relayed through the agent. */
export function frameworkMessage(master: Master, framework: Framework, call: mesos.scheduler.Call.Message.$Properties): void {
  master.metrics.inc('messages_framework_to_executor');
  const agent = master.state.agents.get(call.slave_id.value);
  if (agent === undefined || !agent.connected) {
    master.metrics.inc('invalid_framework_to_executor_messages');
    return;
  }
  master.sendProto(agent.pid, mesos.internal.FrameworkToExecutorMessage, {
    slave_id: call.slave_id,
    framework_id: { value: framework.id },
    executor_id: call.executor_id,
    data: call.data,
  });
  master.metrics.inc('valid_framework_to_executor_messages');
}

export function schedulerMessage(master: Master, from: UPID, msg: mesos.internal.FrameworkToExecutorMessage): void {
  const framework = master.state.frameworks.get(msg.framework_id.value);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) {
    master.metrics.inc('messages_framework_to_executor');
    master.metrics.inc('invalid_framework_to_executor_messages');
    return;
  }
  frameworkMessage(master, framework, { slave_id: msg.slave_id, executor_id: msg.executor_id, data: msg.data });
}

/** Executor -> framework, from the agent (Master::executorMessage). */
export function executorMessage(master: Master, from: UPID, msg: mesos.internal.ExecutorToFrameworkMessage): void {
  master.metrics.inc('messages_executor_to_framework');
  const agent = master.state.agents.get(msg.slave_id.value);
  const framework = master.state.frameworks.get(msg.framework_id.value);
  if (agent === undefined || !agent.pid.equals(from) || framework === undefined || !framework.connected) {
    master.metrics.inc('invalid_executor_to_framework_messages');
    return;
  }
  master.sendToFramework(framework, mesos.internal.ExecutorToFrameworkMessage, msg);
  master.metrics.inc('valid_executor_to_framework_messages');
}

/** Call SHUTDOWN: ask the agent to shut an executor down. */
export function shutdownExecutor(master: Master, framework: Framework, call: mesos.scheduler.Call.Shutdown.$Properties): void {
  const agent = master.state.agents.get(call.slave_id.value);
  if (agent === undefined || !agent.connected) return;
  master.sendProto(agent.pid, mesos.internal.ShutdownExecutorMessage, {
    executor_id: call.executor_id,
    framework_id: { value: framework.id },
  });
}

/** A random 16-byte UUID (for tests and generated updates that need one). */
export function randomUuidBytes(): Uint8Array {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}
