// The classic endpoint renderers as pure functions over a model built by hand:
// exact text of agents, frameworks, tasks, statuses, executors and offers;
// number formatting; memo invalidation; /tasks paging and ordering; /roles.

import test from 'ava';
import { UPID } from '../../libprocess/upid.js';
import { formatDouble, mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { MasterState } from '../../master/indexes.js';
import { Agent, Framework, type TaskRecord } from '../../master/model.js';
import { JsonSink } from '../../master/http/sink.js';
import { agentJson, render, writeFrameworksEndpoint, writeSlaves, writeState } from '../../master/http/state.js';
import { writeStateSummary } from '../../master/http/summary.js';
import { numifyInt, pageRange, parseTaskQuery, writeTasks, type TaskQuery } from '../../master/http/tasks.js';
import { resourcesModelJson, rolesJson } from '../../master/http/roles.js';
import { versionJson } from '../../master/http/version.js';
import { attributesJson, commandJson, dbl, executorJson, resourcesJson, taskJson, taskStatusJson } from '../../master/http/writers.js';
import type { MasterView } from '../../master/http/view.js';
import { at, keys } from './http-helpers.js';

const S = mesos.TaskState;
const BUILD = { date: '2016-07-27 12:00:00', time: 1469620800, user: 'builder' };

function task(id: string, frameworkId: string, agentId: string, timestamps: number[], extra: Partial<mesos.Task.$Properties> = {}): TaskRecord {
  const resources = Resources.parse('cpus:1;mem:64');
  return {
    task: {
      name: `task ${id}`,
      task_id: { value: id },
      framework_id: { value: frameworkId },
      slave_id: { value: agentId },
      state: timestamps.length === 0 ? S.TASK_STAGING : S.TASK_RUNNING,
      resources: resources.toProto(),
      statuses: timestamps.map((timestamp) => ({ task_id: { value: id }, state: S.TASK_RUNNING, timestamp })),
      ...extra,
    },
    resources,
  };
}

interface Fixture {
  view: MasterView;
  agent: Agent;
  framework: Framework;
}

function fixture(): Fixture {
  const state = new MasterState(10);
  const agent = new Agent(
    {
      id: { value: 'S0' },
      hostname: 'agent-0',
      resources: Resources.parse('cpus:4;mem:1024;cpus(web):2;ports:[31000-31009]').toProto(),
      attributes: [
        { name: 'rack', type: mesos.Value.Type.TEXT, text: { value: 'r1' } },
        { name: 'weight', type: mesos.Value.Type.SCALAR, scalar: { value: 2 } },
        { name: 'slots', type: mesos.Value.Type.RANGES, ranges: { range: [{ begin: 1, end: 4 }, { begin: 8, end: 9 }] } },
        { name: 'disks', type: mesos.Value.Type.SET, set: { item: ['ssd', 'hdd'] } },
      ],
    },
    UPID.parse('slave(1)@10.0.0.1:5051'),
    '1.0.0',
    100.5,
    Resources.EMPTY,
  );
  state.addAgent(agent);
  const framework = new Framework(
    { id: { value: 'F0' }, name: 'web', user: 'www', role: 'web', principal: 'p', failover_timeout: 60, checkpoint: true },
    { kind: 'pid', pid: UPID.parse('scheduler(1)@10.0.0.2:4000') },
    50,
  );
  state.frameworks.set('F0', framework);
  return {
    agent,
    framework,
    view: {
      state,
      version: '1.0.0',
      build: BUILD,
      id: 'M',
      pid: 'master@10.0.0.9:5050',
      hostname: 'master-0',
      startTime: 10,
      electedTime: 11.25,
      leader: { id: 'M', ip: 0, port: 5050, pid: 'master@10.0.0.9:5050', hostname: 'master-0' },
      cluster: undefined,
      flags: { port: '5050', hostname: 'master-0' },
    },
  };
}

function addTask(f: Fixture, record: TaskRecord): void {
  f.agent.addTask(record);
  f.framework.addTask(record);
}

test('dbl prints doubles as stout does (same text as formatDouble)', (t) => {
  const cases = [0, 1, 2, 0.5, 0.1 + 0.2, 1469620800, 1469620800.25, 1e-4, 1.5e-4, 9.99e-5, 1e14, 1e15, 123456789012345, 1234567890123456, -3.75, 4096, 1 / 3];
  for (let i = 0; i < 2000; i++) cases.push(Math.random() * 10 ** Math.floor(Math.random() * 24 - 8));
  for (const value of cases) t.is(dbl(value), formatDouble(value), String(value));
  t.is(dbl(2), '2.0');
  t.is(dbl(1469620800.25), '1469620800.25');
});

test('resources: scalars (cpus, gpus, mem, disk always) then ranges then sets; revocable suffixed', (t) => {
  t.is(resourcesJson(Resources.EMPTY), '{"cpus":0.0,"gpus":0.0,"mem":0.0,"disk":0.0}');
  const resources = Resources.fromProto([
    ...Resources.parse('cpus:1.5;mem:100;cpus(web):0.5;ports:[1-2,5-6];bugs:{a,b};ports(web):[3-4]').toProto(),
    { name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 2 }, revocable: {} },
  ]);
  t.is(
    resourcesJson(resources),
    '{"cpus":2.0,"gpus":0.0,"mem":100.0,"disk":0.0,"cpus_revocable":2.0,"ports":"[1-6]","bugs":"{a, b}"}',
  );
  // /roles renders through model(Resources): a sorted JSON::Object with integer zeros.
  t.is(
    resourcesModelJson(resources),
    '{"bugs":"{a, b}","cpus":2.0,"cpus_revocable":2.0,"disk":0,"gpus":0,"mem":100.0,"ports":"[1-6]"}',
  );
});

