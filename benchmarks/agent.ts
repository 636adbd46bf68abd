// Agent benchmark: many short command tasks on one agent.
//
//   node --import tsx benchmarks/run.ts agent        (npm run bench:agent)
//
// Each scenario runs in a child process of its own (this file with `--scenario=...`), so
// that the agent's peak RSS is its own: a real agent (agent/daemon.ts, real TCP, the real
// containerizer and executors) against a fake master on another runtime in the same
// process. The fake master registers the agent, sends every RunTaskMessage at once (short
// command tasks: `true` or `echo`), acknowledges every status update as a framework
// would, and records when each task reached TASK_RUNNING and TASK_FINISHED.
//
// Printed:
//   BENCH agent.launch_1000_running <ms> ms        first RunTask sent -> last TASK_RUNNING
//   BENCH agent.launch_1000_finished <ms> ms       first RunTask sent -> last TASK_FINISHED
//   BENCH agent.peak_rss <MiB> MiB                 the agent process's peak RSS (VmHWM)
//   BENCH agent.executor_host_peak_rss <MiB> MiB   the shared executor host's peak RSS
// for 1,000 tasks with --shared_command_executor, and, as a reference, one
//   BENCH agent.launch_100_process_finished <ms> ms
// for 100 tasks in the default mode (one mesos-executor process per task).
//
// Every scenario removes its work directory and stops the executor host before exiting.
// A scenario whose tasks do not all end within BENCH_AGENT_TIMEOUT_MS (default 180 s)
// fails, naming some of the tasks and the state the agent has them in.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Process, startRuntime, type UPID } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { startAgent } from '../agent/daemon.js';
import { parseAgentFlags } from '../agent/flags.js';
import type { MesosContainerizer } from '../agent/containerizer/mesos-containerizer.js';
import { report } from './harness.js';

const m = mesos.internal;
const FRAMEWORK_ID = 'bench-framework-0000';
const AGENT_ID = 'bench-agent-S0';
const BIN = fileURLToPath(new URL('../bin', import.meta.url));
/** A scenario that takes longer than this fails, naming tasks that did not end. */
const TIMEOUT_MS = Number(process.env['BENCH_AGENT_TIMEOUT_MS'] ?? 180_000);

interface Scenario {
  name: string;
  tasks: number;
  shared: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  shared_1000: { name: 'shared_1000', tasks: 1000, shared: true },
  process_100: { name: 'process_100', tasks: 100, shared: false },
};

