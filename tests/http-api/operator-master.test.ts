// The master's v1 operator API (`POST /api/v1`) on the in-process cluster:
// every call in both content types, the status codes of Master::Http::api,
// and the clear 501 of calls whose feature this master does not have.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { mesos } from '../../proto/index.js';
import { normalizeRoute } from '../../libprocess/process.js';
import { Files } from '../../agent/files.js';
import { installMasterOperatorApi } from '../../master/http/operator-api.js';
import { Cluster, commandTask, UUID_A } from '../master/harness.js';
import { buildMasterState } from '../../benchmarks/master.js';
import { callBody, decode, post, postRaw, WIRES, JSON_TYPE, PROTOBUF_TYPE, type Wire } from './operator-helpers.js';

const Call = mesos.v1.master.Call;
const CallType = Call.Type;
const Response = mesos.v1.master.Response;
const ResponseType = Response.Type;

const FLAGS = { cluster: 'test-cluster', work_dir: '/var/lib/mesos', authenticate: 'false' };

async function cluster(setup: ConstructorParameters<typeof Cluster>[0] = {}): Promise<Cluster> {
  const c = new Cluster({ flags: () => ({ ...FLAGS }), ...setup });
  await c.settle();
  return c;
}

/** A cluster with one agent, one framework and one RUNNING task `t1`. */
async function running(setup: ConstructorParameters<typeof Cluster>[0] = {}) {
  const c = await cluster(setup);
  const agent = await c.agent();
  const scheduler = await c.framework({ role: 'web' });
  const offers = await scheduler.offers();
  scheduler.launch([(offers.offers[0] as mesos.Offer).id.value], [commandTask('t1', agent.id)]);
  await c.settle();
  agent.update(scheduler.id, 't1', mesos.TaskState.TASK_RUNNING, UUID_A);
  await scheduler.update();
  return { cluster: c, agent, scheduler };
}

async function call(c: Cluster, body: mesos.v1.master.Call.$Properties, wire: Wire = JSON_TYPE) {
  const result = await post(c.masterRuntime, '/api/v1', Call, body, wire);
  return { ...result, response: result.status === 200 && result.body.length > 0 ? decode(Response, result.body, wire) : undefined };
}

