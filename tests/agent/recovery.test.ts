// Agent recovery with real processes: a `mesos-master`, `mesos-agent`s and
// `mesos-execute` as the framework. The agent is SIGKILLed and restarted on the
// same work dir and port (Cluster.restartAgent); docs/agent-recovery.md.

import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mesos } from '../../proto/index.js';
import { readRecords } from '../../agent/checkpoint.js';
import { Cluster, masterState, processesUnder, until, type Agent } from '../e2e/helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';
process.env['LIBPROCESS_IP'] = '127.0.0.1';

const cluster = new Cluster();
test.before(async () => {
  await cluster.startMaster();
});
test.after.always(async () => {
  await cluster.teardown();
});
// One agent at a time: each test's framework must land on that test's agent.
test.afterEach.always(async () => {
  for (const agent of cluster.agents) await agent.proc.stop();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the task's `sleep` (a process under the agent's sandboxes running sleep). */
function sleepPid(agent: Agent): number | undefined {
  for (const pid of processesUnder(path.join(agent.workDir, 'slaves'))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.startsWith('sleep\0')) return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

/** The pid of the task's shell: a process under the agent's sandboxes whose command line mentions `marker`. */
function shellPid(agent: Agent, marker: string): number | undefined {
  for (const pid of processesUnder(path.join(agent.workDir, 'slaves'))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.startsWith('sh\0') && cmdline.includes(marker)) return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

async function agentId(agent: Agent): Promise<string> {
  return until('the agent to register', 20_000, async () => {
    const response = await fetch(`http://${agent.address}/state`);
    const state = (await response.json()) as { id?: string };
    return state.id !== undefined && state.id !== '' ? state.id : undefined;
  });
}

/** ACK records in the (one) task.updates file under the agent's meta directory. */
function acknowledgements(agent: Agent): number {
  const meta = path.join(agent.workDir, 'meta');
  const file = fs
    .readdirSync(meta, { recursive: true })
    .map(String)
    .find((f) => f.endsWith('task.updates'));
  if (file === undefined) return 0;
  const records = readRecords(fs.readFileSync(path.join(meta, file)), (b) => mesos.internal.StatusUpdateRecord.decode(b)).records;
  return records.filter((r) => r.type === mesos.internal.StatusUpdateRecord.Type.ACK).length;
}

const count = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

test.serial('a checkpointing task survives an agent restart: same agent id, same pid, updates after recovery', async (t) => {
  const agent = await cluster.startAgent();
  const id = await agentId(agent);
  // The task runs until the test lets it finish, however long the restart takes under load.
  const go = path.join(cluster.root, 'survivor-go');
  const command = `while [ ! -e ${go} ]; do sleep 0.1; done`;
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=survivor', `--command=${command}`, '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => shellPid(agent, go));
  // The framework's acknowledgement of TASK_RUNNING is checkpointed: it is not resent.
  await until('the acknowledgement in task.updates', 10_000, () => (acknowledgements(agent) >= 1 ? true : undefined));

  // What recovery does not take over is garbage collected: another agent's
  // directories, and an older run of the executor (work and meta).
  const runs = path.join(agent.workDir, 'slaves', id, 'frameworks');
  const latestRun = fs
    .readdirSync(runs, { recursive: true })
    .map(String)
    .find((f) => /executors\/survivor\/runs\/[^/]+$/.test(f) && !f.endsWith('latest'));
  if (latestRun === undefined) return t.fail('no run directory');
  const oldRun = path.join(path.dirname(latestRun), 'old-run');
  const leftovers = [
    path.join(agent.workDir, 'slaves', 'OLD-S9', 'stdout'),
    path.join(agent.workDir, 'meta', 'slaves', 'OLD-S9', 'slave.info'),
    path.join(runs, oldRun, 'stdout'),
    path.join(agent.workDir, 'meta', 'slaves', id, 'frameworks', oldRun, 'pids', 'forked.pid'),
  ];
  for (const file of leftovers) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }

  // The fetcher cache is not recovered: the agent's part of it is emptied (Fetcher::recover).
  const fetchCache = path.join(cluster.root, 'fetch');
  const cached = path.join(fetchCache, 'slaves', id, 'root', 'c1-file');
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  fs.writeFileSync(cached, 'cached');
  const other = path.join(fetchCache, 'slaves', 'OTHER-S1', 'root', 'c2-file');
  fs.mkdirSync(path.dirname(other), { recursive: true });
  fs.writeFileSync(other, 'cached');

  const restarted = await cluster.restartAgent(agent, ['--gc_delay=1secs', `--fetcher_cache_dir=${fetchCache}`]);
  t.is(await agentId(restarted), id, 'the restarted agent keeps its id');
  t.true(isAlive(pid), 'the task kept running through the restart');
  await until('the fetcher cache to be emptied', 10_000, () => (fs.existsSync(path.join(fetchCache, 'slaves', id)) ? undefined : true));
  t.true(fs.existsSync(other), "another agent's cache is not touched");
  await until('the old directories to be collected', 15_000, () => (leftovers.every((f) => !fs.existsSync(path.dirname(f))) ? true : undefined));
  t.true(fs.existsSync(path.join(runs, latestRun)), 'the latest run stays');
  // The executor re-registered: the agent reports the task RUNNING.
  await until('the recovered task in the agent state', 10_000, async () => {
    const response = await fetch(`http://${restarted.address}/state`);
    const state = (await response.json()) as { frameworks: { executors: { tasks: { id: string; state: string }[] }[] }[] };
    const task = state.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks)).find((x) => x.id === 'survivor');
    return task?.state === 'TASK_RUNNING' ? true : undefined;
  });
  t.is(shellPid(restarted, go), pid, 'same task process');
  fs.writeFileSync(go, '');
  t.is(await execute.exitCode(30_000), 0, execute.output);
  t.is(count(execute.output, /Received status update TASK_FINISHED/), 1, execute.output);
  t.is(count(execute.output, /Received status update TASK_RUNNING/), 1, execute.output);
  const state = await masterState(cluster.masterAddress);
  t.true(state.slaves.some((s) => s.id === id && s.active));
});

