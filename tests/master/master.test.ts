import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { messageName } from '../../libprocess/process.js';
import { Cluster, UUID_A, UUID_B, commandTask } from './harness.js';

const m = mesos.internal;
const TaskState = mesos.TaskState;

test('an agent registers, gets an id and is health-checked', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  t.is(agent.id, 'MASTER-S0');
  t.true(agent.process.pings >= 1, 'the observer pings right away');
  t.is(await cluster.metric('master/slaves_active'), 1);
  t.is(await cluster.metric('master/cpus_total'), 4);
  t.is(await cluster.metric('master/mem_total'), 4096);
  t.is(await cluster.metric('master/slave_registrations'), 1);
  // Retried registration from the same pid gets the same id back.
  agent.process.sendProto(cluster.master, m.RegisterSlaveMessage, { slave: agent.info(), version: '1.0.0' });
  await cluster.settle();
  const again = await agent.process.next(m.SlaveRegisteredMessage);
  t.is(again.message.slave_id.value, 'MASTER-S0');
  t.is(again.message.connection?.total_ping_timeout_seconds, 75);
  await cluster.stop();
});

test('a framework registers and gets offers of the agent resources with the agent pid', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const scheduler = await cluster.framework();
  t.is(scheduler.id, 'MASTER-0000');
  const offers = await scheduler.offers();
  t.is(offers.offers.length, 1);
  t.deepEqual(offers.pids, [agent.pid.toString()]);
  const offer = offers.offers[0] as mesos.Offer;
  t.is(offer.slave_id.value, agent.id);
  t.is(offer.framework_id.value, scheduler.id);
  t.is(offer.hostname, 'agent.test');
  t.regex(offer.id.value, /^MASTER-O\d+$/);
  t.true(Resources.fromProto(offer.resources).equals(agent.resources));
  t.is(await cluster.metric('master/outstanding_offers'), 1);
  t.is(await cluster.metric('master/frameworks_active'), 1);
  await cluster.stop();
});

test('launch, status updates with acknowledgements, and resource accounting', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], [commandTask('t1', agent.id)]);
  await cluster.settle();
  const run = await agent.process.next(m.RunTaskMessage);
  t.is(run.message.task.task_id.value, 't1');
  t.is(run.message.framework.id?.value, scheduler.id);
  t.is(run.message.pid, scheduler.process.self.toString());
  t.is(await cluster.metric('master/tasks_staging'), 1);
  t.is(await cluster.metric('master/cpus_used'), 1);

  agent.update(scheduler.id, 't1', TaskState.TASK_RUNNING, UUID_A);
  const running = await scheduler.update();
  t.is(running.update.status.state, TaskState.TASK_RUNNING);
  t.is(running.pid, agent.pid.toString(), 'the update names the agent to acknowledge');
  t.deepEqual([...running.update.status.uuid ?? []], [...UUID_A]);
  t.is(await cluster.metric('master/tasks_running'), 1);

  scheduler.process.sendProto(cluster.master, m.StatusUpdateAcknowledgementMessage, {
    slave_id: { value: agent.id },
    framework_id: { value: scheduler.id },
    task_id: { value: 't1' },
    uuid: UUID_A,
  });
  await cluster.settle();
  const ack = await agent.process.next(m.StatusUpdateAcknowledgementMessage);
  t.is(ack.message.task_id.value, 't1');

  agent.update(scheduler.id, 't1', TaskState.TASK_FINISHED, UUID_B);
  await scheduler.update();
  t.is(await cluster.metric('master/tasks_finished'), 1);
  t.is(await cluster.metric('master/tasks_running'), 0);
  t.is(await cluster.metric('master/cpus_used'), 0, 'terminal task resources are released at once');
  scheduler.call({
    type: mesos.scheduler.Call.Type.ACKNOWLEDGE,
    acknowledge: { slave_id: { value: agent.id }, task_id: { value: 't1' }, uuid: UUID_B },
  });
  await cluster.settle();
  await agent.process.next(m.StatusUpdateAcknowledgementMessage);
  t.is(cluster.running.master.state.frameworks.get(scheduler.id)?.tasks.size, 0);
  t.is(cluster.running.master.state.frameworks.get(scheduler.id)?.completedTasks.length, 1);
  t.is(await cluster.metric('master/valid_status_update_acknowledgements'), 2);
  await cluster.stop();
});

