// The v1 scheduler library (scheduler-driver/v1) against our master and agent
// over real TCP with real executors; reconnection, redirects and heartbeat
// monitoring; and request size limits on the endpoint.

import net from 'node:net';
import http from 'node:http';
import test from 'ava';
import { mesos, encodeRecord, toJSONString, fromJSONText } from '../../proto/index.js';
import { V1CallError, V1Scheduler, schedulerUrl, type Event, type V1SchedulerState } from '../../scheduler-driver/v1/index.js';
import { USER, eventually, v1Resources, world } from './scheduler-world.js';

const EventType = mesos.v1.scheduler.Event.Type;
const CallType = mesos.v1.scheduler.Call.Type;
const TaskState = mesos.v1.TaskState;

/** Takes events until one of `type` arrives (others are returned too). */
async function until(events: AsyncIterator<Event>, type: mesos.v1.scheduler.Event.Type, seen: Event[] = []): Promise<Event> {
  for (;;) {
    const next = await events.next();
    if (next.done === true) throw new Error(`stream ended before ${EventType[type]}`);
    seen.push(next.value);
    if (next.value.type === type) return next.value;
  }
}

for (const contentType of ['json', 'protobuf'] as const) {
  test(`${contentType}: subscribe, launch an echo task in a real executor, UPDATEs acknowledged, teardown`, async (t) => {
    const w = await world();
    const states: V1SchedulerState[] = [];
    const scheduler = new V1Scheduler({ master: w.address, contentType, onStateChange: (state) => states.push(state) });
    try {
      scheduler.subscribe({ user: USER, name: `v1-${contentType}` });
      const events = scheduler.events();
      const subscribed = await until(events, EventType.SUBSCRIBED);
      t.is(subscribed.subscribed?.heartbeat_interval_seconds, 15);
      t.is(scheduler.frameworkId, subscribed.subscribed?.framework_id.value);
      t.regex(scheduler.streamId ?? '', /^[0-9a-f-]{36}$/);
      const offer = (await until(events, EventType.OFFERS)).offers?.offers?.[0];
      if (offer === undefined) return t.fail('no offer');
      await scheduler.call({
        type: CallType.ACCEPT,
        accept: {
          offer_ids: [offer.id],
          operations: [
            {
              type: mesos.v1.Offer.Operation.Type.LAUNCH,
              launch: {
                task_infos: [
                  {
                    name: 'echo',
                    task_id: { value: 'echo-1' },
                    agent_id: offer.agent_id,
                    resources: v1Resources('cpus:0.5;mem:64'),
                    command: { value: 'echo hello from v1', shell: true },
                  },
                ],
              },
            },
          ],
        },
      });
      const seen: mesos.v1.TaskState[] = [];
      for (;;) {
        const status = (await until(events, EventType.UPDATE)).update?.status;
        if (status === undefined) continue;
        seen.push(status.state);
        t.is(status.agent_id?.value, offer.agent_id.value);
        t.true((status.uuid?.length ?? 0) > 0, 'agent updates carry a uuid to acknowledge');
        await scheduler.call({
          type: CallType.ACKNOWLEDGE,
          acknowledge: { agent_id: offer.agent_id, task_id: status.task_id, uuid: status.uuid ?? new Uint8Array() },
        });
        if (status.state !== TaskState.TASK_RUNNING) break;
      }
      t.deepEqual(seen, [TaskState.TASK_RUNNING, TaskState.TASK_FINISHED]);
      const frameworkId = scheduler.frameworkId ?? '';
      // The terminal update was acknowledged: the master forgets the task.
      await eventually(() => (w.master.master.state.frameworks.get(frameworkId)?.tasks.size === 0 ? true : undefined));
      // A call the master refuses rejects with its status and text.
      const refused = await scheduler.call({ type: CallType.DECLINE }).catch((error: unknown) => error);
      t.true(refused instanceof V1CallError);
      t.is((refused as V1CallError).status, 400);
      t.is((refused as V1CallError).body, "Failed to validate scheduler::Call: Expecting 'decline' to be present");

      await scheduler.call({ type: CallType.TEARDOWN });
      t.is(scheduler.state, 'CLOSED');
      t.deepEqual(states, ['SUBSCRIBING', 'SUBSCRIBED', 'CLOSED']);
      await eventually(() => (w.master.master.state.frameworks.size === 0 ? true : undefined));
      for await (const _ of scheduler.events()) t.pass('draining');
      await eventually(() => (w.agent?.frameworks.has(frameworkId) === true ? undefined : true), 10_000);
    } finally {
      await scheduler.close();
      await w.stop();
    }
  });
}

