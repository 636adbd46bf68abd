// MesosSchedulerDriver: a framework's handle on the master (include/mesos/scheduler.hpp
// and MesosSchedulerDriver in src/sched/sched.cpp, Mesos 1.0). It finds the
// master, starts a libprocess runtime of its own unless given one, spawns the
// `scheduler-<uuid>` process and forwards calls to it. Status transitions
// follow sched.cpp:
//
//   NOT_STARTED --start--> RUNNING --abort--> ABORTED --stop--> STOPPED
//        \--(bad master/flags)--> ABORTED \----------stop------------/
//
// Calls in any other state than RUNNING do nothing and return the current status.

import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { ProcessNotFoundError, startRuntime, type Logger, type Runtime, type UPID } from '../libprocess/index.js';
import { DEFAULT_AUTHENTICATEE, loadSchedulerFlags } from './flags.js';
import { detectMaster, type DetectOptions } from './master-address.js';
import { SchedulerProcess } from './scheduler-process.js';
import {
  Status,
  type CredentialInput,
  type ExecutorIDInput,
  type FiltersInput,
  type FrameworkInfoInput,
  type OfferIDInput,
  type OperationInput,
  type RequestInput,
  type Scheduler,
  type SchedulerDriver,
  type SlaveIDInput,
  type TaskIDInput,
  type TaskInfoInput,
  type TaskStatusInput,
} from './types.js';

export * from './types.js';
export { detectMaster, createMasterInfo, type DetectedMaster, type DetectOptions } from './master-address.js';
export {
  DEFAULT_REGISTRATION_BACKOFF_FACTOR_MS,
  REGISTRATION_RETRY_INTERVAL_MAX_MS,
  loadSchedulerFlags,
  type SchedulerFlags,
} from './flags.js';
export { cramMd5Response } from './authenticatee.js';

export interface SchedulerDriverOptions {
  /** Run on this runtime instead of starting one (tests, or several drivers in one process). */
  runtime?: Runtime;
  /** Where MESOS_* flags (and LIBPROCESS_* for a runtime the driver starts) are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Logger for a runtime the driver starts. */
  log?: Logger;
  /** Random numbers in [0, 1) for the backoffs (tests). */
  random?: () => number;
  /** Overrides for finding the master (tests). */
  detect?: DetectOptions;
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

function isCredential(value: unknown): value is CredentialInput {
  return typeof value === 'object' && value !== null && typeof (value as { principal?: unknown }).principal === 'string';
}

export class MesosSchedulerDriver implements SchedulerDriver {
  private status: Status = Status.DRIVER_NOT_STARTED;
  private starting: Promise<Status> | undefined;
  private runtime: Runtime | undefined;
  private ownedRuntime: Runtime | undefined;
  private process: SchedulerProcess | undefined;
  private readonly latch = new Latch();
  private released: Promise<void> = Promise.resolve();
  private readonly framework: FrameworkInfoInput;
  private readonly implicitAcknowledgements: boolean;
  private readonly credential: CredentialInput | undefined;
  private readonly schedulerId = `scheduler-${randomUUID()}`;

  /**
   * As 1.0's constructors: `(scheduler, framework, master)`, `(…, credential)`,
   * `(…, implicitAcknowledgements)` and `(…, implicitAcknowledgements, credential)`.
   * `master` is `host:port`, `master@host:port` or `file:///path` holding one of those.
   * An empty `user` becomes the current user and an empty `hostname` this host's name.
   */
  constructor(
    private readonly scheduler: Scheduler,
    framework: FrameworkInfoInput,
    private readonly master: string,
    implicitAcknowledgements: boolean | CredentialInput = true,
    credential?: CredentialInput,
    private readonly options: SchedulerDriverOptions = {},
  ) {
    if (isCredential(implicitAcknowledgements)) {
      this.implicitAcknowledgements = true;
      this.credential = structuredClone(implicitAcknowledgements);
    } else {
      this.implicitAcknowledgements = implicitAcknowledgements;
      this.credential = credential === undefined ? undefined : structuredClone(credential);
    }
    this.framework = structuredClone(framework);
    if (!this.framework.user) this.framework.user = os.userInfo().username;
    if (!this.framework.hostname) this.framework.hostname = os.hostname();
  }