for (const wire of WIRES) {
  test(`GET_HEALTH, GET_FLAGS, GET_VERSION, GET_MASTER (${wire})`, async (t) => {
    const c = await cluster();
    const health = await call(c, { type: CallType.GET_HEALTH }, wire);
    t.is(health.status, 200);
    t.is(health.headers['Content-Type'], wire);
    t.is(health.response?.type, ResponseType.GET_HEALTH);
    t.is(health.response?.get_health?.healthy, true);

    const flags = await call(c, { type: CallType.GET_FLAGS }, wire);
    t.deepEqual(
      flags.response?.get_flags?.flags?.map((f) => [f.name, f.value]),
      [
        ['authenticate', 'false'],
        ['cluster', 'test-cluster'],
        ['work_dir', '/var/lib/mesos'],
      ],
    );

    const version = await call(c, { type: CallType.GET_VERSION }, wire);
    t.is(version.response?.get_version?.version_info.version, '1.0.0');
    t.is(typeof version.response?.get_version?.version_info.build_user, 'string');

    const master = await call(c, { type: CallType.GET_MASTER }, wire);
    t.is(master.response?.type, ResponseType.GET_MASTER);
    t.is(master.response?.get_master?.master_info?.id, 'MASTER');
    t.is(master.response?.get_master?.master_info?.hostname, 'master.test');
    await c.stop();
  });

  test(`GET_METRICS with and without a timeout (${wire})`, async (t) => {
    const c = await cluster();
    for (const getMetrics of [{}, { timeout: { nanoseconds: 5e9 } }]) {
      const result = await call(c, { type: CallType.GET_METRICS, get_metrics: getMetrics }, wire);
      t.is(result.response?.type, ResponseType.GET_METRICS);
      const names = result.response?.get_metrics?.metrics?.map((m) => m.name) ?? [];
      t.true(names.includes('master/uptime_secs'));
      t.true(names.includes('master/operator_event_stream_subscribers'));
      t.deepEqual(names, [...names].sort());
    }
    await c.stop();
  });

  test(`GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, which reverts after its duration (${wire})`, async (t) => {
    const c = await cluster();
    const level = async () => (await call(c, { type: CallType.GET_LOGGING_LEVEL }, wire)).response?.get_logging_level?.level;
    t.is(await level(), 0);
    const set = await call(c, { type: CallType.SET_LOGGING_LEVEL, set_logging_level: { level: 2, duration: { nanoseconds: 10e9 } } }, wire);
    t.is(set.status, 200);
    t.is(set.body.length, 0);
    t.is(await level(), 2);
    await c.advance(11_000);
    t.is(await level(), 0);
    await c.stop();
  });

  test(`GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS of a running task (${wire})`, async (t) => {
    const { cluster: c, agent, scheduler } = await running();
    const state = (await call(c, { type: CallType.GET_STATE }, wire)).response;
    t.is(state?.type, ResponseType.GET_STATE);
    const tasks = state?.get_state?.get_tasks?.tasks ?? [];
    t.is(tasks.length, 1);
    t.is(tasks[0]?.task_id.value, 't1');
    t.is(tasks[0]?.agent_id.value, agent.id);
    t.is(tasks[0]?.state, mesos.v1.TaskState.TASK_RUNNING);
    t.is(state?.get_state?.get_frameworks?.frameworks?.[0]?.framework_info.id?.value, scheduler.id);
    t.is(state?.get_state?.get_agents?.agents?.[0]?.agent_info.id?.value, agent.id);

    const agents = (await call(c, { type: CallType.GET_AGENTS }, wire)).response;
    const entry = agents?.get_agents?.agents?.[0];
    t.is(agents?.type, ResponseType.GET_AGENTS);
    t.is(entry?.active, true);
    t.is(entry?.version, '1.0.0');
    t.is(entry?.pid, agent.pid.toString());
    t.true((entry?.registered_time?.nanoseconds ?? 0) > 0);
    t.deepEqual(entry?.allocated_resources?.map((r) => [r.name, r.scalar?.value]), [
      ['cpus', 1],
      ['mem', 128],
    ]);
    t.is(entry?.total_resources?.length, 4);

    const frameworks = (await call(c, { type: CallType.GET_FRAMEWORKS }, wire)).response;
    const framework = frameworks?.get_frameworks?.frameworks?.[0];
    t.is(framework?.active, true);
    t.is(framework?.connected, true);
    t.is(framework?.framework_info.role, 'web');
    t.is(framework?.allocated_resources?.length, 2);

    const executors = (await call(c, { type: CallType.GET_EXECUTORS }, wire)).response;
    t.is(executors?.type, ResponseType.GET_EXECUTORS);
    t.deepEqual(executors?.get_executors?.executors ?? [], []);

    const onlyTasks = (await call(c, { type: CallType.GET_TASKS }, wire)).response;
    t.is(onlyTasks?.get_tasks?.tasks?.[0]?.task_id.value, 't1');
    await c.stop();
  });

  test(`GET_ROLES and GET_WEIGHTS (${wire})`, async (t) => {
    const { cluster: c, scheduler } = await running({ weights: new Map([['web', 2.5], ['batch', 0.5]]) });
    const roles = (await call(c, { type: CallType.GET_ROLES }, wire)).response?.get_roles?.roles ?? [];
    t.deepEqual(
      roles.map((r) => [r.name, r.weight, r.frameworks?.map((f) => f.value) ?? []]),
      [
        ['*', 1, []],
        ['batch', 0.5, []],
        ['web', 2.5, [scheduler.id]],
      ],
    );
    t.deepEqual(roles[2]?.resources?.map((r) => r.name), ['cpus', 'mem']);
    const weights = (await call(c, { type: CallType.GET_WEIGHTS }, wire)).response?.get_weights?.weight_infos ?? [];
    t.deepEqual(
      weights.map((w) => [w.role, w.weight]),
      [
        ['batch', 0.5],
        ['web', 2.5],
      ],
    );
    await c.stop();
  });

  test(`GET_QUOTA and the maintenance reads answer the (empty) state this master has (${wire})`, async (t) => {
    const c = await cluster();
    const quota = (await call(c, { type: CallType.GET_QUOTA }, wire)).response;
    t.is(quota?.type, ResponseType.GET_QUOTA);
    t.deepEqual(quota?.get_quota?.status?.infos ?? [], []);
    const status = (await call(c, { type: CallType.GET_MAINTENANCE_STATUS }, wire)).response;
    t.is(status?.type, ResponseType.GET_MAINTENANCE_STATUS);
    t.truthy(status?.get_maintenance_status?.status);
    const schedule = (await call(c, { type: CallType.GET_MAINTENANCE_SCHEDULE }, wire)).response;
    t.is(schedule?.type, ResponseType.GET_MAINTENANCE_SCHEDULE);
    t.deepEqual(schedule?.get_maintenance_schedule?.schedule?.windows ?? [], []);
    await c.stop();
  });

  test(`LIST_FILES and READ_FILE over a files process on the master's runtime (${wire})`, async (t) => {
    const c = await cluster();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'operator-files-'));
    fs.writeFileSync(path.join(dir, 'log.txt'), 'hello operator\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    const files = new Files(c.masterRuntime);
    await files.attach(dir, '/master/log');
    const list = await call(c, { type: CallType.LIST_FILES, list_files: { path: '/master/log' } }, wire);
    t.is(list.response?.type, ResponseType.LIST_FILES);
    const infos = list.response?.list_files?.file_infos ?? [];
    t.deepEqual(
      infos.map((f) => f.path),
      ['/master/log/log.txt', '/master/log/sub'],
    );
    t.is(infos[0]?.size, 15);
    t.is(((infos[1]?.mode ?? 0) & 0o170000) === 0o040000, true);
    t.true((infos[0]?.mtime?.nanoseconds ?? 0) > 0);

    const read = await call(c, { type: CallType.READ_FILE, read_file: { path: '/master/log/log.txt', offset: '6', length: '5' } }, wire);
    t.is(read.response?.type, ResponseType.READ_FILE);
    t.is(Buffer.from(read.response?.get_file_contents?.data?.[0] ?? []).toString(), 'opera');
    const whole = await call(c, { type: CallType.READ_FILE, read_file: { path: '/master/log/log.txt' } }, wire);
    t.is(Buffer.from(whole.response?.get_file_contents?.data?.[0] ?? []).toString(), 'hello operator\n');
    const past = await call(c, { type: CallType.READ_FILE, read_file: { path: '/master/log/log.txt', offset: '100' } }, wire);
    t.deepEqual(past.response?.get_file_contents?.data ?? [], []);

    t.is((await call(c, { type: CallType.LIST_FILES, list_files: { path: '/nothing' } }, wire)).status, 404);
    const escape = await call(c, { type: CallType.READ_FILE, read_file: { path: '/master/log/../../etc/passwd' } }, wire);
    t.is(escape.status, 400);
    const directory = await call(c, { type: CallType.READ_FILE, read_file: { path: '/master/log/sub' } }, wire);
    t.is(directory.status, 400);
    t.is(directory.body.toString(), 'Cannot read a directory.\n');
    const badOffset = await call(c, { type: CallType.READ_FILE, read_file: { path: '/master/log/log.txt', offset: 'x' } }, wire);
    t.is(badOffset.status, 400);
    files.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
    await c.stop();
  });
}

