// The agent's layout under `--work_dir`, as in Mesos 1.0 (src/slave/paths.hpp/.cpp):
//
//   <work_dir>
//   |-- slaves
//   |   |-- latest -> <slave_id>                       (symlink)
//   |   `-- <slave_id>/frameworks/<framework_id>/executors/<executor_id>/runs
//   |       |-- latest -> <container_id>               (symlink)
//   |       `-- <container_id>                          (the sandbox)
//   |-- meta
//   |   |-- boot_id                                    (Mesos passes the meta root)
//   |   |-- resources/resources.info                   (likewise)
//   |   `-- slaves
//   |       |-- latest -> <slave_id>                   (symlink)
//   |       `-- <slave_id>
//   |           |-- slave.info
//   |           `-- frameworks/<framework_id>
//   |               |-- framework.info
//   |               |-- framework.pid
//   |               `-- executors/<executor_id>
//   |                   |-- executor.info
//   |                   `-- runs
//   |                       |-- latest -> <container_id>
//   |                       `-- <container_id>
//   |                           |-- executor.sentinel   (once the run completed)
//   |                           |-- http.marker         (HTTP executors)
//   |                           |-- pids/forked.pid
//   |                           |-- pids/libprocess.pid
//   |                           `-- tasks/<task_id>/{task.info,task.updates}
//   |-- volumes/roles/<role>/<persistence_id>          (persistent volumes)
//   `-- provisioner
//
// The sandbox and the meta trees share one shape: the same functions build both, given
// either `work_dir` or `getMetaRootDir(work_dir)` as the root (as Mesos does). Every
// `get*` function is pure; the `create*` and `list*` functions touch the filesystem.

import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../libprocess/index.js';
import { has, type mesos } from '../proto/index.js';
import { chownToUser } from './containerizer/user.js';

export const BOOT_ID_FILE = 'boot_id';
export const SLAVE_INFO_FILE = 'slave.info';
export const FRAMEWORK_PID_FILE = 'framework.pid';
export const FRAMEWORK_INFO_FILE = 'framework.info';
export const LIBPROCESS_PID_FILE = 'libprocess.pid';
export const EXECUTOR_INFO_FILE = 'executor.info';
export const EXECUTOR_SENTINEL_FILE = 'executor.sentinel';
export const HTTP_MARKER_FILE = 'http.marker';
export const FORKED_PID_FILE = 'forked.pid';
export const TASK_INFO_FILE = 'task.info';
export const TASK_UPDATES_FILE = 'task.updates';
export const RESOURCES_INFO_FILE = 'resources.info';

export const SLAVES_DIR = 'slaves';
export const FRAMEWORKS_DIR = 'frameworks';
export const EXECUTORS_DIR = 'executors';
export const CONTAINERS_DIR = 'runs';
export const PIDS_DIR = 'pids';
export const TASKS_DIR = 'tasks';
export const LATEST_SYMLINK = 'latest';

/** An ID as a string or as its protobuf message (`SlaveID`, `FrameworkID`, ...). */
export type IdLike = string | { readonly value?: string | null };

export function idValue(id: IdLike): string {
  return typeof id === 'string' ? id : (id.value ?? '');
}

export function getMetaRootDir(rootDir: string): string {
  return join(rootDir, 'meta');
}

export function getSandboxRootDir(rootDir: string): string {
  return join(rootDir, SLAVES_DIR);
}

export function getProvisionerDir(rootDir: string): string {
  return join(rootDir, 'provisioner');
}

export function getArchiveDir(rootDir: string): string {
  return join(rootDir, 'archive');
}

export function getBootIdPath(rootDir: string): string {
  return join(rootDir, BOOT_ID_FILE);
}

export function getLatestSlavePath(rootDir: string): string {
  return join(rootDir, SLAVES_DIR, LATEST_SYMLINK);
}

export function getSlavePath(rootDir: string, slaveId: IdLike): string {
  return join(rootDir, SLAVES_DIR, idValue(slaveId));
}

export function getSlaveInfoPath(rootDir: string, slaveId: IdLike): string {
  return join(getSlavePath(rootDir, slaveId), SLAVE_INFO_FILE);
}

