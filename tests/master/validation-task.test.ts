// validation::task::validate and ExecutorInfo equality (src/master/validation.cpp,
// src/common/type_utils.cpp; cases after src/tests/master_validation_tests.cpp
// TaskValidationTest).

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import {
  executorInfoEqual,
  validateTask,
  validateTaskID,
  withExecutorFrameworkId,
} from '../../master/validation.js';
import {
  agent,
  executorInfo,
  executorTask,
  framework,
  res,
  reserved,
  scalar,
  taskInfo,
  volume,
  type ExecutorInfo,
  type TaskInfo,
} from './validation-fixtures.js';

const OFFERED = Resources.parse('cpus:4;mem:1024;disk:1024');

type Row = {
  name: string;
  task: TaskInfo;
  framework?: ReturnType<typeof framework>;
  agent?: ReturnType<typeof agent>;
  offered?: Resources;
  error: string | undefined;
};

const bareExecutor = (command: string, extra: Partial<ExecutorInfo> = {}): ExecutorInfo =>
  executorInfo('e1', { command: { value: command }, resources: [], ...extra });

const rows: Row[] = [
  { name: 'command task', task: taskInfo(), error: undefined },
  { name: 'executor task', task: executorTask(executorInfo()), error: undefined },
  {
    name: 'task id with a slash',
    task: taskInfo({ task_id: { value: 't/1' } }),
    error: "TaskID 't/1' contains invalid characters",
  },
  {
    name: 'task id checked before duplicates',
    task: taskInfo({ task_id: { value: 't\n1' } }),
    framework: framework('f1', ['t\n1']),
    error: "TaskID 't\n1' contains invalid characters",
  },
  { name: 'duplicate task id', task: taskInfo(), framework: framework('f1', ['t1']), error: 'Task has duplicate ID: t1' },
  {
    name: 'other agent',
    task: taskInfo({ slave_id: { value: 'a2' } }),
    error: 'Task uses invalid agent a2 while agent a1 is expected',
  },
  {
    name: 'command and executor',
    task: { ...taskInfo(), executor: executorInfo() },
    error: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present',
  },
  {
    name: 'neither command nor executor',
    task: { ...taskInfo(), command: null },
    error: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present',
  },
  {
    name: 'executor of another framework',
    task: executorTask(executorInfo('e1', { framework_id: { value: 'f2' } })),
    error: 'ExecutorInfo has an invalid FrameworkID (Actual: f2 vs Expected: f1)',
  },
  {
    name: 'executor without framework id',
    task: executorTask(executorInfo('e1', { framework_id: null })),
    error: undefined,
  },
  {
    name: 'same executor already on the agent (its resources are not counted again)',
    task: executorTask(executorInfo()),
    agent: agent('a1', { f1: [executorInfo()] }),
    offered: Resources.parse('cpus:1;mem:64'),
    error: undefined,
  },
  {
    name: 'same executor id on another framework does not conflict',
    task: executorTask(bareExecutor('other')),
    agent: agent('a1', { f2: [bareExecutor('exec', { framework_id: { value: 'f2' } })] }),
    error: undefined,
  },
  {
    name: 'different executor with the same id on the agent',
    task: executorTask(bareExecutor('other')),
    agent: agent('a1', { f1: [bareExecutor('exec')] }),
    error: [
      'Task has invalid ExecutorInfo (existing ExecutorInfo with same ExecutorID is not compatible).',
      '------------------------------------------------------------',
      'Existing ExecutorInfo:',
      'executor_id {',
      '  value: "e1"',
      '}',
      'command {',
      '  value: "exec"',
      '}',
      'framework_id {',
      '  value: "f1"',
      '}',
      '',
      '------------------------------------------------------------',
      "Task's ExecutorInfo:",
      'executor_id {',
      '  value: "e1"',
      '}',
      'command {',
      '  value: "other"',
      '}',
      'framework_id {',
      '  value: "f1"',
      '}',
      '',
      '------------------------------------------------------------',
      '',
    ].join('\n'),
  },
  {
    name: 'negative executor shutdown grace period',
    task: executorTask(executorInfo('e1', { shutdown_grace_period: { nanoseconds: -1 } })),
    error: "ExecutorInfo's 'shutdown_grace_period' must be non-negative",
  },
  {
    name: 'zero executor shutdown grace period',
    task: executorTask(executorInfo('e1', { shutdown_grace_period: { nanoseconds: 0 } })),
    error: undefined,
  },
  {
    name: 'invalid task resources',
    task: taskInfo({ resources: [scalar('cpus', -1)] }),
    error: "Task uses invalid resources: Invalid resources: Resource 'cpus(*):-1' is invalid: Invalid scalar resource: value < 0",
  },
  {
    name: 'fractional gpus',
    task: taskInfo({ resources: res('cpus:1;gpus:0.5') }),
    error: "Task uses invalid resources: Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer",
  },
  {
    name: 'invalid executor resources',
    task: executorTask(executorInfo('e1', { resources: [{ ...volume('v1'), disk: {} }] })),
    error: 'Executor uses invalid resources: Invalid DiskInfo: DiskInfo is set but empty',
  },
  {
    name: 'revocable task cpus with non-revocable executor cpus',
    task: executorTask(executorInfo(), { resources: [scalar('cpus', 1, { revocable: {} }), ...res('mem:64')] }),
    error: 'Task (and its executor, if exists) uses both revocable and non-revocable cpus',
  },
  {
    name: 'revocable cpus only',
    task: taskInfo({ resources: [scalar('cpus', 1, { revocable: {} })] }),
    offered: Resources.fromProto([scalar('cpus', 2, { revocable: {} })]),
    error: undefined,
  },
  {
    name: 'duplicate persistence id in task and executor',
    task: executorTask(executorInfo('e1', { resources: [volume('v1')] }), { resources: [...res('cpus:1'), volume('v1')] }),
    offered: Resources.parse('cpus:2').plus(Resources.fromProto([volume('v1'), volume('v1')])),
    error: "Persistence ID 'v1' is not unique",
  },
  {
    name: 'negative kill policy grace period',
    task: taskInfo({ kill_policy: { grace_period: { nanoseconds: -5 } } }),
    error: "Task's 'kill_policy.grace_period' must be non-negative",
  },
  { name: 'kill policy without grace period', task: taskInfo({ kill_policy: {} }), error: undefined },
  { name: 'no resources', task: taskInfo({ resources: [] }), error: 'Task uses no resources' },
  {
    name: 'no task resources even with executor resources',
    task: executorTask(executorInfo(), { resources: [] }),
    error: 'Task uses no resources',
  },
  {
    name: 'more than offered',
    task: taskInfo({ resources: res('cpus:8;mem:64') }),
    error: 'Task uses more resources cpus(*):8; mem(*):64 than available cpus(*):4; mem(*):1024; disk(*):1024',
  },
  {
    name: 'new executor resources counted',
    task: executorTask(executorInfo()),
    offered: Resources.parse('cpus:1;mem:64'),
    error: 'Task uses more resources cpus(*):1.1; mem(*):96 than available cpus(*):1; mem(*):64',
  },
  {
    name: 'reserved resources must be offered as reserved',
    task: taskInfo({ resources: reserved('cpus:1', 'role', 'p') }),
    error: 'Task uses more resources cpus(role, p):1 than available cpus(*):4; mem(*):1024; disk(*):1024',
  },
];