test('agent object: fields, order, reservations and attributes', (t) => {
  const f = fixture();
  const json = JSON.parse(agentJson(f.agent)) as Record<string, unknown>;
  t.deepEqual(keys(json), [
    'id', 'pid', 'hostname', 'registered_time', 'resources', 'used_resources', 'offered_resources',
    'reserved_resources', 'unreserved_resources', 'attributes', 'active', 'version',
  ]);
  t.is(json['pid'], 'slave(1)@10.0.0.1:5051');
  t.deepEqual(json['reserved_resources'], { web: { cpus: 2, gpus: 0, mem: 0, disk: 0 } });
  t.deepEqual(json['unreserved_resources'], { cpus: 4, gpus: 0, mem: 1024, disk: 0, ports: '[31000-31009]' });
  t.deepEqual(json['resources'], { cpus: 6, gpus: 0, mem: 1024, disk: 0, ports: '[31000-31009]' });
  t.is(attributesJson(f.agent.info.attributes), '{"rack":"r1","weight":2.0,"slots":"[1-4, 8-9]","disks":"{ssd, hdd}"}');
  f.agent.reregisteredTime = 200;
  t.regex(agentJson(f.agent), /"registered_time":100\.5,"reregistered_time":200\.0,"resources"/);
});

test('agent text is memoized and follows changes of used, offered and active', (t) => {
  const f = fixture();
  const before = agentJson(f.agent);
  t.is(agentJson(f.agent), before);
  addTask(f, task('t1', 'F0', 'S0', [1]));
  t.regex(agentJson(f.agent), /"used_resources":\{"cpus":1\.0,"gpus":0\.0,"mem":64\.0,"disk":0\.0\}/);
  f.agent.offeredResources = Resources.parse('cpus:2');
  t.regex(agentJson(f.agent), /"offered_resources":\{"cpus":2\.0,/);
  f.agent.active = false;
  t.regex(agentJson(f.agent), /"active":false/);
});

test('task object: exact text, optional fields, statuses; memo follows state and statuses', (t) => {
  const record = task('t1', 'F0', 'S0', [12.5], {
    executor_id: { value: 'E1' },
    user: 'nobody',
    labels: { labels: [{ key: 'a', value: '1' }, { key: 'b' }] },
    discovery: { visibility: mesos.DiscoveryInfo.Visibility.CLUSTER, name: 'svc' },
    container: { type: mesos.ContainerInfo.Type.MESOS, hostname: 'h' },
  });
  t.is(
    taskJson(record.task, record.resources),
    '{"id":"t1","name":"task t1","framework_id":"F0","executor_id":"E1","slave_id":"S0","state":"TASK_RUNNING",' +
      '"resources":{"cpus":1.0,"gpus":0.0,"mem":64.0,"disk":0.0},"statuses":[{"state":"TASK_RUNNING","timestamp":12.5}],' +
      '"user":"nobody","labels":[{"key":"a","value":"1"},{"key":"b"}],' +
      '"discovery":{"visibility":"CLUSTER","name":"svc"},"container":{"type":"MESOS","hostname":"h"}}',
  );
  record.task.state = S.TASK_FINISHED;
  record.task.statuses?.push({ task_id: { value: 't1' }, state: S.TASK_FINISHED, timestamp: 13 });
  const json = JSON.parse(taskJson(record.task, record.resources)) as Record<string, unknown>;
  t.is(json['state'], 'TASK_FINISHED');
  t.deepEqual(json['statuses'], [
    { state: 'TASK_RUNNING', timestamp: 12.5 },
    { state: 'TASK_FINISHED', timestamp: 13 },
  ]);
  // A task message without a TaskRecord parses its own resources.
  t.regex(taskJson(task('t2', 'F0', 'S0', []).task), /"state":"TASK_STAGING","resources":\{"cpus":1\.0,"gpus":0\.0,"mem":64\.0/);
});

test('status object: labels, container status with network infos, healthy', (t) => {
  t.is(
    taskStatusJson({
      task_id: { value: 't' },
      state: S.TASK_RUNNING,
      timestamp: 5,
      healthy: false,
      labels: { labels: [{ key: 'x', value: 'y' }] },
      container_status: {
        network_infos: [
          {
            ip_addresses: [{ protocol: mesos.NetworkInfo.Protocol.IPv4, ip_address: '10.1.1.1' }],
            groups: ['g'],
            name: 'net',
            labels: { labels: [] },
          },
        ],
        cgroup_info: { net_cls: { classid: 7 } },
      },
    }),
    '{"state":"TASK_RUNNING","timestamp":5.0,"labels":[{"key":"x","value":"y"}],"container_status":{"network_infos":' +
      '[{"groups":["g"],"labels":[],"ip_addresses":[{"protocol":"IPv4","ip_address":"10.1.1.1"}],"name":"net"}],' +
      '"cgroup_info":{"net_cls":{"classid":7}}},"healthy":false}',
  );
});

test('executor and command objects', (t) => {
  t.is(commandJson({ value: 'echo', shell: true }), '{"shell":true,"value":"echo","argv":[],"uris":[]}');
  t.is(
    executorJson(
      {
        executor_id: { value: 'E' },
        framework_id: { value: 'F0' },
        command: {
          shell: false,
          value: '/bin/exec',
          arguments: ['exec', '-v'],
          environment: { variables: [{ name: 'A', value: 'b' }] },
          uris: [{ value: 'http://x/y.tgz' }, { value: 'z', executable: true }],
        },
        resources: Resources.parse('cpus:0.1;mem:32').toProto(),
        labels: { labels: [{ key: 'l', value: 'v' }] },
      },
      'S0',
    ),
    '{"executor_id":"E","name":"","framework_id":"F0","command":{"shell":false,"value":"\\/bin\\/exec","argv":["exec","-v"],' +
      '"environment":{"variables":[{"name":"A","value":"b"}]},"uris":[{"value":"http:\\/\\/x\\/y.tgz","executable":false},' +
      '{"value":"z","executable":true}]},"resources":{"cpus":0.1,"gpus":0.0,"mem":32.0,"disk":0.0},' +
      '"labels":[{"key":"l","value":"v"}],"slave_id":"S0"}',
  );
});

test('/state: top-level order, frameworks with tasks, offers, executors, completed, orphans', (t) => {
  const f = fixture();
  addTask(f, task('t1', 'F0', 'S0', [3]));
  f.agent.addExecutor('F0', { executor_id: { value: 'E' }, framework_id: { value: 'F0' }, command: { value: 'x' } });
  f.framework.addExecutor('S0', { executor_id: { value: 'E' }, framework_id: { value: 'F0' }, command: { value: 'x' } });
  const offered = Resources.parse('cpus:1');
  f.view.state.offers.set('O1', {
    id: 'O1',
    frameworkId: 'F0',
    agentId: 'S0',
    resources: offered,
    timer: undefined,
    offer: { id: { value: 'O1' }, framework_id: { value: 'F0' }, slave_id: { value: 'S0' }, hostname: 'agent-0', resources: offered.toProto() },
  });
  f.framework.offers.add('O1');
  f.framework.offeredResources = offered;
  const done = task('t0', 'F0', 'S0', [1]);
  done.task.state = S.TASK_FINISHED;
  f.framework.completedTasks.push(done.task);
  // A task on the agent of a framework that is not registered.
  f.agent.addTask(task('orphan', 'F9', 'S0', [2]));
  const gone = new Framework({ id: { value: 'F1' }, name: 'old', user: 'u' }, { kind: 'pid', pid: UPID.parse('s(2)@10.0.0.3:1') }, 5);
  gone.unregisteredTime = 6;
  f.view.state.completeFramework(gone);

  const json = JSON.parse(render(writeState, f.view)) as Record<string, unknown>;
  t.deepEqual(keys(json), [
    'version', 'build_date', 'build_time', 'build_user', 'start_time', 'elected_time', 'id', 'pid', 'hostname',
    'activated_slaves', 'deactivated_slaves', 'leader', 'flags', 'slaves', 'frameworks', 'completed_frameworks',
    'orphan_tasks', 'unregistered_frameworks',
  ]);
  t.deepEqual(json['flags'], { hostname: 'master-0', port: '5050' });
  const framework = at(json, 'frameworks', 0);
  t.deepEqual(keys(framework), [
    'id', 'name', 'pid', 'used_resources', 'offered_resources', 'capabilities', 'hostname', 'webui_url', 'active',
    'user', 'failover_timeout', 'checkpoint', 'role', 'registered_time', 'unregistered_time', 'principal', 'resources',
    'tasks', 'completed_tasks', 'offers', 'executors',
  ]);
  t.deepEqual(at(framework, 'resources'), { cpus: 2, gpus: 0, mem: 64, disk: 0 }, 'used plus offered');
  t.deepEqual(at(framework, 'offers'), [{ id: 'O1', framework_id: 'F0', slave_id: 'S0', resources: { cpus: 1, gpus: 0, mem: 0, disk: 0 } }]);
  t.deepEqual(at<unknown[]>(framework, 'tasks').map((x) => at(x, 'id')), ['t1']);
  t.deepEqual(at<unknown[]>(framework, 'completed_tasks').map((x) => at(x, 'state')), ['TASK_FINISHED']);
  t.deepEqual(keys(at(framework, 'executors', 0)), ['executor_id', 'name', 'framework_id', 'command', 'resources', 'slave_id']);
  t.deepEqual(at<unknown[]>(json, 'completed_frameworks').map((x) => at(x, 'unregistered_time')), [6]);
  t.deepEqual(at<unknown[]>(json, 'orphan_tasks').map((x) => at(x, 'id')), ['orphan']);
  t.deepEqual(json['unregistered_frameworks'], ['F9']);

  const text = render(writeState, f.view);
  t.true(text.startsWith('{"version":"1.0.0","build_date":"2016-07-27 12:00:00","build_time":1469620800.0,"build_user":"builder","start_time":10.0,"elected_time":11.25,'));
  t.regex(text, /"activated_slaves":1\.0,"deactivated_slaves":0\.0,"leader":"master@10\.0\.0\.9:5050","flags"/);
  t.regex(text, /"failover_timeout":60\.0,"checkpoint":true,"role":"web","registered_time":50\.0,"unregistered_time":0\.0,"principal":"p"/);

  const frameworks = JSON.parse(render(writeFrameworksEndpoint, f.view)) as Record<string, unknown>;
  t.deepEqual(keys(frameworks), ['frameworks', 'completed_frameworks', 'unregistered_frameworks']);
  t.deepEqual(frameworks['frameworks'], json['frameworks']);
});

test('/state: optional build and flag fields, unelected master, http frameworks without pid', (t) => {
  const f = fixture();
  const view: MasterView = {
    ...f.view,
    build: { ...BUILD, gitSha: 'abc', gitBranch: 'main', gitTag: '1.0.0' },
    electedTime: undefined,
    leader: undefined,
    cluster: 'prod',
    flags: { ...f.view.flags, log_dir: '/logs', external_log_file: '/logs/m.log' },
  };
  const http = new Framework({ id: { value: 'H' }, name: 'h', user: 'u' }, { kind: 'http', streamId: 's', send: () => true, close: () => undefined, closed: new Promise<void>(() => undefined), startHeartbeats: () => undefined }, 1);
  f.view.state.frameworks.set('H', http);
  const json = JSON.parse(render(writeState, view)) as Record<string, unknown>;
  t.deepEqual(keys(json).slice(0, 14), [
    'version', 'git_sha', 'git_branch', 'git_tag', 'build_date', 'build_time', 'build_user', 'start_time', 'id', 'pid',
    'hostname', 'activated_slaves', 'deactivated_slaves', 'cluster',
  ]);
  t.deepEqual(keys(json).slice(14, 17), ['log_dir', 'external_log_file', 'flags']);
  t.false(keys(at(json, 'frameworks', 1)).includes('pid'));
  t.is(versionJson('1.0.0', view.build), '{"build_date":"2016-07-27 12:00:00","build_time":1469620800.0,"build_user":"builder","git_branch":"main","git_sha":"abc","git_tag":"1.0.0","version":"1.0.0"}');
});

test('/slaves adds the full Resource protobufs', (t) => {
  const f = fixture();
  addTask(f, task('t1', 'F0', 'S0', [1]));
  const json = JSON.parse(render(writeSlaves, f.view)) as Record<string, unknown>;
  const agent = at(json, 'slaves', 0);
  t.deepEqual(keys(agent).slice(-4), ['version', 'reserved_resources_full', 'used_resources_full', 'offered_resources_full']);
  t.deepEqual(at(agent, 'reserved_resources_full'), { web: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'web' }] });
  t.deepEqual(at(agent, 'used_resources_full'), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: '*' },
  ]);
  t.deepEqual(at(agent, 'offered_resources_full'), []);
});

