// Pure parts of the command executor, and its logic in-process against a fake driver.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { CommandExecutor } from '../../executor/command-executor.js';
import { parseProcStat, treeMembers, type ProcessEntry } from '../../executor/process-tree.js';
import { describeExit, findUser, planLaunch } from '../../executor/task-launcher.js';
import { Status, type ExecutorDriver, type TaskStatusInput } from '../../executor/types.js';
import { uuidBytes, uuidText } from '../../executor/uuid.js';
import { mesos } from '../../proto/index.js';
import { SLAVE_INFO, executorInfo, frameworkInfo, taskInfo } from './helpers.js';
import { sessionMembers } from './spawn.js';

test('describeExit prints WSTRINGIFY texts', (t) => {
  t.is(describeExit({ code: 0 }), 'exited with status 0');
  t.is(describeExit({ code: 3 }), 'exited with status 3');
  t.is(describeExit({ signal: 'SIGTERM' }), 'terminated with signal Terminated');
  t.is(describeExit({ signal: 'SIGKILL' }), 'terminated with signal Killed');
  t.is(describeExit({ signal: 'SIGSEGV' }), 'terminated with signal Segmentation fault');
});

test('planLaunch: shell, argv, environment', (t) => {
  const shell = planLaunch({ command: { value: 'echo $X', environment: { variables: [{ name: 'X', value: '1' }] } }, cwd: '/', env: { PATH: '/bin', X: '0' } });
  t.is(shell.file, 'sh');
  t.deepEqual(shell.args, ['-c', 'echo $X']);
  t.is(shell.env['X'], '1');
  t.is(shell.env['PATH'], '/bin');

  const exec = planLaunch({ command: { shell: false, value: '/bin/echo', arguments: ['echo', 'a', 'b'] }, cwd: '/', env: {} });
  t.is(exec.file, '/bin/echo');
  t.is(exec.argv0, 'echo');
  t.deepEqual(exec.args, ['a', 'b']);

  const bare = planLaunch({ command: { shell: false, value: '/bin/true' }, cwd: '/', env: {} });
  t.is(bare.argv0, '/bin/true');
  t.deepEqual(bare.args, []);

  t.throws(() => planLaunch({ command: { shell: true }, cwd: '/', env: {} }), { message: 'Shell command is not specified' });
  t.throws(() => planLaunch({ command: { shell: false }, cwd: '/', env: {} }), { message: 'Executable path is not specified' });
  // Decoded messages carry '' as a prototype default: still "not specified".
  const decoded = mesos.CommandInfo.decode(mesos.CommandInfo.encode({ shell: true }).finish());
  t.throws(() => planLaunch({ command: decoded, cwd: '/', env: {} }), { message: 'Shell command is not specified' });
});

test('planLaunch switches user only when root', (t) => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1234:99:Alice:/home/alice:/bin/sh\n';
  t.deepEqual(findUser(passwd, 'alice'), { uid: 1234, gid: 99, home: '/home/alice' });
  t.is(findUser(passwd, 'bob'), undefined);
  const plan = planLaunch({ command: { value: 'id' }, cwd: '/', env: {}, user: 'alice', passwd });
  if (process.getuid?.() === 0) {
    t.is(plan.uid, 1234);
    t.is(plan.gid, 99);
    t.is(plan.env['USER'], 'alice');
    t.is(plan.env['HOME'], '/home/alice');
    t.throws(() => planLaunch({ command: { value: 'id' }, cwd: '/', env: {}, user: 'bob', passwd }), {
      message: "Failed to get user information for 'bob'",
    });
  } else {
    t.is(plan.uid, undefined);
  }
});

test('parseProcStat handles commands with spaces and parentheses', (t) => {
  t.deepEqual(parseProcStat('42 (my (odd) cmd) S 1 42 42 0 -1 4194560'), { pid: 42, ppid: 1, pgid: 42, sid: 42 });
  t.is(parseProcStat('garbage'), undefined);
});

test('treeMembers: descendants, groups and sessions, never ourselves', (t) => {
  const self: ProcessEntry = { pid: 10, ppid: 1, pgid: 10, sid: 5 };
  const table: ProcessEntry[] = [
    { pid: 1, ppid: 0, pgid: 1, sid: 1 },
    self,
    { pid: 100, ppid: 10, pgid: 100, sid: 100 }, // the task (setsid)
    { pid: 101, ppid: 100, pgid: 100, sid: 100 }, // its child
    { pid: 102, ppid: 101, pgid: 102, sid: 102 }, // grandchild that called setsid
    { pid: 103, ppid: 1, pgid: 100, sid: 100 }, // orphan still in the task's session
    { pid: 104, ppid: 102, pgid: 102, sid: 102 }, // in the grandchild's session
    { pid: 200, ppid: 10, pgid: 10, sid: 5 }, // our other child, in our group
    { pid: 300, ppid: 100, pgid: 10, sid: 5 }, // joined our group: protected
  ];
  t.deepEqual(treeMembers(table, 100, self).sort((a, b) => a - b), [100, 101, 102, 103, 104]);
  // The leader is gone: its session and group still lead to the rest.
  t.deepEqual(treeMembers(table.filter((e) => e.pid !== 100), 100, self).sort((a, b) => a - b), [101, 102, 103, 104]);
  t.deepEqual(treeMembers(table, 10, self), []);
});

