// The libprocess side of the scheduler driver: the `scheduler-<uuid>` process
// that registers the framework with the master, turns the master's messages
// into Scheduler callbacks and the driver's calls into `mesos.scheduler.Call`s
// (SchedulerProcess in src/sched/sched.cpp, Mesos 1.0).
//
// The rules it keeps from 1.0:
// - SUBSCRIBE is sent at once and retried with a random delay in [0, b], the
//   bound b doubling each time from --registration_backoff_factor, capped at
//   REGISTRATION_RETRY_INTERVAL_MAX and at failover_timeout / 10.
// - A framework that starts with an id subscribes with `force` (failover);
//   once registered, later subscriptions (after a disconnection) do not.
// - Messages checked against the leading master's pid are dropped when they
//   come from anyone else, or while disconnected or not running.
// - Offers remember the agent pid for each offer; launching on an offer keeps
//   that agent's pid so framework messages go straight to the agent.
// - Calls made while disconnected are dropped, except launches, which come
//   back at once as TASK_LOST (REASON_MASTER_DISCONNECTED).
// - Implicit acknowledgements: after statusUpdate returns, for updates with a
//   uuid (or from an agent pid), an ACKNOWLEDGE goes to the master.
//
// An addition: 1.0 links to the master but only a detector (ZooKeeper) tells
// it the master is gone. Here the broken link plays that part: the scheduler
// gets `disconnected` and the driver subscribes again, with backoff, to the
// same master (which is what a standalone detector would report).

import { Process, UPID, type Timer } from '../libprocess/index.js';
import { has, mesos } from '../proto/index.js';
import { AuthenticationAttempt, CramMD5Authenticatee, type AttemptResult } from './authenticatee.js';
import {
  AUTHENTICATION_RETRY_INTERVAL_MAX_MS,
  AUTHENTICATION_TIMEOUT_MS,
  REGISTRATION_RETRY_INTERVAL_MAX_MS,
  type SchedulerFlags,
} from './flags.js';
import type { DetectedMaster } from './master-address.js';
import type {
  CallbackResult,
  CredentialInput,
  ExecutorIDInput,
  FiltersInput,
  FrameworkInfoInput,
  OfferIDInput,
  OperationInput,
  RequestInput,
  Scheduler,
  SchedulerDriver,
  SlaveIDInput,
  TaskIDInput,
  TaskStatusInput,
} from './types.js';

const Call = mesos.scheduler.Call;
const Event = mesos.scheduler.Event;
type StatusUpdate = mesos.internal.StatusUpdate;

/** Retries never wait less than this (1.0 busy-loops when failover_timeout is 0). */
const MIN_RETRY_MS = 10;
/** The largest failover_timeout stout's Duration::create accepts (int64 nanoseconds). */
const MAX_DURATION_SECS = 9_223_372_036;
const NO_PID = new UPID('', '0.0.0.0', 0);

export interface SchedulerProcessConfig {
  /** `scheduler-<uuid>`: a fresh id per driver so the master can tell runs apart. */
  id: string;
  framework: FrameworkInfoInput;
  master: DetectedMaster;
  implicitAcknowledgements: boolean;
  credential: CredentialInput | undefined;
  flags: SchedulerFlags;
  random: () => number;
}

export interface SchedulerProcessHooks {
  /** Releases the driver's join(). */
  triggerLatch(): void;
  /** MesosSchedulerDriver::abort(), called before Scheduler::error. */
  abortDriver(): void;
}

/** `UPID(string) == UPID()`: an empty, unparsable or `@0.0.0.0:0` pid. */
function isNoPid(text: string): boolean {
  const pid = UPID.tryParse(text);
  return pid === undefined || pid.equals(NO_PID);
}

function bytesOf(value: Uint8Array | null | undefined): Uint8Array {
  return value ?? new Uint8Array();
}