test('/state-summary counts tasks by state per agent and framework', (t) => {
  const f = fixture();
  addTask(f, task('t1', 'F0', 'S0', [1]));
  addTask(f, task('t2', 'F0', 'S0', []));
  const done = task('t0', 'F0', 'S0', [1]);
  done.task.state = S.TASK_KILLED;
  f.framework.completedTasks.push(done.task);
  const json = JSON.parse(render(writeStateSummary, f.view)) as Record<string, unknown>;
  t.deepEqual(keys(json), ['hostname', 'slaves', 'frameworks']);
  const agent = at(json, 'slaves', 0);
  t.deepEqual(keys(agent).slice(12), [
    'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED',
    'TASK_LOST', 'TASK_ERROR', 'framework_ids',
  ]);
  t.like(agent, { TASK_STAGING: 1, TASK_RUNNING: 1, TASK_KILLED: 1, TASK_FINISHED: 0, framework_ids: ['F0'] });
  const framework = at(json, 'frameworks', 0);
  t.deepEqual(keys(framework).slice(0, 9), ['id', 'name', 'pid', 'used_resources', 'offered_resources', 'capabilities', 'hostname', 'webui_url', 'active']);
  t.like(framework, { TASK_STAGING: 1, TASK_RUNNING: 1, TASK_KILLED: 1, slave_ids: ['S0'] });
});