  /** The scheduler process's UPID once started. */
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

  /** Never rejects: a master that cannot be found or bad MESOS_* flags abort the driver through `error`. */
  start(): Promise<Status> {
    if (this.status !== Status.DRIVER_NOT_STARTED) return Promise.resolve(this.status);
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private fail(message: string): Status {
    this.status = Status.DRIVER_ABORTED;
    try {
      const result = this.scheduler.error(this, message);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // A throwing error callback changes nothing here.
    }
    return this.status;
  }

  private async doStart(): Promise<Status> {
    const env = this.options.env ?? process.env;
    const detected = await detectMaster(this.master, this.options.detect);
    if (!detected.ok) return this.fail(`Failed to create a master detector for '${this.master}': ${detected.error}`);
    const flags = loadSchedulerFlags(env);
    if (!flags.ok) return this.fail(flags.error);
    if (this.credential !== undefined && flags.flags.authenticatee !== DEFAULT_AUTHENTICATEE) {
      return this.fail(`Could not create authenticatee module '${flags.flags.authenticatee}': modules are not supported by this build`);
    }
    let runtime = this.options.runtime;
    if (runtime === undefined) {
      try {
        // A master on loopback can only be reached from this machine: stay on
        // loopback too unless LIBPROCESS_IP says otherwise (an addition to 1.0,
        // which advertises the host's address).
        const loopbackMaster = detected.master.pid.host.startsWith('127.') && (env['LIBPROCESS_IP'] ?? '') === '';
        runtime = await startRuntime({
          env,
          ...(loopbackMaster ? { ip: '127.0.0.1' } : {}),
          ...(this.options.log ? { log: this.options.log } : {}),
        });
      } catch (error) {
        return this.fail(`Failed to initialize libprocess: ${(error as Error).message}`);
      }
      this.ownedRuntime = runtime;
    }
    this.runtime = runtime;
    for (const warning of flags.warnings) runtime.log.warn(warning);
    if (runtime.address.startsWith('127.') && !detected.master.pid.host.startsWith('127.')) {
      runtime.log.warn(
        'Scheduler driver bound to loopback interface! Cannot communicate with remote master(s).' +
          " You might want to set 'LIBPROCESS_IP' environment variable to use a routable IP address.",
      );
    }
    this.process = new SchedulerProcess(
      {
        id: this.schedulerId,
        framework: this.framework,
        master: detected.master,
        implicitAcknowledgements: this.implicitAcknowledgements,
        credential: this.credential,
        flags: flags.flags,
        random: this.options.random ?? Math.random,
      },
      this,
      this.scheduler,
      { triggerLatch: () => this.latch.trigger(), abortDriver: () => this.abort() },
    );
    runtime.spawn(this.process);
    this.status = Status.DRIVER_RUNNING;
    return this.status;
  }

  /** Shuts down a runtime the driver started, once stopped and its last messages are written. */
  private async releaseRuntime(runtime: Runtime): Promise<void> {
    await this.latch.done;
    if (this.process !== undefined) await runtime.wait(this.process);
    try {
      await runtime.settle(1_000);
    } catch {
      // Messages to an unreachable master: give up on them.
    }
    try {
      await runtime.shutdown();
    } catch (error) {
      runtime.log.warn({ err: error }, 'failed to shut down the scheduler runtime');
    }
  }

  /**
   * Without `failover` the master tears the framework down (its tasks are
   * killed); with it the framework stays, for a new driver with the same
   * FrameworkInfo.id to take over within its failover_timeout.
   */
  stop(failover = false): Status {
    if (this.status !== Status.DRIVER_RUNNING && this.status !== Status.DRIVER_ABORTED) return this.status;
    const process = this.process;
    if (process !== undefined) {
      process.running = false;
      this.dispatch((p) => p.stop(failover), () => this.latch.trigger());
    }
    const aborted = this.status === Status.DRIVER_ABORTED;
    this.status = Status.DRIVER_STOPPED;
    if (this.ownedRuntime !== undefined) this.released = this.releaseRuntime(this.ownedRuntime);
    return aborted ? Status.DRIVER_ABORTED : this.status;
  }

  abort(): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (this.process !== undefined) this.process.running = false;
    this.dispatch((p) => p.abort(), () => this.latch.trigger());
    this.status = Status.DRIVER_ABORTED;
    return this.status;
  }

