// SUBSCRIBE on the master's operator API: SUBSCRIBED with the full state,
// then TASK_ADDED and TASK_UPDATED as they happen, in order, in both content
// types; subscribers that go away are forgotten, and one that does not read
// is dropped once it holds too much. (Mesos 1.0's master Event has no
// AGENT_ADDED / AGENT_REMOVED; those came in 1.1 and are not sent.)

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { operatorEvents } from '../../master/operator-events.js';
import { Cluster, commandTask, UUID_A, UUID_B } from '../master/harness.js';
import { post, typeNames, WIRES, JSON_TYPE, PROTOBUF_TYPE, type TestStream } from './operator-helpers.js';

const Call = mesos.v1.master.Call;
const EventType = mesos.v1.master.Event.Type;

async function subscribe(c: Cluster, wire: string): Promise<TestStream> {
  const result = await post(c.masterRuntime, '/api/v1', Call, { type: Call.Type.SUBSCRIBE }, wire === JSON_TYPE ? JSON_TYPE : PROTOBUF_TYPE);
  if (result.status !== 200 || result.stream === undefined) throw new Error(`SUBSCRIBE answered ${result.status}`);
  if (result.headers['Content-Type'] !== wire) throw new Error(`SUBSCRIBE answered ${result.headers['Content-Type']}`);
  return result.stream;
}

for (const wire of WIRES) {
  test(`a subscriber gets SUBSCRIBED, then TASK_ADDED and TASK_UPDATED in order (${wire})`, async (t) => {
    const c = new Cluster();
    await c.settle();
    const agent = await c.agent();
    const scheduler = await c.framework();
    const offers = await scheduler.offers();
    const stream = await subscribe(c, wire);
    await c.settle();

    const [subscribed] = stream.events();
    t.is(subscribed?.type, EventType.SUBSCRIBED);
    const state = subscribed?.subscribed?.get_state;
    t.is(state?.get_agents?.agents?.[0]?.agent_info.id?.value, agent.id);
    t.is(state?.get_frameworks?.frameworks?.[0]?.framework_info.id?.value, scheduler.id);
    t.deepEqual(state?.get_tasks?.tasks ?? [], []);

    scheduler.launch([(offers.offers[0] as mesos.Offer).id.value], [commandTask('t1', agent.id, 'cpus:1;mem:64'), commandTask('t2', agent.id, 'cpus:1;mem:64')]);
    await c.settle();
    agent.update(scheduler.id, 't1', mesos.TaskState.TASK_RUNNING, UUID_A);
    await c.settle();
    agent.update(scheduler.id, 't1', mesos.TaskState.TASK_RUNNING, UUID_B); // a repeat: no state change, no event
    await c.settle();
    agent.update(scheduler.id, 't1', mesos.TaskState.TASK_FINISHED, UUID_B);
    await c.settle();

    const events = stream.events();
    t.deepEqual(typeNames(events), ['SUBSCRIBED', 'TASK_ADDED', 'TASK_ADDED', 'TASK_UPDATED', 'TASK_UPDATED']);
    const [, added1, added2, running, finished] = events;
    t.is(added1?.task_added?.task.task_id.value, 't1');
    t.is(added1?.task_added?.task.state, mesos.v1.TaskState.TASK_STAGING);
    t.is(added1?.task_added?.task.agent_id.value, agent.id);
    t.is(added2?.task_added?.task.task_id.value, 't2');
    t.is(running?.task_updated?.task_id.value, 't1');
    t.is(running?.task_updated?.state, mesos.v1.TaskState.TASK_RUNNING);
    t.is(running?.task_updated?.framework_id.value, scheduler.id);
    t.is(running?.task_updated?.agent_id.value, agent.id);
    t.is(finished?.task_updated?.state, mesos.v1.TaskState.TASK_FINISHED);

    // A second subscriber starts from the state as it is now.
    const late = await subscribe(c, wire);
    const lateState = late.events()[0]?.subscribed?.get_state?.get_tasks;
    t.deepEqual(
      (lateState?.tasks ?? []).map((task) => [task.task_id.value, mesos.v1.TaskState[task.state ?? 0]]),
      [
        ['t1', 'TASK_FINISHED'],
        ['t2', 'TASK_STAGING'],
      ],
    );
    await c.stop();
  });
}

test('tasks killed with their framework are TASK_UPDATED', async (t) => {
  const c = new Cluster();
  await c.settle();
  const agent = await c.agent();
  const scheduler = await c.framework();
  const offers = await scheduler.offers();
  scheduler.launch([(offers.offers[0] as mesos.Offer).id.value], [commandTask('t1', agent.id)]);
  await c.settle();
  const stream = await subscribe(c, JSON_TYPE);
  scheduler.process.sendProto(c.master, mesos.internal.UnregisterFrameworkMessage, { framework_id: { value: scheduler.id } });
  await c.settle();
  const events = stream.events();
  t.deepEqual(typeNames(events), ['SUBSCRIBED', 'TASK_UPDATED']);
  t.is(events[1]?.task_updated?.state, mesos.v1.TaskState.TASK_KILLED);
  await c.stop();
});

