// Master-generated task statuses, sender / kill / acknowledgement / agent checks
// (src/master/master.cpp), and the text forms used in messages.

import test from 'ava';
import { mesos } from '../../proto/index.js';
import {
  agentGoneStatus,
  checkAcknowledgement,
  checkAgentAdmission,
  checkAgentMessage,
  checkDriverCallSender,
  checkDriverMessageSender,
  decideKill,
  frameworkAuthorizationError,
  invalidOffersStatus,
  invalidTaskStatus,
  operationAuthorizationError,
  unauthorizedTaskStatus,
} from '../../master/validation.js';
import { cEscape, debugString, formatG, simpleDtoa } from '../../master/validation-format.js';
import { executorInfo, executorTask, taskInfo, uuidBytes } from './validation-fixtures.js';

const State = mesos.TaskState;
const Reason = mesos.TaskStatus.Reason;

test('statuses the master generates for refused launches', (t) => {
  t.deepEqual(invalidOffersStatus('No offers specified'), {
    state: State.TASK_LOST,
    reason: Reason.REASON_INVALID_OFFERS,
    message: 'Task launched with invalid offers: No offers specified',
  });
  t.deepEqual(invalidTaskStatus('Task uses no resources'), {
    state: State.TASK_ERROR,
    reason: Reason.REASON_TASK_INVALID,
    message: 'Task uses no resources',
  });
  t.deepEqual(agentGoneStatus(true), { state: State.TASK_LOST, reason: Reason.REASON_SLAVE_REMOVED, message: 'Agent removed' });
  t.deepEqual(agentGoneStatus(false), {
    state: State.TASK_LOST,
    reason: Reason.REASON_SLAVE_DISCONNECTED,
    message: 'Agent disconnected',
  });
});

test('unauthorized task: the user named in the message', (t) => {
  const info = { user: 'fwuser', name: 'fw' };
  const message = (task: mesos.TaskInfo.$Properties, failure?: string): string =>
    unauthorizedTaskStatus(task, info, failure).message;
  t.is(message(taskInfo()), "Not authorized to launch as user 'fwuser'");
  t.is(message(taskInfo({ command: { value: 'x', user: 'cmduser' } })), "Not authorized to launch as user 'cmduser'");
  t.is(
    message(executorTask(executorInfo('e1', { command: { value: 'x', user: 'execuser' } }))),
    "Not authorized to launch as user 'execuser'",
  );
  t.is(message(taskInfo(), 'authorizer down'), 'Authorization failure: authorizer down');
  const status = unauthorizedTaskStatus(taskInfo(), info);
  t.is(status.state, State.TASK_ERROR);
  t.is(status.reason, Reason.REASON_TASK_UNAUTHORIZED);
});

test('authorization errors', (t) => {
  t.is(frameworkAuthorizationError('web', true), undefined);
  t.is(frameworkAuthorizationError('web', false), "Not authorized to use role 'web'");
  t.is(frameworkAuthorizationError('web', { failure: 'boom' }), 'Authorization failure: boom');
  const Type = mesos.Offer.Operation.Type;
  t.is(operationAuthorizationError(Type.RESERVE, 'p', true), undefined);
  t.is(operationAuthorizationError(Type.RESERVE, 'p', false), "Not authorized to reserve resources as 'p'");
  t.is(operationAuthorizationError(Type.UNRESERVE, 'p', false), "Not authorized to unreserve resources as 'p'");
  t.is(operationAuthorizationError(Type.CREATE, 'p', false), "Not authorized to create persistent volumes as 'p'");
  t.is(
    operationAuthorizationError(Type.DESTROY, 'p', { failure: 'boom' }),
    "Authorization of principal 'p' to destroy persistent volumes failed: boom",
  );
  t.is(operationAuthorizationError(Type.LAUNCH, 'p', false), undefined);
});

test('driver call and message senders', (t) => {
  const pid = { toString: () => 'scheduler@1.2.3.4:5' };
  const other = { toString: () => 'scheduler@1.2.3.4:6' };
  t.deepEqual(checkDriverCallSender(undefined, pid), { drop: 'Framework cannot be found' });
  t.deepEqual(checkDriverCallSender({ pid, connected: true }, other), { drop: 'Call is not from registered framework' });
  t.deepEqual(checkDriverCallSender({ pid: undefined, connected: true }, pid), { drop: 'Call is not from registered framework' });
  t.deepEqual(checkDriverCallSender({ pid, connected: false }, pid), { frameworkError: 'Framework disconnected' });
  t.is(checkDriverCallSender({ pid, connected: true }, pid), undefined);
  t.is(checkDriverMessageSender(undefined, pid), 'unknown framework');
  t.is(checkDriverMessageSender({ pid, connected: false }, other), 'not from framework pid');
  t.is(checkDriverMessageSender({ pid, connected: false }, pid), undefined);
});

