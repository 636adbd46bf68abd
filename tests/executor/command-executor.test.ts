// The real `mesos-executor` process against a fake agent in the test process.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { fileURLToPath } from 'node:url';
import { mesos } from '../../proto/index.js';
import { register, runTask, startFakeAgent, taskInfo, type FakeAgent } from './helpers.js';
import { cleanup, nextUpdate, sessionMembers, spawnExecutor, type ExecutorRun } from './spawn.js';

const M = mesos.internal;
const S = mesos.TaskState;
const KILLING = mesos.FrameworkInfo.Capability.Type.TASK_KILLING_STATE;

interface Session extends FakeAgent {
  run: ExecutorRun;
  executor: import('../../libprocess/index.js').UPID;
}

async function launch(
  t: ExecutionContext,
  command: mesos.CommandInfo.$Properties,
  options: { env?: Record<string, string>; args?: string[]; capabilities?: mesos.FrameworkInfo.Capability.Type[]; task?: Partial<mesos.TaskInfo.$Properties> } = {},
): Promise<Session> {
  const fake = await startFakeAgent();
  const run = spawnExecutor(fake.pid, options.env, options.args);
  t.teardown(async () => {
    cleanup(run);
    await fake.runtime.shutdown();
  });
  const { from, message } = await run.within(fake.agent.next(M.RegisterExecutorMessage));
  t.is(message.executor_id.value, 'executor-1');
  register(fake.agent, from, options.capabilities);
  runTask(fake.agent, from, taskInfo('task-1', command, options.task));
  return { ...fake, run, executor: from };
}

function kill(s: Session, gracePeriodNs?: number): void {
  s.agent.sendProto(s.executor, M.KillTaskMessage, {
    framework_id: { value: 'framework-1' },
    task_id: { value: 'task-1' },
    ...(gracePeriodNs !== undefined ? { kill_policy: { grace_period: { nanoseconds: gracePeriodNs } } } : {}),
  });
}

test.serial('echo hi: TASK_RUNNING then TASK_FINISHED; output on stdout; exits 0 after the ack', async (t) => {
  const s = await launch(t, { value: 'echo hi' });
  const running = await nextUpdate(s.agent, s.run);
  t.is(running.status.state, S.TASK_RUNNING);
  t.is(running.status.task_id.value, 'task-1');
  t.is(running.status.executor_id?.value, 'executor-1');
  t.is(running.status.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
  const finished = await nextUpdate(s.agent, s.run);
  t.is(finished.status.state, S.TASK_FINISHED);
  t.is(finished.status.message, 'Command exited with status 0');
  const exit = await s.run.exited;
  t.is(exit.code, 0, s.run.stderr());
  t.regex(s.run.stdout(), /^hi$/m);
  t.regex(s.run.stdout(), /Starting task task-1/);
});

test.serial('exit 3: TASK_FAILED with the exit status in the message', async (t) => {
  const s = await launch(t, { value: 'exit 3' });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  const failed = await nextUpdate(s.agent, s.run);
  t.is(failed.status.state, S.TASK_FAILED);
  t.is(failed.status.message, 'Command exited with status 3');
  t.is((await s.run.exited).code, 0);
});

test.serial('CommandInfo.environment, the sandbox as working directory, shell=false with argv', async (t) => {
  const s = await launch(t, {
    shell: false,
    value: '/bin/sh',
    arguments: ['sh', '-c', 'echo "FOO=$FOO ZAP=$ZAP"; echo "cwd=$(pwd)"; echo "argv0=$0"', 'custom-argv0'],
    environment: { variables: [{ name: 'FOO', value: 'bar' }, { name: 'ZAP', value: 'with space' }] },
  });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_FINISHED);
  await s.run.exited;
  t.regex(s.run.stdout(), /^FOO=bar ZAP=with space$/m);
  t.regex(s.run.stdout(), new RegExp(`^cwd=${fs.realpathSync(s.run.sandbox)}$`, 'm'));
  t.regex(s.run.stdout(), /^argv0=custom-argv0$/m);
});

const asRoot = process.getuid?.() === 0 ? test.serial : test.serial.skip;
asRoot('CommandInfo.user: the task runs as that user when the executor is root', async (t) => {
  const s = await launch(t, { value: 'echo "uid=$(id -u) gid=$(id -g) user=$USER"', user: 'nobody' });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  const done = await nextUpdate(s.agent, s.run);
  t.is(done.status.state, S.TASK_FINISHED, s.run.stdout());
  await s.run.exited;
  const ids = execFileSync('id', ['nobody'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(ids)?.[1];
  const gid = /gid=(\d+)/.exec(ids)?.[1];
  t.regex(s.run.stdout(), new RegExp(`^uid=${uid} gid=${gid} user=nobody$`, 'm'));
});

test.serial('sleep 60 + kill: TASK_KILLING (capability) and TASK_KILLED by SIGTERM; nothing left of the task', async (t) => {
  const s = await launch(t, { value: 'sleep 60' }, { capabilities: [KILLING] });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  const pid = await s.run.forkedPid();
  if (pid === undefined) return t.fail(s.run.stdout());
  t.true(sessionMembers(pid).length > 0, 'the task runs in its own session');
  kill(s);
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_KILLING);
  const killed = await nextUpdate(s.agent, s.run);
  t.is(killed.status.state, S.TASK_KILLED);
  t.is(killed.status.message, 'Command terminated with signal Terminated');
  t.is((await s.run.exited).code, 0);
  t.regex(s.run.stdout(), /Received kill for task task-1 with grace period of 3secs/);
  t.deepEqual(sessionMembers(pid), []);
});

test.serial('without the TASK_KILLING_STATE capability there is no TASK_KILLING', async (t) => {
  const s = await launch(t, { value: 'sleep 60' });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  kill(s);
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_KILLED);
  await s.run.exited;
});

