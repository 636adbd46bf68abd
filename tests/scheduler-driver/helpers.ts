// Test support for the scheduler driver: a Scheduler that records its
// callbacks for tests to await, and a real master + agent over TCP in the
// test process (the pattern of tests/agent/agent.test.ts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRuntime, type Runtime } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { startMaster, type MasterSetup, type RunningMaster } from '../../master/daemon.js';
import type { Agent } from '../../agent/agent.js';
import type { Framework } from '../../master/model.js';
import { ENV, eventually, startTcpAgent } from '../agent/world.js';
import type {
  ExecutorID,
  FrameworkID,
  MasterInfo,
  Offer,
  OfferID,
  Scheduler,
  SchedulerDriver,
  SlaveID,
  TaskStatus,
} from '../../scheduler-driver/driver.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';
process.env['LIBPROCESS_IP'] = '127.0.0.1';

export { ENV, eventually };

export type SchedulerEvent =
  | { kind: 'registered'; frameworkId: FrameworkID; masterInfo: MasterInfo }
  | { kind: 'reregistered'; masterInfo: MasterInfo }
  | { kind: 'disconnected' }
  | { kind: 'offers'; offers: Offer[] }
  | { kind: 'rescinded'; offerId: OfferID }
  | { kind: 'update'; status: TaskStatus }
  | { kind: 'message'; executorId: ExecutorID; slaveId: SlaveID; data: Uint8Array }
  | { kind: 'slaveLost'; slaveId: SlaveID }
  | { kind: 'executorLost'; executorId: ExecutorID; slaveId: SlaveID; status: number }
  | { kind: 'error'; message: string };

export type EventOf<K extends SchedulerEvent['kind']> = Extract<SchedulerEvent, { kind: K }>;

interface Waiter {
  match: (event: SchedulerEvent) => boolean;
  resolve: (event: SchedulerEvent) => void;
}

/**
 * Records every callback. `next(kind)` takes the oldest unconsumed event of
 * that kind (waiting for one if needed). `on` adds behaviour to a callback.
 */
export class RecordingScheduler implements Scheduler {
  readonly all: SchedulerEvent[] = [];
  private readonly inbox: SchedulerEvent[] = [];
  private readonly waiters: Waiter[] = [];
  on: Partial<Scheduler> = {};

