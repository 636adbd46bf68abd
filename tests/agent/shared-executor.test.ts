// --shared_command_executor end to end: our master and agent over real TCP in this
// process, a fake scheduler, and the real executor host process running every command
// executor of the agent, with real tasks. Plus the host's control channel in-process.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { startRuntime } from '../../libprocess/index.js';
import { createLogger } from '../../libprocess/logging.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { MesosContainerizer } from '../../agent/containerizer/mesos-containerizer.js';
import { parseHostToAgent, type HostToAgent } from '../../agent/containerizer/executor-host-protocol.js';
import { ExecutorHost } from '../../executor/host.js';
import { LaunchForker } from '../../agent/containerizer/launch-forker.js';
import { helperInvocation } from '../../agent/containerizer/launch-helper.js';
import { chownIds, lookupUser } from '../../agent/containerizer/user.js';
import { SLAVE_INFO, executorEnv, executorInfo, frameworkInfo, startFakeAgent } from '../executor/helpers.js';
import { ENV, eventually, launchOnNextOffer, nextStatusUpdate, processesRunning, world as tcpWorld, type World as BaseWorld } from './world.js';

process.env['LIBPROCESS_IP'] = '127.0.0.1';
const m = mesos.internal;
const isRoot = process.getuid?.() === 0;

interface World extends BaseWorld {
  containerizer: MesosContainerizer;
}

async function world(options: { user?: string; flags?: string[] } = {}): Promise<World> {
  const w = await tcpWorld({
    prefix: 'shared-executor-test-',
    workDirMode: 0o755,
    resources: 'cpus:64;mem:65536;disk:1024;ports:[31000-31100]',
    flags: ['--executor_shutdown_grace_period=3secs', '--shared_command_executor', ...(options.flags ?? [])],
    framework: { name: 'shared-executor-test', ...(options.user !== undefined ? { user: options.user } : {}) },
    afterAgentStopped: (agent) => (agent.containerizer as MesosContainerizer).close(),
  });
  return { ...w, containerizer: w.agent.containerizer as MesosContainerizer };
}

type TaskSpec = { id: string; command: string; user?: string };

async function launch(w: World, specs: TaskSpec[]): Promise<void> {
  await launchOnNextOffer(w, (offer) =>
    specs.map((spec) => ({
      name: spec.id,
      task_id: { value: spec.id },
      slave_id: offer.slave_id,
      resources: Resources.parse('cpus:0.01;mem:1').toProto(),
      command: { value: spec.command, shell: true, ...(spec.user !== undefined ? { user: spec.user } : {}) },
    })),
  );
}

/** Waits for the next update, acknowledges it, and returns it with the sender's pid. */
const nextUpdate = (w: World): ReturnType<typeof nextStatusUpdate> => nextStatusUpdate(w);

/** Collects updates until every listed task has a terminal one. */
async function untilTerminal(w: World, ids: readonly string[]): Promise<Map<string, mesos.internal.StatusUpdate.$Properties[]>> {
  const byTask = new Map<string, mesos.internal.StatusUpdate.$Properties[]>(ids.map((id) => [id, []]));
  const terminal = new Set([mesos.TaskState.TASK_FINISHED, mesos.TaskState.TASK_FAILED, mesos.TaskState.TASK_KILLED, mesos.TaskState.TASK_LOST]);
  let open = ids.length;
  while (open > 0) {
    const { update } = await nextUpdate(w);
    const list = byTask.get(update.status.task_id.value);
    if (list === undefined) continue;
    list.push(update);
    if (terminal.has(update.status.state)) open--;
  }
  return byTask;
}

function sandbox(w: World, taskId: string): string {
  return path.join(w.workDir, 'slaves', w.agent.id, 'frameworks', w.frameworkId, 'executors', taskId, 'runs', 'latest');
}

function containerIdOf(w: World, taskId: string): string | undefined {
  return w.agent.frameworks.get(w.frameworkId)?.executors.get(taskId)?.containerId;
}

