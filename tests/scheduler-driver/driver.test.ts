// MesosSchedulerDriver end to end: our master and agent over real TCP in this
// process, the driver on a runtime of its own, real executors running tasks.

import test from 'ava';
import { futureProtobuf } from '../../libprocess/testing.js';
import { has, mesos } from '../../proto/index.js';
import { MesosSchedulerDriver, Status, type FrameworkInfoInput, type SchedulerDriverOptions } from '../../scheduler-driver/driver.js';
import { cluster, commandTask, echoExecutorTask, eventually, RecordingScheduler, sleep, type Cluster } from './helpers.js';

const TaskState = mesos.TaskState;

function driverFor(
  c: Cluster,
  scheduler: RecordingScheduler,
  info: Partial<FrameworkInfoInput> = {},
  implicitAcknowledgements = true,
  options: SchedulerDriverOptions = {},
): MesosSchedulerDriver {
  return new MesosSchedulerDriver(scheduler, { user: '', name: 'driver-test', ...info }, c.address, implicitAcknowledgements, undefined, {
    env: { ...process.env, MESOS_REGISTRATION_BACKOFF_FACTOR: '100ms' },
    ...options,
  });
}

/** Starts a driver and waits for registration and the first offer. */
async function registered(driver: MesosSchedulerDriver, scheduler: RecordingScheduler): Promise<{ frameworkId: string; offer: mesos.Offer }> {
  const status = await driver.start();
  if (status !== Status.DRIVER_RUNNING) throw new Error(`driver did not start: ${Status[status]}`);
  const { frameworkId } = await scheduler.next('registered');
  const { offers } = await scheduler.next('offers');
  const offer = offers[0];
  if (offer === undefined) throw new Error('empty offer list');
  return { frameworkId: frameworkId.value, offer };
}

test.serial('registers: registered callback with the framework id and master info, then offers', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler, { name: 'first' });
  try {
    t.is(await driver.start(), Status.DRIVER_RUNNING);
    const { frameworkId, masterInfo } = await scheduler.next('registered');
    t.regex(frameworkId.value, /-0000$/);
    t.is(masterInfo.pid, c.master.master.self.toString());
    t.is(masterInfo.id, c.master.master.info.id);
    const framework = c.framework(frameworkId.value);
    t.truthy(framework);
    t.true(framework?.active);
    t.is(framework?.info.name, 'first');
    // An empty user becomes the current user, an empty hostname this host's name.
    t.truthy(framework?.info.user);
    t.truthy(framework?.info.hostname);
    t.is(framework?.pid?.toString(), driver.pid?.toString());
    t.regex(driver.pid?.id ?? '', /^scheduler-[0-9a-f-]{36}$/);
    const { offers } = await scheduler.next('offers');
    t.is(offers.length, 1);
    t.is(offers[0]?.slave_id.value, c.agent.id);
    t.is(offers[0]?.framework_id.value, frameworkId.value);
  } finally {
    driver.stop();
    t.is(await driver.join(), Status.DRIVER_STOPPED);
    await c.stop();
  }
});

