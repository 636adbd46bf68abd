// The master process: wires messages and routes to the modules that decide
// what to do (agents.ts, frameworks.ts, offers.ts, tasks.ts). It owns the
// model (state.ts); the allocator and registrar are separate processes behind
// small interfaces.

import { Process, type Decoder, type Encoder } from '../libprocess/process.js';
import type { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';
import type { Resources } from '../common/resources.js';
import type { Registry } from './registry-operations.js';
import type { RegistryOperation } from './registry-operations.js';
import { MasterIds } from './ids.js';
import { MasterMetrics } from './metrics.js';
import type { Framework, HttpConnection } from './model.js';
import { MasterState } from './indexes.js';
import * as agents from './agents.js';
import * as frameworks from './frameworks.js';
import * as tasks from './tasks.js';

export { MESOS_VERSION } from './http/version.js';
import { MESOS_VERSION } from './http/version.js';
import { installMasterRoutes } from './http/routes.js';
import { installMasterOperatorApi } from './http/operator-api.js';
import { installSchedulerApi } from './http/scheduler-api.js';
import { DEFAULT_HEARTBEAT_INTERVAL_SECS, v1EventOf } from './v1-events.js';

export interface MasterOptions {
  hostname: string;
  cluster?: string | undefined;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  agentReregisterTimeoutMs: number;
  offerTimeoutMs?: number | undefined;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  /** `--roles` whitelist; undefined means any role. */
  roles?: ReadonlySet<string> | undefined;
  rootSubmissions: boolean;
  /** Fixed master id (tests); random UUID otherwise. */
  masterId?: string;
  /** The flags as `/master/flags` shows them. */
  flags?: () => Record<string, string>;
  /** HEARTBEAT interval of HTTP scheduler streams (1.0: a fixed 15 s). */
  httpHeartbeatIntervalMs?: number;
}

export const DEFAULT_MASTER_OPTIONS: Omit<MasterOptions, 'hostname'> = {
  agentPingTimeoutMs: 15_000,
  maxAgentPingTimeouts: 5,
  agentReregisterTimeoutMs: 600_000,
  maxCompletedFrameworks: 50,
  maxCompletedTasksPerFramework: 1000,
  rootSubmissions: true,
};

/** What the master asks of the allocator (include/mesos/allocator/allocator.hpp). */
export interface AllocatorLike {
  addFramework(frameworkId: string, info: mesos.FrameworkInfo.$Properties, used: Map<string, Resources>, active: boolean): void;
  removeFramework(frameworkId: string): void;
  activateFramework(frameworkId: string): void;
  deactivateFramework(frameworkId: string): void;
  updateFramework(frameworkId: string, info: mesos.FrameworkInfo.$Properties): void;
  addSlave(agentId: string, info: mesos.SlaveInfo.$Properties, total: Resources, used: Map<string, Resources>): void;
  removeSlave(agentId: string): void;
  activateSlave(agentId: string): void;
  deactivateSlave(agentId: string): void;
  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds?: number): void;
  suppressOffers(frameworkId: string): void;
  reviveOffers(frameworkId: string): void;
}

/** What the master asks of the registrar (src/master/registrar.hpp). */
export interface RegistrarLike {
  recover(info: mesos.MasterInfo.$Properties): Promise<Registry>;
  apply(operation: RegistryOperation): Promise<boolean>;
}

export class Master extends Process {
  readonly ids: MasterIds;
  readonly state: MasterState;
  info!: mesos.MasterInfo;
  metrics!: MasterMetrics;
  startTime = 0;
  electedTime: number | undefined;
  /** Set once the registry is recovered; messages before that are dropped, as in Mesos. */
  recovered = false;
  /** The leading master when this one is not elected (set by master detection); undefined when none is known. */
  detectedLeader: mesos.MasterInfo.$Properties | undefined;
  private readonly options: MasterOptions;

