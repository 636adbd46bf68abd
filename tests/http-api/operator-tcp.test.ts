// The operator API over real loopback connections: a master on a TCP
// runtime, a fake agent and scheduler on another, subscribers using
// node:http, and a subscriber that never reads its socket. That one must be
// dropped with its memory bounded while the master keeps serving.

import net from 'node:net';
import test from 'ava';
import { startRuntime, type Runtime } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { startMaster, type RunningMaster } from '../../master/daemon.js';
import { operatorEvents } from '../../master/operator-events.js';
import { allocatedChunkCount, pooledChunkCount } from '../../master/http/operator-state.js';
import { AgentPeer, SCHEDULER_MESSAGES } from '../master/harness.js';
import { callBody, decode, eventually, tcpPost, TcpSubscriber, typeNames, JSON_TYPE, PROTOBUF_TYPE } from './operator-helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';
const ENV = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };
const m = mesos.internal;

interface World {
  masterRuntime: Runtime;
  master: RunningMaster;
  peers: Runtime;
  agent: AgentPeer;
  agentId: string;
  scheduler: PeerProcess;
  frameworkId: string;
  stop(): Promise<void>;
}

async function world(): Promise<World> {
  const masterRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, delegate: 'master', env: ENV });
  const master = startMaster(masterRuntime, { hostname: 'localhost', registry: { kind: 'in_memory' }, allocationIntervalMs: 20 });
  await eventually(() => (master.master.recovered ? true : undefined));
  const peers = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
  const agent = new AgentPeer();
  peers.spawn(agent);
  const scheduler = new PeerProcess('scheduler()', SCHEDULER_MESSAGES);
  peers.spawn(scheduler);
  await peers.settle();
  agent.sendProto(master.master.self, m.RegisterSlaveMessage, {
    slave: { hostname: 'localhost', port: agent.self.port, resources: Resources.parse('cpus:1000;mem:1000000;disk:1000').toProto() },
    version: '1.0.0',
  });
  const agentId = (await agent.next(m.SlaveRegisteredMessage)).message.slave_id.value;
  scheduler.sendProto(master.master.self, m.RegisterFrameworkMessage, { framework: { user: 'tester', name: 'operator-tcp' } });
  const frameworkId = (await scheduler.next(m.FrameworkRegisteredMessage)).message.framework_id.value;
  return {
    masterRuntime,
    master,
    peers,
    agent,
    agentId,
    scheduler,
    frameworkId,
    stop: async () => {
      await peers.shutdown();
      await master.stop();
      await masterRuntime.shutdown();
    },
  };
}

/** Launches `count` tasks on the next offer, each carrying `labelBytes` of labels. */
async function launch(w: World, prefix: string, count: number, labelBytes = 0): Promise<void> {
  const offer = (await w.scheduler.next(m.ResourceOffersMessage)).message.offers[0] as mesos.Offer;
  const label = 'x'.repeat(labelBytes);
  const tasks: mesos.TaskInfo.$Properties[] = Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    task_id: { value: `${prefix}-${i}` },
    slave_id: { value: w.agentId },
    resources: Resources.parse('cpus:0.01;mem:1').toProto(),
    command: { value: 'true' },
    ...(labelBytes > 0 ? { labels: { labels: [{ key: 'blob', value: label }] } } : {}),
  }));
  w.scheduler.sendProto(w.master.master.self, m.LaunchTasksMessage, {
    framework_id: { value: w.frameworkId },
    tasks,
    filters: { refuse_seconds: 0 },
    offer_ids: [offer.id],
  });
}

async function metric(w: World, name: string): Promise<number | undefined> {
  return (await w.masterRuntime.metrics.snapshot()).get(name);
}

test('subscribers on real connections get the events in both content types', async (t) => {
  const w = await world();
  const json = new TcpSubscriber(w.masterRuntime.address, '/api/v1', JSON_TYPE);
  const protobuf = new TcpSubscriber(w.masterRuntime.address, '/master/api/v1', PROTOBUF_TYPE);
  await json.start();
  await protobuf.start();
  t.is(json.status, 200);
  t.is(json.contentType, JSON_TYPE);
  t.is(protobuf.contentType, PROTOBUF_TYPE);
  await json.waitFor(1);
  await protobuf.waitFor(1);
  await launch(w, 'task', 3);
  await json.waitFor(4);
  await protobuf.waitFor(4);
  w.agent.sendProto(w.master.master.self, m.StatusUpdateMessage, {
    update: {
      framework_id: { value: w.frameworkId },
      slave_id: { value: w.agentId },
      status: { task_id: { value: 'task-1' }, state: mesos.TaskState.TASK_RUNNING, source: mesos.TaskStatus.Source.SOURCE_EXECUTOR },
      timestamp: Date.now() / 1000,
      uuid: Buffer.from('0f1e2d3c4b5a49788796a5b4c3d2e1f0', 'hex'),
    },
    pid: w.agent.self.toString(),
  });
  await json.waitFor(5);
  await protobuf.waitFor(5);
  for (const subscriber of [json, protobuf]) {
    const events = subscriber.events();
    t.deepEqual(typeNames(events), ['SUBSCRIBED', 'TASK_ADDED', 'TASK_ADDED', 'TASK_ADDED', 'TASK_UPDATED'], subscriber.wire);
    t.is(events[0]?.subscribed?.get_state?.get_agents?.agents?.[0]?.agent_info.id?.value, w.agentId);
    t.deepEqual(
      events.slice(1, 4).map((e) => e.task_added?.task.task_id.value),
      ['task-0', 'task-1', 'task-2'],
    );
    t.is(events[4]?.task_updated?.state, mesos.v1.TaskState.TASK_RUNNING);
  }
  json.close();
  protobuf.close();
  await eventually(async () => ((await metric(w, 'master/operator_event_stream_subscribers')) === 0 ? true : undefined));
  t.pass();
  await w.stop();
});

