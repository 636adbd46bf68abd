// Runs the real `mesos-executor` binary as an OS process against a fake agent,
// the way the agent would: in its own session, with the MESOS_* environment.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UPID } from '../../libprocess/index.js';
import type { PeerProcess } from '../../libprocess/testing.js';
import { mesos } from '../../proto/index.js';
import { acknowledge, executorEnv } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/mesos-executor.js', import.meta.url));

export interface ExecutorRun {
  readonly child: ChildProcess;
  readonly sandbox: string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Rejects (with the output so far) if the executor exits before `promise` settles. */
  within<T>(promise: Promise<T>): Promise<T>;
  /** The task's pid, from the executor's "Forked command at N" line. */
  taskPid(): number | undefined;
  /** The same, waiting (up to 5 s) for the line to be read from the pipe. */
  forkedPid(): Promise<number | undefined>;
}

export function spawnExecutor(
  agent: UPID,
  env: Record<string, string | undefined> = {},
  args: readonly string[] = [],
): ExecutorRun {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-executor-test-'));
  const child = spawn(process.execPath, [BIN, '--launcher_dir=/nonexistent', ...args], {
    env: { ...process.env, ...executorEnv(agent, { MESOS_DIRECTORY: sandbox, ...env }) },
    cwd: sandbox,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The agent starts executors in their own session (setsid), so that
    // killing "our process group" never reaches the agent: here, the test.
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const run: ExecutorRun = {
    child,
    sandbox,
    stdout: () => out,
    stderr: () => err,
    exited,
    within: <T>(promise: Promise<T>) =>
      Promise.race([
        promise,
        exited.then(({ code, signal }): never => {
          throw new Error(`mesos-executor exited early (${code ?? signal})\nstdout:\n${out}\nstderr:\n${err}`);
        }),
      ]),
    taskPid: () => {
      const match = /Forked command at (\d+)/.exec(out);
      return match ? Number(match[1]) : undefined;
    },
    forkedPid: async () => {
      // The update can arrive before the executor's stdout has been read.
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
        const pid = run.taskPid();
        if (pid !== undefined) return pid;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return run.taskPid();
    },
  };
  return run;
}

/** Kills what a test leaves behind: the executor's group and the task's. */
export function cleanup(run: ExecutorRun): void {
  const task = run.taskPid();
  for (const pid of [run.child.pid, task]) {
    if (pid === undefined) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  fs.rmSync(run.sandbox, { recursive: true, force: true });
}

/** Pids of live (non-zombie) processes in a session, per `ps`. */
export function sessionMembers(sid: number): number[] {
  const text = execFileSync('ps', ['-e', '-o', 'pid=,sid=,stat='], { encoding: 'utf8' });
  const pids: number[] = [];
  for (const line of text.split('\n')) {
    const [pid, session, stat] = line.trim().split(/\s+/);
    if (Number(session) === sid && !(stat ?? '').startsWith('Z')) pids.push(Number(pid));
  }
  return pids;
}

/** The next status update from the executor, acknowledged as the agent would. */
export async function nextUpdate(
  agent: PeerProcess,
  run: ExecutorRun,
  ack = true,
): Promise<mesos.internal.StatusUpdate> {
  const { from, message } = await run.within(agent.next(mesos.internal.StatusUpdateMessage));
  if (ack) acknowledge(agent, from, message.update);
  return message.update as mesos.internal.StatusUpdate;
}
