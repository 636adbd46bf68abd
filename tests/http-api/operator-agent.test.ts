// The agent's v1 operator API (`POST /slave(1)/api/v1`): every call in both
// content types on a real agent process (no master), GET_CONTAINERS over a
// fake containerizer, and the status codes of Slave::Http::api.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import type { Agent } from '../../agent/agent.js';
import { startAgent } from '../../agent/daemon.js';
import { Files } from '../../agent/files.js';
import { parseAgentFlags } from '../../agent/flags.js';
import { Executor, Framework, type AgentView } from '../../agent/model.js';
import { AgentOperatorApi } from '../../agent/http/operator-api.js';
import { decode, post, postRaw, WIRES, JSON_TYPE, PROTOBUF_TYPE, type Wire } from './operator-helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';
const BIN = fileURLToPath(new URL('../../bin', import.meta.url));

const Call = mesos.v1.agent.Call;
const CallType = Call.Type;
const Response = mesos.v1.agent.Response;
const ResponseType = Response.Type;

interface AgentWorld {
  runtime: Runtime;
  agent: Agent;
  path: string;
  workDir: string;
  stop(): Promise<void>;
}

async function agentWorld(): Promise<AgentWorld> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'operator-agent-'));
  const parsed = parseAgentFlags([`--work_dir=${workDir}`, `--launcher_dir=${BIN}`], {});
  if (!parsed.ok) throw new Error(parsed.error);
  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock, env: { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' } });
  const agent = startAgent(runtime, {
    flags: parsed.flags,
    info: { hostname: 'agent.test', resources: Resources.parse('cpus:2;mem:1024').toProto() },
    master: undefined,
    flagsJson: () => ({ work_dir: workDir, port: '5051' }),
    gc: { schedule: () => Promise.resolve({ status: 'scheduled' }), scheduleByMtime: () => Promise.resolve({ status: 'scheduled' }) },
  });
  await runtime.settle();
  return {
    runtime,
    agent,
    path: `/${agent.self.id}/api/v1`,
    workDir,
    stop: async () => {
      await runtime.shutdown();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

async function call(w: AgentWorld, body: mesos.v1.agent.Call.$Properties, wire: Wire = JSON_TYPE) {
  const result = await post(w.runtime, w.path, Call, body, wire);
  return { ...result, response: result.status === 200 && result.body.length > 0 ? decode(Response, result.body, wire) : undefined };
}

for (const wire of WIRES) {
  test(`agent: GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS, logging level (${wire})`, async (t) => {
    const w = await agentWorld();
    const health = await call(w, { type: CallType.GET_HEALTH }, wire);
    t.is(health.headers['Content-Type'], wire);
    t.is(health.response?.type, ResponseType.GET_HEALTH);
    t.true(health.response?.get_health?.healthy);

    const flags = await call(w, { type: CallType.GET_FLAGS }, wire);
    t.deepEqual(
      flags.response?.get_flags?.flags?.map((f) => [f.name, f.value]),
      [
        ['port', '5051'],
        ['work_dir', w.workDir],
      ],
    );

    const version = await call(w, { type: CallType.GET_VERSION }, wire);
    t.is(version.response?.get_version?.version_info.version, '1.0.0');

    const metrics = await call(w, { type: CallType.GET_METRICS, get_metrics: { timeout: { nanoseconds: 1e9 } } }, wire);
    t.is(metrics.response?.type, ResponseType.GET_METRICS);
    t.true((metrics.response?.get_metrics?.metrics ?? []).some((metric) => metric.name === 'libprocess/processes'));

    t.is((await call(w, { type: CallType.GET_LOGGING_LEVEL }, wire)).response?.get_logging_level?.level, 0);
    const set = await call(w, { type: CallType.SET_LOGGING_LEVEL, set_logging_level: { level: 1, duration: { nanoseconds: 1e9 } } }, wire);
    t.is(set.status, 200);
    t.is((await call(w, { type: CallType.GET_LOGGING_LEVEL }, wire)).response?.get_logging_level?.level, 1);
    await w.stop();
  });

  test(`agent: LIST_FILES and READ_FILE over its sandboxes (${wire})`, async (t) => {
    const w = await agentWorld();
    const sandbox = path.join(w.workDir, 'sandbox');
    fs.mkdirSync(sandbox);
    fs.writeFileSync(path.join(sandbox, 'stdout'), 'line one\nline two\n');
    if (!(w.agent.files instanceof Files)) throw new Error('the agent has no Files');
    await w.agent.files.attach(sandbox, sandbox);
    const list = await call(w, { type: CallType.LIST_FILES, list_files: { path: sandbox } }, wire);
    t.is(list.response?.type, ResponseType.LIST_FILES);
    t.deepEqual(list.response?.list_files?.file_infos?.map((f) => [f.path, f.size, f.nlink]), [[`${sandbox}/stdout`, 18, 1]]);
    const read = await call(w, { type: CallType.READ_FILE, read_file: { path: `${sandbox}/stdout`, offset: '9' } }, wire);
    t.is(read.response?.type, ResponseType.READ_FILE);
    t.is(Buffer.from(read.response?.get_file_contents?.data?.[0] ?? []).toString(), 'line two\n');
    const hex = await call(w, { type: CallType.READ_FILE, read_file: { path: `${sandbox}/stdout`, offset: '0x5', length: '3' } }, wire);
    t.is(Buffer.from(hex.response?.get_file_contents?.data?.[0] ?? []).toString(), 'one');
    t.is((await call(w, { type: CallType.LIST_FILES, list_files: { path: '/elsewhere' } }, wire)).status, 404);
    const negative = await call(w, { type: CallType.READ_FILE, read_file: { path: `${sandbox}/stdout`, length: '-2' } }, wire);
    t.is(negative.status, 400);
    t.is(negative.body.toString(), 'Negative length provided: -2.\n');
    await w.stop();
  });

  test(`agent: GET_CONTAINERS with no executors, and GET_STATE answers 501 as 1.0 does (${wire})`, async (t) => {
    const w = await agentWorld();
    const containers = await call(w, { type: CallType.GET_CONTAINERS }, wire);
    t.is(containers.response?.type, ResponseType.GET_CONTAINERS);
    t.deepEqual(containers.response?.get_containers?.containers ?? [], []);
    const state = await call(w, { type: CallType.GET_STATE }, wire);
    t.is(state.status, 501);
    t.true(state.body.toString().startsWith("GET_STATE: Mesos 1.0's agent API defines no state fields"));
    await w.stop();
  });
}

test('agent: GET_CONTAINERS lists running executors with their status and usage', async (t) => {
  const framework = new Framework({ id: { value: 'fw-1' }, name: 'fw', user: 'u' }, undefined);
  const running = new Executor('fw-1', { executor_id: { value: 'e1' }, framework_id: { value: 'fw-1' }, name: 'exec one', command: { value: 'x' } }, 'c1', '/sandbox/e1', false, false);
  running.state = 'RUNNING';
  const broken = new Executor('fw-1', { executor_id: { value: 'e2' }, framework_id: { value: 'fw-1' }, command: { value: 'x' } }, 'c2', '/sandbox/e2', false, false);
  broken.state = 'RUNNING';
  const done = new Executor('fw-1', { executor_id: { value: 'e3' }, framework_id: { value: 'fw-1' }, command: { value: 'x' } }, 'c3', '/sandbox/e3', false, false);
  done.state = 'TERMINATED';
  for (const executor of [running, broken, done]) framework.executors.set(executor.id, executor);
  const view: AgentView = {
    info: { hostname: 'h', resources: [] },
    state: 'RUNNING',
    masterPid: undefined,
    startTime: 0,
    frameworks: new Map([['fw-1', framework]]),
    completedFrameworks: [],
    flags: () => ({}),
  };
  const runtime = startMemoryRuntime(new InMemoryNetwork(), {});
  const api = new AgentOperatorApi({
    runtime,
    view: () => view,
    containerizer: {
      usage: (id) => (id === 'c1' ? Promise.resolve(mesos.ResourceStatistics.create({ timestamp: 5, cpus_limit: 1.5, mem_rss_bytes: 1024 })) : Promise.reject(new Error('gone'))),
      status: (id) => (id === 'c1' ? Promise.resolve(mesos.ContainerStatus.create({ executor_pid: 42 })) : Promise.reject(new Error('gone'))),
    },
  });
  for (const wire of WIRES) {
    const response = await api.handle({
      method: 'POST',
      path: '/slave(1)/api/v1',
      url: '/slave(1)/api/v1',
      query: new URLSearchParams(),
      headers: new Map([
        ['content-type', JSON_TYPE],
        ['accept', wire],
      ]),
      body: Buffer.from('{"type":"GET_CONTAINERS"}'),
      keepAlive: true,
    });
    t.is(response.status, 200);
    const body = response.body;
    const decoded = decode(Response, Buffer.isBuffer(body) ? body : Buffer.from(String(body)), wire);
    const containers = decoded.get_containers?.containers ?? [];
    t.deepEqual(
      containers.map((c) => [c.executor_id.value, c.executor_name, c.container_id.value, c.framework_id.value]),
      [
        ['e1', 'exec one', 'c1', 'fw-1'],
        ['e2', '', 'c2', 'fw-1'],
      ],
    );
    t.is(containers[0]?.resource_statistics?.cpus_limit, 1.5);
    t.is(containers[0]?.container_status?.executor_pid, 42);
    t.falsy(containers[1]?.resource_statistics);
    t.falsy(containers[1]?.container_status);
  }
  await runtime.shutdown();
});

test('agent: status codes of Slave::Http::api', async (t) => {
  const w = await agentWorld();
  const health = '{"type":"GET_HEALTH"}';
  t.is((await postRaw(w.runtime, w.path, '', {}, 'GET')).status, 405);
  t.is((await postRaw(w.runtime, w.path, health, {})).status, 400);
  t.is((await postRaw(w.runtime, w.path, health, { 'Content-Type': 'text/xml' })).status, 415);
  t.is((await postRaw(w.runtime, w.path, health, { 'Content-Type': JSON_TYPE, Accept: 'text/xml' })).status, 406);
  const invalid = await postRaw(w.runtime, w.path, '{"type":"LIST_FILES"}', { 'Content-Type': JSON_TYPE });
  t.is(invalid.status, 400);
  t.is(invalid.body.toString(), "Failed to validate agent::Call: Expecting 'list_files' to be present");
  const protobuf = await postRaw(w.runtime, w.path, Buffer.from([0x08, 0x63]), { 'Content-Type': PROTOBUF_TYPE });
  t.is(protobuf.body.toString(), "Failed to validate agent::Call: Expecting 'type' to be present");
  t.is((await postRaw(w.runtime, w.path, '{"type":"UNKNOWN"}', { 'Content-Type': JSON_TYPE })).status, 501);
  await w.runtime.dispatch(w.agent, (agent) => void (agent.state = 'RECOVERING'));
  const recovering = await postRaw(w.runtime, w.path, health, { 'Content-Type': JSON_TYPE });
  t.is(recovering.status, 503);
  t.is(recovering.body.toString(), 'Agent has not finished recovery');
  await w.runtime.dispatch(w.agent, (agent) => void (agent.state = 'DISCONNECTED'));
  await w.stop();
});