test('the library re-subscribes with its framework id when the stream breaks; closing it disconnects the framework', async (t) => {
  const w = await world({ agent: false });
  const states: string[] = [];
  const scheduler = new V1Scheduler({
    master: w.address,
    contentType: 'json',
    backoffMs: { initial: 50, max: 200 },
    onStateChange: (state, reason) => states.push(reason === undefined ? state : `${state}: ${reason}`),
  });
  try {
    scheduler.subscribe({ user: USER, name: 'reconnecting', failover_timeout: 3600 });
    const events = scheduler.events();
    const first = await until(events, EventType.SUBSCRIBED);
    const id = first.subscribed?.framework_id.value ?? '';
    const firstStream = scheduler.streamId;
    // The master side ends the stream (as a proxy or a network failure would).
    await w.masterRuntime.dispatch(w.master.master, (master) => {
      const connection = master.state.frameworks.get(id)?.connection;
      if (connection?.kind === 'http') connection.close();
    });
    const second = await until(events, EventType.SUBSCRIBED);
    t.is(second.subscribed?.framework_id.value, id, 'failed over with the same framework id');
    t.not(scheduler.streamId, firstStream);
    t.true(states.some((s) => s.startsWith('DISCONNECTED: End-Of-File received from master')), states.join(' | '));
    t.is(w.master.master.state.frameworks.get(id)?.connected, true);
    await scheduler.call({ type: CallType.REVIVE });

    // A vanished client: the master disconnects the framework and starts its failover timeout.
    await scheduler.close();
    await eventually(() => (w.master.master.state.frameworks.get(id)?.connected === false ? true : undefined));
    t.true(w.master.master.state.frameworks.has(id), 'kept for the failover timeout');
    t.is(w.master.master.state.frameworks.get(id)?.active, false);
  } finally {
    await scheduler.close();
    await w.stop();
  }
});