export function getFrameworkPath(rootDir: string, slaveId: IdLike, frameworkId: IdLike): string {
  return join(getSlavePath(rootDir, slaveId), FRAMEWORKS_DIR, idValue(frameworkId));
}

export function getFrameworkPidPath(rootDir: string, slaveId: IdLike, frameworkId: IdLike): string {
  return join(getFrameworkPath(rootDir, slaveId, frameworkId), FRAMEWORK_PID_FILE);
}

export function getFrameworkInfoPath(rootDir: string, slaveId: IdLike, frameworkId: IdLike): string {
  return join(getFrameworkPath(rootDir, slaveId, frameworkId), FRAMEWORK_INFO_FILE);
}

export function getExecutorPath(rootDir: string, slaveId: IdLike, frameworkId: IdLike, executorId: IdLike): string {
  return join(getFrameworkPath(rootDir, slaveId, frameworkId), EXECUTORS_DIR, idValue(executorId));
}

export function getExecutorInfoPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
): string {
  return join(getExecutorPath(rootDir, slaveId, frameworkId, executorId), EXECUTOR_INFO_FILE);
}

export function getExecutorRunPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
): string {
  return join(getExecutorPath(rootDir, slaveId, frameworkId, executorId), CONTAINERS_DIR, idValue(containerId));
}

export function getExecutorLatestRunPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
): string {
  return join(getExecutorPath(rootDir, slaveId, frameworkId, executorId), CONTAINERS_DIR, LATEST_SYMLINK);
}

export function getExecutorHttpMarkerPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
): string {
  return join(getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId), HTTP_MARKER_FILE);
}

export function getExecutorSentinelPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
): string {
  return join(getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId), EXECUTOR_SENTINEL_FILE);
}

export function getLibprocessPidPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
): string {
  return join(
    getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId),
    PIDS_DIR,
    LIBPROCESS_PID_FILE,
  );
}

export function getForkedPidPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
): string {
  return join(getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId), PIDS_DIR, FORKED_PID_FILE);
}

export function getTaskPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
  taskId: IdLike,
): string {
  return join(
    getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId),
    TASKS_DIR,
    idValue(taskId),
  );
}

export function getTaskInfoPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
  taskId: IdLike,
): string {
  return join(getTaskPath(rootDir, slaveId, frameworkId, executorId, containerId, taskId), TASK_INFO_FILE);
}

export function getTaskUpdatesPath(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
  taskId: IdLike,
): string {
  return join(getTaskPath(rootDir, slaveId, frameworkId, executorId, containerId, taskId), TASK_UPDATES_FILE);
}

export function getResourcesInfoPath(rootDir: string): string {
  return join(rootDir, 'resources', RESOURCES_INFO_FILE);
}

export function getPersistentVolumePathFor(rootDir: string, role: string, persistenceId: string): string {
  return join(rootDir, 'volumes', 'roles', role, persistenceId);
}

/**
 * Where a persistent volume lives: under `rootDir` (normally `--work_dir`) unless its
 * disk has a `PATH` source (under that root) or a `MOUNT` source (that mount's root).
 */
export function getPersistentVolumePath(rootDir: string, volume: mesos.Resource.$Properties): string {
  const disk = volume.disk;
  const persistenceId = disk?.persistence?.id;
  if (!disk || persistenceId === undefined || persistenceId === null) {
    throw new Error('Resource is not a persistent volume');
  }
  const role = volume.role ?? '*';
  const source = disk.source;
  if (!source || !has(source, 'type')) return getPersistentVolumePathFor(rootDir, role, persistenceId);
  // Resource.DiskInfo.Source.Type: PATH = 1, MOUNT = 2.
  if (source.type === 1) return getPersistentVolumePathFor(source.path?.root ?? '', role, persistenceId);
  if (source.type === 2) return source.mount?.root ?? '';
  throw new Error('Unsupported disk source type');
}

export interface ExecutorRunPath {
  slaveId: string;
  frameworkId: string;
  executorId: string;
  containerId: string;
}

