// The shared command executor host (an extension; Mesos runs one `mesos-executor` OS
// process per command task). With `--shared_command_executor` the agent starts one
// long-lived host process and asks it, over a control channel, to run each command
// executor as a CommandExecutor + MesosExecutorDriver pair on its own `executor(N)`
// process in this one runtime. Each registers with the agent over the normal libprocess
// wire protocol, exactly as a separate executor would.
//
// Per hosted executor the host keeps what the executor's own process would have had: the
// container's environment (MESOS_* included), its sandbox as working directory, and its
// `stdout`/`stderr` files (progress lines, the driver's log lines and the task's output
// all land there). The task is started the way the containerizer starts a process: the
// launch helper (agent/containerizer/launch-helper.ts) in a new session, blocked on its
// control pipe; the host reports the pid (`forked`), the agent isolates it and answers
// `proceed`, and only then does the helper switch user and exec the command. Helpers are
// forked by a small Perl process (launch-forker.ts), as forking this one is costly.
//
// An executor ends when its driver stops (status 0) or aborts (exit 1), when the agent
// destroys the container (SIGKILL, 9) or when its shutdown grace period runs out (the
// driver's suicide: SIGKILL, 9). Then the task's tree is killed if still there, the
// task is reaped, the sandbox files are closed, the driver's processes leave the runtime
// and nothing of the executor is kept; `ended` tells the agent the status.

import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import bunyan from 'bunyan';
import type { Logger, Runtime } from '../libprocess/index.js';
import type { mesos } from '../proto/index.js';
import {
  WAIT_STATUS_EXIT_1,
  WAIT_STATUS_SIGKILL,
  parseAgentToHost,
  type HostToAgent,
  type LaunchMessage,
} from '../agent/containerizer/executor-host-protocol.js';
import { LaunchForker } from '../agent/containerizer/launch-forker.js';
import { helperInvocation } from '../agent/containerizer/launch-helper.js';
import { killtree } from '../agent/containerizer/proc.js';
import { CommandExecutor } from './command-executor.js';
import { MesosExecutorDriver, Status, parseExecutorEnvironment, type ExecutorDriver } from './driver.js';
import { V1ExecutorDriver } from './v1/driver.js';

/** Either driver, with the call that frees what it holds in this long-lived process. */
type HostedDriver = ExecutorDriver & { release(): void };
import { readProcessTable, signalTree, treeMembers, type ProcessEntry } from './process-tree.js';
import { LaunchError, describeExit, type ExitStatus, type Launch, type RunningTask } from './task-launcher.js';
import { errorText } from '../common/errors.js';

type CommandInfo = mesos.CommandInfo.$Properties;


/** A wait(2) status as the task's ExitStatus. */
export function exitStatusOf(status: number): ExitStatus {
  const signal = status & 0x7f;
  if (signal === 0) return { code: (status >> 8) & 0xff };
  const name = Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0] as NodeJS.Signals | undefined;
  return { signal: name ?? 'SIGKILL' };
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

/**
 * An append-only sandbox file (`stdout`/`stderr`). Opening and writing happen on libuv's
 * thread pool (at 1,000 executors the synchronous calls were a sixth of the host's one
 * thread); lines are written in order, batched while a write is in flight, and dropped
 * after close() (never written to a reused fd).
 */
export class SandboxFile {
  private queued: string[] = [];
  private writing = false;
  private closing: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly handle: fs.promises.FileHandle) {}

  static async open(path: string, owner: { uid: number; gid: number } | undefined): Promise<SandboxFile> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o644);
    } catch (error) {
      throw new Error(`Failed to open '${path}': ${errorText(error)}`);
    }
    // As the containerizer: handing the file to the user is best effort.
    if (owner !== undefined) await handle.chown(owner.uid, owner.gid).catch(() => undefined);
    return new SandboxFile(handle);
  }

  write(line: string): void {
    if (this.closed || this.closing !== undefined) return;
    this.queued.push(line);
    if (!this.writing) this.flush();
  }

  private flush(): void {
    const text = this.queued.join('');
    this.queued = [];
    this.writing = true;
    this.handle.write(text).then(
      () => this.written(),
      () => this.written(), // A full disk must not take the executor down.
    );
  }

  private written(): void {
    this.writing = false;
    if (this.queued.length > 0) this.flush();
    else this.closing?.();
  }

  /** Closes once what was written so far is on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.writing) await new Promise<void>((resolve) => (this.closing = resolve));
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

/** How long task exits are gathered before one /proc scan looks for their leftovers. */
export const SWEEP_WINDOW_MS = 50;

