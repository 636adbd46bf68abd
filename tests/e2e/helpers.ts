// Support for the end-to-end tests: our CLIs (bin/mesos-master.js,
// bin/mesos-agent.js, bin/mesos-local.js, bin/mesos-execute.js) and the
// examples run as real OS processes on loopback, random ports, their output
// captured; a Cluster owns every process and directory it started and its
// teardown leaves nothing running (executors and tasks are found by their
// working directory, which lies under an agent's work dir).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const bin = (name: string): string => path.join(ROOT, 'bin', `${name}.js`);
export const example = (name: string): string => path.join(ROOT, 'examples', `${name}.ts`);
const TSX = import.meta.resolve('tsx');

/** The environment every process gets: loopback only, quiet logs. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LIBPROCESS_IP: '127.0.0.1', MESOS_TS_LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'warn' };
  // Nothing of the test runner's own MESOS_* settings leaks into the CLIs' flags.
  for (const key of Object.keys(env)) if (key.startsWith('MESOS_') && key !== 'MESOS_TS_LOG_LEVEL') delete env[key];
  return { ...env, ...extra };
}

export class Proc {
  private out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly label: string,
    readonly child: ChildProcessWithoutNullStreams,
  ) {
    const append = (chunk: Buffer): void => {
      this.out += chunk.toString();
      for (const listener of this.listeners) listener();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const listener of this.listeners) listener();
    });
  }

  get output(): string {
    return this.out;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first match of `pattern` in the output (waiting for it). */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this.out);
        if (match !== null) {
          done();
          resolve(match);
        } else if (!this.running) {
          done();
          reject(new Error(`${this.label} exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label} did not print ${pattern} within ${timeoutMs} ms:\n${this.tail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves with the exit code (killing the process after `timeoutMs`). */
  async exitCode(timeoutMs = 60_000): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if still running after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(chars = 4_000): string {
    return this.out.slice(-chars);
  }
}

/** Starts `node <args>` with the e2e environment. */
export function startNode(label: string, args: string[], env: NodeJS.ProcessEnv = childEnv()): Proc {
  const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }) as unknown as ChildProcessWithoutNullStreams;
  return new Proc(label, child);
}

/** `node --import tsx examples/<name>.ts <args>`. */
export function startExample(name: string, args: string[], env?: NodeJS.ProcessEnv): Proc {
  return startNode(name, ['--import', TSX, example(name), ...args], env);
}

/** Pids of processes whose working directory lies under `dir` (executors and tasks run in their sandboxes). */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return pids;
}

export async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export interface StateTask {
  id: string;
  name: string;
  state: string;
  framework_id: string;
  slave_id: string;
  statuses: { state: string }[];
}
export interface StateFramework {
  id: string;
  name: string;
  active: boolean;
  tasks: StateTask[];
  completed_tasks: StateTask[];
}
export interface MasterState {
  slaves: { id: string; active: boolean; pid: string }[];
  frameworks: StateFramework[];
  completed_frameworks: StateFramework[];
}

export async function masterState(address: string): Promise<MasterState> {
  const response = await fetch(`http://${address}/master/state`);
  if (!response.ok) throw new Error(`/master/state answered ${response.status}`);
  return (await response.json()) as MasterState;
}

/** Finds a framework among the active or completed ones. */
export function findFramework(state: MasterState, id: string): { framework: StateFramework; completed: boolean } | undefined {
  const active = state.frameworks.find((f) => f.id === id);
  if (active !== undefined) return { framework: active, completed: false };
  const completed = state.completed_frameworks.find((f) => f.id === id);
  return completed === undefined ? undefined : { framework: completed, completed: true };
}

export interface Agent {
  proc: Proc;
  address: string;
  workDir: string;
}

export const AGENT_RESOURCES = 'cpus:4;mem:2048;disk:1024;ports:[31000-32000]';

/**
 * Processes and directories of one test file. `teardown()` stops the
 * processes (newest first), waits for the executors and tasks under the work
 * dirs to go (SIGKILLing what is left after a while) and removes the dirs;
 * it throws if something had to be killed.
 */
export class Cluster {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-e2e-'));
  private readonly procs: Proc[] = [];
  master: { proc: Proc; address: string } | undefined;
  readonly agents: Agent[] = [];
  private agentCount = 0;

  track(proc: Proc): Proc {
    this.procs.push(proc);
    return proc;
  }

  get masterAddress(): string {
    if (this.master === undefined) throw new Error('no master started');
    return this.master.address;
  }

  async startMaster(args: string[] = []): Promise<string> {
    const proc = this.track(startNode('mesos-master', [bin('mesos-master'), '--ip=127.0.0.1', '--port=0', '--registry=in_memory', ...args]));
    const match = await proc.waitFor(/listening on http:\/\/(\S+) /, 20_000);
    const address = match[1] ?? '';
    this.master = { proc, address };
    return address;
  }

  async startAgent(args: string[] = []): Promise<Agent> {
    const index = this.agentCount++;
    const workDir = path.join(this.root, `agent-${index}`);
    fs.mkdirSync(workDir, { recursive: true });
    const proc = this.track(
      startNode(`mesos-agent-${index}`, [
        bin('mesos-agent'),
        '--ip=127.0.0.1',
        '--port=0',
        `--master=${this.masterAddress}`,
        `--work_dir=${workDir}`,
        `--resources=${AGENT_RESOURCES}`,
        '--registration_backoff_factor=10ms',
        ...args,
      ]),
    );
    const match = await proc.waitFor(/listening on http:\/\/(\S+) /, 20_000);
    const agent = { proc, address: match[1] ?? '', workDir };
    this.agents.push(agent);
    return agent;
  }

  /**
   * Agent recovery: SIGKILLs the agent (unless it already exited) and starts a
   * new `mesos-agent` on the same work dir and port, with `args` (the
   * original ones are not repeated). Waits for it to listen unless `wait` is
   * false (an agent expected to fail).
   */
  async restartAgent(agent: Agent, args: string[] = [], wait = true): Promise<Agent> {
    if (agent.proc.running) {
      agent.proc.kill('SIGKILL');
      await agent.proc.exited;
    }
    const port = agent.address.split(':').pop() ?? '0';
    const proc = this.track(
      startNode(`${agent.proc.label}-restarted`, [
        bin('mesos-agent'),
        '--ip=127.0.0.1',
        `--port=${port}`,
        `--master=${this.masterAddress}`,
        `--work_dir=${agent.workDir}`,
        `--resources=${AGENT_RESOURCES}`,
        '--registration_backoff_factor=10ms',
        ...args,
      ]),
    );
    const restarted = { proc, address: agent.address, workDir: agent.workDir };
    if (wait) await proc.waitFor(/listening on http:\/\/(\S+) /, 20_000);
    this.agents.push(restarted);
    return restarted;
  }

  /** Waits until the master lists `count` active agents; returns their ids. */
  async agentsRegistered(count: number, timeoutMs = 20_000): Promise<string[]> {
    return until(`${count} active agents`, timeoutMs, async () => {
      const state = await masterState(this.masterAddress);
      const active = state.slaves.filter((s) => s.active);
      return active.length >= count ? active.map((s) => s.id) : undefined;
    });
  }

  /** Starts an example scheduler (tracked, so teardown stops it). */
  example(name: string, args: string[]): Proc {
    return this.track(startExample(name, args));
  }

  /** Runs mesos-execute (tracked). */
  execute(args: string[]): Proc {
    return this.track(startNode('mesos-execute', [bin('mesos-execute'), ...args]));
  }

  /** What every process printed, for a failing test's log. */
  dump(): string {
    return this.procs.map((p) => `--- ${p.label} (pid ${p.pid}) ---\n${p.tail(3_000)}`).join('\n');
  }

  async teardown(): Promise<void> {
    for (const proc of [...this.procs].reverse()) await proc.stop();
    // Executors exit by themselves once their agent is gone.
    let left: number[] = [];
    try {
      await until('executors and tasks to exit', 15_000, () => {
        left = processesUnder(this.root);
        return left.length === 0 ? true : undefined;
      });
    } catch {
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(this.root, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`processes left running under ${this.root}: ${left.join(', ')}`);
  }
}
