// V1ExecutorDriver: the ExecutorDriver interface (executor/types.ts) on top of
// the v1 HTTP library, so that an Executor written for MesosExecutorDriver
// (the command executor, for one) runs unchanged over the executor HTTP API.
// It is the reverse of Mesos 1.0's V0ToV1Adapter (src/executor/
// v0_v1executor.cpp): v1 events become the v0 callbacks, v0 calls become v1
// calls. Status transitions follow the v0 driver (exec.cpp):
//
//   NOT_STARTED --start--> RUNNING --abort--> ABORTED --stop--> STOPPED
//                                  \----------stop------------/
//
// Events are handed to the executor one at a time, in order. After SHUTDOWN
// (from the agent, or made by the library when the agent is gone for good)
// the executor's process group is killed once MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD
// has passed, unless it exits first (exec.cpp's ShutdownProcess); not with
// MESOS_LOCAL.

import type { Logger } from '../../libprocess/logging.js';
import { mesos } from '../../proto/index.js';
import { evolve } from '../../common/evolve.js';
import { killOwnProcessGroup } from '../driver.js';
import type { Env } from '../env.js';
import { Status, type Executor, type ExecutorDriver, type TaskStatusInput } from '../types.js';
import { V1Executor, type ContentTypeName, type Event, type V1ExecutorOptions, type V1ExecutorState } from './executor.js';

const EventType = mesos.v1.executor.Event.Type;

export interface V1ExecutorDriverOptions {
  /** The environment to read MESOS_* from (default: process.env). */
  env?: Env;
  /** Encoding of calls and events (default protobuf). */
  contentType?: ContentTypeName;
  /** Called when the shutdown grace period runs out (default: SIGKILL our process group). */
  suicide?: () => void;
  log?: Logger;
  /** Passed on to the library (timeouts, config overrides). */
  library?: Omit<V1ExecutorOptions, 'env' | 'contentType' | 'onStateChange'>;
}

