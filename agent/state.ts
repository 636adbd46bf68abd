// Reading the agent's checkpointed state back after a restart (Mesos 1.0's
// slave::state::recover in src/slave/state.cpp): the latest agent under the
// meta directory, its frameworks, their executors' runs and the runs' tasks
// with their status update streams, plus the checkpointed resources.
//
// As in Mesos: a missing file means "not checkpointed yet" (a warning, the
// entry stays partial); an empty file is a warning too; a file that cannot be
// read or parsed is an error, fatal with --strict and otherwise counted in
// `errors` and skipped. A partial record at the end of a record stream (the
// agent died mid-write) is truncated away silently.

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../libprocess/index.js';
import { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';
import { CheckpointError, currentBootId, readMessage, readStream } from './checkpoint.js';
import { errorText } from '../common/errors.js';
import {
  CONTAINERS_DIR,
  EXECUTORS_DIR,
  FRAMEWORKS_DIR,
  LATEST_SYMLINK,
  TASKS_DIR,
  getBootIdPath,
  getExecutorHttpMarkerPath,
  getExecutorInfoPath,
  getExecutorPath,
  getExecutorRunPath,
  getExecutorSentinelPath,
  getForkedPidPath,
  getFrameworkInfoPath,
  getFrameworkPath,
  getFrameworkPidPath,
  getLatestSlavePath,
  getLibprocessPidPath,
  getResourcesInfoPath,
  getSlaveInfoPath,
  getSlavePath,
  getTaskInfoPath,
  getTaskUpdatesPath,
} from './paths.js';

/** A recovery error that --strict makes fatal. */
export class RecoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryError';
  }
}

export interface TaskState {
  id: string;
  /** The Task checkpointed at launch (task.info). */
  info?: mesos.Task | undefined;
  updates: mesos.internal.StatusUpdate.$Properties[];
  /** uuids (hex) of acknowledged updates. */
  acks: Set<string>;
  errors: number;
}

export interface RunState {
  id: string;
  completed: boolean;
  forkedPid?: number | undefined;
  libprocessPid?: UPID | undefined;
  /** true: an HTTP executor (http.marker); false: a libprocess one; undefined: neither was checkpointed. */
  http?: boolean | undefined;
  tasks: Map<string, TaskState>;
  errors: number;
}

export interface ExecutorState {
  id: string;
  info?: mesos.ExecutorInfo | undefined;
  latest?: string | undefined;
  runs: Map<string, RunState>;
  errors: number;
}

export interface FrameworkState {
  id: string;
  info?: mesos.FrameworkInfo | undefined;
  /** The scheduler's pid; undefined for an HTTP scheduler (Mesos checkpoints UPID()). */
  pid?: UPID | undefined;
  /** Whether framework.pid was read (it may hold UPID()). */
  pidRecovered: boolean;
  executors: Map<string, ExecutorState>;
  errors: number;
}

export interface SlaveState {
  id: string;
  info?: mesos.SlaveInfo | undefined;
  frameworks: Map<string, FrameworkState>;
  errors: number;
}

export interface ResourcesState {
  resources: mesos.Resource[];
  /** Whether resources.info exists. */
  found: boolean;
  errors: number;
}

export interface State {
  resources: ResourcesState;
  /** undefined: nothing to recover (first start, rebooted host, or no `latest` agent). */
  slave?: SlaveState | undefined;
  rebooted: boolean;
}

export function uuidHex(uuid: Uint8Array | null | undefined): string {
  return uuid === null || uuid === undefined ? '' : Buffer.from(uuid).toString('hex');
}

class Reader {
  constructor(
    readonly strict: boolean,
    readonly log: Logger,
  ) {}

  /** An error: thrown with --strict, else logged; returns true when skipped. */
  fail(message: string): true {
    if (this.strict) throw new RecoveryError(message);
    this.log.warn(message);
    return true;
  }

  message<T>(file: string, what: string, decode: (bytes: Uint8Array) => T): { value?: T; error?: true } {
    if (!fs.existsSync(file)) {
      this.log.warn(`Failed to find ${what} file '${file}'`);
      return {};
    }
    try {
      const value = readMessage(file, decode);
      if (value === undefined) {
        this.log.warn(`Found empty ${what} file '${file}'`);
        return {};
      }
      return { value };
    } catch (error) {
      return { error: this.fail(`Failed to read ${what} from '${file}': ${errorText(error)}`) };
    }
  }

  text(file: string, what: string): { value?: string; error?: true } {
    if (!fs.existsSync(file)) {
      this.log.warn(`Failed to find ${what} file '${file}'`);
      return {};
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return { error: this.fail(`Failed to read ${what} file '${file}': ${errorText(error)}`) };
    }
    if (text.trim() === '') {
      this.log.warn(`Found empty ${what} file '${file}'`);
      return {};
    }
    return { value: text.trim() };
  }
}