test('a task asking for more than the offer gets TASK_ERROR; a bad offer id gets TASK_LOST', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent('cpus:2;mem:1024');
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], [commandTask('big', agent.id, 'cpus:3;mem:128')]);
  const error = await scheduler.update();
  t.is(error.update.status.state, TaskState.TASK_ERROR);
  t.is(error.update.status.reason, mesos.TaskStatus.Reason.REASON_TASK_INVALID);
  t.regex(error.update.status.message ?? '', /Task uses more resources/);
  t.is(agent.process.count(messageName(m.RunTaskMessage)), 0);

  scheduler.launch(['no-such-offer'], [commandTask('lost', agent.id)]);
  const lost = await scheduler.update();
  t.is(lost.update.status.state, TaskState.TASK_LOST);
  t.is(lost.update.status.reason, mesos.TaskStatus.Reason.REASON_INVALID_OFFERS);
  t.regex(lost.update.status.message ?? '', /^Task launched with invalid offers: Offer no-such-offer is no longer valid/);
  await cluster.stop();
});

test('an agent that stops answering pings is removed: TASK_LOST and LostSlaveMessage', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], [commandTask('t1', agent.id)]);
  await cluster.settle();
  await agent.process.next(m.RunTaskMessage);
  agent.process.ponging = false;
  await cluster.advance(15_000 * 4);
  t.is(await cluster.metric('master/slaves_active'), 1, 'four missed pings are tolerated');
  await cluster.advance(15_000 * 2);
  const lost = await scheduler.update();
  t.is(lost.update.status.state, TaskState.TASK_LOST);
  t.is(lost.update.status.reason, mesos.TaskStatus.Reason.REASON_SLAVE_REMOVED);
  const slaveLost = await scheduler.process.next(m.LostSlaveMessage);
  t.is(slaveLost.message.slave_id.value, agent.id);
  const shutdown = await agent.process.next(m.ShutdownMessage);
  t.is(shutdown.message.message, 'health check timed out');
  t.is(await cluster.metric('master/slave_removals/reason_unhealthy'), 1);
  t.is(await cluster.metric('master/slaves_active'), 0);
  await cluster.stop();
});