test('uuidBytes are RFC 4122 version 4', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const text = uuidText(uuidBytes());
    t.regex(text, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(text);
  }
  t.is(seen.size, 100);
});

/** Records what the command executor asks of its driver. */
class FakeDriver implements ExecutorDriver {
  readonly updates: TaskStatusInput[] = [];
  stopped = false;
  private waiter: (() => void) | undefined;
  start(): Promise<Status> {
    return Promise.resolve(Status.DRIVER_RUNNING);
  }
  stop(): Status {
    this.stopped = true;
    this.waiter?.();
    return Status.DRIVER_STOPPED;
  }
  abort(): Status {
    return Status.DRIVER_ABORTED;
  }
  join(): Promise<Status> {
    return Promise.resolve(Status.DRIVER_STOPPED);
  }
  run(): Promise<Status> {
    return Promise.resolve(Status.DRIVER_STOPPED);
  }
  sendStatusUpdate(status: TaskStatusInput): Status {
    this.updates.push(status);
    this.waiter?.();
    return Status.DRIVER_RUNNING;
  }
  sendFrameworkMessage(): Status {
    return Status.DRIVER_RUNNING;
  }
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => (this.waiter = resolve));
  }
  states(): mesos.TaskState[] {
    return this.updates.map((u) => u.state);
  }
}

function inProcess(lines: string[], ackTimeoutMs = 60_000): { executor: CommandExecutor; driver: FakeDriver; sandbox: string } {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'command-executor-unit-'));
  const executor = new CommandExecutor({
    shutdownGracePeriodMs: 5_000,
    sandbox,
    env: process.env,
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    ackTimeoutMs,
  });
  const driver = new FakeDriver();
  executor.registered(driver, executorInfo(), frameworkInfo(), SLAVE_INFO);
  return { executor, driver, sandbox };
}

test('a repeated kill may shorten the grace period, not extend it', async (t) => {
  const lines: string[] = [];
  const { executor, driver, sandbox } = inProcess(lines);
  t.teardown(() => {
    executor.killNow();
    fs.rmSync(sandbox, { recursive: true, force: true });
  });
  executor.launchTask(driver, taskInfo('t', { value: "trap '' TERM; sleep 60" }));
  await driver.until(() => driver.updates.length >= 1);
  t.deepEqual(driver.states(), [mesos.TaskState.TASK_RUNNING]);
  const policy = (seconds: number): mesos.KillPolicy.$Properties => ({ grace_period: { nanoseconds: seconds * 1e9 } });
  executor.killTask(driver, { value: 't' }, policy(60));
  executor.killTask(driver, { value: 't' }, policy(120)); // longer: no-op
  t.false(lines.some((l) => l.startsWith('Rescheduling')));
  executor.killTask(driver, { value: 't' }, policy(0.1)); // shorter: rescheduled
  t.true(lines.some((l) => l.startsWith('Rescheduling escalation to SIGKILL in')));
  await driver.until(() => driver.updates.length >= 2);
  t.is(driver.updates[1]?.state, mesos.TaskState.TASK_KILLED);
  t.is(driver.updates[1]?.message, 'Command terminated with signal Killed');
  t.true(lines.some((l) => /did not terminate after 100ms/.test(l)));
  t.false(driver.stopped, 'waits for the acknowledgement');
  executor.acknowledged();
  t.false(driver.stopped, 'TASK_RUNNING and TASK_KILLED: two acks needed');
  executor.acknowledged();
  t.true(driver.stopped);
  const pid = executor.pid;
  if (pid !== undefined) t.deepEqual(sessionMembers(pid), []);
});

test('without an acknowledgement the executor stops after the timeout', async (t) => {
  const lines: string[] = [];
  const { executor, driver, sandbox } = inProcess(lines, 50);
  t.teardown(() => fs.rmSync(sandbox, { recursive: true, force: true }));
  executor.launchTask(driver, taskInfo('t', { value: 'true' }));
  await driver.until(() => driver.stopped);
  t.deepEqual(driver.states(), [mesos.TaskState.TASK_RUNNING, mesos.TaskState.TASK_FINISHED]);
});

test('shutdown before any task stops at once', (t) => {
  const { executor, driver, sandbox } = inProcess([]);
  t.teardown(() => fs.rmSync(sandbox, { recursive: true, force: true }));
  executor.shutdown(driver);
  t.true(driver.stopped);
  t.deepEqual(driver.updates, []);
});

test('a task without a command fails', async (t) => {
  const { executor, driver, sandbox } = inProcess([], 10);
  t.teardown(() => fs.rmSync(sandbox, { recursive: true, force: true }));
  executor.launchTask(driver, { name: 't', task_id: { value: 't' }, slave_id: { value: 'a' }, resources: [] });
  t.is(driver.updates[0]?.state, mesos.TaskState.TASK_FAILED);
  t.is(driver.updates[0]?.message, "Expecting task 't' to have a command");
  await driver.until(() => driver.stopped);
  t.pass();
});
