// The cached GET_STATE assembly (master/http/operator-state.ts) against the
// plain way: building the whole v0 Response and encoding it. Same bytes, and
// the same v1 JSON as rendering those bytes.

import test from 'ava';
import { mesos, toJSONString } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { UPID } from '../../libprocess/upid.js';
import { buildMasterState } from '../../benchmarks/master.js';
import { Agent, Framework, type TaskRecord } from '../../master/model.js';
import type { MasterState } from '../../master/indexes.js';
import {
  agentMessage,
  frameworkMessage,
  getStateTree,
  responseTree,
  subscribedTree,
  taskLeaf,
  treeBytes,
  treeJson,
} from '../../master/http/operator-state.js';
import { jsonOfBytes } from '../../master/http/operator-http.js';
import { taskAddedEvent, taskUpdatedEvent } from '../../master/operator-events.js';

/** A state with every list populated: completed frameworks and tasks, orphans, executors, offers. */
function richState(): MasterState {
  const state = buildMasterState(3);
  const [first] = state.frameworks.values();
  if (first === undefined) throw new Error('no framework');
  // An executor of a registered framework.
  const agent = [...state.agents.values()][0] as Agent;
  const executor: mesos.ExecutorInfo.$Properties = {
    executor_id: { value: 'exec-1' },
    framework_id: { value: first.id },
    command: { value: 'run', shell: true },
    resources: Resources.parse('cpus:0.1;mem:32').toProto(),
  };
  agent.addExecutor(first.id, executor);
  first.addExecutor(agent.id, executor);
  // A completed task of a registered framework.
  first.completedTasks.push({
    name: 'done',
    task_id: { value: 'done-1' },
    framework_id: { value: first.id },
    slave_id: { value: agent.id },
    state: mesos.TaskState.TASK_FINISHED,
    resources: [],
    statuses: [{ task_id: { value: 'done-1' }, state: mesos.TaskState.TASK_FINISHED, timestamp: 1.5, slave_id: { value: agent.id } }],
  });
  // A completed framework.
  const gone = new Framework({ id: { value: 'gone' }, name: 'gone', user: 'u' }, { kind: 'pid', pid: UPID.parse('s@1.2.3.4:5') }, 100);
  gone.unregisteredTime = 200;
  gone.active = false;
  state.completeFramework(gone);
  // An orphan task and executor (framework not registered).
  const orphan: mesos.Task.$Properties = {
    name: 'orphan',
    task_id: { value: 'orphan-1' },
    framework_id: { value: 'unknown-fw' },
    slave_id: { value: agent.id },
    state: mesos.TaskState.TASK_RUNNING,
    resources: Resources.parse('cpus:1').toProto(),
    statuses: [],
  };
  const record: TaskRecord = { task: orphan, resources: Resources.parse('cpus:1') };
  agent.addTask(record);
  agent.addExecutor('unknown-fw', { executor_id: { value: 'orphan-exec' }, framework_id: { value: 'unknown-fw' }, command: { value: 'x' } });
  // An offer.
  const offer: mesos.Offer.$Properties = {
    id: { value: 'offer-1' },
    framework_id: { value: first.id },
    slave_id: { value: agent.id },
    hostname: agent.info.hostname,
    resources: Resources.parse('cpus:1').toProto(),
  };
  state.offers.set('offer-1', { offer, id: 'offer-1', frameworkId: first.id, agentId: agent.id, resources: Resources.parse('cpus:1'), timer: undefined });
  first.offers.add('offer-1');
  const reregistered = [...state.agents.values()][1] as Agent;
  reregistered.reregisteredTime = 12345.5;
  const added = new Agent({ id: { value: 'late' }, hostname: 'late', resources: [] }, UPID.parse('slave(1)@1.1.1.1:1'), '1.0.0', 7, Resources.EMPTY);
  state.addAgent(added);
  return state;
}

/** _getState built whole, as the v0 message. */
function plainState(state: MasterState): mesos.master.Response.GetState.$Properties {
  const frameworks = [...state.frameworks.values(), ...state.completedFrameworks];
  const tasks = frameworks.flatMap((f) => [...f.tasks.values()].map((r) => r.task));
  const completed = frameworks.flatMap((f) => f.completedTasks);
  const orphans: mesos.Task.$Properties[] = [];
  const orphanExecutors: mesos.master.Response.GetExecutors.Executor.$Properties[] = [];
  for (const agent of state.agents.values()) {
    for (const [frameworkId, byId] of agent.tasks) if (!state.frameworks.has(frameworkId)) orphans.push(...[...byId.values()].map((r) => r.task));
    for (const [frameworkId, byId] of agent.executors) {
      if (!state.frameworks.has(frameworkId)) for (const info of byId.values()) orphanExecutors.push({ executor_info: info, slave_id: { value: agent.id } });
    }
  }
  const executors = frameworks.flatMap((f) =>
    [...f.executors].flatMap(([agentId, byId]) => [...byId.values()].map((info) => ({ executor_info: info, slave_id: { value: agentId } }))),
  );
  return {
    get_tasks: { tasks, completed_tasks: completed, orphan_tasks: orphans },
    get_executors: { executors, orphan_executors: orphanExecutors },
    get_frameworks: {
      frameworks: [...state.frameworks.values()].map((f) => frameworkMessage(state, f)),
      completed_frameworks: state.completedFrameworks.map((f) => frameworkMessage(state, f)),
    },
    get_agents: { agents: [...state.agents.values()].map((a) => agentMessage(a)) },
  };
}

