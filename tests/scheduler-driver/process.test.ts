// The scheduler driver against a scripted fake master (and fake agent) on an
// in-memory network with a paused clock: exact messages in, exact messages out.

import test from 'ava';
import { Clock, InMemoryNetwork, startMemoryRuntime, UPID, type Runtime } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { messageName } from '../../libprocess/process.js';
import { has, mesos } from '../../proto/index.js';
import {
  cramMd5Response,
  MesosSchedulerDriver,
  Status,
  type CredentialInput,
  type FrameworkInfoInput,
} from '../../scheduler-driver/driver.js';
import { RecordingScheduler } from './helpers.js';

const m = mesos.internal;
const Call = mesos.scheduler.Call;
const Event = mesos.scheduler.Event;

const MASTER_MESSAGES = [
  mesos.scheduler.Call,
  m.DeactivateFrameworkMessage,
  m.AuthenticateMessage,
  m.AuthenticationStartMessage,
  m.AuthenticationStepMessage,
].map(messageName);

interface WorldOptions {
  framework?: Partial<FrameworkInfoInput>;
  implicitAcknowledgements?: boolean;
  credential?: CredentialInput;
  env?: NodeJS.ProcessEnv;
}

class World {
  readonly clock = new Clock();
  readonly network = new InMemoryNetwork();
  readonly masterRuntime: Runtime;
  readonly master = new PeerProcess('master', MASTER_MESSAGES);
  readonly agentRuntime: Runtime;
  readonly agent = new PeerProcess('slave(1)', [messageName(m.FrameworkToExecutorMessage)]);
  readonly schedulerRuntime: Runtime;
  readonly scheduler = new RecordingScheduler();
  readonly driver: MesosSchedulerDriver;

  constructor(options: WorldOptions = {}) {
    this.clock.pause();
    this.masterRuntime = startMemoryRuntime(this.network, { clock: this.clock });
    this.masterRuntime.spawn(this.master);
    this.agentRuntime = startMemoryRuntime(this.network, { clock: this.clock });
    this.agentRuntime.spawn(this.agent);
    this.schedulerRuntime = startMemoryRuntime(this.network, { clock: this.clock });
    this.driver = new MesosSchedulerDriver(
      this.scheduler,
      { user: 'tester', hostname: 'scheduler.test', name: 'fake', ...options.framework },
      this.master.self.toString(),
      options.implicitAcknowledgements ?? true,
      options.credential,
      {
        runtime: this.schedulerRuntime,
        env: options.env ?? {},
        random: () => 1,
        detect: { reverse: () => Promise.resolve(undefined) },
      },
    );
  }

  get driverPid(): UPID {
    const pid = this.driver.pid;
    if (pid === undefined) throw new Error('driver not started');
    return pid;
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      for (const runtime of [this.masterRuntime, this.agentRuntime, this.schedulerRuntime]) await runtime.settle();
    }
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  /** Every Call the fake master has received and not yet consumed. */
  calls(): mesos.scheduler.Call[] {
    return this.master.drain(Call);
  }

  /** The fake master sends a message to the driver. */
  send<P>(type: { encode(message: P): { finish(): Uint8Array }; getTypeUrl(prefix?: string): string }, message: P, from: PeerProcess = this.master): void {
    from.sendProto(this.driverPid, type, message);
  }

  /** Starts the driver and answers its SUBSCRIBE. */
  async register(frameworkId = 'FW-1'): Promise<void> {
    await this.driver.start();
    await this.settle();
    this.send(m.FrameworkRegisteredMessage, { framework_id: { value: frameworkId }, master_info: masterInfo(this.master.self) });
    await this.settle();
    this.calls();
  }

  /** Offers the fake agent's resources. */
  async offer(offerId: string, frameworkId = 'FW-1'): Promise<void> {
    this.send(m.ResourceOffersMessage, {
      offers: [
        {
          id: { value: offerId },
          framework_id: { value: frameworkId },
          slave_id: { value: 'S1' },
          hostname: 'agent.test',
          resources: [{ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 2 } }],
        },
      ],
      pids: [this.agent.self.toString()],
    });
    await this.settle();
  }

  async stop(): Promise<void> {
    this.driver.stop();
    await this.settle();
    for (const runtime of [this.schedulerRuntime, this.agentRuntime, this.masterRuntime]) await runtime.shutdown();
  }
}

