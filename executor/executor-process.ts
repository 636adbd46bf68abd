// The libprocess side of the executor driver: the `executor(N)` process that
// registers with the agent, turns agent messages into Executor callbacks and
// wraps outgoing TaskStatus into StatusUpdateMessages (ExecutorProcess in
// src/exec/exec.cpp). It keeps unacknowledged updates and tasks so that a
// recovering agent gets them back in ReregisterExecutorMessage.

import { randomUUID } from 'node:crypto';
import { Process, type Logger, type Timer, type UPID } from '../libprocess/index.js';
import { mesos, has } from '../proto/index.js';
import type { ExecutorEnvironment } from './env.js';
import type { Executor, ExecutorDriver, TaskStatusInput } from './types.js';
import { uuidBytes, uuidText } from './uuid.js';

type StatusUpdate = mesos.internal.StatusUpdate.$Properties;
type TaskInfo = mesos.TaskInfo.$Properties;

export interface ExecutorProcessHooks {
  /** Releases the driver's join() (libprocess's Latch::trigger). */
  triggerLatch(): void;
  /** Kills this executor's process group (ShutdownProcess::kill). */
  suicide(): void;
  /** Where this executor's own log lines go (default: the runtime's logger). */
  log?: Logger | undefined;
}

/**
 * The relic of pre-cgroup isolation that exec.cpp keeps: once an executor is
 * told to shut down (or loses a non-checkpointing agent) it kills its own
 * process group after the shutdown grace period, unless it exits first.
 */
export class ShutdownProcess extends Process {
  private timer: Timer | undefined;

  constructor(
    private readonly gracePeriodMs: number,
    private readonly suicide: () => void,
    private readonly log?: Logger,
  ) {
    super('__shutdown_executor__()');
  }

  protected override initialize(): void {
    const log = this.log ?? this.runtime.log;
    log.debug({ gracePeriodMs: this.gracePeriodMs }, 'Scheduling shutdown of the executor');
    this.timer = this.delay(this.gracePeriodMs, () => {
      log.debug('Committing suicide by killing the process group');
      this.suicide();
    });
  }

  /** Terminated before the grace period ran out (several executors share one runtime): no timer is left behind. */
  protected override finalize(): void {
    this.timer?.cancel();
  }
}

export class ExecutorProcess extends Process {
  /** Written by the driver's abort() too (exec.cpp's atomic `aborted`). */
  aborted = false;
  private agent: UPID;
  private connected = false;
  /** Identifies one registration with the agent (a recovery timeout belongs to one). */
  private connection = randomUUID();
  /** Unacknowledged updates by uuid (hex), in send order. */
  private readonly updates = new Map<string, StatusUpdate>();
  /** Tasks not yet acknowledged (through an update) by the agent, by task id. */
  private readonly tasks = new Map<string, TaskInfo>();
  private recoveryTimer: Timer | undefined;
  private shutdownProcess: ShutdownProcess | undefined;
  /** The checkpointing agent went away; waiting for it to recover and reconnect. */
  private awaitingAgent = false;
  /** stop() came while awaiting the agent with updates unacknowledged: done once they are. */
  private stopPending = false;

  constructor(
    private readonly config: ExecutorEnvironment,
    private readonly driver: ExecutorDriver,
    private readonly executor: Executor,
    private readonly hooks: ExecutorProcessHooks,
  ) {
    super('executor()');
    this.agent = config.agent;
  }

  /** Unacknowledged status updates, oldest first (for tests and diagnostics). */
  get unacknowledgedUpdates(): readonly StatusUpdate[] {
    return [...this.updates.values()];
  }

  /** Tasks the agent has not yet seen an update for. */
  get unacknowledgedTasks(): readonly TaskInfo[] {
    return [...this.tasks.values()];
  }

  private get log(): Logger {
    return this.hooks.log ?? this.runtime.log;
  }

