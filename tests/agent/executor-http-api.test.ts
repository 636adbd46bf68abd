// The agent's v1 executor API (`POST /slave(1)/api/v1/executor`), in
// process: every call and event, both content types, every status code, and
// the executor's lifecycle on the agent (subscription, resubscription with
// unacknowledged updates and tasks, the stream closing, the container
// exiting). The real agent process runs against a fake master and a fake
// containerizer (tests/agent/executor-http-helpers.ts); the tests with real
// executor processes are in executor-http-e2e.test.ts.

import test from 'ava';
import { encodeRecord, mesos, toJSONString } from '../../proto/index.js';
import { validateExecutorCall } from '../../common/executor-call.js';
import { executorEvent, executorEventOf } from '../../agent/http/executor-events.js';
import { uuidBytes } from '../../executor/uuid.js';
import {
  CallType,
  EventType,
  JSON_TYPE,
  PROTOBUF_TYPE,
  TestAgent,
  eventually,
  executorStatus,
  type Call,
} from './executor-http-helpers.js';

const TaskState = mesos.TaskState;
const m = mesos.internal;

async function withAgent(fn: (agent: TestAgent) => Promise<void>, options: Parameters<typeof TestAgent.start>[0] = {}): Promise<void> {
  const agent = await TestAgent.start(options);
  try {
    await fn(agent);
  } finally {
    await agent.stop();
  }
}

// ------------------------------------------------------------ status codes

test('a method other than POST: 405 with Allow: POST', async (t) => {
  await withAgent(async (a) => {
    const result = await a.post('', { method: 'GET' });
    t.is(result.status, 405);
    t.is(result.headers['Allow'], 'POST');
    t.is(result.body, "Expecting one of { 'POST' }, but received 'GET'");
  });
});