/** VmHWM (peak resident set) of a process, in MiB; undefined once it is gone. */
function peakRssMiB(pid: number | 'self'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match?.[1] !== undefined ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A master that registers one agent, runs tasks on it and acknowledges their updates. */
class FakeMaster extends Process {
  agent: UPID | undefined;
  readonly registered: Promise<UPID>;
  private resolveRegistered!: (pid: UPID) => void;
  readonly running = new Map<string, number>();
  readonly finished = new Map<string, number>();
  readonly other = new Map<string, string>();
  private done: (() => void) | undefined;
  private expected = 0;

  constructor() {
    super('master');
    this.registered = new Promise((resolve) => (this.resolveRegistered = resolve));
  }

  protected override initialize(): void {
    this.install(m.RegisterSlaveMessage, (from) => {
      this.agent = from;
      this.sendProto(from, m.SlaveRegisteredMessage, { slave_id: { value: AGENT_ID }, connection: { total_ping_timeout_seconds: 3600 } });
      this.resolveRegistered(from);
    });
    this.install(m.ReregisterSlaveMessage, (from) => {
      this.sendProto(from, m.SlaveReregisteredMessage, { slave_id: { value: AGENT_ID } });
    });
    this.install(m.StatusUpdateMessage, (from, message) => this.update(from, message));
  }

  /** Resolves once `count` tasks have a terminal state. */
  whenTerminal(count: number): Promise<void> {
    this.expected = count;
    return new Promise((resolve) => {
      this.done = resolve;
      this.check();
    });
  }

  runTasks(tasks: readonly mesos.TaskInfo.$Properties[]): void {
    const agent = this.agent;
    if (agent === undefined) throw new Error('no agent registered');
    const framework: mesos.FrameworkInfo.$Properties = { id: { value: FRAMEWORK_ID }, name: 'bench', user: os.userInfo().username };
    for (const task of tasks) {
      this.sendProto(agent, m.RunTaskMessage, { framework, framework_id: { value: FRAMEWORK_ID }, pid: '@0.0.0.0:0', task });
    }
  }

  private update(from: UPID, message: mesos.internal.StatusUpdateMessage): void {
    const update = message.update;
    const taskId = update.status.task_id.value;
    const now = performance.now();
    const state = update.status.state;
    if (state === mesos.TaskState.TASK_RUNNING) this.running.set(taskId, now);
    else if (state === mesos.TaskState.TASK_FINISHED) this.finished.set(taskId, now);
    else if (state !== mesos.TaskState.TASK_STARTING) this.other.set(taskId, `${mesos.TaskState[state]}: ${update.status.message ?? ''}`);
    if ((update.uuid?.length ?? 0) > 0) {
      this.sendProto(from, m.StatusUpdateAcknowledgementMessage, {
        slave_id: { value: AGENT_ID },
        framework_id: update.framework_id,
        task_id: update.status.task_id,
        uuid: update.uuid ?? new Uint8Array(),
      });
    }
    this.check();
  }

  private check(): void {
    if (this.done !== undefined && this.finished.size + this.other.size >= this.expected) {
      const done = this.done;
      this.done = undefined;
      done();
    }
  }
}

function max(values: Iterable<number>): number {
  let result = -Infinity;
  for (const value of values) if (value > result) result = value;
  return result;
}

/** The end of a task's sandbox stdout and stderr, to say why it failed (the work dir goes afterwards). */
function sandboxTail(workDir: string, taskId: string): string {
  const files = fs
    .readdirSync(workDir, { recursive: true })
    .map(String)
    .filter((f) => f.includes(`/executors/${taskId}/runs/`) && !f.includes('/latest/') && /\/(stdout|stderr)$/.test(f));
  return files
    .map((f) => `\n--- ${f}\n${fs.readFileSync(path.join(workDir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('');
}

async function runScenario(scenario: Scenario): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-agent-'));
  const masterRuntime = await startRuntime({ ip: '127.0.0.1', port: 0 });
  const master = new FakeMaster();
  masterRuntime.spawn(master);
  process.env['LIBPROCESS_IP'] = '127.0.0.1';
  const args = [
    `--work_dir=${workDir}`,
    `--master=${masterRuntime.address}`,
    `--launcher_dir=${BIN}`,
    '--registration_backoff_factor=10ms',
    '--executor_registration_timeout=5mins',
    ...(scenario.shared ? ['--shared_command_executor'] : []),
  ];
  const parsed = parseAgentFlags(args, {});
  if (!parsed.ok) throw new Error(parsed.error);
  const agentRuntime = await startRuntime({ ip: '127.0.0.1', port: 0 });
  // 1,000 command executors reserve cpus:0.1;mem:32 each, the tasks a little more.
  const resources = Resources.parse('cpus:256;mem:131072;disk:65536;ports:[31000-32000]');
  const agent = startAgent(agentRuntime, {
    flags: parsed.flags,
    info: { hostname: 'localhost', port: agentRuntime.port, resources: resources.toProto(), checkpoint: true },
    master: master.self,
    flagsJson: () => ({}),
  });
  const containerizer = agent.containerizer as MesosContainerizer;
  let hostPeak: number | undefined;
  const sampler = setInterval(() => {
    const pid = containerizer.executorHost?.pid;
    const peak = pid !== undefined ? peakRssMiB(pid) : undefined;
    if (peak !== undefined) hostPeak = Math.max(hostPeak ?? 0, peak);
  }, 100);
  try {
    await master.registered;
    const tasks: mesos.TaskInfo.$Properties[] = [];
    for (let i = 0; i < scenario.tasks; i++) {
      tasks.push({
        name: `task-${i}`,
        task_id: { value: `task-${i}` },
        slave_id: { value: AGENT_ID },
        resources: Resources.parse('cpus:0.01;mem:1').toProto(),
        command: { value: i % 2 === 0 ? 'true' : `echo task-${i}`, shell: true },
      });
    }
    const terminal = master.whenTerminal(scenario.tasks);
    const start = performance.now();
    master.runTasks(tasks);
    let watchdog: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => {
        const waiting = tasks.map((t) => t.task_id.value).filter((id) => !master.finished.has(id) && !master.other.has(id));
        const running = waiting.filter((id) => master.running.has(id));
        const framework = agent.frameworks.get(FRAMEWORK_ID);
        const examples = waiting.slice(0, 5).map((id) => {
          const executor = framework?.executors.get(id);
          const task = executor?.launchedTasks.get(id);
          const state = task?.state !== undefined ? mesos.TaskState[task.state] : 'not launched';
          return `${id} (executor ${executor?.state ?? 'gone'}, task ${state})`;
        });
        reject(new Error(`${waiting.length} task(s) did not end within ${TIMEOUT_MS / 1000} s (${running.length} of them running), e.g. ${examples.join(', ')}`));
      }, TIMEOUT_MS);
    });
    try {
      await Promise.race([terminal, stuck]);
    } finally {
      clearTimeout(watchdog);
    }
    const pid = containerizer.executorHost?.pid;
    if (process.env['BENCH_AGENT_DEBUG'] !== undefined && pid !== undefined) {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').slice(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
      const self = fs.readFileSync('/proc/self/stat', 'utf8').slice(fs.readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
      process.stderr.write(`host utime ${stat[11]} stime ${stat[12]} cutime ${stat[13]} cstime ${stat[14]}; agent utime ${self[11]} stime ${self[12]} cutime ${self[13]} cstime ${self[14]} (ticks)\n`);
    }
    const peak = pid !== undefined ? peakRssMiB(pid) : undefined;
    if (peak !== undefined) hostPeak = Math.max(hostPeak ?? 0, peak);

    if (master.other.size > 0) {
      const [task, what] = [...master.other][0] ?? ['', ''];
      throw new Error(`${master.other.size} task(s) did not finish, e.g. ${task}: ${what}${sandboxTail(workDir, task)}`);
    }
    const n = scenario.tasks;
    if (scenario.shared) {
      report(`agent.launch_${n}_running`, max(master.running.values()) - start, 'ms');
      report(`agent.launch_${n}_finished`, max(master.finished.values()) - start, 'ms');
      report('agent.peak_rss', peakRssMiB('self') ?? 0, 'MiB');
      report('agent.executor_host_peak_rss', hostPeak ?? 0, 'MiB');
    } else {
      report(`agent.launch_${n}_process_finished`, max(master.finished.values()) - start, 'ms');
    }
  } finally {
    clearInterval(sampler);
    await agentRuntime.shutdown();
    await containerizer.close();
    await masterRuntime.shutdown();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs one scenario in a child process and passes its BENCH lines on. */
function runChild(name: string): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, `--scenario=${name}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, MESOS_TS_LOG_LEVEL: process.env['MESOS_TS_LOG_LEVEL'] ?? 'fatal' },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`agent benchmark scenario ${name} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

export async function run(): Promise<void> {
  await runChild('shared_1000');
  await runChild('process_100');
}

const wanted = process.argv.find((arg) => arg.startsWith('--scenario='))?.slice('--scenario='.length);
if (wanted !== undefined) {
  const scenario = SCENARIOS[wanted];
  if (scenario === undefined) {
    process.stderr.write(`unknown scenario '${wanted}' (known: ${Object.keys(SCENARIOS).join(', ')})\n`);
    process.exit(2);
  }
  try {
    await runScenario(scenario);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