export class SchedulerProcess extends Process {
  /** Cleared by the driver's stop() and abort() (sched.cpp's atomic `running`). */
  running = true;
  private readonly framework: FrameworkInfoInput;
  /** Subscribe with `force`: set while a framework that came with an id has not registered yet. */
  private failover: boolean;
  private master: DetectedMaster | undefined;
  private connected = false;
  private registrationTimer: Timer | undefined;
  /** Offer id -> agent id -> agent pid, from ResourceOffersMessage.pids. */
  private readonly savedOffers = new Map<string, Map<string, UPID>>();
  /** Agent id -> pid of agents we launched on (framework messages go there directly). */
  private readonly savedSlavePids = new Map<string, UPID>();
  // Authentication (only with a credential).
  private authenticating: AuthenticationAttempt | undefined;
  private authenticatee: CramMD5Authenticatee | undefined;
  private authenticated = false;
  private reauthenticate = false;
  private failedAuthentications = 0;

  constructor(
    private readonly config: SchedulerProcessConfig,
    private readonly driver: SchedulerDriver,
    private readonly scheduler: Scheduler,
    private readonly hooks: SchedulerProcessHooks,
  ) {
    super(config.id);
    this.framework = structuredClone(config.framework);
    this.failover = this.frameworkId !== '';
  }

  /** The framework id, once assigned (or as given). */
  get frameworkId(): string {
    return this.framework.id?.value ?? '';
  }

  get isConnected(): boolean {
    return this.connected;
  }

  protected override initialize(): void {
    const m = mesos.internal;
    this.runtime.log.info({ upid: this.self.toString() }, 'Scheduler driver started');
    // As 1.0: one pair of gauges per runtime (a second driver takes them over).
    this.runtime.metrics.gauge('scheduler/event_queue_messages', () => this.queued('MESSAGE'));
    this.runtime.metrics.gauge('scheduler/event_queue_dispatches', () => this.queued('DISPATCH'));
    this.install(Event, (from, event) => this.receive(from, event));
    // Nested messages of a decoded message are decoded instances (defaults on the prototype),
    // though the generated types only promise their $Properties.
    this.install(m.FrameworkRegisteredMessage, (from, msg) =>
      this.registered(from, msg.framework_id as mesos.FrameworkID, msg.master_info as mesos.MasterInfo),
    );
    this.install(m.FrameworkReregisteredMessage, (from, msg) =>
      this.reregistered(from, msg.framework_id as mesos.FrameworkID, msg.master_info as mesos.MasterInfo),
    );
    this.install(m.ResourceOffersMessage, (from, msg) => this.resourceOffers(from, msg.offers as mesos.Offer[], msg.pids));
    this.install(m.RescindResourceOfferMessage, (from, msg) => this.rescindOffer(from, msg.offer_id as mesos.OfferID));
    this.install(m.StatusUpdateMessage, (from, msg) => this.statusUpdate(from, msg.update as StatusUpdate, msg.pid));
    this.install(m.LostSlaveMessage, (from, msg) => this.lostSlave(from, msg.slave_id as mesos.SlaveID));
    this.install(m.ExitedExecutorMessage, (from, msg) =>
      this.lostExecutor(from, msg.executor_id as mesos.ExecutorID, msg.slave_id as mesos.SlaveID, msg.status),
    );
    this.install(m.ExecutorToFrameworkMessage, (_from, msg) =>
      this.frameworkMessage(msg.slave_id as mesos.SlaveID, msg.executor_id as mesos.ExecutorID, msg.data),
    );
    this.install(m.FrameworkErrorMessage, (_from, msg) => this.error(msg.message));
    this.detected(this.config.master);
  }

  protected override finalize(): void {
    this.registrationTimer?.cancel();
    this.stopAuthenticatee();
    this.runtime.metrics.remove('scheduler/event_queue_messages');
    this.runtime.metrics.remove('scheduler/event_queue_dispatches');
  }

