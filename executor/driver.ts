// MesosExecutorDriver: the executor's handle on the agent (MesosExecutorDriver
// in src/exec/exec.cpp). It reads the environment the agent set, starts a
// libprocess runtime of its own unless given one, spawns the `executor(N)`
// process and forwards calls to it. Status transitions follow exec.cpp:
//
//   NOT_STARTED --start--> RUNNING --abort--> ABORTED --stop--> STOPPED
//                                  \----------stop------------/
//
// Calls in the wrong state do nothing and return the current status.

import {
  ProcessNotFoundError,
  startRuntime,
  type Logger,
  type Runtime,
  type UPID,
} from '../libprocess/index.js';
import { parseExecutorEnvironment, type Env } from './env.js';
import { ExecutorProcess } from './executor-process.js';
import { Status, type Executor, type ExecutorDriver, type TaskStatusInput } from './types.js';

export { Status, type Executor, type ExecutorDriver } from './types.js';
export { ExecutorEnvironmentError, parseExecutorEnvironment, type ExecutorEnvironment } from './env.js';

export interface ExecutorDriverOptions {
  /** The environment to read MESOS_* and LIBPROCESS_* from (default: process.env). */
  env?: Env;
  /** Run on this runtime instead of starting one (tests, or several drivers in one process). */
  runtime?: Runtime;
  /** Called when the shutdown grace period runs out (default: SIGKILL our process group). */
  suicide?: () => void;
  /** Logger for the executor's own lines, and for a runtime the driver starts. */
  log?: Logger;
}

/** ShutdownProcess::kill: SIGKILL the process group (ourselves included); exit 1 if still alive 5 s later. */
export function killOwnProcessGroup(): void {
  try {
    process.kill(0, 'SIGKILL');
  } catch {
    // Nothing else to try: exit below.
  }
  setTimeout(() => process.exit(1), 5_000);
}

class Latch {
  private triggered = false;
  private resolve: () => void = () => undefined;
  readonly done = new Promise<void>((resolve) => {
    this.resolve = resolve;
  });

  trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    this.resolve();
  }
}

export class MesosExecutorDriver implements ExecutorDriver {
  private status: Status = Status.DRIVER_NOT_STARTED;
  private starting: Promise<Status> | undefined;
  private runtime: Runtime | undefined;
  private process: ExecutorProcess | undefined;
  private readonly latch = new Latch();
  private released: Promise<void> = Promise.resolve();
  private ownedRuntime: Runtime | undefined;
  private readonly env: Env;

  constructor(
    private readonly executor: Executor,
    private readonly options: ExecutorDriverOptions = {},
  ) {
    this.env = options.env ?? process.env;
  }

  /** The executor process's UPID once started. */
  get pid(): UPID | undefined {
    return this.process?.spawned ? this.process.self : undefined;
  }

  /** The current driver status. */
  get state(): Status {
    return this.status;
  }

  /** (A method, so TypeScript does not keep a narrowing across an await.) */
  private currentStatus(): Status {
    return this.status;
  }

  /**
   * Rejects with ExecutorEnvironmentError when a required variable is missing or
   * malformed (Mesos exits the process with the same message).
   */
  start(): Promise<Status> {
    if (this.status !== Status.DRIVER_NOT_STARTED) return Promise.resolve(this.status);
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<Status> {
    const config = parseExecutorEnvironment(this.env);
    let runtime = this.options.runtime;
    if (runtime === undefined) {
      runtime = await startRuntime({ env: this.env, ...(this.options.log ? { log: this.options.log } : {}) });
      this.ownedRuntime = runtime;
    }
    this.runtime = runtime;
    this.process = new ExecutorProcess(config, this, this.executor, {
      triggerLatch: () => this.latch.trigger(),
      suicide: this.options.suicide ?? killOwnProcessGroup,
      log: this.options.log,
    });
    runtime.spawn(this.process);
    this.status = Status.DRIVER_RUNNING;
    return this.status;
  }

  /** Shuts down a runtime the driver started, once stopped and its messages are written. */
  private async releaseRuntime(runtime: Runtime): Promise<void> {
    await this.latch.done;
    if (this.process !== undefined) await runtime.wait(this.process);
    try {
      await runtime.settle(1_000);
    } catch {
      // Unsent messages to an unreachable agent: give up on them.
    }
    try {
      await runtime.shutdown();
    } catch (error) {
      runtime.log.warn({ err: error }, 'failed to shut down the executor runtime');
    }
  }

  stop(): Status {
    if (this.status !== Status.DRIVER_RUNNING && this.status !== Status.DRIVER_ABORTED) return this.status;
    const wasAborted = this.status === Status.DRIVER_ABORTED;
    this.status = Status.DRIVER_STOPPED;
    this.dispatch((p) => p.stop(), () => this.latch.trigger());
    if (this.ownedRuntime !== undefined) this.released = this.releaseRuntime(this.ownedRuntime);
    return wasAborted ? Status.DRIVER_ABORTED : this.status;
  }

  abort(): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (this.process !== undefined) this.process.aborted = true;
    this.dispatch((p) => p.abort(), () => this.latch.trigger());
    this.status = Status.DRIVER_ABORTED;
    return this.status;
  }

  /** Resolves once stopped or aborted; after stop() also once an owned runtime is closed. */
  async join(): Promise<Status> {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    await this.latch.done;
    if (this.currentStatus() === Status.DRIVER_STOPPED) await this.released;
    return this.currentStatus();
  }

  async run(): Promise<Status> {
    const status = await this.start();
    return status !== Status.DRIVER_RUNNING ? status : this.join();
  }

  sendStatusUpdate(status: TaskStatusInput): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    const copy = { ...status };
    this.dispatch((p) => p.sendStatusUpdate(copy));
    return this.status;
  }

  sendFrameworkMessage(data: Uint8Array | string): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Uint8Array.from(data);
    this.dispatch((p) => p.sendFrameworkMessage(bytes));
    return this.status;
  }

  /**
   * For a driver on a shared, long-lived runtime (`{ runtime }`), once it is stopped or
   * aborted: terminates the executor process if still there and the shutdown process, so
   * nothing of this executor (processes, timers) stays in the runtime. Mesos's driver
   * needs no such call because its executor's OS process exits.
   */
  release(): void {
    const { runtime, process } = this;
    if (runtime === undefined || process === undefined) return;
    process.releaseShutdownProcess();
    runtime.terminate(process);
  }

  /** Runs `fn` inside the executor process, after what is already queued there. */
  private dispatch(fn: (process: ExecutorProcess) => void, gone?: () => void): void {
    const { runtime, process } = this;
    if (runtime === undefined || process === undefined) return;
    runtime.dispatch(process, fn).catch((error: unknown) => {
      if (error instanceof ProcessNotFoundError) gone?.();
      else runtime.log.error({ err: error }, 'executor driver call failed');
    });
  }
}