test('tasks lost with their agent are TASK_UPDATED', async (t) => {
  const c = new Cluster();
  await c.settle();
  const agent = await c.agent();
  const scheduler = await c.framework();
  const offers = await scheduler.offers();
  scheduler.launch([(offers.offers[0] as mesos.Offer).id.value], [commandTask('t1', agent.id)]);
  await c.settle();
  agent.update(scheduler.id, 't1', mesos.TaskState.TASK_RUNNING, UUID_A);
  await c.settle();
  const stream = await subscribe(c, PROTOBUF_TYPE);
  agent.process.sendProto(c.master, mesos.internal.UnregisterSlaveMessage, { slave_id: { value: agent.id } });
  await c.settle();
  const events = stream.events();
  t.deepEqual(typeNames(events), ['SUBSCRIBED', 'TASK_UPDATED']);
  t.is(events[1]?.task_updated?.state, mesos.v1.TaskState.TASK_LOST);
  t.is(events[1]?.task_updated?.task_id.value, 't1');
  await c.stop();
});

test('subscribers that disconnect are forgotten', async (t) => {
  const c = new Cluster();
  await c.settle();
  const a = await subscribe(c, JSON_TYPE);
  const b = await subscribe(c, PROTOBUF_TYPE);
  await c.settle();
  t.is(await c.metric('master/operator_event_stream_subscribers'), 2);
  a.disconnect();
  b.disconnect();
  await c.settle();
  t.is(await c.metric('master/operator_event_stream_subscribers'), 0);
  t.is(await c.metric('master/operator_event_stream_subscribers_dropped'), 0);
  await c.stop();
});

test('when the master terminates its event streams end', async (t) => {
  const c = new Cluster();
  await c.settle();
  const stream = await subscribe(c, JSON_TYPE);
  t.false(stream.ended);
  await c.running.stop();
  await c.settle();
  t.true(stream.ended);
  t.false(c.masterRuntime.metrics.has('master/operator_event_stream_subscribers'));
  await c.masterRuntime.shutdown();
});

test('a subscriber that does not read is dropped past the pending limit; the others go on', async (t) => {
  const c = new Cluster();
  await c.settle();
  const agent = await c.agent('cpus:64;mem:65536;disk:10000;ports:[31000-32000]');
  const scheduler = await c.framework();
  const offers = await scheduler.offers();
  await c.masterRuntime.dispatch(c.running.master, (m) => void (operatorEvents(m).pendingLimit = 4096));
  const reader = await subscribe(c, JSON_TYPE);
  const stuck = await subscribe(c, JSON_TYPE);
  const stuckProtobuf = await subscribe(c, PROTOBUF_TYPE);
  await c.settle();
  // Its writer holds 1 MiB it has not read from earlier turns.
  stuck.backlog = 1 << 20;
  scheduler.launch(
    [(offers.offers[0] as mesos.Offer).id.value],
    Array.from({ length: 20 }, (_, i) => commandTask(`t${i}`, agent.id, 'cpus:0.1;mem:16')),
  );
  await c.settle();
  t.true(stuck.ended, 'the stuck stream is closed');
  t.is(stuck.events().length, 21, 'it got SUBSCRIBED and the one batch of events that found it over the limit');
  t.false(reader.ended);
  t.false(stuckProtobuf.ended);
  t.is(reader.events().length, 21);
  t.is(stuckProtobuf.events().length, 21);
  t.is(await c.metric('master/operator_event_stream_subscribers_dropped'), 1);
  t.is(await c.metric('master/operator_event_stream_subscribers'), 2);
  await c.stop();
});

test('a burst written in one turn does not drop a subscriber; what it leaves unread across turns does', async (t) => {
  const c = new Cluster();
  await c.settle();
  const agent = await c.agent('cpus:64;mem:65536;disk:10000;ports:[31000-32000]');
  const scheduler = await c.framework();
  const offers = await scheduler.offers();
  await c.masterRuntime.dispatch(c.running.master, (m) => void (operatorEvents(m).pendingLimit = 4096));
  const stream = await subscribe(c, JSON_TYPE);
  stream.countUnread = true;
  stream.read();
  scheduler.launch(
    [(offers.offers[0] as mesos.Offer).id.value],
    Array.from({ length: 30 }, (_, i) => commandTask(`t${i}`, agent.id, 'cpus:0.1;mem:16')),
  );
  await c.settle();
  t.true(stream.bytesWritten > 3 * 4096, 'the burst is well over the limit');
  t.false(stream.ended, 'a burst from one master turn is not held against the reader');
  // The client reads nothing; in a later turn, one more event finds it over the limit.
  await new Promise((resolve) => setImmediate(resolve));
  agent.update(scheduler.id, 't0', mesos.TaskState.TASK_RUNNING, UUID_A);
  await c.settle();
  t.true(stream.ended);
  t.is(await c.metric('master/operator_event_stream_subscribers_dropped'), 1);
  await c.stop();
});
