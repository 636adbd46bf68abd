// Executors on the agent: launching them through the containerizer,
// registration (with its timeout), shutdown with a grace period, and what
// happens when one terminates (src/slave/slave.cpp: getExecutorInfo,
// Framework::launchExecutor, registerExecutor, executorTerminated,
// shutdownExecutor, removeExecutor, registerExecutorTimeout).

import { randomUUID } from 'node:crypto';
import type { UPID } from '../libprocess/upid.js';
import { has, mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { createExecutorDirectory, executorBinary, getExecutorRunPath } from './paths.js';
import { executorUser } from './containerizer/user.js';
import type { Agent } from './agent.js';
import { Executor, type Framework } from './model.js';
import * as tasks from './tasks.js';

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
  agent.defer(
    launch.then(
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
  agent.sendProto(from, mesos.internal.ExecutorRegisteredMessage, {
    executor_info: executor.info,
    framework_id: { value: framework.id },
    framework_info: framework.info,
    slave_id: { value: agent.id },
    slave_info: agent.info,
  });
  for (const task of [...executor.queuedTasks.values()]) {
    executor.queuedTasks.delete(task.task_id.value);
    tasks.sendTaskToExecutor(agent, framework, executor, task);
  }
}

/** Agent recovery (re-attaching to executors of a previous agent run) is not supported: such executors are told to shut down. */
export function reregisterExecutor(agent: Agent, from: UPID, msg: mesos.internal.ReregisterExecutorMessage): void {
  agent.runtime.log.warn({ from: from.toString(), executor: msg.executor_id.value }, 'refusing executor re-registration: this agent did not recover it');
  agent.sendProto(from, mesos.internal.ShutdownExecutorMessage, { framework_id: msg.framework_id, executor_id: msg.executor_id });
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
  executor.termination = { ...(status !== undefined ? { status } : {}), ...(message !== undefined ? { message } : pending) };
  if (framework.state !== 'TERMINATING') {
    const messages = [pending?.message, message].filter((m): m is string => m !== undefined && m !== '');
    const text = messages.length > 0 ? [...new Set(messages)].join('; ') : 'Executor terminated';
    for (const task of [...executor.launchedTasks.values()]) {
      tasks.sendExecutorTerminatedUpdate(agent, framework, executor, task.task_id.value, text);
    }
    for (const task of [...executor.queuedTasks.values()]) {
      executor.queuedTasks.delete(task.task_id.value);
      executor.addTask(task);
      tasks.sendExecutorTerminatedUpdate(agent, framework, executor, task.task_id.value, text);
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

/** Asks an executor to stop; destroys its container if it is still there after the grace period. */
export function shutdownExecutor(agent: Agent, framework: Framework, executor: Executor): void {
  if (executor.state === 'TERMINATING' || executor.state === 'TERMINATED') return;
  const registered = executor.state === 'RUNNING';
  executor.state = 'TERMINATING';
  if (registered && executor.pid !== undefined) {
    agent.sendProto(executor.pid, mesos.internal.ShutdownExecutorMessage, {
      executor_id: { value: executor.id },
      framework_id: { value: framework.id },
    });
  }
  const graceNs = executor.info.shutdown_grace_period?.nanoseconds;
  const graceMs = typeof graceNs === 'number' ? graceNs / 1e6 : agent.options.executorShutdownGracePeriodMs;
  executor.shutdownTimer = agent.delay(registered ? graceMs : 0, () => {
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