function masterInfo(pid: UPID): mesos.MasterInfo.$Properties {
  return { id: 'MASTER', ip: 0, port: pid.port, pid: pid.toString(), hostname: 'master.test' };
}

test('SUBSCRIBE at start, then retries with a random delay in [0, b], b doubling up to 1 minute', async (t) => {
  const w = new World({ env: { MESOS_REGISTRATION_BACKOFF_FACTOR: '2secs' } });
  try {
    t.is(await w.driver.start(), Status.DRIVER_RUNNING);
    await w.settle();
    const [subscribe, ...rest] = w.calls();
    t.deepEqual(rest, []);
    t.is(subscribe?.type, Call.Type.SUBSCRIBE);
    t.false(has(subscribe, 'framework_id'), 'a new framework has no id yet');
    t.false(has(subscribe?.subscribe, 'force'));
    t.is(subscribe?.subscribe?.framework_info.name, 'fake');
    t.is(subscribe?.subscribe?.framework_info.user, 'tester');
    // random() = 1: each retry waits the whole bound: 2, 4, 8, 16, 32, 60, 60 s.
    const waits: number[] = [];
    let last = 0;
    for (let elapsed = 0; waits.length < 7; ) {
      await w.advance(1000);
      elapsed += 1000;
      if (w.calls().length > 0) {
        waits.push((elapsed - last) / 1000);
        last = elapsed;
      }
    }
    t.deepEqual(waits, [2, 4, 8, 16, 32, 60, 60]);
    // Registered: no more retries.
    w.send(m.FrameworkRegisteredMessage, { framework_id: { value: 'FW-1' }, master_info: masterInfo(w.master.self) });
    await w.settle();
    await w.advance(120_000);
    t.deepEqual(w.calls(), []);
    const registered = await w.scheduler.next('registered');
    t.is(registered.frameworkId.value, 'FW-1');
    t.is(registered.masterInfo.hostname, 'master.test');
  } finally {
    await w.stop();
  }
});

test('the retry bound is also capped at failover_timeout / 10', async (t) => {
  const w = new World({ framework: { failover_timeout: 10 }, env: { MESOS_REGISTRATION_BACKOFF_FACTOR: '2secs' } });
  try {
    await w.driver.start();
    await w.settle();
    t.is(w.calls().length, 1);
    for (let i = 0; i < 3; i++) {
      await w.advance(999);
      t.is(w.calls().length, 0);
      await w.advance(1);
      t.is(w.calls().length, 1, 'a retry every second');
    }
  } finally {
    await w.stop();
  }
});

test('a framework with an id subscribes with force (failover) until registered; afterwards without', async (t) => {
  const w = new World({ framework: { id: { value: 'FW-OLD' }, failover_timeout: 100 } });
  try {
    await w.driver.start();
    await w.settle();
    const [first] = w.calls();
    t.is(first?.framework_id?.value, 'FW-OLD');
    t.is(first?.subscribe?.force, true);
    t.is(first?.subscribe?.framework_info.id?.value, 'FW-OLD');
    // A registered message (not re-registered) after failover calls `registered`.
    w.send(m.FrameworkRegisteredMessage, { framework_id: { value: 'FW-OLD' }, master_info: masterInfo(w.master.self) });
    await w.settle();
    t.is((await w.scheduler.next('registered')).frameworkId.value, 'FW-OLD');
    // The connection breaks: disconnected, and a new SUBSCRIBE without force.
    w.network.disconnect(w.schedulerRuntime.address, w.masterRuntime.address);
    await w.settle();
    await w.scheduler.next('disconnected');
    const [again] = w.calls();
    t.is(again?.type, Call.Type.SUBSCRIBE);
    t.is(again?.subscribe?.force, false);
    w.send(m.FrameworkReregisteredMessage, { framework_id: { value: 'FW-OLD' }, master_info: masterInfo(w.master.self) });
    await w.settle();
    const reregistered = await w.scheduler.next('reregistered');
    t.is(reregistered.masterInfo.pid, w.master.self.toString());
  } finally {
    await w.stop();
  }
});

