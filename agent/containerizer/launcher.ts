// Launchers fork a container's first process and kill all of a container's processes.
// PosixLauncher follows Mesos 1.0 (src/slave/containerizer/mesos/launcher.cpp): the child
// gets its own session (setsid, so also its own process group), and destroy() sends
// SIGKILL to the whole tree below the executor plus every process group and session met
// on the way (stout's os::killtree), so daemonized children and processes that left the
// group are found too, as long as they stay in the container's session or tree.
//
// Like Mesos's `mesos-containerizer launch` helper, the forked child first blocks until the
// containerizer has isolated it and fetched its URIs (`Forked.proceed()`), then runs the
// isolators' pre-exec commands, switches to the container's user, and execs the command.
// The helper is a short Perl program (see launch-helper.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import type { mesos } from '../../proto/index.js';
import type { ContainerState, ContainerStatusFields } from './isolator.js';
import { helperInvocation, type HelperUser } from './launch-helper.js';
import { isAlive, killtree } from './proc.js';

export type Stdio = number | 'inherit' | 'ignore';

export interface ForkSpec {
  command: mesos.CommandInfo.$Properties;
  /** The complete environment of the child (nothing is inherited from the agent). */
  environment: Readonly<Record<string, string>>;
  workingDirectory: string;
  /** Switch to this user before exec (after the pre-exec commands). */
  user?: HelperUser | undefined;
  stdout: Stdio;
  stderr: Stdio;
  /** Shell commands run, as the agent's user, before the user switch and exec. */
  preExecCommands?: readonly mesos.CommandInfo.$Properties[];
  /** Namespaces to enter (CLONE_* bits); the POSIX launcher supports none. */
  namespaces?: number;
  /** Makes the child print this and exit 1 instead of running the command. */
  failure?: string;
}

export interface Forked {
  readonly pid: number;
  /** Lets the blocked child go on to exec its command. */
  proceed(): Promise<void>;
}

export interface Launcher {
  /** Takes over the checkpointed containers; returns orphans (known here, not to the agent). */
  recover(states: readonly ContainerState[]): Promise<Set<string>>;
  fork(containerId: string, spec: ForkSpec): Promise<Forked>;
  /** Kills every process of the container; resolves once the forked child is reaped. */
  destroy(containerId: string): Promise<void>;
  status(containerId: string): Promise<ContainerStatusFields>;
}

/** A wait(2) status: exit code in bits 8-15, or the terminating signal in bits 0-6. */
export function waitStatus(code: number | null, signal: NodeJS.Signals | null): number | undefined {
  if (signal !== null) {
    const number = constants.signals[signal] as number | undefined;
    return number === undefined ? undefined : number & 0x7f;
  }
  return code === null ? undefined : (code & 0xff) << 8;
}

/** Human text for a wait status, as stout's WSTRINGIFY. */
export function describeWaitStatus(status: number): string {
  if ((status & 0x7f) === 0) return `exited with status ${(status >> 8) & 0xff}`;
  const signal = status & 0x7f;
  const name = Object.entries(constants.signals).find(([, n]) => n === signal)?.[0];
  return `terminated with signal ${name ?? signal}`;
}

/**
 * Waits for processes to exit: children of this process through their exit event (which
 * also gives the status), others (recovered after an agent restart) by polling /proc,
 * which cannot give a status (libprocess's process::reap).
 */
export class Reaper {
  private readonly children = new Map<number, Promise<number | undefined>>();

  constructor(private readonly pollIntervalMs = 100) {}

  /** Registers a child of ours; call right after spawning it. */
  adopt(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    const exited = new Promise<number | undefined>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve(waitStatus(child.exitCode, child.signalCode));
        return;
      }
      child.once('exit', (code, signal) => resolve(waitStatus(code, signal)));
    });
    this.children.set(pid, exited);
    void exited.finally(() => {
      // Keep the entry briefly so a reap() right after exit still gets the status.
      setTimeout(() => {
        if (this.children.get(pid) === exited) this.children.delete(pid);
      }, 60_000).unref();
    });
  }

  /** Resolves with the wait status (undefined when unknown) once `pid` has exited. */
  reap(pid: number): Promise<number | undefined> {
    const child = this.children.get(pid);
    if (child) return child;
    return new Promise((resolve) => {
      const check = (): void => {
        if (!isAlive(pid)) {
          clearInterval(timer);
          resolve(undefined);
        }
      };
      // Referenced on purpose: whoever waits on a process keeps the agent alive.
      const timer = setInterval(check, this.pollIntervalMs);
      check();
    });
  }
}

function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    if (child.pid !== undefined) {
      resolve();
      return;
    }
    child.once('spawn', () => resolve());
    child.once('error', (error) => reject(error));
  });
}

export class PosixLauncher implements Launcher {
  private readonly pids = new Map<string, number>();

  constructor(readonly reaper: Reaper = new Reaper()) {}

  recover(states: readonly ContainerState[]): Promise<Set<string>> {
    for (const state of states) {
      const pid = Number(state.pid);
      if ([...this.pids.values()].includes(pid)) {
        return Promise.reject(new Error(`Detected duplicate pid ${pid} for container ${state.container_id.value}`));
      }
      this.pids.set(state.container_id.value, pid);
    }
    return Promise.resolve(new Set());
  }

  async fork(containerId: string, spec: ForkSpec): Promise<Forked> {
    if (spec.namespaces !== undefined && spec.namespaces !== 0) {
      throw new Error('Posix launcher does not support namespaces');
    }
    if (this.pids.has(containerId)) {
      throw new Error(`Process has already been forked for container ${containerId}`);
    }

    const helper = helperInvocation(spec);
    let child: ChildProcess;
    try {
      child = spawn(helper.file, helper.args, {
        argv0: 'mesos-containerizer',
        cwd: spec.workingDirectory,
        env: helper.env,
        detached: true, // setsid(2): a new session and process group
        stdio: ['ignore', spec.stdout, spec.stderr, 'pipe'],
        ...(helper.uid !== undefined ? { uid: helper.uid, gid: helper.gid } : {}),
      });
      await spawned(child);
    } catch (error) {
      throw new Error(`Failed to fork a child process: ${(error as Error).message}`);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error('Failed to fork a child process: no pid');
    this.reaper.adopt(child);
    this.pids.set(containerId, pid);

    const control = child.stdio[3] as Socket | null;
    // The child may die before we signal it; that shows up as EPIPE here.
    control?.on('error', () => undefined);
    let proceeded = false;
    const proceed = (): Promise<void> =>
      new Promise((resolve, reject) => {
        if (proceeded || !control || control.destroyed) {
          reject(new Error('Failed to synchronize child process: control pipe closed'));
          return;
        }
        proceeded = true;
        control.end('\n', () => {
          control.destroy();
          resolve();
        });
        control.once('error', (error) => reject(new Error(`Failed to synchronize child process: ${error.message}`)));
      });
    // Once the child exits nobody will read the pipe.
    child.once('exit', () => control?.destroy());
    return { pid, proceed };
  }

  async destroy(containerId: string): Promise<void> {
    const pid = this.pids.get(containerId);
    if (pid === undefined) throw new Error(`Unknown container ${containerId}`);
    killtree(pid, 'SIGKILL', { groups: true, sessions: true });
    this.pids.delete(containerId);
    // The forked child may not have been reaped yet; finish once it has.
    await this.reaper.reap(pid);
  }

  status(containerId: string): Promise<ContainerStatusFields> {
    const pid = this.pids.get(containerId);
    if (pid === undefined) return Promise.reject(new Error('Container does not exist!'));
    return Promise.resolve({ executor_pid: pid });
  }
}
