// Every v1 scheduler call over HTTP and every event it leads to, on the
// in-process cluster with a fake agent: what the master answers, what the
// agent receives, and what the framework's stream carries. Each flow runs
// with JSON and with protobuf.

import test from 'ava';
import { has, mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { Cluster, UUID_A, UUID_B, type FakeAgent } from '../master/harness.js';
import { CallType, EventType, HttpFramework, JSON_TYPE, PROTOBUF_TYPE, post, subscribeCall } from './scheduler-helpers.js';

const m = mesos.internal;
const TaskState = mesos.v1.TaskState;

function v1Task(id: string, agentId: string, resources = 'cpus:1;mem:128'): mesos.v1.TaskInfo.$Properties {
  return {
    name: `task ${id}`,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: mesos.v1.TaskInfo.decode(
      mesos.TaskInfo.encode({ name: '', task_id: { value: '' }, slave_id: { value: '' }, resources: Resources.parse(resources).toProto() }).finish(),
    ).resources,
    command: { value: 'sleep 1', shell: true },
  };
}

function launch(offerId: mesos.v1.OfferID.$Properties, tasks: mesos.v1.TaskInfo.$Properties[]): mesos.v1.scheduler.Call.$Properties {
  return {
    type: CallType.ACCEPT,
    accept: { offer_ids: [offerId], operations: [{ type: mesos.v1.Offer.Operation.Type.LAUNCH, launch: { task_infos: tasks } }] },
  };
}

async function setup(contentType: string): Promise<{ cluster: Cluster; agent: FakeAgent; framework: HttpFramework; offer: mesos.v1.Offer.$Properties }> {
  const cluster = new Cluster({ allocationIntervalMs: 1000 });
  await cluster.settle();
  const agent = await cluster.agent();
  const framework = await HttpFramework.subscribe(cluster, { failover_timeout: 60 }, { contentType });
  const offer = (await framework.next(EventType.OFFERS)).offers?.offers?.[0];
  if (offer === undefined) throw new Error('no offer');
  return { cluster, agent, framework, offer };
}

for (const contentType of [JSON_TYPE, PROTOBUF_TYPE]) {
  const tag = contentType === JSON_TYPE ? 'JSON' : 'protobuf';

  test(`${tag}: OFFERS, ACCEPT (launch), UPDATE with uuid, ACKNOWLEDGE, KILL, reconciliation`, async (t) => {
    const { cluster, agent, framework, offer } = await setup(contentType);
    t.is(offer.agent_id.value, agent.id);
    t.is(offer.framework_id.value, framework.id);
    t.is(offer.hostname, 'agent.test');
    t.is(offer.url?.path, `/${agent.pid.id}`);

    const accepted = await framework.call(launch(offer.id, [v1Task('t1', agent.id)]));
    t.is(accepted.status, 202);
    t.is(accepted.body, '');
    await cluster.settle();
    const run = await agent.process.next(m.RunTaskMessage);
    t.is(run.message.task.task_id.value, 't1');
    t.is(run.message.pid, '@0.0.0.0:0', 'an HTTP framework has no pid: UPID()');
    t.is(run.message.framework.id?.value, framework.id);

    // An agent's update names the agent to acknowledge: it carries the uuid.
    agent.update(framework.id, 't1', mesos.TaskState.TASK_RUNNING, UUID_A);
    const running = (await framework.next(EventType.UPDATE)).update?.status;
    t.is(running?.state, TaskState.TASK_RUNNING);
    t.is(running?.agent_id?.value, agent.id);
    t.deepEqual([...(running?.uuid ?? [])], [...UUID_A]);
    t.is(running?.source, mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR);
    t.is(typeof running?.timestamp, 'number');

    t.is((await framework.call({ type: CallType.ACKNOWLEDGE, acknowledge: { agent_id: { value: agent.id }, task_id: { value: 't1' }, uuid: UUID_A } })).status, 202);
    await cluster.settle();
    const ack = await agent.process.next(m.StatusUpdateAcknowledgementMessage);
    t.is(ack.message.task_id.value, 't1');
    t.is(ack.message.framework_id.value, framework.id);
    t.deepEqual([...ack.message.uuid], [...UUID_A]);

    // A bad uuid is a validation error.
    const badAck = await framework.call({ type: CallType.ACKNOWLEDGE, acknowledge: { agent_id: { value: agent.id }, task_id: { value: 't1' }, uuid: Uint8Array.from([1, 2]) } });
    t.is(badAck.status, 400);
    t.regex(badAck.body, /^Failed to validate scheduler::Call: /);

    // Reconciliation: master-generated updates carry no uuid.
    t.is((await framework.call({ type: CallType.RECONCILE, reconcile: { tasks: [] } })).status, 202);
    const implicit = (await framework.next(EventType.UPDATE)).update?.status;
    t.is(implicit?.task_id.value, 't1');
    t.is(implicit?.state, TaskState.TASK_RUNNING);
    t.is(implicit?.reason, mesos.v1.TaskStatus.Reason.REASON_RECONCILIATION);
    t.false(has(implicit, 'uuid'));
    t.is((await framework.call({ type: CallType.RECONCILE, reconcile: { tasks: [{ task_id: { value: 'ghost' } }] } })).status, 202);
    const ghost = (await framework.next(EventType.UPDATE)).update?.status;
    t.deepEqual([ghost?.task_id.value, ghost?.state, ghost?.message], ['ghost', TaskState.TASK_LOST, 'Reconciliation: Task is unknown']);

    // KILL goes to the agent; a kill of an unknown task is answered with TASK_LOST.
    t.is((await framework.call({ type: CallType.KILL, kill: { task_id: { value: 't1' }, agent_id: { value: agent.id } } })).status, 202);
    await cluster.settle();
    t.is((await agent.process.next(m.KillTaskMessage)).message.task_id.value, 't1');
    t.is((await framework.call({ type: CallType.KILL, kill: { task_id: { value: 'nope' } } })).status, 202);
    t.is((await framework.next(EventType.UPDATE)).update?.status.state, TaskState.TASK_LOST);

    // The terminal update, acknowledged, removes the task.
    agent.update(framework.id, 't1', mesos.TaskState.TASK_KILLED, UUID_B);
    const killed = (await framework.next(EventType.UPDATE)).update?.status;
    t.is(killed?.state, TaskState.TASK_KILLED);
    await framework.call({ type: CallType.ACKNOWLEDGE, acknowledge: { agent_id: { value: agent.id }, task_id: { value: 't1' }, uuid: UUID_B } });
    await cluster.settle();
    t.is(cluster.running.master.state.frameworks.get(framework.id)?.tasks.size, 0);
    t.is(await cluster.metric('master/tasks_killed'), 1);
    await cluster.stop();
  });

  test(`${tag}: DECLINE with a filter, SUPPRESS, REVIVE, REQUEST, inverse offer calls`, async (t) => {
    const { cluster, framework, offer } = await setup(contentType);
    t.is((await framework.call({ type: CallType.DECLINE, decline: { offer_ids: [offer.id], filters: { refuse_seconds: 10 } } })).status, 202);
    await cluster.advance(5_000);
    t.is(framework.stream.unread().filter((e) => e.type === EventType.OFFERS).length, 0, 'filtered for 10 s');
    await cluster.advance(6_000);
    const again = framework.stream.takeNext(EventType.OFFERS).offers?.offers?.[0];
    t.truthy(again);
    t.is((await framework.call({ type: CallType.SUPPRESS })).status, 202);
    await framework.call({ type: CallType.DECLINE, decline: { offer_ids: [again?.id ?? { value: '' }], filters: { refuse_seconds: 0 } } });
    await cluster.advance(5_000);
    t.is(framework.stream.unread().filter((e) => e.type === EventType.OFFERS).length, 0, 'suppressed');
    t.is((await framework.call({ type: CallType.REVIVE })).status, 202);
    await cluster.advance(2_000);
    t.is(framework.stream.unread().filter((e) => e.type === EventType.OFFERS).length, 1, 'revived');
    t.is(await cluster.metric('master/messages_revive_offers'), 1);
    t.is(await cluster.metric('master/messages_suppress_offers'), 1);

    t.is((await framework.call({ type: CallType.REQUEST, request: { requests: [{ agent_id: { value: 'x' } }] } })).status, 202);
    t.is(await cluster.metric('master/messages_resource_request'), 1);
    t.is((await framework.call({ type: CallType.ACCEPT_INVERSE_OFFERS, accept_inverse_offers: { inverse_offer_ids: [{ value: 'i' }] } })).status, 202);
    t.is((await framework.call({ type: CallType.DECLINE_INVERSE_OFFERS, decline_inverse_offers: { inverse_offer_ids: [{ value: 'i' }] } })).status, 202);
    const missing = await framework.call({ type: CallType.DECLINE });
    t.deepEqual([missing.status, missing.body], [400, "Failed to validate scheduler::Call: Expecting 'decline' to be present"]);
    await cluster.stop();
  });

  test(`${tag}: MESSAGE both ways, SHUTDOWN, FAILURE for an exited executor and a lost agent, RESCIND`, async (t) => {
    const { cluster, agent, framework, offer } = await setup(contentType);
    const executor = { executor_id: { value: 'ex' }, command: { value: 'run-executor' } };
    await framework.call(launch(offer.id, [{ ...v1Task('t1', agent.id), command: null, executor }]));
    await cluster.settle();
    await agent.process.next(m.RunTaskMessage);

    const data = Buffer.from('hello executor');
    t.is((await framework.call({ type: CallType.MESSAGE, message: { agent_id: { value: agent.id }, executor_id: { value: 'ex' }, data } })).status, 202);
    await cluster.settle();
    const toExecutor = await agent.process.next(m.FrameworkToExecutorMessage);
    t.is(Buffer.from(toExecutor.message.data).toString(), 'hello executor');
    t.is(toExecutor.message.framework_id.value, framework.id);

    agent.process.sendProto(cluster.master, m.ExecutorToFrameworkMessage, {
      slave_id: { value: agent.id },
      framework_id: { value: framework.id },
      executor_id: { value: 'ex' },
      data: Buffer.from('hello scheduler'),
    });
    const message = (await framework.next(EventType.MESSAGE)).message;
    t.is(message?.agent_id.value, agent.id);
    t.is(message?.executor_id.value, 'ex');
    t.is(Buffer.from(message?.data ?? []).toString(), 'hello scheduler');

    t.is((await framework.call({ type: CallType.SHUTDOWN, shutdown: { agent_id: { value: agent.id }, executor_id: { value: 'ex' } } })).status, 202);
    await cluster.settle();
    t.is((await agent.process.next(m.ShutdownExecutorMessage)).message.executor_id?.value, 'ex');

    agent.process.sendProto(cluster.master, m.ExitedExecutorMessage, {
      slave_id: { value: agent.id },
      framework_id: { value: framework.id },
      executor_id: { value: 'ex' },
      status: 9,
    });
    const failure = (await framework.next(EventType.FAILURE)).failure;
    t.deepEqual([failure?.agent_id?.value, failure?.executor_id?.value, failure?.status], [agent.id, 'ex', 9]);

    // An agent that stops answering pings is removed: offers rescinded, FAILURE without an executor.
    await cluster.advance(2_000);
    t.true(framework.stream.unread().some((e) => e.type === EventType.OFFERS));
    agent.process.ponging = false;
    await cluster.advance(100_000);
    const events = framework.stream.unread();
    t.true(events.some((e) => e.type === EventType.RESCIND), 'the outstanding offer is rescinded');
    const lost = events.find((e) => e.type === EventType.FAILURE);
    t.is(lost?.failure?.agent_id?.value, agent.id);
    t.false(has(lost?.failure ?? {}, 'executor_id'));
    const update = events.find((e) => e.type === EventType.UPDATE)?.update?.status;
    t.deepEqual([update?.task_id.value, update?.state], ['t1', TaskState.TASK_LOST]);
    await cluster.stop();
  });
}

test('RESCIND after --offer_timeout; TEARDOWN removes the framework and ends its stream', async (t) => {
  const cluster = new Cluster({ offerTimeoutMs: 5_000, allocationIntervalMs: 60_000 });
  await cluster.settle();
  const agent = await cluster.agent();
  const framework = await HttpFramework.subscribe(cluster);
  const offer = (await framework.next(EventType.OFFERS)).offers?.offers?.[0];
  await cluster.advance(5_000);
  const rescind = framework.stream.takeNext(EventType.RESCIND);
  t.is(rescind.rescind?.offer_id.value, offer?.id.value);

  const teardown = await framework.call({ type: CallType.TEARDOWN });
  t.is(teardown.status, 202);
  await cluster.settle();
  t.true(framework.stream.ended);
  t.is((await agent.process.next(m.ShutdownFrameworkMessage)).message.framework_id.value, framework.id);
  t.is(cluster.running.master.state.frameworks.size, 0);
  t.is(cluster.running.master.state.completedFrameworks.length, 1);
  // Heartbeats stop with the stream.
  const count = framework.stream.events.length;
  await cluster.advance(60_000);
  t.is(framework.stream.events.length, count);
  // The removed framework cannot subscribe again.
  const again = await post(cluster, subscribeCall({}, framework.id), {});
  t.is(again.status, 200);
  await cluster.settle();
  t.is(again.stream?.take(EventType.ERROR).error?.message, 'Framework has been removed');
  t.true(again.stream?.ended);
  await cluster.stop();
});
