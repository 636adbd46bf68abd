// Command executors in the shared executor host (`--shared_command_executor`, an
// extension): the containerizer's side of each hosted container. Where the POSIX launcher
// forks a process per executor, this one asks the host (executor-host-client.ts) to start
// the executor in its runtime, learns the task's pid when the host forks the task's launch
// helper (the container's pid from then on), lets the containerizer isolate it before
// the helper may go on, and ends the container by killing the task's tree (as the POSIX
// launcher's killtree does) and having the host end the executor.
//
// A hosted container ends with the executor's status as its own process would have had
// (0 for a stopped driver, exit 1 otherwise, SIGKILL when destroyed). If the host dies,
// every container it held ends with the host's wait status and a message saying so, and
// the task trees known here are killed.

import bunyan from 'bunyan';
import type { Logger } from '../../libprocess/index.js';
import type { ContainerStatusFields } from './isolator.js';
import { ExecutorHostClient } from './executor-host-client.js';
import { WAIT_STATUS_SIGKILL, type HostToAgent, type HostUser } from './executor-host-protocol.js';
import { killtree, processesSync } from './proc.js';

/**
 * The shared executor host's environment: the agent's, with the address its runtime binds
 * chosen as each executor's would be (LIBPROCESS_IP from the agent or from
 * --executor_environment_variables, LIBPROCESS_PORT=0; no other LIBPROCESS_* of the
 * agent's), and the agent's log level.
 */
export function executorHostEnvironment(
  agentEnv: NodeJS.ProcessEnv,
  flags: { executor_environment_variables?: Readonly<Record<string, string>> | undefined },
  log: Logger,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(agentEnv)) {
    if (value !== undefined && !name.startsWith('LIBPROCESS_')) env[name] = value;
  }
  const ip = flags.executor_environment_variables?.['LIBPROCESS_IP'] ?? agentEnv['LIBPROCESS_IP'];
  if (ip !== undefined) env['LIBPROCESS_IP'] = ip;
  env['LIBPROCESS_PORT'] = '0';
  const level = bunyan.nameFromLevel[log.level()];
  if (level !== undefined) env['MESOS_TS_LOG_LEVEL'] = level;
  return env;
}

export interface HostedLaunchSpec {
  directory: string;
  environment: Readonly<Record<string, string>>;
  user?: HostUser | undefined;
  preExecCommands: ReadonlyArray<{ shell: boolean; value?: string | undefined }>;
  failure?: string | undefined;
}

/** How a hosted executor ended. */
export interface HostedEnd {
  status?: number | undefined;
  message?: string | undefined;
}

export interface HostedEvents {
  /** The host forked the task's launch helper (blocked): isolate `pid`, then proceed(). */
  forked(containerId: string, pid: number): void;
  /** The executor ended on its own (or its host died): the container should be destroyed. */
  ended(containerId: string): void;
}

export interface HostedLauncherOptions {
  log: Logger;
  /** The host process's environment. */
  env: Readonly<Record<string, string>>;
  program?: string;
}

interface Hosted {
  readonly generation: number;
  /** Settles with the host's answer to `launch`. */
  readonly started: { resolve(): void; reject(error: Error): void };
  /** The task's pid, once forked. */
  pid?: number;
  /** The task was reaped by the host (its pid may be reused from then on). */
  reaped: boolean;
  end?: HostedEnd;
  readonly waiters: Array<(end: HostedEnd) => void>;
}

/**
 * Kills the trees of many containers with one /proc scan for the common case where their
 * root is gone and nothing is left in its group or session; trees that need it get the
 * full killtree (which rescans as it stops each process).
 */
class TreeKiller {
  private pending: number[] = [];
  private waiters: Array<() => void> = [];
  private scheduled = false;

  kill(pid: number): Promise<void> {
    this.pending.push(pid);
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.run());
    }
    return done;
  }

  private run(): void {
    this.scheduled = false;
    const pids = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const live = new Set<number>();
    for (const p of processesSync()) {
      if (p.state === 'Z' || p.state === 'X') continue;
      live.add(p.pid);
      live.add(-p.group);
      live.add(-p.session);
    }
    for (const pid of pids) {
      if (live.has(pid) || live.has(-pid)) killtree(pid, 'SIGKILL', { groups: true, sessions: true });
    }
    for (const waiter of waiters) waiter();
  }
}

export class HostedLauncher {
  private readonly client: ExecutorHostClient;
  private readonly hosted = new Map<string, Hosted>();
  private readonly killer = new TreeKiller();
  private events: HostedEvents | undefined;
  private readonly log: Logger;

  constructor(options: HostedLauncherOptions) {
    this.log = options.log;
    this.client = new ExecutorHostClient({
      log: options.log,
      env: options.env,
      ...(options.program !== undefined ? { program: options.program } : {}),
      onMessage: (generation, message) => this.message(generation, message),
      onExit: (generation, status, description) => this.hostExited(generation, status, description),
    });
  }

  /** The containerizer's callbacks. */
  attach(events: HostedEvents): void {
    this.events = events;
  }

  /** The current host's OS pid, if one runs. */
  get hostPid(): number | undefined {
    return this.client.pid;
  }

  get metrics(): { executor_host_starts: number; executor_host_invalid_messages: number; hosted_executors: number } {
    return {
      executor_host_starts: this.client.starts,
      executor_host_invalid_messages: this.client.invalidMessages,
      hosted_executors: this.hosted.size,
    };
  }