test('a command task runs in the shared host to TASK_FINISHED; its output and the executor lines land in its sandbox', async (t) => {
  const w = await world();
  try {
    await launch(w, [{ id: 'hello', command: 'echo hi; echo oops >&2' }]);
    const running = await nextUpdate(w);
    t.is(running.update.status.state, mesos.TaskState.TASK_RUNNING);
    const finished = await nextUpdate(w);
    t.is(finished.update.status.state, mesos.TaskState.TASK_FINISHED);
    t.is(finished.update.status.message, 'Command exited with status 0');
    const stdout = await eventually(() => {
      const file = path.join(sandbox(w, 'hello'), 'stdout');
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      return /Command exited with status 0/.test(text) ? text : undefined;
    });
    t.regex(stdout, /^hi$/m);
    t.regex(stdout, /Starting task hello/);
    t.regex(stdout, /Forked command at \d+/);
    t.regex(fs.readFileSync(path.join(sandbox(w, 'hello'), 'stderr'), 'utf8'), /^oops$/m);
    // The executor is a libprocess process of the host, not an OS process of its own.
    const host = w.containerizer.executorHost;
    t.truthy(host?.pid);
    t.is(host?.metrics.executor_host_starts, 1);
    // Once acknowledged, the executor ends and the agent forgets it.
    await eventually(() => ((w.agent.frameworks.get(w.frameworkId)?.executors.size ?? 0) === 0 ? true : undefined));
    const executorPid = executorPidOf(w, 'hello');
    t.regex(executorPid, /^executor\(\d+\)@127\.0\.0\.1:\d+$/);
    t.not(executorPid.split('@')[1], w.agentRuntime.address);
    t.is(host?.metrics.executor_host_invalid_messages, 0);
  } finally {
    await w.stop();
  }
});

test('with --http_command_executor a hosted executor speaks the v1 executor API over HTTP', async (t) => {
  const w = await world({ flags: ['--http_command_executor'] });
  try {
    await launch(w, [{ id: 'over-http', command: 'echo via http' }]);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_RUNNING);
    const executor = w.agent.frameworks.get(w.frameworkId)?.executors.get('over-http');
    t.truthy(executor?.http, 'subscribed over HTTP');
    t.is(executor?.pid, undefined);
    const finished = await nextUpdate(w);
    t.is(finished.update.status.state, mesos.TaskState.TASK_FINISHED);
    t.is(finished.update.status.message, 'Command exited with status 0');
    await eventually(() => ((w.agent.frameworks.get(w.frameworkId)?.executors.size ?? 0) === 0 ? true : undefined));
    const stdout = fs.readFileSync(path.join(sandbox(w, 'over-http'), 'stdout'), 'utf8');
    t.regex(stdout, /^via http$/m);
    t.is(w.containerizer.executorHost?.metrics.executor_host_starts, 1);
  } finally {
    await w.stop();
  }
});

test('a failing command gives TASK_FAILED with its exit status', async (t) => {
  const w = await world();
  try {
    await launch(w, [{ id: 'fails', command: 'exit 3' }]);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_RUNNING);
    const failed = (await nextUpdate(w)).update;
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.is(failed.status.message, 'Command exited with status 3');
  } finally {
    await w.stop();
  }
});

test('killing a task gives TASK_KILLED and leaves no process behind', async (t) => {
  const w = await world();
  try {
    await launch(w, [{ id: 'sleeper', command: 'sleep 7701 & sleep 7702' }]);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_RUNNING);
    await eventually(() => (processesRunning('sleep 7701').length === 1 ? true : undefined));
    w.scheduler.sendProto(w.master.master.self, m.KillTaskMessage, { framework_id: { value: w.frameworkId }, task_id: { value: 'sleeper' } });
    const killed = (await nextUpdate(w)).update;
    t.is(killed.status.state, mesos.TaskState.TASK_KILLED);
    t.is(killed.status.message, 'Command terminated with signal Terminated');
    await eventually(() => (processesRunning('sleep 7701').length + processesRunning('sleep 7702').length === 0 ? true : undefined), 10_000);
    t.pass();
  } finally {
    await w.stop();
  }
});

