// A real cluster of OS processes on loopback: one `mesos-master` (agent ping
// timeout 1 s, 2 misses) and three `mesos-agent`s (cpus:4;mem:2048 each), with
// the examples and `mesos-execute` as frameworks: 100 tasks through the test
// framework, framework messages through a custom executor, killing a task, a
// failing task, a scheduler SIGKILLed and failed over, an agent SIGKILLed.

import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { Cluster, findFramework, masterState, processesUnder, until, type Proc } from './helpers.js';

const cluster = new Cluster();
let agentIds: string[] = [];

test.before(async () => {
  await cluster.startMaster(['--agent_ping_timeout=1secs', '--max_agent_ping_timeouts=2', '--allocation_interval=200ms']);
  await Promise.all([cluster.startAgent(), cluster.startAgent(), cluster.startAgent()]);
  agentIds = await cluster.agentsRegistered(3);
});

test.after.always(async () => {
  await cluster.teardown();
});

/** Logs every process's output when the test failed. */
function dumpOnFailure(t: ExecutionContext): void {
  t.teardown(() => {
    if (!t.passed) t.log(cluster.dump());
  });
}

const frameworkIdOf = async (proc: Proc, pattern: RegExp): Promise<string> => (await proc.waitFor(pattern))[1] ?? '';

test.serial('the test framework runs 100 tasks to TASK_FINISHED, packed into the offers of 3 agents', async (t) => {
  t.timeout(90_000);
  dumpOnFailure(t);
  const started = Date.now();
  const run = cluster.example('test-framework', [`--master=${cluster.masterAddress}`, '--tasks=100', '--resources=cpus:0.1;mem:16']);
  t.is(await run.exitCode(80_000), 0, run.tail());
  t.log(`100 tasks in ${Date.now() - started} ms`);
  t.regex(run.output, /^Registered!$/m);
  t.regex(run.output, /^All 100 tasks finished$/m);
  for (let i = 0; i < 100; i++) t.true(run.output.includes(`Task ${i} is in state TASK_FINISHED\n`), `task ${i} finished`);
  t.notRegex(run.output, /Aborting/);

  // As many tasks per offer as fit (40 of 0.1 cpus on a 4-cpu agent), so all three agents are used.
  const launches = [...run.output.matchAll(/^Launching task (\d+) using offer (\S+)$/gm)];
  t.is(launches.length, 100);
  const perOffer = new Map<string, number>();
  for (const [, , offer = ''] of launches) perOffer.set(offer, (perOffer.get(offer) ?? 0) + 1);
  t.true(Math.max(...perOffer.values()) > 1, 'several tasks in one offer');

  const state = await masterState(cluster.masterAddress);
  const framework = state.completed_frameworks.find((f) => f.name === 'Test Framework (TypeScript)');
  t.truthy(framework, 'the framework stopped and was torn down');
  const tasks = framework?.completed_tasks ?? [];
  t.is(tasks.length, 100);
  t.true(tasks.every((task) => task.state === 'TASK_FINISHED'));
  t.deepEqual([...new Set(tasks.map((task) => task.slave_id))].sort(), [...agentIds].sort());
});

test.serial('the custom executor framework exchanges ping/pong framework messages with its executors', async (t) => {
  t.timeout(60_000);
  dumpOnFailure(t);
  const run = cluster.example('custom-executor-framework', [`--master=${cluster.masterAddress}`, '--tasks=3', '--messages=3']);
  t.is(await run.exitCode(50_000), 0, run.tail());
  for (let task = 0; task < 3; task++) {
    const executor = `pinger-ping-task-${task}`;
    for (let n = 1; n <= 3; n++) {
      t.true(run.output.includes(`Sending 'ping ${n}' to executor ${executor}\n`), `ping ${n} to ${executor}`);
      t.regex(run.output, new RegExp(`^Received 'pong ${n}' from executor ${executor} on agent \\S+$`, 'm'));
    }
    t.regex(run.output, new RegExp(`^Task ping-task-${task} is in state TASK_FINISHED \\(answered 3 ping\\(s\\)\\)$`, 'm'));
  }
  t.regex(run.output, /^All 3 tasks finished after 3 ping\/pong exchange\(s\) each$/m);
  // Each pong follows its ping: pong n comes before ping n + 1 for the same executor.
  const out = run.output;
  t.true(out.indexOf("Received 'pong 1' from executor pinger-ping-task-0") < out.indexOf("Sending 'ping 2' to executor pinger-ping-task-0"));
});

test.serial('mesos-execute --kill_after kills the running task: TASK_KILLING, TASK_KILLED, exit 1', async (t) => {
  t.timeout(60_000);
  dumpOnFailure(t);
  const run = cluster.execute([`--master=${cluster.masterAddress}`, '--name=sleeper', '--command=sleep 60', '--resources=cpus:0.5;mem:32', '--kill_after=1secs']);
  t.is(await run.exitCode(45_000), 1, run.tail());
  const lines = run.output.split('\n').filter((line) => !line.startsWith('{'));
  const agent = /^Submitted task 'sleeper' to agent '(\S+)'$/m.exec(run.output)?.[1] ?? '';
  t.true(agentIds.includes(agent));
  t.deepEqual(lines.slice(lines.indexOf("Received status update TASK_RUNNING for task 'sleeper'")), [
    "Received status update TASK_RUNNING for task 'sleeper'",
    '  source: SOURCE_EXECUTOR',
    `Asked to kill task 'sleeper' on agent '${agent}'`,
    "Received status update TASK_KILLING for task 'sleeper'",
    '  source: SOURCE_EXECUTOR',
    "Received status update TASK_KILLED for task 'sleeper'",
    "  message: 'Command terminated with signal Terminated'",
    '  source: SOURCE_EXECUTOR',
    '',
  ]);
});