  has(containerId: string): boolean {
    return this.hosted.has(containerId);
  }

  /** Starts the command executor in the host (starting the host if needed). */
  async launch(containerId: string, spec: HostedLaunchSpec): Promise<void> {
    if (this.hosted.has(containerId)) throw new Error(`Container ${containerId} is already hosted`);
    const generation = await this.client.ensure();
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const started = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.hosted.set(containerId, { generation, started: { resolve, reject }, reaped: false, waiters: [] });
    const sent = this.client.send(generation, {
      type: 'launch',
      containerId,
      directory: spec.directory,
      environment: { ...spec.environment },
      ...(spec.user !== undefined ? { user: spec.user } : {}),
      preExecCommands: spec.preExecCommands.map((c) => ({ shell: c.shell, ...(c.value !== undefined ? { value: c.value } : {}) })),
      ...(spec.failure !== undefined ? { failure: spec.failure } : {}),
    });
    if (!sent) this.finish(containerId, { message: 'The executor host exited' });
    await started;
  }

  /** The forked task was isolated: let it exec. */
  proceed(containerId: string): void {
    const hosted = this.hosted.get(containerId);
    if (hosted !== undefined && hosted.end === undefined) this.client.send(hosted.generation, { type: 'proceed', containerId });
  }

  /** The task's pid once forked (the container's pid). */
  pid(containerId: string): number | undefined {
    return this.hosted.get(containerId)?.pid;
  }

  status(containerId: string): Promise<ContainerStatusFields> {
    const hosted = this.hosted.get(containerId);
    if (hosted === undefined) return Promise.reject(new Error('Container does not exist!'));
    return Promise.resolve(hosted.pid !== undefined ? { executor_pid: hosted.pid } : {});
  }

  /**
   * Ends the executor and kills the task's tree (SIGKILL); resolves with how it ended (at
   * once when it already had). The host, the task's parent, kills the tree as the POSIX
   * launcher's killtree does, after it stopped the executor, so that the executor cannot
   * report the task's death as its own update, as a destroyed executor process would not.
   * Without a host (it died) the tree is killed here. Unknown containers resolve with nothing.
   */
  async destroy(containerId: string): Promise<HostedEnd> {
    const hosted = this.hosted.get(containerId);
    if (hosted === undefined) return {};
    if (hosted.end === undefined && !this.client.send(hosted.generation, { type: 'destroy', containerId })) {
      if (hosted.pid !== undefined && !hosted.reaped) await this.killer.kill(hosted.pid);
      this.finish(containerId, { message: 'The executor host exited' });
    }
    const end = hosted.end ?? (await new Promise<HostedEnd>((resolve) => hosted.waiters.push(resolve)));
    if (this.hosted.get(containerId) === hosted) this.hosted.delete(containerId);
    return end;
  }

  /** Stops the host and with it every hosted executor and task. */
  close(): Promise<void> {
    return this.client.close();
  }

  private message(generation: number, message: HostToAgent): void {
    const containerId = 'containerId' in message ? message.containerId : undefined;
    const hosted = containerId !== undefined ? this.hosted.get(containerId) : undefined;
    if (containerId === undefined || hosted === undefined || hosted.generation !== generation) {
      this.log.warn({ type: message.type, container: containerId, generation }, 'control message for an unknown hosted container');
      // A task forked for a container we no longer know must not be left blocked.
      if (message.type === 'forked' && containerId !== undefined) this.client.send(generation, { type: 'destroy', containerId });
      return;
    }
    switch (message.type) {
      case 'started':
        if (message.error !== undefined) {
          hosted.started.reject(new Error(message.error));
          this.finish(containerId, { message: message.error });
        } else {
          hosted.started.resolve();
        }
        return;
      case 'forked':
        if (hosted.pid !== undefined) {
          // A command executor runs one task (our host never forks twice): a protocol
          // violation, so the container is destroyed.
          this.log.error({ container: containerId, taskPid: message.pid }, 'a hosted executor forked a second task; ending it');
          this.events?.ended(containerId);
          return;
        }
        hosted.pid = message.pid;
        this.events?.forked(containerId, message.pid);
        return;
      case 'ended':
        if (message.taskReaped) hosted.reaped = true;
        this.finish(containerId, { status: message.status, ...(message.message !== undefined ? { message: message.message } : {}) });
        return;
      case 'ready':
        return;
    }
  }

  /** Records how a container ended (once) and tells whoever waits. */
  private finish(containerId: string, end: HostedEnd): void {
    const hosted = this.hosted.get(containerId);
    if (hosted === undefined || hosted.end !== undefined) return;
    hosted.end = end;
    hosted.started.reject(new Error(end.message ?? 'The executor ended before it started'));
    for (const waiter of hosted.waiters.splice(0)) waiter(end);
    this.events?.ended(containerId);
  }

  private hostExited(generation: number, status: number | undefined, description: string): void {
    const message = `The shared command executor host ${description}`;
    for (const [containerId, hosted] of [...this.hosted]) {
      if (hosted.generation !== generation || hosted.end !== undefined) continue;
      // Its tasks were its children: whatever of them still runs is killed here.
      if (hosted.pid !== undefined && !hosted.reaped) void this.killer.kill(hosted.pid);
      this.finish(containerId, { status: status ?? WAIT_STATUS_SIGKILL, message });
    }
  }
}