(isRoot ? test : test.skip)('a task runs as the framework user, switched by the launch helper', async (t) => {
  const w = await world({ user: 'nobody' });
  try {
    await launch(w, [{ id: 'who', command: 'echo "uid=$(id -u) gid=$(id -g)"; touch mine' }]);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_RUNNING);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_FINISHED);
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    const stdout = fs.readFileSync(path.join(sandbox(w, 'who'), 'stdout'), 'utf8');
    t.regex(stdout, new RegExp(`^uid=${uid} gid=${gid}$`, 'm'));
    t.is(fs.statSync(path.join(sandbox(w, 'who'), 'mine')).uid, uid);
    t.is(fs.statSync(path.join(sandbox(w, 'who'), 'stdout')).uid, uid);
  } finally {
    await w.stop();
  }
});

test('destroying a container kills the task tree (no orphans) and the agent reports the executor terminated', async (t) => {
  const w = await world();
  try {
    // A background child, and one in its own process group (same session).
    await launch(w, [{ id: 'tree', command: 'sleep 7711 & perl -e "setpgrp; exec qw(sleep 7712)" & sleep 7713' }]);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_RUNNING);
    await eventually(() => (['sleep 7711', 'sleep 7712', 'sleep 7713'].every((c) => processesRunning(c).length === 1) ? true : undefined));
    const containerId = containerIdOf(w, 'tree');
    t.truthy(containerId);
    const status = await w.containerizer.status(containerId ?? '');
    t.true(typeof status.executor_pid === 'number' && status.executor_pid > 0);
    const waited = w.containerizer.wait(containerId ?? '');
    await w.containerizer.destroy(containerId ?? '');
    const termination = await waited;
    t.is(termination.status, 9);
    const failed = (await nextUpdate(w)).update;
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.is(failed.status.reason, mesos.TaskStatus.Reason.REASON_EXECUTOR_TERMINATED);
    t.deepEqual(['sleep 7711', 'sleep 7712', 'sleep 7713'].flatMap(processesRunning), []);
  } finally {
    await w.stop();
  }
});

test('shutting down the framework ends its hosted executors and their tasks', async (t) => {
  const w = await world();
  try {
    await launch(w, [
      { id: 'a', command: 'sleep 7721' },
      { id: 'b', command: 'sleep 7722' },
    ]);
    const running = new Set<string>();
    while (running.size < 2) {
      const { update } = await nextUpdate(w);
      if (update.status.state === mesos.TaskState.TASK_RUNNING) running.add(update.status.task_id.value);
    }
    w.scheduler.sendProto(w.master.master.self, m.UnregisterFrameworkMessage, { framework_id: { value: w.frameworkId } });
    await eventually(() => (w.agent.frameworks.has(w.frameworkId) ? undefined : true), 20_000);
    await eventually(() => (processesRunning('sleep 7721').length + processesRunning('sleep 7722').length === 0 ? true : undefined), 10_000);
    t.is(w.containerizer.executorHost?.metrics.hosted_executors, 0);
    // Their shutdown processes (and grace-period timers) did not outlive them in the host.
    const left = await hostProcessesOnceExecutorsGone(w, 'a');
    t.true(left.includes('__processes__'));
  } finally {
    await w.stop();
  }
});

test('a SIGKILLed host fails its tasks as terminated executors, kills their processes, and the next task gets a new host', async (t) => {
  const w = await world();
  try {
    await launch(w, [{ id: 'victim', command: 'sleep 7731' }]);
    t.is((await nextUpdate(w)).update.status.state, mesos.TaskState.TASK_RUNNING);
    const hostPid = w.containerizer.executorHost?.pid;
    t.truthy(hostPid);
    process.kill(hostPid ?? 0, 'SIGKILL');
    const failed = (await nextUpdate(w)).update;
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.is(failed.status.reason, mesos.TaskStatus.Reason.REASON_EXECUTOR_TERMINATED);
    t.regex(failed.status.message ?? '', /executor host terminated with signal SIGKILL/);
    await eventually(() => (processesRunning('sleep 7731').length === 0 ? true : undefined), 10_000);

    await launch(w, [{ id: 'after', command: 'true' }]);
    const after = await untilTerminal(w, ['after']);
    t.deepEqual(after.get('after')?.map((u) => u.status.state), [mesos.TaskState.TASK_RUNNING, mesos.TaskState.TASK_FINISHED]);
    t.is(w.containerizer.executorHost?.metrics.executor_host_starts, 2);
    t.not(w.containerizer.executorHost?.pid, hostPid);
  } finally {
    await w.stop();
  }
});

