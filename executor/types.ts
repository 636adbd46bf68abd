// The executor API of Mesos 1.0 (include/mesos/executor.hpp): the callbacks an
// executor implements and the driver it talks back through.

import { mesos } from '../proto/index.js';

/** Driver states (mesos.proto's `Status`). */
export const Status = mesos.Status;
export type Status = mesos.Status;

export type ExecutorInfo = mesos.ExecutorInfo.$Properties;
export type FrameworkInfo = mesos.FrameworkInfo.$Properties;
export type SlaveInfo = mesos.SlaveInfo.$Properties;
export type TaskInfo = mesos.TaskInfo.$Properties;
export type TaskID = mesos.TaskID.$Properties;
export type KillPolicy = mesos.KillPolicy.$Properties;
/** What an executor passes to sendStatusUpdate; the driver fills in uuid, timestamp, ids. */
export type TaskStatusInput = mesos.TaskStatus.$Properties;

export interface ExecutorDriver {
  /** Starts the driver: parses the environment, starts the runtime, registers with the agent. */
  start(): Promise<Status>;
  /** Stops the driver (the agent is not told; the executor is expected to exit). */
  stop(): Status;
  /** Stops handling messages from the agent; join() returns DRIVER_ABORTED. */
  abort(): Status;
  /** Resolves once the driver is stopped or aborted. */
  join(): Promise<Status>;
  /** start() then join(). */
  run(): Promise<Status>;
  /** Sends a TaskStatus to the agent, reliably (kept until acknowledged). */
  sendStatusUpdate(status: TaskStatusInput): Status;
  /** Sends bytes to the framework's scheduler (best effort). */
  sendFrameworkMessage(data: Uint8Array | string): Status;
}

/**
 * Executor callbacks, each invoked inside the driver's process, one at a time.
 * Mesos 1.0's driver never calls `disconnected` (it is part of the interface only).
 */
export interface Executor {
  registered(driver: ExecutorDriver, executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, slaveInfo: SlaveInfo): void;
  reregistered(driver: ExecutorDriver, slaveInfo: SlaveInfo): void;
  disconnected(driver: ExecutorDriver): void;
  launchTask(driver: ExecutorDriver, task: TaskInfo): void;
  /**
   * `killPolicy` is KillTaskMessage.kill_policy when the scheduler gave one: an
   * addition to 1.0's signature (its driver drops the field), used by the command executor.
   */
  killTask(driver: ExecutorDriver, taskId: TaskID, killPolicy?: KillPolicy): void;
  frameworkMessage(driver: ExecutorDriver, data: Uint8Array): void;
  shutdown(driver: ExecutorDriver): void;
  error(driver: ExecutorDriver, message: string): void;
  /**
   * Optional, not in 1.0's interface: the agent acknowledged the update with this
   * uuid (the v1 API's ACKNOWLEDGED event). The command executor exits on it.
   */
  acknowledged?(driver: ExecutorDriver, taskId: TaskID, uuid: Uint8Array): void;
}