/** Entries of a directory that are directories (Mesos globs `dir/*`); none when it is missing. */
function subdirectories(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RecoveryError(`Failed to list '${dir}': ${errorText(error)}`);
  }
  return names.filter((n) => !n.startsWith('.') && n !== LATEST_SYMLINK).sort();
}

/**
 * Recovers the checkpointed state under `metaDir` (`<work_dir>/meta`).
 * undefined when the directory does not exist (first start). Throws
 * RecoveryError for errors --strict makes fatal, and for errors that are
 * always fatal (e.g. a dangling `latest` link).
 */
export function recoverState(metaDir: string, strict: boolean, log: Logger): State | undefined {
  log.info(`Recovering state from '${metaDir}'`);
  if (!fs.existsSync(metaDir)) return undefined;
  const reader = new Reader(strict, log);
  const state: State = { resources: recoverResources(reader, metaDir), rebooted: false };

  const bootIdPath = getBootIdPath(metaDir);
  if (fs.existsSync(bootIdPath)) {
    const recorded = fs.readFileSync(bootIdPath, 'utf8').trim();
    const current = currentBootId();
    if (current !== undefined && current !== recorded) {
      log.info('Agent host rebooted');
      state.rebooted = true;
      return state;
    }
  }

  const latest = getLatestSlavePath(metaDir);
  let linked = false;
  try {
    fs.lstatSync(latest);
    linked = true;
  } catch {
    linked = false;
  }
  if (!linked) {
    log.info(`Failed to find the latest agent from '${metaDir}'`);
    return state;
  }
  let directory: string;
  try {
    directory = fs.realpathSync(latest);
  } catch (error) {
    throw new RecoveryError(`Failed to find latest agent: ${errorText(error)}`);
  }
  state.slave = recoverSlave(reader, metaDir, path.basename(directory));
  return state;
}

function recoverResources(reader: Reader, metaDir: string): ResourcesState {
  const state: ResourcesState = { resources: [], found: false, errors: 0 };
  const file = getResourcesInfoPath(metaDir);
  if (!fs.existsSync(file)) {
    reader.log.info(`No checkpointed resources found at '${file}'`);
    return state;
  }
  state.found = true;
  let read;
  try {
    read = readStream(file, (b) => mesos.Resource.decode(b));
  } catch (error) {
    reader.fail(`Failed to open resources file '${file}': ${errorText(error)}`);
    state.errors++;
    return state;
  }
  state.resources = read.records;
  if (read.error !== undefined) {
    reader.fail(`Failed to read resources file  '${file}': ${read.error}`);
    state.errors++;
  }
  return state;
}

function recoverSlave(reader: Reader, metaDir: string, slaveId: string): SlaveState {
  const state: SlaveState = { id: slaveId, frameworks: new Map(), errors: 0 };
  const info = reader.message(getSlaveInfoPath(metaDir, slaveId), 'agent info', (b) => mesos.SlaveInfo.decode(b));
  if (info.error) {
    state.errors++;
    return state;
  }
  if (info.value === undefined) return state;
  state.info = info.value;
  for (const frameworkId of subdirectories(path.join(getSlavePath(metaDir, slaveId), FRAMEWORKS_DIR))) {
    const framework = recoverFramework(reader, metaDir, slaveId, frameworkId);
    state.frameworks.set(frameworkId, framework);
    state.errors += framework.errors;
  }
  return state;
}

function recoverFramework(reader: Reader, metaDir: string, slaveId: string, frameworkId: string): FrameworkState {
  const state: FrameworkState = { id: frameworkId, executors: new Map(), errors: 0, pidRecovered: false };
  const info = reader.message(getFrameworkInfoPath(metaDir, slaveId, frameworkId), 'framework info', (b) => mesos.FrameworkInfo.decode(b));
  if (info.error) {
    state.errors++;
    return state;
  }
  if (info.value === undefined) return state;
  state.info = info.value;
  const pid = reader.text(getFrameworkPidPath(metaDir, slaveId, frameworkId), 'framework pid');
  if (pid.error) {
    state.errors++;
    return state;
  }
  if (pid.value === undefined) return state;
  state.pidRecovered = true;
  const parsed = UPID.tryParse(pid.value);
  state.pid = parsed !== undefined && parsed.id !== '' ? parsed : undefined;
  const executorsDir = path.join(getFrameworkPath(metaDir, slaveId, frameworkId), EXECUTORS_DIR);
  for (const executorId of subdirectories(executorsDir)) {
    const executor = recoverExecutor(reader, metaDir, slaveId, frameworkId, executorId);
    state.executors.set(executorId, executor);
    state.errors += executor.errors;
  }
  return state;
}