test('messages from anyone but the leading master are ignored', async (t) => {
  const w = new World();
  try {
    await w.driver.start();
    await w.settle();
    // An impostor on the master's own runtime, with another id.
    const impostor = new PeerProcess('master2', []);
    w.masterRuntime.spawn(impostor);
    await w.settle();
    w.send(m.FrameworkRegisteredMessage, { framework_id: { value: 'FW-X' }, master_info: masterInfo(impostor.self) }, impostor);
    await w.settle();
    t.deepEqual(w.scheduler.all, []);
    w.send(m.FrameworkRegisteredMessage, { framework_id: { value: 'FW-1' }, master_info: masterInfo(w.master.self) });
    await w.settle();
    t.is(w.scheduler.all.length, 1);
    // A second registered message changes nothing (already connected).
    w.send(m.FrameworkRegisteredMessage, { framework_id: { value: 'FW-2' }, master_info: masterInfo(w.master.self) });
    await w.settle();
    t.is(w.scheduler.all.length, 1);
    w.send(m.RescindResourceOfferMessage, { offer_id: { value: 'O1' } }, impostor);
    w.send(m.LostSlaveMessage, { slave_id: { value: 'S1' } }, impostor);
    await w.settle();
    t.is(w.scheduler.all.length, 1);
    w.send(m.RescindResourceOfferMessage, { offer_id: { value: 'O1' } });
    w.send(m.LostSlaveMessage, { slave_id: { value: 'S1' } });
    w.send(m.ExitedExecutorMessage, { executor_id: { value: 'E1' }, framework_id: { value: 'FW-1' }, slave_id: { value: 'S1' }, status: 256 });
    await w.settle();
    t.deepEqual(
      w.scheduler.all.map((e) => e.kind),
      ['registered', 'rescinded', 'slaveLost', 'executorLost'],
    );
    // Framework messages are not checked: 1.0 agents send them straight to the scheduler.
    w.send(m.ExecutorToFrameworkMessage, { slave_id: { value: 'S1' }, framework_id: { value: 'FW-1' }, executor_id: { value: 'E1' }, data: Buffer.from('hi') }, impostor);
    await w.settle();
    const message = await w.scheduler.next('message');
    t.is(Buffer.from(message.data).toString(), 'hi');
  } finally {
    await w.stop();
  }
});

test('framework messages go straight to the agent a task was launched on, otherwise through the master', async (t) => {
  const w = new World();
  try {
    await w.register();
    await w.offer('O1');
    const { offers } = await w.scheduler.next('offers');
    t.is(offers[0]?.id.value, 'O1');
    // Not launched on yet: through the master.
    w.driver.sendFrameworkMessage({ value: 'E1' }, { value: 'S1' }, 'via master');
    await w.settle();
    const [viaMaster] = w.calls();
    t.is(viaMaster?.type, Call.Type.MESSAGE);
    t.is(Buffer.from(viaMaster?.message?.data ?? []).toString(), 'via master');
    t.is(viaMaster?.framework_id?.value, 'FW-1');

    w.driver.launchTasks({ value: 'O1' }, [
      { name: 't', task_id: { value: 'T1' }, slave_id: { value: 'S1' }, executor: { executor_id: { value: 'E1' }, command: { value: 'x' } } },
    ]);
    await w.settle();
    const [accept] = w.calls();
    t.is(accept?.type, Call.Type.ACCEPT);
    t.deepEqual(accept?.accept?.offer_ids?.map((o) => o.value), ['O1']);
    t.is(accept?.accept?.operations?.[0]?.type, mesos.Offer.Operation.Type.LAUNCH);
    t.is(accept?.accept?.operations?.[0]?.launch?.task_infos?.[0]?.task_id.value, 'T1');
    t.true(has(accept?.accept, 'filters'), 'filters are always sent');

    w.driver.sendFrameworkMessage({ value: 'E1' }, { value: 'S1' }, 'direct');
    await w.settle();
    t.deepEqual(w.calls(), []);
    const direct = await w.agent.next(m.FrameworkToExecutorMessage);
    t.is(direct.from.toString(), w.driverPid.toString());
    t.is(Buffer.from(direct.message.data).toString(), 'direct');
    t.is(direct.message.framework_id.value, 'FW-1');
    t.is(direct.message.executor_id.value, 'E1');

    // A lost agent forgets its pid: back to the master.
    w.send(m.LostSlaveMessage, { slave_id: { value: 'S1' } });
    await w.settle();
    w.driver.sendFrameworkMessage({ value: 'E1' }, { value: 'S1' }, 'after loss');
    await w.settle();
    t.is(w.calls()[0]?.type, Call.Type.MESSAGE);
  } finally {
    await w.stop();
  }
});