  /** Events of a type waiting in this process's mailbox. */
  private queued(type: 'MESSAGE' | 'DISPATCH'): number {
    const id = this.self.id;
    const mine = this.runtime.describeProcesses().find((p) => p.id === id);
    return mine?.events.filter((event) => event['type'] === type).length ?? 0;
  }

  // ------------------------------------------------------------ detection

  /** The detector reports a (new, or the same) leading master. */
  private detected(master: DetectedMaster): void {
    if (!this.running) return;
    if (this.connected) this.invoke('disconnected', () => this.scheduler.disconnected(this.driver));
    this.connected = false;
    this.master = master;
    this.runtime.log.info({ master: master.pid.toString() }, 'New master detected');
    this.link(master.pid);
    if (this.config.credential !== undefined) {
      this.authenticate();
    } else {
      this.doReliableRegistration(this.config.flags.registrationBackoffFactorMs);
    }
  }

  protected override exited(pid: UPID): void {
    const master = this.master;
    if (!this.running || master === undefined || !pid.equals(master.pid)) return;
    if (!this.connected) return; // still registering: each attempt links again
    this.runtime.log.warn({ master: pid.toString() }, 'Lost the connection to the master');
    this.detected(master);
  }

  // ------------------------------------------------------------ authentication

  private authenticate(): void {
    if (!this.running) return;
    this.authenticated = false;
    const master = this.master;
    const credential = this.config.credential;
    if (master === undefined || credential === undefined) return;
    if (this.authenticating !== undefined) {
      // An attempt is under way: cancel it; its completion starts another.
      this.authenticating.discard();
      this.reauthenticate = true;
      return;
    }
    this.runtime.log.info({ master: master.pid.toString() }, 'Authenticating with master');
    this.link(master.pid);
    const attempt = new AuthenticationAttempt();
    this.authenticating = attempt;
    if (!has(credential, 'secret')) {
      this.runtime.log.warn('Authentication failed; secret needed by CRAM-MD5 authenticatee');
      attempt.settle({ ok: true, value: false });
    } else {
      this.authenticatee = new CramMD5Authenticatee(master.pid, this.self, credential, attempt);
      this.runtime.spawn(this.authenticatee);
    }
    this.defer(attempt.result, (result) => {
      if (result.ok) this.authenticationDone(attempt, result.value);
    });
    this.delay(AUTHENTICATION_TIMEOUT_MS, () => this.authenticationTimeout(attempt));
  }

  private stopAuthenticatee(): void {
    if (this.authenticatee !== undefined) this.runtime.terminate(this.authenticatee);
    this.authenticatee = undefined;
  }

  private authenticationDone(attempt: AuthenticationAttempt, result: AttemptResult): void {
    if (!this.running || attempt !== this.authenticating) return;
    this.stopAuthenticatee();
    const master = this.master;
    if (master === undefined) {
      this.authenticating = undefined;
      this.reauthenticate = false;
      return;
    }
    if (this.reauthenticate || !result.ok) {
      const reason = this.reauthenticate ? 'master changed' : result.ok ? '' : result.error;
      this.runtime.log.info({ master: master.pid.toString() }, `Failed to authenticate with master: ${reason}`);
      this.authenticating = undefined;
      this.reauthenticate = false;
      this.failedAuthentications++;
      const bound = Math.min(
        this.config.flags.authenticationBackoffFactorMs * 2 ** this.failedAuthentications,
        AUTHENTICATION_RETRY_INTERVAL_MAX_MS,
      );
      this.delay(Math.max(bound * this.config.random(), MIN_RETRY_MS), () => this.authenticate());
      return;
    }
    if (!result.value) {
      this.runtime.log.error({ master: master.pid.toString() }, 'Master refused authentication');
      this.error('Master refused authentication');
      return;
    }
    this.runtime.log.info({ master: master.pid.toString() }, 'Successfully authenticated with master');
    this.authenticated = true;
    this.authenticating = undefined;
    this.failedAuthentications = 0;
    this.doReliableRegistration(this.config.flags.registrationBackoffFactorMs);
  }

