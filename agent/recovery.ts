// Agent recovery after a restart (src/slave/slave.cpp: Slave::recover,
// _recover, __recover, recoverFramework, Framework::recoverExecutor,
// reregisterExecutor, reregisterExecutorTimeout) and the checkpoints it reads
// back (Slave::registered, Framework::checkpointFramework,
// Executor::checkpointExecutor / checkpointTask, the libprocess pid at
// registration, the sentinel of a completed run, resources.info).
//
// Only frameworks with FrameworkInfo.checkpoint=true are checkpointed, so
// only their executors and tasks come back. The flow at start:
//   1. read the meta directory (state.ts); a rebooted host or no `latest`
//      agent means a fresh start;
//   2. keep the agent id and SlaveInfo, rebuild frameworks, executors and
//      tasks, replay the status update streams (paused until registered);
//   3. recover the containerizer (it watches the live executors' pids);
//   4. --recover=reconnect: ReconnectExecutorMessage to libprocess executors
//      (HTTP executors subscribe again by themselves); after
//      EXECUTOR_REREGISTER_TIMEOUT executors still REGISTERING are destroyed
//      (their tasks become TASK_LOST, REASON_EXECUTOR_REREGISTRATION_TIMEOUT);
//      then the agent re-registers with the master.
//      --recover=cleanup: every executor is shut down and the agent exits.

import fs from 'node:fs';
import path from 'node:path';
import type { UPID } from '../libprocess/upid.js';
import { has, mesos, stringifyJSON, toJSON } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import type { Agent } from './agent.js';
import { Executor, Framework } from './model.js';
import { errorText } from '../common/errors.js';
import { currentBootId, relinkLatestSync, writeFileAtomic, writeMessage, writeMessages } from './checkpoint.js';
import {
  getBootIdPath,
  getExecutorInfoPath,
  getExecutorLatestRunPath,
  getExecutorPath,
  getExecutorRunPath,
  getExecutorSentinelPath,
  getFrameworkInfoPath,
  getFrameworkPath,
  getFrameworkPidPath,
  getLatestSlavePath,
  getLibprocessPidPath,
  getMetaRootDir,
  getResourcesInfoPath,
  getSlaveInfoPath,
  getSlavePath,
  getTaskInfoPath,
  getTaskUpdatesPath,
} from './paths.js';
import { recoverState, uuidHex, type ExecutorState, type FrameworkState, type SlaveState } from './state.js';
import type { RecoveredStream } from './status-update-manager.js';
import * as executors from './executors.js';
import { Fetcher } from './fetcher.js';
import * as tasks from './tasks.js';

/** EXECUTOR_REREGISTER_TIMEOUT (src/slave/constants.hpp). */
export const EXECUTOR_REREGISTER_TIMEOUT_MS = 2_000;

export type RecoverMode = 'reconnect' | 'cleanup';

function metaDir(agent: Agent): string {
  return getMetaRootDir(agent.options.workDir);
}

/**
 * Slave::garbageCollect: removes `path` `--gc_delay` after its modification
 * time (`touch`: after now, for directories that may never have been
 * scheduled). Recovery uses it for what it will not recover.
 */
function garbageCollect(agent: Agent, target: string, touch = false): void {
  const gc = agent.gc;
  // Nothing there: a meta directory without a work directory, or the reverse.
  if (gc === undefined || !fs.existsSync(target)) return;
  const log = agent.runtime.log;
  if (touch) {
    const now = new Date();
    try {
      fs.utimesSync(target, now, now);
    } catch (error) {
      log.error({ err: error }, `Failed to update the modification time of '${target}'`);
    }
  }
  void gc.scheduleByMtime(agent.options.gcDelayMs, target).then((outcome) => {
    if (outcome.status === 'failed') log.error(`Failed to find the mtime of '${target}': ${outcome.error ?? ''}`);
  });
}

/**
 * Fetcher::recover: the cache is not recovered; this agent's cache directory is
 * emptied once its id is known (Slave::registered, Slave::__recover).
 */
