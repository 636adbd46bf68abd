// The checkpoint formats (agent/checkpoint.ts), reading the meta directory back
// (agent/state.ts) and the status update manager's task.updates stream.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Clock, InMemoryNetwork, createLogger, startMemoryRuntime } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { frameRecord, readMessage, readRecords, readStream, relinkLatestSync, writeFileAtomic, writeMessage, CheckpointError } from '../../agent/checkpoint.js';
import { recoverState, RecoveryError, uuidHex } from '../../agent/state.js';
import { StatusUpdateManager } from '../../agent/status-update-manager.js';
import * as paths from '../../agent/paths.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

const log = createLogger({ name: 'checkpoint-test', level: 'fatal' });
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-checkpoint-'));

function uuid(n: number): Uint8Array {
  return Buffer.alloc(16, n);
}

function update(task: string, state: mesos.TaskState, n: number): mesos.internal.StatusUpdate.$Properties {
  return {
    framework_id: { value: 'fw' },
    slave_id: { value: 'S1' },
    executor_id: { value: 'ex' },
    status: { task_id: { value: task }, state },
    timestamp: n,
    uuid: uuid(n),
  };
}

test('records are a 4-byte little-endian length then the message (stout protobuf::write)', (t) => {
  const bytes = mesos.SlaveInfo.encode({ hostname: 'h', port: 5051 }).finish();
  const framed = frameRecord(bytes);
  t.is(framed.length, bytes.length + 4);
  t.is(framed.readUInt32LE(0), bytes.length);
  t.deepEqual(Buffer.from(framed.subarray(4)), Buffer.from(bytes));
});