  private authenticationTimeout(attempt: AuthenticationAttempt): void {
    if (!this.running) return;
    if (attempt.discard()) this.runtime.log.warn('Authentication timed out');
  }

  // ------------------------------------------------------------ registration

  private doReliableRegistration(maxBackoffMs: number): void {
    if (!this.running) return;
    const master = this.master;
    if (this.connected || master === undefined) return;
    if (this.config.credential !== undefined && !this.authenticated) return;

    const subscribe: mesos.scheduler.Call.Subscribe.$Properties = { framework_info: this.framework };
    const call: mesos.scheduler.Call.$Properties = { type: Call.Type.SUBSCRIBE, subscribe };
    if (this.frameworkId !== '') {
      subscribe.force = this.failover;
      call.framework_id = { value: this.frameworkId };
    }
    this.link(master.pid);
    this.sendProto(master.pid, Call, call);

    let bound = Math.min(maxBackoffMs, REGISTRATION_RETRY_INTERVAL_MAX_MS);
    const failoverTimeout = this.framework.failover_timeout;
    if (typeof failoverTimeout === 'number' && Number.isFinite(failoverTimeout) && Math.abs(failoverTimeout) <= MAX_DURATION_SECS) {
      bound = Math.min(bound, (failoverTimeout * 1000) / 10);
    }
    const delayMs = Math.max(bound * this.config.random(), MIN_RETRY_MS);
    this.runtime.log.debug({ delayMs }, 'Sent SUBSCRIBE; will retry registration if necessary');
    this.registrationTimer?.cancel();
    this.registrationTimer = this.delay(delayMs, () => this.doReliableRegistration(Math.max(bound, MIN_RETRY_MS) * 2));
  }

  /** From the leading master, connected and running: the guards of most handlers. */
  private fromLeader(from: UPID, what: string): boolean {
    if (!this.running) {
      this.runtime.log.debug(`Ignoring ${what} because the driver is not running!`);
      return false;
    }
    if (!this.connected) {
      this.runtime.log.debug(`Ignoring ${what} because the driver is disconnected!`);
      return false;
    }
    const master = this.master;
    if (master === undefined || !from.equals(master.pid)) {
      this.runtime.log.debug(
        `Ignoring ${what} because it was sent from '${from.toString()}' instead of the leading master '${master?.pid.toString() ?? ''}'`,
      );
      return false;
    }
    return true;
  }

  /** The guards of (re)registered: running, not yet connected, from the leader. */
  private acceptsRegistration(from: UPID, what: string): boolean {
    if (!this.running) {
      this.runtime.log.debug(`Ignoring ${what} because the driver is not running!`);
      return false;
    }
    if (this.connected) {
      this.runtime.log.debug(`Ignoring ${what} because the driver is already connected!`);
      return false;
    }
    const master = this.master;
    if (master === undefined || !from.equals(master.pid)) {
      this.runtime.log.warn(
        `Ignoring ${what} because it was sent from '${from.toString()}' instead of the leading master '${master?.pid.toString() ?? ''}'`,
      );
      return false;
    }
    return true;
  }

  private registered(from: UPID, frameworkId: mesos.FrameworkID, masterInfo: mesos.MasterInfo): void {
    if (!this.acceptsRegistration(from, 'framework registered message')) return;
    this.runtime.log.info({ frameworkId: frameworkId.value }, 'Framework registered');
    this.framework.id = { value: frameworkId.value };
    this.connected = true;
    this.failover = false;
    this.registrationTimer?.cancel();
    this.invoke('registered', () => this.scheduler.registered(this.driver, frameworkId, masterInfo));
  }

  private reregistered(from: UPID, frameworkId: mesos.FrameworkID, masterInfo: mesos.MasterInfo): void {
    if (!this.acceptsRegistration(from, 'framework re-registered message')) return;
    if (frameworkId.value !== this.frameworkId) {
      // 1.0 CHECK-fails here.
      this.runtime.log.error({ frameworkId: frameworkId.value }, `Ignoring re-registration as another framework than ${this.frameworkId}`);
      return;
    }
    this.runtime.log.info({ frameworkId: frameworkId.value }, 'Framework re-registered');
    this.connected = true;
    this.failover = false;
    this.registrationTimer?.cancel();
    this.invoke('reregistered', () => this.scheduler.reregistered(this.driver, masterInfo));
  }

