// The agent end to end: our master and agent over real TCP in this process,
// a fake scheduler, and real mesos-executor OS processes running commands.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { startRuntime } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { startMaster } from '../../master/daemon.js';
import { startAgent } from '../../agent/daemon.js';
import { SCHEDULER_MESSAGES } from '../master/harness.js';
import { BIN, ENV, eventually, launchOnNextOffer, nextStatusUpdate, processesRunning, testAgentFlags, world as tcpWorld, type World } from './world.js';

process.env['LIBPROCESS_IP'] = '127.0.0.1';
const m = mesos.internal;

function world(extraFlags: string[] = []): Promise<World> {
  return tcpWorld({
    prefix: 'agent-test-',
    resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31100]',
    flags: extraFlags,
    framework: { name: 'agent-test' },
  });
}

async function launch(w: World, taskId: string, command: string): Promise<void> {
  await launchOnNextOffer(w, (offer) => [
    {
      name: taskId,
      task_id: { value: taskId },
      slave_id: offer.slave_id,
      resources: Resources.parse('cpus:0.5;mem:64').toProto(),
      command: { value: command, shell: true },
    },
  ]);
}

/** Launches a task run by a custom executor whose command is `command`. */
async function launchWithExecutor(w: World, taskId: string, executorId: string, command: string): Promise<void> {
  await launchOnNextOffer(w, (offer) => [
    {
      name: taskId,
      task_id: { value: taskId },
      slave_id: offer.slave_id,
      resources: Resources.parse('cpus:0.5;mem:64').toProto(),
      executor: {
        executor_id: { value: executorId },
        command: { value: command, shell: true },
        resources: Resources.parse('cpus:0.1;mem:32').toProto(),
      },
    },
  ]);
}

/** Waits for the next update, acknowledges it, and returns it. */
async function nextUpdate(w: World): Promise<mesos.internal.StatusUpdate.$Properties> {
  return (await nextStatusUpdate(w)).update;
}

test('a command task runs to TASK_FINISHED in a real executor; its output lands in the sandbox', async (t) => {
  const w = await world();
  try {
    await launch(w, 'hello', 'echo hi from the task');
    const running = await nextUpdate(w);
    t.is(running.status.state, mesos.TaskState.TASK_RUNNING);
    const finished = await nextUpdate(w);
    t.is(finished.status.state, mesos.TaskState.TASK_FINISHED);
    const stdout = await eventually(() => {
      const runs = path.join(w.workDir, 'slaves', w.agent.id, 'frameworks', w.frameworkId, 'executors', 'hello', 'runs', 'latest', 'stdout');
      return fs.existsSync(runs) && fs.readFileSync(runs, 'utf8').includes('hi from the task') ? fs.readFileSync(runs, 'utf8') : undefined;
    });
    t.regex(stdout, /hi from the task/);
    // Once acknowledged, the executor exits and the agent forgets the framework's executor.
    await eventually(() => (w.agent.frameworks.get(w.frameworkId)?.executors.size ?? 0) === 0 ? true : undefined);
    t.is(w.agent.completedFrameworks.length + (w.agent.frameworks.has(w.frameworkId) ? 1 : 0) >= 1, true);
  } finally {
    await w.stop();
  }
});

test('a failing command gives TASK_FAILED with its exit status', async (t) => {
  const w = await world();
  try {
    await launch(w, 'fails', 'exit 3');
    t.is((await nextUpdate(w)).status.state, mesos.TaskState.TASK_RUNNING);
    const failed = await nextUpdate(w);
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.is(failed.status.message, 'Command exited with status 3');
  } finally {
    await w.stop();
  }
});

test('killing a task gives TASK_KILLED and leaves no process behind', async (t) => {
  const w = await world();
  try {
    await launch(w, 'sleeper', 'sleep 120');
    t.is((await nextUpdate(w)).status.state, mesos.TaskState.TASK_RUNNING);
    w.scheduler.sendProto(w.master.master.self, m.KillTaskMessage, { framework_id: { value: w.frameworkId }, task_id: { value: 'sleeper' } });
    const killed = await nextUpdate(w);
    t.is(killed.status.state, mesos.TaskState.TASK_KILLED);
    const sleeping = (): boolean => processesRunning('sleep 120').length > 0;
    await eventually(() => (sleeping() ? undefined : true), 10_000);
    t.false(sleeping());
  } finally {
    await w.stop();
  }
});