test('50 tasks at once all finish in one host, which keeps nothing of them afterwards', async (t) => {
  const w = await world();
  try {
    const ids = Array.from({ length: 50 }, (_, i) => `many-${i}`);
    await launch(w, ids.map((id, i) => ({ id, command: i % 2 === 0 ? 'true' : `echo ${id}` })));
    const updates = await untilTerminal(w, ids);
    for (const id of ids) {
      t.deepEqual(updates.get(id)?.map((u) => u.status.state), [mesos.TaskState.TASK_RUNNING, mesos.TaskState.TASK_FINISHED], id);
    }
    t.regex(fs.readFileSync(path.join(sandbox(w, 'many-7'), 'stdout'), 'utf8'), /^many-7$/m);
    t.is(w.containerizer.executorHost?.metrics.executor_host_starts, 1);
    await eventually(() => (w.containerizer.executorHost?.metrics.hosted_executors === 0 ? true : undefined));
    // The host's runtime is back to its built-in processes: no executor(N), no shutdown process.
    const left = await hostProcessesOnceExecutorsGone(w, 'many-0');
    t.true(left.includes('__processes__'));
  } finally {
    await w.stop();
  }
});

/** The pid the agent knew a finished task's executor by. */
function executorPidOf(w: World, taskId: string): string {
  const framework = w.agent.frameworks.get(w.frameworkId) ?? w.agent.completedFrameworks.find((f) => f.id === w.frameworkId);
  const pid = framework?.completedExecutors.items.find((e) => e.id === taskId)?.pid;
  if (pid === undefined) throw new Error(`no executor pid for ${taskId}`);
  return pid.toString();
}

/** Files under `directory` this process has open. */
function openFilesUnder(directory: string): string[] {
  const open: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(directory)) open.push(target);
    } catch {
      // Closed meanwhile.
    }
  }
  return open;
}

/** The process ids a runtime lists at /__processes__. */
async function processIdsOf(address: string): Promise<string[]> {
  const response = await fetch(`http://${address}/__processes__`);
  const processes = (await response.json()) as Array<{ id: string }>;
  return processes.map((p) => p.id);
}

/** The host's libprocess address. */
function hostAddressOf(w: World, taskId: string): string {
  return executorPidOf(w, taskId).split('@')[1] ?? '';
}

/** The process ids of the host that ran `taskId`'s executor, once no executor(N) or shutdown process is left among them. */
async function hostProcessesOnceExecutorsGone(w: World, taskId: string): Promise<string[]> {
  const address = hostAddressOf(w, taskId);
  return eventually(async () => {
    const listed = await processIdsOf(address);
    return listed.some((id) => id.startsWith('executor(') || id.startsWith('__shutdown_executor__')) ? undefined : listed;
  }, 5_000);
}

// ---- the host's control channel, in-process --------------------------------------------