test('LIST_FILES and READ_FILE on a master with no files process answer 404 saying so', async (t) => {
  const c = await cluster();
  for (const body of [
    { type: CallType.LIST_FILES, list_files: { path: '/master/log' } },
    { type: CallType.READ_FILE, read_file: { path: '/master/log' } },
  ]) {
    const result = await call(c, body);
    t.is(result.status, 404);
    t.is(result.body.toString(), 'No files are attached on this master: it runs no files process');
  }
  await c.stop();
});

test('a large GET_STATE is streamed in chunks; its bytes are the whole message', async (t) => {
  const c = await cluster();
  const built = buildMasterState(1500);
  await c.masterRuntime.dispatch(c.running.master, (m) => {
    for (const agent of built.agents.values()) m.state.addAgent(agent);
    for (const framework of built.frameworks.values()) m.state.frameworks.set(framework.id, framework);
  });
  for (const wire of WIRES) {
    const result = await postRaw(c.masterRuntime, '/api/v1', callBody(Call, { type: CallType.GET_STATE }, wire), { 'Content-Type': wire, Accept: wire });
    t.is(result.status, 200);
    t.truthy(result.stream, 'streamed (chunked), not one buffer');
    t.true((result.stream?.raw.length ?? 0) > 10);
    const response = decode(Response, result.body, wire);
    t.is(response.get_state?.get_tasks?.tasks?.length, 15_000);
    t.is(response.get_state?.get_agents?.agents?.length, 1500);
  }
  await c.stop();
});

