// The `npm start` path end to end: `mesos-local` (bin/mesos-local.js, what
// `npm start` runs) comes up on a random port, and `mesos-execute` runs
// commands on it as real OS processes, printing Mesos 1.0's lines.

import path from 'node:path';
import test from 'ava';
import { resolveCli } from '../../common/flags.js';
import { Resources } from '../../common/resources.js';
import { mesos } from '../../proto/index.js';
import { configure, executeFlags, findResources, main } from '../../scheduler-driver/execute.js';
import { bin, Cluster, findFramework, masterState, startNode, until } from './helpers.js';

const cluster = new Cluster();
let master = '';

test.before(async () => {
  const local = cluster.track(
    startNode('mesos-local', [bin('mesos-local'), '--port=0', '--num_slaves=1', '--quiet', `--work_dir=${path.join(cluster.root, 'local')}`]),
  );
  const match = await local.waitFor(/Mesos local cluster: master at http:\/\/(\S+) with 1 agent\(s\)/, 30_000);
  master = match[1] ?? '';
  await until('the agent to register', 20_000, async () => ((await masterState(master)).slaves.some((s) => s.active) ? true : undefined));
});

test.after.always(async () => {
  await cluster.teardown();
});

test.serial("mesos-execute --command='echo hi' reaches TASK_FINISHED and exits 0", async (t) => {
  const run = cluster.execute([`--master=${master}`, '--name=hello', '--command=echo hi']);
  t.is(await run.exitCode(45_000), 0, run.output);
  const id = /^Subscribed with ID '([^']+)'$/m.exec(run.output)?.[1] ?? '';
  t.regex(id, /-0\d{3}$/);
  const lines = run.output.split('\n').filter((line) => !line.startsWith('{'));
  const agent = /^Submitted task 'hello' to agent '([^']+)'$/m.exec(run.output)?.[1];
  t.truthy(agent);
  t.deepEqual(lines.slice(lines.indexOf(`Submitted task 'hello' to agent '${agent}'`)), [
    `Submitted task 'hello' to agent '${agent}'`,
    "Received status update TASK_RUNNING for task 'hello'",
    '  source: SOURCE_EXECUTOR',
    "Received status update TASK_FINISHED for task 'hello'",
    "  message: 'Command exited with status 0'",
    '  source: SOURCE_EXECUTOR',
    '',
  ]);
  // The framework was torn down at the end; the master remembers the finished task.
  const found = await until('the framework to complete', 10_000, async () => {
    const f = findFramework(await masterState(master), id);
    return f?.completed === true ? f.framework : undefined;
  });
  t.deepEqual(
    found.completed_tasks.map((task) => [task.id, task.state]),
    [['hello', 'TASK_FINISHED']],
  );
});

test.serial("mesos-execute --command='exit 1' reaches TASK_FAILED and exits 1", async (t) => {
  const run = cluster.execute([`--master=${master}`, '--name=failing', '--command=exit 1', '--resources=cpus:0.5;mem:64']);
  t.is(await run.exitCode(45_000), 1, run.output);
  t.regex(run.output, /^Received status update TASK_FAILED for task 'failing'\n {2}message: 'Command exited with status 1'\n {2}source: SOURCE_EXECUTOR$/m);
  t.notRegex(run.output, /TASK_FINISHED/);
});

