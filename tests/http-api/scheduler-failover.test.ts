// HTTP framework lifecycle on the in-process cluster: failover by
// re-subscribing, a vanished client and the failover timeout, and driver-based
// and HTTP frameworks side by side (including moving between the two).

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { messageName } from '../../libprocess/process.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { Cluster, SCHEDULER_MESSAGES, UUID_A, commandTask } from '../master/harness.js';
import { CallType, EventType, HttpFramework, PROTOBUF_TYPE, post, subscribeCall } from './scheduler-helpers.js';

const m = mesos.internal;

test('re-subscribing with the framework id fails the old stream over: ERROR "Framework failed over", then it closes', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const first = await HttpFramework.subscribe(cluster, { failover_timeout: 60 });
  const offer = (await first.next(EventType.OFFERS)).offers?.offers?.[0];
  t.truthy(offer);

  const second = await HttpFramework.subscribe(cluster, { failover_timeout: 60, name: 'renamed' }, { frameworkId: first.id, contentType: PROTOBUF_TYPE });
  t.is(second.id, first.id);
  t.not(second.streamId, first.streamId);
  t.is(first.stream.takeNext(EventType.ERROR).error?.message, 'Framework failed over');
  t.true(first.stream.ended);
  t.deepEqual(first.stream.unread(), []);
  // The old offer is recovered and offered again on the new stream.
  const reoffered = await second.next(EventType.OFFERS);
  t.not(reoffered.offers?.offers?.[0]?.id.value, offer?.id.value);
  t.is(cluster.running.master.state.frameworks.get(first.id)?.info.name, 'renamed');
  t.is(await cluster.metric('master/messages_reregister_framework'), 1);
  // The agents learn the framework has no pid.
  const update = await agent.process.next(m.UpdateFrameworkMessage);
  t.deepEqual([update.message.framework_id.value, update.message.pid], [first.id, '@0.0.0.0:0']);

  // Only the new stream id is accepted now.
  const stale = await first.call({ type: CallType.REVIVE });
  t.is(stale.status, 400);
  t.regex(stale.body, /didn't match the stream ID/);
  t.is((await second.call({ type: CallType.REVIVE })).status, 202);
  // The old stream ending later does not disconnect the framework.
  await cluster.settle();
  t.is(await cluster.metric('master/frameworks_connected'), 1);
  await cluster.stop();
});

test('a vanished client disconnects the framework; it can re-subscribe within the failover timeout, else it is removed', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const framework = await HttpFramework.subscribe(cluster, { failover_timeout: 30 });
  const offer = (await framework.next(EventType.OFFERS)).offers?.offers?.[0];
  await framework.call({
    type: CallType.ACCEPT,
    accept: {
      offer_ids: [offer?.id ?? { value: '' }],
      operations: [
        {
          type: mesos.v1.Offer.Operation.Type.LAUNCH,
          launch: { task_infos: [mesos.v1.TaskInfo.decode(mesos.TaskInfo.encode(commandTask('t1', agent.id)).finish())] },
        },
      ],
    },
  });
  await cluster.settle();
  await agent.process.next(m.RunTaskMessage);

  framework.stream.disconnect();
  await cluster.settle();
  t.is(await cluster.metric('master/frameworks_disconnected'), 1);
  t.is(await cluster.metric('master/frameworks_inactive'), 1);
  t.is(await cluster.metric('master/outstanding_offers'), 0);
  await cluster.advance(20_000);
  t.is(cluster.running.master.state.frameworks.size, 1, 'still within the failover timeout');

  // A status update while disconnected is not lost on the master: reconciliation finds it.
  agent.update(framework.id, 't1', mesos.TaskState.TASK_RUNNING, UUID_A);
  await cluster.settle();
  const back = await HttpFramework.subscribe(cluster, { failover_timeout: 30 }, { frameworkId: framework.id });
  t.is(back.id, framework.id);
  t.is(await cluster.metric('master/frameworks_connected'), 1);
  await cluster.advance(20_000);
  t.is(cluster.running.master.state.frameworks.size, 1, 'the old failover timer does not remove a re-subscribed framework');
  await back.call({ type: CallType.RECONCILE, reconcile: {} });
  const status = (await back.next(EventType.UPDATE)).update?.status;
  t.deepEqual([status?.task_id.value, status?.state], ['t1', mesos.v1.TaskState.TASK_RUNNING]);

  // Gone for good this time.
  back.stream.disconnect();
  await cluster.settle();
  await cluster.advance(29_000);
  t.is(cluster.running.master.state.frameworks.size, 1);
  await cluster.advance(2_000);
  t.is(cluster.running.master.state.frameworks.size, 0);
  t.is((await agent.process.next(m.ShutdownFrameworkMessage)).message.framework_id.value, framework.id);
  const late = await post(cluster, subscribeCall({}, framework.id), {});
  await cluster.settle();
  t.is(late.stream?.take(EventType.ERROR).error?.message, 'Framework has been removed');
  await cluster.stop();
});

