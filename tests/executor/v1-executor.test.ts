// The v1 executor library (executor/v1/): its environment, calls and events
// against the real agent endpoint (the Agent process on TCP with a fake
// master and containerizer), reconnection with unacknowledged updates and
// tasks, and the failure cases against a scripted HTTP server (unexpected
// statuses, a broken RecordIO stream, undecodable events, the recovery
// timeout). Also the V1ExecutorDriver adapter that runs v0 Executors on it.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { encodeRecord, fromJSONText, mesos, toJSONString } from '../../proto/index.js';
import {
  ExecutorEnvironmentError,
  V1Executor,
  V1ExecutorCallError,
  V1ExecutorDriver,
  V1ExecutorError,
  parseV1ExecutorEnvironment,
  type Event,
  type V1ExecutorOptions,
  type V1ExecutorState,
} from '../../executor/v1/index.js';
import { Status, type Executor, type ExecutorDriver } from '../../executor/types.js';
import { TestAgent, eventually } from '../agent/executor-http-helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

const EventType = mesos.v1.executor.Event.Type;
const CallType = mesos.v1.executor.Call.Type;
const TaskState = mesos.v1.TaskState;
const m = mesos.internal;

/** The next event, failing after a while instead of hanging the test. */
async function next(iterator: AsyncIterableIterator<Event>, type?: mesos.v1.executor.Event.Type): Promise<Event> {
  const result = await Promise.race([
    iterator.next(),
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`no event (expected ${type === undefined ? 'any' : EventType[type]})`)), 10_000)),
  ]);
  if (result.done === true) throw new Error('the event iteration ended');
  if (type !== undefined && result.value.type !== type) {
    throw new Error(`expected ${EventType[type]}, got ${EventType[result.value.type]}: ${JSON.stringify(result.value)}`);
  }
  return result.value;
}