  protected override initialize(): void {
    const { frameworkId, executorId } = this.config;
    this.log.info({ upid: this.self.toString(), osPid: process.pid }, 'Executor started');
    this.install(mesos.internal.ExecutorRegisteredMessage, (_from, m) => this.registered(m));
    this.install(mesos.internal.ExecutorReregisteredMessage, (_from, m) => this.reregistered(m));
    this.install(mesos.internal.ReconnectExecutorMessage, (from, m) => this.reconnect(from, m));
    this.install(mesos.internal.RunTaskMessage, (_from, m) => this.runTask(m.task));
    this.install(mesos.internal.KillTaskMessage, (_from, m) => this.killTask(m));
    this.install(mesos.internal.StatusUpdateAcknowledgementMessage, (_from, m) => this.acknowledgement(m));
    this.install(mesos.internal.FrameworkToExecutorMessage, (_from, m) => this.frameworkMessage(m.data));
    this.install(mesos.internal.ShutdownExecutorMessage, () => this.shutdown());

    this.link(this.agent);
    this.sendProto(this.agent, mesos.internal.RegisterExecutorMessage, {
      framework_id: { value: frameworkId },
      executor_id: { value: executorId },
    });
  }

  private ignoring(what: string): boolean {
    if (!this.aborted) return false;
    this.log.debug(`Ignoring ${what} because the driver is aborted!`);
    return true;
  }

  private registered(message: mesos.internal.ExecutorRegisteredMessage): void {
    if (this.ignoring('registered message')) return;
    this.log.info({ agentId: message.slave_id.value }, 'Executor registered on agent');
    this.connected = true;
    this.connection = randomUUID();
    this.executor.registered(this.driver, message.executor_info, message.framework_info, message.slave_info);
  }

  private reregistered(message: mesos.internal.ExecutorReregisteredMessage): void {
    if (this.ignoring('re-registered message')) return;
    this.log.info({ agentId: message.slave_id.value }, 'Executor re-registered on agent');
    this.connected = true;
    this.awaitingAgent = false;
    this.connection = randomUUID();
    this.executor.reregistered(this.driver, message.slave_info);
    this.stopIfDone();
  }

  /** A recovered agent asks us to re-register, with everything it may have missed. */
  private reconnect(from: UPID, message: mesos.internal.ReconnectExecutorMessage): void {
    if (this.ignoring('reconnect message')) return;
    this.log.info({ agentId: message.slave_id.value }, 'Received reconnect request from agent');
    this.agent = from;
    this.link(this.agent);
    this.sendProto(this.agent, mesos.internal.ReregisterExecutorMessage, {
      executor_id: { value: this.config.executorId },
      framework_id: { value: this.config.frameworkId },
      updates: [...this.updates.values()],
      tasks: [...this.tasks.values()],
    });
  }

  private runTask(task: TaskInfo): void {
    if (this.ignoring('run task message')) return;
    const id = task.task_id.value;
    if (this.tasks.has(id)) {
      // exec.cpp CHECK-fails here; we refuse the duplicate instead of dying.
      this.log.error({ taskId: id }, 'Unexpected duplicate task');
      return;
    }
    this.tasks.set(id, task);
    this.executor.launchTask(this.driver, task);
  }

  private killTask(message: mesos.internal.KillTaskMessage): void {
    if (this.ignoring('kill task message')) return;
    const policy = has(message, 'kill_policy') ? (message.kill_policy ?? undefined) : undefined;
    this.executor.killTask(this.driver, message.task_id, policy);
  }

  private acknowledgement(message: mesos.internal.StatusUpdateAcknowledgementMessage): void {
    if (message.uuid.length !== 16) {
      this.log.error({ taskId: message.task_id.value }, 'Ignoring acknowledgement with an invalid uuid');
      return;
    }
    const uuid = uuidText(message.uuid);
    if (this.ignoring(`status update acknowledgement ${uuid}`)) return;
    this.updates.delete(uuid);
    this.tasks.delete(message.task_id.value);
    this.executor.acknowledged?.(this.driver, message.task_id, message.uuid);
    this.stopIfDone();
  }

  private frameworkMessage(data: Uint8Array): void {
    if (this.ignoring('framework message')) return;
    this.executor.frameworkMessage(this.driver, data);
  }

  private startShutdownProcess(): void {
    if (!this.config.local && this.shutdownProcess === undefined) {
      this.shutdownProcess = new ShutdownProcess(this.config.shutdownGracePeriodMs, this.hooks.suicide, this.hooks.log);
      this.runtime.spawn(this.shutdownProcess);
    }
  }