test('/tasks query parsing: numify<int> rules, size_t wrap-around, order', (t) => {
  t.is(numifyInt('12'), 12);
  t.is(numifyInt('+3'), 3);
  t.is(numifyInt('-1'), -1);
  t.is(numifyInt('0x10'), 16);
  t.is(numifyInt(' 1'), undefined);
  t.is(numifyInt('1.5'), undefined);
  t.is(numifyInt(''), undefined);
  t.is(numifyInt('2147483648'), undefined);
  t.deepEqual(parseTaskQuery(new URLSearchParams('limit=x&offset=2&order=asc')), { limit: 100, offset: 2, order: 'asc' });
  t.deepEqual(parseTaskQuery(new URLSearchParams('order=desc')), { limit: 100, offset: 0, order: 'des' });
  t.deepEqual(pageRange(10, 100, 0), [0, 10]);
  t.deepEqual(pageRange(10, 3, 4), [4, 7]);
  t.deepEqual(pageRange(10, -1, 0), [0, 10], 'limit -1 is SIZE_MAX: everything');
  t.deepEqual(pageRange(10, -1, 2), [0, 0], 'offset + SIZE_MAX wraps to offset - 1: nothing');
  t.deepEqual(pageRange(10, 5, -1), [0, 0], 'a negative offset wraps past the end');
  t.deepEqual(pageRange(10, 5, 20), [0, 0]);
});

