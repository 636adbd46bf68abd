// The containerizer contract the agent programs against (src/slave/containerizer/
// containerizer.hpp in Mesos 1.0). Container IDs are their `value` strings or ContainerID
// messages; every call returns a promise.

import type { Resources } from '../../common/resources.js';
import type { UPID } from '../../libprocess/index.js';
import type { mesos } from '../../proto/index.js';
import type { IdLike } from '../paths.js';

export type Termination = mesos.containerizer.Termination;
export type ExecutorInfo = mesos.ExecutorInfo.$Properties;
export type TaskInfo = mesos.TaskInfo.$Properties;
export type CommandInfo = mesos.CommandInfo.$Properties;

export interface LaunchOptions {
  executorInfo: ExecutorInfo;
  /** Set when launching a command task (the command executor runs it). */
  taskInfo?: TaskInfo | undefined;
  /**
   * Whether this is a command task's executor (the agent built its ExecutorInfo). With
   * --shared_command_executor such executors run in the shared executor host. Unset:
   * a `taskInfo` without an ExecutorInfo means a command task.
   */
  commandTask?: boolean | undefined;
  /** The sandbox, already created (paths.createExecutorDirectory). */
  directory: string;
  /** Run the executor (and fetch) as this user; see user.executorUser(). */
  user?: string | undefined;
  agentId: IdLike;
  agentPid: string | UPID;
  /** Whether the framework checkpoints: the forked pid is then checkpointed. */
  checkpoint: boolean;
  /**
   * The executor's base environment. Default: executorEnvironment() from the agent's
   * flags. MESOS_SANDBOX, the command's own variables and isolators' variables are added
   * on top either way.
   */
  environment?: Readonly<Record<string, string>> | undefined;
}

/** What the agent checkpointed, as Mesos's slave::state::SlaveState (the parts used here). */
export interface RecoverRunState {
  id?: string | undefined;
  forkedPid?: number | undefined;
  completed: boolean;
}

export interface RecoverExecutorState {
  id: string;
  info?: ExecutorInfo | undefined;
  /** The latest run's container ID. */
  latest?: string | undefined;
  runs: ReadonlyMap<string, RecoverRunState>;
}

export interface RecoverFrameworkState {
  id: string;
  executors: ReadonlyMap<string, RecoverExecutorState> | Iterable<RecoverExecutorState>;
}

export interface RecoverState {
  /** The agent's ID. */
  id: string;
  frameworks: ReadonlyMap<string, RecoverFrameworkState> | Iterable<RecoverFrameworkState>;
}

export interface Containerizer {
  /**
   * Takes over the executors in `state` that are still running; every other container
   * this containerizer can find is destroyed.
   */
  recover(state?: RecoverState): Promise<void>;
  /**
   * Launches an executor in a new container. Resolves false when this containerizer does
   * not handle the executor's (or task's) ContainerInfo type. On a rejection the container
   * still exists: the caller destroys it (and wait() then reports how it ended).
   */
  launch(containerId: IdLike, options: LaunchOptions): Promise<boolean>;
  /** New resources for a container; unknown containers are ignored. */
  update(containerId: IdLike, resources: Resources): Promise<void>;
  usage(containerId: IdLike): Promise<mesos.ResourceStatistics>;
  status(containerId: IdLike): Promise<mesos.ContainerStatus>;
  /**
   * Resolves when the container is gone (its executor exited, it hit a limit, or it was
   * destroyed); call it before destroy(). Rejects for unknown containers.
   */
  wait(containerId: IdLike): Promise<Termination>;
  /** Kills every process of the container and releases it; never rejects. */
  destroy(containerId: IdLike): Promise<void>;
  containers(): Promise<Set<string>>;
  /** Stops helper processes that outlive containers (the shared executor host), if any. */
  close?(): Promise<void>;
}

/** What the containerizer needs from the fetcher (agent/fetcher.ts). */
export interface ContainerFetcher {
  fetch(
    containerId: string,
    commandInfo: CommandInfo,
    sandboxDirectory: string,
    user: string | undefined,
    agentId: string,
  ): Promise<void>;
  /** Stops an ongoing fetch for the container, if any. */
  kill(containerId: string): void;
}
