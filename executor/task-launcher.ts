// Starting the command executor's task: the CommandInfo run as
// `sh -c <value>` (shell) or exec'ed as `value` with `arguments` as its argv
// (src/slave/containerizer/mesos/launch.cpp), in a new session (SETSID in
// src/launcher/posix/executor.cpp), inheriting our stdin/stdout/stderr and
// environment, plus CommandInfo.environment, optionally as another user.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { has, type mesos } from '../proto/index.js';

type CommandInfo = mesos.CommandInfo.$Properties;

/** How the task's process ended (from Node's 'exit' event). */
export type ExitStatus = { readonly code: number; readonly signal?: undefined } | { readonly code?: undefined; readonly signal: NodeJS.Signals };

/** glibc's strsignal() texts, which Mesos prints in "terminated with signal X". */
const SIGNAL_TEXT: Readonly<Record<string, string>> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited',
  SIGCONT: 'Continued',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGWINCH: 'Window changed',
  SIGIO: 'I/O possible',
  SIGPWR: 'Power failure',
  SIGSYS: 'Bad system call',
};

/** WSTRINGIFY (src/common/status_utils.hpp): "exited with status N" / "terminated with signal <strsignal>". */
export function describeExit(status: ExitStatus): string {
  if (status.signal !== undefined) return `terminated with signal ${SIGNAL_TEXT[status.signal] ?? status.signal}`;
  return `exited with status ${status.code}`;
}

export interface UserIds {
  readonly uid: number;
  readonly gid: number;
  readonly home: string | undefined;
}

/** Looks a user up in /etc/passwd text (name:pw:uid:gid:gecos:home:shell). */
export function findUser(passwd: string, name: string): UserIds | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 4) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
    return { uid, gid, home: fields[5] };
  }
  return undefined;
}

export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

export interface LaunchOptions {
  readonly command: CommandInfo;
  /** Working directory (the sandbox). */
  readonly cwd: string;
  /** The environment to start from (ours). */
  readonly env: NodeJS.ProcessEnv;
  /** Run as this user; honoured only when we are root (otherwise we already run as the agent chose). */
  readonly user?: string | undefined;
  /** /etc/passwd text, for tests. */
  readonly passwd?: string;
}

export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  readonly argv0: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

/** Works out what to exec (pure but for reading /etc/passwd when switching user). */
export function planLaunch(options: LaunchOptions): Launch {
  const { command } = options;
  const value = has(command, 'value') ? command.value : undefined;
  if (typeof value !== 'string') {
    throw new LaunchError(command.shell === false ? 'Executable path is not specified' : 'Shell command is not specified');
  }
  const env: NodeJS.ProcessEnv = { ...options.env };
  for (const variable of command.environment?.variables ?? []) env[variable.name] = variable.value;

  let uid: number | undefined;
  let gid: number | undefined;
  const user = options.user;
  if (user !== undefined && typeof process.getuid === 'function' && process.getuid() === 0) {
    const passwd = options.passwd ?? fs.readFileSync('/etc/passwd', 'utf8');
    const ids = findUser(passwd, user);
    if (ids === undefined) throw new LaunchError(`Failed to get user information for '${user}'`);
    uid = ids.uid;
    gid = ids.gid;
    env['USER'] = user;
    if (ids.home !== undefined && ids.home !== '') env['HOME'] = ids.home;
  }

  // CommandInfo.shell defaults to true.
  if (command.shell !== false) {
    return { file: 'sh', args: ['-c', value], argv0: 'sh', env, uid, gid };
  }
  const args = command.arguments ?? [];
  return { file: value, args: args.slice(1), argv0: args[0] ?? value, env, uid, gid };
}

export interface RunningTask {
  readonly pid: number;
  /** Resolves once the process is gone. */
  readonly exited: Promise<ExitStatus>;
}

/** Spawns the planned command in its own session; rejects (LaunchError) when it cannot start. */
export function startTask(launch: Launch, cwd: string): Promise<RunningTask> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(launch.file, [...launch.args], {
        argv0: launch.argv0,
        cwd,
        env: launch.env,
        stdio: 'inherit',
        detached: true,
        ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
        ...(launch.gid !== undefined ? { gid: launch.gid } : {}),
      });
    } catch (error) {
      reject(new LaunchError(`Failed to execute command: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    const exited = new Promise<ExitStatus>((done) => {
      child.once('exit', (code, signal) => done(signal !== null ? { signal } : { code: code ?? 0 }));
    });
    child.once('error', (error) => reject(new LaunchError(`Failed to execute command: ${error.message}`)));
    child.once('spawn', () => {
      if (child.pid === undefined) reject(new LaunchError('Failed to execute command: no pid'));
      else resolve({ pid: child.pid, exited });
    });
  });
}