export function clearFetcherCache(agent: Agent): void {
  const root = agent.options.fetcherCacheDir;
  if (root === undefined || root === '' || agent.id === '') return;
  Fetcher.recover(agent.id, { fetcher_cache_dir: root }).catch((error: unknown) => {
    agent.runtime.log.error({ err: error }, `Could not initialize fetcher cache: ${errorText(error)}`);
  });
}

/** Work and meta directories of agents other than this one (Slave::__recover): old ids go. */
function collectOldAgents(agent: Agent): void {
  const root = path.join(agent.options.workDir, 'slaves');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  const current = agent.info.id?.value;
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === current) continue;
    agent.runtime.log.info(`Garbage collecting old agent ${entry.name}`);
    garbageCollect(agent, path.join(root, entry.name), true);
    garbageCollect(agent, getSlavePath(metaDir(agent), entry.name), true);
  }
}

/** Runs a checkpoint; a failure is logged (the agent goes on, as far as it can). */
function checkpointing(agent: Agent, what: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    agent.runtime.log.error({ err: error }, `Failed to checkpoint ${what}: ${errorText(error)}`);
  }
}

// ---- checkpoints ------------------------------------------------------------------

/** Registered: the meta agent directory, `latest`, and slave.info (Slave::registered). */
export function checkpointSlaveInfo(agent: Agent): void {
  const meta = metaDir(agent);
  checkpointing(agent, 'SlaveInfo', () => {
    relinkLatestSync(getSlavePath(meta, agent.id), getLatestSlavePath(meta));
    // The configured resources: checkpointed ones live in resources.info.
    writeMessage(getSlaveInfoPath(meta, agent.id), mesos.SlaveInfo, { ...agent.info, resources: agent.options.info.resources ?? [] });
  });
}

/** framework.info and framework.pid (Framework::checkpointFramework; UPID() for HTTP schedulers). */
export function checkpointFramework(agent: Agent, framework: Framework): void {
  if (framework.info.checkpoint !== true) return;
  const meta = metaDir(agent);
  checkpointing(agent, `framework ${framework.id}`, () => {
    writeMessage(getFrameworkInfoPath(meta, agent.id, framework.id), mesos.FrameworkInfo, framework.info);
    writeFileAtomic(getFrameworkPidPath(meta, agent.id, framework.id), framework.pid?.toString() ?? '@0.0.0.0:0');
  });
}

/** executor.info and the meta run directory with its `latest` link (Executor::checkpointExecutor). */
export function checkpointExecutor(agent: Agent, executor: Executor): void {
  if (!executor.checkpoint) return;
  const meta = metaDir(agent);
  checkpointing(agent, `executor ${executor.id}`, () => {
    writeMessage(getExecutorInfoPath(meta, agent.id, executor.frameworkId, executor.id), mesos.ExecutorInfo, executor.info);
    relinkLatestSync(
      getExecutorRunPath(meta, agent.id, executor.frameworkId, executor.id, executor.containerId),
      getExecutorLatestRunPath(meta, agent.id, executor.frameworkId, executor.id),
    );
  });
}

/** task.info: the task as a Task in TASK_STAGING (Executor::checkpointTask, protobuf::createTask). */
export function checkpointTask(agent: Agent, executor: Executor, task: mesos.TaskInfo.$Properties): void {
  if (!executor.checkpoint) return;
  const record: mesos.Task.$Properties = {
    name: task.name,
    task_id: task.task_id,
    framework_id: { value: executor.frameworkId },
    slave_id: { value: agent.id },
    state: mesos.TaskState.TASK_STAGING,
    resources: task.resources ?? [],
    statuses: [],
  };
  if (task.executor) record.executor_id = task.executor.executor_id;
  if (task.labels) record.labels = task.labels;
  if (task.discovery) record.discovery = task.discovery;
  if (task.container) record.container = task.container;
  const file = getTaskInfoPath(metaDir(agent), agent.id, executor.frameworkId, executor.id, executor.containerId, task.task_id.value);
  checkpointing(agent, `task ${task.task_id.value}`, () => writeMessage(file, mesos.Task, record));
}