test('the host drops invalid control messages (counted) and answers a launch with a bad environment as mesos-executor would', async (t) => {
  const runtime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  const sent: HostToAgent[] = [];
  const host = new ExecutorHost(runtime, (message) => sent.push(message), { log: createLogger({ level: 'fatal' }) });
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'host-test-'));
  try {
    host.handle({ type: 'launch', containerId: 'c1' });
    host.handle({ type: 'bogus', containerId: 'c1' });
    host.handle('not even an object');
    host.handle({ type: 'proceed', containerId: 'c1', extra: true });
    t.is(host.invalidMessages, 4);
    t.deepEqual(sent, []);

    host.handle({ type: 'launch', containerId: 'c2', directory, environment: { PATH: '/usr/bin:/bin' }, preExecCommands: [] });
    await eventually(() => (sent.some((s) => s.type === 'ended') ? true : undefined));
    t.deepEqual(sent, [
      { type: 'started', containerId: 'c2' },
      { type: 'ended', containerId: 'c2', status: 256, message: "Expecting 'MESOS_SLAVE_PID' to be set in the environment", taskReaped: false },
    ]);
    t.regex(fs.readFileSync(path.join(directory, 'stderr'), 'utf8'), /Expecting 'MESOS_SLAVE_PID' to be set in the environment/);
    t.is(host.size, 0);

    // A destroy for an executor the host does not have is answered, so nobody waits forever.
    host.handle({ type: 'destroy', containerId: 'nope' });
    t.like(sent.at(-1), { type: 'ended', containerId: 'nope', status: 9 });
  } finally {
    await host.shutdown();
    await runtime.shutdown();
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('a hosted executor told to shut down kills its task and leaves no process, timer or file open in the host', async (t) => {
  const fake = await startFakeAgent();
  const runtime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  const sent: HostToAgent[] = [];
  const host = new ExecutorHost(runtime, (message) => sent.push(message), { log: createLogger({ level: 'fatal' }) });
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'host-test-'));
  const timersBefore = runtime.clock.pending;
  const processesBefore = runtime.describeProcesses().length;
  try {
    const environment = executorEnv(fake.pid, { MESOS_DIRECTORY: directory, MESOS_SANDBOX: directory, PATH: '/usr/bin:/bin' });
    host.handle({ type: 'launch', containerId: 'c1', directory, environment, preExecCommands: [] });
    const { from: executor } = await fake.agent.next(m.RegisterExecutorMessage);
    t.regex(executor.toString(), /^executor\(\d+\)@127\.0\.0\.1:/);
    t.is(executor.address, runtime.address);
    fake.agent.sendProto(executor, m.ExecutorRegisteredMessage, {
      executor_info: executorInfo(),
      framework_id: { value: 'framework-1' },
      framework_info: frameworkInfo(),
      slave_id: { value: 'agent-1' },
      slave_info: SLAVE_INFO,
    });
    fake.agent.sendProto(executor, m.RunTaskMessage, {
      framework_id: { value: 'framework-1' },
      framework: frameworkInfo(),
      pid: '@0.0.0.0:0',
      task: { name: 't', task_id: { value: 'task-1' }, slave_id: { value: 'agent-1' }, resources: [], command: { value: 'sleep 7741' } },
    });
    const forked = await eventually(() => sent.find((s) => s.type === 'forked'));
    // Blocked in the launch helper until told to go on: no TASK_RUNNING yet.
    t.is(processesRunning('sleep 7741').length, 0);
    host.handle({ type: 'proceed', containerId: 'c1' });
    const ack = async (): Promise<mesos.TaskState> => {
      const { message } = await fake.agent.next(m.StatusUpdateMessage);
      fake.agent.sendProto(executor, m.StatusUpdateAcknowledgementMessage, {
        slave_id: { value: 'agent-1' },
        framework_id: { value: 'framework-1' },
        task_id: message.update.status.task_id,
        uuid: message.update.uuid ?? new Uint8Array(),
      });
      return message.update.status.state;
    };
    t.is(await ack(), mesos.TaskState.TASK_RUNNING);
    // The task runs in the session the launch helper (the forked pid) started.
    // TASK_RUNNING follows the fork; the exec of `sleep` may come a moment later.
    const sleeper = await eventually(() => processesRunning('sleep 7741')[0]);
    const stat = fs.readFileSync(`/proc/${sleeper}/stat`, 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    t.is(session, forked.type === 'forked' ? forked.pid : -1);
    fake.agent.sendProto(executor, m.ShutdownExecutorMessage, {});
    t.is(await ack(), mesos.TaskState.TASK_KILLED);
    const ended = await eventually(() => sent.find((s) => s.type === 'ended'));
    t.deepEqual(ended, { type: 'ended', containerId: 'c1', status: 0, taskReaped: true });
    t.is(host.size, 0);
    t.is(processesRunning('sleep 7741').length, 0);
    // The shutdown process and its grace-period timer went with the executor.
    await eventually(() => (runtime.describeProcesses().length === processesBefore ? true : undefined));
    t.is(runtime.clock.pending, timersBefore);
    // Its sandbox files are closed.
    t.deepEqual(openFilesUnder(directory), []);
    t.regex(fs.readFileSync(path.join(directory, 'stdout'), 'utf8'), /Shutting down/);
  } finally {
    await host.shutdown();
    await runtime.shutdown();
    await fake.runtime.shutdown();
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('the launch forker runs the launch helper: blocked until go, then the command in its own session with its files', async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'forker-test-'));
  const forker = LaunchForker.start();
  try {
    const spawn = (value: string): ReturnType<LaunchForker['fork']> =>
      forker.fork({
        cwd: directory,
        stdout: path.join(directory, 'stdout'),
        stderr: path.join(directory, 'stderr'),
        invocation: helperInvocation({ command: { value }, environment: { PATH: '/usr/bin:/bin', GREETING: 'hello' } }),
        argv0: 'mesos-containerizer',
      });
    const helper = await spawn('echo "$GREETING from $(pwd) in session $(ps -o sid= -p $$)"; echo oops >&2; exit 4');
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.is(fs.readFileSync(path.join(directory, 'stdout'), 'utf8'), '', 'nothing runs before go');
    helper.go();
    t.is(await helper.exited, 4 << 8);
    // (`ps` pads the session id to the width of the widest pid.)
    t.is(fs.readFileSync(path.join(directory, 'stdout'), 'utf8').replace(/ +/g, ' ').trim(), `hello from ${directory} in session ${helper.pid}`);
    t.is(fs.readFileSync(path.join(directory, 'stderr'), 'utf8'), 'oops\n');

    // The forker dies: what it forked is killed, and reported killed.
    const orphan = await spawn('sleep 7751');
    orphan.go();
    await eventually(() => (processesRunning('sleep 7751').length === 1 ? true : undefined));
    process.kill(forker.pid ?? 0, 'SIGKILL');
    t.is(await orphan.exited, 9);
    // SIGKILL is delivered asynchronously: the process is gone moments later.
    await eventually(() => (processesRunning('sleep 7751').length === 0 ? true : undefined), 5_000);
    t.false(forker.running);
    await t.throwsAsync(spawn('true'), { message: /The launch forker terminated with SIGKILL/ });
  } finally {
    forker.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

(isRoot ? test : test.skip)('users are looked up once for a while; the recursive chown changes every entry, links not followed', async (t) => {
  const first = lookupUser('nobody');
  t.is(lookupUser('nobody'), first);
  const nobody = await first;
  if (nobody === undefined) throw new Error('no user nobody');
  const missing = lookupUser('no-such-user-for-this-test');
  t.is(await missing, undefined);
  t.not(lookupUser('no-such-user-for-this-test'), missing, 'a missing user is asked again');

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chown-test-'));
  const outside = path.join(os.tmpdir(), `chown-outside-${process.pid}`);
  try {
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'b', 'file'), 'x');
    fs.writeFileSync(outside, 'y');
    fs.symlinkSync(outside, path.join(root, 'a', 'link'));
    await chownIds(nobody.uid, nobody.gid, root);
    for (const entry of ['', 'a', 'a/b', 'a/b/file', 'a/link']) {
      t.is(fs.lstatSync(path.join(root, entry)).uid, nobody.uid, entry);
    }
    t.is(fs.statSync(outside).uid, 0, 'the link target is not changed');
    await t.throwsAsync(chownIds(0, 0, path.join(root, 'nope')), { message: /Failed to chown -R '.*nope' to 0:0: ENOENT/ });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { force: true });
  }
});

test('the agent side validates what the host sends', (t) => {
  t.true(parseHostToAgent({ type: 'forked', containerId: 'c', pid: 12 }).ok);
  t.false(parseHostToAgent({ type: 'forked', containerId: 'c', pid: -1 }).ok);
  t.false(parseHostToAgent({ type: 'ended', containerId: 'c', status: 0 }).ok);
  t.false(parseHostToAgent({ type: 'started' }).ok);
  const bad = parseHostToAgent({ type: 'nope' });
  t.false(bad.ok);
  if (!bad.ok) t.regex(bad.error, /type/);
});
