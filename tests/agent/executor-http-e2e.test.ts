// The executor HTTP API end to end: our master and agent over real TCP in
// this process, a fake scheduler, and real executor OS processes speaking
// `/slave(1)/api/v1/executor`: a custom executor written on executor/v1
// (tests/executor/v1-echo-executor.ts), and the command executor
// (`mesos-executor`) under an agent started with --http_command_executor.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import type { Executor } from '../../agent/model.js';
import { eventually, launchOnNextOffer, nextStatusUpdate, processesRunning, world as tcpWorld, type World } from './world.js';

process.env['LIBPROCESS_IP'] = '127.0.0.1';
const ECHO_EXECUTOR = fileURLToPath(new URL('../executor/v1-echo-executor.ts', import.meta.url));
const m = mesos.internal;
const TaskState = mesos.TaskState;

function world(extraFlags: string[] = []): Promise<World> {
  return tcpWorld({
    prefix: 'executor-http-e2e-',
    resources: 'cpus:2;mem:1024;disk:1024',
    flags: extraFlags,
    framework: { name: 'executor-http-e2e', checkpoint: false },
  });
}

async function launch(w: World, task: Omit<mesos.TaskInfo.$Properties, 'slave_id' | 'resources'>): Promise<void> {
  await launchOnNextOffer(w, (offer) => [{ ...task, slave_id: offer.slave_id, resources: Resources.parse('cpus:0.5;mem:64').toProto() }]);
}

/** Waits for the next update, acknowledges it (whoever sent it), and returns it. */
async function nextUpdate(w: World): Promise<mesos.internal.StatusUpdate.$Properties> {
  return (await nextStatusUpdate(w, { fromAnyPid: true })).update;
}

function echoExecutor(executorId: string, contentType: 'json' | 'protobuf'): mesos.ExecutorInfo.$Properties {
  const tsx = import.meta.resolve('tsx');
  return {
    executor_id: { value: executorId },
    name: 'v1 echo executor (TypeScript)',
    command: {
      value: `'${process.execPath}' --import '${tsx}' '${ECHO_EXECUTOR}'`,
      environment: { variables: [{ name: 'V1_TEST_CONTENT_TYPE', value: contentType }] },
    },
    resources: Resources.parse('cpus:0.1;mem:32').toProto(),
  };
}

/** Every executor the agent has had for the framework, live or completed. */
function executorsOf(w: World): Executor[] {
  const live = w.agent.frameworks.get(w.frameworkId);
  const done = w.agent.completedFrameworks.filter((f) => f.id === w.frameworkId);
  return [...(live ? [live] : []), ...done].flatMap((f) => [...f.executors.values(), ...f.completedExecutors.items]);
}

function sandboxFile(w: World, executorId: string, name: string): string {
  const runs = path.join(w.workDir, 'slaves', w.agent.id, 'frameworks', w.frameworkId, 'executors', executorId, 'runs');
  return fs
    .readdirSync(runs)
    .filter((run) => run !== 'latest')
    .map((run) => {
      try {
        return fs.readFileSync(path.join(runs, run, name), 'utf8');
      } catch {
        return '';
      }
    })
    .join('');
}