test('kill decisions', (t) => {
  const kill = { task_id: { value: 't1' } };
  const task = { slave_id: { value: 'a1' } };
  t.deepEqual(decideKill(kill, { pendingTasks: new Set(['t1']) }, task), {
    action: 'kill-pending',
    status: { state: State.TASK_KILLED, message: 'Killed pending task' },
  });
  t.deepEqual(decideKill(kill, { pendingTasks: new Map() }, undefined), { action: 'reconcile' });
  t.deepEqual(decideKill({ ...kill, slave_id: { value: 'a2' } }, { pendingTasks: new Set() }, task), {
    action: 'ignore',
    reason: 'it belongs to different agent a1',
  });
  t.deepEqual(decideKill({ ...kill, slave_id: { value: 'a1' } }, { pendingTasks: new Set() }, task), {
    action: 'kill',
    agentId: 'a1',
  });
  t.deepEqual(decideKill(kill, { pendingTasks: new Set() }, task), { action: 'kill', agentId: 'a1' });
});

test('acknowledgement checks', (t) => {
  const agent = { connected: true };
  t.is(checkAcknowledgement({ uuid: uuidBytes(), agent, taskUpdateKnown: true }), undefined);
  t.is(checkAcknowledgement({ uuid: uuidBytes(), agent, taskUpdateKnown: undefined }), undefined);
  t.is(checkAcknowledgement({ uuid: new Uint8Array(3), agent, taskUpdateKnown: true }), 'Not a valid UUID');
  t.is(checkAcknowledgement({ uuid: uuidBytes(), agent: undefined, taskUpdateKnown: true }), 'agent is not registered');
  t.is(checkAcknowledgement({ uuid: uuidBytes(), agent: { connected: false }, taskUpdateKnown: true }), 'agent is disconnected');
  t.is(
    checkAcknowledgement({ uuid: uuidBytes(), agent, taskUpdateKnown: false }),
    'the update was not sent by this master',
  );
});

test('messages from agents', (t) => {
  const removed = { agentRemoved: true, agentRegistered: false };
  t.deepEqual(checkAgentMessage('statusUpdate', removed), { action: 'shutdown', message: 'Status update from unknown agent' });
  t.deepEqual(checkAgentMessage('executorMessage', removed), {
    action: 'shutdown',
    message: 'Executor message from unknown agent',
  });
  t.deepEqual(checkAgentMessage('updateSlave', removed), {
    action: 'shutdown',
    message: 'Update agent message from unknown agent',
  });
  t.deepEqual(checkAgentMessage('exitedExecutor', removed), {
    action: 'shutdown',
    message: 'Executor exited message from unknown agent',
  });
  t.deepEqual(checkAgentMessage('statusUpdate', { agentRemoved: false, agentRegistered: false }), {
    action: 'ignore',
    reason: 'unknown agent',
  });
  const registered = { agentRemoved: false, agentRegistered: true };
  t.deepEqual(checkAgentMessage('statusUpdate', { ...registered, frameworkKnown: false }), {
    action: 'ignore',
    reason: 'unknown framework',
  });
  t.is(checkAgentMessage('updateSlave', { ...registered, frameworkKnown: false }), undefined);
  t.is(checkAgentMessage('statusUpdate', { ...registered, frameworkKnown: true }), undefined);
});

test('agent admission', (t) => {
  const base = { authenticateAgents: false, authenticated: false, machineDown: false };
  t.is(checkAgentAdmission(base), undefined);
  t.is(checkAgentAdmission({ ...base, authenticateAgents: true }), 'Agent is not authenticated');
  t.is(checkAgentAdmission({ ...base, authenticateAgents: true, authenticated: true }), undefined);
  t.is(checkAgentAdmission({ ...base, machineDown: true, removed: true }), 'Machine is `DOWN`');
  t.is(checkAgentAdmission({ ...base, removed: true, addressChanged: true }), 'Agent attempted to re-register after removal');
  t.is(
    checkAgentAdmission({ ...base, addressChanged: true }),
    'Agent attempted to re-register with different IP / hostname',
  );
});

test('formatG prints doubles like a C++ ostream', (t) => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [-1, '-1'],
    [0.1, '0.1'],
    [2.5, '2.5'],
    [100000, '100000'],
    [1000000, '1e+06'],
    [123456789, '1.23457e+08'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e10, '1e+10'],
    [1e300, '1e+300'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ];
  for (const [value, text] of cases) t.is(formatG(value), text, String(value));
  t.is(simpleDtoa(0.1), '0.1');
  t.is(simpleDtoa(1 / 3), '0.33333333333333331');
  t.is(simpleDtoa(32), '32');
});

test('cEscape and debugString follow protobuf 2.6 text format', (t) => {
  t.is(cEscape(new TextEncoder().encode('a"b\'c\\d\n\t\r')), 'a\\"b\\\'c\\\\d\\n\\t\\r');
  t.is(cEscape(new Uint8Array([0, 7, 0x7f, 0xc3, 0xa9])), '\\000\\007\\177\\303\\251');
  const text = debugString('mesos.ExecutorInfo', {
    executor_id: { value: 'e1' },
    command: { value: 'x', arguments: ['a', 'b'], shell: false },
    container: { type: mesos.ContainerInfo.Type.MESOS },
    shutdown_grace_period: { nanoseconds: 5 },
  });
  t.is(
    text,
    [
      'executor_id {',
      '  value: "e1"',
      '}',
      'command {',
      '  value: "x"',
      '  shell: false',
      '  arguments: "a"',
      '  arguments: "b"',
      '}',
      'container {',
      '  type: MESOS',
      '}',
      'shutdown_grace_period {',
      '  nanoseconds: 5',
      '}',
      '',
    ].join('\n'),
  );
});
