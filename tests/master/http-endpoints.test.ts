// The classic endpoints served by a master in the in-process cluster: routes,
// delegate paths, jsonp, redirects, and the JSON of a registered agent,
// framework and running task.

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Cluster, commandTask, UUID_A, UUID_B } from './harness.js';
import { at, get, getJSON, installRoutes, keys, runningCluster, TEST_FLAGS } from './http-helpers.js';

const m = mesos.internal;
const S = mesos.TaskState;

test('state: agent, framework and task as Mesos 1.0 writes them', async (t) => {
  const { cluster, agent, scheduler } = await runningCluster({ capabilities: [{ type: 1 }], webui_url: 'http://ui' });
  const { result, json } = await getJSON(cluster, '/master/state');
  t.is(result.status, 200);
  t.is(result.headers['Content-Type'], 'application/json');
  t.deepEqual(keys(json), [
    'version', 'build_date', 'build_time', 'build_user', 'start_time', 'elected_time', 'id', 'pid', 'hostname',
    'activated_slaves', 'deactivated_slaves', 'leader', 'cluster', 'log_dir', 'flags', 'slaves', 'frameworks',
    'completed_frameworks', 'orphan_tasks', 'unregistered_frameworks',
  ]);
  const master = cluster.running.master;
  t.like(json, {
    version: '1.0.0',
    id: 'MASTER',
    pid: master.self.toString(),
    hostname: 'master.test',
    leader: master.self.toString(),
    cluster: 'test-cluster',
    log_dir: '/var/log/mesos',
    flags: TEST_FLAGS,
    activated_slaves: 1,
    deactivated_slaves: 0,
    start_time: master.startTime / 1000,
  });
  t.regex(result.body, /"activated_slaves":1\.0,"deactivated_slaves":0\.0,/);

  const slave = at(json, 'slaves', 0);
  t.like(slave, {
    id: agent.id,
    pid: agent.pid.toString(),
    hostname: 'agent.test',
    resources: { cpus: 4, gpus: 0, mem: 4096, disk: 10000, ports: '[31000-32000]' },
    used_resources: { cpus: 1, gpus: 0, mem: 128, disk: 0 },
    reserved_resources: {},
    attributes: {},
    active: true,
    version: '1.0.0',
  });
  t.regex(result.body, /"resources":\{"cpus":4\.0,"gpus":0\.0,"mem":4096\.0,"disk":10000\.0,"ports":"\[31000-32000\]"\}/);

  const framework = at(json, 'frameworks', 0);
  t.deepEqual(keys(framework), [
    'id', 'name', 'pid', 'used_resources', 'offered_resources', 'capabilities', 'hostname', 'webui_url', 'active',
    'user', 'failover_timeout', 'checkpoint', 'role', 'registered_time', 'unregistered_time', 'resources', 'tasks',
    'completed_tasks', 'offers', 'executors',
  ]);
  t.like(framework, {
    id: scheduler.id,
    name: 'test-framework',
    pid: scheduler.process.self.toString(),
    capabilities: ['REVOCABLE_RESOURCES'],
    hostname: '',
    webui_url: 'http://ui',
    active: true,
    user: 'tester',
    failover_timeout: 0,
    checkpoint: false,
    role: '*',
    unregistered_time: 0,
  });
  const task = at(framework, 'tasks', 0);
  t.deepEqual(keys(task), ['id', 'name', 'framework_id', 'executor_id', 'slave_id', 'state', 'resources', 'statuses']);
  t.like(task, { id: 't1', name: 'task t1', framework_id: scheduler.id, executor_id: '', slave_id: agent.id, state: 'TASK_RUNNING' });
  t.deepEqual(at(task, 'statuses'), [{ state: 'TASK_RUNNING', timestamp: 0 }]);

  // state.json and the delegate path serve the same document.
  t.is((await get(cluster, '/master/state.json')).body, result.body);
  t.is((await get(cluster, '/state')).body, result.body);
  t.is((await get(cluster, '/state.json')).body, result.body);
  await cluster.stop();
});