test('no Content-Type: 400; an unsupported one: 415', async (t) => {
  await withAgent(async (a) => {
    const missing = await a.post('{}', { contentType: null });
    t.is(missing.status, 400);
    t.is(missing.body, "Expecting 'Content-Type' to be present");
    const text = await a.post('{}', { contentType: 'text/plain' });
    t.is(text.status, 415);
    t.is(text.body, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    // Compared exactly, as 1.0 does.
    const charset = await a.post('{}', { contentType: 'application/json; charset=utf-8' });
    t.is(charset.status, 415);
  });
});

test('malformed bodies: 400 with the parse error', async (t) => {
  await withAgent(async (a) => {
    const protobuf = await a.post(Buffer.from([0xff, 0xff, 0xff, 0x0a]), { contentType: PROTOBUF_TYPE });
    t.is(protobuf.status, 400);
    t.is(protobuf.body, 'Failed to parse body into Call protobuf');
    // A protobuf Call without its required ids does not parse either.
    // (field 3, `type`, = UPDATE; no executor_id or framework_id)
    const incomplete = await a.post(Buffer.from([0x18, 0x02]), { contentType: PROTOBUF_TYPE });
    t.is(incomplete.status, 400);
    t.is(incomplete.body, 'Failed to parse body into Call protobuf');
    const json = await a.post('{"type": "SUBSCRIBE",', { contentType: JSON_TYPE });
    t.is(json.status, 400);
    t.regex(json.body, /^Failed to parse body into JSON: /);
    const notCall = await a.post('{"type": "SUBSCRIBE", "framework_id": {"value": "f"}}', { contentType: JSON_TYPE });
    t.is(notCall.status, 400);
    t.regex(notCall.body, /^Failed to convert JSON into Call protobuf: .*executor_id/);
    const badEnum = await a.post('{"type": "NOPE", "framework_id": {"value": "f"}, "executor_id": {"value": "e"}}', { contentType: JSON_TYPE });
    t.is(badEnum.status, 400);
    t.regex(badEnum.body, /^Failed to convert JSON into Call protobuf: /);
    // A call framed as a RecordIO record (as events are) is not a call.
    const framed = await a.post(Buffer.from(encodeRecord('{"type":"MESSAGE"}')), { contentType: JSON_TYPE });
    t.is(framed.status, 400);
    t.regex(framed.body, /^Failed to parse body into JSON: /);
    const array = await a.post('[1, 2]', { contentType: JSON_TYPE });
    t.is(array.status, 400);
    t.regex(array.body, /^Failed to convert JSON into Call protobuf: /);
    // Nothing of it reached the agent's state.
    t.is(a.agent.frameworks.size, 0);
  });
});

test('invalid calls: 400 Failed to validate Executor::Call with the rule broken', async (t) => {
  await withAgent(async (a) => {
    const ids = { executor_id: { value: 'ex' }, framework_id: { value: 'fw' } };
    const cases: Array<[Call, string]> = [
      [{ ...ids }, "Expecting 'type' to be present"],
      [{ ...ids, type: CallType.SUBSCRIBE }, "Expecting 'subscribe' to be present"],
      [{ ...ids, type: CallType.UPDATE }, "Expecting 'update' to be present"],
      [{ ...ids, type: CallType.MESSAGE }, "Expecting 'message' to be present"],
      [
        { ...ids, type: CallType.UPDATE, update: { status: { task_id: { value: 't' }, state: TaskState.TASK_RUNNING, source: mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR } } },
        "Expecting 'uuid' to be present",
      ],
      [{ ...ids, type: CallType.UPDATE, update: { status: executorStatus('t', TaskState.TASK_RUNNING, { uuid: Buffer.from('not-a-uuid') }) } }, 'Not a valid UUID'],
      [
        { ...ids, type: CallType.UPDATE, update: { status: executorStatus('t', TaskState.TASK_RUNNING, { uuid: new Uint8Array(16) }) } },
        'Not a valid UUID',
      ],
      [
        { ...ids, type: CallType.UPDATE, update: { status: executorStatus('t', TaskState.TASK_RUNNING, { executor_id: { value: 'other' } }) } },
        'ExecutorID in Call: ex does not match ExecutorID in TaskStatus: other',
      ],
      [
        { ...ids, type: CallType.UPDATE, update: { status: executorStatus('t', TaskState.TASK_RUNNING, { source: mesos.v1.TaskStatus.Source.SOURCE_AGENT }) } },
        "Received Call from executor ex of framework fw with invalid source, expecting 'SOURCE_EXECUTOR'",
      ],
      [
        { ...ids, type: CallType.UPDATE, update: { status: { task_id: { value: 't' }, state: TaskState.TASK_RUNNING, uuid: uuidBytes() } } },
        "Received Call from executor ex of framework fw with invalid source, expecting 'SOURCE_EXECUTOR'",
      ],
      [
        { ...ids, type: CallType.UPDATE, update: { status: executorStatus('t', TaskState.TASK_STAGING) } },
        'Received TASK_STAGING from executor ex of framework fw which is not allowed',
      ],
    ];
    for (const contentType of [JSON_TYPE, PROTOBUF_TYPE]) {
      for (const [call, error] of cases) {
        const result = await a.post(call, { contentType });
        t.is(result.status, 400, `${contentType} ${error}`);
        t.is(result.body, `Failed to validate Executor::Call: ${error}`);
      }
    }
  });
});

test('an unknown call type number reads as no type (proto2 keeps it as an unknown field)', (t) => {
  const call = mesos.executor.Call.decode(
    mesos.v1.executor.Call.encode({ executor_id: { value: 'e' }, framework_id: { value: 'f' }, type: 42 as mesos.v1.executor.Call.Type }).finish(),
  );
  t.is(validateExecutorCall(call), "Expecting 'type' to be present");
});

test('SUBSCRIBE whose Accept allows neither type: 406; other calls do not look at Accept', async (t) => {
  await withAgent(async (a) => {
    await a.launchTask('ex');
    const refused = await a.call('ex', { type: CallType.SUBSCRIBE, subscribe: {} }, { accept: 'text/html' });
    t.is(refused.status, 406);
    t.is(refused.body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    t.is(a.executor('ex')?.state, 'REGISTERING');
    const stream = await a.subscribe('ex');
    await stream.next(EventType.SUBSCRIBED);
    const message = await a.call('ex', { type: CallType.MESSAGE, message: { data: Buffer.from('x') } }, { accept: 'text/html' });
    t.is(message.status, 202);
  });
});

test('unknown framework or executor: 400; calls before SUBSCRIBE: 403', async (t) => {
  await withAgent(async (a) => {
    const noFramework = await a.call('ex', { type: CallType.SUBSCRIBE, subscribe: {} });
    t.is(noFramework.status, 400);
    t.is(noFramework.body, 'Framework cannot be found');
    await a.launchTask('ex');
    const noExecutor = await a.call('other', { type: CallType.SUBSCRIBE, subscribe: {} });
    t.is(noExecutor.status, 400);
    t.is(noExecutor.body, 'Executor cannot be found');
    const wrongFramework = await a.post({ type: CallType.MESSAGE, executor_id: { value: 'ex' }, framework_id: { value: 'framework-2' }, message: { data: Buffer.from('x') } });
    t.is(wrongFramework.status, 400);
    t.is(wrongFramework.body, 'Framework cannot be found');
    const early = await a.call('ex', { type: CallType.UPDATE, update: { status: executorStatus('task-1', TaskState.TASK_RUNNING) } });
    t.is(early.status, 403);
    t.is(early.body, 'Executor is not subscribed');
    const earlyMessage = await a.call('ex', { type: CallType.MESSAGE, message: { data: Buffer.from('x') } });
    t.is(earlyMessage.status, 403);
    t.is(a.master.count(messageNameOf(m.StatusUpdateMessage)), 0);
  });
});

test('while the agent recovers: 503 for calls other than SUBSCRIBE; SUBSCRIBE is served', async (t) => {
  await withAgent(async (a) => {
    await a.launchTask('ex');
    a.agent.state = 'RECOVERING';
    const update = await a.call('ex', { type: CallType.UPDATE, update: { status: executorStatus('task-1', TaskState.TASK_RUNNING) } });
    t.is(update.status, 503);
    t.is(update.body, 'Agent has not finished recovery');
    const stream = await a.subscribe('ex');
    await stream.next(EventType.SUBSCRIBED);
    // Validation comes first.
    const invalid = await a.call('ex', { type: CallType.MESSAGE });
    t.is(invalid.status, 400);
    a.agent.state = 'RUNNING';
  });
});

test('UNKNOWN calls: 501', async (t) => {
  await withAgent(async (a) => {
    await a.subscribed('ex');
    const result = await a.call('ex', { type: CallType.UNKNOWN });
    t.is(result.status, 501);
  });
});

test('the endpoint is served as /slave(1)/api/v1/executor and, with the agent as delegate, as /api/v1/executor', async (t) => {
  await withAgent(
    async (a) => {
      await a.launchTask('ex');
      const result = await a.call('ex', { type: CallType.SUBSCRIBE, subscribe: {} }, { path: '/api/v1/executor' });
      t.is(result.status, 200);
      t.truthy(result.stream);
      await result.stream?.next(EventType.SUBSCRIBED);
      const other = await a.call('ex', { type: CallType.MESSAGE, message: { data: Buffer.from('x') } }, { path: '/slave(1)/api/v1/executor' });
      t.is(other.status, 202);
    },
    { delegate: true },
  );
});

// ------------------------------------------------------------ calls and events

for (const contentType of [JSON_TYPE, PROTOBUF_TYPE]) {
  test(`SUBSCRIBE (${contentType}): 200, the stream in that type, SUBSCRIBED then LAUNCH for the queued tasks`, async (t) => {
    await withAgent(async (a) => {
      const first = a.runTask('ex');
      const second = await a.launchTask('ex');
      await eventually(() => (a.executor('ex')?.queuedTasks.size === 2 ? true : undefined));
      const result = await a.call('ex', { type: CallType.SUBSCRIBE, subscribe: {} }, { contentType, accept: contentType });
      t.is(result.status, 200);
      t.is(result.headers['Content-Type'], contentType);
      const stream = result.stream;
      if (stream === undefined) throw new Error('no stream');
      const subscribed = (await stream.next(EventType.SUBSCRIBED)).subscribed;
      t.is(subscribed?.executor_info.executor_id.value, 'ex');
      t.is(subscribed?.executor_info.command?.value, '/bin/true');
      t.is(subscribed?.framework_info.id?.value, a.frameworkId);
      t.is(subscribed?.framework_info.name, 'executor-api-test');
      t.is(subscribed?.agent_info.id?.value, 'agent-1');
      t.is(subscribed?.agent_info.hostname, 'agent.test');
      const launch1 = (await stream.next(EventType.LAUNCH)).launch?.task;
      const launch2 = (await stream.next(EventType.LAUNCH)).launch?.task;
      t.deepEqual([launch1?.task_id.value, launch2?.task_id.value], [first, second]);
      t.is(launch1?.agent_id.value, 'agent-1');
      t.is(Buffer.from(launch1?.data ?? []).toString(), `data of ${first}`);
      const executor = a.executor('ex');
      t.is(executor?.state, 'RUNNING');
      t.is(executor?.queuedTasks.size, 0);
      t.deepEqual([...(executor?.launchedTasks.keys() ?? [])], [first, second]);
      t.is(executor?.pid, undefined);
      t.truthy(executor?.http);
      // A task arriving now goes straight to the stream.
      const third = a.runTask('ex');
      t.is((await stream.next(EventType.LAUNCH)).launch?.task.task_id.value, third);
    });
  });

  test(`UPDATE (${contentType}): 202; forwarded to the master as from the executor; ACKNOWLEDGED on the stream`, async (t) => {
    await withAgent(async (a) => {
      const { task, stream } = await a.subscribed('ex', {}, contentType);
      await stream.next(EventType.LAUNCH);
      const status = executorStatus(task, TaskState.TASK_RUNNING, { message: 'started', data: Buffer.from('payload') });
      const result = await a.call('ex', { type: CallType.UPDATE, update: { status } }, { contentType });
      t.is(result.status, 202);
      t.is(result.body, '');
      const update = await a.forwarded();
      t.is(update.status.state, TaskState.TASK_RUNNING);
      t.is(update.status.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
      t.is(update.status.message, 'started');
      t.deepEqual(Buffer.from(update.uuid ?? []), Buffer.from(status.uuid ?? []));
      t.deepEqual(Buffer.from(update.status.uuid ?? []), Buffer.from(status.uuid ?? []));
      t.is(update.slave_id?.value, 'agent-1');
      t.is(update.latest_state, TaskState.TASK_RUNNING);
      const acknowledged = (await stream.next(EventType.ACKNOWLEDGED)).acknowledged;
      t.is(acknowledged?.task_id.value, task);
      t.deepEqual(Buffer.from(acknowledged?.uuid ?? []), Buffer.from(status.uuid ?? []));
      t.is(a.executor('ex')?.launchedTasks.get(task)?.state, TaskState.TASK_RUNNING);
      // The framework's acknowledgement is not passed on to the executor (1.0).
      await new Promise((resolve) => setTimeout(resolve, 50));
      t.deepEqual(stream.unread(), []);
      // A terminal update frees the task's resources.
      const finished = executorStatus(task, TaskState.TASK_FINISHED, { executor_id: { value: 'ex' } });
      t.is((await a.call('ex', { type: CallType.UPDATE, update: { status: finished } }, { contentType })).status, 202);
      const terminal = await a.forwarded();
      t.is(terminal.status.state, TaskState.TASK_FINISHED);
      t.is(terminal.executor_id?.value, 'ex');
      await stream.next(EventType.ACKNOWLEDGED);
      await eventually(() => (a.executor('ex')?.completedTasks.items.length === 1 ? true : undefined));
      t.is(a.executor('ex')?.launchedTasks.size, 0);
    });
  });

  test(`MESSAGE (${contentType}) both ways: executor -> framework through the master; framework -> executor as MESSAGE`, async (t) => {
    await withAgent(async (a) => {
      const { stream } = await a.subscribed('ex', {}, contentType);
      await stream.next(EventType.LAUNCH);
      const result = await a.call('ex', { type: CallType.MESSAGE, message: { data: Buffer.from([0, 1, 2, 255]) } }, { contentType });
      t.is(result.status, 202);
      const { message } = await a.master.next(m.ExecutorToFrameworkMessage);
      t.deepEqual(Buffer.from(message.data), Buffer.from([0, 1, 2, 255]));
      t.is(message.executor_id.value, 'ex');
      t.is(message.framework_id.value, a.frameworkId);
      t.is(message.slave_id.value, 'agent-1');
      a.frameworkMessage('ex', 'hello executor');
      t.is(Buffer.from((await stream.next(EventType.MESSAGE)).message?.data ?? []).toString(), 'hello executor');
    });
  });

  test(`KILL and SHUTDOWN (${contentType}): the master's kill with its policy; shutdown ends with the container destroyed after the grace period`, async (t) => {
    await withAgent(async (a) => {
      const task = await a.launchTask('ex');
      const executor = a.executor('ex');
      if (executor === undefined) throw new Error('no executor');
      executor.info.shutdown_grace_period = { nanoseconds: 50_000_000 };
      const stream = await a.subscribe('ex', {}, contentType);
      await stream.next(EventType.SUBSCRIBED);
      await stream.next(EventType.LAUNCH);
      a.master.sendProto(a.agent.self, m.KillTaskMessage, {
        framework_id: { value: a.frameworkId },
        task_id: { value: task },
        kill_policy: { grace_period: { nanoseconds: 2_000_000_000 } },
      });
      const kill = (await stream.next(EventType.KILL)).kill;
      t.is(kill?.task_id.value, task);
      t.is(Number(kill?.kill_policy?.grace_period?.nanoseconds), 2_000_000_000);
      a.master.sendProto(a.agent.self, m.ShutdownExecutorMessage, { framework_id: { value: a.frameworkId }, executor_id: { value: 'ex' } });
      await stream.next(EventType.SHUTDOWN);
      t.is(executor.state, 'TERMINATING');
      const container = a.containerOf('ex');
      await eventually(() => (a.containerizer.destroyed.includes(container) ? true : undefined));
      // The container is gone: the task fails, the executor is removed once that is acknowledged.
      const failed = await a.forwarded();
      t.is(failed.status.state, TaskState.TASK_FAILED);
      t.is(failed.status.source, mesos.TaskStatus.Source.SOURCE_SLAVE);
      await eventually(() => (a.executor('ex') === undefined ? true : undefined));
      t.true(stream.ended, 'the stream ends with the executor');
    });
  });
}

test('the JSON stream is Mesos JSON: sorted keys, enum names, base64 bytes', async (t) => {
  await withAgent(async (a) => {
    await a.launchTask('ex');
    const result = await a.call('ex', { type: CallType.SUBSCRIBE, subscribe: {} }, { accept: JSON_TYPE });
    const stream = result.stream;
    if (stream === undefined) throw new Error('no stream');
    await stream.next(EventType.SUBSCRIBED);
    const launch = await stream.next(EventType.LAUNCH);
    const text = toJSONString(mesos.v1.executor.Event, launch);
    t.regex(text, /^\{"launch":\{"task":\{"agent_id":\{"value":"agent-1"\},"data":"ZGF0YSBvZiB0YXNrLTE=",/);
    t.regex(text, /"type":"LAUNCH"\}$/);
  });
});

test('no Accept header: the stream is JSON', async (t) => {
  await withAgent(async (a) => {
    await a.launchTask('ex');
    const result = await a.call('ex', { type: CallType.SUBSCRIBE, subscribe: {} }, { contentType: PROTOBUF_TYPE });
    t.is(result.status, 200);
    t.is(result.headers['Content-Type'], JSON_TYPE);
    t.is((await result.stream?.next(EventType.SUBSCRIBED))?.subscribed?.agent_info.id?.value, 'agent-1');
  });
});

test('events: every v0 message the agent sends an executor has its v1 event; others have none', (t) => {
  const taskId = { value: 't' };
  const uuid = uuidBytes();
  t.is(executorEventOf(m.ShutdownExecutorMessage, {})?.type, EventType.SHUTDOWN);
  const acknowledged = executorEventOf(m.StatusUpdateAcknowledgementMessage, { slave_id: { value: 'a' }, framework_id: { value: 'f' }, task_id: taskId, uuid });
  t.is(acknowledged?.type, EventType.ACKNOWLEDGED);
  t.is(acknowledged?.acknowledged?.task_id.value, 't');
  t.deepEqual(Buffer.from(acknowledged?.acknowledged?.uuid ?? []), Buffer.from(uuid));
  const kill = executorEventOf(m.KillTaskMessage, { framework_id: { value: 'f' }, task_id: taskId });
  t.is(kill?.type, EventType.KILL);
  t.is(kill?.kill?.kill_policy, undefined);
  // An event built as such (ERROR; 1.0's agent never sends one) passes through.
  const error = executorEvent('mesos.executor.Event', mesos.executor.Event.encode({ type: mesos.executor.Event.Type.ERROR, error: { message: 'bad' } }).finish());
  t.is(error?.type, EventType.ERROR);
  t.is(error?.error?.message, 'bad');
  t.is(executorEventOf(m.PingSlaveMessage, { connected: true }), undefined);
});

// ------------------------------------------------------------ lifecycle

test('resubscription: the old stream is closed; unacknowledged updates are handled again (duplicates acknowledged, not re-forwarded); STAGING tasks the executor does not know are lost', async (t) => {
  await withAgent(
    async (a) => {
      const seen = a.runTask('ex');
      const { task: unseen, stream: first } = await a.subscribed('ex');
      await first.next(EventType.LAUNCH);
      await first.next(EventType.LAUNCH);
      const running = executorStatus(seen, TaskState.TASK_RUNNING);
      t.is((await a.call('ex', { type: CallType.UPDATE, update: { status: running } })).status, 202);
      t.is((await a.forwarded(false)).status.state, TaskState.TASK_RUNNING);
      await first.next(EventType.ACKNOWLEDGED);
      // The executor never got `unseen`'s LAUNCH (say): it is still STAGING on the agent.
      const newer = executorStatus(seen, TaskState.TASK_FINISHED, { message: 'done while disconnected' });
      const second = await a.subscribe('ex', {
        // `running` was received already, `newer` was not.
        unacknowledged_updates: [{ status: running }, { status: newer }],
        unacknowledged_tasks: [],
      });
      t.true(first.ended, 'the earlier stream is closed');
      t.is(a.executor('ex')?.http === undefined, false);
      await second.next(EventType.SUBSCRIBED);
      const acks = [await second.next(EventType.ACKNOWLEDGED), await second.next(EventType.ACKNOWLEDGED)].map((e) =>
        Buffer.from(e.acknowledged?.uuid ?? []).toString('hex'),
      );
      t.deepEqual(acks.sort(), [Buffer.from(running.uuid ?? []).toString('hex'), Buffer.from(newer.uuid ?? []).toString('hex')].sort());
      // The master sees the lost task; `newer` waits behind the unacknowledged RUNNING.
      const lost = await a.forwarded();
      t.is(lost.status.task_id.value, unseen);
      t.is(lost.status.state, TaskState.TASK_LOST);
      t.is(lost.status.message, 'Task launched during agent restart');
      t.is(lost.status.reason, mesos.TaskStatus.Reason.REASON_SLAVE_RESTARTED);
      t.is(lost.status.source, mesos.TaskStatus.Source.SOURCE_SLAVE);
      t.is(a.executor('ex')?.terminatedTasks.get(seen)?.state, TaskState.TASK_FINISHED);
      t.is(a.executor('ex')?.terminatedTasks.get(unseen)?.state, TaskState.TASK_LOST);
      // The task's statuses do not repeat the re-sent RUNNING.
      t.deepEqual(
        a.executor('ex')?.terminatedTasks.get(seen)?.statuses?.map((s) => s.state),
        [TaskState.TASK_RUNNING, TaskState.TASK_FINISHED],
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      t.is(a.master.count(messageNameOf(m.StatusUpdateMessage)), 0, 'the duplicate RUNNING was not forwarded again');
    },
    { checkpoint: true },
  );
});

test('resubscription keeps tasks the executor lists as unacknowledged; a checkpointing executor run gets the HTTP marker', async (t) => {
  await withAgent(
    async (a) => {
      const { task: task, stream: first } = await a.subscribed('ex');
      const launched = (await first.next(EventType.LAUNCH)).launch?.task;
      if (launched === undefined) throw new Error('no task');
      const second = await a.subscribe('ex', { unacknowledged_tasks: [launched] }, PROTOBUF_TYPE);
      await second.next(EventType.SUBSCRIBED);
      await new Promise((resolve) => setTimeout(resolve, 50));
      t.is(a.executor('ex')?.launchedTasks.get(task)?.state, TaskState.TASK_STAGING);
      t.is(a.master.count(messageNameOf(m.StatusUpdateMessage)), 0);
      t.deepEqual(second.unread(), []);
      const executor = a.executor('ex');
      const { getExecutorHttpMarkerPath, getMetaRootDir } = await import('../../agent/paths.js');
      const marker = getExecutorHttpMarkerPath(getMetaRootDir(a.workDir), 'agent-1', a.frameworkId, 'ex', executor?.containerId ?? '');
      const fs = await import('node:fs');
      await eventually(() => (fs.existsSync(marker) ? true : undefined));
      t.pass();
    },
    { checkpoint: true },
  );
});

test('the stream closing: the executor stays (RUNNING) until it subscribes again or its container exits; events meanwhile are lost, then reconciled', async (t) => {
  await withAgent(
    async (a) => {
      const { task: first, stream: stream } = await a.subscribed('ex');
      await stream.next(EventType.LAUNCH);
      stream.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const executor = a.executor('ex');
      t.is(executor?.state, 'RUNNING');
      t.true(executor?.http?.isClosed);
      // A task launched while the executor is away cannot reach it.
      const missed = a.runTask('ex');
      await eventually(() => (executor?.launchedTasks.has(missed) ? true : undefined));
      t.deepEqual(stream.unread(), []);
      // Calls still work (the agent knows the executor).
      t.is((await a.call('ex', { type: CallType.MESSAGE, message: { data: Buffer.from('m') } })).status, 202);
      // It comes back knowing only the first task: the missed one is lost.
      const again = await a.subscribe('ex', { unacknowledged_tasks: [{ name: first, task_id: { value: first }, agent_id: { value: 'agent-1' } }] });
      await again.next(EventType.SUBSCRIBED);
      const lost = await a.forwarded();
      t.is(lost.status.task_id.value, missed);
      t.is(lost.status.state, TaskState.TASK_LOST);
      // Then the container exits: the remaining task fails and the stream ends.
      again.disconnect();
      a.containerizer.exit(a.containerOf('ex'), 0, 'exited');
      const failed = await a.forwarded();
      t.is(failed.status.task_id.value, first);
      t.is(failed.status.state, TaskState.TASK_FAILED);
      t.is(failed.status.reason, mesos.TaskStatus.Reason.REASON_EXECUTOR_TERMINATED);
      const { message } = await a.master.next(m.ExitedExecutorMessage);
      t.is(message.executor_id.value, 'ex');
      t.is(message.status, 0);
      await eventually(() => (a.executor('ex') === undefined ? true : undefined));
    },
    { checkpoint: true },
  );
});

test('subscribing executors that are terminating (or whose framework or agent is): 200 with SHUTDOWN, then the stream ends', async (t) => {
  await withAgent(async (a) => {
    const { stream } = await a.subscribed('ex');
    await stream.next(EventType.LAUNCH);
    a.master.sendProto(a.agent.self, m.ShutdownExecutorMessage, { framework_id: { value: a.frameworkId }, executor_id: { value: 'ex' } });
    await stream.next(EventType.SHUTDOWN);
    t.is(a.executor('ex')?.state, 'TERMINATING');
    const late = await a.subscribe('ex');
    await late.next(EventType.SHUTDOWN);
    t.true(late.ended);
    t.deepEqual(late.unread(), []);
    t.is(a.executor('ex')?.state, 'TERMINATING');
  });
  await withAgent(async (a) => {
    await a.launchTask('ex');
    a.agent.frameworks.get(a.frameworkId)!.state = 'TERMINATING';
    const refused = await a.subscribe('ex');
    await refused.next(EventType.SHUTDOWN);
    t.true(refused.ended);
    t.is(a.executor('ex')?.state, 'REGISTERING');
  });
  await withAgent(async (a) => {
    await a.launchTask('ex');
    a.agent.state = 'TERMINATING';
    const refused = await a.subscribe('ex');
    await refused.next(EventType.SHUTDOWN);
    t.true(refused.ended);
    a.agent.state = 'RUNNING';
  });
});

test('an HTTP executor that never subscribes is destroyed after the registration timeout; one that does is not', async (t) => {
  await withAgent(
    async (a) => {
      a.runTask('late');
      a.runTask('prompt');
      await a.launched('late');
      await a.launched('prompt');
      const stream = await a.subscribe('prompt');
      await stream.next(EventType.SUBSCRIBED);
      const late = a.containerOf('late');
      await eventually(() => (a.containerizer.destroyed.includes(late) ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 100));
      t.false(a.containerizer.destroyed.includes(a.containerOf('prompt')));
      t.is(a.executor('prompt')?.state, 'RUNNING');
    },
    // Long enough for 'prompt' to subscribe in time on a loaded machine.
    { executorRegistrationTimeoutMs: 1_500 },
  );
});

test('/slave(1)/state shows an HTTP executor and its tasks', async (t) => {
  await withAgent(async (a) => {
    const { task, stream } = await a.subscribed('ex');
    await stream.next(EventType.LAUNCH);
    await a.call('ex', { type: CallType.UPDATE, update: { status: executorStatus(task, TaskState.TASK_RUNNING) } });
    await a.forwarded();
    const result = await a.post('', { method: 'GET', path: '/slave(1)/state' });
    t.is(result.status, 200);
    const state = JSON.parse(result.body) as {
      frameworks: Array<{ id: string; executors: Array<{ id: string; tasks: Array<{ id: string; state: string }> }> }>;
    };
    const executor = state.frameworks[0]?.executors[0];
    t.is(executor?.id, 'ex');
    t.deepEqual(executor?.tasks.map((x) => [x.id, x.state]), [[task, 'TASK_RUNNING']]);
  });
});

test('a driver-based executor still registers and is reached at its pid (one send path)', async (t) => {
  await withAgent(async (a) => {
    const { PeerProcess } = await import('../../libprocess/testing.js');
    const { messageName } = await import('../../libprocess/index.js');
    const task = await a.launchTask('ex');
    const driver = new PeerProcess('executor(1)', [m.ExecutorRegisteredMessage, m.RunTaskMessage, m.StatusUpdateAcknowledgementMessage].map(messageName));
    a.masterRuntime.spawn(driver);
    driver.sendProto(a.agent.self, m.RegisterExecutorMessage, { framework_id: { value: a.frameworkId }, executor_id: { value: 'ex' } });
    await driver.next(m.ExecutorRegisteredMessage);
    t.is((await driver.next(m.RunTaskMessage)).message.task.task_id.value, task);
    const uuid = uuidBytes();
    driver.sendProto(a.agent.self, m.StatusUpdateMessage, {
      update: {
        framework_id: { value: a.frameworkId },
        executor_id: { value: 'ex' },
        slave_id: { value: 'agent-1' },
        status: { task_id: { value: task }, state: TaskState.TASK_RUNNING, uuid },
        timestamp: 1,
        uuid,
      },
      pid: driver.self.toString(),
    });
    t.is((await a.forwarded()).status.state, TaskState.TASK_RUNNING);
    t.deepEqual(Buffer.from((await driver.next(m.StatusUpdateAcknowledgementMessage)).message.uuid), Buffer.from(uuid));
    // 1.0 lets a RUNNING executor subscribe over HTTP: the stream replaces the pid.
    const stream = await a.subscribe('ex');
    await stream.next(EventType.SUBSCRIBED);
    t.is(a.executor('ex')?.pid, undefined);
  });
});

function messageNameOf(type: { getTypeUrl(prefix?: string): string }): string {
  const url = type.getTypeUrl('');
  return url.startsWith('/') ? url.slice(1) : url;
}