/** libprocess.pid: the registered executor's pid (Slave::registerExecutor). */
export function checkpointLibprocessPid(agent: Agent, executor: Executor, pid: UPID): void {
  if (!executor.checkpoint) return;
  const file = getLibprocessPidPath(metaDir(agent), agent.id, executor.frameworkId, executor.id, executor.containerId);
  checkpointing(agent, `the pid of executor ${executor.id}`, () => writeFileAtomic(file, pid.toString()));
}

/** The task.updates file of a checkpointing executor's task; undefined otherwise. */
export function taskUpdatesPath(agent: Agent, executor: Executor | undefined, taskId: string): string | undefined {
  if (executor === undefined || !executor.checkpoint) return undefined;
  return getTaskUpdatesPath(metaDir(agent), agent.id, executor.frameworkId, executor.id, executor.containerId, taskId);
}

/** The executor's run is over: its sentinel (Slave::removeExecutor). */
export function markRunCompleted(agent: Agent, executor: Executor): void {
  if (!executor.checkpoint) return;
  const file = getExecutorSentinelPath(metaDir(agent), agent.id, executor.frameworkId, executor.id, executor.containerId);
  checkpointing(agent, `the sentinel of executor ${executor.id}`, () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  });
}

/** resources.info: reservations and persistent volumes the master sent (Slave::checkpointResources). */
export function checkpointResources(agent: Agent, resources: readonly mesos.Resource.$Properties[]): void {
  checkpointing(agent, 'resources', () => writeMessages(getResourcesInfoPath(metaDir(agent)), mesos.Resource, resources));
}

/** A terminating agent must not be recovered (Slave::finalize removes the meta `latest`). */
export function forgetLatestAgent(agent: Agent): void {
  fs.rmSync(getLatestSlavePath(metaDir(agent)), { force: true });
}

// ---- recovery -----------------------------------------------------------------------

/**
 * Recovers what the previous agent run checkpointed, then calls
 * `agent.recovered()`; synchronous when there is nothing to recover. A failure
 * ends the agent with `agent.failed()`.
 */
export function recover(agent: Agent): void {
  const log = agent.runtime.log;
  const mode: RecoverMode = agent.options.recover ?? 'reconnect';
  let state;
  try {
    state = recoverState(metaDir(agent), agent.options.strict ?? true, log);
  } catch (error) {
    agent.failed(errorText(error));
    return;
  }
  if (state?.resources.found === true) {
    if (state.resources.errors > 0) log.warn(`Errors encountered during resources recovery: ${state.resources.errors}`);
    agent.applyCheckpointedResources(state.resources.resources);
  }
  const slave = state?.slave;
  if (slave?.info === undefined) {
    finish(agent, mode);
    return;
  }
  const incompatible = mode === 'reconnect' ? incompatibility(agent, slave) : undefined;
  if (incompatible !== undefined) {
    agent.failed(incompatible);
    return;
  }
  const recoveredResources = agent.info.resources;
  agent.info = { ...slave.info, resources: recoveredResources ?? slave.info.resources };
  if (slave.errors > 0) log.warn(`Errors encountered during agent recovery: ${slave.errors}`);
  for (const framework of slave.frameworks.values()) recoverFramework(agent, framework);

  const streams = recoveredStreams(agent, slave);
  const done = agent.runtime
    .dispatch(agent.sum, (s) => s.recover(streams))
    .then(() => agent.containerizer.recover(slave));
  agent.defer(done, (result) => {
    if (!result.ok) {
      agent.failed(errorText(result.error));
      return;
    }
    reconnectExecutors(agent, mode);
  });
}