test('state after a task finishes and is acknowledged: completed_tasks', async (t) => {
  const { cluster, agent, scheduler } = await runningCluster();
  agent.update(scheduler.id, 't1', S.TASK_FINISHED, UUID_B);
  await scheduler.update();
  scheduler.call({
    type: mesos.scheduler.Call.Type.ACKNOWLEDGE,
    acknowledge: { slave_id: { value: agent.id }, task_id: { value: 't1' }, uuid: UUID_B },
  });
  await cluster.settle();
  const { json } = await getJSON(cluster, '/master/state');
  const framework = at(json, 'frameworks', 0);
  t.deepEqual(at(framework, 'tasks'), []);
  t.deepEqual(at<unknown[]>(framework, 'completed_tasks').map((x) => at(x, 'state')), ['TASK_FINISHED']);
  t.deepEqual(at(framework, 'used_resources'), { cpus: 0, gpus: 0, mem: 0, disk: 0 });
  await cluster.stop();
});

test('state-summary, frameworks, slaves, roles and flags', async (t) => {
  const { cluster, agent, scheduler } = await runningCluster();
  const summary = (await getJSON(cluster, '/master/state-summary')).json;
  t.deepEqual(keys(summary), ['hostname', 'cluster', 'slaves', 'frameworks']);
  t.like(at(summary, 'slaves', 0), { id: agent.id, TASK_RUNNING: 1, TASK_STAGING: 0, framework_ids: [scheduler.id] });
  t.like(at(summary, 'frameworks', 0), { id: scheduler.id, TASK_RUNNING: 1, slave_ids: [agent.id] });

  const frameworks = (await getJSON(cluster, '/master/frameworks')).json;
  t.deepEqual(keys(frameworks), ['frameworks', 'completed_frameworks', 'unregistered_frameworks']);
  t.is(at<string>(frameworks, 'frameworks', 0, 'id'), scheduler.id);

  const slaves = (await getJSON(cluster, '/master/slaves')).json;
  t.deepEqual(keys(at(slaves, 'slaves', 0)).slice(-3), ['reserved_resources_full', 'used_resources_full', 'offered_resources_full']);
  t.deepEqual(at(slaves, 'slaves', 0, 'used_resources_full'), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' },
    { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, role: '*' },
  ]);

  const roles = await get(cluster, '/master/roles');
  t.is(
    roles.body,
    `{"roles":[{"frameworks":["${scheduler.id}"],"name":"*","resources":{"cpus":1.0,"disk":0,"gpus":0,"mem":128.0},"weight":1.0}]}`,
  );
  t.is((await get(cluster, '/master/roles.json')).body, roles.body);

  const flags = (await getJSON(cluster, '/master/flags')).json;
  t.deepEqual(flags, { flags: TEST_FLAGS });
  t.deepEqual(keys(flags['flags']), Object.keys(TEST_FLAGS).sort());
  await cluster.stop();
});

test('tasks: paging and ordering by first status timestamp', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent('cpus:8;mem:4096');
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], ['a', 'b', 'c'].map((id) => commandTask(id, agent.id, 'cpus:1;mem:32')));
  await cluster.settle();
  // Running updates with status timestamps b < c < a.
  for (const [id, timestamp] of [['b', 100], ['c', 200], ['a', 300]] as const) {
    agent.process.sendProto(cluster.master, m.StatusUpdateMessage, {
      update: {
        framework_id: { value: scheduler.id },
        slave_id: { value: agent.id },
        status: { task_id: { value: id }, state: S.TASK_RUNNING, source: mesos.TaskStatus.Source.SOURCE_EXECUTOR, timestamp },
        timestamp,
        uuid: UUID_A,
      },
      pid: agent.pid.toString(),
    });
  }
  await cluster.settle();
  await installRoutes(cluster);
  const ids = async (query: string): Promise<string[]> =>
    at<unknown[]>((await getJSON(cluster, `/master/tasks${query}`)).json, 'tasks').map((x) => at<string>(x, 'id'));
  t.deepEqual(await ids(''), ['a', 'c', 'b']);
  t.deepEqual(await ids('?order=asc'), ['b', 'c', 'a']);
  t.deepEqual(await ids('?order=asc&limit=1&offset=1'), ['c']);
  t.deepEqual(await ids('?limit=2'), ['a', 'c']);
  t.deepEqual(await ids('?limit=-1'), ['a', 'c', 'b']);
  t.deepEqual(await ids('?offset=-1'), []);
  t.deepEqual(await ids('?limit=bogus&order=bogus'), ['a', 'c', 'b']);
  t.deepEqual(await ids('.json?order=asc'), ['b', 'c', 'a'], '/master/tasks.json');
  await cluster.stop();
});