test.serial('a task that exits 1 ends TASK_FAILED: the test framework aborts and exits 1', async (t) => {
  t.timeout(60_000);
  dumpOnFailure(t);
  const run = cluster.example('test-framework', [`--master=${cluster.masterAddress}`, '--tasks=1', '--resources=cpus:0.5;mem:32', '--command=exit 1']);
  t.is(await run.exitCode(45_000), 1, run.tail());
  t.regex(run.output, /^Task 0 is in state TASK_RUNNING$/m);
  t.regex(run.output, /^Task 0 is in state TASK_FAILED$/m);
  t.regex(
    run.output,
    /^Aborting because task 0 is in unexpected state TASK_FAILED with reason REASON_COMMAND_EXECUTOR_FAILED from source SOURCE_EXECUTOR with message 'Command exited with status 1'$/m,
  );
});

test.serial('a scheduler SIGKILLed and restarted with its framework id within failover_timeout takes over and reconciles its tasks', async (t) => {
  t.timeout(90_000);
  dumpOnFailure(t);
  const master = cluster.masterAddress;
  const first = cluster.example('long-lived-framework', [`--master=${master}`, '--failover_timeout=1mins']);
  const id = await frameworkIdOf(first, /^Registered with framework ID '(\S+)'$/m);
  const running = await until('a task running on each agent', 30_000, () => {
    const tasks = [...first.output.matchAll(/^Task (\S+) is in state TASK_RUNNING$/gm)].map((m) => m[1] ?? '');
    return tasks.length >= 3 ? tasks : undefined;
  });
  t.is(new Set(running).size, 3);

  first.kill('SIGKILL');
  await first.exited;
  // The master notices the scheduler is gone and deactivates the framework, keeping its tasks.
  await until('the framework to be inactive', 15_000, async () => {
    const found = findFramework(await masterState(master), id);
    return found?.completed === false && !found.framework.active ? true : undefined;
  });

  const second = cluster.example('long-lived-framework', [`--master=${master}`, `--framework_id=${id}`, '--failover_timeout=1mins']);
  t.is(await frameworkIdOf(second, /^Registered with framework ID '(\S+)'$/m), id);
  await second.waitFor(/^Reconciling all tasks$/m);
  for (const task of running) await second.waitFor(new RegExp(`^Reconciled task ${task} on agent \\S+: TASK_RUNNING$`, 'm'));
  // It adopted the running tasks rather than starting new ones (offers keep coming meanwhile).
  await sleep(2_500);
  t.notRegex(second.output, /^Starting task/m);
  const state = await masterState(master);
  const framework = state.frameworks.find((f) => f.id === id);
  t.true(framework?.active);
  t.deepEqual(framework?.tasks.map((task) => task.id).sort(), [...running].sort());
  t.true(framework?.tasks.every((task) => task.state === 'TASK_RUNNING'));

  // SIGTERM stops it for good: the framework is torn down and its tasks killed.
  second.kill('SIGTERM');
  t.is(await second.exitCode(20_000), 0);
  t.regex(second.output, /^Stopping \(SIGTERM\): tearing the framework down$/m);
  const done = await until('the framework to complete', 15_000, async () => {
    const found = findFramework(await masterState(master), id);
    return found?.completed === true ? found.framework : undefined;
  });
  t.deepEqual(done.completed_tasks.map((task) => task.state), ['TASK_KILLED', 'TASK_KILLED', 'TASK_KILLED']);
});

test.serial('an agent SIGKILLed is removed after the ping timeout: the framework gets TASK_LOST and slaveLost', async (t) => {
  t.timeout(90_000);
  dumpOnFailure(t);
  const master = cluster.masterAddress;
  const doomed = await cluster.startAgent();
  const ids = await cluster.agentsRegistered(4);
  const doomedId = ids.find((id) => !agentIds.includes(id)) ?? '';
  t.truthy(doomedId);

  const run = cluster.example('long-lived-framework', [`--master=${master}`, '--failover_timeout=0secs']);
  const task = (await run.waitFor(new RegExp(`^Starting task (\\S+) on agent ${doomedId} `, 'm')))[1] ?? '';
  await run.waitFor(new RegExp(`^Task ${task} is in state TASK_RUNNING$`, 'm'));

  const killed = Date.now();
  doomed.proc.kill('SIGKILL');
  await run.waitFor(new RegExp(`^Task ${task} is in state TASK_LOST`, 'm'), 30_000);
  await run.waitFor(new RegExp(`^Agent lost: ${doomedId}$`, 'm'), 10_000);
  t.log(`TASK_LOST and slaveLost ${Date.now() - killed} ms after the SIGKILL`);
  const state = await masterState(master);
  t.false(state.slaves.some((s) => s.id === doomedId && s.active), 'the agent is no longer active');
  // Its executor shut down (and killed the task) when it lost its agent.
  await until("the dead agent's executor to exit", 15_000, () => {
    return processesUnder(doomed.workDir).length === 0 ? true : undefined;
  });

  run.kill('SIGTERM');
  t.is(await run.exitCode(20_000), 0);
});