/** Mesos refuses to reconnect with a different SlaveInfo (resources, attributes, hostname, port). */
function incompatibility(agent: Agent, slave: SlaveState): string | undefined {
  const configured = toJSON(mesos.SlaveInfo, { ...agent.options.info, id: { value: slave.id } });
  const recovered = toJSON(mesos.SlaveInfo, slave.info ?? { hostname: '' });
  const a = stringifyJSON(configured);
  const b = stringifyJSON(recovered);
  if (a === b) return undefined;
  return [
    'Incompatible agent info detected.',
    '------------------------------------------------------------',
    `Old agent info:\n${b}`,
    '------------------------------------------------------------',
    `New agent info:\n${a}`,
    '------------------------------------------------------------',
  ].join('\n');
}

/** Slave::recoverFramework. */
function recoverFramework(agent: Agent, state: FrameworkState): void {
  const log = agent.runtime.log;
  if (state.info === undefined || !state.pidRecovered) {
    log.warn({ framework: state.id }, 'Skipping recovery of a framework whose info or pid cannot be recovered');
    return;
  }
  if (state.executors.size === 0) {
    garbageCollect(agent, getFrameworkPath(agent.options.workDir, agent.id, state.id));
    garbageCollect(agent, getFrameworkPath(metaDir(agent), agent.id, state.id));
    return;
  }
  log.info({ framework: state.id }, 'Recovering framework');
  const info: mesos.FrameworkInfo.$Properties = has(state.info, 'id') ? state.info : { ...state.info, id: { value: state.id } };
  const framework = new Framework(info, state.pid);
  agent.frameworks.set(state.id, framework);
  for (const executor of state.executors.values()) recoverExecutor(agent, framework, executor);
  // removeExecutor already removed it when its last (completed) executor went.
  if (framework.executors.size === 0 && agent.frameworks.get(framework.id) === framework) agent.removeFramework(framework);
}

/** Framework::recoverExecutor: only the latest run matters. */
function recoverExecutor(agent: Agent, framework: Framework, state: ExecutorState): void {
  const log = agent.runtime.log;
  const run = state.latest === undefined ? undefined : state.runs.get(state.latest);
  if (run === undefined || state.info === undefined) {
    log.warn(
      { executor: state.id, framework: framework.id },
      `Skipping recovery of executor '${state.id}' of framework ${framework.id} because its latest run or executor info cannot be recovered`,
    );
    garbageCollect(agent, getExecutorPath(agent.options.workDir, agent.id, framework.id, state.id));
    garbageCollect(agent, getExecutorPath(metaDir(agent), agent.id, framework.id, state.id));
    return;
  }
  // Only the latest run is recovered: the older ones go (the executor's own
  // directories go when its latest run ends).
  for (const old of state.runs.keys()) {
    if (old === run.id) continue;
    garbageCollect(agent, getExecutorRunPath(agent.options.workDir, agent.id, framework.id, state.id, old));
    garbageCollect(agent, getExecutorRunPath(metaDir(agent), agent.id, framework.id, state.id, old));
  }
  log.info({ executor: state.id, framework: framework.id }, 'Recovering executor');
  const directory = getExecutorRunPath(agent.options.workDir, agent.id, framework.id, state.id, run.id);
  const info = state.info;
  const commandExecutor = info.command?.arguments?.[0] === 'mesos-executor' && info.source === state.id;
  const executor = new Executor(framework.id, info, run.id, directory, true, commandExecutor);
  executor.recovered = run.http === true ? 'http' : run.libprocessPid !== undefined ? run.libprocessPid : 'unknown';
  for (const task of run.tasks.values()) {
    if (task.info === undefined) {
      log.warn({ task: task.id }, `Skipping recovery of task ${task.id} because its info cannot be recovered`);
      continue;
    }
    executor.recoverTask({ ...task.info, executor_id: { value: executor.id } }, task.updates, (uuid) => task.acks.has(uuidHex(uuid)));
  }
  framework.executors.set(executor.id, executor);
  agent.files?.attach(directory, directory).catch(() => undefined);
  if (run.completed) {
    executor.state = 'TERMINATED';
    executors.removeExecutor(agent, framework, executor);
  }
}

