import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resources } from '../../common/resources.js';
import {
  IsolatorBase,
  MesosContainerizer,
  PosixLauncher,
  Reaper,
  deferred,
  type ContainerLimitation,
  type Isolator,
} from '../../agent/containerizer/index.js';
import { isAlive, processesSync, pstree, treePids } from '../../agent/containerizer/proc.js';
import { overrideSetprivPath } from '../../agent/containerizer/user.js';
import { Fetcher } from '../../agent/fetcher.js';
import { createExecutorDirectory, getForkedPidPath, getMetaRootDir } from '../../agent/paths.js';
import { has, mesos } from '../../proto/index.js';
import {
  AGENT_PID,
  eventually,
  executorInfo,
  flagsFor,
  isRoot,
  sandbox,
  shell,
  tempDir,
} from './containerizer-helpers.js';

function setup(t: Parameters<typeof tempDir>[0], overrides = {}) {
  const work = tempDir(t);
  const flags = flagsFor(work, overrides);
  const containerizer = MesosContainerizer.create(flags);
  t.teardown(async () => {
    for (const id of await containerizer.containers()) await containerizer.destroy(id);
  });
  return { work, flags, containerizer, dir: sandbox(work) };
}

const base = { agentId: 'agent-1', agentPid: AGENT_PID, checkpoint: false };

test('a shell command runs in its sandbox with stdout and stderr in files', async (t) => {
  const { containerizer, dir } = setup(t);
  const launched = await containerizer.launch('c1', {
    ...base,
    executorInfo: executorInfo(shell("echo hi; echo err >&2; pwd")),
    directory: dir,
  });
  t.true(launched);
  const termination = await containerizer.wait('c1');
  t.is(termination.status, 0);
  t.is(termination.message, 'Executor terminated');
  t.false(has(termination, 'state'));
  t.is(readFileSync(join(dir, 'stdout'), 'utf8'), `hi\n${dir}\n`);
  t.is(readFileSync(join(dir, 'stderr'), 'utf8'), 'err\n');
  t.deepEqual(await containerizer.containers(), new Set());
  await t.throwsAsync(containerizer.wait('c1'), { message: /Unknown container \(could have already been destroyed\): c1/ });
});

test('wait() gives the wait status of the executor', async (t) => {
  const { containerizer, dir } = setup(t);
  await containerizer.launch('c1', { ...base, executorInfo: executorInfo(shell('exit 3')), directory: dir });
  t.is((await containerizer.wait('c1')).status, 3 << 8);
});

test('a non-shell command is executed with arguments[0] as argv[0]', async (t) => {
  const { containerizer, dir } = setup(t);
  const command = {
    shell: false,
    value: '/bin/sh',
    arguments: ['my-argv0', '-c', 'tr "\\0" " " < /proc/$$/cmdline; echo; echo "$@"', 'x', 'y'],
  };
  await containerizer.launch('c1', { ...base, executorInfo: executorInfo(command), directory: dir });
  t.is((await containerizer.wait('c1')).status, 0);
  const lines = readFileSync(join(dir, 'stdout'), 'utf8').split('\n');
  t.true(lines[0]?.startsWith('my-argv0 -c '));
  t.is(lines[1], 'y');
});