  // ------------------------------------------------------------ events from the master

  private resourceOffers(from: UPID, offers: mesos.Offer[], pids: string[]): void {
    if (!this.fromLeader(from, 'resource offers message')) return;
    // Inverse offers alone come as an empty list: the old API has no callback for them.
    if (offers.length === 0) return;
    offers.forEach((offer, i) => {
      const pid = UPID.tryParse(pids[i] ?? '');
      if (pid === undefined) {
        this.runtime.log.debug(`Failed to parse PID '${pids[i] ?? ''}'`);
        return;
      }
      let agents = this.savedOffers.get(offer.id.value);
      if (agents === undefined) this.savedOffers.set(offer.id.value, (agents = new Map()));
      agents.set(offer.slave_id.value, pid);
    });
    this.invoke('resourceOffers', () => this.scheduler.resourceOffers(this.driver, offers));
  }

  private rescindOffer(from: UPID, offerId: mesos.OfferID): void {
    if (!this.fromLeader(from, 'rescind offer message')) return;
    this.savedOffers.delete(offerId.value);
    this.invoke('offerRescinded', () => this.scheduler.offerRescinded(this.driver, offerId));
  }

  /** `from` is undefined for updates the driver makes itself (UPID() in 1.0). */
  private statusUpdate(from: UPID | undefined, update: StatusUpdate, pid: string): void {
    if (!this.running) {
      this.runtime.log.debug('Ignoring task status update message because the driver is not running!');
      return;
    }
    if (from !== undefined && !this.fromLeader(from, 'status update message')) return;
    if (update.framework_id.value !== this.frameworkId) {
      // 1.0 CHECK-fails here.
      this.runtime.log.error({ frameworkId: update.framework_id.value }, 'Ignoring status update for another framework');
      return;
    }
    const status = update.status as mesos.TaskStatus;
    const hasUuid = has(update, 'uuid') && bytesOf(update.uuid).length > 0;
    const fromAgent = from !== undefined && !isNoPid(pid);
    // The scheduler sees a uuid only on updates it has to acknowledge.
    if (hasUuid && fromAgent) status.uuid = bytesOf(update.uuid);
    else delete (status as Partial<mesos.TaskStatus>).uuid;

    const acknowledge = (): void => {
      if (!this.config.implicitAcknowledgements) return;
      if (!this.running) {
        this.runtime.log.debug('Not sending status update acknowledgment message because the driver is not running!');
        return;
      }
      if (!hasUuid && !fromAgent) return;
      const master = this.master;
      if (!this.connected || master === undefined) return;
      this.sendProto(master.pid, Call, {
        framework_id: { value: this.frameworkId },
        type: Call.Type.ACKNOWLEDGE,
        acknowledge: {
          slave_id: update.slave_id ?? { value: '' },
          task_id: status.task_id,
          uuid: bytesOf(update.uuid),
        },
      });
    };

    let result: CallbackResult;
    try {
      result = this.scheduler.statusUpdate(this.driver, status);
    } catch (error) {
      this.runtime.log.error({ err: error }, 'Scheduler::statusUpdate threw; the update is not acknowledged');
      return;
    }
    if (result instanceof Promise) {
      this.defer(result, (settled) => {
        if (settled.ok) acknowledge();
        else this.runtime.log.error({ err: settled.error }, 'Scheduler::statusUpdate failed; the update is not acknowledged');
      });
    } else {
      acknowledge();
    }
  }

  private lostSlave(from: UPID, slaveId: mesos.SlaveID): void {
    if (!this.fromLeader(from, 'lost agent message')) return;
    this.savedSlavePids.delete(slaveId.value);
    this.invoke('slaveLost', () => this.scheduler.slaveLost(this.driver, slaveId));
  }