/** The status update streams to replay: non-completed latest runs' tasks (StatusUpdateManagerProcess::recover). */
function recoveredStreams(agent: Agent, slave: SlaveState): RecoveredStream[] {
  const streams: RecoveredStream[] = [];
  for (const framework of slave.frameworks.values()) {
    if (!agent.frameworks.has(framework.id)) continue;
    for (const executor of framework.executors.values()) {
      const run = executor.latest === undefined ? undefined : executor.runs.get(executor.latest);
      if (executor.info === undefined || run === undefined || run.completed) continue;
      for (const task of run.tasks.values()) {
        if (task.updates.length === 0) continue;
        streams.push({
          frameworkId: framework.id,
          taskId: task.id,
          file: getTaskUpdatesPath(metaDir(agent), slave.id, framework.id, executor.id, run.id, task.id),
          updates: task.updates,
          acks: task.acks,
        });
      }
    }
  }
  return streams;
}

/** Slave::_recover: watch every recovered executor, then reconnect (or shut down) each. */
function reconnectExecutors(agent: Agent, mode: RecoverMode): void {
  const log = agent.runtime.log;
  for (const framework of agent.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      executors.watchContainer(agent, framework.id, executor);
      const fields = { executor: executor.id, framework: framework.id };
      const recovered = executor.recovered;
      if (mode === 'reconnect') {
        if (recovered !== undefined && recovered !== 'http' && recovered !== 'unknown') {
          log.info(fields, 'Sending reconnect request to executor');
          agent.sendProto(recovered, mesos.internal.ReconnectExecutorMessage, { slave_id: { value: agent.id } });
        } else if (recovered === 'http') {
          log.info(fields, 'Waiting for executor to subscribe');
        } else {
          log.info(fields, 'Unable to reconnect to executor because no pid or http checkpoint file was found');
        }
      } else if (recovered !== undefined && recovered !== 'unknown') {
        log.info(fields, 'Sending shutdown to executor');
        if (recovered !== 'http') {
          executor.pid = recovered;
          executor.state = 'RUNNING';
        }
        // An HTTP executor hears SHUTDOWN when it subscribes again.
        executors.shutdownExecutor(agent, framework, executor, recovered === 'http');
      } else {
        log.info(fields, 'Killing executor because no pid or http checkpoint file was found');
        void agent.containerizer.destroy(executor.containerId).catch(() => undefined);
      }
    }
  }
  if (agent.frameworks.size > 0 && mode === 'reconnect') {
    agent.delay(agent.options.executorReregisterTimeoutMs ?? EXECUTOR_REREGISTER_TIMEOUT_MS, () => {
      reregisterExecutorTimeout(agent);
      finish(agent, mode);
    });
    return;
  }
  finish(agent, mode);
}

/** Slave::reregisterExecutorTimeout: executors that did not come back are destroyed. */
function reregisterExecutorTimeout(agent: Agent): void {
  const timeoutMs = agent.options.executorReregisterTimeoutMs ?? EXECUTOR_REREGISTER_TIMEOUT_MS;
  agent.runtime.log.info('Cleaning up un-reregistered executors');
  for (const framework of agent.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      if (executor.state !== 'REGISTERING') continue;
      agent.runtime.log.info({ executor: executor.id, framework: framework.id }, 'Killing un-reregistered executor');
      executor.state = 'TERMINATING';
      executor.termination = {
        state: mesos.TaskState.TASK_LOST,
        reason: mesos.TaskStatus.Reason.REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
        message: `Executor did not re-register within ${timeoutMs / 1000}secs`,
      };
      void agent.containerizer.destroy(executor.containerId).catch(() => undefined);
    }
  }
}