  constructor(
    options: MasterOptions,
    readonly allocator: AllocatorLike,
    readonly registrar: RegistrarLike,
  ) {
    super('master');
    this.options = options;
    this.ids = new MasterIds(options.masterId);
    this.state = new MasterState(options.maxCompletedFrameworks);
  }

  get opts(): MasterOptions {
    return this.options;
  }

  protected override initialize(): void {
    const self = this.self;
    this.info = mesos.MasterInfo.create({
      id: this.ids.masterId,
      ip: ipToUint32(self.host),
      port: self.port,
      pid: self.toString(),
      hostname: this.options.hostname,
      version: MESOS_VERSION,
      address: { hostname: this.options.hostname, ip: self.host, port: self.port },
    });
    this.startTime = this.runtime.clock.now();
    this.electedTime = this.startTime;
    this.metrics = new MasterMetrics(this.runtime.metrics, this.gauges());
    this.installHandlers();
    installMasterRoutes((path, handler, options) => this.route(path, handler, options), this, {
      flags: this.options.flags ?? (() => ({})),
      leader: () => this.leader(),
    });
    installSchedulerApi((path, handler, options) => this.route(path, handler, options), this);
    installMasterOperatorApi((path, handler, options) => this.route(path, handler, options), this, { leader: () => this.leader() });
    this.defer(this.registrar.recover(this.info), (result) => {
      if (!result.ok) {
        this.runtime.log.fatal({ err: result.error }, 'failed to recover the registry');
        this.terminate();
        return;
      }
      agents.recover(this, result.value);
      this.recovered = true;
    });
  }

  protected override finalize(): void {
    this.metrics.remove();
  }

  protected override exited(pid: UPID): void {
    frameworks.exited(this, pid);
  }

  /** The clock in seconds, as Mesos timestamps are. */
  nowSecs(): number {
    return this.runtime.clock.now() / 1000;
  }

  /** The leading master: this one while elected, else the one detection found. */
  leader(): mesos.MasterInfo.$Properties | undefined {
    return this.electedTime !== undefined ? this.info : this.detectedLeader;
  }

  get heartbeatIntervalMs(): number {
    return this.options.httpHeartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_SECS * 1000;
  }

  /**
   * Sends a v0 message to a connected framework: to its driver's pid, or, for
   * an HTTP framework, as the v1 event it converts to on its stream.
   */
  sendToFramework<P>(framework: Framework, type: Encoder<P>, message: P): void {
    if (!framework.connected) return;
    const connection = framework.connection;
    if (connection.kind === 'http') this.sendEvent(connection, type, message);
    else this.sendProto(connection.pid, type, message);
  }

  /** Writes a v0 message to an HTTP stream as its v1 event (HttpConnection::send). */
  sendEvent<P>(connection: HttpConnection, type: Encoder<P>, message: P): void {
    const event = v1EventOf(type, message, this.heartbeatIntervalMs / 1000);
    if (event === undefined) {
      this.runtime.log.warn({ stream: connection.streamId }, 'no v1 event for this message; not sent to the HTTP framework');
      return;
    }
    if (!connection.send(event)) {
      this.runtime.log.warn({ stream: connection.streamId }, 'unable to send event to framework: connection closed');
    }
  }

  watch(pid: UPID): void {
    this.link(pid);
  }