/** Whether the iteration ends (rather than yielding another event, or nothing within 10 s). */
async function ended(iterator: AsyncIterableIterator<Event>): Promise<boolean> {
  const result = await Promise.race([iterator.next(), new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
  return result !== 'timeout' && result.done === true;
}

// ------------------------------------------------------------ environment

const BASE_ENV = {
  MESOS_SLAVE_PID: 'slave(1)@10.0.0.1:5051',
  MESOS_AGENT_ENDPOINT: '10.0.0.1:5051',
  MESOS_FRAMEWORK_ID: 'fw',
  MESOS_EXECUTOR_ID: 'ex',
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
};

test('environment: the endpoint from MESOS_SLAVE_PID (or MESOS_AGENT_ENDPOINT), ids, timeouts', (t) => {
  const env = parseV1ExecutorEnvironment({ ...BASE_ENV, MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '15mins', MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs', MESOS_SLAVE_ID: 'S1' });
  t.is(env.url.toString(), 'http://10.0.0.1:5051/slave(1)/api/v1/executor');
  t.is(env.frameworkId, 'fw');
  t.is(env.executorId, 'ex');
  t.is(env.agentId, 'S1');
  t.true(env.checkpoint);
  t.is(env.recoveryTimeoutMs, 15 * 60_000);
  t.is(env.subscriptionBackoffMaxMs, 2_000);
  t.is(env.shutdownGracePeriodMs, 5_000);
  t.false(env.local);
  const byEndpoint = parseV1ExecutorEnvironment({ ...BASE_ENV, MESOS_SLAVE_PID: undefined, MESOS_LOCAL: '1' });
  t.is(byEndpoint.url.toString(), 'http://10.0.0.1:5051/api/v1/executor');
  t.false(byEndpoint.checkpoint);
  t.true(byEndpoint.local);
});

test('environment: missing or malformed variables name themselves', (t) => {
  const error = (env: Record<string, string | undefined>): string => {
    const thrown = t.throws(() => parseV1ExecutorEnvironment(env), { instanceOf: ExecutorEnvironmentError });
    return thrown?.message ?? '';
  };
  t.is(error({ ...BASE_ENV, MESOS_SLAVE_PID: undefined, MESOS_AGENT_ENDPOINT: undefined }), "Expecting 'MESOS_SLAVE_PID' to be set in the environment");
  t.is(error({ ...BASE_ENV, MESOS_SLAVE_PID: 'nonsense' }), "Failed to parse MESOS_SLAVE_PID 'nonsense'");
  t.is(error({ ...BASE_ENV, MESOS_SLAVE_PID: undefined, MESOS_AGENT_ENDPOINT: 'a b:1' }), "Failed to parse MESOS_AGENT_ENDPOINT 'a b:1'");
  t.is(error({ ...BASE_ENV, MESOS_FRAMEWORK_ID: undefined }), "Expecting 'MESOS_FRAMEWORK_ID' to be set in the environment");
  t.is(error({ ...BASE_ENV, MESOS_EXECUTOR_ID: undefined }), "Expecting 'MESOS_EXECUTOR_ID' to be set in the environment");
  t.is(error({ ...BASE_ENV, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: undefined }), "Expecting 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD' to be set in the environment");
  t.is(error({ ...BASE_ENV, MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '1secs' }), "Expecting 'MESOS_RECOVERY_TIMEOUT' to be set in the environment");
  t.is(error({ ...BASE_ENV, MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '1mins' }), "Expecting 'MESOS_SUBSCRIPTION_BACKOFF_MAX' to be set in the environment");
  t.regex(error({ ...BASE_ENV, MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: 'soon', MESOS_SUBSCRIPTION_BACKOFF_MAX: '1secs' }), /^Failed to parse MESOS_RECOVERY_TIMEOUT 'soon': /);
});

// ------------------------------------------------------------ against the agent

async function withAgent(fn: (agent: TestAgent) => Promise<void>, checkpoint = false): Promise<void> {
  const agent = await TestAgent.start({ tcp: true, checkpoint });
  try {
    await fn(agent);
  } finally {
    await agent.stop();
  }
}

/** Sends the agent a task for executor `ex` and starts a library for it (as `executorId`, default `ex`), with its events. */
async function startOn(
  a: TestAgent,
  options: Omit<V1ExecutorOptions, 'env'> = {},
  executorId = 'ex',
): Promise<{ taskId: string; executor: V1Executor; events: AsyncIterableIterator<Event> }> {
  const taskId = await a.launchTask('ex');
  const executor = new V1Executor({ env: a.executorEnv(executorId), ...options });
  const events = executor.events();
  executor.start();
  return { taskId, executor, events };
}

for (const contentType of ['protobuf', 'json'] as const) {
  test(`library (${contentType}) against the agent: SUBSCRIBED, LAUNCH, UPDATE + ACKNOWLEDGED, MESSAGE both ways, KILL, SHUTDOWN`, async (t) => {
    await withAgent(async (a) => {
      const states: V1ExecutorState[] = [];
      const { taskId, executor, events } = await startOn(a, { contentType, onStateChange: (state) => states.push(state) });
      const subscribed = await next(events, EventType.SUBSCRIBED);
      t.is(subscribed.subscribed?.agent_info.id?.value, 'agent-1');
      t.is(executor.state, 'SUBSCRIBED');
      t.is(executor.agentId, 'agent-1');
      const launch = await next(events, EventType.LAUNCH);
      t.is(launch.launch?.task.task_id.value, taskId);
      t.deepEqual(executor.unacknowledgedTasks.map((task) => task.task_id.value), [taskId]);

      // Two updates made back to back reach the agent in order.
      const running = executor.update({ task_id: { value: taskId }, state: TaskState.TASK_RUNNING, message: 'one' });
      const staging = executor.update({ task_id: { value: taskId }, state: TaskState.TASK_STAGING });
      await t.throwsAsync(staging, { instanceOf: V1ExecutorError, message: /Received TASK_STAGING from executor ex of framework framework-1 which is not allowed/ });
      await running;
      t.is(executor.unacknowledgedUpdates.length, 1);
      const update = executor.unacknowledgedUpdates[0]?.status;
      t.is(update?.source, mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR);
      t.is(update?.executor_id?.value, 'ex');
      t.is(update?.agent_id?.value, 'agent-1');
      t.is(update?.uuid?.length, 16);
      const forwarded = await a.forwarded();
      t.is(forwarded.status.message, 'one');
      t.deepEqual(Buffer.from(forwarded.uuid ?? []), Buffer.from(update?.uuid ?? []));
      const acknowledged = await next(events, EventType.ACKNOWLEDGED);
      t.is(acknowledged.acknowledged?.task_id.value, taskId);
      t.deepEqual(executor.unacknowledgedUpdates, []);
      t.deepEqual(executor.unacknowledgedTasks, [], 'a task with an acknowledged update is acknowledged');

      await executor.message('to the framework');
      t.is(Buffer.from((await a.master.next(m.ExecutorToFrameworkMessage)).message.data).toString(), 'to the framework');
      a.frameworkMessage('ex', 'to the executor');
      t.is(Buffer.from((await next(events, EventType.MESSAGE)).message?.data ?? []).toString(), 'to the executor');
      a.master.sendProto(a.agent.self, m.KillTaskMessage, { framework_id: { value: a.frameworkId }, task_id: { value: taskId } });
      t.is((await next(events, EventType.KILL)).kill?.task_id.value, taskId);
      a.master.sendProto(a.agent.self, m.ShutdownExecutorMessage, { framework_id: { value: a.frameworkId }, executor_id: { value: 'ex' } });
      await next(events, EventType.SHUTDOWN);
      // After SHUTDOWN the executor may still report its tasks.
      await executor.update({ task_id: { value: taskId }, state: TaskState.TASK_KILLED });
      t.is((await a.forwarded()).status.state, mesos.TaskState.TASK_KILLED);
      await next(events, EventType.ACKNOWLEDGED);
      await executor.close();
      t.true(await ended(events));
      t.is(executor.state, 'CLOSED');
      t.deepEqual(states.slice(0, 2), ['SUBSCRIBING', 'SUBSCRIBED']);
      await t.throwsAsync(executor.message('late'), { instanceOf: V1ExecutorError, message: 'Executor is in state CLOSED' });
    });
  });
}

test('library: a call the agent refuses rejects with V1ExecutorCallError', async (t) => {
  await withAgent(async (a) => {
    const { executor, events } = await startOn(a);
    await next(events, EventType.SUBSCRIBED);
    // The agent forgets the framework (say): calls now get 400.
    a.agent.frameworks.clear();
    const error = await t.throwsAsync(executor.message('x'), { instanceOf: V1ExecutorCallError });
    t.is(error?.status, 400);
    t.is(error?.body, 'Framework cannot be found');
    t.is(error?.message, "Received unexpected '400 Bad Request' (Framework cannot be found) for MESSAGE");
    await executor.close();
  });
});

test('library, checkpointing: after the stream breaks it re-subscribes with its unacknowledged updates and tasks', async (t) => {
  await withAgent(async (a) => {
    const states: Array<[V1ExecutorState, string | undefined]> = [];
    const { taskId, executor, events } = await startOn(a, { onStateChange: (state, reason) => states.push([state, reason]) });
    await next(events, EventType.SUBSCRIBED);
    await next(events, EventType.LAUNCH);
    // The agent ends the stream (as when it restarts).
    a.executor('ex')?.http?.close();
    await eventually(() => (executor.state === 'SUBSCRIBED' ? undefined : true));
    // An update made while disconnected is kept and goes with the next SUBSCRIBE.
    await executor.update({ task_id: { value: taskId }, state: TaskState.TASK_RUNNING, message: 'while away' });
    t.is(executor.unacknowledgedUpdates.length, 1);
    await next(events, EventType.SUBSCRIBED);
    const forwarded = await a.forwarded();
    t.is(forwarded.status.message, 'while away');
    t.is(forwarded.status.task_id.value, taskId);
    await next(events, EventType.ACKNOWLEDGED);
    t.deepEqual(executor.unacknowledgedUpdates, []);
    // The agent kept the task: the executor listed it as unacknowledged.
    t.is(a.executor('ex')?.launchedTasks.get(taskId)?.state, mesos.TaskState.TASK_RUNNING);
    t.true(states.some(([state, reason]) => state === 'DISCONNECTED' && /End-Of-File received from agent/.test(reason ?? '')));
    await executor.close();
  }, true);
});

test('library, not checkpointing: the stream ending makes a SHUTDOWN event and ends the iteration', async (t) => {
  await withAgent(async (a) => {
    const { executor, events } = await startOn(a);
    await next(events, EventType.SUBSCRIBED);
    await next(events, EventType.LAUNCH);
    a.executor('ex')?.http?.close();
    await next(events, EventType.SHUTDOWN);
    t.true(await ended(events));
    t.is(executor.state, 'CLOSED');
  });
});

test('library: SUBSCRIBE refused by the agent (an executor it does not know) is an ERROR event, then the library closes', async (t) => {
  await withAgent(async (a) => {
    const { executor, events } = await startOn(a, {}, 'stranger');
    const error = await next(events, EventType.ERROR);
    t.is(error.error?.message, "Received unexpected '400 Bad Request' (Executor cannot be found) for SUBSCRIBE");
    t.true(await ended(events));
    t.is(executor.state, 'CLOSED');
  });
});

// ------------------------------------------------------------ against a scripted server

type Respond = (call: mesos.v1.executor.Call, response: http.ServerResponse, index: number) => void;

class ScriptedAgent {
  readonly calls: mesos.v1.executor.Call[] = [];
  private constructor(
    readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(respond: Respond): Promise<ScriptedAgent> {
    let agent: ScriptedAgent | undefined;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const call =
          request.headers['content-type'] === 'application/json'
            ? fromJSONText(mesos.v1.executor.Call, body.toString('utf8'))
            : mesos.v1.executor.Call.decode(body);
        agent?.calls.push(call);
        respond(call, response, (agent?.calls.length ?? 1) - 1);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    agent = new ScriptedAgent(server, (server.address() as AddressInfo).port);
    return agent;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { ...BASE_ENV, MESOS_SLAVE_PID: `slave(1)@127.0.0.1:${this.port}`, ...extra };
  }

  subscribes(): mesos.v1.executor.Call[] {
    return this.calls.filter((call) => call.type === CallType.SUBSCRIBE);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function record(event: mesos.v1.executor.Event.$Properties): Buffer {
  return Buffer.from(encodeRecord(mesos.v1.executor.Event.encode(event).finish()));
}

const SUBSCRIBED: mesos.v1.executor.Event.$Properties = {
  type: EventType.SUBSCRIBED,
  subscribed: {
    executor_info: { executor_id: { value: 'ex' }, command: { value: 'x' } },
    framework_info: { user: 'u', name: 'n' },
    agent_info: { hostname: 'h', id: { value: 'A' } },
  },
};

test('scripted: 503 and 404 for SUBSCRIBE are retried; other statuses end in an ERROR event', async (t) => {
  const agent = await ScriptedAgent.start((call, response, index) => {
    if (index === 0) response.writeHead(503).end('Agent has not finished recovery');
    else if (index === 1) response.writeHead(404).end();
    else if (index === 2) {
      response.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
      response.write(record(SUBSCRIBED));
    } else response.writeHead(415).end('nope');
  });
  try {
    const executor = new V1Executor({ env: agent.env(), config: { subscriptionBackoffMaxMs: 20 } });
    const events = executor.events();
    executor.start();
    await next(events, EventType.SUBSCRIBED);
    t.is(agent.subscribes().length, 3);
    await executor.close();
  } finally {
    await agent.stop();
  }
  const refusing = await ScriptedAgent.start((_call, response) => response.writeHead(403, 'Forbidden').end('Executor is not subscribed'));
  try {
    const executor = new V1Executor({ env: refusing.env() });
    const events = executor.events();
    executor.start();
    t.is((await next(events, EventType.ERROR)).error?.message, "Received unexpected '403 Forbidden' (Executor is not subscribed) for SUBSCRIBE");
    t.true(await ended(events));
    t.is(refusing.subscribes().length, 1);
  } finally {
    await refusing.stop();
  }
});

test('scripted: an event that does not decode is an ERROR event and the stream goes on; JSON events decode', async (t) => {
  const agent = await ScriptedAgent.start((_call, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.write(encodeRecord(toJSONString(mesos.v1.executor.Event, SUBSCRIBED)));
    response.write(encodeRecord('{"type": "LAUNCH", "launch": {'));
    response.write(encodeRecord('{"type":"MESSAGE","message":{"data":"aGk="}}'));
  });
  try {
    const executor = new V1Executor({ env: agent.env(), contentType: 'json' });
    const events = executor.events();
    executor.start();
    await next(events, EventType.SUBSCRIBED);
    t.regex((await next(events, EventType.ERROR)).error?.message ?? '', /^Failed to de-serialize event: /);
    t.is(Buffer.from((await next(events, EventType.MESSAGE)).message?.data ?? []).toString(), 'hi');
    t.is(executor.state, 'SUBSCRIBED');
    await executor.close();
  } finally {
    await agent.stop();
  }
});

test('scripted: a broken RecordIO stream is a disconnection; checkpointing, it re-subscribes with what is unacknowledged', async (t) => {
  const task: mesos.v1.TaskInfo.$Properties = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'A' } };
  const agent = await ScriptedAgent.start((call, response, index) => {
    if (call.type !== CallType.SUBSCRIBE) {
      response.writeHead(202).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
    response.write(record(SUBSCRIBED));
    if (index === 0) {
      response.write(record({ type: EventType.LAUNCH, launch: { task } }));
      // Not a length line.
      setTimeout(() => response.write('12x\n'), 100);
    }
  });
  try {
    const reasons: string[] = [];
    const executor = new V1Executor({
      env: agent.env({ MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '10secs', MESOS_SUBSCRIPTION_BACKOFF_MAX: '20ms' }),
      onStateChange: (state, reason) => state === 'DISCONNECTED' && reasons.push(reason ?? ''),
    });
    const events = executor.events();
    executor.start();
    await next(events, EventType.SUBSCRIBED);
    await next(events, EventType.LAUNCH);
    await executor.update({ task_id: { value: 't1' }, state: TaskState.TASK_RUNNING });
    await next(events, EventType.SUBSCRIBED);
    t.regex(reasons[0] ?? '', /^Failed to decode the stream of events: /);
    const resubscribe = agent.subscribes()[1];
    t.deepEqual(resubscribe?.subscribe?.unacknowledged_tasks?.map((x) => x.task_id.value), ['t1']);
    t.deepEqual(resubscribe?.subscribe?.unacknowledged_updates?.map((u) => u.status.state), [TaskState.TASK_RUNNING]);
    t.is(resubscribe?.executor_id.value, 'ex');
    t.is(resubscribe?.framework_id.value, 'fw');
    await executor.close();
  } finally {
    await agent.stop();
  }
});

test('scripted: checkpointing, no agent within MESOS_RECOVERY_TIMEOUT makes a SHUTDOWN event and ends', async (t) => {
  let first = true;
  const agent = await ScriptedAgent.start((_call, response) => {
    if (!first) {
      response.writeHead(503).end();
      return;
    }
    first = false;
    response.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
    response.write(record(SUBSCRIBED));
    setTimeout(() => response.end(), 50);
  });
  try {
    const executor = new V1Executor({
      env: agent.env({ MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '400ms', MESOS_SUBSCRIPTION_BACKOFF_MAX: '50ms' }),
    });
    const events = executor.events();
    const started = Date.now();
    executor.start();
    await next(events, EventType.SUBSCRIBED);
    await next(events, EventType.SHUTDOWN);
    t.true(Date.now() - started >= 400);
    t.true(agent.subscribes().length >= 2, 'it kept trying');
    t.true(await ended(events));
    t.is(executor.state, 'CLOSED');
  } finally {
    await agent.stop();
  }
});

test('scripted: an update made while the SUBSCRIBE is on its way is sent once subscribed', async (t) => {
  const agent = await ScriptedAgent.start((call, response) => {
    if (call.type !== CallType.SUBSCRIBE) {
      response.writeHead(202).end();
      return;
    }
    setTimeout(() => {
      response.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
      response.write(record(SUBSCRIBED));
    }, 200);
  });
  try {
    const executor = new V1Executor({ env: agent.env() });
    const events = executor.events();
    executor.start();
    await eventually(() => (agent.subscribes().length === 1 ? true : undefined));
    t.is(executor.state, 'SUBSCRIBING');
    await executor.update({ task_id: { value: 't1' }, state: TaskState.TASK_RUNNING, message: 'early' });
    t.deepEqual(agent.subscribes()[0]?.subscribe?.unacknowledged_updates ?? [], []);
    await next(events, EventType.SUBSCRIBED);
    const update = await eventually(() => agent.calls.find((call) => call.type === CallType.UPDATE));
    t.is(update.update?.status.message, 'early');
    t.is(update.update?.status.agent_id?.value, undefined, 'made before the agent id was known');
    t.is(executor.unacknowledgedUpdates.length, 1, 'kept until ACKNOWLEDGED');
    await executor.close();
  } finally {
    await agent.stop();
  }
});

test('library: calls other than SUBSCRIBE need a subscription; SUBSCRIBE is the library\'s own', async (t) => {
  const agent = await ScriptedAgent.start((_call, response) => response.writeHead(503).end());
  try {
    const executor = new V1Executor({ env: agent.env(), config: { subscriptionBackoffMaxMs: 1000 } });
    await t.throwsAsync(executor.message('x'), { instanceOf: V1ExecutorError, message: 'Executor is in state DISCONNECTED' });
    await t.throwsAsync(executor.call({ type: CallType.SUBSCRIBE, subscribe: {} }), { instanceOf: V1ExecutorError });
    await t.throwsAsync(executor.call({ type: CallType.MESSAGE }), { instanceOf: V1ExecutorError, message: "Invalid MESSAGE: Expecting 'message' to be present" });
    await executor.close();
  } finally {
    await agent.stop();
  }
});

// ------------------------------------------------------------ the driver adapter

type Recorded = { kind: string; detail?: unknown };

class RecordingExecutor implements Executor {
  readonly calls: Recorded[] = [];
  constructor(private readonly onLaunch?: (driver: ExecutorDriver, task: mesos.TaskInfo.$Properties) => void) {}
  registered(_d: ExecutorDriver, executorInfo: mesos.ExecutorInfo.$Properties, frameworkInfo: mesos.FrameworkInfo.$Properties, slaveInfo: mesos.SlaveInfo.$Properties): void {
    this.calls.push({ kind: 'registered', detail: { executor: executorInfo.executor_id.value, framework: frameworkInfo.name, agent: slaveInfo.id?.value } });
  }
  reregistered(_d: ExecutorDriver, slaveInfo: mesos.SlaveInfo.$Properties): void {
    this.calls.push({ kind: 'reregistered', detail: slaveInfo.id?.value });
  }
  disconnected(): void {
    this.calls.push({ kind: 'disconnected' });
  }
  launchTask(driver: ExecutorDriver, task: mesos.TaskInfo.$Properties): void {
    this.calls.push({ kind: 'launchTask', detail: { id: task.task_id.value, agent: task.slave_id.value } });
    this.onLaunch?.(driver, task);
  }
  killTask(_d: ExecutorDriver, taskId: mesos.TaskID.$Properties, policy?: mesos.KillPolicy.$Properties): void {
    this.calls.push({ kind: 'killTask', detail: { id: taskId.value, grace: policy?.grace_period?.nanoseconds } });
  }
  frameworkMessage(_d: ExecutorDriver, data: Uint8Array): void {
    this.calls.push({ kind: 'frameworkMessage', detail: Buffer.from(data).toString() });
  }
  shutdown(): void {
    this.calls.push({ kind: 'shutdown' });
  }
  error(_d: ExecutorDriver, message: string): void {
    this.calls.push({ kind: 'error', detail: message });
  }
  acknowledged(_d: ExecutorDriver, taskId: mesos.TaskID.$Properties): void {
    this.calls.push({ kind: 'acknowledged', detail: taskId.value });
  }
  has(kind: string): true | undefined {
    return this.calls.some((c) => c.kind === kind) ? true : undefined;
  }
}

test('V1ExecutorDriver: a v0 Executor over the HTTP API: callbacks, updates, messages, shutdown with suicide after the grace period, stop', async (t) => {
  await withAgent(async (a) => {
    const taskId = await a.launchTask('ex');
    const executor = new RecordingExecutor((driver, task) => {
      driver.sendStatusUpdate({ task_id: task.task_id, state: mesos.TaskState.TASK_RUNNING, uuid: Buffer.from('ignored') });
      driver.sendFrameworkMessage('hello');
    });
    let suicides = 0;
    const driver = new V1ExecutorDriver(executor, {
      env: a.executorEnv('ex', { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '100ms' }),
      contentType: 'json',
      suicide: () => suicides++,
    });
    t.is(driver.sendStatusUpdate({ task_id: { value: taskId }, state: mesos.TaskState.TASK_RUNNING }), Status.DRIVER_NOT_STARTED);
    t.is(await driver.start(), Status.DRIVER_RUNNING);
    t.is(await driver.start(), Status.DRIVER_RUNNING);
    await eventually(() => executor.has('launchTask'));
    t.deepEqual(executor.calls[0], { kind: 'registered', detail: { executor: 'ex', framework: 'executor-api-test', agent: 'agent-1' } });
    t.deepEqual(executor.calls[1], { kind: 'launchTask', detail: { id: taskId, agent: 'agent-1' } });
    const forwarded = await a.forwarded();
    t.is(forwarded.status.state, mesos.TaskState.TASK_RUNNING);
    t.is(forwarded.uuid?.length, 16, 'a fresh uuid, not the one given');
    t.is(Buffer.from((await a.master.next(m.ExecutorToFrameworkMessage)).message.data).toString(), 'hello');
    await eventually(() => executor.has('acknowledged'));
    a.master.sendProto(a.agent.self, m.KillTaskMessage, {
      framework_id: { value: a.frameworkId },
      task_id: { value: taskId },
      kill_policy: { grace_period: { nanoseconds: 1_000 } },
    });
    a.frameworkMessage('ex', 'from the framework');
    await eventually(() => executor.has('frameworkMessage'));
    t.deepEqual(
      executor.calls.filter((c) => c.kind === 'killTask' || c.kind === 'frameworkMessage'),
      [
        { kind: 'killTask', detail: { id: taskId, grace: 1_000 } },
        { kind: 'frameworkMessage', detail: 'from the framework' },
      ],
    );
    a.master.sendProto(a.agent.self, m.ShutdownExecutorMessage, { framework_id: { value: a.frameworkId }, executor_id: { value: 'ex' } });
    await eventually(() => executor.has('shutdown'));
    t.is(suicides, 0);
    await eventually(() => (suicides === 1 ? true : undefined));
    const joined = driver.join();
    t.is(driver.stop(), Status.DRIVER_STOPPED);
    t.is(await joined, Status.DRIVER_STOPPED);
    t.is(driver.v1?.state, 'CLOSED');
    t.is(driver.sendFrameworkMessage('late'), Status.DRIVER_STOPPED);
  });
});

test('V1ExecutorDriver: reregistered after a reconnection (checkpointing); abort stops the callbacks; a bad environment rejects start()', async (t) => {
  await withAgent(async (a) => {
    await a.launchTask('ex');
    const executor = new RecordingExecutor();
    const driver = new V1ExecutorDriver(executor, { env: a.executorEnv('ex') });
    await driver.start();
    await eventually(() => executor.has('launchTask'));
    a.executor('ex')?.http?.close();
    await eventually(() => executor.has('reregistered'));
    t.deepEqual(
      executor.calls.map((c) => c.kind),
      ['registered', 'launchTask', 'disconnected', 'reregistered'],
    );
    t.is(driver.abort(), Status.DRIVER_ABORTED);
    t.is(await driver.join(), Status.DRIVER_ABORTED);
    a.frameworkMessage('ex', 'ignored');
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.is(executor.has('frameworkMessage'), undefined);
    t.is(driver.stop(), Status.DRIVER_ABORTED);
  }, true);
  const driver = new V1ExecutorDriver(new RecordingExecutor(), { env: { MESOS_FRAMEWORK_ID: 'f' } });
  await t.throwsAsync(driver.start(), { instanceOf: ExecutorEnvironmentError, message: "Expecting 'MESOS_SLAVE_PID' to be set in the environment" });
});
