// The agent process (`slave(1)`): registers with the master (with backoff),
// answers health checks, and runs frameworks' executors and tasks through
// the containerizer. Task and executor handling live in tasks.ts and
// executors.ts; this file wires messages and owns the master connection
// (src/slave/slave.cpp: initialize, detected, registered, reregistered,
// doReliableRegistration, ping, pingTimeout, exited, shutdown).

import { Process } from '../libprocess/process.js';
import type { Timer } from '../libprocess/clock.js';
import type { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';
import type { Containerizer } from './containerizer/containerizer.js';
import { Framework, History, MAX_COMPLETED_FRAMEWORKS, type AgentState, type AgentView } from './model.js';
import { StatusUpdateManager } from './status-update-manager.js';
import * as executors from './executors.js';
import * as tasks from './tasks.js';
import * as recovery from './recovery.js';
import { installAgentRoutes } from './http/routes.js';
import { installAgentOperatorApi } from './http/operator-api.js';
import { installExecutorApi } from './http/executor-api.js';
import { getLatestSlavePath, getMetaRootDir } from './paths.js';

export const MESOS_VERSION = '1.0.0';
/** REGISTER_RETRY_INTERVAL_MAX (src/slave/constants.hpp). */
export const REGISTER_RETRY_INTERVAL_MAX_MS = 60_000;
/** DEFAULT_MASTER_PING_TIMEOUT: agent_ping_timeout (15 s) x max_agent_ping_timeouts (5). */
export const DEFAULT_MASTER_PING_TIMEOUT_MS = 75_000;

export interface AgentOptions {
  /** SlaveInfo without an id: hostname, resources, attributes, port, checkpoint. */
  info: mesos.SlaveInfo.$Properties;
  workDir: string;
  launcherDir: string;
  /** The master's pid; undefined runs without a master (tests of local behaviour). */
  master: UPID | undefined;
  registrationBackoffFactorMs: number;
  executorRegistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  gcDelayMs: number;
  switchUser: boolean;
  /** The flags as `/slave(1)/flags` shows them. */
  flags?: () => Record<string, string>;
  /** --recover (default reconnect): reconnect with the previous run's executors, or kill them and exit. */
  recover?: 'reconnect' | 'cleanup';
  /** --strict (default true): recovery errors are fatal; when false bad entries are skipped. */
  strict?: boolean;
  /** How long recovered executors have to re-register (EXECUTOR_REREGISTER_TIMEOUT, 2 s). */
  executorReregisterTimeoutMs?: number;
  /** --fetcher_cache_dir: this agent's part of it is emptied once its id is known (registered or recovered). */
  fetcherCacheDir?: string;
  random?: () => number;
}

/** Schedules sandbox removal (agent/gc.ts implements it). */
export interface SandboxCollector {
  schedule(delayMs: number, path: string): Promise<{ status: string }>;
  /** Slave::garbageCollect: removal `gcDelayMs` after the path's modification time. */
  scheduleByMtime(gcDelayMs: number, path: string): Promise<{ status: string; error?: string }>;
}

/** Exposes sandboxes over /files (agent/files.ts implements it). */
export interface SandboxFiles {
  attach(path: string, name: string): Promise<void>;
  detach(name: string): void;
}

export class Agent extends Process implements AgentView {
  info: mesos.SlaveInfo.$Properties;
  state: AgentState = 'RECOVERING';
  /** Reservations and persistent volumes from the master (resources.info). */
  checkpointedResources: mesos.Resource.$Properties[] = [];
  /** Why recovery failed: the agent terminated and its daemon exits non-zero. */
  failure: string | undefined;
  masterPid: UPID | undefined;
  startTime = 0;
  readonly frameworks = new Map<string, Framework>();
  private readonly completed = new History<Framework>(MAX_COMPLETED_FRAMEWORKS);
  readonly sum: StatusUpdateManager;
  private pingTimer: Timer | undefined;
  private registrationTimer: Timer | undefined;
  private masterPingTimeoutMs = DEFAULT_MASTER_PING_TIMEOUT_MS;
  private readonly random: () => number;
  readonly flags: () => Record<string, string>;

  constructor(
    readonly options: AgentOptions,
    readonly containerizer: Containerizer,
    readonly gc: SandboxCollector | undefined,
    readonly files: SandboxFiles | undefined = undefined,
  ) {
    super('slave()');
    this.info = { ...options.info };
    this.masterPid = options.master;
    this.random = options.random ?? Math.random;
    this.flags = options.flags ?? (() => ({}));
    this.sum = new StatusUpdateManager({ forward: (update) => tasks.forwardToMaster(this, update) });
  }

  get completedFrameworks(): readonly Framework[] {
    return this.completed.items;
  }

  get id(): string {
    return this.info.id?.value ?? '';
  }

  protected override initialize(): void {
    this.startTime = this.runtime.clock.now() / 1000;
    this.runtime.spawn(this.sum);
    const m = mesos.internal;
    this.install(m.SlaveRegisteredMessage, (from, msg) => this.registered(from, msg.slave_id.value, msg.connection));
    this.install(m.SlaveReregisteredMessage, (from, msg) => this.reregistered(from, msg));
    this.install(m.PingSlaveMessage, (from, msg) => this.ping(from, msg.connected));
    this.install(m.ShutdownMessage, (from, msg) => this.shutdownAgent(from, msg.message ?? ''));
    this.install(m.RunTaskMessage, (from, msg) => tasks.runTask(this, from, msg));
    this.install(m.KillTaskMessage, (from, msg) => tasks.killTask(this, from, msg));
    this.install(m.ShutdownFrameworkMessage, (from, msg) => executors.shutdownFramework(this, from, msg.framework_id.value));
    this.install(m.ShutdownExecutorMessage, (from, msg) =>
      executors.shutdownExecutorMessage(this, from, msg.framework_id?.value ?? '', msg.executor_id?.value ?? ''),
    );
    this.install(m.FrameworkToExecutorMessage, (from, msg) => tasks.schedulerMessage(this, from, msg));
    this.install(m.UpdateFrameworkMessage, (from, msg) => tasks.updateFramework(this, from, msg));
    this.install(m.CheckpointResourcesMessage, (from, msg) => this.checkpointResources(from, msg.resources ?? []));
    this.install(m.StatusUpdateAcknowledgementMessage, (from, msg) => tasks.acknowledgement(this, from, msg));
    this.install(m.RegisterExecutorMessage, (from, msg) => executors.registerExecutor(this, from, msg));
    this.install(m.ReregisterExecutorMessage, (from, msg) => executors.reregisterExecutor(this, from, msg));
    this.install(m.StatusUpdateMessage, (from, msg) => tasks.statusUpdate(this, msg.update, { kind: 'pid', pid: from }));
    this.install(m.ExecutorToFrameworkMessage, (_from, msg) => tasks.executorMessage(this, msg));
    installAgentRoutes((path, handler, options) => this.route(path, handler, options), () => this, {
      pid: () => this.self.toString(),
      containerizer: this.containerizer,
      inside: (fn) => this.runtime.dispatch(this, () => fn()),
      clock: this.runtime.clock,
    });
    installAgentOperatorApi((path, handler, options) => this.route(path, handler, options), this);
    installExecutorApi((path, handler, options) => this.route(path, handler, options), this);
    recovery.recover(this);
  }

  /** Recovery is over (--recover=reconnect): find the master and (re-)register. */
  recovered(): void {
    if (this.state !== 'RECOVERING') return;
    this.state = 'DISCONNECTED';
    if (this.masterPid !== undefined) this.detected(this.masterPid);
  }

  /** --recover=cleanup: the recovered executors are being shut down; terminate once they are gone. */
  cleanupAfterRecovery(): void {
    this.state = 'TERMINATING';
    recovery.forgetLatestAgent(this);
    const done = (): void => {
      if (this.frameworks.size === 0) this.terminate();
      else this.delay(100, done);
    };
    done();
  }

  /** Recovery failed: the agent ends and its daemon exits 1 (Slave::__recover's EXIT). */
  failed(reason: string): void {
    const meta = getLatestSlavePath(getMetaRootDir(this.options.workDir));
    this.failure =
      `Failed to perform recovery: ${reason}\n` +
      'To remedy this do as follows:\n' +
      `Step 1: rm -f ${meta}\n` +
      "        This ensures agent doesn't recover old live executors.\n" +
      'Step 2: Restart the agent.';
    this.runtime.log.fatal(this.failure);
    this.state = 'TERMINATING';
    this.terminate();
  }

  /** Checkpointed reservations and volumes on top of the configured resources (recovery and CheckpointResourcesMessage). */
  applyCheckpointedResources(resources: readonly mesos.Resource.$Properties[]): void {
    this.checkpointedResources = [...resources];
    this.info = { ...this.info, resources: recovery.totalWithCheckpointed(this.options.info.resources ?? [], resources) };
  }

  protected override finalize(): void {
    this.pingTimer?.cancel();
    this.registrationTimer?.cancel();
    if (this.sum.spawned) this.runtime.terminate(this.sum);
  }

  protected override exited(pid: UPID): void {
    if (this.masterPid !== undefined && pid.equals(this.masterPid)) {
      this.runtime.log.warn({ master: pid.toString() }, 'master disconnected; re-registering');
      if (this.state === 'RUNNING') this.detected(pid);
    }
  }

  /** A master was (re-)detected: go DISCONNECTED and register with backoff. */
  detected(master: UPID): void {
    if (this.state === 'TERMINATING') return;
    this.masterPid = master;
    this.state = 'DISCONNECTED';
    void this.runtime.dispatch(this.sum, (s) => s.pause()).catch(() => undefined);
    this.link(master);
    this.registrationTimer?.cancel();
    const factor = this.options.registrationBackoffFactorMs;
    this.registrationTimer = this.delay(factor * this.random(), () => this.doReliableRegistration(factor * 2));
  }

  private doReliableRegistration(maxBackoffMs: number): void {
    const master = this.masterPid;
    if (master === undefined || this.state === 'RUNNING' || this.state === 'TERMINATING') return;
    this.link(master);
    if (this.id === '') {
      this.sendProto(master, mesos.internal.RegisterSlaveMessage, {
        slave: this.info,
        version: MESOS_VERSION,
        checkpointed_resources: [],
      });
    } else {
      this.sendProto(master, mesos.internal.ReregisterSlaveMessage, tasks.reregistrationMessage(this));
    }
    const bound = Math.min(maxBackoffMs, REGISTER_RETRY_INTERVAL_MAX_MS);
    this.registrationTimer = this.delay(bound * this.random(), () => this.doReliableRegistration(bound * 2));
  }

  private registered(from: UPID, agentId: string, connection: mesos.internal.MasterSlaveConnection.$Properties | null | undefined): void {
    if (this.masterPid === undefined || !from.equals(this.masterPid)) {
      this.runtime.log.warn({ from: from.toString() }, 'ignoring registration message from a master that is not the leader');
      return;
    }
    this.setPingTimeout(connection);
    if (this.state === 'DISCONNECTED') {
      this.info = { ...this.info, id: { value: agentId } };
      recovery.checkpointSlaveInfo(this);
      recovery.clearFetcherCache(this);
      this.state = 'RUNNING';
      this.registrationTimer?.cancel();
      void this.runtime.dispatch(this.sum, (s) => s.resume()).catch(() => undefined);
      this.runtime.log.info({ agent: agentId, master: from.toString() }, 'registered with master');
      this.resetPingTimer();
    } else if (this.state === 'RUNNING' && this.id !== agentId) {
      this.runtime.log.fatal({ agent: this.id, offered: agentId }, 'registered but got a different agent id');
      this.shutdownAgent(from, 'registered with a different agent id');
    }
  }

  private reregistered(from: UPID, msg: mesos.internal.SlaveReregisteredMessage): void {
    if (this.masterPid === undefined || !from.equals(this.masterPid)) return;
    if (msg.slave_id.value !== this.id) {
      this.runtime.log.fatal({ agent: this.id, offered: msg.slave_id.value }, 're-registered but got a different agent id');
      this.shutdownAgent(from, 're-registered with a different agent id');
      return;
    }
    this.setPingTimeout(msg.connection);
    if (this.state === 'DISCONNECTED') {
      this.state = 'RUNNING';
      this.registrationTimer?.cancel();
      void this.runtime.dispatch(this.sum, (s) => s.resume()).catch(() => undefined);
      this.runtime.log.info({ agent: this.id, master: from.toString() }, 're-registered with master');
      this.resetPingTimer();
    }
    tasks.reconcileWithMaster(this, msg.reconciliations ?? []);
  }

  private setPingTimeout(connection: mesos.internal.MasterSlaveConnection.$Properties | null | undefined): void {
    const seconds = connection?.total_ping_timeout_seconds;
    this.masterPingTimeoutMs = typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : DEFAULT_MASTER_PING_TIMEOUT_MS;
  }

  private ping(from: UPID, connected: boolean): void {
    if (!connected && this.state === 'RUNNING' && this.masterPid !== undefined) {
      // The master lost us (e.g. a partition healed): register again.
      this.runtime.log.warn('master says this agent is not connected; re-registering');
      this.detected(this.masterPid);
    }
    this.sendProto(from, mesos.internal.PongSlaveMessage, {});
    this.resetPingTimer();
  }

  private resetPingTimer(): void {
    this.pingTimer?.cancel();
    this.pingTimer = this.delay(this.masterPingTimeoutMs, () => {
      if (this.state === 'TERMINATING' || this.masterPid === undefined) return;
      this.runtime.log.warn({ timeoutMs: this.masterPingTimeoutMs }, 'no pings from the master; re-detecting');
      this.detected(this.masterPid);
    });
  }

  private checkpointResources(from: UPID, resources: readonly mesos.Resource.$Properties[]): void {
    if (this.masterPid === undefined || !from.equals(this.masterPid)) return;
    // Dynamic reservations and persistent volumes change the agent's total;
    // the static part stays as configured.
    recovery.checkpointResources(this, resources);
    this.applyCheckpointedResources(resources);
  }

  /** The master asked us to shut down (or registration failed for good). */
  shutdownAgent(from: UPID, message: string): void {
    if (this.masterPid !== undefined && !from.equals(this.masterPid) && !from.equals(this.self)) {
      this.runtime.log.warn({ from: from.toString() }, 'ignoring shutdown message from a non-leading master');
      return;
    }
    this.runtime.log.info({ message }, 'agent asked to shut down');
    this.state = 'TERMINATING';
    // A shut down agent starts afresh next time (Slave::finalize removes the meta `latest`).
    recovery.forgetLatestAgent(this);
    for (const framework of [...this.frameworks.values()]) executors.shutdownFramework(this, this.self, framework.id);
    const done = (): void => {
      if (this.frameworks.size === 0) this.terminate();
      else this.delay(100, done);
    };
    this.delay(0, done);
  }

  /** Removes a framework with no executors left (Slave::removeFramework). */
  removeFramework(framework: Framework): void {
    this.frameworks.delete(framework.id);
    this.completed.push(framework);
    void this.runtime.dispatch(this.sum, (s) => s.cleanup(framework.id)).catch(() => undefined);
  }

  sendToMaster<P>(type: { encode(message: P): { finish(): Uint8Array }; getTypeUrl(prefix?: string): string }, message: P): void {
    if (this.masterPid === undefined) return;
    this.sendProto(this.masterPid, type, message);
  }
}
