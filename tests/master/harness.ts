// An in-process cluster for master tests: a master runtime and fake agents
// and schedulers (PeerProcess) on an in-memory network with a paused clock.
// Everything the master sees are real protobuf messages.

import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime, type UPID } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { messageName } from '../../libprocess/process.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { startMaster, type MasterSetup, type RunningMaster } from '../../master/daemon.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

const m = mesos.internal;

export const AGENT_MESSAGES = [
  m.SlaveRegisteredMessage,
  m.SlaveReregisteredMessage,
  m.PingSlaveMessage,
  m.RunTaskMessage,
  m.KillTaskMessage,
  m.ShutdownMessage,
  m.ShutdownFrameworkMessage,
  m.ShutdownExecutorMessage,
  m.StatusUpdateAcknowledgementMessage,
  m.UpdateFrameworkMessage,
  m.CheckpointResourcesMessage,
  m.FrameworkToExecutorMessage,
].map(messageName);

export const SCHEDULER_MESSAGES = [
  m.FrameworkRegisteredMessage,
  m.FrameworkReregisteredMessage,
  m.FrameworkErrorMessage,
  m.ResourceOffersMessage,
  m.RescindResourceOfferMessage,
  m.StatusUpdateMessage,
  m.LostSlaveMessage,
  m.ExitedExecutorMessage,
  m.ExecutorToFrameworkMessage,
].map(messageName);

export class Cluster {
  readonly clock = new Clock();
  readonly network = new InMemoryNetwork();
  readonly masterRuntime: Runtime;
  readonly running: RunningMaster;
  private readonly runtimes: Runtime[] = [];

  constructor(setup: Partial<MasterSetup> = {}) {
    this.clock.pause();
    this.masterRuntime = startMemoryRuntime(this.network, {
      clock: this.clock,
      delegate: 'master',
      env: { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' },
    });
    this.running = startMaster(this.masterRuntime, {
      hostname: 'master.test',
      registry: { kind: 'in_memory' },
      masterId: 'MASTER',
      ...setup,
    });
  }

  get master(): UPID {
    return this.running.master.self;
  }

  /** A runtime of its own for a fake peer (like a separate OS process). */
  peerRuntime(): Runtime {
    const runtime = startMemoryRuntime(this.network, { clock: this.clock });
    this.runtimes.push(runtime);
    return runtime;
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.masterRuntime.settle();
      for (const runtime of this.runtimes) await runtime.settle();
    }
  }

  /** Advances time in steps so timers that re-arm fire at their own times. */
  async advance(ms: number, stepMs = 1000): Promise<void> {
    for (let left = ms; left > 0; left -= stepMs) {
      this.clock.advance(Math.min(stepMs, left));
      await this.settle();
    }
  }

  async metric(name: string): Promise<number | undefined> {
    return (await this.masterRuntime.metrics.snapshot()).get(name);
  }

  async stop(): Promise<void> {
    await this.running.stop();
    for (const runtime of this.runtimes) await runtime.shutdown();
    await this.masterRuntime.shutdown();
  }

  /** Starts a fake agent and registers it. */
  async agent(resources = 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]', hostname = 'agent.test'): Promise<FakeAgent> {
    const runtime = this.peerRuntime();
    const process = new AgentPeer();
    runtime.spawn(process);
    await this.settle();
    const agent = new FakeAgent(this, runtime, process, hostname, Resources.parse(resources));
    await agent.register();
    return agent;
  }

  /** Starts a fake scheduler and registers a framework. */
  async framework(info: Partial<mesos.FrameworkInfo.$Properties> = {}): Promise<FakeScheduler> {
    const runtime = this.peerRuntime();
    const process = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
    runtime.spawn(process);
    await this.settle();
    const scheduler = new FakeScheduler(this, runtime, process);
    await scheduler.register({ user: 'tester', name: 'test-framework', ...info });
    return scheduler;
  }
}