test.serial('a task ignoring SIGTERM is SIGKILLed after the kill policy grace period; children too', async (t) => {
  const s = await launch(
    t,
    { value: "trap '' TERM; sleep 60 & sleep 61; wait" },
    { task: { kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } } } },
  );
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  const pid = await s.run.forkedPid();
  if (pid === undefined) return t.fail(s.run.stdout());
  while (sessionMembers(pid).length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
  kill(s);
  const killed = await nextUpdate(s.agent, s.run);
  t.is(killed.status.state, S.TASK_KILLED);
  t.is(killed.status.message, 'Command terminated with signal Killed');
  await s.run.exited;
  t.regex(s.run.stdout(), /with grace period of 1secs/);
  t.regex(s.run.stdout(), /did not terminate after 1secs, sending SIGKILL/);
  t.deepEqual(sessionMembers(pid), []);
});

test.serial('the kill request policy wins over the task policy', async (t) => {
  const s = await launch(
    t,
    { value: "trap '' TERM; sleep 60" },
    { task: { kill_policy: { grace_period: { nanoseconds: 30_000_000_000 } } } },
  );
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  kill(s, 200_000_000);
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_KILLED);
  await s.run.exited;
  t.regex(s.run.stdout(), /with grace period of 200ms/);
});

test.serial('background processes left by a finished task are killed', async (t) => {
  const s = await launch(t, { value: 'sleep 60 >/dev/null 2>&1 & echo started' });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  const finished = await nextUpdate(s.agent, s.run);
  t.is(finished.status.state, S.TASK_FINISHED);
  const pid = await s.run.forkedPid();
  await s.run.exited;
  if (pid === undefined) return t.fail();
  t.deepEqual(sessionMembers(pid), []);
});

test.serial('ShutdownExecutorMessage kills the running task and the executor exits', async (t) => {
  const s = await launch(t, { value: 'sleep 60' }, { env: { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '3secs' } });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  const pid = await s.run.forkedPid();
  s.agent.sendProto(s.executor, M.ShutdownExecutorMessage, {});
  const killed = await nextUpdate(s.agent, s.run);
  t.is(killed.status.state, S.TASK_KILLED);
  const exit = await s.run.exited;
  t.regex(s.run.stdout(), /Shutting down/);
  t.regex(s.run.stdout(), /with grace period|Sending SIGTERM/);
  t.true(exit.code === 0 || exit.signal === 'SIGKILL');
  if (pid !== undefined) t.deepEqual(sessionMembers(pid), []);
});

test.serial('--task_command overrides the task command', async (t) => {
  const s = await launch(t, { value: 'echo original' }, { args: ['--task_command={"shell":true,"value":"echo overridden"}'] });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_FINISHED);
  await s.run.exited;
  t.regex(s.run.stdout(), /^overridden$/m);
  t.notRegex(s.run.stdout(), /^original$/m);
});

test.serial('a second task is refused with TASK_FAILED', async (t) => {
  const s = await launch(t, { value: 'sleep 60' });
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_RUNNING);
  runTask(s.agent, s.executor, taskInfo('task-2', { value: 'true' }));
  const refused = await nextUpdate(s.agent, s.run);
  t.is(refused.status.task_id.value, 'task-2');
  t.is(refused.status.state, S.TASK_FAILED);
  t.is(refused.status.message, 'Attempted to run multiple tasks using a "command" executor');
  kill(s);
  t.is((await nextUpdate(s.agent, s.run)).status.state, S.TASK_KILLED);
  await s.run.exited;
});

test.serial('a missing executable fails the task', async (t) => {
  const s = await launch(t, { shell: false, value: '/nonexistent/program', arguments: ['program'] });
  const failed = await nextUpdate(s.agent, s.run);
  t.is(failed.status.state, S.TASK_FAILED);
  t.regex(failed.status.message ?? '', /^Failed to execute command: .*ENOENT/);
  await s.run.exited;
});

test.serial('without MESOS_* variables it exits 1 naming the missing one', (t) => {
  const bin = fileURLToPath(new URL('../../bin/mesos-executor.js', import.meta.url));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MESOS_')) env[key] = value;
  env['MESOS_TS_LOG_LEVEL'] = 'fatal';
  const error = t.throws(() => execFileSync(process.execPath, [bin], { env, stdio: 'pipe', cwd: path.dirname(bin) }));
  const failure = error as Error & { status?: number; stderr?: Buffer };
  t.is(failure.status, 1);
  t.regex(String(failure.stderr), /Expecting 'MESOS_SLAVE_PID' to be set in the environment/);
});