test.serial('an update sent while the agent was down reaches the framework once after recovery', async (t) => {
  const agent = await cluster.startAgent();
  const go = path.join(cluster.root, 'while-down-go');
  const command = `while [ ! -e ${go} ]; do sleep 0.1; done`;
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=while-down', `--command=${command}`, '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => shellPid(agent, go));
  agent.proc.kill('SIGKILL');
  await agent.proc.exited;
  // The task finishes while the agent is dead; its executor keeps the update.
  fs.writeFileSync(go, '');
  await until('the task to finish', 10_000, () => (isAlive(pid) ? undefined : true));
  await sleep(500);
  t.false(/TASK_FINISHED/.test(execute.output));
  await cluster.restartAgent(agent);
  t.is(await execute.exitCode(30_000), 0, execute.output);
  t.is(count(execute.output, /Received status update TASK_FINISHED/), 1, execute.output);
});

test.serial('executors of a non-checkpointing framework are not recovered', async (t) => {
  const agent = await cluster.startAgent();
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=no-checkpoint', '--command=sleep 1000', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => sleepPid(agent));
  agent.proc.kill('SIGKILL');
  await agent.proc.exited;
  // Its executor sees the agent go and kills its task.
  await until('the task to be killed with its executor', 15_000, () => (isAlive(pid) ? undefined : true));
  const meta = path.join(agent.workDir, 'meta', 'slaves');
  const agents = fs.readdirSync(meta).filter((s) => s !== 'latest');
  t.is(agents.length, 1, 'the agent itself was checkpointed (slave.info)');
  t.true(fs.existsSync(path.join(meta, agents[0] ?? '', 'slave.info')));
  t.false(fs.existsSync(path.join(meta, agents[0] ?? '', 'frameworks')), 'nothing was checkpointed for the framework');
  await cluster.restartAgent(agent);
  await execute.waitFor(/TASK_(LOST|FAILED)/, 30_000);
});

test.serial('--recover=cleanup kills the recovered executors and exits', async (t) => {
  const agent = await cluster.startAgent();
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=cleanup', '--command=sleep 1000', '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => sleepPid(agent));
  const cleanup = await cluster.restartAgent(agent, ['--recover=cleanup', '--executor_shutdown_grace_period=1secs']);
  t.is(await cleanup.proc.exitCode(30_000), 0, cleanup.proc.output);
  await until('the task to be gone', 10_000, () => (isAlive(pid) ? undefined : true));
  t.false(fs.existsSync(path.join(agent.workDir, 'meta', 'slaves', 'latest')), 'the next start is a fresh agent');
  // A later start registers as a new agent; the framework hears about its task.
  await cluster.restartAgent(cleanup);
  await execute.waitFor(/TASK_(LOST|FAILED|KILLED)/, 30_000);
});

