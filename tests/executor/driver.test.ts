// MesosExecutorDriver against a fake agent on a real TCP runtime: the driver
// starts its own runtime from the env map it is given (LIBPROCESS_IP/PORT), as
// it does inside an executor process.

import test from 'ava';
import { MesosExecutorDriver, Status, ExecutorEnvironmentError } from '../../executor/driver.js';
import { parseExecutorEnvironment } from '../../executor/env.js';
import { uuidText } from '../../executor/uuid.js';
import { mesos } from '../../proto/index.js';
import {
  RecordingExecutor,
  SLAVE_INFO,
  acknowledge,
  executorEnv,
  register,
  runTask,
  startFakeAgent,
  taskInfo,
  type FakeAgent,
} from './helpers.js';

const M = mesos.internal;

interface Setup extends FakeAgent {
  driver: MesosExecutorDriver;
  executor: RecordingExecutor;
  suicides: number[];
}

async function setup(t: { teardown(fn: () => Promise<void> | void): void }, env: Record<string, string | undefined> = {}): Promise<Setup> {
  const fake = await startFakeAgent();
  const executor = new RecordingExecutor();
  const suicides: number[] = [];
  const driver = new MesosExecutorDriver(executor, {
    env: executorEnv(fake.pid, env),
    suicide: () => suicides.push(Date.now()),
  });
  t.teardown(async () => {
    driver.stop();
    await driver.join();
    await fake.runtime.shutdown();
  });
  return { ...fake, driver, executor, suicides };
}

/** Starts the driver and completes registration. */
async function registered(s: Setup): Promise<void> {
  s.driver.start().catch(() => undefined);
  const { from } = await s.agent.next(M.RegisterExecutorMessage);
  register(s.agent, from);
  await s.executor.next('registered');
}

test('registers with the agent named by MESOS_SLAVE_PID and reports registered()', async (t) => {
  const s = await setup(t);
  t.is(await s.driver.start(), Status.DRIVER_RUNNING);
  t.is(await s.driver.start(), Status.DRIVER_RUNNING, 'a second start() only returns the status');
  const { from, message } = await s.agent.next(M.RegisterExecutorMessage);
  t.is(message.framework_id.value, 'framework-1');
  t.is(message.executor_id.value, 'executor-1');
  t.regex(from.id, /^executor\(\d+\)$/);
  t.is(from.host, '127.0.0.1', 'LIBPROCESS_IP from the env map');
  t.true(s.driver.pid?.equals(from));

  register(s.agent, from);
  const call = await s.executor.next('registered');
  t.is(call.executorInfo.executor_id.value, 'executor-1');
  t.is(call.frameworkInfo.name, 'test framework');
  t.is(call.slaveInfo.hostname, SLAVE_INFO.hostname);
});

test('RunTaskMessage, KillTaskMessage and framework messages reach the executor; framework messages go out', async (t) => {
  const s = await setup(t);
  await registered(s);
  const pid = s.driver.pid;
  if (pid === undefined) return t.fail();

  runTask(s.agent, pid, taskInfo('task-1', { value: 'true' }));
  const launch = await s.executor.next('launchTask');
  t.is(launch.task.task_id.value, 'task-1');
  t.is(launch.task.command?.value, 'true');

  s.agent.sendProto(pid, M.KillTaskMessage, {
    framework_id: { value: 'framework-1' },
    task_id: { value: 'task-1' },
    kill_policy: { grace_period: { nanoseconds: 2_000_000_000 } },
  });
  const kill = await s.executor.next('killTask');
  t.is(kill.taskId.value, 'task-1');
  t.is(Number(kill.killPolicy?.grace_period?.nanoseconds), 2_000_000_000);

  s.agent.sendProto(pid, M.KillTaskMessage, { framework_id: { value: 'framework-1' }, task_id: { value: 'task-1' } });
  t.is((await s.executor.next('killTask')).killPolicy, undefined, 'no kill policy when the kill has none');

  s.agent.sendProto(pid, M.FrameworkToExecutorMessage, {
    slave_id: { value: 'agent-1' },
    framework_id: { value: 'framework-1' },
    executor_id: { value: 'executor-1' },
    data: Buffer.from('to executor'),
  });
  t.is(Buffer.from((await s.executor.next('frameworkMessage')).data).toString(), 'to executor');

  t.is(s.driver.sendFrameworkMessage('to framework'), Status.DRIVER_RUNNING);
  const { message } = await s.agent.next(M.ExecutorToFrameworkMessage);
  t.is(Buffer.from(message.data).toString(), 'to framework');
  t.is(message.slave_id.value, 'agent-1');
  t.is(message.framework_id.value, 'framework-1');
  t.is(message.executor_id.value, 'executor-1');
});