for (const row of rows) {
  test(`task: ${row.name}`, (t) => {
    const error = validateTask(row.task, row.framework ?? framework(), row.agent ?? agent(), row.offered ?? OFFERED);
    t.is(error, row.error);
  });
}

test('task ids: the 1.0 character rule only', (t) => {
  for (const id of ['a/b', 'a\\b', 'a\u0000b', 'a\tb', 'a\u007fb']) {
    t.is(validateTaskID(taskInfo({ task_id: { value: id } })), `TaskID '${id}' contains invalid characters`, id);
  }
  for (const id of ['', '.', '..', 'a b', 'tâche-1', 'a:b']) {
    t.is(validateTaskID(taskInfo({ task_id: { value: id } })), undefined, id);
  }
});

test('withExecutorFrameworkId fills only a missing executor framework id', (t) => {
  const command = taskInfo();
  t.is(withExecutorFrameworkId(command, 'f9'), command);
  const filled = withExecutorFrameworkId(executorTask(executorInfo('e1', { framework_id: null })), 'f9');
  t.deepEqual(filled.executor?.framework_id, { value: 'f9' });
  const kept = executorTask(executorInfo());
  t.is(withExecutorFrameworkId(kept, 'f9'), kept);
});

const equalityRows: Array<{ name: string; left: ExecutorInfo; right: ExecutorInfo; equal: boolean }> = [
  { name: 'identical', left: executorInfo(), right: executorInfo(), equal: true },
  {
    name: 'resources split differently',
    left: executorInfo('e1', { resources: res('cpus:1') }),
    right: executorInfo('e1', { resources: [...res('cpus:0.5'), ...res('cpus:0.5')] }),
    equal: true,
  },
  { name: 'other id', left: executorInfo('e1'), right: executorInfo('e2'), equal: false },
  { name: 'other name', left: executorInfo('e1', { name: 'a' }), right: executorInfo('e1', { name: 'b' }), equal: false },
  {
    name: 'data differs',
    left: executorInfo('e1', { data: new Uint8Array([1]) }),
    right: executorInfo('e1', { data: new Uint8Array([2]) }),
    equal: false,
  },
  { name: 'empty data and unset data', left: executorInfo('e1', { data: new Uint8Array() }), right: executorInfo(), equal: true },
  {
    name: 'labels are not compared',
    left: executorInfo('e1', { labels: { labels: [{ key: 'k', value: 'v' }] } }),
    right: executorInfo(),
    equal: true,
  },
  {
    name: 'shutdown grace period is not compared',
    left: executorInfo('e1', { shutdown_grace_period: { nanoseconds: 5 } }),
    right: executorInfo(),
    equal: true,
  },
  {
    name: 'uris in another order',
    left: executorInfo('e1', { command: { uris: [{ value: 'a' }, { value: 'b' }] } }),
    right: executorInfo('e1', { command: { uris: [{ value: 'b' }, { value: 'a' }] } }),
    equal: true,
  },
  {
    name: 'uri extract defaults to true',
    left: executorInfo('e1', { command: { uris: [{ value: 'a', extract: true }] } }),
    right: executorInfo('e1', { command: { uris: [{ value: 'a' }] } }),
    equal: true,
  },
  {
    name: 'arguments in another order',
    left: executorInfo('e1', { command: { arguments: ['a', 'b'] } }),
    right: executorInfo('e1', { command: { arguments: ['b', 'a'] } }),
    equal: false,
  },
  {
    name: 'environment in another order',
    left: executorInfo('e1', { command: { environment: { variables: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] } } }),
    right: executorInfo('e1', { command: { environment: { variables: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] } } }),
    equal: true,
  },
  {
    name: 'shell unset equals shell true',
    left: executorInfo('e1', { command: { value: 'x', shell: true } }),
    right: executorInfo('e1', { command: { value: 'x' } }),
    equal: true,
  },
  {
    name: 'shell false differs from unset',
    left: executorInfo('e1', { command: { value: 'x', shell: false } }),
    right: executorInfo('e1', { command: { value: 'x' } }),
    equal: false,
  },
  {
    name: 'unset container equals a default DOCKER container',
    left: executorInfo('e1', { container: { type: mesos.ContainerInfo.Type.DOCKER } }),
    right: executorInfo(),
    equal: true,
  },
  {
    name: 'MESOS container differs from unset',
    left: executorInfo('e1', { container: { type: mesos.ContainerInfo.Type.MESOS } }),
    right: executorInfo(),
    equal: false,
  },
  {
    name: 'docker image differs',
    left: executorInfo('e1', { container: { type: 1, docker: { image: 'a' } } }),
    right: executorInfo('e1', { container: { type: 1, docker: { image: 'b' } } }),
    equal: false,
  },
  {
    name: 'discovery port visibility differs',
    left: executorInfo('e1', { discovery: { visibility: 0, ports: { ports: [{ number: 80, visibility: 1 }] } } }),
    right: executorInfo('e1', { discovery: { visibility: 0, ports: { ports: [{ number: 80 }] } } }),
    equal: false,
  },
  {
    name: 'discovery labels in another order',
    left: executorInfo('e1', { discovery: { visibility: 0, labels: { labels: [{ key: 'a' }, { key: 'b' }] } } }),
    right: executorInfo('e1', { discovery: { visibility: 0, labels: { labels: [{ key: 'b' }, { key: 'a' }] } } }),
    equal: true,
  },
];

for (const row of equalityRows) {
  test(`executor equality: ${row.name}`, (t) => {
    t.is(executorInfoEqual(row.left, row.right), row.equal);
    t.is(executorInfoEqual(row.right, row.left), row.equal);
  });
}