test('decline with a filter; kill; reconciliation; framework messages both ways', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], [{ ...commandTask('t1', agent.id), command: undefined, executor: {
    executor_id: { value: 'e1' },
    command: { value: 'my-executor' },
    resources: Resources.parse('cpus:0.1;mem:32').toProto(),
  } }], { refuse_seconds: 3600 });
  await cluster.settle();
  await agent.process.next(m.RunTaskMessage);
  agent.update(scheduler.id, 't1', TaskState.TASK_RUNNING, UUID_A);
  await scheduler.update();

  // Kill goes to the agent; killing an unknown task answers TASK_LOST.
  scheduler.call({ type: mesos.scheduler.Call.Type.KILL, kill: { task_id: { value: 't1' } } });
  await cluster.settle();
  t.is((await agent.process.next(m.KillTaskMessage)).message.task_id.value, 't1');
  scheduler.call({ type: mesos.scheduler.Call.Type.KILL, kill: { task_id: { value: 'ghost' } } });
  const ghost = await scheduler.update();
  t.is(ghost.update.status.state, TaskState.TASK_LOST);
  t.is(ghost.update.status.message, 'Reconciliation: Task is unknown');

  // Implicit reconciliation returns the latest state of every task.
  scheduler.process.sendProto(cluster.master, m.ReconcileTasksMessage, { framework_id: { value: scheduler.id }, statuses: [] });
  const latest = await scheduler.update();
  t.is(latest.update.status.state, TaskState.TASK_RUNNING);
  t.is(latest.update.status.reason, mesos.TaskStatus.Reason.REASON_RECONCILIATION);

  // Framework -> executor goes through the agent, executor -> framework back.
  scheduler.call({
    type: mesos.scheduler.Call.Type.MESSAGE,
    message: { slave_id: { value: agent.id }, executor_id: { value: 'e1' }, data: Buffer.from('hi') },
  });
  await cluster.settle();
  const toExecutor = await agent.process.next(m.FrameworkToExecutorMessage);
  t.is(Buffer.from(toExecutor.message.data).toString(), 'hi');
  agent.process.sendProto(cluster.master, m.ExecutorToFrameworkMessage, {
    slave_id: { value: agent.id },
    framework_id: { value: scheduler.id },
    executor_id: { value: 'e1' },
    data: Buffer.from('hello back'),
  });
  await cluster.settle();
  const fromExecutor = await scheduler.process.next(m.ExecutorToFrameworkMessage);
  t.is(Buffer.from(fromExecutor.message.data).toString(), 'hello back');
  await cluster.stop();
});

test('teardown kills tasks and shuts the framework down on agents', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], [commandTask('t1', agent.id)]);
  await cluster.settle();
  scheduler.call({ type: mesos.scheduler.Call.Type.TEARDOWN });
  await cluster.settle();
  const shutdown = await agent.process.next(m.ShutdownFrameworkMessage);
  t.is(shutdown.message.framework_id.value, scheduler.id);
  t.is(cluster.running.master.state.frameworks.size, 0);
  t.is(cluster.running.master.state.completedFrameworks.length, 1);
  t.is(await cluster.metric('master/cpus_used'), 0);
  // A removed framework cannot come back.
  scheduler.process.sendProto(cluster.master, m.ReregisterFrameworkMessage, {
    framework: { user: 'tester', name: 'x', id: { value: scheduler.id } },
    failover: true,
  });
  await cluster.settle();
  t.is((await scheduler.process.next(m.FrameworkErrorMessage)).message.message, 'Framework has been removed');
  await cluster.stop();
});

test('a disconnected framework is removed after its failover timeout unless it re-registers', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  await cluster.agent();
  const scheduler = await cluster.framework({ failover_timeout: 60 });
  await scheduler.offers();
  cluster.network.disconnect(cluster.masterRuntime.address, scheduler.runtime.address);
  await cluster.settle();
  t.is(await cluster.metric('master/frameworks_disconnected'), 1);
  await cluster.advance(30_000);
  // Fail over with the same id from a new scheduler process.
  const runtime = cluster.peerRuntime();
  const { PeerProcess } = await import('../../libprocess/testing.js');
  const { SCHEDULER_MESSAGES } = await import('./harness.js');
  const next = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
  runtime.spawn(next);
  await cluster.settle();
  next.sendProto(cluster.master, m.ReregisterFrameworkMessage, {
    framework: { user: 'tester', name: 'test-framework', id: { value: scheduler.id }, failover_timeout: 60 },
    failover: true,
  });
  await cluster.settle();
  t.is((await next.next(m.FrameworkRegisteredMessage)).message.framework_id.value, scheduler.id);
  await cluster.advance(60_000);
  t.is(cluster.running.master.state.frameworks.size, 1, 'the failed-over framework survives the old timeout');
  t.is(await cluster.metric('master/frameworks_connected'), 1);

  // Now a framework that never comes back.
  const other = await cluster.framework({ failover_timeout: 10 });
  cluster.network.disconnect(cluster.masterRuntime.address, other.runtime.address);
  await cluster.settle();
  await cluster.advance(11_000);
  t.false(cluster.running.master.state.frameworks.has(other.id));
  await cluster.stop();
});