test('an executor that exits without reporting fails its task with TASK_FAILED from the agent', async (t) => {
  const w = await world();
  try {
    await launchWithExecutor(w, 'custom', 'crashy', 'exit 7');
    const failed = await nextUpdate(w);
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.is(failed.status.source, mesos.TaskStatus.Source.SOURCE_SLAVE);
    t.is(failed.status.reason, mesos.TaskStatus.Reason.REASON_EXECUTOR_TERMINATED);
    const exited = await w.scheduler.next(m.ExitedExecutorMessage);
    t.is(exited.message.executor_id.value, 'crashy');
    t.is(exited.message.status, 7 << 8);
  } finally {
    await w.stop();
  }
});

test('an executor that never registers is destroyed after --executor_registration_timeout', async (t) => {
  const w = await world(['--executor_registration_timeout=1secs']);
  try {
    await launchWithExecutor(w, 'silent', 'mute', 'sleep 300');
    const failed = await nextUpdate(w);
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.regex(failed.status.message ?? '', /did not register within 1secs/);
  } finally {
    await w.stop();
  }
});

test('mesos-agent refuses bad flags naming the flag', async (t) => {
  const { execa } = await import('execa');
  const bin = path.join(BIN, 'mesos-agent.js');
  const env = { ...process.env, MESOS_TS_LOG_LEVEL: 'fatal' };
  const noWorkDir = await execa(process.execPath, [bin, '--master=127.0.0.1:5050'], { env, reject: false });
  t.is(noWorkDir.exitCode, 1);
  t.regex(noWorkDir.stderr, /work_dir/);
  const badMaster = await execa(process.execPath, [bin, '--master=not a master', '--work_dir=/tmp/x-agent'], { env, reject: false });
  t.is(badMaster.exitCode, 1);
  t.regex(badMaster.stderr, /--master/);
  const badResources = await execa(process.execPath, [bin, '--master=127.0.0.1:5050', '--work_dir=/tmp/x-agent', '--resources=cpus:abc'], { env, reject: false });
  t.is(badResources.exitCode, 1);
  t.regex(badResources.stderr, /--resources/);
});

test('the agent serves its state, files of the sandbox and monitor statistics', async (t) => {
  const w = await world();
  try {
    await launch(w, 'looker', 'echo sandbox-visible; sleep 30');
    t.is((await nextUpdate(w)).status.state, mesos.TaskState.TASK_RUNNING);
    const base = `http://${w.agentRuntime.host}:${w.agentRuntime.port}`;
    const state = (await (await fetch(`${base}/${w.agent.self.id}/state`)).json()) as {
      id: string;
      frameworks: Array<{ id: string; executors: Array<{ id: string; directory: string; tasks: Array<{ id: string; state: string }> }> }>;
    };
    t.is(state.id, w.agent.id);
    const executor = state.frameworks[0]?.executors[0];
    t.is(executor?.id, 'looker');
    t.is(executor?.tasks[0]?.state, 'TASK_RUNNING');
    const directory = executor?.directory ?? '';
    const read = async (): Promise<string> => {
      const response = await fetch(`${base}/files/read?path=${encodeURIComponent(`${directory}/stdout`)}&offset=0`);
      return response.status === 200 ? ((await response.json()) as { data: string }).data : '';
    };
    await eventually(async () => ((await read()).includes('sandbox-visible') ? true : undefined));
    const escape = await fetch(`${base}/files/read?path=${encodeURIComponent(`${directory}/../../../../../../../etc/passwd`)}&offset=0`);
    t.true(escape.status === 400 || escape.status === 404);
    const stats = (await (await fetch(`${base}/${w.agent.self.id}/monitor/statistics`)).json()) as Array<{ executor_id: string; statistics: Record<string, number> }>;
    t.is(stats[0]?.executor_id, 'looker');
    t.is(typeof stats[0]?.statistics['mem_rss_bytes'], 'number');
  } finally {
    await w.stop();
  }
});

