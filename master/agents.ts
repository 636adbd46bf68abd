// Agent lifecycle in the master: registration (admitted through the
// registrar), re-registration with the agent's tasks and executors, health
// checking, disconnection and removal (src/master/master.cpp: registerSlave,
// reregisterSlave, reconcile(Slave*), addSlave, removeSlave, exited).

import type { UPID } from '../libprocess/upid.js';
import { has, mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import type { Master } from './master.js';
import { Agent } from './model.js';
import { AgentObserver } from './observer.js';
import { AdmitSlave, ReadmitSlave, RemoveSlave, type Registry } from './registry-operations.js';
import * as offers from './offers.js';
import * as tasks from './tasks.js';
import * as frameworks from './frameworks.js';
import * as operatorEvents from './operator-events.js';

function connection(master: Master): mesos.internal.MasterSlaveConnection.$Properties {
  const { agentPingTimeoutMs, maxAgentPingTimeouts } = master.opts;
  return { total_ping_timeout_seconds: (agentPingTimeoutMs * maxAgentPingTimeouts) / 1000 };
}

function shutdownAgent(master: Master, to: UPID, message: string): void {
  master.sendProto(to, mesos.internal.ShutdownMessage, { message });
}

export function register(master: Master, from: UPID, msg: mesos.internal.RegisterSlaveMessage): void {
  master.metrics.inc('messages_register_slave');
  const state = master.state;
  const existing = state.agentsByPid.get(from.toString());
  if (existing !== undefined) {
    if (!existing.connected) {
      master.runtime.log.info({ agent: existing.id }, 'removing old disconnected agent: a new agent registered at the same address');
      remove(master, existing, 'a new agent registered at the same address', 'slave_removals/reason_registered');
    } else {
      master.runtime.log.info({ agent: existing.id }, 'agent already registered, resending acknowledgement');
      master.sendProto(from, mesos.internal.SlaveRegisteredMessage, { slave_id: { value: existing.id }, connection: connection(master) });
      return;
    }
  }
  if (state.registering.has(from.toString())) {
    master.runtime.log.info({ from: from.toString() }, 'ignoring register agent message: admission already in progress');
    return;
  }
  state.registering.add(from.toString());
  const info: mesos.SlaveInfo.$Properties = { ...msg.slave, id: { value: master.ids.agent() } };
  const checkpointed = Resources.fromProto(msg.checkpointed_resources ?? []);
  master.runtime.log.info({ from: from.toString(), agentHostname: info.hostname, agent: info.id?.value }, 'registering agent');
  master.defer(master.registrar.apply(new AdmitSlave(info)), (result) => {
    state.registering.delete(from.toString());
    if (!result.ok) {
      master.runtime.log.fatal({ err: result.error, agent: info.id?.value }, 'failed to admit agent');
      master.terminate();
      return;
    }
    if (!result.value) {
      state.removedAgents.add(info.id?.value ?? '');
      shutdownAgent(master, from, `Agent attempted to register but got duplicate agent id ${info.id?.value ?? ''}`);
      return;
    }
    const agent = new Agent(info, from, msg.version ?? '', master.nowSecs(), checkpointed);
    master.metrics.inc('slave_registrations');
    add(master, agent);
    master.sendProto(from, mesos.internal.SlaveRegisteredMessage, { slave_id: { value: agent.id }, connection: connection(master) });
    master.runtime.log.info({ agent: agent.id, resources: agent.totalResources.toString() }, 'registered agent');
  });
}

export function reregister(master: Master, from: UPID, msg: mesos.internal.ReregisterSlaveMessage): void {
  master.metrics.inc('messages_reregister_slave');
  const state = master.state;
  const info = msg.slave;
  const id = info.id?.value ?? '';
  if (id === '') {
    master.runtime.log.warn({ from: from.toString() }, 'dropping re-registration without an agent id');
    return;
  }
  if (state.removedAgents.has(id)) {
    shutdownAgent(master, from, 'Agent attempted to re-register after removal');
    return;
  }
  const agent = state.agents.get(id);
  if (agent !== undefined) {
    agent.reregisteredTime = master.nowSecs();
    if (agent.pid.host !== from.host || agent.info.hostname !== info.hostname) {
      shutdownAgent(master, from, 'Agent attempted to re-register with different IP / hostname');
      return;
    }
    state.agentsByPid.delete(agent.pid.toString());
    agent.pid = from;
    state.agentsByPid.set(from.toString(), agent);
    master.watch(from);
    agent.version = msg.version ?? '';
    reconcileAgent(master, agent, msg.executor_infos ?? [], msg.tasks ?? []);
    if (!agent.connected) {
      agent.connected = true;
      setObserverConnected(master, agent, true);
      agent.active = true;
      master.allocator.activateSlave(agent.id);
    }
    informAgentOfFrameworks(master, agent, msg.tasks ?? [], msg.frameworks ?? []);
    return;
  }
  state.recovered.delete(id);
  if (state.reregistering.has(id)) {
    master.runtime.log.info({ agent: id }, 'ignoring re-register agent message: already re-registering');
    return;
  }
  state.reregistering.add(id);
  master.defer(master.registrar.apply(new ReadmitSlave(info)), (result) => {
    state.reregistering.delete(id);
    if (!result.ok) {
      master.runtime.log.fatal({ err: result.error, agent: id }, 'failed to readmit agent');
      master.terminate();
      return;
    }
    if (!result.value) {
      state.removedAgents.add(id);
      shutdownAgent(master, from, `Agent attempted to re-register with unknown agent id ${id}`);
      return;
    }
    const readmitted = new Agent(info, from, msg.version ?? '', master.nowSecs(), Resources.fromProto(msg.checkpointed_resources ?? []));
    readmitted.reregisteredTime = master.nowSecs();
    for (const executor of msg.executor_infos ?? []) {
      const frameworkId = executor.framework_id?.value;
      if (frameworkId !== undefined) readmitted.addExecutor(frameworkId, executor);
    }
    for (const task of msg.tasks ?? []) readmitted.addTask(tasks.recordOf(task, id));
    master.metrics.inc('slave_reregistrations');
    add(master, readmitted, msg.completed_frameworks ?? []);
    for (const byFramework of readmitted.tasks.values()) for (const record of byFramework.values()) operatorEvents.taskAdded(master, record.task);
    master.sendProto(from, mesos.internal.SlaveReregisteredMessage, { slave_id: { value: id }, connection: connection(master) });
    informAgentOfFrameworks(master, readmitted, msg.tasks ?? [], msg.frameworks ?? []);
  });
}

/** Tells the agent each framework's current pid and sends its checkpointed resources (__reregisterSlave). */
function informAgentOfFrameworks(
  master: Master,
  agent: Agent,
  agentTasks: readonly mesos.Task.$Properties[],
  agentFrameworks: readonly mesos.FrameworkInfo.$Properties[],
): void {
  const told = new Set<string>();
  const tell = (frameworkId: string): void => {
    const framework = master.state.frameworks.get(frameworkId);
    if (framework === undefined || told.has(frameworkId)) return;
    told.add(frameworkId);
    master.sendProto(agent.pid, mesos.internal.UpdateFrameworkMessage, {
      framework_id: { value: frameworkId },
      pid: framework.pid?.toString() ?? '',
    });
  };
  for (const task of agentTasks) tell(task.framework_id.value);
  for (const info of agentFrameworks) if (info.id?.value !== undefined) tell(info.id.value);
  master.sendProto(agent.pid, mesos.internal.CheckpointResourcesMessage, { resources: agent.checkpointedResources.toProto() });
}

/**
 * A known agent re-registered: tell it which of the tasks the master knows it
 * does not report (it answers with their status), drop executors it no
 * longer has, re-kill tasks killed meanwhile, shut down completed frameworks.
 */
function reconcileAgent(
  master: Master,
  agent: Agent,
  executors: readonly mesos.ExecutorInfo.$Properties[],
  reported: readonly mesos.Task.$Properties[],
): void {
  const reportedKeys = new Set(reported.map((t) => `${t.framework_id.value}/${t.task_id.value}`));
  const reconciliations: mesos.internal.ReconcileTasksMessage.$Properties[] = [];
  for (const [frameworkId, frameworkTasks] of agent.tasks) {
    const statuses: mesos.TaskStatus.$Properties[] = [];
    for (const record of frameworkTasks.values()) {
      if (reportedKeys.has(`${frameworkId}/${record.task.task_id.value}`)) continue;
      statuses.push({
        task_id: record.task.task_id,
        slave_id: { value: agent.id },
        state: (has(record.task, 'status_update_state') ? record.task.status_update_state : record.task.state) ?? mesos.TaskState.TASK_STAGING,
        source: mesos.TaskStatus.Source.SOURCE_MASTER,
        message: 'Reconciliation request',
        reason: mesos.TaskStatus.Reason.REASON_RECONCILIATION,
        timestamp: master.nowSecs(),
      });
    }
    if (statuses.length > 0) reconciliations.push({ framework_id: { value: frameworkId }, statuses });
  }
  master.sendProto(agent.pid, mesos.internal.SlaveReregisteredMessage, {
    slave_id: { value: agent.id },
    reconciliations,
    connection: connection(master),
  });
  const reportedExecutors = new Set(
    executors.filter((e) => e.framework_id?.value !== undefined).map((e) => `${e.framework_id?.value ?? ''}/${e.executor_id.value}`),
  );
  for (const [frameworkId, byId] of [...agent.executors]) {
    for (const executorId of [...byId.keys()]) {
      if (!reportedExecutors.has(`${frameworkId}/${executorId}`)) tasks.removeExecutor(master, agent, frameworkId, executorId);
    }
  }
  for (const task of reported) {
    if (master.state.isCompletedFramework(task.framework_id.value)) {
      master.sendProto(agent.pid, mesos.internal.ShutdownFrameworkMessage, { framework_id: task.framework_id });
    }
  }
}

/** Adds an admitted agent: index it, watch its pid, start health checks, tell the allocator. */
function add(master: Master, agent: Agent, completed: readonly mesos.internal.Archive.Framework.$Properties[] = []): void {
  const state = master.state;
  state.addAgent(agent);
  master.watch(agent.pid);
  const observer = new AgentObserver(agent.pid, agent.id, master.opts.agentPingTimeoutMs, master.opts.maxAgentPingTimeouts, {
    unhealthy: (agentId) => {
      void master.runtime
        .dispatch(master, () => {
          master.metrics.inc('slave_shutdowns_completed');
          shutdown(master, agentId, 'health check timed out');
        })
        .catch(() => undefined);
    },
    shutdownScheduled: () => master.metrics.inc('slave_shutdowns_scheduled'),
    shutdownCanceled: () => master.metrics.inc('slave_shutdowns_canceled'),
  });
  agent.observer = master.runtime.spawn(observer);
  observers.set(agent, observer);
  for (const [frameworkId, executors] of agent.executors) {
    const framework = state.frameworks.get(frameworkId);
    if (framework !== undefined) for (const executor of executors.values()) framework.addExecutor(agent.id, executor);
  }
  for (const [frameworkId, agentTasks] of agent.tasks) {
    const framework = state.frameworks.get(frameworkId);
    if (framework !== undefined) for (const record of agentTasks.values()) framework.addTask(record);
  }
  for (const archived of completed) {
    const framework = state.frameworks.get(archived.framework_info?.id?.value ?? '');
    if (framework !== undefined) for (const task of archived.tasks ?? []) framework.completedTasks.push(task);
  }
  master.allocator.addSlave(agent.id, agent.info, agent.totalResources, new Map(agent.usedResources));
}

const observers = new WeakMap<Agent, AgentObserver>();

function setObserverConnected(master: Master, agent: Agent, connected: boolean): void {
  const observer = observers.get(agent);
  if (observer?.spawned === true) void master.runtime.dispatch(observer, (o) => o.setConnected(connected)).catch(() => undefined);
}

/** The agent's connection broke (Master::exited for an agent pid). */
export function disconnected(master: Master, agent: Agent): void {
  if (!agent.connected) return;
  master.runtime.log.info({ agent: agent.id }, 'agent disconnected');
  agent.connected = false;
  setObserverConnected(master, agent, false);
  deactivate(master, agent);
  const frameworkIds = new Set([...agent.tasks.keys(), ...agent.executors.keys()]);
  for (const frameworkId of frameworkIds) {
    const framework = master.state.frameworks.get(frameworkId);
    if (framework !== undefined && framework.info.checkpoint !== true) {
      frameworks.removeFromAgent(master, agent, framework);
    }
  }
}

export function deactivate(master: Master, agent: Agent): void {
  agent.active = false;
  master.allocator.deactivateSlave(agent.id);
  for (const offerId of [...agent.offers]) offers.recoverAndRemove(master, offerId, true);
}

export function unregister(master: Master, from: UPID, agentId: string): void {
  master.metrics.inc('messages_unregister_slave');
  const agent = master.state.agents.get(agentId);
  if (agent === undefined) return;
  if (!agent.pid.equals(from)) {
    master.runtime.log.warn({ agent: agentId, from: from.toString() }, 'ignoring unregister agent message from an unexpected pid');
    return;
  }
  remove(master, agent, 'Agent unregistered', 'slave_removals/reason_unregistered');
}

/** Health check failed: ask the agent to shut down and remove it (Master::shutdownSlave). */
export function shutdown(master: Master, agentId: string, message: string): void {
  const agent = master.state.agents.get(agentId);
  if (agent === undefined) return;
  shutdownAgent(master, agent.pid, message);
  remove(master, agent, message, 'slave_removals/reason_unhealthy');
}

type RemovalReason = 'slave_removals/reason_registered' | 'slave_removals/reason_unhealthy' | 'slave_removals/reason_unregistered';

/** Removes an agent: its tasks become TASK_LOST, offers are rescinded, frameworks get LostSlaveMessage once the registrar agrees. */
export function remove(master: Master, agent: Agent, message: string, reason: RemovalReason): void {
  master.allocator.removeSlave(agent.id);
  const updates: mesos.internal.StatusUpdate.$Properties[] = [];
  for (const agentTasks of [...agent.tasks.values()]) {
    for (const record of [...agentTasks.values()]) {
      const update = tasks.createStatusUpdate(master, record, {
        state: mesos.TaskState.TASK_LOST,
        source: mesos.TaskStatus.Source.SOURCE_MASTER,
        message: `Slave ${agent.info.hostname} removed: ${message}`,
        reason: mesos.TaskStatus.Reason.REASON_SLAVE_REMOVED,
      });
      tasks.updateTask(master, record, update);
      tasks.removeTask(master, record);
      updates.push(update);
    }
  }
  for (const [frameworkId, executors] of [...agent.executors]) {
    for (const executorId of [...executors.keys()]) tasks.removeExecutor(master, agent, frameworkId, executorId);
  }
  for (const offerId of [...agent.offers]) offers.recoverAndRemove(master, offerId, true);
  master.state.removeAgent(agent);
  const observer = observers.get(agent);
  if (observer?.spawned === true) master.runtime.terminate(observer);
  master.unlink(agent.pid);
  master.defer(master.registrar.apply(new RemoveSlave(agent.info)), (result) => {
    if (!result.ok) {
      master.runtime.log.fatal({ err: result.error, agent: agent.id }, 'failed to remove agent from the registry');
      master.terminate();
      return;
    }
    master.metrics.inc('slave_removals');
    master.metrics.inc(reason);
    for (const update of updates) {
      const framework = master.state.frameworks.get(update.framework_id.value);
      if (framework !== undefined) tasks.forward(master, update, undefined, framework);
    }
    for (const framework of master.state.frameworks.values()) {
      master.sendToFramework(framework, mesos.internal.LostSlaveMessage, { slave_id: { value: agent.id } });
    }
  });
}

export function exitedExecutor(master: Master, from: UPID, msg: mesos.internal.ExitedExecutorMessage): void {
  master.metrics.inc('messages_exited_executor');
  const agentId = msg.slave_id.value;
  const agent = master.state.agents.get(agentId);
  if (agent === undefined || !agent.pid.equals(from)) {
    master.runtime.log.warn({ agent: agentId, from: from.toString() }, 'ignoring exited executor message from an unknown or moved agent');
    return;
  }
  const frameworkId = msg.framework_id.value;
  const executorId = msg.executor_id.value;
  if (!agent.hasExecutor(frameworkId, executorId)) return;
  tasks.removeExecutor(master, agent, frameworkId, executorId);
  const framework = master.state.frameworks.get(frameworkId);
  if (framework !== undefined) {
    master.sendToFramework(framework, mesos.internal.ExitedExecutorMessage, {
      slave_id: msg.slave_id,
      framework_id: msg.framework_id,
      executor_id: msg.executor_id,
      status: msg.status,
    });
  }
}

export function updateSlave(master: Master, from: UPID, msg: mesos.internal.UpdateSlaveMessage): void {
  master.metrics.inc('messages_update_slave');
  const agent = master.state.agents.get(msg.slave_id.value);
  if (agent === undefined || !agent.pid.equals(from)) return;
  // Oversubscribed (revocable) resources replace the previous estimate.
  const oversubscribed = Resources.fromProto(msg.oversubscribed_resources ?? []);
  agent.totalResources = agent.totalResources.nonRevocable().plus(oversubscribed);
  for (const offerId of [...agent.offers]) {
    const offer = master.state.offers.get(offerId);
    if (offer !== undefined && !offer.resources.revocable().isEmpty()) offers.recoverAndRemove(master, offerId, true);
  }
}

/** After a restart: remember the registry's agents and remove those that do not come back in time. */
export function recover(master: Master, registry: Registry): void {
  for (const info of registry.slaves?.slaves ?? []) {
    const id = info.info?.id?.value;
    if (id !== undefined && info.info !== undefined && info.info !== null) master.state.recovered.set(id, info.info);
  }
  if (master.state.recovered.size === 0) return;
  master.delay(master.opts.agentReregisterTimeoutMs, () => {
    for (const [id, info] of [...master.state.recovered]) {
      master.state.recovered.delete(id);
      master.state.removedAgents.add(id);
      master.defer(master.registrar.apply(new RemoveSlave(info)), (result) => {
        if (!result.ok) return;
        master.metrics.inc('recovery_slave_removals');
        for (const framework of master.state.frameworks.values()) {
          master.sendToFramework(framework, mesos.internal.LostSlaveMessage, { slave_id: { value: id } });
        }
      });
    }
  });
}