test('calls become exact scheduler Calls', async (t) => {
  const w = new World();
  try {
    await w.register();
    await w.offer('O1');
    w.driver.declineOffer({ value: 'O1' });
    w.driver.declineOffer({ value: 'O2' }, { refuse_seconds: 7 });
    w.driver.reviveOffers();
    w.driver.suppressOffers();
    w.driver.killTask({ value: 'T1' });
    w.driver.requestResources([{ slave_id: { value: 'S1' }, resources: [] }]);
    w.driver.reconcileTasks([
      { task_id: { value: 'T1' }, state: mesos.TaskState.TASK_RUNNING, slave_id: { value: 'S1' } },
      { task_id: { value: 'T2' }, state: mesos.TaskState.TASK_RUNNING },
    ]);
    w.driver.acceptOffers([{ value: 'O3' }], [{ type: mesos.Offer.Operation.Type.RESERVE, reserve: { resources: [] } }], { refuse_seconds: 1 });
    await w.settle();
    const calls = w.calls();
    t.deepEqual(
      calls.map((c) => Call.Type[c.type]),
      ['DECLINE', 'DECLINE', 'REVIVE', 'SUPPRESS', 'KILL', 'REQUEST', 'RECONCILE', 'ACCEPT'],
    );
    t.true(calls.every((c) => c.framework_id?.value === 'FW-1'));
    t.is(calls[0]?.decline?.filters?.refuse_seconds, 5, 'an empty Filters means the 5 s default');
    t.is(calls[1]?.decline?.filters?.refuse_seconds, 7);
    t.is(calls[4]?.kill?.task_id.value, 'T1');
    t.is(calls[5]?.request?.requests?.[0]?.slave_id?.value, 'S1');
    t.deepEqual(
      calls[6]?.reconcile?.tasks?.map((task) => [task.task_id.value, has(task, 'slave_id') ? task.slave_id?.value : null]),
      [
        ['T1', 'S1'],
        ['T2', null],
      ],
    );
    t.is(calls[7]?.accept?.operations?.[0]?.type, mesos.Offer.Operation.Type.RESERVE);
    t.is(calls[7]?.accept?.filters?.refuse_seconds, 1);
  } finally {
    await w.stop();
  }
});

test('status updates: implicit ACKNOWLEDGE for agent updates; none for master-generated ones', async (t) => {
  const w = new World();
  try {
    await w.register();
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const status = { task_id: { value: 'T1' }, state: mesos.TaskState.TASK_RUNNING, slave_id: { value: 'S1' }, uuid };
    w.send(m.StatusUpdateMessage, {
      update: { framework_id: { value: 'FW-1' }, slave_id: { value: 'S1' }, status, timestamp: 1, uuid },
      pid: w.agent.self.toString(),
    });
    await w.settle();
    const running = await w.scheduler.update('T1');
    t.deepEqual(Uint8Array.from(running.uuid), uuid);
    const [ack] = w.calls();
    t.is(ack?.type, Call.Type.ACKNOWLEDGE);
    t.is(ack?.acknowledge?.task_id.value, 'T1');
    t.is(ack?.acknowledge?.slave_id.value, 'S1');
    t.deepEqual(Uint8Array.from(ack?.acknowledge?.uuid ?? []), uuid);

    // From the master itself (pid UPID()): no uuid for the scheduler, no acknowledgement.
    w.send(m.StatusUpdateMessage, {
      update: { framework_id: { value: 'FW-1' }, status: { task_id: { value: 'T2' }, state: mesos.TaskState.TASK_LOST }, timestamp: 2 },
      pid: '@0.0.0.0:0',
    });
    await w.settle();
    const lost = await w.scheduler.update('T2');
    t.false(has(lost, 'uuid'));
    t.deepEqual(w.calls(), []);

    // An update for another framework is dropped.
    w.send(m.StatusUpdateMessage, {
      update: { framework_id: { value: 'FW-9' }, status: { task_id: { value: 'T3' }, state: mesos.TaskState.TASK_LOST }, timestamp: 3 },
    });
    await w.settle();
    t.is(w.scheduler.all.filter((e) => e.kind === 'update').length, 2);
  } finally {
    await w.stop();
  }
});