test('status updates carry a v4 uuid, timestamps and ids; unacknowledged ones come back on re-registration', async (t) => {
  const s = await setup(t);
  await registered(s);
  const pid = s.driver.pid;
  if (pid === undefined) return t.fail();
  runTask(s.agent, pid, taskInfo('task-1', { value: 'true' }));
  runTask(s.agent, pid, taskInfo('task-2', { value: 'true' }));
  await s.executor.next('launchTask');
  await s.executor.next('launchTask');

  s.driver.sendStatusUpdate({ task_id: { value: 'task-1' }, state: mesos.TaskState.TASK_RUNNING, message: 'up' });
  const first = await s.agent.next(M.StatusUpdateMessage);
  const update = first.message.update;
  t.is(first.message.pid, pid.toString());
  t.is(update.framework_id.value, 'framework-1');
  t.is(update.executor_id?.value, 'executor-1');
  t.is(update.slave_id?.value, 'agent-1');
  t.is(update.uuid?.length, 16);
  t.regex(uuidText(update.uuid ?? new Uint8Array()), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.deepEqual(Buffer.from(update.status.uuid ?? []), Buffer.from(update.uuid ?? []));
  t.is(update.status.state, mesos.TaskState.TASK_RUNNING);
  t.is(update.status.message, 'up');
  t.is(update.status.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
  t.is(update.status.slave_id?.value, 'agent-1');
  t.true(Math.abs(update.timestamp - Date.now() / 1000) < 60);
  t.is(update.status.timestamp, update.timestamp);

  s.driver.sendStatusUpdate({ task_id: { value: 'task-2' }, state: mesos.TaskState.TASK_FINISHED });
  const second = (await s.agent.next(M.StatusUpdateMessage)).message.update;
  t.notDeepEqual(Buffer.from(second.uuid ?? []), Buffer.from(update.uuid ?? []));

  // A recovered agent asks for re-registration: both updates and both tasks are unacknowledged.
  s.agent.sendProto(pid, M.ReconnectExecutorMessage, { slave_id: { value: 'agent-1' } });
  let rereg = (await s.agent.next(M.ReregisterExecutorMessage)).message;
  t.is(rereg.executor_id.value, 'executor-1');
  t.is(rereg.framework_id.value, 'framework-1');
  t.deepEqual(rereg.updates.map((u) => u.status.task_id.value), ['task-1', 'task-2']);
  t.deepEqual(rereg.tasks.map((task) => task.task_id.value), ['task-1', 'task-2']);

  // The agent acknowledges task-1's update: it and its task are dropped.
  acknowledge(s.agent, pid, update);
  const ack = await s.executor.next('acknowledged');
  t.is(ack.taskId.value, 'task-1');
  s.agent.sendProto(pid, M.ReconnectExecutorMessage, { slave_id: { value: 'agent-1' } });
  rereg = (await s.agent.next(M.ReregisterExecutorMessage)).message;
  t.deepEqual(rereg.updates.map((u) => u.status.task_id.value), ['task-2']);
  t.deepEqual(rereg.tasks.map((task) => task.task_id.value), ['task-2']);

  s.agent.sendProto(pid, M.ExecutorReregisteredMessage, { slave_id: { value: 'agent-1' }, slave_info: SLAVE_INFO });
  t.is((await s.executor.next('reregistered')).slaveInfo.hostname, SLAVE_INFO.hostname);
});

test('ShutdownExecutorMessage: shutdown(), later messages ignored, process group killed after the grace period', async (t) => {
  const s = await setup(t, { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '50ms' });
  await registered(s);
  const pid = s.driver.pid;
  if (pid === undefined) return t.fail();
  s.agent.sendProto(pid, M.ShutdownExecutorMessage, {});
  await s.executor.next('shutdown');
  runTask(s.agent, pid, taskInfo('late', { value: 'true' }));
  while (s.suicides.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(s.executor.count('launchTask'), 0, 'aborted: RunTaskMessage after shutdown is ignored');
  t.is(s.suicides.length, 1);
  t.is(s.driver.state, Status.DRIVER_RUNNING, 'the driver itself is still running: the executor is expected to stop it');
});

test('with MESOS_LOCAL the driver shuts down without killing the process group', async (t) => {
  const s = await setup(t, { MESOS_LOCAL: '1', MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '1ms' });
  await registered(s);
  const pid = s.driver.pid;
  if (pid === undefined) return t.fail();
  s.agent.sendProto(pid, M.ShutdownExecutorMessage, {});
  await s.executor.next('shutdown');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(s.suicides.length, 0);
});

test('agent gone without checkpointing: shutdown() and suicide', async (t) => {
  const s = await setup(t, { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '10ms' });
  await registered(s);
  await s.runtime.shutdown();
  await s.executor.next('shutdown');
  while (s.suicides.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  t.pass();
});

test('agent gone with checkpointing: waits for a reconnect from the recovered agent', async (t) => {
  const s = await setup(t, { MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '15mins' });
  await registered(s);
  const pid = s.driver.pid;
  if (pid === undefined) return t.fail();
  runTask(s.agent, pid, taskInfo('task-1', { value: 'true' }));
  await s.executor.next('launchTask');
  s.driver.sendStatusUpdate({ task_id: { value: 'task-1' }, state: mesos.TaskState.TASK_RUNNING });
  await s.agent.next(M.StatusUpdateMessage);

  await s.runtime.shutdown();
  // The agent restarts (a new runtime, a new address) and reconnects.
  const restarted = await startFakeAgent();
  t.teardown(() => restarted.runtime.shutdown());
  restarted.agent.sendProto(pid, M.ReconnectExecutorMessage, { slave_id: { value: 'agent-1' } });
  const { from, message } = await restarted.agent.next(M.ReregisterExecutorMessage);
  t.true(from.equals(pid));
  t.deepEqual(message.updates.map((u) => u.status.task_id.value), ['task-1']);
  t.deepEqual(message.tasks.map((task) => task.task_id.value), ['task-1']);
  restarted.agent.sendProto(pid, M.ExecutorReregisteredMessage, { slave_id: { value: 'agent-1' }, slave_info: SLAVE_INFO });
  await s.executor.next('reregistered');
  t.is(s.executor.count('shutdown'), 0);

  // Updates now go to the new agent.
  s.driver.sendStatusUpdate({ task_id: { value: 'task-1' }, state: mesos.TaskState.TASK_FINISHED });
  t.is((await restarted.agent.next(M.StatusUpdateMessage)).message.update.status.state, mesos.TaskState.TASK_FINISHED);
});

test('agent gone with checkpointing and no reconnect: shutdown after MESOS_RECOVERY_TIMEOUT', async (t) => {
  const s = await setup(t, { MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '100ms', MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '10ms' });
  await registered(s);
  await s.runtime.shutdown();
  await s.executor.next('shutdown');
  while (s.suicides.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  t.pass();
});

test('abort(): join() returns DRIVER_ABORTED, messages are ignored, calls return the status', async (t) => {
  const s = await setup(t);
  await registered(s);
  const pid = s.driver.pid;
  if (pid === undefined) return t.fail();
  const joined = s.driver.join();
  t.is(s.driver.abort(), Status.DRIVER_ABORTED);
  t.is(await joined, Status.DRIVER_ABORTED);
  t.is(s.driver.sendStatusUpdate({ task_id: { value: 'x' }, state: mesos.TaskState.TASK_RUNNING }), Status.DRIVER_ABORTED);
  t.is(s.driver.sendFrameworkMessage('x'), Status.DRIVER_ABORTED);
  t.is(s.driver.abort(), Status.DRIVER_ABORTED);
  runTask(s.agent, pid, taskInfo('ignored', { value: 'true' }));
  // stop() after abort() reports DRIVER_ABORTED and releases the runtime.
  t.is(s.driver.stop(), Status.DRIVER_ABORTED);
  t.is(await s.driver.join(), Status.DRIVER_STOPPED);
  t.is(s.executor.count('launchTask'), 0);
});

test('stop(): join() and run() return DRIVER_STOPPED; the driver-owned runtime is closed', async (t) => {
  const s = await setup(t);
  const running = s.driver.run();
  const { from } = await s.agent.next(M.RegisterExecutorMessage);
  s.agent.watch(from);
  t.is(s.driver.stop(), Status.DRIVER_STOPPED);
  t.is(await running, Status.DRIVER_STOPPED);
  t.is(s.driver.stop(), Status.DRIVER_STOPPED);
  t.is(await s.driver.start(), Status.DRIVER_STOPPED, 'a stopped driver does not start again');
  // Its runtime is gone: the agent's link to the executor breaks.
  while (s.agent.exits.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  t.true(s.agent.exits[0]?.equals(from));
});

test('calls before start() return DRIVER_NOT_STARTED', (t) => {
  const driver = new MesosExecutorDriver(new RecordingExecutor(), { env: {} });
  t.is(driver.stop(), Status.DRIVER_NOT_STARTED);
  t.is(driver.abort(), Status.DRIVER_NOT_STARTED);
  t.is(driver.sendStatusUpdate({ task_id: { value: 'x' }, state: mesos.TaskState.TASK_RUNNING }), Status.DRIVER_NOT_STARTED);
  t.is(driver.sendFrameworkMessage('x'), Status.DRIVER_NOT_STARTED);
});

test('start() fails clearly when the environment lacks a variable', async (t) => {
  const env = executorEnv(parseExecutorEnvironment(executorEnvBase()).agent, { MESOS_SLAVE_ID: undefined });
  const driver = new MesosExecutorDriver(new RecordingExecutor(), { env });
  const error = await t.throwsAsync(driver.start(), { instanceOf: ExecutorEnvironmentError });
  t.is(error?.message, "Expecting 'MESOS_SLAVE_ID' to be set in the environment");
  t.is(driver.state, Status.DRIVER_NOT_STARTED);
});

function executorEnvBase(): Record<string, string> {
  return {
    MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:5051',
    MESOS_SLAVE_ID: 'a',
    MESOS_FRAMEWORK_ID: 'f',
    MESOS_EXECUTOR_ID: 'e',
    MESOS_DIRECTORY: '/tmp',
  };
}

test('parseExecutorEnvironment: the variables of 1.0 and their defaults', (t) => {
  const base = executorEnvBase();
  const config = parseExecutorEnvironment(base);
  t.is(config.agent.toString(), 'slave(1)@127.0.0.1:5051');
  t.is(config.shutdownGracePeriodMs, 5_000);
  t.false(config.checkpoint);
  t.is(config.recoveryTimeoutMs, 15 * 60_000);
  t.false(config.local);

  const checkpointing = parseExecutorEnvironment({
    ...base,
    MESOS_CHECKPOINT: '1',
    MESOS_RECOVERY_TIMEOUT: '2mins',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '7secs',
    MESOS_LOCAL: '',
  });
  t.true(checkpointing.checkpoint);
  t.is(checkpointing.recoveryTimeoutMs, 120_000);
  t.is(checkpointing.shutdownGracePeriodMs, 7_000);
  t.true(checkpointing.local);
  t.is(parseExecutorEnvironment({ ...base, MESOS_RECOVERY_TIMEOUT: 'junk' }).recoveryTimeoutMs, 15 * 60_000, 'read only with checkpointing');

  for (const name of ['MESOS_SLAVE_PID', 'MESOS_SLAVE_ID', 'MESOS_FRAMEWORK_ID', 'MESOS_EXECUTOR_ID', 'MESOS_DIRECTORY']) {
    const env: Record<string, string> = { ...base };
    delete env[name];
    const error = t.throws(() => parseExecutorEnvironment(env), { instanceOf: ExecutorEnvironmentError });
    t.is(error?.variable, name);
    t.is(error?.message, `Expecting '${name}' to be set in the environment`);
  }
  t.throws(() => parseExecutorEnvironment({ ...base, MESOS_SLAVE_PID: 'nonsense' }), { message: "Cannot parse MESOS_SLAVE_PID 'nonsense'" });
  t.throws(() => parseExecutorEnvironment({ ...base, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5 parsecs' }), {
    message: /^Failed to parse value '5 parsecs' of 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD'/,
  });
});