test('a message file round-trips; empty is none; garbage and truncation are errors', (t) => {
  const dir = tmp();
  const file = path.join(dir, 'a', 'slave.info');
  writeMessage(file, mesos.SlaveInfo, { hostname: 'h', port: 5051, id: { value: 'S1' } });
  const back = readMessage(file, (b) => mesos.SlaveInfo.decode(b));
  t.is(back?.hostname, 'h');
  t.is(back?.id?.value, 'S1');
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['slave.info'], 'no temporary file is left');
  fs.writeFileSync(file, '');
  t.is(readMessage(file, (b) => mesos.SlaveInfo.decode(b)), undefined);
  fs.writeFileSync(file, Buffer.from([4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
  t.throws(() => readMessage(file, (b) => mesos.SlaveInfo.decode(b)), { instanceOf: CheckpointError });
  fs.writeFileSync(file, Buffer.from([9, 0, 0]));
  t.throws(() => readMessage(file, (b) => mesos.SlaveInfo.decode(b)), { instanceOf: CheckpointError, message: /truncated/ });
  fs.rmSync(dir, { recursive: true });
});

test('a record stream stops at a partial record and truncates it; a bad record is an error', (t) => {
  const dir = tmp();
  const file = path.join(dir, 'task.updates');
  const records = [
    { type: mesos.internal.StatusUpdateRecord.Type.UPDATE, update: update('t', mesos.TaskState.TASK_RUNNING, 1) },
    { type: mesos.internal.StatusUpdateRecord.Type.ACK, uuid: uuid(1) },
  ];
  const whole = Buffer.concat(records.map((r) => frameRecord(mesos.internal.StatusUpdateRecord.encode(r).finish())));
  fs.writeFileSync(file, Buffer.concat([whole, Buffer.from([50, 0, 0, 0, 1, 2])]));
  const read = readStream(file, (b) => mesos.internal.StatusUpdateRecord.decode(b));
  t.is(read.records.length, 2);
  t.is(read.records[0]?.update?.status.state, mesos.TaskState.TASK_RUNNING);
  t.is(uuidHex(read.records[1]?.uuid), uuidHex(uuid(1)));
  t.is(fs.statSync(file).size, whole.length, 'the partial record was truncated away');
  const bad = readRecords(Buffer.concat([whole, Buffer.from([4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])]), (b) => mesos.internal.StatusUpdateRecord.decode(b));
  t.is(bad.records.length, 2);
  t.is(bad.consumed, whole.length);
  t.regex(bad.error ?? '', /Failed to deserialize/);
  fs.rmSync(dir, { recursive: true });
});

/** Writes a meta directory as the agent does: agent S1, framework fw, executor ex, run c1, task t. */
function layout(root: string, acked: boolean): string {
  const meta = paths.getMetaRootDir(root);
  relinkLatestSync(paths.getSlavePath(meta, 'S1'), paths.getLatestSlavePath(meta));
  writeMessage(paths.getSlaveInfoPath(meta, 'S1'), mesos.SlaveInfo, { hostname: 'h', id: { value: 'S1' } });
  writeMessage(paths.getFrameworkInfoPath(meta, 'S1', 'fw'), mesos.FrameworkInfo, { user: 'u', name: 'f', id: { value: 'fw' }, checkpoint: true });
  writeFileAtomic(paths.getFrameworkPidPath(meta, 'S1', 'fw'), 'scheduler(1)@127.0.0.1:9');
  writeMessage(paths.getExecutorInfoPath(meta, 'S1', 'fw', 'ex'), mesos.ExecutorInfo, { executor_id: { value: 'ex' }, command: { value: 'x' } });
  relinkLatestSync(paths.getExecutorRunPath(meta, 'S1', 'fw', 'ex', 'c1'), paths.getExecutorLatestRunPath(meta, 'S1', 'fw', 'ex'));
  writeFileAtomic(paths.getForkedPidPath(meta, 'S1', 'fw', 'ex', 'c1'), '4242');
  writeFileAtomic(paths.getLibprocessPidPath(meta, 'S1', 'fw', 'ex', 'c1'), 'executor(1)@127.0.0.1:7');
  writeMessage(paths.getTaskInfoPath(meta, 'S1', 'fw', 'ex', 'c1', 't'), mesos.Task, {
    name: 't',
    task_id: { value: 't' },
    framework_id: { value: 'fw' },
    slave_id: { value: 'S1' },
    state: mesos.TaskState.TASK_STAGING,
  });
  const updates = paths.getTaskUpdatesPath(meta, 'S1', 'fw', 'ex', 'c1', 't');
  const records: mesos.internal.StatusUpdateRecord.$Properties[] = [
    { type: mesos.internal.StatusUpdateRecord.Type.UPDATE, update: update('t', mesos.TaskState.TASK_RUNNING, 1) },
  ];
  if (acked) records.push({ type: mesos.internal.StatusUpdateRecord.Type.ACK, uuid: uuid(1) });
  fs.writeFileSync(updates, Buffer.concat(records.map((r) => frameRecord(mesos.internal.StatusUpdateRecord.encode(r).finish()))));
  return meta;
}

test('recoverState reads the agent, framework, executor run and task back', (t) => {
  const root = tmp();
  const meta = layout(root, true);
  const state = recoverState(meta, true, log);
  const slave = state?.slave;
  t.is(slave?.id, 'S1');
  t.is(slave?.info?.hostname, 'h');
  const framework = slave?.frameworks.get('fw');
  t.is(framework?.pid?.toString(), 'scheduler(1)@127.0.0.1:9');
  const executor = framework?.executors.get('ex');
  t.is(executor?.latest, 'c1');
  const run = executor?.runs.get('c1');
  t.is(run?.forkedPid, 4242);
  t.is(run?.libprocessPid?.toString(), 'executor(1)@127.0.0.1:7');
  t.false(run?.http);
  t.false(run?.completed);
  const task = run?.tasks.get('t');
  t.is(task?.info?.name, 't');
  t.is(task?.updates.length, 1);
  t.true(task?.acks.has(uuidHex(uuid(1))));
  fs.rmSync(root, { recursive: true });
});

test('recoverState: a corrupt file is fatal with strict, skipped and counted without', (t) => {
  const root = tmp();
  const meta = layout(root, false);
  const file = paths.getTaskInfoPath(meta, 'S1', 'fw', 'ex', 'c1', 't');
  fs.writeFileSync(file, Buffer.from([4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
  const error = t.throws(() => recoverState(meta, true, log), { instanceOf: RecoveryError });
  t.true(error?.message.includes(file));
  const lenient = recoverState(meta, false, log);
  const run = lenient?.slave?.frameworks.get('fw')?.executors.get('ex')?.runs.get('c1');
  t.is(lenient?.slave?.errors, 1);
  t.is(run?.tasks.get('t')?.info, undefined, 'the task is skipped');
  t.is(run?.forkedPid, 4242, 'the rest is recovered');
  fs.rmSync(root, { recursive: true });
});

test('recoverState: no meta dir, no latest agent, a rebooted host', (t) => {
  const root = tmp();
  t.is(recoverState(path.join(root, 'meta'), true, log), undefined);
  const meta = layout(root, false);
  fs.writeFileSync(paths.getBootIdPath(meta), 'another-boot');
  const rebooted = recoverState(meta, true, log);
  t.true(rebooted?.rebooted);
  t.is(rebooted?.slave, undefined);
  fs.rmSync(paths.getBootIdPath(meta));
  fs.rmSync(paths.getLatestSlavePath(meta));
  t.is(recoverState(meta, true, log)?.slave, undefined);
  fs.rmSync(root, { recursive: true });
});

test('the status update manager checkpoints updates and acks, and replays them after a restart', async (t) => {
  const root = tmp();
  const file = path.join(root, 'tasks', 't', 'task.updates');
  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const sent: mesos.internal.StatusUpdate.$Properties[] = [];
  const sum = new StatusUpdateManager({ forward: (u) => sent.push(u) });
  runtime.spawn(sum);
  await runtime.dispatch(sum, (s) => {
    s.resume();
    s.update(update('t', mesos.TaskState.TASK_RUNNING, 1), file);
    s.update(update('t', mesos.TaskState.TASK_FINISHED, 2), file);
  });
  await runtime.dispatch(sum, (s) => s.acknowledgement('fw', 't', uuid(1)));
  const read = readStream(file, (b) => mesos.internal.StatusUpdateRecord.decode(b));
  t.deepEqual(
    read.records.map((r) => r.type),
    [mesos.internal.StatusUpdateRecord.Type.UPDATE, mesos.internal.StatusUpdateRecord.Type.UPDATE, mesos.internal.StatusUpdateRecord.Type.ACK],
  );
  await runtime.shutdown();

  // A new manager (the restarted agent) replays the file: the finished update is pending, once.
  const runtime2 = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const resent: mesos.internal.StatusUpdate.$Properties[] = [];
  const sum2 = new StatusUpdateManager({ forward: (u) => resent.push(u) });
  runtime2.spawn(sum2);
  const updates = read.records.flatMap((r) => (r.update ? [r.update] : []));
  const acks = new Set(read.records.flatMap((r) => (r.type === mesos.internal.StatusUpdateRecord.Type.ACK ? [uuidHex(r.uuid)] : [])));
  await runtime2.dispatch(sum2, (s) => s.recover([{ frameworkId: 'fw', taskId: 't', file, updates, acks }]));
  t.is(resent.length, 0, 'paused until the agent registers');
  t.is(await runtime2.dispatch(sum2, (s) => s.update(update('t', mesos.TaskState.TASK_FINISHED, 2), file)), 'duplicate');
  await runtime2.dispatch(sum2, (s) => s.resume());
  t.deepEqual(resent.map((u) => u.status.state), [mesos.TaskState.TASK_FINISHED]);
  t.false(await runtime2.dispatch(sum2, (s) => s.acknowledgement('fw', 't', uuid(2))));
  t.is(readStream(file, (b) => mesos.internal.StatusUpdateRecord.decode(b)).records.length, 4, 'the ack was appended');
  await runtime2.shutdown();
  fs.rmSync(root, { recursive: true });
});