test('jsonp wraps any JSON endpoint as JavaScript', async (t) => {
  const { cluster } = await runningCluster();
  for (const path of ['/master/state', '/master/state-summary', '/master/frameworks', '/master/slaves', '/master/tasks', '/master/roles', '/master/flags', '/version']) {
    const plain = await get(cluster, path);
    const wrapped = await get(cluster, `${path}?jsonp=callback_1`);
    t.is(wrapped.status, 200, path);
    t.is(wrapped.headers['Content-Type'], 'text/javascript', path);
    t.is(wrapped.body, `callback_1(${plain.body});`, path);
    JSON.parse(plain.body);
  }
  t.is((await get(cluster, '/master/flags?jsonp=')).body.slice(0, 2), '({', 'an empty jsonp still wraps, as in libprocess');
  await cluster.stop();
});

test('health, version, redirect, and unknown paths', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  await installRoutes(cluster);
  const health = await get(cluster, '/master/health');
  t.is(health.status, 200);
  t.is(health.body, '');
  t.is((await get(cluster, '/health')).status, 200);

  const version = await getJSON(cluster, '/version');
  t.deepEqual(keys(version.json), ['build_date', 'build_time', 'build_user', 'version']);
  t.is(version.json['version'], '1.0.0');
  t.regex(version.json['build_date'] as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  const port = cluster.running.master.self.port;
  for (const path of ['/master/redirect', '/redirect']) {
    const redirect = await get(cluster, path);
    t.is(redirect.status, 307);
    t.is(redirect.headers['Location'], `//master.test:${port}`);
  }
  t.is((await get(cluster, '/master/nope')).status, 404);
  t.is((await get(cluster, '/nope/at/all')).status, 404);
  await cluster.stop();
});

test('a master that is not elected redirects to the leader, or answers 503 without one', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  let leader: mesos.MasterInfo.$Properties | undefined = { id: 'OTHER', ip: 0x0100007f, port: 5050, hostname: 'leader.test' };
  await installRoutes(cluster, { leader: () => leader });
  await cluster.masterRuntime.dispatch(cluster.running.master, (master) => {
    master.electedTime = undefined;
  });
  for (const [path, location] of [
    ['/master/state', '//leader.test:5050/master/state'],
    ['/state?jsonp=x', '//leader.test:5050/master/state'],
    ['/master/tasks', '//leader.test:5050/master/tasks'],
    ['/master/redirect', '//leader.test:5050'],
  ] as const) {
    const response = await get(cluster, path);
    t.is(response.status, 307, path);
    t.is(response.headers['Location'], location, path);
  }
  leader = { id: 'OTHER', ip: 0x0100007f, port: 5051 };
  t.is((await get(cluster, '/master/roles')).headers['Location'], '//127.0.0.1:5051/master/roles', 'no hostname: the ip');
  t.is((await get(cluster, '/master/flags')).status, 200, 'flags are served by any master');
  leader = undefined;
  const none = await get(cluster, '/master/state');
  t.is(none.status, 503);
  t.is(none.body, 'No leader elected');
  await cluster.stop();
});
