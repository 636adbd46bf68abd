import test from 'ava';
import { containerEnvironment, executorEnvironment, executorUser } from '../../agent/containerizer/index.js';
import { helperInvocation } from '../../agent/containerizer/launch-helper.js';
import { UPID } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { executorInfo, shell } from './containerizer-helpers.js';

const flags = {
  http_command_executor: true,
  executor_shutdown_grace_period: 5_000,
  recovery_timeout: 15 * 60_000,
};

test('executorEnvironment(): Mesos 1.0 variables, without checkpointing', (t) => {
  const env = executorEnvironment(executorInfo(shell('x')), '/sandbox', 'S1', 'slave(1)@10.0.0.1:5051', false, flags, {});
  t.deepEqual(env, {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LIBPROCESS_PORT: '0',
    MESOS_FRAMEWORK_ID: 'framework-1',
    MESOS_EXECUTOR_ID: 'executor-1',
    MESOS_DIRECTORY: '/sandbox',
    MESOS_SLAVE_ID: 'S1',
    MESOS_SLAVE_PID: 'slave(1)@10.0.0.1:5051',
    MESOS_AGENT_ENDPOINT: '10.0.0.1:5051',
    MESOS_CHECKPOINT: '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '1',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
  });
});

test('executorEnvironment(): LIBPROCESS_IP, flag variables, grace period override, checkpointing', (t) => {
  const info = executorInfo(shell('x'), { shutdown_grace_period: { nanoseconds: 1_500_000_000 } });
  const env = executorEnvironment(
    info,
    '/sandbox',
    'S1',
    new UPID('slave(1)', '10.0.0.1', 5051),
    true,
    { ...flags, executor_environment_variables: { PATH: '/bin', LIBPROCESS_PORT: '1234', MESOS_SLAVE_ID: 'x' } },
    { LIBPROCESS_IP: '10.0.0.1' },
  );
  t.is(env['LIBPROCESS_IP'], '10.0.0.1');
  t.is(env['PATH'], '/bin');
  t.is(env['LIBPROCESS_PORT'], '0'); // Mesos overrides it
  t.is(env['MESOS_SLAVE_ID'], 'S1');
  t.is(env['MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD'], '1500ms');
  t.is(env['MESOS_RECOVERY_TIMEOUT'], '15mins');
  t.is(env['MESOS_SUBSCRIPTION_BACKOFF_MAX'], '2secs');
  t.is(env['MESOS_CHECKPOINT'], '1');
});

test('containerEnvironment(): sandbox, command variables, then isolator variables win', (t) => {
  const info = executorInfo(
    shell('x', { environment: { variables: [{ name: 'A', value: 'command' }, { name: 'B', value: 'command' }] } }),
  );
  const env = containerEnvironment({ A: 'base', C: 'base', MESOS_SANDBOX: 'base' }, info, '/sandbox', [
    { environment: { variables: [{ name: 'B', value: 'isolator' }] } },
    undefined,
  ]);
  t.deepEqual(env, { A: 'command', B: 'isolator', C: 'base', MESOS_SANDBOX: '/sandbox' });
});

test('executorUser(): --switch_user, command user, framework user', (t) => {
  const framework = { user: 'fw', name: 'f' };
  t.is(executorUser(framework, executorInfo(shell('x')), true), 'fw');
  t.is(executorUser(framework, executorInfo(shell('x', { user: 'cmd' })), true), 'cmd');
  t.is(executorUser(framework, executorInfo(shell('x', { user: 'cmd' })), false), undefined);
  // Decoded messages carry defaults on the prototype: an unset user is still unset.
  const decoded = mesos.ExecutorInfo.decode(mesos.ExecutorInfo.encode(mesos.ExecutorInfo.create(executorInfo(shell('x')))).finish());
  t.is(executorUser(framework, decoded, true), 'fw');
});

test('the launch helper is told how to run shell and plain commands', (t) => {
  const plain = helperInvocation({
    command: { shell: false, value: '/bin/echo', arguments: ['echo', 'a'] },
    environment: { PATH: '/bin', PERL5OPT: '-d' },
  });
  t.is(plain.env['PERL5OPT'], undefined);
  t.is(plain.env['PATH'], '/bin');
  t.deepEqual(plain.args.slice(3), [
    '--sync',
    '--restore',
    'PERL_BADLANG',
    '--restore',
    'PERL5OPT=-d',
    '--exec',
    'echo',
    '/bin/echo',
    'a',
  ]);
  const sh = helperInvocation({ command: { value: 'echo hi' }, environment: {} });
  t.deepEqual(sh.args.slice(-2), ['--shell', 'echo hi']);
  const missing = helperInvocation({ command: { shell: false }, environment: {} });
  t.deepEqual(missing.args.slice(-2), ['--fail', 'Executable path is not specified']);
});

test('a decoded command without a value is reported like Mesos does', (t) => {
  const decoded = mesos.CommandInfo.decode(mesos.CommandInfo.encode(mesos.CommandInfo.create({})).finish());
  t.deepEqual(helperInvocation({ command: decoded, environment: {} }).args.slice(-2), [
    '--fail',
    'Shell command is not specified',
  ]);
});
