// Executors on the agent: launching them through the containerizer,
// registration of driver-based executors and subscription of HTTP ones (with
// the registration timeout), the one path for everything sent to an
// executor, shutdown with a grace period, and what happens when one
// terminates (src/slave/slave.cpp: getExecutorInfo,
// Framework::launchExecutor, registerExecutor, subscribe, Executor::send,
// executorTerminated, shutdownExecutor, removeExecutor,
// registerExecutorTimeout).

import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Encoder } from '../libprocess/process.js';
import type { UPID } from '../libprocess/upid.js';
import { has, mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { createExecutorDirectory, executorBinary, getExecutorHttpMarkerPath, getExecutorRunPath, getMetaRootDir } from './paths.js';
import { executorUser } from './containerizer/user.js';
import type { Agent } from './agent.js';
import { Executor, type ExecutorHttpConnection, type Framework } from './model.js';
import { executorEventOf } from './http/executor-events.js';
import * as tasks from './tasks.js';
import * as recovery from './recovery.js';
import { errorText } from '../common/errors.js';

/** DEFAULT_EXECUTOR_CPUS / DEFAULT_EXECUTOR_MEM (src/slave/constants.hpp). */
const COMMAND_EXECUTOR_RESOURCES = 'cpus:0.1;mem:32';

/** The ExecutorInfo for a task: its own, or the command executor's (Slave::getExecutorInfo). */
export function executorInfoFor(agent: Agent, framework: Framework, task: mesos.TaskInfo.$Properties): mesos.ExecutorInfo.$Properties {
  if (task.executor) {
    return task.executor.framework_id ? task.executor : { ...task.executor, framework_id: { value: framework.id } };
  }
  const command = task.command ?? { value: '' };
  const taskId = task.task_id.value;
  let name = `(Task: ${taskId}) `;
  if (command.shell !== false) {
    if (!has(command, 'value')) name += '(Command: NO COMMAND)';
    else {
      const value = command.value ?? '';
      name += value.length > 15 ? `(Command: sh -c '${value.slice(0, 12)}...')` : `(Command: sh -c '${value}')`;
    }
  } else if (!has(command, 'value')) {
    name += '(Command: NO EXECUTABLE)';
  } else {
    const args = `${command.value ?? ''}, ${(command.arguments ?? []).join(', ')}`;
    name += args.length > 15 ? `(Command: [${args.slice(0, 12)}...])` : `(Command: [${args}])`;
  }
  const launcher = executorBinary(agent.options.launcherDir);
  const executorCommand: mesos.CommandInfo.$Properties = {
    shell: false,
    value: launcher,
    arguments: ['mesos-executor', `--launcher_dir=${agent.options.launcherDir}`],
    uris: command.uris ?? [],
  };
  if (command.environment) executorCommand.environment = command.environment;
  if (has(command, 'user')) executorCommand.user = command.user ?? null;
  const info: mesos.ExecutorInfo.$Properties = {
    executor_id: { value: taskId },
    framework_id: { value: framework.id },
    command: executorCommand,
    name: `Command Executor ${name}`,
    source: taskId,
    resources: Resources.parse(COMMAND_EXECUTOR_RESOURCES).toProto(),
  };
  if (task.container) info.container = task.container;
  if (task.labels) info.labels = task.labels;
  if (task.discovery) info.discovery = task.discovery;
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (typeof grace === 'number') {
    // The executor needs the task's grace period plus time to reap and report.
    info.shutdown_grace_period = { nanoseconds: grace + 1_000_000_000 + 1_000_000_000 };
  }
  return info;
}

/** Starts a container for a new executor (Framework::launchExecutor). */
export function launchExecutor(agent: Agent, framework: Framework, info: mesos.ExecutorInfo.$Properties, commandTask: boolean): Executor {
  const containerId = randomUUID();
  const frameworkId = framework.id;
  const user = executorUser(framework.info, info, agent.options.switchUser);
  const directory = getExecutorRunPath(agent.options.workDir, agent.id, frameworkId, info.executor_id.value, containerId);
  const executor = new Executor(frameworkId, info, containerId, directory, framework.info.checkpoint === true, commandTask);
  framework.executors.set(executor.id, executor);
  recovery.checkpointExecutor(agent, executor);
  agent.runtime.log.info({ framework: frameworkId, executor: executor.id, container: containerId, directory }, 'launching executor');
  const launch = (async (): Promise<boolean> => {
    await createExecutorDirectory(agent.options.workDir, agent.id, frameworkId, executor.id, containerId, user);
    agent.files?.attach(directory, directory).catch((error: unknown) => {
      agent.runtime.log.warn({ err: error, directory }, 'failed to attach the executor sandbox to /files');
    });
    return agent.containerizer.launch(containerId, {
      executorInfo: info,
      directory,
      user,
      agentId: agent.id,
      agentPid: agent.self,
      checkpoint: executor.checkpoint,
      commandTask,
    });
  })();
  agent.defer(launch, (result) => {
    if (result.ok && result.value) return;
    const reason = result.ok ? 'No containerizer can run this executor' : errorText(result.error);
    agent.runtime.log.error({ executor: executor.id, reason }, 'failed to launch executor');
    executor.termination = { message: `Failed to launch container: ${reason}` };
    // The container may exist half-made: destroy it; wait() then reports.
    void agent.containerizer.destroy(containerId).catch(() => undefined);
  });
  watchContainer(agent, frameworkId, executor, launch);
  executor.registrationTimer = agent.delay(agent.options.executorRegistrationTimeoutMs, () => {
    if (executor.state !== 'REGISTERING') return;
    agent.runtime.log.warn({ executor: executor.id }, 'executor did not register in time; destroying its container');
    executor.state = 'TERMINATING';
    executor.termination = {
      message: `Executor did not register within ${agent.options.executorRegistrationTimeoutMs / 1000}secs`,
    };
    void agent.containerizer.destroy(containerId).catch(() => undefined);
  });
  return executor;
}

/**
 * Calls executorTerminated once the executor's container is gone (after
 * `launched` settles, for a container being launched; at once for one
 * recovered after an agent restart).
 */
export function watchContainer(agent: Agent, frameworkId: string, executor: Executor, launched: Promise<unknown> = Promise.resolve()): void {
  const containerId = executor.containerId;
  agent.defer(
    launched.then(
      () => agent.containerizer.wait(containerId),
      () => agent.containerizer.wait(containerId),
    ),
    (result) => {
      const termination = result.ok ? result.value : undefined;
      const status = termination !== undefined && has(termination, 'status') ? termination.status : undefined;
      const message = result.ok ? termination?.message : `Abnormal executor termination: ${errorText(result.error)}`;
      executorTerminated(agent, frameworkId, executor.id, status, message ?? undefined);
    },
  );
}

export function registerExecutor(agent: Agent, from: UPID, msg: mesos.internal.RegisterExecutorMessage): void {
  const refuse = (why: string): void => {
    agent.runtime.log.warn({ from: from.toString(), executor: msg.executor_id.value }, `shutting down executor: ${why}`);
    agent.sendProto(from, mesos.internal.ShutdownExecutorMessage, {});
  };
  if (agent.state === 'TERMINATING') return refuse('the agent is terminating');
  const framework = agent.frameworks.get(msg.framework_id.value);
  if (framework === undefined || framework.state === 'TERMINATING') return refuse('unknown or terminating framework');
  const executor = framework.executors.get(msg.executor_id.value);
  if (executor === undefined || executor.state !== 'REGISTERING') return refuse('unknown executor or not expecting registration');
  executor.state = 'RUNNING';
  executor.pid = from;
  executor.registrationTimer?.cancel();
  agent.link(from);
  recovery.checkpointLibprocessPid(agent, executor, from);
  sendToExecutor(agent, executor, mesos.internal.ExecutorRegisteredMessage, registeredMessage(agent, framework, executor));
  runQueuedTasks(agent, framework, executor);
}

function registeredMessage(agent: Agent, framework: Framework, executor: Executor): mesos.internal.ExecutorRegisteredMessage.$Properties {
  return {
    executor_info: executor.info,
    framework_id: { value: framework.id },
    framework_info: framework.info,
    slave_id: { value: agent.id },
    slave_info: agent.info,
  };
}

/** Sends the tasks that waited for the executor to register (Slave::runTasks). */
function runQueuedTasks(agent: Agent, framework: Framework, executor: Executor): void {
  for (const task of [...executor.queuedTasks.values()]) {
    executor.queuedTasks.delete(task.task_id.value);
    tasks.sendTaskToExecutor(agent, framework, executor, task);
  }
}

/**
 * SUBSCRIBE from an executor over the HTTP API (Slave::subscribe); the
 * endpoint has found the framework and executor. A terminating agent,
 * framework or executor gets SHUTDOWN and the stream ends. Otherwise the
 * stream becomes the executor's connection (closing an earlier one: a
 * resubscription), the executor gets SUBSCRIBED, its unacknowledged updates
 * are handled again (the status update manager drops duplicates and the
 * executor is acknowledged either way), launched tasks still STAGING that it
 * does not know of are lost, and queued tasks are sent.
 */
export function subscribeHttpExecutor(
  agent: Agent,
  stream: ExecutorHttpConnection,
  subscribe: mesos.executor.Call.Subscribe.$Properties,
  framework: Framework,
  executor: Executor,
): void {
  const log = agent.runtime.log;
  const fields = { executor: executor.id, framework: framework.id };
  log.info(fields, 'received SUBSCRIBE from HTTP executor');
  const refuse = (why: string): void => {
    log.warn(fields, `shutting down executor: ${why}`);
    sendOnStream(agent, stream, mesos.internal.ShutdownExecutorMessage, {});
    stream.close();
  };
  if (agent.state === 'TERMINATING') return refuse('the agent is terminating');
  if (framework.state === 'TERMINATING') return refuse('the framework is terminating');
  if (executor.state === 'TERMINATING' || executor.state === 'TERMINATED') {
    // TERMINATED happens when the executor forked and its child subscribes after the parent exited.
    return refuse(`it is in unexpected state ${executor.state}`);
  }
  if (executor.http !== undefined) {
    log.warn(fields, 'closing the HTTP connection the executor already had');
    executor.http.close();
  }
  executor.state = 'RUNNING';
  executor.registrationTimer?.cancel();
  executor.http = stream;
  executor.pid = undefined;
  agent.defer(stream.closed, () => httpExecutorDisconnected(agent, framework.id, executor.id, stream));
  if (executor.checkpoint) writeHttpMarker(agent, framework, executor);

  sendToExecutor(agent, executor, mesos.internal.ExecutorRegisteredMessage, registeredMessage(agent, framework, executor));
  for (const update of subscribe.unacknowledged_updates ?? []) {
    tasks.statusUpdate(agent, tasks.createStatusUpdate(agent, framework.id, update.status), tasks.FROM_HTTP_EXECUTOR);
  }
  // A task still STAGING that the executor does not list never reached it
  // (the agent went away before the executor got it): it is lost.
  const known = new Set((subscribe.unacknowledged_tasks ?? []).map((task) => task.task_id.value));
  for (const task of [...executor.launchedTasks.values()]) {
    if (task.state !== mesos.TaskState.TASK_STAGING || known.has(task.task_id.value)) continue;
    log.info({ ...fields, task: task.task_id.value }, 'transitioning STAGED task to LOST: the executor does not know it');
    const update = tasks.agentUpdate(
      agent,
      framework.id,
      task.task_id.value,
      mesos.TaskState.TASK_LOST,
      'Task launched during agent restart',
      mesos.TaskStatus.Reason.REASON_SLAVE_RESTARTED,
      executor.id,
    );
    tasks.statusUpdate(agent, update, tasks.FROM_AGENT);
  }
  runQueuedTasks(agent, framework, executor);
}

/**
 * The stream of an HTTP executor ended (the executor exited, or the
 * connection broke). As in Mesos 1.0 the agent keeps the executor: it waits
 * for the executor to subscribe again (a checkpointing executor retries for
 * its recovery timeout) or for its container to exit. Events meanwhile are
 * not delivered; a resubscription reconciles tasks and updates.
 */
function httpExecutorDisconnected(agent: Agent, frameworkId: string, executorId: string, stream: ExecutorHttpConnection): void {
  const executor = agent.frameworks.get(frameworkId)?.executors.get(executorId);
  if (executor === undefined || executor.http !== stream) return;
  agent.runtime.log.info(
    { executor: executorId, framework: frameworkId, state: executor.state },
    'HTTP executor disconnected; waiting for it to subscribe again or for its container to exit',
  );
}

/** Marks a checkpointing executor's run as HTTP-based (the http.marker file of the meta directory). */
function writeHttpMarker(agent: Agent, framework: Framework, executor: Executor): void {
  const marker = getExecutorHttpMarkerPath(getMetaRootDir(agent.options.workDir), agent.id, framework.id, executor.id, executor.containerId);
  fsp
    .mkdir(path.dirname(marker), { recursive: true })
    .then(() => fsp.writeFile(marker, ''))
    .catch((error: unknown) => agent.runtime.log.warn({ err: error, marker }, 'failed to write the HTTP executor marker'));
}

/**
 * Everything the agent tells an executor goes through here (Executor::send):
 * an HTTP executor gets the message as its v1 event on its stream, a
 * driver-based one gets the message at its pid.
 */
export function sendToExecutor<P>(agent: Agent, executor: Executor, type: Encoder<P>, message: P): void {
  const fields = { executor: executor.id, framework: executor.frameworkId };
  if (executor.state === 'REGISTERING' || executor.state === 'TERMINATED') {
    agent.runtime.log.warn({ ...fields, state: executor.state }, 'sending a message to a disconnected executor');
  }
  if (executor.http !== undefined) sendOnStream(agent, executor.http, type, message, fields);
  else if (executor.pid !== undefined) agent.sendProto(executor.pid, type, message);
  else agent.runtime.log.warn(fields, 'unable to send a message to the executor: unknown connection type');
}

/** Writes a v0 message on an executor's stream as its v1 event (HttpConnection::send). */
function sendOnStream<P>(agent: Agent, stream: ExecutorHttpConnection, type: Encoder<P>, message: P, fields: Record<string, string> = {}): void {
  const event = executorEventOf(type, message);
  if (event === undefined) {
    agent.runtime.log.warn(fields, 'no v1 executor event for this message; not sent to the HTTP executor');
    return;
  }
  if (!stream.send(event)) agent.runtime.log.warn(fields, 'unable to send an event to the executor: connection closed');
}

/** ReregisterExecutorMessage: accepted only while recovering (agent/recovery.ts). */
export function reregisterExecutor(agent: Agent, from: UPID, msg: mesos.internal.ReregisterExecutorMessage): void {
  recovery.reregisterExecutor(agent, from, msg);
}

/** The container is gone (Slave::executorTerminated). */
export function executorTerminated(agent: Agent, frameworkId: string, executorId: string, status: number | undefined, message?: string): void {
  const framework = agent.frameworks.get(frameworkId);
  const executor = framework?.executors.get(executorId);
  if (framework === undefined || executor === undefined || executor.state === 'TERMINATED') return;
  agent.runtime.log.info({ executor: executorId, framework: frameworkId, status }, 'executor terminated');
  executor.registrationTimer?.cancel();
  executor.shutdownTimer?.cancel();
  executor.state = 'TERMINATED';
  const pending = executor.termination;
  executor.termination = {
    ...pending,
    ...(status !== undefined ? { status } : {}),
    ...(message !== undefined ? { message } : {}),
  };
  if (framework.state !== 'TERMINATING') {
    const messages = [pending?.message, message].filter((m): m is string => m !== undefined && m !== '');
    const text = messages.length > 0 ? [...new Set(messages)].join('; ') : 'Executor terminated';
    const state = executor.termination.state ?? pending?.state;
    const reason = executor.termination.reason ?? pending?.reason;
    for (const task of [...executor.launchedTasks.values()]) {
      tasks.sendExecutorTerminatedUpdate(agent, framework, executor, task.task_id.value, text, state, reason);
    }
    for (const task of [...executor.queuedTasks.values()]) {
      executor.queuedTasks.delete(task.task_id.value);
      executor.addTask(task);
      tasks.sendExecutorTerminatedUpdate(agent, framework, executor, task.task_id.value, text, state, reason);
    }
  }
  if (!executor.commandExecutor) {
    agent.sendToMaster(mesos.internal.ExitedExecutorMessage, {
      slave_id: { value: agent.id },
      framework_id: { value: frameworkId },
      executor_id: { value: executorId },
      status: status ?? -1,
    });
  }
  if (agent.state === 'TERMINATING' || framework.state === 'TERMINATING' || !executor.incompleteTasks()) {
    removeExecutor(agent, framework, executor);
  }
}

/** Forgets a terminated executor and schedules its sandbox for garbage collection. */
export function removeExecutor(agent: Agent, framework: Framework, executor: Executor): void {
  // Mesos closes the stream when the Executor goes (~Executor).
  executor.http?.close();
  recovery.markRunCompleted(agent, executor);
  framework.executors.delete(executor.id);
  framework.completedExecutors.push(executor);
  const collected = agent.gc?.schedule(agent.options.gcDelayMs, executor.directory);
  collected
    ?.then((outcome) => {
      if (outcome.status === 'removed') agent.files?.detach(executor.directory);
    })
    .catch(() => undefined);
  if (framework.executors.size === 0) agent.removeFramework(framework);
}

/** ShutdownExecutorMessage from the master. */
export function shutdownExecutorMessage(agent: Agent, from: UPID, frameworkId: string, executorId: string): void {
  if (agent.masterPid === undefined || !from.equals(agent.masterPid)) return;
  const framework = agent.frameworks.get(frameworkId);
  const executor = framework?.executors.get(executorId);
  if (framework === undefined || executor === undefined) return;
  shutdownExecutor(agent, framework, executor);
}

/**
 * Asks an executor to stop; destroys its container if it is still there after the grace period.
 * `awaitSubscription`: an HTTP executor recovered in cleanup mode, which gets SHUTDOWN when it
 * subscribes again, so it has the grace period though it is not registered (Slave::_recover).
 */
export function shutdownExecutor(agent: Agent, framework: Framework, executor: Executor, awaitSubscription = false): void {
  if (executor.state === 'TERMINATING' || executor.state === 'TERMINATED') return;
  const registered = executor.state === 'RUNNING';
  executor.state = 'TERMINATING';
  if (registered) {
    sendToExecutor(agent, executor, mesos.internal.ShutdownExecutorMessage, {
      executor_id: { value: executor.id },
      framework_id: { value: framework.id },
    });
  }
  const graceNs = executor.info.shutdown_grace_period?.nanoseconds;
  const graceMs = typeof graceNs === 'number' ? graceNs / 1e6 : agent.options.executorShutdownGracePeriodMs;
  executor.shutdownTimer = agent.delay(registered || awaitSubscription ? graceMs : 0, () => {
    if (executor.state === 'TERMINATED') return;
    agent.runtime.log.info({ executor: executor.id }, 'killing executor: it did not shut down within its grace period');
    void agent.containerizer.destroy(executor.containerId).catch(() => undefined);
  });
}

/** ShutdownFrameworkMessage: every executor of the framework goes. */
export function shutdownFramework(agent: Agent, from: UPID, frameworkId: string): void {
  if (!from.equals(agent.self) && (agent.masterPid === undefined || !from.equals(agent.masterPid))) return;
  const framework = agent.frameworks.get(frameworkId);
  if (framework === undefined) return;
  agent.runtime.log.info({ framework: frameworkId }, 'shutting down framework');
  framework.state = 'TERMINATING';
  if (framework.executors.size === 0) {
    agent.removeFramework(framework);
    return;
  }
  for (const executor of [...framework.executors.values()]) shutdownExecutor(agent, framework, executor);
}