test('a driver-based framework and an HTTP framework side by side on one cluster', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent('cpus:2;mem:1024');
  const agent2 = await cluster.agent('cpus:2;mem:1024', 'agent2.test');
  const driver = await cluster.framework({ name: 'driver' });
  const driverOffers = await driver.offers();
  t.is(driverOffers.offers.length, 2, 'the first framework is offered both agents');
  t.deepEqual(driverOffers.pids.length, 2, 'drivers get agent pids; the v1 event has none');
  // The driver declines one agent for a while; the HTTP framework gets it.
  const [driverOffer, declined] = driverOffers.offers as [mesos.Offer, mesos.Offer];
  driver.call({ type: mesos.scheduler.Call.Type.DECLINE, decline: { offer_ids: [declined.id], filters: { refuse_seconds: 100 } } });
  const http = await HttpFramework.subscribe(cluster, { name: 'http' });
  const httpOffers = (await http.next(EventType.OFFERS)).offers?.offers ?? [];
  t.is(httpOffers.length, 1);
  t.is(httpOffers[0]?.agent_id.value, declined.slave_id.value);

  // Each launches a task on the agent it was offered.
  const httpOffer = httpOffers[0];
  if (httpOffer === undefined) return t.fail('no offer for the HTTP framework');
  driver.launch([driverOffer.id.value], [commandTask('d1', driverOffer.slave_id.value)]);
  await http.call({
    type: CallType.ACCEPT,
    accept: {
      offer_ids: [httpOffer.id],
      operations: [
        {
          type: mesos.v1.Offer.Operation.Type.LAUNCH,
          launch: { task_infos: [mesos.v1.TaskInfo.decode(mesos.TaskInfo.encode(commandTask('h1', httpOffer.agent_id.value)).finish())] },
        },
      ],
    },
  });
  await cluster.settle();
  const master = cluster.running.master;
  t.deepEqual([...(master.state.frameworks.get(driver.id)?.tasks.keys() ?? [])], ['d1']);
  t.deepEqual([...(master.state.frameworks.get(http.id)?.tasks.keys() ?? [])], ['h1']);
  t.is(await cluster.metric('master/frameworks_active'), 2);
  t.is(agent.process.count(messageName(m.RunTaskMessage)) + agent2.process.count(messageName(m.RunTaskMessage)), 2);

  // Each sees its own status updates: a message for the driver, an event on the stream.
  const agentOf = (id: string) => (agent.id === id ? agent : agent2);
  agentOf(driverOffer.slave_id.value).update(driver.id, 'd1', mesos.TaskState.TASK_RUNNING, UUID_A);
  agentOf(httpOffer.agent_id.value).update(http.id, 'h1', mesos.TaskState.TASK_RUNNING, UUID_A);
  t.is((await driver.update()).update.status.task_id.value, 'd1');
  const status = (await http.next(EventType.UPDATE)).update?.status;
  t.deepEqual([status?.task_id.value, status?.state], ['h1', mesos.v1.TaskState.TASK_RUNNING]);
  t.deepEqual(http.stream.unread().filter((e) => e.type === EventType.UPDATE), []);
  await cluster.stop();
});

test('a driver framework can move to HTTP, and back to a driver with failover', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  await cluster.agent();
  const driver = await cluster.framework({ name: 'mover', failover_timeout: 60 });
  await driver.offers();

  // Upgrade: the driver learns it was failed over.
  const http = await HttpFramework.subscribe(cluster, { name: 'mover', failover_timeout: 60 }, { frameworkId: driver.id });
  t.is(http.id, driver.id);
  await cluster.settle();
  t.is((await driver.process.next(m.FrameworkErrorMessage)).message.message, 'Framework failed over');
  t.is(cluster.running.master.state.frameworks.get(driver.id)?.connection.kind, 'http');
  t.truthy(await http.next(EventType.OFFERS));

  // A driver re-registering without failover is refused...
  const runtime = cluster.peerRuntime();
  const next = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
  runtime.spawn(next);
  await cluster.settle();
  const framework = { user: 'tester', name: 'mover', id: { value: driver.id }, failover_timeout: 60 };
  next.sendProto(cluster.master, m.ReregisterFrameworkMessage, { framework, failover: false });
  await cluster.settle();
  t.is((await next.next(m.FrameworkErrorMessage)).message.message, 'Framework failed over');
  t.false(http.stream.ended);

  // ...and with failover it takes over: the HTTP stream gets ERROR and ends.
  next.sendProto(cluster.master, m.ReregisterFrameworkMessage, { framework, failover: true });
  await cluster.settle();
  t.is((await next.next(m.FrameworkRegisteredMessage)).message.framework_id.value, driver.id);
  t.is(http.stream.takeNext(EventType.ERROR).error?.message, 'Framework failed over');
  t.true(http.stream.ended);
  t.is(cluster.running.master.state.frameworks.get(driver.id)?.connection.kind, 'pid');
  const stale = await http.call({ type: CallType.REVIVE });
  t.deepEqual([stale.status, stale.body], [403, 'Framework is not connected via HTTP']);
  t.is(await cluster.metric('master/frameworks_connected'), 1);
  await cluster.stop();
});

test('subscribing with an id the master does not know adopts the framework (after a master failover)', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const framework = await HttpFramework.subscribe(cluster, { failover_timeout: 60 }, { frameworkId: 'FROM-OLD-MASTER-0001' });
  t.is(framework.id, 'FROM-OLD-MASTER-0001');
  t.true(cluster.running.master.state.frameworks.has('FROM-OLD-MASTER-0001'));
  t.is((await framework.call({ type: CallType.REVIVE })).status, 202);
  await cluster.stop();
});