test('a failed fetch fails the task with a clear message', async (t) => {
  const w = await world();
  try {
    await launchOnNextOffer(w, (offer) => [
      {
        name: 'fetchy',
        task_id: { value: 'fetchy' },
        slave_id: offer.slave_id,
        resources: Resources.parse('cpus:0.5;mem:64').toProto(),
        command: { value: 'cat missing.txt', shell: true, uris: [{ value: '/nonexistent/missing.txt' }] },
      },
    ]);
    const failed = await nextUpdate(w);
    t.is(failed.status.state, mesos.TaskState.TASK_FAILED);
    t.regex(failed.status.message ?? '', /Failed to fetch/);
    t.regex(failed.status.message ?? '', /\/nonexistent\/missing\.txt/);
  } finally {
    await w.stop();
  }
});

test('after a master restart on the same address the agent re-registers and keeps its running task', async (t) => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-restart-'));
  const registryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'master-registry-'));
  let masterRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, delegate: 'master', env: ENV });
  const port = masterRuntime.port;
  let master = startMaster(masterRuntime, { hostname: 'localhost', registry: { kind: 'file', workDir: registryDir }, allocationIntervalMs: 200 });
  const flags = testAgentFlags(workDir, `127.0.0.1:${port}`);
  const agentRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  const agent = startAgent(agentRuntime, {
    flags,
    info: { hostname: 'localhost', resources: Resources.parse('cpus:2;mem:1024').toProto() },
    master: master.master.self,
    flagsJson: () => ({}),
  });
  const schedulerRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  try {
    await eventually(() => (agent.state === 'RUNNING' ? true : undefined));
    const agentId = agent.id;
    const scheduler = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
    schedulerRuntime.spawn(scheduler);
    await schedulerRuntime.settle();
    scheduler.sendProto(master.master.self, m.RegisterFrameworkMessage, { framework: { user: os.userInfo().username, name: 'restart', failover_timeout: 3600 } });
    const frameworkId = (await scheduler.next(m.FrameworkRegisteredMessage)).message.framework_id.value;
    const offer = (await scheduler.next(m.ResourceOffersMessage)).message.offers[0] as mesos.Offer;
    scheduler.sendProto(master.master.self, m.LaunchTasksMessage, {
      framework_id: { value: frameworkId },
      offer_ids: [offer.id],
      filters: {},
      tasks: [{ name: 'long', task_id: { value: 'long' }, slave_id: offer.slave_id, resources: Resources.parse('cpus:0.5;mem:64').toProto(), command: { value: 'sleep 60', shell: true } }],
    });
    await eventually(() => (agent.frameworks.get(frameworkId)?.executors.get('long')?.launchedTasks.get('long')?.state === mesos.TaskState.TASK_RUNNING ? true : undefined));

    // Restart the master on the same port with the same registry.
    await master.stop();
    await masterRuntime.shutdown();
    masterRuntime = await startRuntime({ ip: '127.0.0.1', port, delegate: 'master', env: ENV });
    master = startMaster(masterRuntime, { hostname: 'localhost', registry: { kind: 'file', workDir: registryDir }, allocationIntervalMs: 200 });
    const restarted = master;
    await eventually(() => (restarted.master.state.agents.get(agentId)?.connected === true ? true : undefined));
    const known = restarted.master.state.agents.get(agentId);
    t.is(known?.tasks.get(frameworkId)?.get('long')?.task.state, mesos.TaskState.TASK_RUNNING, 'the re-registered agent reports its running task');
    t.is(agent.id, agentId);
  } finally {
    await agentRuntime.shutdown();
    await master.stop();
    await masterRuntime.shutdown();
    await schedulerRuntime.shutdown();
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(registryDir, { recursive: true, force: true });
  }
});