/**
 * Kills what tasks leave behind once their process exited (the command executor's "no
 * orphans" step). A /proc scan costs ~10-20 us per process on the machine, so one scan
 * serves every task that exited within SWEEP_WINDOW_MS: a burst of short tasks costs a
 * few scans a second instead of one per task. Roots with nothing in their process group
 * or session (the common case) are settled from one index of the scan.
 */
export class LeftoverSweeper {
  private pending: Array<{ root: number; resolve: (killed: number[]) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** /proc scans done. */
  scans = 0;

  constructor(private readonly windowMs = SWEEP_WINDOW_MS) {}

  sweep(root: number): Promise<number[]> {
    return new Promise((resolve) => {
      this.pending.push({ root, resolve });
      this.timer ??= setTimeout(() => this.run(), this.windowMs);
    });
  }

  private run(): void {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    const table = readProcessTable();
    this.scans++;
    if (table === undefined) {
      for (const { root, resolve } of batch) resolve(signalTree(root, 'SIGKILL').filter((pid) => pid !== root));
      return;
    }
    const self: ProcessEntry = table.find((e) => e.pid === process.pid) ?? { pid: process.pid, ppid: process.ppid, pgid: -1, sid: -1 };
    const leaders = new Set<number>();
    for (const entry of table) {
      leaders.add(entry.pid);
      leaders.add(entry.pgid);
      leaders.add(entry.sid);
    }
    for (const { root, resolve } of batch) {
      // Neither the root nor anything of its group or session is left: nothing to do.
      if (!leaders.has(root)) {
        resolve([]);
        continue;
      }
      const members = treeMembers(table, root, self);
      for (const pid of members) kill(pid, 'SIGKILL');
      resolve(members);
    }
  }
}

export interface ExecutorHostOptions {
  /** The host's own log (the executors' lines go to their sandboxes). */
  log: Logger;
}

/** Runs hosted command executors on one runtime; fed validated control messages. */
export class ExecutorHost {
  private readonly executors = new Map<string, HostedExecutor>();
  readonly sweeper = new LeftoverSweeper();
  /** Control messages dropped because they did not validate. */
  invalidMessages = 0;
  launched = 0;
  ended = 0;
  private readonly executorLog: Logger;
  private closing = false;
  private forker_: LaunchForker | undefined;

  constructor(
    readonly runtime: Runtime,
    private readonly channel: (message: HostToAgent) => void,
    private readonly options: ExecutorHostOptions,
  ) {
    // Per-executor loggers are children of this one with the executor's stderr as stream.
    this.executorLog = bunyan.createLogger({ name: 'mesos-executor', streams: [] });
  }

  get log(): Logger {
    return this.options.log;
  }

  /** The launch forker, started on first use and again after it died. */
  forker(): LaunchForker {
    if (this.forker_ === undefined || !this.forker_.running) {
      this.forker_ = LaunchForker.start((reason) => {
        this.log.error({ reason }, 'the launch forker died; the tasks it had forked were killed');
      });
    }
    return this.forker_;
  }

  /** Executors currently hosted. */
  get size(): number {
    return this.executors.size;
  }

  send(message: HostToAgent): void {
    this.channel(message);
  }

  /** One control message from the agent; invalid ones are logged, counted and dropped. */
  handle(raw: unknown): void {
    const parsed = parseAgentToHost(raw);
    if (!parsed.ok) {
      this.invalidMessages++;
      this.log.warn({ error: parsed.error }, 'dropping an invalid control message from the agent');
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'launch':
        this.launch(message);
        return;
      case 'proceed': {
        const executor = this.executors.get(message.containerId);
        if (executor === undefined) this.log.warn({ container: message.containerId }, 'proceed for an unknown executor');
        else executor.proceed();
        return;
      }
      case 'destroy': {
        const executor = this.executors.get(message.containerId);
        if (executor !== undefined) void executor.destroy();
        else {
          // Already ended (its `ended` is on the way) or never launched here.
          this.send({ type: 'ended', containerId: message.containerId, status: WAIT_STATUS_SIGKILL, message: 'Unknown executor', taskReaped: false });
        }
        return;
      }
    }
  }