test.serial('launches `echo hi`: TASK_RUNNING then TASK_FINISHED, implicitly acknowledged', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { frameworkId, offer } = await registered(driver, scheduler);
    t.is(driver.launchTasks(offer.id, [commandTask(offer, 'echo', 'echo hi')]), Status.DRIVER_RUNNING);
    const running = await scheduler.update('echo', TaskState.TASK_RUNNING);
    t.true(has(running, 'uuid'), 'updates from agents carry their uuid');
    t.is(running.slave_id?.value, c.agent.id);
    const finished = await scheduler.update('echo', TaskState.TASK_FINISHED);
    t.is(finished.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
    // The acknowledged terminal update lets the master forget the task.
    await eventually(() => (c.framework(frameworkId)?.tasks.size === 0 ? true : undefined), 15_000);
    t.is(c.framework(frameworkId)?.completedTasks.length, 1);
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('explicit acknowledgements: nothing is acknowledged until acknowledgeStatusUpdate', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler, {}, false);
  try {
    const { frameworkId, offer } = await registered(driver, scheduler);
    driver.launchTasks([offer.id], [commandTask(offer, 'explicit', 'echo hi')]);
    const running = await scheduler.update('explicit', TaskState.TASK_RUNNING);
    // The agent holds TASK_FINISHED back until TASK_RUNNING is acknowledged.
    await sleep(1_000);
    t.deepEqual(scheduler.drain('update'), []);
    t.is(driver.acknowledgeStatusUpdate(running), Status.DRIVER_RUNNING);
    const finished = await scheduler.update('explicit', TaskState.TASK_FINISHED);
    await sleep(500);
    t.is(c.framework(frameworkId)?.tasks.size, 1, 'the terminal update is not acknowledged yet');
    driver.acknowledgeStatusUpdate(finished);
    await eventually(() => (c.framework(frameworkId)?.tasks.size === 0 ? true : undefined), 15_000);
    t.pass();
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('acknowledgeStatusUpdate with implicit acknowledgements on throws', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    t.is(driver.acknowledgeStatusUpdate({ task_id: { value: 'x' }, state: TaskState.TASK_RUNNING }), Status.DRIVER_NOT_STARTED);
    await driver.start();
    t.throws(() => driver.acknowledgeStatusUpdate({ task_id: { value: 'x' }, state: TaskState.TASK_RUNNING }), {
      message: 'Cannot call acknowledgeStatusUpdate: Implicit acknowledgements are enabled',
    });
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('killTask: a running task ends TASK_KILLED', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    driver.launchTasks(offer.id, [commandTask(offer, 'sleeper', 'sleep 120')]);
    await scheduler.update('sleeper', TaskState.TASK_RUNNING);
    t.is(driver.killTask({ value: 'sleeper' }), Status.DRIVER_RUNNING);
    const killed = await scheduler.update('sleeper', TaskState.TASK_KILLED);
    t.is(killed.task_id.value, 'sleeper');
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('declineOffer with refuse_seconds: no re-offer of that agent before the filter expires', async (t) => {
  const c = await cluster({ allocationIntervalMs: 100 });
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    const declined = Date.now();
    driver.declineOffer(offer.id, { refuse_seconds: 2 });
    await sleep(1_200);
    t.deepEqual(scheduler.drain('offers'), [], 'no offer while the filter holds');
    const again = await scheduler.next('offers', () => true, 10_000);
    t.true(Date.now() - declined >= 1_900, `re-offered after ${Date.now() - declined}ms`);
    t.is(again.offers[0]?.slave_id.value, c.agent.id);
    // Without filters (refuse_seconds 5 by default) declining works the same way.
    t.is(driver.declineOffer(again.offers[0]?.id ?? { value: '' }), Status.DRIVER_RUNNING);
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('suppressOffers stops offers; reviveOffers brings them back at once', async (t) => {
  const c = await cluster({ allocationIntervalMs: 100 });
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    t.is(driver.suppressOffers(), Status.DRIVER_RUNNING);
    driver.declineOffer(offer.id, { refuse_seconds: 0 });
    await sleep(1_000);
    t.deepEqual(scheduler.drain('offers'), [], 'suppressed');
    const revived = Date.now();
    t.is(driver.reviveOffers(), Status.DRIVER_RUNNING);
    await scheduler.next('offers', () => true, 5_000);
    t.true(Date.now() - revived < 2_000);
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('reconcileTasks: implicit (all tasks) and explicit (known and unknown tasks)', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    driver.launchTasks(offer.id, [commandTask(offer, 'long', 'sleep 120')]);
    await scheduler.update('long', TaskState.TASK_RUNNING);

    t.is(driver.reconcileTasks([]), Status.DRIVER_RUNNING);
    const implicit = await scheduler.update('long');
    t.is(implicit.state, TaskState.TASK_RUNNING);
    t.is(implicit.reason, mesos.TaskStatus.Reason.REASON_RECONCILIATION);
    t.is(implicit.source, mesos.TaskStatus.Source.SOURCE_MASTER);
    t.false(has(implicit, 'uuid'), 'master-generated updates need no acknowledgement');

    driver.reconcileTasks([
      { task_id: { value: 'long' }, slave_id: offer.slave_id, state: TaskState.TASK_STAGING },
      { task_id: { value: 'never-launched' }, state: TaskState.TASK_STAGING },
    ]);
    const known = await scheduler.update('long');
    t.is(known.state, TaskState.TASK_RUNNING);
    t.is(known.message, 'Reconciliation: Latest task state');
    const unknown = await scheduler.update('never-launched');
    t.is(unknown.state, TaskState.TASK_LOST);
    t.is(unknown.message, 'Reconciliation: Task is unknown');
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('launching on an unknown offer still goes to the master, which answers TASK_LOST', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    driver.launchTasks({ value: 'no-such-offer' }, [commandTask(offer, 'orphan', 'echo hi')]);
    const lost = await scheduler.update('orphan');
    t.true(lost.state === TaskState.TASK_LOST || lost.state === TaskState.TASK_ERROR, TaskState[lost.state]);
    t.is(lost.source, mesos.TaskStatus.Source.SOURCE_MASTER);
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('sendFrameworkMessage goes from the scheduler straight to the agent the task runs on', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    driver.launchTasks(offer.id, [echoExecutorTask(offer, 'echo-task', 'echoer')]);
    await scheduler.update('echo-task', TaskState.TASK_RUNNING);
    const arrived = futureProtobuf(c.agentRuntime, mesos.internal.FrameworkToExecutorMessage, { to: c.agent.self });
    driver.sendFrameworkMessage({ value: 'echoer' }, offer.slave_id, 'ping');
    const { message, record } = await arrived;
    t.is(record.from, driver.pid?.toString() ?? 'not started');
    t.is(message.executor_id.value, 'echoer');
    t.is(Buffer.from(message.data).toString(), 'ping');
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

// Mesos 1.0's driver sends framework messages straight to the agent it
// launched on (the pid from ResourceOffersMessage.pids), and 1.0's agent
// accepts them from anyone (Slave::schedulerMessage). Our agent still drops
// FrameworkToExecutorMessage that does not come from the master
// (agent/tasks.ts schedulerMessage); flip to `test.serial` once it accepts them.
test.serial('frameworkMessage round trip with a custom executor (direct to the agent)', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    const { offer } = await registered(driver, scheduler);
    driver.launchTasks(offer.id, [echoExecutorTask(offer, 'echo-task', 'echoer')]);
    const running = await scheduler.update('echo-task', TaskState.TASK_RUNNING);
    t.is(running.message, 'echo executor running');
    t.is(driver.sendFrameworkMessage({ value: 'echoer' }, offer.slave_id, 'ping'), Status.DRIVER_RUNNING);
    const reply = await scheduler.next('message', () => true, 10_000);
    t.is(Buffer.from(reply.data).toString(), 'echo: ping');
    t.is(reply.executorId.value, 'echoer');
    t.is(reply.slaveId.value, c.agent.id);
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('failover: stop(true), a new driver with the same id re-registers, reconciles, messages its executor', async (t) => {
  const c = await cluster();
  const first = new RecordingScheduler();
  const driver1 = driverFor(c, first, { failover_timeout: 60 });
  const second = new RecordingScheduler();
  let driver2: MesosSchedulerDriver | undefined;
  try {
    const { frameworkId, offer } = await registered(driver1, first);
    driver1.launchTasks(offer.id, [echoExecutorTask(offer, 'survivor', 'keeper')]);
    await first.update('survivor', TaskState.TASK_RUNNING);

    t.is(driver1.stop(true), Status.DRIVER_STOPPED);
    t.is(await driver1.join(), Status.DRIVER_STOPPED);
    // The framework and its task outlive the scheduler (failover_timeout 60s).
    await eventually(() => (c.framework(frameworkId)?.connected === false ? true : undefined), 10_000);
    t.is(c.framework(frameworkId)?.tasks.size, 1);

    driver2 = driverFor(c, second, { id: { value: frameworkId }, failover_timeout: 60 });
    t.is(await driver2.start(), Status.DRIVER_RUNNING);
    const again = await second.next('registered');
    t.is(again.frameworkId.value, frameworkId);
    t.is(c.framework(frameworkId)?.pid?.toString(), driver2.pid?.toString());
    t.true(c.framework(frameworkId)?.connected);

    driver2.reconcileTasks([]);
    const reconciled = await second.update('survivor');
    t.is(reconciled.state, TaskState.TASK_RUNNING);

    // This driver has no agent pids saved: the message goes through the master.
    driver2.sendFrameworkMessage({ value: 'keeper' }, offer.slave_id, 'still there?');
    const reply = await second.next('message', () => true, 10_000);
    t.is(Buffer.from(reply.data).toString(), 'echo: still there?');
    // And the executor's updates reach the new scheduler.
    driver2.sendFrameworkMessage({ value: 'keeper' }, offer.slave_id, 'finish survivor');
    await second.update('survivor', TaskState.TASK_FINISHED);
  } finally {
    driver1.stop();
    driver2?.stop();
    await driver2?.join();
    await c.stop();
  }
});

test.serial('stop(false) tears the framework down: its tasks are killed and it is completed', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler, { failover_timeout: 60 });
  const { frameworkId, offer } = await registered(driver, scheduler);
  try {
    driver.launchTasks(offer.id, [commandTask(offer, 'doomed', 'sleep 120')]);
    await scheduler.update('doomed', TaskState.TASK_RUNNING);
    t.is(driver.stop(), Status.DRIVER_STOPPED);
    t.is(await driver.join(), Status.DRIVER_STOPPED);
    await eventually(() => (c.master.master.state.isCompletedFramework(frameworkId) ? true : undefined), 10_000);
    t.is(c.framework(frameworkId), undefined);
  } finally {
    await c.stop();
  }
});

test.serial('status values: not started, running, aborted, stopped; abort deactivates the framework', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler);
  try {
    t.is(driver.state, Status.DRIVER_NOT_STARTED);
    t.is(driver.reviveOffers(), Status.DRIVER_NOT_STARTED);
    t.is(driver.abort(), Status.DRIVER_NOT_STARTED);
    t.is(driver.stop(), Status.DRIVER_NOT_STARTED);
    t.is(await driver.join(), Status.DRIVER_NOT_STARTED);

    const { frameworkId } = await registered(driver, scheduler);
    t.is(await driver.start(), Status.DRIVER_RUNNING, 'a second start() changes nothing');

    t.is(driver.abort(), Status.DRIVER_ABORTED);
    t.is(driver.abort(), Status.DRIVER_ABORTED);
    t.is(driver.reviveOffers(), Status.DRIVER_ABORTED);
    t.is(driver.launchTasks([], []), Status.DRIVER_ABORTED);
    t.is(await driver.join(), Status.DRIVER_ABORTED);
    // DeactivateFrameworkMessage: the master stops offering to it, but keeps it.
    await eventually(() => (c.framework(frameworkId)?.active === false ? true : undefined), 10_000);
    t.true(c.framework(frameworkId)?.connected);

    t.is(driver.stop(), Status.DRIVER_ABORTED, 'stop() after abort() reports the abort');
    t.is(driver.state, Status.DRIVER_STOPPED);
    t.is(driver.stop(), Status.DRIVER_STOPPED);
    t.is(await driver.join(), Status.DRIVER_STOPPED);
    t.is(await driver.run(), Status.DRIVER_STOPPED);
  } finally {
    await c.stop();
  }
});

test.serial('run() resolves when a callback stops the driver', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  scheduler.on.resourceOffers = (driver) => {
    driver.stop();
  };
  const driver = driverFor(c, scheduler);
  try {
    t.is(await driver.run(), Status.DRIVER_STOPPED);
    t.is(scheduler.all.filter((e) => e.kind === 'offers').length, 1);
  } finally {
    await c.stop();
  }
});

test.serial('an invalid FrameworkInfo: error callback with the master\'s reason; the driver aborts', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler, { role: 'bad role' });
  try {
    t.is(await driver.run(), Status.DRIVER_ABORTED);
    const { message } = await scheduler.next('error');
    t.regex(message, /role/i);
    t.is(driver.state, Status.DRIVER_ABORTED);
    t.deepEqual(scheduler.all.filter((e) => e.kind === 'registered'), []);
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('master connection breaks: disconnected, then registered again with the same id', async (t) => {
  const c = await cluster();
  const scheduler = new RecordingScheduler();
  const driver = driverFor(c, scheduler, { failover_timeout: 60 });
  try {
    const { frameworkId } = await registered(driver, scheduler);
    t.is(driver.launchTasks([], []), Status.DRIVER_RUNNING);
    await c.restartMaster();
    await scheduler.next('disconnected', () => true, 10_000);
    // A launch while disconnected comes back at once as TASK_LOST from the driver itself.
    driver.launchTasks({ value: 'stale-offer' }, [
      { name: 't', task_id: { value: 'while-away' }, slave_id: { value: c.agent.id }, command: { value: 'true' } },
    ]);
    const lost = await scheduler.update('while-away');
    t.is(lost.state, TaskState.TASK_LOST);
    t.is(lost.reason, mesos.TaskStatus.Reason.REASON_MASTER_DISCONNECTED);
    t.is(lost.message, 'Master disconnected');
    // A new master knows nothing of the framework: as 1.0 (MESOS-786) it answers FrameworkRegisteredMessage.
    const again = await scheduler.next('registered', () => true, 20_000);
    t.is(again.frameworkId.value, frameworkId);
    t.truthy(c.framework(frameworkId));
  } finally {
    driver.stop();
    await driver.join();
    await c.stop();
  }
});

test.serial('a master string that names no master: error callback and DRIVER_ABORTED', async (t) => {
  for (const [master, reason] of [
    ['zk://localhost:2181/mesos', /ZooKeeper/],
    ['not a master', /Failed to parse 'not a master'/],
    ['file:///nonexistent/master.txt', /Failed to read from file at '\/nonexistent\/master.txt'/],
  ] as const) {
    const scheduler = new RecordingScheduler();
    const driver = new MesosSchedulerDriver(scheduler, { user: '', name: 'x' }, master);
    t.is(await driver.start(), Status.DRIVER_ABORTED);
    const { message } = await scheduler.next('error');
    t.true(message.startsWith(`Failed to create a master detector for '${master}': `), message);
    t.regex(message, reason);
    t.is(await driver.join(), Status.DRIVER_ABORTED);
    t.is(driver.stop(), Status.DRIVER_ABORTED);
  }
});

test.serial('bad MESOS_* flags abort the driver at start', async (t) => {
  const scheduler = new RecordingScheduler();
  const driver = new MesosSchedulerDriver(scheduler, { user: '', name: 'x' }, '127.0.0.1:5050', true, undefined, {
    env: { MESOS_REGISTRATION_BACKOFF_FACTOR: 'soon' },
  });
  t.is(await driver.start(), Status.DRIVER_ABORTED);
  const { message } = await scheduler.next('error');
  t.regex(message, /registration_backoff_factor/);
});
