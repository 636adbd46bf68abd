import test from 'ava';
import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { StatusUpdateManager, StatusUpdateError } from '../../agent/status-update-manager.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

type Update = mesos.internal.StatusUpdate.$Properties;

function uuid(n: number): Uint8Array {
  const bytes = Buffer.alloc(16, n);
  bytes[6] = 0x40 | (n & 0x0f);
  return bytes;
}

function update(task: string, state: mesos.TaskState, n: number): Update {
  return {
    framework_id: { value: 'fw' },
    slave_id: { value: 'agent' },
    status: { task_id: { value: task }, state },
    timestamp: n,
    uuid: uuid(n),
  };
}

async function setup(): Promise<{ clock: Clock; runtime: Runtime; sent: Update[]; sum: StatusUpdateManager }> {
  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const sent: Update[] = [];
  const sum = new StatusUpdateManager({ forward: (u) => sent.push(u) });
  runtime.spawn(sum);
  await runtime.settle();
  return { clock, runtime, sent, sum };
}

test('updates go out in order, one at a time, each after the previous is acknowledged', async (t) => {
  const { runtime, sent, sum } = await setup();
  await runtime.dispatch(sum, (s) => {
    s.resume();
    s.update(update('t1', mesos.TaskState.TASK_RUNNING, 1));
    s.update(update('t1', mesos.TaskState.TASK_FINISHED, 2));
  });
  t.deepEqual(sent.map((u) => u.timestamp), [1]);
  t.true(await runtime.dispatch(sum, (s) => s.acknowledgement('fw', 't1', uuid(1))));
  t.deepEqual(sent.map((u) => u.timestamp), [1, 2]);
  t.false(await runtime.dispatch(sum, (s) => s.acknowledgement('fw', 't1', uuid(2))), 'terminal acknowledged: stream done');
  t.is(sum.streamCount, 0);
  await runtime.shutdown();
});

test('unacknowledged updates are retried with exponential backoff up to 10 minutes', async (t) => {
  const { clock, runtime, sent, sum } = await setup();
  await runtime.dispatch(sum, (s) => {
    s.resume();
    s.update(update('t1', mesos.TaskState.TASK_RUNNING, 1));
  });
  const times: number[] = [];
  const start = clock.now();
  for (let second = 1; second <= 2000; second++) {
    const before = sent.length;
    clock.advance(1000);
    await runtime.settle();
    if (sent.length > before) times.push((clock.now() - start) / 1000);
  }
  t.deepEqual(times.slice(0, 6), [10, 30, 70, 150, 310, 630]);
  t.is((times[6] ?? 0) - (times[5] ?? 0), 600, 'capped at 10 minutes');
  await runtime.shutdown();
});

test('duplicates are dropped; bad acknowledgements are errors', async (t) => {
  const { runtime, sent, sum } = await setup();
  await runtime.dispatch(sum, (s) => {
    s.resume();
    t.is(s.update(update('t1', mesos.TaskState.TASK_RUNNING, 1)), 'queued');
    t.is(s.update(update('t1', mesos.TaskState.TASK_RUNNING, 1)), 'duplicate');
  });
  t.is(sent.length, 1);
  await t.throwsAsync(runtime.dispatch(sum, (s) => s.acknowledgement('fw', 't1', uuid(9))), { instanceOf: StatusUpdateError, message: 'Duplicate acknowledgement' });
  await t.throwsAsync(runtime.dispatch(sum, (s) => s.acknowledgement('fw', 'nope', uuid(1))), { message: /Cannot find the status update stream/ });
  await t.throwsAsync(runtime.dispatch(sum, (s) => s.update({ ...update('t2', mesos.TaskState.TASK_RUNNING, 3), uuid: undefined })), { message: "Status update is missing 'uuid'" });
  await runtime.shutdown();
});

test('paused while there is no master; resume re-sends every stream head', async (t) => {
  const { clock, runtime, sent, sum } = await setup();
  await runtime.dispatch(sum, (s) => {
    s.update(update('t1', mesos.TaskState.TASK_RUNNING, 1));
    s.update(update('t2', mesos.TaskState.TASK_RUNNING, 2));
  });
  clock.advance(60_000);
  await runtime.settle();
  t.is(sent.length, 0, 'starts paused until the agent registers');
  await runtime.dispatch(sum, (s) => s.resume());
  t.deepEqual(sent.map((u) => u.status.task_id.value).sort(), ['t1', 't2']);
  await runtime.dispatch(sum, (s) => s.pause());
  clock.advance(60_000);
  await runtime.settle();
  t.is(sent.length, 2);
  t.is(sum.unacknowledged('fw', 't1').length, 1);
  await runtime.dispatch(sum, (s) => s.cleanup('fw'));
  t.is(sum.streamCount, 0);
  await runtime.shutdown();
});