  private launch(message: LaunchMessage): void {
    if (this.closing) {
      this.send({ type: 'started', containerId: message.containerId, error: 'The executor host is shutting down' });
      return;
    }
    if (this.executors.has(message.containerId)) {
      this.send({ type: 'started', containerId: message.containerId, error: 'Container already launched in this executor host' });
      return;
    }
    const executor = new HostedExecutor(this, message, this.executorLog);
    this.executors.set(message.containerId, executor);
    this.launched++;
    executor.start().catch((error: unknown) => {
      this.log.error({ err: error, container: message.containerId }, 'failed to start a hosted executor');
      void executor.destroy();
    });
  }

  /** @internal an executor is gone: forget it and tell the agent. */
  ended_(executor: HostedExecutor, message: HostToAgent): void {
    if (this.executors.get(executor.containerId) === executor) this.executors.delete(executor.containerId);
    this.ended++;
    this.send(message);
  }

  /** Ends every executor (killing their tasks) and resolves once all are gone. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const ending = [...this.executors.values()].map((executor) => executor.destroy());
    await Promise.all(ending);
    this.forker_?.close();
  }
}

type Phase = 'starting' | 'running' | 'ending' | 'ended';

/** One hosted command executor: a CommandExecutor and its driver, the task, the sandbox files. */
class HostedExecutor {
  readonly containerId: string;
  private phase: Phase = 'starting';
  private stdout: SandboxFile | undefined;
  private stderr: SandboxFile | undefined;
  private executor: CommandExecutor | undefined;
  private driver: HostedDriver | undefined;
  /** The task's process (the launch helper until it execs), once forked. */
  private taskPid: number | undefined;
  private forking = false;
  /** Settles once a fork asked of the forker is done (the pid is then known). */
  private forkPending: Promise<void> | undefined;
  private childExited: Promise<void> | undefined;
  private reaped = false;
  private release: (() => void) | undefined;
  private ending: Promise<void> | undefined;

  constructor(
    private readonly host: ExecutorHost,
    private readonly spec: LaunchMessage,
    private readonly baseLog: Logger,
  ) {
    this.containerId = spec.containerId;
  }

  async start(): Promise<void> {
    const { directory, environment, user } = this.spec;
    const opened = await Promise.allSettled([
      SandboxFile.open(join(directory, 'stdout'), user),
      SandboxFile.open(join(directory, 'stderr'), user),
    ]);
    const [out, err] = opened;
    if (out?.status !== 'fulfilled' || err?.status !== 'fulfilled') {
      await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : Promise.resolve())));
      const failure = opened.find((o) => o.status === 'rejected');
      this.phase = 'ended';
      this.host.ended_(this, { type: 'started', containerId: this.containerId, error: errorText(failure?.status === 'rejected' ? failure.reason : 'open failed') });
      return;
    }
    this.stdout = out.value;
    this.stderr = err.value;
    // Destroyed while the files opened: finish() already answered.
    if (this.phase !== 'starting') {
      await Promise.all([this.stdout.close(), this.stderr.close()]);
      return;
    }
    const stdout = this.stdout;
    const stderr = this.stderr;

    // As `mesos-executor` would: a bad environment is printed and the executor exits 1.
    let config;
    try {
      config = parseExecutorEnvironment(environment);
    } catch (error) {
      stderr.write(`${errorText(error)}\n`);
      this.host.send({ type: 'started', containerId: this.containerId });
      await this.end(WAIT_STATUS_EXIT_1, errorText(error));
      return;
    }