/** Recovers the IDs from a sandbox (or meta run) directory under `rootDir`. */
export function parseExecutorRunPath(rootDir: string, dir: string): ExecutorRunPath {
  const root = rootDir.endsWith('/') ? rootDir : `${rootDir}/`;
  if (!dir.startsWith(root)) {
    throw new Error(`Directory '${dir}' does not fall under the root directory: ${root}`);
  }
  const tokens = dir
    .slice(root.length)
    .split('/')
    .filter((t) => t !== '');
  if (tokens.length < 8) {
    throw new Error(
      `Path after root directory is not long enough to be an executor run path: ${tokens.join('/')}`,
    );
  }
  if (
    tokens[0] === SLAVES_DIR &&
    tokens[2] === FRAMEWORKS_DIR &&
    tokens[4] === EXECUTORS_DIR &&
    tokens[6] === CONTAINERS_DIR
  ) {
    return {
      slaveId: tokens[1] ?? '',
      frameworkId: tokens[3] ?? '',
      executorId: tokens[5] ?? '',
      containerId: tokens[7] ?? '',
    };
  }
  throw new Error(`Could not parse executor run path from directory: ${dir}`);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    // A shell glob: no dotfiles, sorted.
    return names
      .filter((n) => !n.startsWith('.'))
      .sort()
      .map((n) => join(dir, n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** `<root>/slaves/<slave>/frameworks/*` (Mesos's glob, so missing directories list nothing). */
export function getFrameworkPaths(rootDir: string, slaveId: IdLike): Promise<string[]> {
  return listDir(join(getSlavePath(rootDir, slaveId), FRAMEWORKS_DIR));
}

export function getExecutorPaths(rootDir: string, slaveId: IdLike, frameworkId: IdLike): Promise<string[]> {
  return listDir(join(getFrameworkPath(rootDir, slaveId, frameworkId), EXECUTORS_DIR));
}

/** Includes the `latest` symlink, as Mesos's glob does; callers skip it. */
export function getExecutorRunPaths(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
): Promise<string[]> {
  return listDir(join(getExecutorPath(rootDir, slaveId, frameworkId, executorId), CONTAINERS_DIR));
}

export function getTaskPaths(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
): Promise<string[]> {
  return listDir(join(getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId), TASKS_DIR));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Points `latest` at `directory`, replacing any previous link. */
async function relinkLatest(directory: string, latest: string): Promise<void> {
  if (await exists(latest)) await rm(latest, { force: true });
  await symlink(directory, latest);
}

/**
 * Creates an executor run's sandbox `<rootDir>/slaves/.../runs/<container>`, points the
 * executor's `runs/latest` at it and, when `user` is given, hands the directory to that
 * user (a failed chown is only a warning, as in Mesos: see `--switch_user`).
 */
export async function createExecutorDirectory(
  rootDir: string,
  slaveId: IdLike,
  frameworkId: IdLike,
  executorId: IdLike,
  containerId: IdLike,
  user?: string,
  log?: Logger,
): Promise<string> {
  const directory = getExecutorRunPath(rootDir, slaveId, frameworkId, executorId, containerId);
  await mkdir(directory, { recursive: true });
  await relinkLatest(directory, getExecutorLatestRunPath(rootDir, slaveId, frameworkId, executorId));
  if (user !== undefined) {
    log?.info(`Trying to chown '${directory}' to user '${user}'`);
    try {
      await chownToUser(user, directory);
    } catch (error) {
      log?.warn(
        `Failed to chown executor directory '${directory}'. This may be due to attempting to run the ` +
          'executor as a nonexistent user on the agent; see the description for the `--switch_user` ' +
          `flag for more information: ${(error as Error).message}`,
      );
    }
  }
  return directory;
}

/** Creates `<rootDir>/slaves/<slave>` and points `<rootDir>/slaves/latest` at it. */
export async function createSlaveDirectory(rootDir: string, slaveId: IdLike): Promise<string> {
  const directory = getSlavePath(rootDir, slaveId);
  await mkdir(directory, { recursive: true });
  await relinkLatest(directory, getLatestSlavePath(rootDir));
  return directory;
}

/** `mesos-executor` in the launcher directory (our bin/ has the `.js` shim, run through its shebang). */
export function executorBinary(launcherDir: string): string {
  const plain = join(launcherDir, 'mesos-executor');
  return existsSync(plain) ? plain : `${plain}.js`;
}