  /** Resolves once stopped or aborted; after stop() also once an owned runtime is closed. */
  async join(): Promise<Status> {
    if (this.process === undefined) return this.status;
    await this.latch.done;
    if (this.currentStatus() === Status.DRIVER_STOPPED) await this.released;
    return this.currentStatus();
  }

  async run(): Promise<Status> {
    const status = await this.start();
    return status !== Status.DRIVER_RUNNING ? status : this.join();
  }

  requestResources(requests: RequestInput[]): Status {
    return this.whenRunning((p, copy) => p.requestResources(copy), requests);
  }

  /** `offerIds` may be one OfferID (1.0's single-offer overload). */
  launchTasks(offerIds: OfferIDInput | OfferIDInput[], tasks: TaskInfoInput[], filters: FiltersInput = {}): Status {
    const ids = Array.isArray(offerIds) ? offerIds : [offerIds];
    return this.whenRunning((p, copy) => p.launchTasks(copy.ids, copy.tasks, copy.filters), { ids, tasks, filters });
  }

  killTask(taskId: TaskIDInput): Status {
    return this.whenRunning((p, copy) => p.killTask(copy), taskId);
  }

  acceptOffers(offerIds: OfferIDInput[], operations: OperationInput[], filters: FiltersInput = {}): Status {
    return this.whenRunning((p, copy) => p.acceptOffers(copy.offerIds, copy.operations, copy.filters), {
      offerIds,
      operations,
      filters,
    });
  }

  declineOffer(offerId: OfferIDInput, filters: FiltersInput = {}): Status {
    return this.whenRunning((p, copy) => p.declineOffer(copy.offerId, copy.filters), { offerId, filters });
  }

  reviveOffers(): Status {
    return this.whenRunning((p) => p.reviveOffers(), undefined);
  }

  suppressOffers(): Status {
    return this.whenRunning((p) => p.suppressOffers(), undefined);
  }

  acknowledgeStatusUpdate(status: TaskStatusInput): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (this.implicitAcknowledgements) {
      // 1.0 aborts the whole program here.
      throw new Error('Cannot call acknowledgeStatusUpdate: Implicit acknowledgements are enabled');
    }
    return this.whenRunning((p, copy) => p.acknowledgeStatusUpdate(copy), status);
  }

  sendFrameworkMessage(executorId: ExecutorIDInput, slaveId: SlaveIDInput, data: Uint8Array | string): Status {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.whenRunning((p, copy) => p.sendFrameworkMessage(copy.executorId, copy.slaveId, copy.bytes), {
      executorId,
      slaveId,
      bytes,
    });
  }

  reconcileTasks(statuses: TaskStatusInput[]): Status {
    return this.whenRunning((p, copy) => p.reconcileTasks(copy), statuses);
  }

  /** Copies `args` (the caller may reuse its objects) and runs `fn` in the process when RUNNING. */
  private whenRunning<A>(fn: (process: SchedulerProcess, args: A) => void, args: A): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    const copy = structuredClone(args);
    this.dispatch((p) => fn(p, copy));
    return this.status;
  }

  /** Runs `fn` inside the scheduler process, after what is already queued there. */
  private dispatch(fn: (process: SchedulerProcess) => void, gone?: () => void): void {
    const { runtime, process } = this;
    if (runtime === undefined || process === undefined) return;
    runtime.dispatch(process, fn).catch((error: unknown) => {
      if (error instanceof ProcessNotFoundError) gone?.();
      else runtime.log.error({ err: error }, 'scheduler driver call failed');
    });
  }
}