test('/tasks sorts by first status timestamp, tasks without statuses last (des) or first (asc)', (t) => {
  const f = fixture();
  addTask(f, task('b', 'F0', 'S0', [20, 1]));
  addTask(f, task('none', 'F0', 'S0', []));
  addTask(f, task('a', 'F0', 'S0', [10]));
  const done = task('c', 'F0', 'S0', [30]);
  f.framework.completedTasks.push(done.task);
  const ids = (query: Partial<TaskQuery>): string[] => {
    const sink = new JsonSink();
    writeTasks(sink, f.view, { limit: 100, offset: 0, order: 'des', ...query });
    return at<unknown[]>(JSON.parse(sink.toString()), 'tasks').map((x) => at<string>(x, 'id'));
  };
  t.deepEqual(ids({}), ['c', 'b', 'a', 'none']);
  t.deepEqual(ids({ order: 'asc' }), ['none', 'a', 'b', 'c']);
  t.deepEqual(ids({ limit: 2, offset: 1 }), ['b', 'a']);
  t.deepEqual(ids({ offset: 9 }), []);
});

test('/roles: sorted roles with weights, resources and frameworks; whitelist', (t) => {
  const f = fixture();
  addTask(f, task('t1', 'F0', 'S0', [1]));
  const json = rolesJson(f.view, { whitelist: undefined, weights: new Map([['zeta', 2.5]]) });
  t.is(
    json,
    '{"roles":[{"frameworks":[],"name":"*","resources":{"cpus":0,"disk":0,"gpus":0,"mem":0},"weight":1.0},' +
      '{"frameworks":["F0"],"name":"web","resources":{"cpus":1.0,"disk":0,"gpus":0,"mem":64.0},"weight":1.0},' +
      '{"frameworks":[],"name":"zeta","resources":{"cpus":0,"disk":0,"gpus":0,"mem":0},"weight":2.5}]}',
  );
  const listed = JSON.parse(rolesJson(f.view, { whitelist: new Set(['web', 'a']), weights: new Map() })) as Record<string, unknown>;
  t.deepEqual(at<unknown[]>(listed, 'roles').map((x) => at(x, 'name')), ['a', 'web']);
});

test('JsonSink returns exactly what was added, across flushes', (t) => {
  const sink = new JsonSink();
  let expected = '';
  for (let i = 0; i < 5000; i++) {
    const piece = `{"n":"é€😀${i}"},`;
    sink.add(piece);
    expected += piece;
  }
  t.is(sink.toString(), expected);
  t.is(sink.finish(), expected, 'finish() can be called again');
});