  private record(event: SchedulerEvent): void {
    this.all.push(event);
    const index = this.waiters.findIndex((w) => w.match(event));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter?.resolve(event);
      return;
    }
    this.inbox.push(event);
  }

  next<K extends SchedulerEvent['kind']>(kind: K, where: (event: EventOf<K>) => boolean = () => true, timeoutMs = 30_000): Promise<EventOf<K>> {
    const match = (event: SchedulerEvent): boolean => event.kind === kind && where(event as EventOf<K>);
    const index = this.inbox.findIndex(match);
    if (index >= 0) {
      const [event] = this.inbox.splice(index, 1);
      return Promise.resolve(event as EventOf<K>);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match, resolve: (event) => resolve(event as EventOf<K>) };
      this.waiters.push(waiter);
      setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new Error(`timed out waiting for '${kind}'; got: ${this.all.map((e) => e.kind).join(', ')}`));
      }, timeoutMs).unref();
    });
  }

  /** Unconsumed events of a kind (consumed by this call). */
  drain<K extends SchedulerEvent['kind']>(kind: K): Array<EventOf<K>> {
    const out: Array<EventOf<K>> = [];
    for (let i = 0; i < this.inbox.length; ) {
      const event = this.inbox[i];
      if (event?.kind === kind) {
        out.push(event as EventOf<K>);
        this.inbox.splice(i, 1);
      } else {
        i++;
      }
    }
    return out;
  }

  /** The next update for a task in a state. */
  update(taskId: string, state?: mesos.TaskState, timeoutMs?: number): Promise<TaskStatus> {
    return this.next(
      'update',
      (e) => e.status.task_id.value === taskId && (state === undefined || e.status.state === state),
      timeoutMs,
    ).then((e) => e.status);
  }

  registered(driver: SchedulerDriver, frameworkId: FrameworkID, masterInfo: MasterInfo): void | Promise<void> {
    this.record({ kind: 'registered', frameworkId, masterInfo });
    return this.on.registered?.(driver, frameworkId, masterInfo);
  }
  reregistered(driver: SchedulerDriver, masterInfo: MasterInfo): void | Promise<void> {
    this.record({ kind: 'reregistered', masterInfo });
    return this.on.reregistered?.(driver, masterInfo);
  }
  disconnected(driver: SchedulerDriver): void | Promise<void> {
    this.record({ kind: 'disconnected' });
    return this.on.disconnected?.(driver);
  }
  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void | Promise<void> {
    this.record({ kind: 'offers', offers });
    return this.on.resourceOffers?.(driver, offers);
  }
  offerRescinded(driver: SchedulerDriver, offerId: OfferID): void | Promise<void> {
    this.record({ kind: 'rescinded', offerId });
    return this.on.offerRescinded?.(driver, offerId);
  }
  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void | Promise<void> {
    this.record({ kind: 'update', status });
    return this.on.statusUpdate?.(driver, status);
  }
  frameworkMessage(driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, data: Uint8Array): void | Promise<void> {
    this.record({ kind: 'message', executorId, slaveId, data });
    return this.on.frameworkMessage?.(driver, executorId, slaveId, data);
  }
  slaveLost(driver: SchedulerDriver, slaveId: SlaveID): void | Promise<void> {
    this.record({ kind: 'slaveLost', slaveId });
    return this.on.slaveLost?.(driver, slaveId);
  }
  executorLost(driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, status: number): void | Promise<void> {
    this.record({ kind: 'executorLost', executorId, slaveId, status });
    return this.on.executorLost?.(driver, executorId, slaveId, status);
  }
  error(driver: SchedulerDriver, message: string): void | Promise<void> {
    this.record({ kind: 'error', message });
    return this.on.error?.(driver, message);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Cluster {
  masterRuntime: Runtime;
  master: RunningMaster;
  agentRuntime: Runtime;
  agent: Agent;
  workDir: string;
  /** `host:port` of the master, as a framework would be given it. */
  address: string;
  framework(id: string): Framework | undefined;
  /** Replaces the master with a fresh one on the same port (a master failover without a registry). */
  restartMaster(): Promise<void>;
  stop(): Promise<void>;
}

export async function cluster(setup: Partial<MasterSetup> = {}, agentResources = 'cpus:2;mem:1024;disk:1024;ports:[31000-31100]'): Promise<Cluster> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sched-driver-test-'));
  const masterSetup: MasterSetup = { hostname: 'localhost', registry: { kind: 'in_memory' }, allocationIntervalMs: 100, ...setup };
  let masterRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, delegate: 'master', env: ENV });
  let master = startMaster(masterRuntime, masterSetup);
  const port = masterRuntime.port;
  const { agentRuntime, agent } = await startTcpAgent(masterRuntime, master, workDir, { resources: agentResources });
  const c: Cluster = {
    get masterRuntime() {
      return masterRuntime;
    },
    get master() {
      return master;
    },
    agentRuntime,
    agent,
    workDir,
    address: `127.0.0.1:${port}`,
    framework: (id) => master.master.state.frameworks.get(id),
    restartMaster: async () => {
      await master.stop();
      await masterRuntime.shutdown();
      masterRuntime = await startRuntime({ ip: '127.0.0.1', port, delegate: 'master', env: ENV });
      master = startMaster(masterRuntime, masterSetup);
    },
    stop: async () => {
      await agentRuntime.shutdown();
      await master.stop();
      await masterRuntime.shutdown();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  return c;
}

export const cpus = (n: number, mem = 64): mesos.Resource.$Properties[] => Resources.parse(`cpus:${n};mem:${mem}`).toProto();

/** A command task on an offer. */
export function commandTask(offer: Offer, taskId: string, command: string): mesos.TaskInfo.$Properties {
  return {
    name: taskId,
    task_id: { value: taskId },
    slave_id: offer.slave_id,
    resources: cpus(0.5),
    command: { value: command, shell: true },
  };
}

const ECHO_EXECUTOR = fileURLToPath(new URL('./fixtures/echo-executor.ts', import.meta.url));

/** A task run by the echo executor (tests/scheduler-driver/fixtures/echo-executor.ts). */
export function echoExecutorTask(offer: Offer, taskId: string, executorId: string): mesos.TaskInfo.$Properties {
  const tsx = import.meta.resolve('tsx');
  return {
    name: taskId,
    task_id: { value: taskId },
    slave_id: offer.slave_id,
    resources: cpus(0.5),
    executor: {
      executor_id: { value: executorId },
      command: { value: `'${process.execPath}' --import '${tsx}' '${ECHO_EXECUTOR}'`, shell: true },
      resources: cpus(0.1, 32),
    },
  };
}