function recoverExecutor(reader: Reader, metaDir: string, slaveId: string, frameworkId: string, executorId: string): ExecutorState {
  const state: ExecutorState = { id: executorId, runs: new Map(), errors: 0 };
  const runsDir = path.join(getExecutorPath(metaDir, slaveId, frameworkId, executorId), CONTAINERS_DIR);
  const latestLink = path.join(runsDir, LATEST_SYMLINK);
  for (const containerId of subdirectories(runsDir)) {
    const run = recoverRun(reader, metaDir, slaveId, frameworkId, executorId, containerId);
    state.runs.set(containerId, run);
    state.errors += run.errors;
  }
  try {
    state.latest = path.basename(fs.realpathSync(latestLink));
  } catch {
    state.latest = undefined;
  }
  if (state.latest === undefined || !state.runs.has(state.latest)) {
    reader.log.warn(`Failed to find the latest run of executor '${executorId}' of framework ${frameworkId}`);
    state.latest = undefined;
    return state;
  }
  const info = reader.message(getExecutorInfoPath(metaDir, slaveId, frameworkId, executorId), 'executor info', (b) => mesos.ExecutorInfo.decode(b));
  if (info.error) {
    state.errors++;
    return state;
  }
  state.info = info.value;
  return state;
}

function recoverRun(
  reader: Reader,
  metaDir: string,
  slaveId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): RunState {
  const state: RunState = { id: containerId, completed: false, tasks: new Map(), errors: 0 };
  state.completed = fs.existsSync(getExecutorSentinelPath(metaDir, slaveId, frameworkId, executorId, containerId));
  const tasksDir = path.join(getExecutorRunPath(metaDir, slaveId, frameworkId, executorId, containerId), TASKS_DIR);
  for (const taskId of subdirectories(tasksDir)) {
    const task = recoverTask(reader, metaDir, slaveId, frameworkId, executorId, containerId, taskId);
    state.tasks.set(taskId, task);
    state.errors += task.errors;
  }
  const forked = reader.text(getForkedPidPath(metaDir, slaveId, frameworkId, executorId, containerId), 'executor forked pid');
  if (forked.error) {
    state.errors++;
    return state;
  }
  if (forked.value === undefined) return state;
  const pid = Number(forked.value);
  if (!/^\d+$/.test(forked.value) || !Number.isSafeInteger(pid) || pid <= 0) {
    // Always fatal in Mesos ("Failed to parse forked pid").
    throw new RecoveryError(`Failed to parse forked pid ${forked.value}: not a process id`);
  }
  state.forkedPid = pid;
  const libprocessPath = getLibprocessPidPath(metaDir, slaveId, frameworkId, executorId, containerId);
  if (fs.existsSync(libprocessPath)) {
    const text = reader.text(libprocessPath, 'executor libprocess pid');
    if (text.error) {
      state.errors++;
      return state;
    }
    if (text.value === undefined) return state;
    const upid = UPID.tryParse(text.value);
    if (upid === undefined) {
      reader.fail(`Failed to read executor libprocess pid from '${libprocessPath}': cannot parse '${text.value}'`);
      state.errors++;
      return state;
    }
    state.libprocessPid = upid;
    state.http = false;
    return state;
  }
  if (fs.existsSync(getExecutorHttpMarkerPath(metaDir, slaveId, frameworkId, executorId, containerId))) {
    state.http = true;
    return state;
  }
  reader.log.warn('Failed to find executor libprocess pid/http marker file');
  return state;
}

function recoverTask(
  reader: Reader,
  metaDir: string,
  slaveId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
  taskId: string,
): TaskState {
  const state: TaskState = { id: taskId, updates: [], acks: new Set(), errors: 0 };
  const info = reader.message(getTaskInfoPath(metaDir, slaveId, frameworkId, executorId, containerId, taskId), 'task info', (b) => mesos.Task.decode(b));
  if (info.error) {
    state.errors++;
    return state;
  }
  if (info.value === undefined) return state;
  state.info = info.value;
  const file = getTaskUpdatesPath(metaDir, slaveId, frameworkId, executorId, containerId, taskId);
  if (!fs.existsSync(file)) {
    reader.log.warn(`Failed to find status updates file '${file}'`);
    return state;
  }
  let read;
  try {
    read = readStream(file, (b) => mesos.internal.StatusUpdateRecord.decode(b));
  } catch (error) {
    reader.fail(`Failed to open status updates file '${file}': ${errorText(error)}`);
    state.errors++;
    return state;
  }
  for (const record of read.records) {
    if (record.type === mesos.internal.StatusUpdateRecord.Type.UPDATE) {
      if (record.update) state.updates.push(record.update);
    } else {
      state.acks.add(uuidHex(record.uuid));
    }
  }
  if (read.error !== undefined) {
    reader.fail(`Failed to read status updates file  '${file}': ${read.error}`);
    state.errors++;
  }
  return state;
}

export { CheckpointError };