  private installHandlers(): void {
    const guard = <T>(type: Decoder<T>, handler: (from: UPID, message: T) => void): void => {
      this.install(type, (from, message) => {
        if (!this.recovered) {
          this.metrics.inc('dropped_messages');
          this.runtime.log.info({ from: from.toString() }, 'dropping message: the master is still recovering');
          return;
        }
        handler(from, message);
      });
    };
    const m = mesos.internal;
    guard(m.RegisterSlaveMessage, (from, msg) => agents.register(this, from, msg));
    guard(m.ReregisterSlaveMessage, (from, msg) => agents.reregister(this, from, msg));
    guard(m.UnregisterSlaveMessage, (from, msg) => agents.unregister(this, from, msg.slave_id.value));
    guard(m.ExitedExecutorMessage, (from, msg) => agents.exitedExecutor(this, from, msg));
    guard(m.StatusUpdateMessage, (from, msg) => tasks.statusUpdate(this, from, msg));
    guard(m.ExecutorToFrameworkMessage, (from, msg) => tasks.executorMessage(this, from, msg));
    guard(m.UpdateSlaveMessage, (from, msg) => agents.updateSlave(this, from, msg));

    guard(m.RegisterFrameworkMessage, (from, msg) => frameworks.registerMessage(this, from, msg.framework, undefined));
    guard(m.ReregisterFrameworkMessage, (from, msg) => frameworks.registerMessage(this, from, msg.framework, msg.failover));
    guard(m.UnregisterFrameworkMessage, (from, msg) => frameworks.unregister(this, from, msg.framework_id.value));
    guard(m.DeactivateFrameworkMessage, (from, msg) => frameworks.deactivateMessage(this, from, msg.framework_id.value));
    guard(m.ResourceRequestMessage, (from, msg) => frameworks.resourceRequest(this, from, msg.framework_id.value));
    guard(m.LaunchTasksMessage, (from, msg) => tasks.launchTasksMessage(this, from, msg));
    guard(m.ReviveOffersMessage, (from, msg) => frameworks.reviveMessage(this, from, msg.framework_id.value));
    guard(m.KillTaskMessage, (from, msg) => tasks.killTaskMessage(this, from, msg));
    guard(m.StatusUpdateAcknowledgementMessage, (from, msg) => tasks.acknowledgeMessage(this, from, msg));
    guard(m.FrameworkToExecutorMessage, (from, msg) => tasks.schedulerMessage(this, from, msg));
    guard(m.ReconcileTasksMessage, (from, msg) => tasks.reconcileMessage(this, from, msg));
    guard(mesos.scheduler.Call, (from, call) => frameworks.receiveCall(this, from, call));
  }

  private gauges(): ConstructorParameters<typeof MasterMetrics>[1] {
    const state = this.state;
    return {
      uptimeSecs: () => (this.runtime.clock.now() - this.startTime) / 1000,
      elected: () => this.electedTime !== undefined,
      agents: () => {
        let active = 0;
        let connected = 0;
        for (const agent of state.agents.values()) {
          if (agent.active) active++;
          if (agent.connected) connected++;
        }
        return { active, inactive: state.agents.size - active, connected, disconnected: state.agents.size - connected };
      },
      frameworks: () => {
        let active = 0;
        let connected = 0;
        for (const framework of state.frameworks.values()) {
          if (framework.active) active++;
          if (framework.connected) connected++;
        }
        const n = state.frameworks.size;
        return { active, inactive: n - active, connected, disconnected: n - connected };
      },
      outstandingOffers: () => state.offers.size,
      tasksInState: (name) => {
        const want = mesos.TaskState[name as keyof typeof mesos.TaskState];
        let count = 0;
        for (const framework of state.frameworks.values()) {
          for (const record of framework.tasks.values()) if (record.task.state === want) count++;
        }
        return count;
      },
      resourceTotal: (name, revocable) => {
        let total = 0;
        for (const agent of state.agents.values()) {
          const resources = revocable ? agent.totalResources.revocable() : agent.totalResources.nonRevocable();
          total += resources.scalar(name) ?? 0;
        }
        return total;
      },
      resourceUsed: (name, revocable) => {
        let used = 0;
        for (const agent of state.agents.values()) {
          const resources = agent.used();
          used += (revocable ? resources.revocable() : resources.nonRevocable()).scalar(name) ?? 0;
        }
        return used;
      },
      eventQueue: () => ({ messages: 0, dispatches: 0, httpRequests: 0 }),
    };
  }
}

/** MasterInfo.ip: the IPv4 address as a uint32 in network byte order read as host order (Mesos's `in_addr.s_addr`). */
export function ipToUint32(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  const [a = 0, b = 0, c = 0, d = 0] = parts;
  // s_addr keeps the bytes in network order; on little-endian hosts reading them
  // as an integer puts the first octet in the low byte.
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}
