// The command executor (CommandExecutor in src/launcher/executor.cpp): runs the
// single task's CommandInfo, reports TASK_RUNNING and then how it ended, and
// kills it on request with SIGTERM escalating to SIGKILL after a grace period.
// It speaks to the agent through MesosExecutorDriver, as 1.0's does through the
// v0 driver (V0ToV1Adapter) unless MESOS_HTTP_COMMAND_EXECUTOR=1.

import { formatStoutDuration } from '../common/flags-values.js';
import { has, mesos } from '../proto/index.js';
import { signalTree, treeAlive } from './process-tree.js';
import { describeExit, LaunchError, planLaunch, startTask, type ExitStatus, type Launch, type RunningTask } from './task-launcher.js';
import type { Executor, ExecutorDriver, ExecutorInfo, FrameworkInfo, KillPolicy, SlaveInfo, TaskID, TaskInfo } from './types.js';

type CommandInfo = mesos.CommandInfo.$Properties;
const TaskState = mesos.TaskState;

/** Kill grace period when neither the kill nor the task has a KillPolicy (1.0 keeps 3 s for compatibility). */
export const DEFAULT_KILL_GRACE_PERIOD_MS = 3_000;
/** libprocess's MAX_REAP_INTERVAL, which 1.0 keeps out of the shutdown grace period. */
export const MAX_REAP_INTERVAL_MS = 1_000;
/**
 * How long we wait for the agent to acknowledge the terminal update before exiting. 1.0
 * sleeps 1 s, and its agent notices the exit up to a reap interval (1 s) later. Ours sees
 * the exit at once, and may handle it before an update still queued on its socket when it
 * is loaded (100 executors starting at once), failing a finished task. The agent
 * acknowledges as soon as it has the update, so the wait normally ends well before this.
 */
export const TERMINAL_ACK_TIMEOUT_MS = 10_000;
/**
 * After a shutdown the driver no longer handles acknowledgements (exec.cpp's
 * `aborted`), so none can end the wait: exit after 1.0's 1 s sleep instead.
 */
export const SHUTDOWN_EXIT_DELAY_MS = 1_000;

export interface CommandExecutorOptions {
  /** MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, ms. */
  readonly shutdownGracePeriodMs: number;
  /** The task's working directory (the sandbox). */
  readonly sandbox: string;
  /** Environment the task starts from (ours). */
  readonly env: NodeJS.ProcessEnv;
  /** `--user`. */
  readonly user?: string | undefined;
  /** `--task_command`: run this instead of the task's CommandInfo. */
  readonly taskCommand?: CommandInfo | undefined;
  /** Progress lines (1.0 prints them on stdout). */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  /** How long to wait for the terminal update's acknowledgement (default TERMINAL_ACK_TIMEOUT_MS). */
  readonly ackTimeoutMs?: number;
  /**
   * Starts the task instead of spawning it here (the shared executor host: through the
   * agent's launch helper, which also switches user, so `plan` carries no user switch).
   * `plan` is the environment and argv worked out from `command`. Rejects with LaunchError.
   */
  readonly start?: (plan: Launch, command: CommandInfo) => Promise<RunningTask>;
  /**
   * Kills what the task left behind once its process exited and resolves with the pids
   * killed (default: a /proc scan right away; the shared host batches the scans).
   */
  readonly sweep?: (pid: number) => Promise<number[]>;
}

function durationMs(policy: KillPolicy | undefined | null): number | undefined {
  if (policy === undefined || policy === null || !has(policy, 'grace_period')) return undefined;
  const nanos = Number(policy.grace_period?.nanoseconds ?? 0);
  return Math.max(0, nanos / 1e6);
}

function hasKillingCapability(framework: FrameworkInfo | undefined): boolean {
  return (framework?.capabilities ?? []).some(
    (c) => c.type === mesos.FrameworkInfo.Capability.Type.TASK_KILLING_STATE,
  );
}

export class CommandExecutor implements Executor {
  private driver: ExecutorDriver | undefined;
  private frameworkInfo: FrameworkInfo | undefined;
  private executorInfo: ExecutorInfo | undefined;
  private taskId: TaskID | undefined;
  private killPolicy: KillPolicy | undefined;
  private task: RunningTask | undefined;
  private launched = false;
  private killed = false;
  private terminated = false;
  private finished = false;
  /** A kill that arrived while the process was still being started. */
  private pendingKillMs: number | undefined;
  private killStart = 0;
  private escalation: { timer: NodeJS.Timeout; deadline: number } | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private updatesSent = 0;
  private acksReceived = 0;
  private terminalSent = false;
  /** shutdown() came: acknowledgements will not arrive. */
  private shuttingDown = false;
  private readonly out: (line: string) => void;
  private readonly err: (line: string) => void;