/** Slave::__recover: record the boot id, then register (reconnect) or wait for the executors to go (cleanup). */
function finish(agent: Agent, mode: RecoverMode): void {
  if (agent.state !== 'RECOVERING') return;
  agent.runtime.log.info('Finished recovery');
  collectOldAgents(agent);
  clearFetcherCache(agent);
  const bootId = currentBootId();
  if (bootId !== undefined) {
    checkpointing(agent, 'the boot id', () => writeFileAtomic(getBootIdPath(metaDir(agent)), bootId));
  }
  if (mode === 'reconnect') {
    agent.recovered();
    return;
  }
  agent.cleanupAfterRecovery();
}

/** ReregisterExecutorMessage from an executor the recovering agent reconnected with (Slave::reregisterExecutor). */
export function reregisterExecutor(agent: Agent, from: UPID, msg: mesos.internal.ReregisterExecutorMessage): void {
  const log = agent.runtime.log;
  const frameworkId = msg.framework_id.value;
  const executorId = msg.executor_id.value;
  const refuse = (why: string): void => {
    log.warn({ executor: executorId, framework: frameworkId }, `Shutting down executor '${executorId}' of framework ${frameworkId} because ${why}`);
    agent.sendProto(from, mesos.internal.ShutdownExecutorMessage, { framework_id: msg.framework_id, executor_id: msg.executor_id });
  };
  if (agent.state !== 'RECOVERING') return refuse('the agent is not in recovery mode');
  log.info({ executor: executorId, framework: frameworkId }, 'Re-registering executor');
  const framework = agent.frameworks.get(frameworkId);
  if (framework === undefined) return refuse('its framework is unknown');
  if (framework.state === 'TERMINATING') return refuse('the framework is terminating');
  const executor = framework.executors.get(executorId);
  if (executor === undefined) return refuse('it is unknown');
  if (executor.state !== 'REGISTERING') return refuse(`it is in unexpected state ${executor.state}`);
  executor.state = 'RUNNING';
  executor.pid = from;
  agent.link(from);
  agent.sendProto(from, mesos.internal.ExecutorReregisteredMessage, { slave_id: { value: agent.id }, slave_info: agent.info });
  // Updates the executor still holds: the manager may have them already (duplicates are acknowledged and dropped).
  for (const update of msg.updates ?? []) tasks.statusUpdate(agent, update, { kind: 'pid', pid: from });
  const updated = agent.containerizer.update(executor.containerId, executor.resources);
  agent.defer(updated, (result) => {
    if (result.ok) return;
    log.error({ executor: executorId, err: result.error }, 'Failed to update resources for container; destroying it');
    executor.termination = {
      state: mesos.TaskState.TASK_LOST,
      reason: mesos.TaskStatus.Reason.REASON_CONTAINER_UPDATE_FAILED,
      message: `Failed to update resources for container: ${errorText(result.error)}`,
    };
    void agent.containerizer.destroy(executor.containerId).catch(() => undefined);
  });
  const known = new Set((msg.tasks ?? []).map((task) => task.task_id.value));
  for (const task of [...executor.launchedTasks.values()]) {
    if (task.state !== mesos.TaskState.TASK_STAGING || known.has(task.task_id.value)) continue;
    log.info({ task: task.task_id.value, executor: executorId }, `Transitioning STAGED task ${task.task_id.value} to LOST because it is unknown to the executor '${executorId}'`);
    const update = tasks.agentUpdate(
      agent,
      frameworkId,
      task.task_id.value,
      mesos.TaskState.TASK_LOST,
      'Task launched during agent restart',
      mesos.TaskStatus.Reason.REASON_SLAVE_RESTARTED,
      executorId,
    );
    tasks.statusUpdate(agent, update, tasks.FROM_AGENT);
  }
}

/** Resources from resources.info on top of the configured ones (applyCheckpointedResources). */
export function totalWithCheckpointed(configured: readonly mesos.Resource.$Properties[], checkpointed: readonly mesos.Resource.$Properties[]): mesos.Resource.$Properties[] {
  const total = Resources.fromProto([...configured]);
  return total.unreserved().plus(Resources.fromProto([...checkpointed])).toProto();
}
