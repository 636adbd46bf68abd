// Framework lifecycle in the master: subscription through the old
// Register/ReregisterFrameworkMessage, the 1.0 driver's scheduler::Call and
// the v1 HTTP API (an HttpConnection instead of a pid), failover,
// disconnection with its failover timeout, deactivation, teardown and removal
// (src/master/master.cpp: receive, subscribe, _subscribe, failoverFramework,
// exited, _exited, deactivate, removeFramework).

import type { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';
import type { Master } from './master.js';
import { Framework, type Agent, type HttpConnection } from './model.js';
import * as agents from './agents.js';
import * as offers from './offers.js';
import * as tasks from './tasks.js';
import { validateFrameworkInfo, validateSchedulerCall } from './validation.js';

function frameworkError(master: Master, to: UPID, message: string): void {
  master.sendProto(to, mesos.internal.FrameworkErrorMessage, { message });
}

/** RegisterFrameworkMessage / ReregisterFrameworkMessage become a SUBSCRIBE. */
export function registerMessage(master: Master, from: UPID, info: mesos.FrameworkInfo.$Properties, failover: boolean | null | undefined): void {
  const hasId = info.id !== undefined && info.id !== null && info.id.value !== '';
  const reregistering = failover !== null && failover !== undefined;
  if (!reregistering && hasId) {
    master.metrics.inc('messages_register_framework');
    frameworkError(master, from, "Registering with 'id' already set");
    return;
  }
  if (reregistering && !hasId) {
    master.metrics.inc('messages_reregister_framework');
    frameworkError(master, from, "Re-registering without an 'id'");
    return;
  }
  subscribe(master, from, { framework_info: info, force: reregistering ? failover : undefined });
}

export function receiveCall(master: Master, from: UPID, call: mesos.scheduler.Call): void {
  const error = validateSchedulerCall(call);
  if (error !== undefined) {
    drop(master, from, call, error);
    return;
  }
  const Type = mesos.scheduler.Call.Type;
  if (call.type === Type.SUBSCRIBE) {
    if (call.subscribe !== undefined && call.subscribe !== null) subscribe(master, from, call.subscribe);
    return;
  }
  const framework = master.state.frameworks.get(call.framework_id?.value ?? '');
  if (framework === undefined) {
    drop(master, from, call, 'Framework cannot be found');
    return;
  }
  if (framework.pid?.toString() !== from.toString()) {
    drop(master, from, call, 'Call is not from registered framework');
    return;
  }
  if (!framework.connected) {
    frameworkError(master, from, 'Framework disconnected');
    return;
  }
  if (!handleCall(master, framework, call, from)) drop(master, from, call, 'Unknown call type');
}

/**
 * Carries out a validated non-SUBSCRIBE call of a subscribed framework (the
 * driver's scheduler::Call message and the HTTP API share this); false for a
 * call type it does not know.
 */
export function handleCall(master: Master, framework: Framework, call: mesos.scheduler.Call, from?: UPID): boolean {
  const Type = mesos.scheduler.Call.Type;
  switch (call.type) {
    case Type.TEARDOWN:
      teardown(master, framework);
      return true;
    case Type.ACCEPT:
      if (call.accept) tasks.accept(master, framework, call.accept);
      return true;
    case Type.DECLINE:
      if (call.decline) offers.decline(master, framework, call.decline);
      return true;
    case Type.ACCEPT_INVERSE_OFFERS:
    case Type.DECLINE_INVERSE_OFFERS:
      // Inverse offers come with maintenance, which this master does not schedule yet.
      master.runtime.log.info({ framework: framework.id }, 'ignoring inverse offer call: no inverse offers are outstanding');
      return true;
    case Type.REVIVE:
      revive(master, framework);
      return true;
    case Type.KILL:
      if (call.kill) tasks.kill(master, framework, call.kill);
      return true;
    case Type.SHUTDOWN:
      if (call.shutdown) tasks.shutdownExecutor(master, framework, call.shutdown);
      return true;
    case Type.ACKNOWLEDGE:
      if (call.acknowledge) tasks.acknowledge(master, framework, call.acknowledge, from, call);
      return true;
    case Type.RECONCILE:
      if (call.reconcile) tasks.reconcile(master, framework, call.reconcile.tasks ?? []);
      return true;
    case Type.MESSAGE:
      if (call.message) tasks.frameworkMessage(master, framework, call.message);
      return true;
    case Type.REQUEST:
      master.metrics.inc('messages_resource_request');
      return true;
    case Type.SUPPRESS:
      master.metrics.inc('messages_suppress_offers');
      master.allocator.suppressOffers(framework.id);
      return true;
    default:
      return false;
  }
}

export function drop(master: Master, from: UPID, call: mesos.scheduler.Call.$Properties, reason: string): void {
  const type = mesos.scheduler.Call.Type[call.type ?? 0] ?? String(call.type);
  master.runtime.log.error({ from: from.toString(), framework: call.framework_id?.value, type }, `dropping ${type} call: ${reason}`);
}

export function subscribe(master: Master, from: UPID, subscribe: mesos.scheduler.Call.Subscribe.$Properties): void {
  const info = subscribe.framework_info;
  const hasId = info.id !== undefined && info.id !== null && info.id.value !== '';
  master.metrics.inc(hasId ? 'messages_reregister_framework' : 'messages_register_framework');
  const error = validateFrameworkInfo(info, {
    rolesWhitelist: master.opts.roles,
    rootSubmissions: master.opts.rootSubmissions,
    isCompletedFramework: (id) => master.state.isCompletedFramework(id),
  });
  if (error !== undefined) {
    master.runtime.log.info({ from: from.toString(), frameworkName: info.name }, `refusing subscription: ${error}`);
    frameworkError(master, from, error);
    return;
  }
  const state = master.state;
  if (!hasId) {
    const existing = state.frameworkByPid(from.toString());
    if (existing !== undefined) {
      master.sendToFramework(existing, mesos.internal.FrameworkRegisteredMessage, {
        framework_id: { value: existing.id },
        master_info: master.info,
      });
      return;
    }
    const framework = new Framework({ ...info, id: { value: master.ids.framework() } }, { kind: 'pid', pid: from }, master.nowSecs());
    add(master, framework);
    master.sendToFramework(framework, mesos.internal.FrameworkRegisteredMessage, {
      framework_id: { value: framework.id },
      master_info: master.info,
    });
    master.runtime.log.info({ framework: framework.id, frameworkName: info.name, upid: from.toString() }, 'registered framework');
    return;
  }
  const id = info.id?.value ?? '';
  const framework = state.frameworks.get(id);
  if (framework !== undefined) {
    const force = subscribe.force === true;
    if (framework.pid?.toString() !== from.toString() && !force) {
      frameworkError(master, from, 'Framework failed over');
      return;
    }
    framework.info = { ...info, id: { value: id } };
    master.allocator.updateFramework(id, framework.info);
    framework.reregisteredTime = master.nowSecs();
    if (force) {
      failover(master, framework, from);
    } else {
      for (const offerId of [...framework.offers]) offers.recoverAndRemove(master, offerId, true);
      framework.connected = true;
      if (!framework.active) {
        framework.active = true;
        master.allocator.activateFramework(id);
      }
      master.sendToFramework(framework, mesos.internal.FrameworkReregisteredMessage, {
        framework_id: { value: id },
        master_info: master.info,
      });
    }
  } else {
    // A framework the master does not know (after a master failover): adopt it,
    // with the tasks and executors agents reported for it.
    const adopted = new Framework({ ...info }, { kind: 'pid', pid: from }, master.nowSecs());
    adopted.reregisteredTime = master.nowSecs();
    for (const agent of state.agents.values()) {
      for (const record of agent.tasks.get(id)?.values() ?? []) adopted.addTask(record);
      for (const executor of agent.executors.get(id)?.values() ?? []) adopted.addExecutor(agent.id, executor);
    }
    add(master, adopted);
    master.sendToFramework(adopted, mesos.internal.FrameworkRegisteredMessage, {
      framework_id: { value: id },
      master_info: master.info,
    });
  }
  for (const agent of state.agents.values()) {
    master.sendProto(agent.pid, mesos.internal.UpdateFrameworkMessage, { framework_id: { value: id }, pid: from.toString() });
  }
}

function add(master: Master, framework: Framework): void {
  master.state.frameworks.set(framework.id, framework);
  const connection = framework.connection;
  if (connection.kind === 'pid') master.watch(connection.pid);
  else watchHttp(master, framework.id, connection);
  master.allocator.addFramework(framework.id, framework.info, new Map(framework.usedResources), true);
}

/** The master learns when an HTTP framework's stream ends (Master::exited(FrameworkID, HttpConnection)). */
function watchHttp(master: Master, frameworkId: string, http: HttpConnection): void {
  master.defer(http.closed, () => httpExited(master, frameworkId, http));
}

/** Failover to a new driver pid (Master::failoverFramework(Framework*, const UPID&)). */
function failover(master: Master, framework: Framework, newPid: UPID): void {
  const old = framework.connection;
  if ((old.kind === 'http' || old.pid.toString() !== newPid.toString()) && framework.connected) {
    master.sendToFramework(framework, mesos.internal.FrameworkErrorMessage, { message: 'Framework failed over' });
  }
  if (old.kind === 'http') old.close();
  framework.connection = { kind: 'pid', pid: newPid };
  master.watch(newPid);
  reactivate(master, framework);
}

/** Failover to a new HTTP stream (Master::failoverFramework(Framework*, const HttpConnection&)). */
function failoverHttp(master: Master, framework: Framework, http: HttpConnection): void {
  // The old scheduler learns it was replaced, then its stream (if any) ends.
  if (framework.connected) {
    master.sendToFramework(framework, mesos.internal.FrameworkErrorMessage, { message: 'Framework failed over' });
  }
  const old = framework.connection;
  if (old.kind === 'pid') master.unlink(old.pid);
  else old.close();
  framework.connection = http;
  watchHttp(master, framework.id, http);
  reactivate(master, framework);
  http.startHeartbeats();
}

/** Master::_failoverFramework: offers recovered, reconnected, reactivated, told it is registered. */
function reactivate(master: Master, framework: Framework): void {
  for (const offerId of [...framework.offers]) offers.recoverAndRemove(master, offerId, false);
  framework.connected = true;
  framework.failoverTimer?.cancel();
  framework.failoverTimer = undefined;
  if (!framework.active) {
    framework.active = true;
    master.allocator.activateFramework(framework.id);
  }
  master.sendToFramework(framework, mesos.internal.FrameworkRegisteredMessage, {
    framework_id: { value: framework.id },
    master_info: master.info,
  });
}

/**
 * SUBSCRIBE over the HTTP API (Master::subscribe(HttpConnection, ...) and
 * _subscribe): the same checks as a driver's subscription; an invalid one is
 * answered with an ERROR event and the stream is closed. A subscription with
 * the id of a registered framework always fails the old connection over.
 */
export function subscribeHttp(master: Master, http: HttpConnection, subscribe: mesos.scheduler.Call.Subscribe.$Properties): void {
  const info = subscribe.framework_info;
  const hasId = info.id !== undefined && info.id !== null && info.id.value !== '';
  master.metrics.inc(hasId ? 'messages_reregister_framework' : 'messages_register_framework');
  master.runtime.log.info({ frameworkName: info.name }, 'received subscription request for HTTP framework');
  const error = validateFrameworkInfo(info, {
    rolesWhitelist: master.opts.roles,
    rootSubmissions: master.opts.rootSubmissions,
    isCompletedFramework: (id) => master.state.isCompletedFramework(id),
  });
  if (error !== undefined) {
    master.runtime.log.info({ frameworkName: info.name }, `refusing subscription of HTTP framework: ${error}`);
    master.sendEvent(http, mesos.internal.FrameworkErrorMessage, { message: error });
    http.close();
    return;
  }
  const state = master.state;
  if (!hasId) {
    const framework = new Framework({ ...info, id: { value: master.ids.framework() } }, http, master.nowSecs());
    add(master, framework);
    master.sendToFramework(framework, mesos.internal.FrameworkRegisteredMessage, {
      framework_id: { value: framework.id },
      master_info: master.info,
    });
    http.startHeartbeats();
    master.runtime.log.info({ framework: framework.id, frameworkName: info.name, stream: http.streamId }, 'subscribed HTTP framework');
    return;
  }
  const id = info.id?.value ?? '';
  const framework = state.frameworks.get(id);
  if (framework !== undefined) {
    framework.info = { ...info, id: { value: id } };
    master.allocator.updateFramework(id, framework.info);
    framework.reregisteredTime = master.nowSecs();
    failoverHttp(master, framework, http);
  } else {
    const adopted = new Framework({ ...info }, http, master.nowSecs());
    adopted.reregisteredTime = master.nowSecs();
    for (const agent of state.agents.values()) {
      for (const record of agent.tasks.get(id)?.values() ?? []) adopted.addTask(record);
      for (const executor of agent.executors.get(id)?.values() ?? []) adopted.addExecutor(agent.id, executor);
    }
    add(master, adopted);
    master.sendToFramework(adopted, mesos.internal.FrameworkReregisteredMessage, {
      framework_id: { value: id },
      master_info: master.info,
    });
    http.startHeartbeats();
  }
  // HTTP frameworks have no pid: agents get UPID() ("@0.0.0.0:0").
  for (const agent of state.agents.values()) {
    master.sendProto(agent.pid, mesos.internal.UpdateFrameworkMessage, { framework_id: { value: id }, pid: '@0.0.0.0:0' });
  }
}

/** A linked pid went away: a framework's driver, or an agent. */
export function exited(master: Master, pid: UPID): void {
  const key = pid.toString();
  const framework = master.state.frameworkByPid(key);
  if (framework !== undefined) {
    master.sendToFramework(framework, mesos.internal.FrameworkErrorMessage, { message: 'Framework disconnected' });
    disconnected(master, framework);
    return;
  }
  const agent = master.state.agentsByPid.get(key);
  if (agent !== undefined) agents.disconnected(master, agent);
}

/** An HTTP framework's stream ended; ignored when the framework has moved on to another connection. */
export function httpExited(master: Master, frameworkId: string, http: HttpConnection): void {
  const framework = master.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.connection !== http) return;
  if (!framework.connected) return;
  disconnected(master, framework);
}