test('a non-leading master redirects (307) and the library follows to the leader', async (t) => {
  const leader = await world({ agent: false });
  const standby = await world({ agent: false });
  const scheduler = new V1Scheduler({ master: standby.address, contentType: 'protobuf' });
  try {
    const [, port] = leader.address.split(':');
    await standby.masterRuntime.dispatch(standby.master.master, (m) => {
      m.electedTime = undefined;
      m.detectedLeader = { ...leader.master.master.info, hostname: '127.0.0.1', port: Number(port) };
    });
    // What a plain client sees:
    const raw = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.request(`http://${standby.address}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
      request.once('response', resolve);
      request.once('error', reject);
      request.end('{}');
    });
    raw.resume();
    t.is(raw.statusCode, 307);
    t.is(raw.headers.location, `//127.0.0.1:${port ?? ''}/master/api/v1/scheduler`);

    scheduler.subscribe({ user: USER, name: 'redirected' });
    const subscribed = await until(scheduler.events(), EventType.SUBSCRIBED);
    t.true(leader.master.master.state.frameworks.has(subscribed.subscribed?.framework_id.value ?? ''));
    t.is(standby.master.master.state.frameworks.size, 0);
    t.is(scheduler.endpoint, `http://127.0.0.1:${port ?? ''}/master/api/v1/scheduler`);
    await scheduler.call({ type: CallType.REVIVE });
  } finally {
    await scheduler.close();
    await standby.stop();
    await leader.stop();
  }
});

test('heartbeats: the master sends them on its interval; the library re-subscribes when they stop', async (t) => {
  const w = await world({ agent: false, master: { httpHeartbeatIntervalMs: 100 } });
  const scheduler = new V1Scheduler({ master: w.address, contentType: 'json' });
  try {
    scheduler.subscribe({ user: USER, name: 'heartbeats' });
    const events = scheduler.events();
    const subscribed = await until(events, EventType.SUBSCRIBED);
    t.is(subscribed.subscribed?.heartbeat_interval_seconds, 0.1);
    const started = Date.now();
    for (let i = 0; i < 4; i++) await until(events, EventType.HEARTBEAT);
    t.true(Date.now() - started >= 250, 'one heartbeat right away, then every 100 ms');
    t.is(scheduler.state, 'SUBSCRIBED');
  } finally {
    await scheduler.close();
    await w.stop();
  }

  // A fake master that answers 503 first, then subscribes and goes silent.
  const subscribes: Array<mesos.v1.scheduler.Call> = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const call = fromJSONText(mesos.v1.scheduler.Call, Buffer.concat(chunks).toString());
      subscribes.push(call);
      if (subscribes.length === 1) {
        response.writeHead(503).end('Master has not finished recovery');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': `stream-${subscribes.length}` });
      const event = { type: EventType.SUBSCRIBED, subscribed: { framework_id: { value: 'FAKE-0001' }, heartbeat_interval_seconds: 0.05 } };
      response.write(encodeRecord(toJSONString(mesos.v1.scheduler.Event, event)));
      if (subscribes.length === 3) {
        response.write(encodeRecord(toJSONString(mesos.v1.scheduler.Event, { type: EventType.ERROR, error: { message: 'Framework failed over' } })));
        response.end();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const watched = new V1Scheduler({ master: `127.0.0.1:${port}`, contentType: 'json', missedHeartbeats: 2, backoffMs: { initial: 10, max: 20 } });
  try {
    watched.subscribe({ user: USER, name: 'watched' });
    const seen: Event[] = [];
    for await (const event of watched.events()) seen.push(event);
    t.deepEqual(
      seen.map((e) => EventType[e.type ?? 0]),
      ['SUBSCRIBED', 'SUBSCRIBED', 'ERROR'],
      'silence for 2 heartbeat intervals re-subscribes; an ERROR from the master ends it',
    );
    t.is(subscribes.length, 3);
    t.false(subscribes[0]?.framework_id !== undefined && subscribes[0]?.framework_id !== null);
    t.is(subscribes[2]?.framework_id?.value, 'FAKE-0001', 're-subscribes as the same framework');
    t.is(subscribes[2]?.subscribe?.framework_info.id?.value, 'FAKE-0001');
    t.is(watched.state, 'CLOSED');
  } finally {
    await watched.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('the library reports a refused subscription as an ERROR event and stops', async (t) => {
  const w = await world({ agent: false, master: { roles: new Set(['web']) } });
  const scheduler = new V1Scheduler({ master: `master@${w.address}`, contentType: 'json' });
  try {
    t.is(schedulerUrl(`master@${w.address}`).pathname, '/master/api/v1/scheduler');
    scheduler.subscribe({ user: USER, name: 'refused', role: 'db' });
    const seen: Event[] = [];
    for await (const event of scheduler.events()) seen.push(event);
    t.deepEqual(
      seen.map((e) => [EventType[e.type ?? 0], e.error?.message]),
      [['ERROR', "Role 'db' is not present in the master's --roles"]],
    );
    const error = await scheduler.call({ type: CallType.REVIVE }).catch((e: unknown) => e);
    t.regex(String(error), /Scheduler is in state CLOSED/);
  } finally {
    await scheduler.close();
    await w.stop();
  }
});

/** Sends raw bytes to `address`; returns what was read when the peer closes, `until` matches, or after 5 s. */
function raw(address: string, data: Buffer | string, until?: RegExp): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host ?? '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (until?.test(Buffer.concat(chunks).toString('latin1')) === true) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(data);
  });
}

test('bodies over the parser limit answer 413 and close the connection', async (t) => {
  const w = await world({ agent: false, limits: { maxBodyBytes: 64 * 1024 } });
  try {
    // Declared too large: refused before any body is read.
    const declared = await raw(
      w.address,
      'POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 67108865\r\n\r\n',
    );
    t.regex(declared, /^HTTP\/1\.1 413 /);
    // Chunked and growing past the limit.
    const chunk = Buffer.alloc(40 * 1024, 0x20);
    const chunked = await raw(
      w.address,
      Buffer.concat([
        Buffer.from('POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'),
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from(`\r\n${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    t.regex(chunked, /^HTTP\/1\.1 413 /);
    // A large body under the limit is parsed (and here refused as a call).
    const info = { user: USER, name: 'x'.repeat(50 * 1024), failover_timeout: 60 };
    const body = toJSONString(mesos.v1.scheduler.Call, { type: CallType.SUBSCRIBE, subscribe: { framework_info: info } });
    const ok = await raw(
      w.address,
      `POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      /"SUBSCRIBED"/,
    );
    t.regex(ok, /^HTTP\/1\.1 200 OK\r\n/);
    t.regex(ok, /Transfer-Encoding: chunked/i);
    // The client went away: the framework is disconnected.
    await eventually(() => ([...w.master.master.state.frameworks.values()][0]?.connected === false ? true : undefined));
  } finally {
    await w.stop();
  }
});

test('close() returns promptly while a SUBSCRIBE is still waiting for an answer', async (t) => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const scheduler = new V1Scheduler({ master: `127.0.0.1:${port}` });
  try {
    scheduler.subscribe({ user: USER, name: 'silent master' });
    await eventually(() => (sockets.size > 0 ? true : undefined));
    t.is(scheduler.state, 'SUBSCRIBING');
    const started = Date.now();
    await scheduler.close();
    t.true(Date.now() - started < 1_000);
    t.is(scheduler.state, 'CLOSED');
    const next = await scheduler.events().next();
    t.true(next.done);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