  private lostExecutor(from: UPID, executorId: mesos.ExecutorID, slaveId: mesos.SlaveID, status: number): void {
    if (!this.fromLeader(from, 'lost executor message')) return;
    this.invoke('executorLost', () => this.scheduler.executorLost(this.driver, executorId, slaveId, status));
  }

  /** Not checked against the master: in 1.0 agents send these straight to the scheduler. */
  private frameworkMessage(slaveId: mesos.SlaveID, executorId: mesos.ExecutorID, data: Uint8Array): void {
    if (!this.running) {
      this.runtime.log.debug('Ignoring framework message because the driver is not running!');
      return;
    }
    this.invoke('frameworkMessage', () => this.scheduler.frameworkMessage(this.driver, executorId, slaveId, data));
  }

  private error(message: string): void {
    if (!this.running) {
      this.runtime.log.debug('Ignoring error message because the driver is not running!');
      return;
    }
    this.runtime.log.info(`Got error '${message}'`);
    this.hooks.abortDriver();
    this.invoke('error', () => this.scheduler.error(this.driver, message));
  }

  /** The v1 events 1.0's driver also accepts (mapped onto the handlers above). */
  private receive(from: UPID, event: mesos.scheduler.Event): void {
    const drop = (reason: string): void => {
      this.runtime.log.warn(`Dropping ${Event.Type[event.type] ?? String(event.type)}: ${reason}`);
    };
    switch (event.type) {
      case Event.Type.SUBSCRIBED: {
        if (!has(event, 'subscribed') || !event.subscribed) return drop("Expecting 'subscribed' to be present");
        const master = this.master;
        if (master === undefined) return drop('No master detected');
        const frameworkId = event.subscribed.framework_id;
        if (this.frameworkId === '' || this.failover) this.registered(from, frameworkId, master.info);
        else this.reregistered(from, frameworkId, master.info);
        return;
      }
      case Event.Type.OFFERS: {
        if (!has(event, 'offers') || !event.offers) return drop("Expecting 'offers' to be present");
        const offers = (event.offers.offers ?? []) as mesos.Offer[];
        const pids = offers.map((offer) => {
          const url = offer.url;
          if (!url) return '';
          const id = (url.path ?? '').replace(/^\/+|\/+$/g, '');
          return new UPID(id, url.address.ip ?? '', url.address.port).toString();
        });
        this.resourceOffers(from, offers, pids);
        return;
      }
      case Event.Type.RESCIND:
        if (!has(event, 'rescind') || !event.rescind) return drop("Expecting 'rescind' to be present");
        this.rescindOffer(from, event.rescind.offer_id as mesos.OfferID);
        return;
      case Event.Type.UPDATE: {
        if (!has(event, 'update') || !event.update) return drop("Expecting 'update' to be present");
        const status = event.update.status;
        const update = mesos.internal.StatusUpdate.create({
          framework_id: { value: this.frameworkId },
          status,
          timestamp: status.timestamp ?? 0,
        });
        if (has(status, 'executor_id') && status.executor_id) update.executor_id = status.executor_id;
        if (has(status, 'slave_id') && status.slave_id) update.slave_id = status.slave_id;
        if (has(status, 'uuid') && status.uuid) update.uuid = status.uuid;
        this.statusUpdate(from, update, '');
        return;
      }
      case Event.Type.MESSAGE:
        if (!has(event, 'message') || !event.message) return drop("Expecting 'message' to be present");
        this.frameworkMessage(event.message.slave_id, event.message.executor_id, event.message.data);
        return;
      case Event.Type.FAILURE: {
        if (!has(event, 'failure') || !event.failure) return drop("Expecting 'failure' to be present");
        const failure = event.failure;
        if (has(failure, 'slave_id') && failure.slave_id && has(failure, 'executor_id') && failure.executor_id) {
          this.lostExecutor(from, failure.executor_id, failure.slave_id, failure.status ?? 0);
        } else if (has(failure, 'slave_id') && failure.slave_id) {
          this.lostSlave(from, failure.slave_id);
        } else {
          drop("Expecting 'slave_id' to be present");
        }
        return;
      }
      case Event.Type.ERROR:
        if (!has(event, 'error') || !event.error) return drop("Expecting 'error' to be present");
        this.error(event.error.message);
        return;
      case Event.Type.INVERSE_OFFERS:
      case Event.Type.RESCIND_INVERSE_OFFER:
      case Event.Type.HEARTBEAT:
        return;
      default:
        drop('Unknown event');
    }
  }