    const level = environment['MESOS_TS_LOG_LEVEL'] ?? 'info';
    const log = this.baseLog.child({ streams: [{ level: level as bunyan.LogLevel, stream: { write: (line: string) => stderr.write(line) } }] }, false);
    const executor = new CommandExecutor({
      shutdownGracePeriodMs: config.shutdownGracePeriodMs,
      sandbox: config.directory,
      env: environment,
      out: (line) => stdout.write(`${line}\n`),
      err: (line) => stderr.write(`${line}\n`),
      start: (plan, command) => this.startTask(plan, command),
      sweep: (pid) => this.host.sweeper.sweep(pid),
    });
    // The shutdown grace period ran out: what killing the executor's process group does.
    const suicide = (): void => void this.end(WAIT_STATUS_SIGKILL, 'Executor killed itself after its shutdown grace period');
    // With --http_command_executor the executor speaks the v1 executor API, as the process would.
    const driver: HostedDriver =
      environment['MESOS_HTTP_COMMAND_EXECUTOR'] === '1'
        ? new V1ExecutorDriver(executor, { env: environment, log, suicide })
        : new MesosExecutorDriver(executor, { env: environment, runtime: this.host.runtime, log, suicide });
    this.executor = executor;
    this.driver = driver;
    try {
      await driver.start();
    } catch (error) {
      stderr.write(`${errorText(error)}\n`);
      this.host.send({ type: 'started', containerId: this.containerId });
      await this.end(WAIT_STATUS_EXIT_1, errorText(error));
      return;
    }
    // Destroyed while the driver started: finish() found nothing to stop then.
    if (this.phase !== 'starting') {
      driver.stop();
      driver.release();
      await Promise.all([stdout.close(), stderr.close()]);
      return;
    }
    this.phase = 'running';
    this.host.send({ type: 'started', containerId: this.containerId });
    void driver.join().then((status) => this.end(status === Status.DRIVER_STOPPED ? 0 : WAIT_STATUS_EXIT_1));
  }

  /** The task: the launch helper, forked blocked; resolves once the agent has isolated it. */
  private async startTask(plan: Launch, command: CommandInfo): Promise<RunningTask> {
    if (this.phase !== 'running' || this.forking) {
      throw new LaunchError('Failed to execute command: the executor is ending');
    }
    this.forking = true;
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(plan.env)) if (value !== undefined) environment[name] = value;
    const invocation = helperInvocation({
      command,
      environment,
      user: this.spec.user,
      preExecCommands: this.spec.preExecCommands,
      failure: this.spec.failure,
    });
    let forked;
    try {
      const forking = this.host.forker().fork({
        cwd: this.spec.directory,
        stdout: join(this.spec.directory, 'stdout'),
        stderr: join(this.spec.directory, 'stderr'),
        invocation,
        argv0: 'mesos-containerizer',
      });
      this.forkPending = forking.then(
        () => undefined,
        () => undefined,
      );
      forked = await forking;
    } catch (error) {
      throw new LaunchError(`Failed to execute command: ${errorText(error)}`);
    }
    const { pid } = forked;
    const exited = forked.exited.then((status): ExitStatus => {
      this.reaped = true;
      return exitStatusOf(status);
    });
    this.taskPid = pid;
    this.childExited = exited.then(() => undefined);
    // Ended meanwhile: finish() kills it (it knows the pid now) and waits for its exit.
    if (this.phase !== 'running') {
      this.killTask();
      throw new LaunchError('Failed to execute command: the executor is ending');
    }
    return new Promise<RunningTask>((resolve, reject) => {
      let proceeded = false;
      void exited.then((status) => {
        if (proceeded) return;
        this.release = undefined;
        reject(new LaunchError(`Failed to execute command: the launch helper ${describeExit(status)} before the task was isolated`));
      });
      this.release = () => {
        this.release = undefined;
        proceeded = true;
        forked.go();
        resolve({ pid, exited });
      };
      this.host.send({ type: 'forked', containerId: this.containerId, pid });
    });
  }

  /** stout's os::killtree, as the POSIX launcher kills a container: stop each process so none can fork away, then SIGKILL the tree, its groups and sessions. */
  private killTask(): void {
    if (this.taskPid !== undefined && !this.reaped) killtree(this.taskPid, 'SIGKILL', { groups: true, sessions: true });
  }

  /** The agent isolated the forked task: let the helper exec it. */
  proceed(): void {
    if (this.phase !== 'running') return;
    if (this.release === undefined) {
      this.host.log.warn({ container: this.containerId }, 'proceed for an executor with no blocked task');
      return;
    }
    this.release();
  }

  /** The agent destroys the container: kill the task's tree and end the executor. */
  destroy(): Promise<void> {
    return this.end(WAIT_STATUS_SIGKILL);
  }

  private end(status: number, message?: string): Promise<void> {
    this.ending ??= this.finish(status, message);
    return this.ending;
  }

  private async finish(status: number, message: string | undefined): Promise<void> {
    this.phase = 'ending';
    this.release = undefined;
    this.executor?.dispose();
    this.killTask();
    if (this.driver !== undefined) {
      this.driver.stop();
      this.driver.release();
    }
    // A helper being forked right now is killed as soon as its pid is known (startTask).
    if (this.forkPending !== undefined) await this.forkPending;
    // Reaped before `ended`: the agent must never be told about a pid that may be reused.
    if (this.childExited !== undefined) await this.childExited;
    await Promise.all([this.stdout?.close(), this.stderr?.close()]);
    this.phase = 'ended';
    this.executor = undefined;
    this.driver = undefined;
    this.host.ended_(this, {
      type: 'ended',
      containerId: this.containerId,
      status,
      ...(message !== undefined ? { message } : {}),
      taskReaped: this.taskPid !== undefined && this.reaped,
    });
  }
}