  constructor(private readonly options: CommandExecutorOptions) {
    this.out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
    this.err = options.err ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** The task's pid once started. */
  get pid(): number | undefined {
    return this.task?.pid;
  }

  registered(driver: ExecutorDriver, executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, slaveInfo: SlaveInfo): void {
    this.driver = driver;
    this.executorInfo = executorInfo;
    this.frameworkInfo = frameworkInfo;
    this.out(`Registered executor on ${slaveInfo.hostname}`);
  }

  reregistered(driver: ExecutorDriver, slaveInfo: SlaveInfo): void {
    this.driver = driver;
    this.out(`Re-registered executor on ${slaveInfo.hostname}`);
  }

  disconnected(): void {
    this.out('Disconnected from agent');
  }

  launchTask(driver: ExecutorDriver, task: TaskInfo): void {
    this.driver = driver;
    if (this.launched) {
      this.update(task.task_id, TaskState.TASK_FAILED, 'Attempted to run multiple tasks using a "command" executor');
      return;
    }
    this.launched = true;
    this.taskId = task.task_id;
    if (has(task, 'kill_policy')) this.killPolicy = task.kill_policy ?? undefined;

    const command = this.options.taskCommand ?? (has(task, 'command') ? task.command : undefined);
    if (command === undefined || command === null) {
      this.fail(`Expecting task '${task.task_id.value}' to have a command`);
      return;
    }
    this.out(`Starting task ${task.task_id.value}`);
    let plan;
    const start = this.options.start;
    try {
      plan = planLaunch({
        command,
        cwd: this.options.sandbox,
        env: this.options.env,
        user: start === undefined ? this.user(command) : undefined,
      });
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
      return;
    }
    (start !== undefined ? start(plan, command) : startTask(plan, this.options.sandbox)).then(
      (running) => this.started(running),
      (error: unknown) => this.fail(error instanceof LaunchError ? error.message : String(error)),
    );
  }

  private user(command: CommandInfo): string | undefined {
    if (this.options.user !== undefined) return this.options.user;
    return has(command, 'user') ? (command.user ?? undefined) : undefined;
  }

  private started(running: RunningTask): void {
    this.task = running;
    this.out(`Forked command at ${running.pid}`);
    running.exited.then(
      (status) => this.reaped(running.pid, status),
      () => this.reaped(running.pid, { signal: 'SIGKILL' }),
    );
    const taskId = this.taskId;
    if (taskId !== undefined) this.update(taskId, TaskState.TASK_RUNNING);
    if (this.pendingKillMs !== undefined && taskId !== undefined) this.kill(taskId, this.pendingKillMs);
  }

  /** The task could not be started: report TASK_FAILED and leave. */
  private fail(message: string): void {
    this.err(message);
    this.terminated = true;
    if (this.taskId !== undefined) this.update(this.taskId, TaskState.TASK_FAILED, message, true);
    else this.finish();
  }

  killTask(driver: ExecutorDriver, taskId: TaskID, killPolicy?: KillPolicy): void {
    this.driver = driver;
    // A kill policy in the kill request wins over the task's.
    const gracePeriodMs = durationMs(killPolicy) ?? durationMs(this.killPolicy) ?? DEFAULT_KILL_GRACE_PERIOD_MS;
    this.out(`Received kill for task ${taskId.value} with grace period of ${formatStoutDuration(gracePeriodMs)}`);
    this.kill(taskId, gracePeriodMs);
  }

  frameworkMessage(): void {}

  shutdown(driver: ExecutorDriver): void {
    this.driver = driver;
    this.out('Shutting down');
    this.shuttingDown = true;
    // Leave room for the forced kill and TASK_KILLED before the agent's own deadline.
    const gracePeriodMs = Math.max(0, this.options.shutdownGracePeriodMs - MAX_REAP_INTERVAL_MS - 1_000);
    if (this.launched && this.taskId !== undefined) this.kill(this.taskId, gracePeriodMs);
    else this.finish();
  }

  error(_driver: ExecutorDriver, message: string): void {
    this.err(`Error: ${message}`);
  }

  acknowledged(): void {
    this.acksReceived++;
    if (this.terminalSent && this.acksReceived >= this.updatesSent) this.finish();
  }

  /** SIGKILLs whatever is left of the task (we are being torn down ourselves). */
  killNow(): void {
    if (this.task !== undefined) signalTree(this.task.pid, 'SIGKILL');
  }

  /** Torn down from outside (the shared host ending this executor): no timer is left behind. */
  dispose(): void {
    this.finished = true;
    this.terminated = true;
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    if (this.escalation !== undefined) clearTimeout(this.escalation.timer);
    this.ackTimer = undefined;
    this.escalation = undefined;
  }

  private kill(taskId: TaskID, gracePeriodMs: number): void {
    if (this.terminated) return;
    if (this.task === undefined) {
      // Still starting: apply once we have a pid.
      this.pendingKillMs = Math.min(this.pendingKillMs ?? Infinity, gracePeriodMs);
      return;
    }
    const now = Date.now();
    if (this.killed && this.escalation !== undefined) {
      // A repeated kill may only shorten the grace period, never extend it.
      if (this.killStart + gracePeriodMs > this.escalation.deadline) return;
      const remaining = Math.max(0, gracePeriodMs - (now - this.killStart));
      this.out(`Rescheduling escalation to SIGKILL in ${formatStoutDuration(remaining)} from now`);
      this.schedule(remaining, gracePeriodMs);
      return;
    }
    if (this.killed) return;
    if (hasKillingCapability(this.frameworkInfo)) this.update(taskId, TaskState.TASK_KILLING);
    const pid = this.task.pid;
    this.out(`Sending SIGTERM to process tree at pid ${pid}`);
    const members = signalTree(pid, 'SIGTERM');
    this.out(`Sent SIGTERM to the following processes: [ ${members.join(', ')} ]`);
    this.out(`Scheduling escalation to SIGKILL in ${formatStoutDuration(gracePeriodMs)} from now`);
    this.killStart = now;
    this.killed = true;
    this.schedule(gracePeriodMs, gracePeriodMs);
  }

  private schedule(delayMs: number, gracePeriodMs: number): void {
    if (this.escalation !== undefined) clearTimeout(this.escalation.timer);
    this.escalation = {
      timer: setTimeout(() => this.escalated(gracePeriodMs), delayMs),
      deadline: Date.now() + delayMs,
    };
  }

  private escalated(gracePeriodMs: number): void {
    this.escalation = undefined;
    if (this.terminated || this.task === undefined) return;
    const pid = this.task.pid;
    this.out(
      `Process ${pid} did not terminate after ${formatStoutDuration(gracePeriodMs)}, ` +
        `sending SIGKILL to process tree at ${pid}`,
    );
    const members = signalTree(pid, 'SIGKILL');
    this.out(`Killed the following processes: [ ${members.join(', ')} ]`);
  }

  private reaped(pid: number, status: ExitStatus): void {
    this.terminated = true;
    if (this.escalation !== undefined) {
      clearTimeout(this.escalation.timer);
      this.escalation = undefined;
    }
    let state: mesos.TaskState;
    if (status.code === 0) state = TaskState.TASK_FINISHED;
    else if (this.killed) state = TaskState.TASK_KILLED;
    else state = TaskState.TASK_FAILED;
    const message = `Command ${describeExit(status)}`;
    this.out(`${message} (pid: ${pid})`);

    // The task's session may outlive its leader (backgrounded children): no orphans.
    const sweep = this.options.sweep;
    if (sweep !== undefined) {
      const report = (): void => {
        if (this.taskId !== undefined && !this.finished) this.update(this.taskId, state, message, true);
      };
      sweep(pid).then(
        (killed) => {
          if (killed.length > 0) this.out(`Killed processes left behind by the task: [ ${killed.join(', ')} ]`);
          report();
        },
        (error: unknown) => {
          this.err(`Failed to kill processes left behind by the task: ${error instanceof Error ? error.message : String(error)}`);
          report();
        },
      );
      return;
    }
    const leftovers = treeAlive(pid);
    if (leftovers.length > 0) {
      this.out(`Killing processes left behind by the task: [ ${leftovers.join(', ')} ]`);
      signalTree(pid, 'SIGKILL');
    }
    if (this.taskId !== undefined) this.update(this.taskId, state, message, true);
  }

  private update(taskId: TaskID, state: mesos.TaskState, message?: string, terminal = false): void {
    const driver = this.driver;
    if (driver === undefined) return;
    driver.sendStatusUpdate({
      task_id: taskId,
      state,
      source: mesos.TaskStatus.Source.SOURCE_EXECUTOR,
      ...(this.executorInfo !== undefined ? { executor_id: this.executorInfo.executor_id } : {}),
      ...(message !== undefined ? { message } : {}),
    });
    this.updatesSent++;
    if (terminal) {
      this.terminalSent = true;
      // Exit once the agent has everything, or after a wait regardless.
      const waitMs = this.shuttingDown ? SHUTDOWN_EXIT_DELAY_MS : (this.options.ackTimeoutMs ?? TERMINAL_ACK_TIMEOUT_MS);
      this.ackTimer = setTimeout(() => this.finish(), waitMs);
    }
  }

  /** Done: stop the driver; the entry point exits when run() returns. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    if (this.escalation !== undefined) clearTimeout(this.escalation.timer);
    this.driver?.stop();
  }
}