test('mesos-execute flag errors: usage for missing flags, clear errors for what this build does not support', async (t) => {
  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await main(argv, {}, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    return { code, out, err };
  };
  const help = await run('--help');
  t.is(help.code, 0);
  t.regex(help.out, /^Usage: mesos-execute \[options\]/);
  for (const name of ['--master=VALUE', '--kill_after=VALUE', '--[no-]shell', '--env=VALUE', '--framework_capabilities=VALUE']) {
    t.true(help.out.includes(name), name);
  }
  t.regex(help.out, /--resources=VALUE +Resources for the command\. \(default: cpus:1;mem:128\)/);

  const noMaster = await run('--name=x', '--command=true');
  t.is(noMaster.code, 1);
  t.regex(noMaster.err, /^Missing required option --master\n\nUsage: mesos-execute/);
  t.regex((await run('--master=127.0.0.1:5050', '--command=true')).err, /^Missing required option --name\n/);
  t.regex((await run('--master=127.0.0.1:5050', '--name=x')).err, /^Missing required option --command\n/);
  t.regex((await run('--master=no port here', '--name=x', '--command=true')).err, /^Could not parse --master=no port here\n/);

  const docker = await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--containerizer=docker', '--docker_image=busybox');
  t.is(docker.code, 1);
  t.regex(docker.err, /'docker' containerizer is not supported by this build/);
  t.regex((await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--docker_image=busybox')).err, /'--docker_image' is not supported yet/);
  t.regex((await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--appc_image=x')).err, /'--appc_image' is not supported yet/);
  t.regex(
    (await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--appc_image=x', '--docker_image=y')).err,
    /Flags '--docker-image' and '--appc-image' are both set/,
  );
  t.regex((await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--containerizer=rkt')).err, /^Unsupported containerizer: rkt\n/);
  t.regex(
    (await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--framework_capabilities=NOPE')).err,
    /specifes an unknown capability 'NOPE'/,
  );
  t.regex(
    (await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--framework_capabilities=REVOCABLE_RESOURCES')).err,
    /specifes an unsupported capability 'REVOCABLE_RESOURCES'/,
  );
  t.regex((await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--resources=cpus:lots')).err, /^Failed to parse resources 'cpus:lots'/);
  t.regex((await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--env={"A":1}')).err, /Failed to load flag 'env'/);
  t.regex((await run('--master=127.0.0.1:5050', '--name=x', '--command=true', '--kill_after=soon')).err, /Failed to load flag 'kill_after'/);
});

test('mesos-execute configuration: MESOS_* variables, --env, --no-shell, capabilities, credentials', (t) => {
  // Flags may come from MESOS_* variables too (1.0 reads only the command line).
  const outcome = resolveCli(executeFlags, ['--master=127.0.0.1:5050', '--framework_capabilities=GPU_RESOURCES', '--principal=p', '--secret=s'], {
    MESOS_NAME: 'from-env',
    MESOS_COMMAND: 'echo $A',
    MESOS_ENV: '{"A":"b"}',
    MESOS_CHECKPOINT: 'true',
  });
  if (outcome.action !== 'run') return t.fail(JSON.stringify(outcome));
  const checked = configure(outcome.flags, 'alice');
  if (!checked.ok) return t.fail(checked.message);
  const { config } = checked;
  t.is(config.name, 'from-env');
  t.deepEqual(config.command, { shell: true, value: 'echo $A', environment: { variables: [{ name: 'A', value: 'b' }] } });
  t.like(config.framework, { user: 'alice', name: 'mesos-execute instance', role: '*', checkpoint: true, principal: 'p' });
  t.deepEqual(config.framework.capabilities, [{ type: mesos.FrameworkInfo.Capability.Type.TASK_KILLING_STATE }, { type: mesos.FrameworkInfo.Capability.Type.GPU_RESOURCES }]);
  t.deepEqual(config.credential, { principal: 'p', secret: 's' });
  t.is(config.resources.toString(), 'cpus(*):1; mem(*):128');

  const noShell = resolveCli(executeFlags, ['--master=h:1', '--name=n', '--no-shell', '--command=/bin/echo a  b'], {});
  if (noShell.action !== 'run') return t.fail();
  const direct = configure(noShell.flags, 'bob');
  t.true(direct.ok && direct.config.command.shell === false);
  if (direct.ok) t.deepEqual(direct.config.command, { shell: false, value: '/bin/echo', arguments: ['/bin/echo', 'a', 'b'] });
});

test("findResources: the role's reservations first, then unreserved resources, as 1.0's Resources::find", (t) => {
  const same = (actual: Resources | undefined, expected: string): void => {
    t.true(actual?.equals(Resources.parse(expected)) === true, `${actual?.toString()} is not ${expected}`);
  };
  const offered = Resources.parse('cpus(web):0.5;cpus:4;mem(web):64;mem:1024;ports:[31000-31010]');
  const wanted = Resources.parse('cpus:1;mem:128;ports:[31000-31001]');
  same(findResources(offered, wanted, 'web'), 'cpus(web):0.5;cpus:0.5;mem(web):64;mem:64;ports:[31000-31001]');
  same(findResources(offered, wanted), 'cpus:1;mem:128;ports:[31000-31001]');
  t.is(findResources(offered, Resources.parse('cpus:5')), undefined);
  same(findResources(offered, Resources.parse('cpus:4.5'), 'web'), 'cpus(web):0.5;cpus:4');
});