/** Master::_exited: disconnect, and remove the framework unless it comes back within its failover timeout. */
function disconnected(master: Master, framework: Framework): void {
  disconnect(master, framework);
  const failoverMs = (framework.info.failover_timeout ?? 0) * 1000;
  const reregisteredTime = framework.reregisteredTime;
  master.runtime.log.info({ framework: framework.id, failoverMs }, 'framework disconnected; waiting for failover');
  framework.failoverTimer?.cancel();
  framework.failoverTimer = master.delay(failoverMs, () => {
    const current = master.state.frameworks.get(framework.id);
    if (current === framework && !framework.connected && framework.reregisteredTime === reregisteredTime) {
      master.runtime.log.info({ framework: framework.id }, 'framework failover timeout, removing framework');
      remove(master, framework);
    }
  });
}

export function disconnect(master: Master, framework: Framework): void {
  framework.connected = false;
  if (framework.connection.kind === 'http') framework.connection.close();
  deactivate(master, framework);
}

export function deactivate(master: Master, framework: Framework): void {
  framework.active = false;
  master.allocator.deactivateFramework(framework.id);
  for (const offerId of [...framework.offers]) offers.recoverAndRemove(master, offerId, true);
}

export function deactivateMessage(master: Master, from: UPID, frameworkId: string): void {
  master.metrics.inc('messages_deactivate_framework');
  const framework = master.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) return;
  deactivate(master, framework);
}