for (const contentType of ['protobuf', 'json'] as const) {
  test(`a custom executor on executor/v1 (${contentType}) runs a task to TASK_FINISHED with a real agent`, async (t) => {
    const w = await world();
    try {
      await launch(w, { name: 'echo', task_id: { value: 'echo-1' }, executor: echoExecutor('echoer', contentType), data: Buffer.from('ping data') });
      const running = await nextUpdate(w);
      t.is(running.status.state, TaskState.TASK_RUNNING, sandboxFile(w, 'echoer', 'stdout') + sandboxFile(w, 'echoer', 'stderr'));
      t.is(running.status.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
      t.is(running.executor_id?.value, 'echoer');
      const message = await w.scheduler.next(m.ExecutorToFrameworkMessage);
      t.is(Buffer.from(message.message.data).toString(), 'started echo-1');
      t.is(message.message.executor_id.value, 'echoer');
      const finished = await nextUpdate(w);
      t.is(finished.status.state, TaskState.TASK_FINISHED);
      t.is(finished.status.message, 'echoed');
      t.is(Buffer.from(finished.status.data ?? []).toString(), 'ping data');
      // The executor subscribed over HTTP, not through a pid.
      const executor = executorsOf(w).find((e) => e.id === 'echoer');
      t.truthy(executor?.http);
      t.is(executor?.pid, undefined);
      t.is(executor?.http?.contentType, contentType === 'json' ? 'application/json' : 'application/x-protobuf');
      // Once its updates are acknowledged it exits by itself: the agent forgets it.
      await eventually(() => (w.agent.frameworks.get(w.frameworkId)?.executors.has('echoer') ? undefined : true));
      t.regex(sandboxFile(w, 'echoer', 'stdout'), /Subscribed on localhost as echoer[\s\S]*All updates acknowledged; exiting/);
    } finally {
      await w.stop();
    }
  });
}

test('a custom v1 executor: kill gives TASK_KILLED; framework messages reach it as MESSAGE events', async (t) => {
  const w = await world();
  try {
    await launch(w, { name: 'waits', task_id: { value: 'waits-1' }, executor: echoExecutor('waiter', 'protobuf'), data: Buffer.from('wait') });
    t.is((await nextUpdate(w)).status.state, TaskState.TASK_RUNNING);
    await w.scheduler.next(m.ExecutorToFrameworkMessage);
    w.scheduler.sendProto(w.master.master.self, m.KillTaskMessage, { framework_id: { value: w.frameworkId }, task_id: { value: 'waits-1' } });
    const killed = await nextUpdate(w);
    t.is(killed.status.state, TaskState.TASK_KILLED);
    t.is(killed.status.message, 'killed by the framework');
  } finally {
    await w.stop();
  }
  const w2 = await world();
  try {
    await launch(w2, { name: 'waits', task_id: { value: 'waits-2' }, executor: echoExecutor('waiter', 'json'), data: Buffer.from('wait') });
    t.is((await nextUpdate(w2)).status.state, TaskState.TASK_RUNNING);
    await w2.scheduler.next(m.ExecutorToFrameworkMessage);
    const agentPid = w2.agent.self;
    w2.scheduler.sendProto(agentPid, m.FrameworkToExecutorMessage, {
      slave_id: { value: w2.agent.id },
      framework_id: { value: w2.frameworkId },
      executor_id: { value: 'waiter' },
      data: Buffer.from('finish'),
    });
    const finished = await nextUpdate(w2);
    t.is(finished.status.state, TaskState.TASK_FINISHED);
    t.is(finished.status.message, 'finished on request');
  } finally {
    await w2.stop();
  }
});

test('HTTP command executor: `echo hi` runs to TASK_FINISHED over the v1 executor API', async (t) => {
  const w = await world(['--http_command_executor']);
  try {
    await launch(w, { name: 'hello', task_id: { value: 'hello' }, command: { value: 'echo hi', shell: true } });
    const running = await nextUpdate(w);
    t.is(running.status.state, TaskState.TASK_RUNNING, sandboxFile(w, 'hello', 'stdout') + sandboxFile(w, 'hello', 'stderr'));
    const finished = await nextUpdate(w);
    t.is(finished.status.state, TaskState.TASK_FINISHED);
    t.is(finished.status.message, 'Command exited with status 0');
    t.is(finished.status.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
    const executor = executorsOf(w).find((e) => e.id === 'hello');
    t.truthy(executor?.http, 'the command executor subscribed over HTTP');
    t.is(executor?.pid, undefined);
    t.is(executor?.http?.contentType, 'application/x-protobuf');
    await eventually(() => (w.agent.frameworks.get(w.frameworkId)?.executors.has('hello') ? undefined : true));
    const stdout = sandboxFile(w, 'hello', 'stdout');
    t.regex(stdout, /^hi$/m);
    t.regex(stdout, /Registered executor on localhost/);
    t.regex(stdout, /Command exited with status 0/);
  } finally {
    await w.stop();
  }
});

test('HTTP command executor: a failing command gives TASK_FAILED', async (t) => {
  const w = await world(['--http_command_executor']);
  try {
    await launch(w, { name: 'fails', task_id: { value: 'fails' }, command: { value: 'exit 3', shell: true } });
    t.is((await nextUpdate(w)).status.state, TaskState.TASK_RUNNING);
    const failed = await nextUpdate(w);
    t.is(failed.status.state, TaskState.TASK_FAILED);
    t.is(failed.status.message, 'Command exited with status 3');
    t.truthy(executorsOf(w).find((e) => e.id === 'fails')?.http);
  } finally {
    await w.stop();
  }
});

test('HTTP command executor: kill gives TASK_KILLED and leaves no process behind', async (t) => {
  const w = await world(['--http_command_executor']);
  const marker = `sleep ${120 + Math.floor(Math.random() * 1000)}`;
  try {
    await launch(w, { name: 'sleeper', task_id: { value: 'sleeper' }, command: { value: marker, shell: true } });
    t.is((await nextUpdate(w)).status.state, TaskState.TASK_RUNNING);
    const executor = executorsOf(w).find((e) => e.id === 'sleeper');
    t.is(executor?.state, 'RUNNING');
    t.truthy(executor?.http);
    t.false(executor?.http?.isClosed);
    w.scheduler.sendProto(w.master.master.self, m.KillTaskMessage, { framework_id: { value: w.frameworkId }, task_id: { value: 'sleeper' } });
    const killed = await nextUpdate(w);
    t.is(killed.status.state, TaskState.TASK_KILLED);
    t.is(killed.status.message, 'Command terminated with signal Terminated');
    const sleeping = (): boolean => processesRunning(marker).length > 0;
    await eventually(() => (sleeping() ? undefined : true), 10_000);
    t.false(sleeping());
    await eventually(() => (w.agent.frameworks.get(w.frameworkId)?.executors.has('sleeper') ? undefined : true));
  } finally {
    await w.stop();
  }
});