  /**
   * Ends the shutdown process, if one was started, before its grace period runs out. For
   * executors sharing a long-lived runtime; a lone executor's process simply exits.
   */
  releaseShutdownProcess(): void {
    if (this.shutdownProcess?.spawned) this.runtime.terminate(this.shutdownProcess);
  }

  protected override finalize(): void {
    this.recoveryTimer?.cancel();
  }

  private shutdown(): void {
    if (this.ignoring('shutdown message')) return;
    this.log.info('Executor asked to shutdown');
    this.startShutdownProcess();
    this.executor.shutdown(this.driver);
    this.aborted = true;
    if (this.config.local) this.terminate();
    if (this.stopPending) {
      this.stopPending = false;
      this.stop();
    }
  }

  protected override exited(pid: UPID): void {
    if (this.ignoring(`exited event for ${pid.toString()}`)) return;
    if (this.config.checkpoint && this.connected) {
      // A checkpointing agent can come back and reconnect (agent recovery).
      this.connected = false;
      this.awaitingAgent = true;
      this.log.info(
        { recoveryTimeoutMs: this.config.recoveryTimeoutMs, agentId: this.config.agentId },
        'Agent exited, but framework has checkpointing enabled. Waiting to reconnect with agent',
      );
      const connection = this.connection;
      this.recoveryTimer?.cancel();
      this.recoveryTimer = this.delay(this.config.recoveryTimeoutMs, () => this.recoveryTimeout(connection));
      return;
    }
    this.log.info('Agent exited ... shutting down');
    this.connected = false;
    this.startShutdownProcess();
    this.executor.shutdown(this.driver);
    this.aborted = true;
    if (this.config.local) this.terminate();
  }

  private recoveryTimeout(connection: string): void {
    if (this.connected) return;
    if (this.connection === connection) {
      this.log.info(
        { recoveryTimeoutMs: this.config.recoveryTimeoutMs },
        'Recovery timeout exceeded; Shutting down',
      );
      this.shutdown();
    }
  }

  // ------------------------------------------------------- from the driver

  sendStatusUpdate(status: TaskStatusInput): void {
    const uuid = uuidBytes();
    const timestamp = this.runtime.clock.now() / 1000;
    const agentId = { value: this.config.agentId };
    const update: StatusUpdate = {
      framework_id: { value: this.config.frameworkId },
      executor_id: { value: this.config.executorId },
      slave_id: agentId,
      // The agent stamps the source too (Slave::statusUpdate); the v1 API requires it.
      status: { ...status, source: mesos.TaskStatus.Source.SOURCE_EXECUTOR, timestamp, uuid, slave_id: agentId },
      timestamp,
      uuid,
    };
    this.updates.set(uuidText(uuid), update);
    this.sendProto(this.agent, mesos.internal.StatusUpdateMessage, { update, pid: this.self.toString() });
  }

  sendFrameworkMessage(data: Uint8Array): void {
    this.sendProto(this.agent, mesos.internal.ExecutorToFrameworkMessage, {
      slave_id: { value: this.config.agentId },
      framework_id: { value: this.config.frameworkId },
      executor_id: { value: this.config.executorId },
      data,
    });
  }

  /**
   * Stops the driver. An extension of exec.cpp: while a checkpointing agent is
   * away (it may be recovering) and updates are unacknowledged, the stop waits
   * until the recovered agent has them, or the recovery timeout, so that an
   * update sent while the agent was down is not lost with the executor.
   */
  stop(): void {
    if (this.awaitingAgent && this.updates.size > 0 && !this.aborted) {
      this.log.info({ unacknowledged: this.updates.size }, 'Stopping once the agent is back and has acknowledged the pending status updates');
      this.stopPending = true;
      return;
    }
    this.terminate();
    this.hooks.triggerLatch();
  }

  private stopIfDone(): void {
    if (!this.stopPending || this.awaitingAgent || this.updates.size > 0) return;
    this.stopPending = false;
    this.stop();
  }

  abort(): void {
    this.log.info('Deactivating the executor libprocess');
    this.hooks.triggerLatch();
  }
}
