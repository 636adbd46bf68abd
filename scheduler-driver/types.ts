// The scheduler API of Mesos 1.0 (include/mesos/scheduler.hpp): the callbacks a
// framework implements and the driver it talks to the master through.

import { mesos } from '../proto/index.js';

/** Driver states (mesos.proto's `Status`). */
export const Status = mesos.Status;
export type Status = mesos.Status;

// What the driver hands to callbacks: decoded messages (proto2 defaults on the
// prototype; test presence with `has(message, 'field')` from proto/).
export type FrameworkID = mesos.FrameworkID;
export type MasterInfo = mesos.MasterInfo;
export type Offer = mesos.Offer;
export type OfferID = mesos.OfferID;
export type TaskStatus = mesos.TaskStatus;
export type ExecutorID = mesos.ExecutorID;
export type SlaveID = mesos.SlaveID;

// What callers pass in: plain objects in the generated shapes.
export type FrameworkInfoInput = mesos.FrameworkInfo.$Properties;
export type CredentialInput = mesos.Credential.$Properties;
export type RequestInput = mesos.Request.$Properties;
export type OfferIDInput = mesos.OfferID.$Properties;
export type TaskInfoInput = mesos.TaskInfo.$Properties;
export type TaskIDInput = mesos.TaskID.$Properties;
export type FiltersInput = mesos.Filters.$Properties;
export type OperationInput = mesos.Offer.Operation.$Properties;
export type TaskStatusInput = mesos.TaskStatus.$Properties;
export type ExecutorIDInput = mesos.ExecutorID.$Properties;
export type SlaveIDInput = mesos.SlaveID.$Properties;

/** A callback may return a promise; see `statusUpdate` for what the driver does with it. */
export type CallbackResult = void | Promise<void>;

/**
 * Scheduler callbacks. The driver invokes them one at a time, inside its
 * process, in the order the events arrived; driver methods called from a
 * callback take effect after it returns (they are queued behind it), as in 1.0.
 */
export interface Scheduler {
  /** Registered with the master (also after a scheduler failover with `FrameworkInfo.id` set). */
  registered(driver: SchedulerDriver, frameworkId: FrameworkID, masterInfo: MasterInfo): CallbackResult;
  /** Re-registered with a (possibly new) master after a disconnection. */
  reregistered(driver: SchedulerDriver, masterInfo: MasterInfo): CallbackResult;
  /** The master became unreachable; the driver keeps trying to re-register. */
  disconnected(driver: SchedulerDriver): CallbackResult;
  resourceOffers(driver: SchedulerDriver, offers: Offer[]): CallbackResult;
  offerRescinded(driver: SchedulerDriver, offerId: OfferID): CallbackResult;
  /**
   * A task status update. With implicit acknowledgements the driver
   * acknowledges it once the callback returns; if the callback returns a
   * promise, once that resolves (not if it rejects: the agent then resends the
   * update). An addition to 1.0, where callbacks are synchronous.
   */
  statusUpdate(driver: SchedulerDriver, status: TaskStatus): CallbackResult;
  frameworkMessage(driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, data: Uint8Array): CallbackResult;
  slaveLost(driver: SchedulerDriver, slaveId: SlaveID): CallbackResult;
  /** `status` is the executor's wait status as the agent reports it. */
  executorLost(driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, status: number): CallbackResult;
  /** An unrecoverable error; the driver is already aborted when this runs. */
  error(driver: SchedulerDriver, message: string): CallbackResult;
}

export interface SchedulerDriver {
  /** Starts the runtime (unless one was given), finds the master and registers. */
  start(): Promise<Status>;
  /** Stops the driver; without `failover` the framework is torn down (its tasks are killed). */
  stop(failover?: boolean): Status;
  /** Stops handling events; the master deactivates the framework. join() returns DRIVER_ABORTED. */
  abort(): Status;
  /** Resolves once the driver is stopped or aborted. */
  join(): Promise<Status>;
  /** start() then join(). */
  run(): Promise<Status>;
  requestResources(requests: RequestInput[]): Status;
  launchTasks(offerIds: OfferIDInput | OfferIDInput[], tasks: TaskInfoInput[], filters?: FiltersInput): Status;
  killTask(taskId: TaskIDInput): Status;
  acceptOffers(offerIds: OfferIDInput[], operations: OperationInput[], filters?: FiltersInput): Status;
  declineOffer(offerId: OfferIDInput, filters?: FiltersInput): Status;
  reviveOffers(): Status;
  suppressOffers(): Status;
  /** Only with implicit acknowledgements off; throws otherwise (1.0 aborts the process). */
  acknowledgeStatusUpdate(status: TaskStatusInput): Status;
  sendFrameworkMessage(executorId: ExecutorIDInput, slaveId: SlaveIDInput, data: Uint8Array | string): Status;
  /** Explicit reconciliation for the given tasks, implicit (all tasks) for an empty list. */
  reconcileTasks(statuses: TaskStatusInput[]): Status;
}