export function unregister(master: Master, from: UPID, frameworkId: string): void {
  const framework = master.state.frameworks.get(frameworkId);
  if (framework === undefined) return;
  if (framework.pid?.toString() !== from.toString()) {
    master.runtime.log.warn({ framework: frameworkId, from: from.toString() }, 'ignoring unregister from an unexpected pid');
    return;
  }
  teardown(master, framework);
}

export function teardown(master: Master, framework: Framework): void {
  master.metrics.inc('messages_unregister_framework');
  remove(master, framework);
}

export function resourceRequest(master: Master, from: UPID, frameworkId: string): void {
  master.metrics.inc('messages_resource_request');
  const framework = master.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) return;
  // Mesos 1.0's allocator ignores resource requests.
}

export function reviveMessage(master: Master, from: UPID, frameworkId: string): void {
  const framework = master.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.pid?.toString() !== from.toString()) return;
  revive(master, framework);
}

function revive(master: Master, framework: Framework): void {
  master.metrics.inc('messages_revive_offers');
  master.allocator.reviveOffers(framework.id);
}

/** Removes a framework: its tasks are killed (TASK_KILLED), offers recovered, agents told to shut it down. */
export function remove(master: Master, framework: Framework): void {
  if (framework.active) {
    framework.active = false;
    master.allocator.deactivateFramework(framework.id);
  }
  framework.failoverTimer?.cancel();
  const state = master.state;
  for (const agent of state.agents.values()) {
    master.sendProto(agent.pid, mesos.internal.ShutdownFrameworkMessage, { framework_id: { value: framework.id } });
  }
  for (const record of [...framework.tasks.values()]) {
    const update = tasks.createStatusUpdate(master, record, {
      state: mesos.TaskState.TASK_KILLED,
      source: mesos.TaskStatus.Source.SOURCE_MASTER,
      message: `Framework ${framework.id} removed`,
      reason: mesos.TaskStatus.Reason.REASON_FRAMEWORK_REMOVED,
    });
    tasks.updateTask(master, record, update);
    tasks.removeTask(master, record);
  }
  for (const offerId of [...framework.offers]) offers.recoverAndRemove(master, offerId, false);
  for (const [agentId, executors] of [...framework.executors]) {
    const agent = state.agents.get(agentId);
    if (agent === undefined) continue;
    for (const executorId of [...executors.keys()]) tasks.removeExecutor(master, agent, framework.id, executorId);
  }
  if (framework.connection.kind === 'http') framework.connection.close();
  framework.unregisteredTime = master.nowSecs();
  const pid = framework.pid;
  if (pid !== undefined) master.unlink(pid);
  state.completeFramework(framework);
  master.allocator.removeFramework(framework.id);
}

/** A non-checkpointing framework loses its tasks on a disconnected agent (Master::removeFramework(Slave*, Framework*)). */
export function removeFromAgent(master: Master, agent: Agent, framework: Framework): void {
  for (const record of [...(agent.tasks.get(framework.id)?.values() ?? [])]) {
    const update = tasks.createStatusUpdate(master, record, {
      state: mesos.TaskState.TASK_LOST,
      source: mesos.TaskStatus.Source.SOURCE_MASTER,
      message: `Slave ${agent.info.hostname} disconnected`,
      reason: mesos.TaskStatus.Reason.REASON_SLAVE_DISCONNECTED,
    });
    tasks.updateTask(master, record, update);
    tasks.removeTask(master, record);
    tasks.forward(master, update, undefined, framework);
  }
  for (const executorId of [...(agent.executors.get(framework.id)?.keys() ?? [])]) {
    tasks.removeExecutor(master, agent, framework.id, executorId);
  }
}