test('an asynchronous statusUpdate callback is acknowledged once its promise resolves', async (t) => {
  const w = new World();
  let release: () => void = () => undefined;
  w.scheduler.on.statusUpdate = () => new Promise<void>((resolve) => (release = resolve));
  try {
    await w.register();
    const uuid = new Uint8Array(16).fill(7);
    w.send(m.StatusUpdateMessage, {
      update: { framework_id: { value: 'FW-1' }, slave_id: { value: 'S1' }, status: { task_id: { value: 'T1' }, state: 1, uuid }, timestamp: 1, uuid },
      pid: w.agent.self.toString(),
    });
    await w.settle();
    t.deepEqual(w.calls(), [], 'not yet');
    release();
    await w.settle();
    t.is(w.calls()[0]?.type, Call.Type.ACKNOWLEDGE);
  } finally {
    await w.stop();
  }
});

test('explicit acknowledgements send exactly what the status carries', async (t) => {
  const w = new World({ implicitAcknowledgements: false });
  try {
    await w.register();
    const uuid = new Uint8Array(16).fill(9);
    w.send(m.StatusUpdateMessage, {
      update: { framework_id: { value: 'FW-1' }, slave_id: { value: 'S1' }, status: { task_id: { value: 'T1' }, state: 1, slave_id: { value: 'S1' }, uuid }, timestamp: 1, uuid },
      pid: w.agent.self.toString(),
    });
    await w.settle();
    const status = await w.scheduler.update('T1');
    t.deepEqual(w.calls(), [], 'no implicit acknowledgement');
    t.is(w.driver.acknowledgeStatusUpdate(status), Status.DRIVER_RUNNING);
    // A status without uuid (from the master) needs none: nothing is sent.
    w.driver.acknowledgeStatusUpdate({ task_id: { value: 'T2' }, state: mesos.TaskState.TASK_LOST });
    await w.settle();
    const calls = w.calls();
    t.is(calls.length, 1);
    t.is(calls[0]?.acknowledge?.task_id.value, 'T1');
  } finally {
    await w.stop();
  }
});

test('while disconnected calls are dropped, and launches come back as TASK_LOST', async (t) => {
  const w = new World();
  try {
    await w.driver.start();
    await w.settle();
    w.calls();
    w.driver.declineOffer({ value: 'O1' });
    w.driver.killTask({ value: 'T1' });
    w.driver.reconcileTasks([]);
    w.driver.sendFrameworkMessage({ value: 'E1' }, { value: 'S1' }, 'x');
    w.driver.launchTasks({ value: 'O1' }, [{ name: 'a', task_id: { value: 'A' }, slave_id: { value: 'S1' } }, { name: 'b', task_id: { value: 'B' }, slave_id: { value: 'S1' } }]);
    await w.settle();
    t.deepEqual(w.calls(), []);
    const a = await w.scheduler.update('A');
    const b = await w.scheduler.update('B');
    for (const status of [a, b]) {
      t.is(status.state, mesos.TaskState.TASK_LOST);
      t.is(status.source, mesos.TaskStatus.Source.SOURCE_MASTER);
      t.is(status.reason, mesos.TaskStatus.Reason.REASON_MASTER_DISCONNECTED);
      t.is(status.message, 'Master disconnected');
      t.false(has(status, 'uuid'));
    }
  } finally {
    await w.stop();
  }
});

test('stop() sends TEARDOWN, stop(true) nothing, abort() DeactivateFrameworkMessage', async (t) => {
  const teardown = new World();
  await teardown.register();
  t.is(teardown.driver.stop(), Status.DRIVER_STOPPED);
  await teardown.settle();
  const [call] = teardown.calls();
  t.is(call?.type, Call.Type.TEARDOWN);
  t.is(call?.framework_id?.value, 'FW-1');
  t.false(teardown.schedulerRuntime.exists(teardown.driverPid), 'the process is gone');
  await teardown.stop();

  const failover = new World();
  await failover.register();
  t.is(failover.driver.stop(true), Status.DRIVER_STOPPED);
  await failover.settle();
  t.deepEqual(failover.calls(), []);
  t.deepEqual(failover.master.drain(m.DeactivateFrameworkMessage), []);
  await failover.stop();

  const aborted = new World();
  await aborted.register();
  t.is(aborted.driver.abort(), Status.DRIVER_ABORTED);
  await aborted.settle();
  const [deactivate] = aborted.master.drain(m.DeactivateFrameworkMessage);
  t.is(deactivate?.framework_id.value, 'FW-1');
  // Aborted: events are no longer delivered.
  await aborted.offer('O1');
  t.deepEqual(aborted.scheduler.drain('offers'), []);
  t.is(await aborted.driver.join(), Status.DRIVER_ABORTED);
  t.is(aborted.driver.stop(), Status.DRIVER_ABORTED);
  await aborted.settle();
  // Still connected as far as the process knows: 1.0 tears the framework down too.
  t.is(aborted.calls()[0]?.type, Call.Type.TEARDOWN);
  await aborted.stop();
});