  // ------------------------------------------------------------ from the driver

  stop(failover: boolean): void {
    this.runtime.log.info({ frameworkId: this.frameworkId, failover }, 'Stopping framework');
    this.terminate();
    const master = this.master;
    if (this.connected && !failover && master !== undefined) {
      this.sendProto(master.pid, Call, { framework_id: { value: this.frameworkId }, type: Call.Type.TEARDOWN });
    }
    this.hooks.triggerLatch();
  }

  abort(): void {
    this.runtime.log.info({ frameworkId: this.frameworkId }, 'Aborting framework');
    const master = this.master;
    if (!this.connected || master === undefined) {
      this.runtime.log.debug('Not sending a deactivate message as master is disconnected');
    } else {
      this.sendProto(master.pid, mesos.internal.DeactivateFrameworkMessage, { framework_id: { value: this.frameworkId } });
    }
    this.hooks.triggerLatch();
  }

  /** Sends a Call for this framework to the master, unless disconnected. */
  private call(what: string, call: Omit<mesos.scheduler.Call.$Properties, 'framework_id'>): void {
    const master = this.master;
    if (!this.connected || master === undefined) {
      this.runtime.log.debug(`Ignoring ${what} as master is disconnected`);
      return;
    }
    this.sendProto(master.pid, Call, { framework_id: { value: this.frameworkId }, ...call });
  }

  killTask(taskId: TaskIDInput): void {
    this.call('kill task message', { type: Call.Type.KILL, kill: { task_id: taskId } });
  }

  requestResources(requests: RequestInput[]): void {
    this.call('request resources message', { type: Call.Type.REQUEST, request: { requests } });
  }

  launchTasks(offerIds: OfferIDInput[], tasks: mesos.TaskInfo.$Properties[], filters: FiltersInput): void {
    this.acceptOffers(offerIds, [{ type: mesos.Offer.Operation.Type.LAUNCH, launch: { task_infos: tasks } }], filters);
  }

  acceptOffers(offerIds: OfferIDInput[], operations: OperationInput[], filters: FiltersInput): void {
    const launched = (): mesos.TaskInfo.$Properties[] =>
      operations.filter((op) => op.type === mesos.Offer.Operation.Type.LAUNCH).flatMap((op) => op.launch?.task_infos ?? []);
    if (!this.connected) {
      this.runtime.log.debug('Ignoring accept offers message as master is disconnected');
      for (const task of launched()) this.statusUpdate(undefined, this.masterDisconnectedUpdate(task.task_id), '');
      return;
    }
    for (const offerId of offerIds) {
      const agents = this.savedOffers.get(offerId.value);
      if (agents === undefined) {
        this.runtime.log.warn(`Attempting to accept an unknown offer ${offerId.value}`);
      } else {
        for (const task of launched()) {
          const pid = agents.get(task.slave_id.value);
          if (pid !== undefined) this.savedSlavePids.set(task.slave_id.value, pid);
          else this.runtime.log.warn(`Attempting to launch task ${task.task_id.value} with the wrong agent id ${task.slave_id.value}`);
        }
      }
      this.savedOffers.delete(offerId.value);
    }
    this.call('accept offers message', {
      type: Call.Type.ACCEPT,
      accept: { offer_ids: offerIds, operations, filters },
    });
  }