test('a subscriber that never reads is dropped with bounded memory; the master keeps serving', async (t) => {
  const w = await world();
  const limit = 1 << 20;
  await w.masterRuntime.dispatch(w.master.master, (master) => void (operatorEvents(master).pendingLimit = limit));

  // The stuck client: sends SUBSCRIBE, then never reads a byte.
  const [host, port] = w.masterRuntime.address.split(':');
  const stuck = net.connect(Number(port), host);
  await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
  stuck.pause();
  const body = callBody(mesos.v1.master.Call, { type: mesos.v1.master.Call.Type.SUBSCRIBE }, JSON_TYPE);
  stuck.write(`POST /api/v1 HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${JSON_TYPE}\r\nAccept: ${JSON_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`);
  stuck.write(body);
  try {

  const reader = new TcpSubscriber(w.masterRuntime.address, '/api/v1', JSON_TYPE);
  await reader.start();
  await reader.waitFor(1);
  await eventually(async () => ((await metric(w, 'master/operator_event_stream_subscribers')) === 2 ? true : undefined));

  // ~64 KB per TASK_ADDED, 40 tasks per offer: rounds of ~2.6 MB until the stuck one is dropped.
  let launched = 0;
  for (let round = 0; round < 20 && (await metric(w, 'master/operator_event_stream_subscribers_dropped')) === 0; round++) {
    await launch(w, `big${round}`, 40, 64 * 1024);
    launched += 40;
    await reader.waitFor(1 + launched, 60_000);
  }
  t.is(await metric(w, 'master/operator_event_stream_subscribers_dropped'), 1);
  t.is(await metric(w, 'master/operator_event_stream_subscribers'), 1);
  t.true(launched * 64 * 1024 > limit);

  // The reader got every event, and the master still answers calls.
  t.is(reader.records.length, 1 + launched);
  t.deepEqual([...new Set(typeNames(reader.events().slice(1)))], ['TASK_ADDED']);
  const health = await tcpPost(w.masterRuntime.address, '/api/v1', Buffer.from('{"type":"GET_HEALTH"}'), {
    'Content-Type': JSON_TYPE,
    Accept: PROTOBUF_TYPE,
  });
  t.is(health.status, 200);
  t.true(decode(mesos.v1.master.Response, health.body, PROTOBUF_TYPE).get_health?.healthy);

  // More events reach the reader only; the dropped stream gets nothing more.
  await launch(w, 'after', 2);
  await reader.waitFor(3 + launched);
  t.is(reader.records.length, 3 + launched);
  reader.close();
  } finally {
    stuck.destroy();
    await w.stop();
  }
});

// Serial: the batch pool is one per process, and the other tests here render events meanwhile.
test.serial('a large GET_STATE streams, gives its batches back once sent, and the next one reuses them for the same state', async (t) => {
  const w = await world();
  try {
    // ~6.5 MB of state, above the 4 MB streaming threshold, in tasks small enough (2 KB of
    // labels each) to be copied into the 64 KB batches rather than written in place.
    await launch(w, 'big', 3_000, 2 * 1024);
    await eventually(() => (w.master.master.state.frameworks.get(w.frameworkId)?.tasks.size === 3_000 ? true : undefined));
    const body = Buffer.from('{"type":"GET_STATE"}');
    for (const accept of [PROTOBUF_TYPE, JSON_TYPE]) {
      const pooledBefore = pooledChunkCount();
      const first = await tcpPost(w.masterRuntime.address, '/api/v1', body, { 'Content-Type': JSON_TYPE, Accept: accept });
      t.is(first.status, 200);
      t.is(first.headers['transfer-encoding'], 'chunked');
      // The render took every pooled batch and more; once sent, all come back.
      await eventually(() => (pooledChunkCount() > pooledBefore ? true : undefined));
      const pooled = pooledChunkCount();
      const allocated = allocatedChunkCount();
      const second = await tcpPost(w.masterRuntime.address, '/api/v1', body, { 'Content-Type': JSON_TYPE, Accept: accept });
      // The second render took its batches from the pool and gave them back; at most one
      // more is new, for state that grew in between (an offer).
      t.true(allocatedChunkCount() - allocated <= 1, `${allocatedChunkCount() - allocated} new batches, ${pooled} pooled`);
      await eventually(() => (pooledChunkCount() >= pooled ? true : undefined));
      t.true(first.body.length > 6_000_000);
      t.true(pooled >= 90, `${pooled} batches pooled`);
      // Same tasks and agents in both (the offers may differ).
      const state = decode(mesos.v1.master.Response, second.body, accept).get_state;
      const before = decode(mesos.v1.master.Response, first.body, accept).get_state;
      t.deepEqual(state?.get_tasks, before?.get_tasks);
      t.deepEqual(state?.get_agents, before?.get_agents);
      t.is(state?.get_tasks?.tasks?.length, 3_000);
      t.is(state?.get_tasks?.tasks?.[2_999]?.labels?.labels?.[0]?.value?.length, 2 * 1024);
    }
  } finally {
    await w.stop();
  }
});