test('the 1.0 driver path: SUBSCRIBE call, DECLINE and SUPPRESS/REVIVE', async (t) => {
  const cluster = new Cluster({ allocationIntervalMs: 1000 });
  await cluster.settle();
  await cluster.agent();
  const runtime = cluster.peerRuntime();
  const { PeerProcess } = await import('../../libprocess/testing.js');
  const { SCHEDULER_MESSAGES } = await import('./harness.js');
  const driver = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
  runtime.spawn(driver);
  await cluster.settle();
  driver.sendProto(cluster.master, mesos.scheduler.Call, {
    type: mesos.scheduler.Call.Type.SUBSCRIBE,
    subscribe: { framework_info: { user: 'tester', name: 'driver' } },
  });
  await cluster.settle();
  const id = (await driver.next(m.FrameworkRegisteredMessage)).message.framework_id.value;
  const offer = (await driver.next(m.ResourceOffersMessage)).message.offers[0] as mesos.Offer;
  driver.sendProto(cluster.master, mesos.scheduler.Call, {
    framework_id: { value: id },
    type: mesos.scheduler.Call.Type.DECLINE,
    decline: { offer_ids: [offer.id], filters: { refuse_seconds: 10 } },
  });
  await cluster.advance(5_000);
  t.is(driver.count(messageName(m.ResourceOffersMessage)), 0, 'filtered for 10 seconds');
  await cluster.advance(6_000);
  t.is(driver.count(messageName(m.ResourceOffersMessage)), 1, 'offered again once the filter expires');
  const again = (await driver.next(m.ResourceOffersMessage)).message.offers[0] as mesos.Offer;
  driver.sendProto(cluster.master, mesos.scheduler.Call, { framework_id: { value: id }, type: mesos.scheduler.Call.Type.SUPPRESS });
  driver.sendProto(cluster.master, mesos.scheduler.Call, {
    framework_id: { value: id },
    type: mesos.scheduler.Call.Type.DECLINE,
    decline: { offer_ids: [again.id], filters: { refuse_seconds: 0 } },
  });
  await cluster.advance(5_000);
  t.is(driver.count(messageName(m.ResourceOffersMessage)), 0, 'suppressed');
  driver.sendProto(cluster.master, mesos.scheduler.Call, { framework_id: { value: id }, type: mesos.scheduler.Call.Type.REVIVE });
  await cluster.advance(2_000);
  t.is(driver.count(messageName(m.ResourceOffersMessage)), 1, 'revived');
  await cluster.stop();
});

test('bad input: undecodable bodies, calls from unknown frameworks, invalid framework info', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const runtime = cluster.masterRuntime;
  runtime.deliver(agent.pid.toString(), 'master', messageName(m.RegisterSlaveMessage), Buffer.from([0xff, 0xff]));
  runtime.deliver(agent.pid.toString(), 'master', messageName(mesos.scheduler.Call), Buffer.from([0x08]));
  await cluster.settle();
  t.is((await runtime.metrics.snapshot()).get('libprocess/messages_dropped/undecodable'), 2);
  const scheduler = await cluster.framework();
  // A call naming another framework id is dropped.
  scheduler.process.sendProto(cluster.master, mesos.scheduler.Call, { framework_id: { value: 'nope' }, type: mesos.scheduler.Call.Type.REVIVE });
  // Invalid roles are refused with a FrameworkErrorMessage.
  scheduler.process.sendProto(cluster.master, m.RegisterFrameworkMessage, { framework: { user: 'x', name: 'y', role: '..' } });
  await cluster.settle();
  const error = await scheduler.process.next(m.FrameworkErrorMessage);
  t.regex(error.message.message, /role/i);
  // The master still serves.
  const another = await cluster.framework();
  t.is(another.id, 'MASTER-0001');
  await cluster.stop();
});