/** A fake agent's process: records messages, answers pings unless told not to. */
export class AgentPeer extends PeerProcess {
  ponging = true;
  pings = 0;
  constructor() {
    super('slave()', AGENT_MESSAGES);
  }
  protected override initialize(): void {
    super.initialize();
    this.install(m.PingSlaveMessage, (from) => {
      this.pings++;
      if (this.ponging) this.sendProto(from, m.PongSlaveMessage, {});
    });
  }
}

export class FakeAgent {
  id = '';
  constructor(
    readonly cluster: Cluster,
    readonly runtime: Runtime,
    readonly process: AgentPeer,
    readonly hostname: string,
    readonly resources: Resources,
  ) {}

  get pid(): UPID {
    return this.process.self;
  }

  info(): mesos.SlaveInfo.$Properties {
    return { hostname: this.hostname, resources: this.resources.toProto(), port: this.pid.port };
  }

  async register(): Promise<void> {
    this.process.sendProto(this.cluster.master, m.RegisterSlaveMessage, { slave: this.info(), version: '1.0.0' });
    await this.cluster.settle();
    const { message } = await this.process.next(m.SlaveRegisteredMessage);
    this.id = message.slave_id.value;
  }

  update(frameworkId: string, taskId: string, state: mesos.TaskState, uuid: Uint8Array, message = ''): void {
    this.process.sendProto(this.cluster.master, m.StatusUpdateMessage, {
      update: {
        framework_id: { value: frameworkId },
        slave_id: { value: this.id },
        status: { task_id: { value: taskId }, state, source: mesos.TaskStatus.Source.SOURCE_EXECUTOR, message },
        timestamp: this.cluster.clock.now() / 1000,
        uuid,
      },
      pid: this.pid.toString(),
    });
  }
}

export class FakeScheduler {
  id = '';
  constructor(
    readonly cluster: Cluster,
    readonly runtime: Runtime,
    readonly process: PeerProcess,
  ) {}

  async register(info: mesos.FrameworkInfo.$Properties): Promise<void> {
    this.process.sendProto(this.cluster.master, m.RegisterFrameworkMessage, { framework: info });
    await this.cluster.settle();
    const { message } = await this.process.next(m.FrameworkRegisteredMessage);
    this.id = message.framework_id.value;
  }

  call(call: mesos.scheduler.Call.$Properties): void {
    this.process.sendProto(this.cluster.master, mesos.scheduler.Call, { framework_id: { value: this.id }, ...call });
  }

  async offers(): Promise<mesos.internal.ResourceOffersMessage> {
    await this.cluster.settle();
    return (await this.process.next(m.ResourceOffersMessage)).message;
  }

  launch(offerIds: string[], tasks: mesos.TaskInfo.$Properties[], filters?: mesos.Filters.$Properties): void {
    this.process.sendProto(this.cluster.master, m.LaunchTasksMessage, {
      framework_id: { value: this.id },
      tasks,
      filters: filters ?? {},
      offer_ids: offerIds.map((value) => ({ value })),
    });
  }

  async update(): Promise<mesos.internal.StatusUpdateMessage> {
    await this.cluster.settle();
    return (await this.process.next(m.StatusUpdateMessage)).message;
  }
}

export function commandTask(id: string, agentId: string, resources = 'cpus:1;mem:128'): mesos.TaskInfo.$Properties {
  return {
    name: `task ${id}`,
    task_id: { value: id },
    slave_id: { value: agentId },
    resources: Resources.parse(resources).toProto(),
    command: { value: 'sleep 1', shell: true },
  };
}

/** Two fixed version-4 UUIDs (byte 6 carries the version, as UUID::fromBytes checks). */
export const UUID_A = Uint8Array.from(Buffer.from('0f1e2d3c4b5a49788796a5b4c3d2e1f0', 'hex'));
export const UUID_B = Uint8Array.from(Buffer.from('a1b2c3d4e5f64718a9b0c1d2e3f40516', 'hex'));