test('the API is served at /api/v1 and /master/api/v1', async (t) => {
  const c = await cluster();
  for (const where of ['/api/v1', '/master/api/v1']) {
    const result = await post(c.masterRuntime, where, Call, { type: CallType.GET_HEALTH }, JSON_TYPE);
    t.is(result.status, 200, where);
  }
  await c.stop();
});

const UNIMPLEMENTED: Array<[mesos.v1.master.Call.$Properties, string]> = [
  [{ type: CallType.UPDATE_WEIGHTS, update_weights: { weight_infos: [{ role: 'a', weight: 2 }] } }, 'UPDATE_WEIGHTS: updating role weights'],
  [{ type: CallType.RESERVE_RESOURCES, reserve_resources: { agent_id: { value: 'S0' }, resources: [] } }, 'RESERVE_RESOURCES: dynamic reservations are not supported by this master yet'],
  [{ type: CallType.UNRESERVE_RESOURCES, unreserve_resources: { agent_id: { value: 'S0' }, resources: [] } }, 'UNRESERVE_RESOURCES: dynamic reservations'],
  [{ type: CallType.CREATE_VOLUMES, create_volumes: { agent_id: { value: 'S0' }, volumes: [] } }, 'CREATE_VOLUMES: persistent volumes'],
  [{ type: CallType.DESTROY_VOLUMES, destroy_volumes: { agent_id: { value: 'S0' }, volumes: [] } }, 'DESTROY_VOLUMES: persistent volumes'],
  [{ type: CallType.UPDATE_MAINTENANCE_SCHEDULE, update_maintenance_schedule: { schedule: {} } }, 'UPDATE_MAINTENANCE_SCHEDULE: maintenance'],
  [{ type: CallType.START_MAINTENANCE, start_maintenance: { machines: [] } }, 'START_MAINTENANCE: maintenance'],
  [{ type: CallType.STOP_MAINTENANCE, stop_maintenance: { machines: [] } }, 'STOP_MAINTENANCE: maintenance'],
  [{ type: CallType.SET_QUOTA, set_quota: { quota_request: { role: 'a', guarantee: [] } } }, 'SET_QUOTA: quota is not supported'],
  [{ type: CallType.REMOVE_QUOTA, remove_quota: { role: 'a' } }, 'REMOVE_QUOTA: quota is not supported'],
];

test('calls whose feature this master lacks answer 501 naming what is missing', async (t) => {
  const c = await cluster();
  for (const wire of WIRES) {
    for (const [body, text] of UNIMPLEMENTED) {
      const result = await post(c.masterRuntime, '/api/v1', Call, body, wire);
      const name = CallType[body.type ?? 0] ?? '';
      t.is(result.status, 501, name);
      t.true(result.body.toString().startsWith(text), `${name}: ${result.body.toString()}`);
    }
  }
  const unknown = await post(c.masterRuntime, '/api/v1', Call, { type: CallType.UNKNOWN }, JSON_TYPE);
  t.is(unknown.status, 501);
  await c.stop();
});