  /** protobuf::createStatusUpdate for a launch while disconnected. */
  private masterDisconnectedUpdate(taskId: TaskIDInput): StatusUpdate {
    const timestamp = this.runtime.clock.now() / 1000;
    return mesos.internal.StatusUpdate.decode(
      mesos.internal.StatusUpdate.encode({
        framework_id: { value: this.frameworkId },
        timestamp,
        status: {
          task_id: taskId,
          state: mesos.TaskState.TASK_LOST,
          source: mesos.TaskStatus.Source.SOURCE_MASTER,
          message: 'Master disconnected',
          reason: mesos.TaskStatus.Reason.REASON_MASTER_DISCONNECTED,
          timestamp,
        },
      }).finish(),
    );
  }

  declineOffer(offerId: OfferIDInput, filters: FiltersInput): void {
    if (!this.connected) {
      this.runtime.log.debug('Ignoring decline offer message as master is disconnected');
      return;
    }
    if (!this.savedOffers.has(offerId.value)) this.runtime.log.warn(`Attempting to decline an unknown offer ${offerId.value}`);
    this.savedOffers.delete(offerId.value);
    this.call('decline offer message', { type: Call.Type.DECLINE, decline: { offer_ids: [offerId], filters } });
  }

  reviveOffers(): void {
    this.call('revive offers message', { type: Call.Type.REVIVE });
  }

  suppressOffers(): void {
    this.call('suppress offers message', { type: Call.Type.SUPPRESS });
  }

  /** Deliberately not checking `running`: acknowledgements asked for before stop/abort still go out. */
  acknowledgeStatusUpdate(status: TaskStatusInput): void {
    if (!this.connected) {
      this.runtime.log.debug('Ignoring explicit status update acknowledgement because the driver is disconnected');
      return;
    }
    // Only updates from agents carry a uuid (and an agent id); the others need no acknowledgement.
    if (has(status, 'uuid') && status.uuid && has(status, 'slave_id') && status.slave_id) {
      this.call('acknowledgement', {
        type: Call.Type.ACKNOWLEDGE,
        acknowledge: { slave_id: status.slave_id, task_id: status.task_id, uuid: status.uuid },
      });
    } else {
      this.runtime.log.debug({ taskId: status.task_id.value }, 'Received ACK for status update that needs none');
    }
  }

  sendFrameworkMessage(executorId: ExecutorIDInput, slaveId: SlaveIDInput, data: Uint8Array): void {
    if (!this.connected) {
      this.runtime.log.debug('Ignoring send framework message as master is disconnected');
      return;
    }
    const agent = this.savedSlavePids.get(slaveId.value);
    if (agent !== undefined) {
      this.sendProto(agent, mesos.internal.FrameworkToExecutorMessage, {
        slave_id: slaveId,
        framework_id: { value: this.frameworkId },
        executor_id: executorId,
        data,
      });
      return;
    }
    this.runtime.log.debug(`Cannot send directly to agent ${slaveId.value}; sending through master`);
    this.call('framework message', { type: Call.Type.MESSAGE, message: { slave_id: slaveId, executor_id: executorId, data } });
  }

  reconcileTasks(statuses: TaskStatusInput[]): void {
    const tasks = statuses.map((status) =>
      has(status, 'slave_id') && status.slave_id ? { task_id: status.task_id, slave_id: status.slave_id } : { task_id: status.task_id },
    );
    this.call('task reconciliation', { type: Call.Type.RECONCILE, reconcile: { tasks } });
  }

  // ------------------------------------------------------------ callbacks

  /** Runs a callback; a throw or a rejected promise is logged and the driver goes on. */
  private invoke(name: string, fn: () => CallbackResult): void {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((error: unknown) => this.runtime.log.error({ err: error }, `Scheduler::${name} failed`));
      }
    } catch (error) {
      this.runtime.log.error({ err: error }, `Scheduler::${name} threw`);
    }
  }
}
