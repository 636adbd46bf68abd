// A real cluster over TCP in this process, shared by the end-to-end tests of
// the agent (tests/agent/agent.test.ts, shared-executor.test.ts,
// executor-http-e2e.test.ts) and the HTTP API and driver tests that run a
// real agent: our master and agent on runtimes of their own, and a fake
// scheduler (PeerProcess) registered as a framework. Plus the polling helper
// these tests wait with.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRuntime, type Runtime } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { startMaster, type RunningMaster } from '../../master/daemon.js';
import { startAgent } from '../../agent/daemon.js';
import type { Agent } from '../../agent/agent.js';
import { parseAgentFlags, type AgentFlags } from '../../agent/flags.js';
import { SCHEDULER_MESSAGES } from '../master/harness.js';
import { eventually } from '../eventually.js';

export { eventually };

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

export const ENV = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };
/** The launcher dir: bin/ with mesos-executor and friends. */
export const BIN = fileURLToPath(new URL('../../bin', import.meta.url));
const m = mesos.internal;

/** Agent flags for a test agent: its work dir, the master, bin/ as launcher dir and a quick registration backoff, then `extra`. */
export function testAgentFlags(workDir: string, master: string, extra: readonly string[] = []): AgentFlags {
  const parsed = parseAgentFlags(
    [`--work_dir=${workDir}`, `--master=${master}`, `--launcher_dir=${BIN}`, '--registration_backoff_factor=10ms', ...extra],
    {},
  );
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.flags;
}

export interface TcpAgentOptions {
  /** The agent's resources, as a resource string. */
  resources: string;
  /** Flags after the usual ones (testAgentFlags). */
  flags?: readonly string[];
}

/** Starts an agent on a runtime of its own and waits until it has registered with `master`. */
export async function startTcpAgent(
  masterRuntime: Runtime,
  master: RunningMaster,
  workDir: string,
  options: TcpAgentOptions,
): Promise<{ agentRuntime: Runtime; agent: Agent }> {
  const flags = testAgentFlags(workDir, masterRuntime.address, options.flags);
  const agentRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  const agent = startAgent(agentRuntime, {
    flags,
    info: { hostname: 'localhost', resources: Resources.parse(options.resources).toProto() },
    master: master.master.self,
    flagsJson: () => ({}),
  });
  await eventually(() => (agent.state === 'RUNNING' ? true : undefined));
  return { agentRuntime, agent };
}

export interface World {
  masterRuntime: Runtime;
  master: RunningMaster;
  agentRuntime: Runtime;
  agent: Agent;
  schedulerRuntime: Runtime;
  scheduler: PeerProcess;
  frameworkId: string;
  workDir: string;
  stop(): Promise<void>;
}

export interface WorldOptions extends TcpAgentOptions {
  /** Prefix of the temporary work dir. */
  prefix: string;
  /** Mode given to the work dir (when its default is too tight, e.g. for tasks run as another user). */
  workDirMode?: number;
  /** The framework the scheduler registers: its name, user (default this process's) and checkpoint (left unset unless given). */
  framework: { name: string; user?: string; checkpoint?: boolean };
  /** Runs once the agent's runtime is shut down, before the master stops. */
  afterAgentStopped?: (agent: Agent) => Promise<void>;
}

/** A master, an agent registered with it, and a fake scheduler whose framework is registered. */
export async function world(options: WorldOptions): Promise<World> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  if (options.workDirMode !== undefined) fs.chmodSync(workDir, options.workDirMode);
  const masterRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, delegate: 'master', env: ENV });
  const master = startMaster(masterRuntime, { hostname: 'localhost', registry: { kind: 'in_memory' }, allocationIntervalMs: 200 });
  const { agentRuntime, agent } = await startTcpAgent(masterRuntime, master, workDir, options);
  const schedulerRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  const scheduler = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
  schedulerRuntime.spawn(scheduler);
  await schedulerRuntime.settle();
  const { name, user = os.userInfo().username, checkpoint } = options.framework;
  scheduler.sendProto(master.master.self, m.RegisterFrameworkMessage, {
    framework: { user, name, ...(checkpoint !== undefined ? { checkpoint } : {}) },
  });
  const frameworkId = (await scheduler.next(m.FrameworkRegisteredMessage)).message.framework_id.value;
  return {
    masterRuntime,
    master,
    agentRuntime,
    agent,
    schedulerRuntime,
    scheduler,
    frameworkId,
    workDir,
    stop: async () => {
      await agentRuntime.shutdown();
      await options.afterAgentStopped?.(agent);
      await master.stop();
      await masterRuntime.shutdown();
      await schedulerRuntime.shutdown();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Launches `tasks` (given the offer they go on) on the scheduler's next offer. */
export async function launchOnNextOffer(w: World, tasks: (offer: mesos.Offer) => mesos.TaskInfo.$Properties[]): Promise<void> {
  const offer = (await w.scheduler.next(m.ResourceOffersMessage)).message.offers[0] as mesos.Offer;
  w.scheduler.sendProto(w.master.master.self, m.LaunchTasksMessage, {
    framework_id: { value: w.frameworkId },
    offer_ids: [offer.id],
    filters: {},
    tasks: tasks(offer),
  });
}

/**
 * Waits for the scheduler's next status update and acknowledges it when it
 * has a uuid and, unless `fromAnyPid`, came from an agent (not the master's
 * own `@0.0.0.0:0` or empty pid); returns it with the sender's pid.
 */
export async function nextStatusUpdate(
  w: World,
  options: { fromAnyPid?: boolean } = {},
): Promise<{ update: mesos.internal.StatusUpdate.$Properties; pid: string }> {
  const { message } = await w.scheduler.next(m.StatusUpdateMessage);
  const update = message.update;
  const fromAgent = options.fromAnyPid === true || (message.pid !== '' && message.pid !== '@0.0.0.0:0');
  if (fromAgent && (update.uuid?.length ?? 0) > 0) {
    w.scheduler.sendProto(w.master.master.self, m.StatusUpdateAcknowledgementMessage, {
      slave_id: update.slave_id ?? { value: '' },
      framework_id: update.framework_id,
      task_id: update.status.task_id,
      uuid: update.uuid ?? new Uint8Array(),
    });
  }
  return { update, pid: message.pid ?? '' };
}

/** Pids whose command line is exactly `text`. */
export function processesRunning(text: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() === text) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