test.serial('--recover=cleanup: a recovered HTTP executor is told to shut down when it subscribes again', async (t) => {
  const agent = await cluster.startAgent(['--http_command_executor']);
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=http-cleanup', '--command=sleep 1000', '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => sleepPid(agent));
  const cleanup = await cluster.restartAgent(agent, ['--http_command_executor', '--recover=cleanup', '--executor_shutdown_grace_period=20secs']);
  t.is(await cleanup.proc.exitCode(40_000), 0, cleanup.proc.output);
  await until('the task to be gone', 10_000, () => (isAlive(pid) ? undefined : true));
  // It shut down on request (its own progress lines), rather than being killed after the grace period.
  const stdout = fs
    .readdirSync(path.join(agent.workDir, 'slaves'), { recursive: true })
    .map(String)
    .find((f) => /executors\/http-cleanup\/runs\/[^/]+\/stdout$/.test(f) && !f.includes('/latest/'));
  t.truthy(stdout);
  t.regex(fs.readFileSync(path.join(agent.workDir, 'slaves', stdout ?? ''), 'utf8'), /Shutting down/);
});

test.serial('an executor that does not re-register in time is destroyed and its task lost', async (t) => {
  const agent = await cluster.startAgent();
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=hung', '--command=sleep 1000', '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => sleepPid(agent));
  const forked = fs
    .readdirSync(path.join(agent.workDir, 'meta'), { recursive: true })
    .map(String)
    .find((f) => f.endsWith('forked.pid'));
  t.truthy(forked);
  const executorPid = Number(fs.readFileSync(path.join(agent.workDir, 'meta', forked ?? ''), 'utf8'));
  // A hung executor: it cannot answer the reconnect request.
  agent.proc.kill('SIGKILL');
  await agent.proc.exited;
  process.kill(executorPid, 'SIGSTOP');
  await cluster.restartAgent(agent);
  await execute.waitFor(/TASK_LOST/, 30_000);
  await execute.waitFor(/Executor did not re-register within 2secs/, 5_000);
  t.pass();
  await until('the executor and task to be killed', 10_000, () => (isAlive(pid) || isAlive(executorPid) ? undefined : true));
});

test.serial('corrupt checkpoints: --strict exits naming the file, --strict=false skips it', async (t) => {
  const agent = await cluster.startAgent();
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=corrupt', '--command=sleep 1000', '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => sleepPid(agent));
  const meta = path.join(agent.workDir, 'meta');
  const info = fs
    .readdirSync(meta, { recursive: true })
    .map(String)
    .find((f) => f.endsWith('task.info'));
  t.truthy(info);
  agent.proc.kill('SIGKILL');
  await agent.proc.exited;
  const file = path.join(meta, info ?? '');
  fs.writeFileSync(file, Buffer.from([4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));

  const strict = await cluster.restartAgent(agent, [], false);
  t.is(await strict.proc.exitCode(30_000), 1);
  t.regex(strict.proc.output, /Failed to perform recovery: Failed to read task info from '[^']*task\.info'/);
  t.true(isAlive(pid), 'a failed recovery leaves the executor alone');

  const lenient = await cluster.restartAgent(strict, ['--strict=false']);
  // The task is skipped; its executor re-registers, and the master learns the task is gone.
  await execute.waitFor(/TASK_(LOST|FAILED|KILLED)/, 30_000);
  t.true(lenient.proc.running);
  // The framework is gone with its task: the agent shuts its executor down.
  await until('the executor of the removed framework to be shut down', 20_000, () => (isAlive(pid) ? undefined : true));
});

test.serial('tasks in the shared command executor host are not recovered: they end with a terminal update', async (t) => {
  const agent = await cluster.startAgent(['--shared_command_executor']);
  const execute = cluster.execute([`--master=${cluster.masterAddress}`, '--name=hosted', '--command=sleep 1000', '--checkpoint', '--resources=cpus:0.5;mem:64']);
  await execute.waitFor(/TASK_RUNNING/, 30_000);
  const pid = await until('the task process', 10_000, () => sleepPid(agent));
  await cluster.restartAgent(agent, ['--shared_command_executor']);
  await execute.waitFor(/TASK_(LOST|FAILED)/, 30_000);
  await until('the task process to be gone', 10_000, () => (isAlive(pid) ? undefined : true));
  t.pass();
});