test('GET_STATE assembled from cached pieces is byte for byte the encoded message, in both content types', (t) => {
  const state = richState();
  const plain = mesos.master.Response.encode({ type: mesos.master.Response.Type.GET_STATE, get_state: plainState(state) }).finish();
  for (let round = 0; round < 2; round++) {
    const tree = responseTree('GET_STATE', 9, 'get_state', getStateTree(state));
    t.deepEqual(treeBytes(tree), Buffer.from(plain), `protobuf, round ${round}`);
    t.is(treeJson(tree).toString(), jsonOfBytes(mesos.v1.master.Response, plain), `JSON, round ${round}`);
  }
  const json = JSON.parse(treeJson(responseTree('GET_STATE', 9, 'get_state', getStateTree(state))).toString()) as {
    get_state: { get_tasks: { orphan_tasks: Array<Record<string, unknown>> }; get_executors: { orphan_executors: unknown[] } };
  };
  // v1 names: agent_id, not slave_id.
  t.truthy(json.get_state.get_tasks.orphan_tasks[0]?.['agent_id']);
  t.falsy(json.get_state.get_tasks.orphan_tasks[0]?.['slave_id']);
  t.is(json.get_state.get_executors.orphan_executors.length, 1);
});

test('the SUBSCRIBED event carries the same state', (t) => {
  const state = richState();
  const plain = mesos.master.Event.encode({ type: mesos.master.Event.Type.SUBSCRIBED, subscribed: { get_state: plainState(state) } }).finish();
  const tree = subscribedTree(state);
  t.deepEqual(treeBytes(tree), Buffer.from(plain));
  t.is(treeJson(tree).toString(), jsonOfBytes(mesos.v1.master.Event, plain));
});

test('an empty master renders empty sub-messages', (t) => {
  const state = buildMasterState(0);
  state.frameworks.clear();
  const tree = responseTree('GET_STATE', 9, 'get_state', getStateTree(state));
  t.is(treeJson(tree).toString(), '{"get_state":{"get_agents":{},"get_executors":{},"get_frameworks":{},"get_tasks":{}},"type":"GET_STATE"}');
  const plain = mesos.master.Response.encode({
    type: mesos.master.Response.Type.GET_STATE,
    get_state: { get_tasks: {}, get_executors: {}, get_frameworks: {}, get_agents: {} },
  }).finish();
  t.deepEqual(treeBytes(tree), Buffer.from(plain));
});

test('a task is re-encoded when a status update changes it', (t) => {
  const state = buildMasterState(1);
  const record = [...[...state.frameworks.values()][0]!.tasks.values()][0]!;
  const task = record.task;
  const before = taskLeaf(task);
  t.is(taskLeaf(task), before);
  task.state = mesos.TaskState.TASK_FINISHED;
  task.statuses!.push({ task_id: task.task_id, state: mesos.TaskState.TASK_FINISHED, timestamp: 9 });
  const after = taskLeaf(task);
  t.not(after, before);
  t.deepEqual(Buffer.from(after.bytes), Buffer.from(mesos.Task.encode(task).finish()));
  t.is(Buffer.from(after.json()).toString(), toJSONString(mesos.v1.Task, mesos.v1.Task.decode(mesos.Task.encode(task).finish())));
});

test('TASK_ADDED and TASK_UPDATED events are createTaskAdded / createTaskUpdated', (t) => {
  const state = buildMasterState(1);
  const task = [...[...state.frameworks.values()][0]!.tasks.values()][0]!.task;
  const added = taskAddedEvent(task);
  const plainAdded = mesos.master.Event.encode({ type: mesos.master.Event.Type.TASK_ADDED, task_added: { task } }).finish();
  t.deepEqual(treeBytes(added), Buffer.from(plainAdded));
  t.is(treeJson(added).toString(), jsonOfBytes(mesos.v1.master.Event, plainAdded));
  const updated = taskUpdatedEvent({ ...task, executor_id: { value: 'e' } }, mesos.TaskState.TASK_KILLED);
  t.deepEqual(JSON.parse(Buffer.from(updated.json()).toString()), {
    task_updated: {
      agent_id: { value: task.slave_id.value },
      executor_id: { value: 'e' },
      framework_id: { value: task.framework_id.value },
      state: 'TASK_KILLED',
      task_id: { value: task.task_id.value },
    },
    type: 'TASK_UPDATED',
  });
});