test('FrameworkErrorMessage aborts the driver, then calls error', async (t) => {
  const w = new World();
  let statusInCallback: Status | undefined;
  w.scheduler.on.error = (driver) => {
    statusInCallback = (driver as MesosSchedulerDriver).state;
  };
  try {
    await w.register();
    w.send(m.FrameworkErrorMessage, { message: 'Framework has been removed' });
    await w.settle();
    t.is((await w.scheduler.next('error')).message, 'Framework has been removed');
    t.is(statusInCallback, Status.DRIVER_ABORTED);
    t.is(await w.driver.join(), Status.DRIVER_ABORTED);
    t.is(w.master.drain(m.DeactivateFrameworkMessage).length, 1);
  } finally {
    await w.stop();
  }
});

test('v1 Events are accepted too: SUBSCRIBED, OFFERS (agent pid from the url), UPDATE, MESSAGE, FAILURE, ERROR', async (t) => {
  const w = new World();
  try {
    await w.driver.start();
    await w.settle();
    w.calls();
    w.send(Event, { type: Event.Type.SUBSCRIBED, subscribed: { framework_id: { value: 'FW-V1' } } });
    await w.settle();
    const registered = await w.scheduler.next('registered');
    t.is(registered.frameworkId.value, 'FW-V1');
    t.is(registered.masterInfo.pid, w.master.self.toString(), 'the detector\'s MasterInfo');
    const agent = w.agent.self;
    w.send(Event, {
      type: Event.Type.OFFERS,
      offers: {
        offers: [
          {
            id: { value: 'O1' },
            framework_id: { value: 'FW-V1' },
            slave_id: { value: 'S1' },
            hostname: 'agent.test',
            url: { scheme: 'http', address: { ip: agent.host, port: agent.port }, path: `/${agent.id}` },
          },
        ],
      },
    });
    await w.settle();
    await w.scheduler.next('offers');
    w.driver.launchTasks({ value: 'O1' }, [{ name: 't', task_id: { value: 'T1' }, slave_id: { value: 'S1' } }]);
    w.driver.sendFrameworkMessage({ value: 'E1' }, { value: 'S1' }, 'direct');
    await w.settle();
    t.is((await w.agent.next(m.FrameworkToExecutorMessage)).message.executor_id.value, 'E1');
    w.calls();

    const uuid = new Uint8Array(16).fill(3);
    w.send(Event, { type: Event.Type.UPDATE, update: { status: { task_id: { value: 'T1' }, state: 1, slave_id: { value: 'S1' }, uuid } } });
    await w.settle();
    const update = await w.scheduler.update('T1');
    t.false(has(update, 'uuid'), '1.0 hides the uuid of v1 updates from the scheduler');
    t.is(w.calls()[0]?.type, Call.Type.ACKNOWLEDGE, 'but acknowledges them');

    w.send(Event, { type: Event.Type.MESSAGE, message: { slave_id: { value: 'S1' }, executor_id: { value: 'E1' }, data: Buffer.from('m') } });
    w.send(Event, { type: Event.Type.FAILURE, failure: { slave_id: { value: 'S1' }, executor_id: { value: 'E1' }, status: 9 } });
    w.send(Event, { type: Event.Type.FAILURE, failure: { slave_id: { value: 'S1' } } });
    w.send(Event, { type: Event.Type.HEARTBEAT });
    w.send(Event, { type: Event.Type.ERROR, error: { message: 'bye' } });
    await w.settle();
    t.deepEqual(
      w.scheduler.all.map((e) => e.kind),
      ['registered', 'offers', 'update', 'message', 'executorLost', 'slaveLost', 'error'],
    );
  } finally {
    await w.stop();
  }
});

