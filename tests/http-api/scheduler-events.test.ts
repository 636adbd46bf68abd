// Pure tests: v0 message -> v1 event conversion (Mesos 1.0
// src/internal/evolve.cpp) and the SchedulerStream that writes events.

import { EventEmitter } from 'node:events';
import type net from 'node:net';
import test from 'ava';
import { InboundConnection } from '../../libprocess/transport/inbound.js';
import type { RequestParser } from '../../libprocess/transport/http-parser.js';
import type { StreamWriter } from '../../libprocess/http/types.js';
import { has, mesos, toJSONString } from '../../proto/index.js';
import { Clock } from '../../libprocess/clock.js';
import { v1EventOf } from '../../master/v1-events.js';
import { SchedulerStream } from '../../master/http/scheduler-stream.js';
import { EventType, JSON_TYPE, PROTOBUF_TYPE, TestStream } from './scheduler-helpers.js';

const m = mesos.internal;
const json = (event: mesos.v1.scheduler.Event.$Properties | undefined): string =>
  event === undefined ? 'undefined' : toJSONString(mesos.v1.scheduler.Event, event);

test('FrameworkRegistered/ReregisteredMessage -> SUBSCRIBED with the heartbeat interval', (t) => {
  const info = { hostname: 'm', id: 'M', ip: 1, port: 5050 };
  t.is(
    json(v1EventOf(m.FrameworkRegisteredMessage, { framework_id: { value: 'F' }, master_info: info })),
    '{"subscribed":{"framework_id":{"value":"F"},"heartbeat_interval_seconds":15.0},"type":"SUBSCRIBED"}',
  );
  t.is(
    json(v1EventOf(m.FrameworkReregisteredMessage, { framework_id: { value: 'F' }, master_info: info }, 2.5)),
    '{"subscribed":{"framework_id":{"value":"F"},"heartbeat_interval_seconds":2.5},"type":"SUBSCRIBED"}',
  );
});

test('ResourceOffersMessage -> OFFERS (agent_id, no pids); InverseOffersMessage -> INVERSE_OFFERS', (t) => {
  const event = v1EventOf(m.ResourceOffersMessage, {
    offers: [
      {
        id: { value: 'O1' },
        framework_id: { value: 'F' },
        slave_id: { value: 'S1' },
        hostname: 'h',
        resources: [{ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 2 } }],
      },
    ],
    pids: ['slave(1)@127.0.0.1:5051'],
  });
  t.is(
    json(event),
    '{"offers":{"offers":[{"agent_id":{"value":"S1"},"framework_id":{"value":"F"},"hostname":"h","id":{"value":"O1"},' +
      '"resources":[{"name":"cpus","role":"*","scalar":{"value":2.0},"type":"SCALAR"}]}]},"type":"OFFERS"}',
  );
  // The protobuf encoding carries no trace of the pids either.
  const bytes = mesos.v1.scheduler.Event.encode(event ?? {}).finish();
  t.false(Buffer.from(bytes).includes('slave(1)'));

  const inverse = v1EventOf(m.InverseOffersMessage, {
    inverse_offers: [{ id: { value: 'I1' }, framework_id: { value: 'F' }, slave_id: { value: 'S1' }, unavailability: { start: { nanoseconds: 5 } } }],
    pids: ['x@1.2.3.4:5'],
  });
  t.is(inverse?.type, EventType.INVERSE_OFFERS);
  t.is(inverse?.inverse_offers?.inverse_offers?.[0]?.agent_id?.value, 'S1');
  t.is(inverse?.inverse_offers?.inverse_offers?.[0]?.unavailability.start.nanoseconds, 5);
});

test('rescinds, failures, executor messages and errors', (t) => {
  t.is(json(v1EventOf(m.RescindResourceOfferMessage, { offer_id: { value: 'O1' } })), '{"rescind":{"offer_id":{"value":"O1"}},"type":"RESCIND"}');
  t.is(
    json(v1EventOf(m.RescindInverseOfferMessage, { inverse_offer_id: { value: 'I1' } })),
    '{"rescind_inverse_offer":{"inverse_offer_id":{"value":"I1"}},"type":"RESCIND_INVERSE_OFFER"}',
  );
  t.is(json(v1EventOf(m.LostSlaveMessage, { slave_id: { value: 'S1' } })), '{"failure":{"agent_id":{"value":"S1"}},"type":"FAILURE"}');
  t.is(
    json(v1EventOf(m.ExitedExecutorMessage, { slave_id: { value: 'S1' }, framework_id: { value: 'F' }, executor_id: { value: 'E' }, status: 256 })),
    '{"failure":{"agent_id":{"value":"S1"},"executor_id":{"value":"E"},"status":256},"type":"FAILURE"}',
  );
  t.is(
    json(
      v1EventOf(m.ExecutorToFrameworkMessage, {
        slave_id: { value: 'S1' },
        framework_id: { value: 'F' },
        executor_id: { value: 'E' },
        data: Buffer.from('hi'),
      }),
    ),
    '{"message":{"agent_id":{"value":"S1"},"data":"aGk=","executor_id":{"value":"E"}},"type":"MESSAGE"}',
  );
  t.is(json(v1EventOf(m.FrameworkErrorMessage, { message: 'Framework failed over' })), '{"error":{"message":"Framework failed over"},"type":"ERROR"}');
  t.is(json(v1EventOf(mesos.scheduler.Event, { type: mesos.scheduler.Event.Type.HEARTBEAT })), '{"type":"HEARTBEAT"}');
  t.is(v1EventOf(m.PingSlaveMessage, { connected: true }), undefined, 'not a scheduler message');
});