test('the executor gets the Mesos environment plus its command environment, nothing else', async (t) => {
  const { containerizer, dir } = setup(t, { executor_environment_variables: { PATH: '/bin:/usr/bin', FROM_FLAG: 'f' } });
  const command = shell('env > env.txt', {
    environment: { variables: [{ name: 'FROM_COMMAND', value: 'c' }, { name: 'FROM_FLAG', value: 'overridden' }] },
  });
  await containerizer.launch('c1', { ...base, checkpoint: true, executorInfo: executorInfo(command), directory: dir });
  t.is((await containerizer.wait('c1')).status, 0);
  const env = Object.fromEntries(
    readFileSync(join(dir, 'env.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  delete env['PWD']; // set by sh itself
  t.deepEqual(env, {
    PATH: '/bin:/usr/bin',
    FROM_FLAG: 'overridden',
    FROM_COMMAND: 'c',
    LIBPROCESS_PORT: '0',
    ...(process.env['LIBPROCESS_IP'] !== undefined ? { LIBPROCESS_IP: process.env['LIBPROCESS_IP'] } : {}),
    MESOS_FRAMEWORK_ID: 'framework-1',
    MESOS_EXECUTOR_ID: 'executor-1',
    MESOS_DIRECTORY: dir,
    MESOS_SANDBOX: dir,
    MESOS_SLAVE_ID: 'agent-1',
    MESOS_SLAVE_PID: AGENT_PID,
    MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
    MESOS_CHECKPOINT: '1',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    MESOS_RECOVERY_TIMEOUT: '15mins',
    MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
  });
});

test('a caller-supplied base environment replaces executorEnvironment()', async (t) => {
  const { containerizer, dir } = setup(t);
  await containerizer.launch('c1', {
    ...base,
    environment: { PATH: '/usr/bin:/bin', ONLY: 'this' },
    executorInfo: executorInfo(shell('echo "$ONLY $MESOS_SANDBOX ${MESOS_SLAVE_ID:-unset}"')),
    directory: dir,
  });
  await containerizer.wait('c1');
  t.is(readFileSync(join(dir, 'stdout'), 'utf8'), `this ${dir} unset\n`);
});

test('the forked pid is checkpointed when the framework checkpoints', async (t) => {
  const { containerizer, dir, work } = setup(t);
  await containerizer.launch('c1', { ...base, checkpoint: true, executorInfo: executorInfo(shell('sleep 300')), directory: dir });
  const status = await containerizer.status('c1');
  const path = getForkedPidPath(getMetaRootDir(work), 'agent-1', 'framework-1', 'executor-1', 'c1');
  t.is(readFileSync(path, 'utf8'), String(status.executor_pid));
});

test('destroy() kills the whole process tree, including children in other sessions', async (t) => {
  const { containerizer, dir } = setup(t);
  await containerizer.launch('c1', {
    ...base,
    executorInfo: executorInfo(shell('sleep 300 & sleep 300 & setsid sleep 300 & wait')),
    directory: dir,
  });
  const pid = (await containerizer.status('c1')).executor_pid;
  // The shell and its three sleeps.
  const pids = await eventually(() => {
    const tree = pstree(pid, processesSync());
    const all = tree ? treePids(tree) : [];
    return all.length === 4 ? all : undefined;
  });
  const sessions = new Set(pids.map((p) => processesSync().find((e) => e.pid === p)?.session));
  t.is(sessions.size, 2); // setsid moved one child out of the container's session

  const termination = containerizer.wait('c1');
  await containerizer.destroy('c1');
  const result = await termination;
  t.is(result.status, 9); // SIGKILL
  t.is(result.message, 'Executor terminated');
  for (const p of pids) t.false(isAlive(p), `pid ${p} survived`);
});

test('usage() sums the tree from /proc and adds the limits', async (t) => {
  const { containerizer, dir } = setup(t);
  await containerizer.launch('c1', {
    ...base,
    executorInfo: executorInfo(shell('i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 300')),
    directory: dir,
  });
  const usage = await eventually(async () => {
    const u = await containerizer.usage('c1');
    return u.cpus_user_time_secs + u.cpus_system_time_secs > 0 ? u : undefined;
  });
  t.true(usage.timestamp > 0);
  t.true(usage.mem_rss_bytes > 0);
  t.true(has(usage, 'cpus_user_time_secs'));
  t.true(has(usage, 'cpus_system_time_secs'));
  t.is(usage.cpus_limit, 0.5);
  t.is(usage.mem_limit_bytes, 64 * 1024 * 1024);

  await containerizer.update('c1', Resources.parse('cpus:2;mem:128'));
  const updated = await containerizer.usage('c1');
  t.is(updated.cpus_limit, 2);
  t.is(updated.mem_limit_bytes, 128 * 1024 * 1024);
});

test('unknown containers: usage/status/wait reject, update and destroy are no-ops', async (t) => {
  const { containerizer } = setup(t);
  await t.throwsAsync(containerizer.usage('nope'), { message: 'Unknown container: nope' });
  await t.throwsAsync(containerizer.status('nope'), { message: 'Unknown container: nope' });
  await t.throwsAsync(containerizer.wait('nope'));
  await t.notThrowsAsync(containerizer.update('nope', Resources.parse('cpus:1')));
  await t.notThrowsAsync(containerizer.destroy('nope'));
});

test('launching the same container twice fails; non-MESOS containers are declined', async (t) => {
  const { containerizer, dir } = setup(t);
  await containerizer.launch('c1', { ...base, executorInfo: executorInfo(shell('sleep 300')), directory: dir });
  await t.throwsAsync(
    containerizer.launch('c1', { ...base, executorInfo: executorInfo(shell('true')), directory: dir }),
    { message: 'Container already started' },
  );
  const docker = executorInfo(shell('true'), { container: { type: mesos.ContainerInfo.Type.DOCKER } });
  t.false(await containerizer.launch('c2', { ...base, executorInfo: docker, directory: dir }));
  t.deepEqual(await containerizer.containers(), new Set(['c1']));
});

test('container images are refused by filesystem/posix', async (t) => {
  const { containerizer, dir } = setup(t);
  const info = executorInfo(shell('true'), {
    container: { type: mesos.ContainerInfo.Type.MESOS, mesos: { image: { type: 2, docker: { name: 'busybox' } } } },
  });
  await t.throwsAsync(containerizer.launch('c1', { ...base, executorInfo: info, directory: dir }), {
    message: 'Container root filesystems not supported',
  });
  const termination = containerizer.wait('c1');
  await containerizer.destroy('c1');
  t.is((await termination).message, 'Container destroyed while preparing isolators');
});

test('URIs are fetched into the sandbox before the executor runs', async (t) => {
  const { containerizer, dir, work } = setup(t);
  const source = join(work, 'data.txt');
  writeFileSync(source, 'payload\n');
  await containerizer.launch('c1', {
    ...base,
    executorInfo: executorInfo(shell('cat data.txt', { uris: [{ value: source }] })),
    directory: dir,
  });
  t.is((await containerizer.wait('c1')).status, 0);
  t.is(readFileSync(join(dir, 'stdout'), 'utf8'), 'payload\n');
  t.regex(readFileSync(join(dir, 'stderr'), 'utf8'), /Fetching URI '.*data\.txt'/);
});

test('a failed fetch fails the launch; destroying the container kills the waiting helper', async (t) => {
  const { containerizer, dir, work } = setup(t);
  const missing = join(work, 'missing.txt');
  const error = await t.throwsAsync(
    containerizer.launch('c1', {
      ...base,
      executorInfo: executorInfo(shell('echo never', { uris: [{ value: missing }] })),
      directory: dir,
    }),
  );
  t.regex(error.message, new RegExp(`Failed to fetch all URIs for container 'c1': Failed to fetch '${missing}'`));
  const pid = (await containerizer.status('c1')).executor_pid;
  t.true(isAlive(pid));
  const termination = containerizer.wait('c1');
  await containerizer.destroy('c1');
  t.is((await termination).status, 9);
  t.false(isAlive(pid));
  t.false(readFileSync(join(dir, 'stdout'), 'utf8').includes('never'));
});

test('an unknown user makes the executor fail as Mesos reports it', async (t) => {
  const { containerizer, dir } = setup(t);
  await containerizer.launch('c1', {
    ...base,
    user: 'no-such-user-here',
    executorInfo: executorInfo(shell('echo never')),
    directory: dir,
  });
  t.is((await containerizer.wait('c1')).status, 1 << 8);
  t.is(readFileSync(join(dir, 'stderr'), 'utf8'), "Failed to get the uid of user 'no-such-user-here': not found\n");
});

test('as root, the executor runs as the given user', async (t) => {
  if (!isRoot) {
    t.pass('not root: skipped');
    return;
  }
  const work = tempDir(t);
  const flags = flagsFor(work);
  const containerizer = MesosContainerizer.create(flags);
  const dir = await createExecutorDirectory(work, 'agent-1', 'framework-1', 'executor-1', 'c1', 'nobody');
  await containerizer.launch('c1', { ...base, user: 'nobody', executorInfo: executorInfo(shell('id -u; id -g; touch mine')), directory: dir });
  t.is((await containerizer.wait('c1')).status, 0);
  t.is(readFileSync(join(dir, 'stdout'), 'utf8'), '65534\n65534\n');
  t.true(existsSync(join(dir, 'mine')));
});

test.serial('as root without setpriv, the user switch happens at fork', async (t) => {
  if (!isRoot) {
    t.pass('not root: skipped');
    return;
  }
  overrideSetprivPath(null);
  t.teardown(() => overrideSetprivPath(undefined));
  const work = tempDir(t);
  const containerizer = MesosContainerizer.create(flagsFor(work));
  const dir = await createExecutorDirectory(work, 'agent-1', 'framework-1', 'executor-1', 'c1', 'nobody');
  await containerizer.launch('c1', { ...base, user: 'nobody', executorInfo: executorInfo(shell('id -u')), directory: dir });
  t.is((await containerizer.wait('c1')).status, 0);
  t.is(readFileSync(join(dir, 'stdout'), 'utf8'), '65534\n');
});

class LimitingIsolator extends IsolatorBase {
  readonly name = 'test/limit';
  readonly limit = deferred<ContainerLimitation>();
  readonly cleaned: string[] = [];

  override watch(): Promise<ContainerLimitation> {
    return this.limit.promise;
  }

  override cleanup(containerId: string): Promise<void> {
    this.cleaned.push(containerId);
    return Promise.resolve();
  }
}

test('a limitation reported by an isolator destroys the container and is reported', async (t) => {
  const work = tempDir(t);
  const isolator = new LimitingIsolator();
  const reaper = new Reaper();
  const fetcher = new Fetcher(flagsFor(work));
  const isolators: Isolator[] = [isolator];
  const containerizer = new MesosContainerizer(flagsFor(work), new PosixLauncher(reaper), isolators, fetcher, reaper);
  const dir = sandbox(work);
  await containerizer.launch('c1', { ...base, executorInfo: executorInfo(shell('sleep 300')), directory: dir });
  isolator.limit.resolve({
    message: 'Memory limit exceeded',
    reason: mesos.TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY,
  });
  const termination = await containerizer.wait('c1');
  t.is(termination.state, mesos.TaskState.TASK_FAILED);
  t.deepEqual(termination.reasons, [mesos.TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY]);
  t.is(termination.message, 'Memory limit exceeded');
  t.is(termination.status, 9);
  t.deepEqual(isolator.cleaned, ['c1']);
});

test('recover() takes over a running executor, which can then be destroyed', async (t) => {
  const work = tempDir(t);
  const flags = flagsFor(work);
  const dir = await createExecutorDirectory(work, 'agent-1', 'framework-1', 'executor-1', 'c1');

  // An "executor" left running by a previous agent.
  const first = MesosContainerizer.create(flags);
  await first.launch('c1', { ...base, executorInfo: executorInfo(shell('sleep 300')), directory: dir });
  const pid = (await first.status('c1')).executor_pid;
  const firstTermination = first.wait('c1');

  const second = MesosContainerizer.create(flags);
  const info = executorInfo(shell('sleep 300'));
  await second.recover({
    id: 'agent-1',
    frameworks: new Map([
      [
        'framework-1',
        {
          id: 'framework-1',
          executors: new Map([
            [
              'executor-1',
              { id: 'executor-1', info, latest: 'c1', runs: new Map([['c1', { id: 'c1', forkedPid: pid, completed: false }]]) },
            ],
          ]),
        },
      ],
    ]),
  });
  t.deepEqual(await second.containers(), new Set(['c1']));
  t.is((await second.status('c1')).executor_pid, pid);
  const usage = await second.usage('c1');
  t.true(usage.mem_rss_bytes > 0);
  t.false(has(usage, 'mem_limit_bytes')); // unknown until update()

  const termination = second.wait('c1');
  await second.destroy('c1');
  const result = await termination;
  t.false(has(result, 'status')); // not our child: no status
  t.false(isAlive(pid));
  t.is((await firstTermination).status, 9);
});