test('CRAM-MD5 authentication before subscribing', async (t) => {
  const credential = { principal: 'fw-principal', secret: 'sekrit' };
  const w = new World({ credential });
  try {
    await w.driver.start();
    await w.settle();
    t.deepEqual(w.calls(), [], 'no SUBSCRIBE before authenticating');
    const authenticate = await w.master.next(m.AuthenticateMessage);
    t.is(authenticate.message.pid, w.driverPid.toString());
    const authenticatee = authenticate.from;
    t.regex(authenticatee.id, /^crammd5_authenticatee\(\d+\)$/);
    w.master.sendProto(authenticatee, m.AuthenticationMechanismsMessage, { mechanisms: ['CRAM-MD5'] });
    await w.settle();
    const start = await w.master.next(m.AuthenticationStartMessage);
    t.is(start.message.mechanism, 'CRAM-MD5');
    const challenge = Buffer.from('<1896.697170952@master.test>');
    w.master.sendProto(authenticatee, m.AuthenticationStepMessage, { data: challenge });
    await w.settle();
    const step = await w.master.next(m.AuthenticationStepMessage);
    const response = Buffer.from(step.message.data).toString();
    t.is(response, cramMd5Response('fw-principal', 'sekrit', challenge));
    t.regex(response, /^fw-principal [0-9a-f]{32}$/);
    w.master.sendProto(authenticatee, m.AuthenticationCompletedMessage, {});
    await w.settle();
    const [subscribe] = w.calls();
    t.is(subscribe?.type, Call.Type.SUBSCRIBE);
    t.false(w.schedulerRuntime.exists(authenticatee), 'the authenticatee is done');
  } finally {
    await w.stop();
  }
});

test('authentication: a timeout retries; a refusal is an error', async (t) => {
  const w = new World({ credential: { principal: 'p', secret: 's' } });
  try {
    await w.driver.start();
    await w.settle();
    await w.master.next(m.AuthenticateMessage);
    // No answer: after 5 s the attempt is discarded and retried after a backoff (1 s * 2^1 here).
    await w.advance(5_000);
    t.is(w.master.count(messageName(m.AuthenticateMessage)), 0);
    await w.advance(2_000);
    const second = await w.master.next(m.AuthenticateMessage);
    w.master.sendProto(second.from, m.AuthenticationFailedMessage, {});
    await w.settle();
    t.is((await w.scheduler.next('error')).message, 'Master refused authentication');
    t.is(w.driver.state, Status.DRIVER_ABORTED);
    t.deepEqual(w.calls(), []);
  } finally {
    await w.stop();
  }
});

test('MasterInfo from a master given as host:port; file:// and master@ forms', async (t) => {
  const { detectMaster } = await import('../../scheduler-driver/master-address.js');
  const plain = await detectMaster('10.1.2.3:5050', { reverse: () => Promise.resolve('m.example') });
  if (!plain.ok) throw new Error(plain.error);
  t.is(plain.master.pid.toString(), 'master@10.1.2.3:5050');
  t.is(plain.master.info.pid, 'master@10.1.2.3:5050');
  t.is(plain.master.info.port, 5050);
  t.is(plain.master.info.ip, ((3 << 24) >>> 0) + (2 << 16) + (1 << 8) + 10);
  t.is(plain.master.info.hostname, 'm.example');
  t.regex(plain.master.info.id, /^master@10\.1\.2\.3:5050-[0-9a-f-]{36}$/);
  const named = await detectMaster('master@somehost:5050', { resolve: () => Promise.resolve('10.9.9.9'), reverse: () => Promise.resolve(undefined) });
  t.true(named.ok && named.master.pid.toString() === 'master@10.9.9.9:5050');
  const fromFile = await detectMaster('file:///etc/mesos/master', {
    readFile: (p) => Promise.resolve(p === '/etc/mesos/master' ? ' 10.0.0.1:5050\n' : ''),
    reverse: () => Promise.resolve(undefined),
  });
  t.true(fromFile.ok && fromFile.master.pid.toString() === 'master@10.0.0.1:5050');
  const other = await detectMaster('scheduler@10.0.0.1:5050');
  t.deepEqual(other, { ok: false, error: "Failed to parse 'scheduler@10.0.0.1:5050'" });
  const unresolvable = await detectMaster('no-such-host:5050', { resolve: () => Promise.reject(new Error('ENOTFOUND')) });
  t.deepEqual(unresolvable, { ok: false, error: "Failed to parse 'no-such-host:5050'" });
});