test('status codes: 405, 400, 415 and 406 as Master::Http::api answers them', async (t) => {
  const c = await cluster();
  const rt = c.masterRuntime;
  const health = Buffer.from('{"type":"GET_HEALTH"}');

  const get = await postRaw(rt, '/api/v1', '', {}, 'GET');
  t.is(get.status, 405);
  t.is(get.headers['Allow'], 'POST');
  t.is(get.body.toString(), "Expecting one of { 'POST' }, but received 'GET'");

  const noType = await postRaw(rt, '/api/v1', health, {});
  t.is(noType.status, 400);
  t.is(noType.body.toString(), "Expecting 'Content-Type' to be present");

  const text = await postRaw(rt, '/api/v1', health, { 'Content-Type': 'text/plain' });
  t.is(text.status, 415);
  t.is(text.body.toString(), "Expecting 'Content-Type' of application/json or application/x-protobuf");

  const badJson = await postRaw(rt, '/api/v1', '{"type":', { 'Content-Type': JSON_TYPE });
  t.is(badJson.status, 400);
  t.true(badJson.body.toString().startsWith('Failed to parse body into JSON: '));

  const badEnum = await postRaw(rt, '/api/v1', '{"type":"NOPE"}', { 'Content-Type': JSON_TYPE });
  t.is(badEnum.status, 400);
  t.true(badEnum.body.toString().startsWith('Failed to convert JSON into Call protobuf: '), badEnum.body.toString());

  const missing = await postRaw(rt, '/api/v1', '{"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1}}', { 'Content-Type': JSON_TYPE });
  t.is(missing.status, 400);
  t.is(missing.body.toString(), 'Failed to convert JSON into Call protobuf: Missing required fields: set_logging_level.duration');

  const badProto = await postRaw(rt, '/api/v1', Buffer.from([0x0a, 0xff]), { 'Content-Type': PROTOBUF_TYPE });
  t.is(badProto.status, 400);
  t.is(badProto.body.toString(), 'Failed to parse body into Call protobuf');

  const invalid = await postRaw(rt, '/api/v1', '{"type":"GET_METRICS"}', { 'Content-Type': JSON_TYPE });
  t.is(invalid.status, 400);
  t.is(invalid.body.toString(), "Failed to validate master::Call: Expecting 'get_metrics' to be present");

  const noTypeField = await postRaw(rt, '/api/v1', '{}', { 'Content-Type': JSON_TYPE });
  t.is(noTypeField.body.toString(), "Failed to validate master::Call: Expecting 'type' to be present");

  const html = await postRaw(rt, '/api/v1', health, { 'Content-Type': JSON_TYPE, Accept: 'text/html' });
  t.is(html.status, 406);
  t.is(html.body.toString(), "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");

  // JSON in, protobuf out; q=0 refuses a type; */* and no Accept give JSON.
  const protobufOut = await postRaw(rt, '/api/v1', health, { 'Content-Type': JSON_TYPE, Accept: PROTOBUF_TYPE });
  t.is(protobufOut.headers['Content-Type'], PROTOBUF_TYPE);
  t.true(Response.decode(protobufOut.body).get_health?.healthy);
  const refused = await postRaw(rt, '/api/v1', health, { 'Content-Type': JSON_TYPE, Accept: 'application/json;q=0, application/x-protobuf' });
  t.is(refused.headers['Content-Type'], PROTOBUF_TYPE);
  for (const accept of [undefined, '*/*', 'application/*', 'text/html, application/json;q=0.5']) {
    const headers: Record<string, string> = { 'Content-Type': JSON_TYPE };
    if (accept !== undefined) headers['Accept'] = accept;
    const result = await postRaw(rt, '/api/v1', health, headers);
    t.is(result.headers['Content-Type'], JSON_TYPE, String(accept));
  }
  await c.stop();
});

test('503 before the registry is recovered; 307 to the leader, or 503, when not elected', async (t) => {
  const c = await cluster();
  const master = c.running.master;
  await c.masterRuntime.dispatch(master, (m) => void (m.recovered = false));
  const recovering = await post(c.masterRuntime, '/api/v1', Call, { type: CallType.GET_HEALTH }, JSON_TYPE);
  t.is(recovering.status, 503);
  t.is(recovering.body.toString(), 'Master has not finished recovery');
  await c.masterRuntime.dispatch(master, (m) => {
    m.recovered = true;
    m.electedTime = undefined;
  });
  const noLeader = await post(c.masterRuntime, '/api/v1', Call, { type: CallType.GET_HEALTH }, JSON_TYPE);
  t.is(noLeader.status, 503);
  // With a known leader (HA detection would supply it) the call is redirected.
  await c.masterRuntime.dispatch(master, (m) => {
    installMasterOperatorApi((route, handler, options) => m._routes.set(normalizeRoute(route), { handler, options: options ?? {} }), m, {
      leader: () => ({ id: 'OTHER', ip: 0, port: 5050, hostname: 'leader.test' }),
    });
  });
  const redirected = await post(c.masterRuntime, '/api/v1', Call, { type: CallType.GET_HEALTH }, JSON_TYPE);
  t.is(redirected.status, 307);
  t.is(redirected.headers['Location'], '//leader.test:5050/master/api/v1');
  await c.stop();
});