export class V1ExecutorDriver implements ExecutorDriver {
  private status: Status = Status.DRIVER_NOT_STARTED;
  private library: V1Executor | undefined;
  private subscribedOnce = false;
  private suicideTimer: NodeJS.Timeout | undefined;
  private released!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.released = resolve));
  private closing: Promise<void> = Promise.resolve();

  constructor(
    private readonly executor: Executor,
    private readonly options: V1ExecutorDriverOptions = {},
  ) {}

  /** The current driver status. */
  get state(): Status {
    return this.status;
  }

  /** The library underneath, once started. */
  get v1(): V1Executor | undefined {
    return this.library;
  }

  /** (A method, so TypeScript does not keep a narrowing across an await.) */
  private currentStatus(): Status {
    return this.status;
  }

  /** Rejects with ExecutorEnvironmentError when a MESOS_* variable is missing or malformed. */
  start(): Promise<Status> {
    if (this.status !== Status.DRIVER_NOT_STARTED) return Promise.resolve(this.status);
    let library: V1Executor;
    try {
      library = new V1Executor({
        ...this.options.library,
        ...(this.options.env !== undefined ? { env: this.options.env } : {}),
        contentType: this.options.contentType ?? 'protobuf',
        onStateChange: (state, reason) => this.stateChanged(state, reason),
      });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.library = library;
    this.status = Status.DRIVER_RUNNING;
    library.start();
    void this.deliver(library);
    return Promise.resolve(this.status);
  }

  stop(): Status {
    if (this.status !== Status.DRIVER_RUNNING && this.status !== Status.DRIVER_ABORTED) return this.status;
    const wasAborted = this.status === Status.DRIVER_ABORTED;
    this.status = Status.DRIVER_STOPPED;
    // Calls in flight (a terminal update) are answered before the stream ends.
    const library = this.library;
    this.closing = (library?.close() ?? Promise.resolve()).catch((error: unknown) => {
      this.options.log?.warn({ err: error }, 'failed to close the executor library');
    });
    void this.closing.then(() => this.released());
    return wasAborted ? Status.DRIVER_ABORTED : this.status;
  }

  /**
   * For a driver in a shared, long-lived process (the command executor host), once it
   * is stopped or aborted: drops the shutdown timer and closes the library, so nothing of
   * this executor stays behind (MesosExecutorDriver.release's counterpart).
   */
  release(): void {
    clearTimeout(this.suicideTimer);
    this.suicideTimer = undefined;
    if (this.status === Status.DRIVER_ABORTED) {
      this.library?.close().catch((error: unknown) => this.options.log?.warn({ err: error }, 'failed to close the executor library'));
    }
  }

  abort(): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    this.status = Status.DRIVER_ABORTED;
    this.released();
    return this.status;
  }

  /** Resolves once stopped (and the library closed) or aborted. */
  async join(): Promise<Status> {
    if (this.status === Status.DRIVER_NOT_STARTED) return this.status;
    await this.done;
    if (this.currentStatus() === Status.DRIVER_STOPPED) await this.closing;
    return this.currentStatus();
  }

  async run(): Promise<Status> {
    const status = await this.start();
    return status !== Status.DRIVER_RUNNING ? status : this.join();
  }

  sendStatusUpdate(status: TaskStatusInput): Status {
    if (this.status !== Status.DRIVER_RUNNING || this.library === undefined) return this.status;
    const v1 = evolve(mesos.TaskStatus, mesos.v1.TaskStatus, { ...status, source: mesos.TaskStatus.Source.SOURCE_EXECUTOR });
    // A driver replaces any uuid given (exec.cpp): every update is a new one.
    delete (v1 as { uuid?: Uint8Array }).uuid;
    this.library.update(v1).catch((error: unknown) => this.failed('status update', error));
    return this.status;
  }

  sendFrameworkMessage(data: Uint8Array | string): Status {
    if (this.status !== Status.DRIVER_RUNNING || this.library === undefined) return this.status;
    this.library.message(data).catch((error: unknown) => this.failed('framework message', error));
    return this.status;
  }

  // ------------------------------------------------------------ internals

  private failed(what: string, error: unknown): void {
    this.options.log?.warn({ err: error }, `failed to send a ${what} to the agent`);
  }

  private stateChanged(state: V1ExecutorState, reason: string | undefined): void {
    this.options.log?.info({ state, reason }, 'executor connection state');
    if (state === 'DISCONNECTED' && this.subscribedOnce && this.status === Status.DRIVER_RUNNING) {
      this.executor.disconnected(this);
    }
  }

  /** Hands the events to the executor, one at a time, while the driver runs. */
  private async deliver(library: V1Executor): Promise<void> {
    for await (const event of library.events()) {
      if (this.status !== Status.DRIVER_RUNNING) {
        this.options.log?.debug({ event: EventType[event.type] }, 'ignoring an event: the driver is not running');
        continue;
      }
      try {
        this.dispatch(event);
      } catch (error) {
        this.options.log?.error({ err: error, event: EventType[event.type] }, 'executor callback threw');
      }
    }
  }

  private dispatch(event: Event): void {
    const executor = this.executor;
    switch (event.type) {
      case EventType.SUBSCRIBED: {
        const subscribed = event.subscribed;
        if (subscribed === undefined || subscribed === null) return;
        const agentInfo = evolve(mesos.v1.AgentInfo, mesos.SlaveInfo, subscribed.agent_info);
        if (!this.subscribedOnce) {
          this.subscribedOnce = true;
          executor.registered(
            this,
            evolve(mesos.v1.ExecutorInfo, mesos.ExecutorInfo, subscribed.executor_info),
            evolve(mesos.v1.FrameworkInfo, mesos.FrameworkInfo, subscribed.framework_info),
            agentInfo,
          );
        } else {
          executor.reregistered(this, agentInfo);
        }
        return;
      }
      case EventType.LAUNCH:
        if (event.launch) executor.launchTask(this, evolve(mesos.v1.TaskInfo, mesos.TaskInfo, event.launch.task));
        return;
      case EventType.KILL: {
        const kill = event.kill;
        if (kill === undefined || kill === null) return;
        const policy = kill.kill_policy ? evolve(mesos.v1.KillPolicy, mesos.KillPolicy, kill.kill_policy) : undefined;
        executor.killTask(this, evolve(mesos.v1.TaskID, mesos.TaskID, kill.task_id), policy);
        return;
      }
      case EventType.ACKNOWLEDGED:
        if (event.acknowledged) {
          executor.acknowledged?.(this, evolve(mesos.v1.TaskID, mesos.TaskID, event.acknowledged.task_id), event.acknowledged.uuid);
        }
        return;
      case EventType.MESSAGE:
        if (event.message) executor.frameworkMessage(this, event.message.data);
        return;
      case EventType.SHUTDOWN:
        this.scheduleSuicide();
        executor.shutdown(this);
        return;
      case EventType.ERROR:
        executor.error(this, event.error?.message ?? '');
        return;
      default:
        this.options.log?.warn({ type: event.type }, 'ignoring an event of unknown type');
    }
  }

  /** exec.cpp's ShutdownProcess: kill our process group after the grace period, unless we are gone by then. */
  private scheduleSuicide(): void {
    const library = this.library;
    if (library === undefined || library.config.local || this.suicideTimer !== undefined) return;
    const suicide = this.options.suicide ?? killOwnProcessGroup;
    this.suicideTimer = setTimeout(suicide, library.config.shutdownGracePeriodMs);
    // Exiting on our own is the point: the timer must not keep the process alive.
    this.suicideTimer.unref();
  }
}