test('StatusUpdateMessage -> UPDATE: agent_id, executor_id, timestamp; uuid only when the agent must be acknowledged', (t) => {
  const uuid = Uint8Array.from(Buffer.from('0f1e2d3c4b5a49788796a5b4c3d2e1f0', 'hex'));
  const update = (pid: string | undefined, withUuid = true): mesos.internal.StatusUpdateMessage.$Properties => ({
    update: {
      framework_id: { value: 'F' },
      slave_id: { value: 'S1' },
      executor_id: { value: 'E' },
      status: { task_id: { value: 'T' }, state: mesos.TaskState.TASK_RUNNING, uuid: Uint8Array.from([9]), timestamp: 1 },
      timestamp: 42.5,
      ...(withUuid ? { uuid } : {}),
    },
    ...(pid === undefined ? {} : { pid }),
  });
  const status = (message: mesos.internal.StatusUpdateMessage.$Properties) => v1EventOf(m.StatusUpdateMessage, message)?.update?.status;

  const fromAgent = status(update('slave(1)@127.0.0.1:5051'));
  t.deepEqual([fromAgent?.agent_id?.value, fromAgent?.executor_id?.value, fromAgent?.timestamp], ['S1', 'E', 42.5]);
  t.deepEqual([...(fromAgent?.uuid ?? [])], [...uuid], "the update's uuid, not the status's");
  for (const pid of [undefined, '', '@0.0.0.0:0', 'not a pid']) {
    const s = status(update(pid));
    t.false(s !== undefined && has(s, 'uuid'), `pid ${String(pid)}: nothing to acknowledge`);
  }
  const noUuid = status(update('slave(1)@127.0.0.1:5051', false));
  t.false(noUuid !== undefined && has(noUuid, 'uuid'));
  t.is(
    json(v1EventOf(m.StatusUpdateMessage, update('slave(1)@127.0.0.1:5051'))),
    '{"type":"UPDATE","update":{"status":{"agent_id":{"value":"S1"},"executor_id":{"value":"E"},"state":"TASK_RUNNING",' +
      '"task_id":{"value":"T"},"timestamp":42.5,"uuid":"Dx4tPEtaSXiHlqW0w9Lh8A=="}}}',
  );
});

test('SchedulerStream: buffers until attached, RecordIO framing, heartbeats on the clock, close and peer loss', async (t) => {
  const clock = new Clock();
  clock.pause();
  const stream = new SchedulerStream({ contentType: JSON_TYPE, heartbeatIntervalMs: 1_000, schedule: (ms, fn) => clock.timer(ms, fn) });
  t.true(stream.send({ type: EventType.ERROR, error: { message: 'early' } }));
  const writer = new TestStream(JSON_TYPE);
  const written: string[] = [];
  const write = writer.write.bind(writer);
  writer.write = (data) => {
    written.push(data.toString());
    return write(data);
  };
  stream.attach(writer);
  t.deepEqual(written, ['44\n{"error":{"message":"early"},"type":"ERROR"}']);
  stream.startHeartbeats();
  clock.advance(2_500);
  t.deepEqual(writer.events.map((e) => EventType[e.type ?? 0]), ['ERROR', 'HEARTBEAT', 'HEARTBEAT', 'HEARTBEAT']);
  // The peer goes away: closed resolves and nothing more is written.
  writer.disconnect();
  await stream.closed;
  t.false(stream.send({ type: EventType.HEARTBEAT }));
  clock.advance(5_000);
  t.is(writer.events.length, 4);

  // Closed before the body is attached: the buffered records are written, then the writer is closed.
  const early = new SchedulerStream({ contentType: PROTOBUF_TYPE, heartbeatIntervalMs: 1_000, schedule: (ms, fn) => clock.timer(ms, fn) });
  early.send({ type: EventType.ERROR, error: { message: 'bye' } });
  early.close();
  await early.closed;
  const late = new TestStream(PROTOBUF_TYPE);
  early.attach(late);
  t.is(late.take(EventType.ERROR).error?.message, 'bye');
  t.true(late.ended);
});

test('a SUBSCRIBE answered after its client left still gets a (closed) writer, so the master notices', async (t) => {
  const socket = Object.assign(new EventEmitter(), {
    writableLength: 0,
    write: () => true,
    cork: () => undefined,
    uncork: () => undefined,
    end: () => undefined,
    destroy: () => undefined,
  });
  const parser = { feed: () => undefined } as unknown as RequestParser;
  const connection = new InboundConnection(socket as unknown as net.Socket, parser, () => undefined);
  const slot = connection.reserve({ method: 'POST', url: '/api/v1/scheduler', minorVersion: 1, headers: new Map(), body: Buffer.alloc(0), keepAlive: true });
  socket.emit('close');
  let writer: StreamWriter | undefined;
  connection.fill(slot, { status: 200, body: (w) => (writer = w) });
  if (writer === undefined) return t.fail('the body callback was not called');
  await writer.closed;
  t.false(writer.write('x'));
});
