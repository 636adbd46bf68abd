// POST /api/v1/scheduler on the in-process cluster (paused clock): the
// SUBSCRIBE stream, content negotiation, and every status code of Mesos 1.0's
// Master::Http::scheduler with its message texts.

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { InMemoryStorage } from '../../master/state/in-memory.js';
import type { Entry, Storage } from '../../master/state/storage.js';
import { acceptsMediaType } from '../../master/http/scheduler-api.js';
import { Cluster } from '../master/harness.js';
import { CallType, EventType, HttpFramework, JSON_TYPE, PROTOBUF_TYPE, post, subscribeCall } from './scheduler-helpers.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('SUBSCRIBE (JSON): 200, a chunked RecordIO stream with a stream id, SUBSCRIBED then heartbeats every 15 s', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const result = await post(cluster, subscribeCall(), { accept: JSON_TYPE });
  t.is(result.status, 200);
  t.is(result.headers['Content-Type'], JSON_TYPE);
  t.regex(result.headers['Mesos-Stream-Id'] ?? '', UUID_RE);
  const stream = result.stream;
  if (stream === undefined) return t.fail('no stream');
  await cluster.settle();
  // The exact JSON of 1.0: keys sorted, doubles with a decimal point.
  t.is(
    stream.records[0]?.toString(),
    '{"subscribed":{"framework_id":{"value":"MASTER-0000"},"heartbeat_interval_seconds":15.0},"type":"SUBSCRIBED"}',
  );
  t.is(stream.take(EventType.SUBSCRIBED).subscribed?.heartbeat_interval_seconds, 15);
  // Mesos's Heartbeater sends the first heartbeat right away.
  t.is(stream.records[1]?.toString(), '{"type":"HEARTBEAT"}');
  stream.take(EventType.HEARTBEAT);
  await cluster.advance(14_000);
  t.deepEqual(stream.unread(), []);
  await cluster.advance(1_000);
  stream.take(EventType.HEARTBEAT);
  await cluster.advance(30_000);
  t.is(stream.unread().filter((e) => e.type === EventType.HEARTBEAT).length, 2);
  t.false(stream.ended);
  t.is(cluster.running.master.state.frameworks.get('MASTER-0000')?.connection.kind, 'http');
  t.is(await cluster.metric('master/messages_register_framework'), 1);
  await cluster.stop();
});

test('SUBSCRIBE (protobuf both ways), and Accept choosing the stream encoding', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  await cluster.agent();
  const framework = await HttpFramework.subscribe(cluster, {}, { contentType: PROTOBUF_TYPE });
  t.is(framework.id, 'MASTER-0000');
  const offers = await framework.next(EventType.OFFERS);
  t.is(offers.offers?.offers?.[0]?.agent_id.value, 'MASTER-S0');
  // A raw record is the protobuf encoding of the event.
  const raw = framework.stream.records[0];
  t.is(mesos.v1.scheduler.Event.decode(raw ?? Buffer.alloc(0)).type, EventType.SUBSCRIBED);

  const cases: Array<[string | undefined, string]> = [
    [undefined, JSON_TYPE],
    ['*/*', JSON_TYPE],
    ['application/*', JSON_TYPE],
    [PROTOBUF_TYPE, PROTOBUF_TYPE],
    [`${JSON_TYPE};q=0, ${PROTOBUF_TYPE}`, PROTOBUF_TYPE],
    [`text/html, ${PROTOBUF_TYPE};q=0.5`, PROTOBUF_TYPE],
    [`${PROTOBUF_TYPE}, ${JSON_TYPE}`, JSON_TYPE],
  ];
  for (const [accept, expected] of cases) {
    const result = await post(cluster, subscribeCall({ name: `f-${accept ?? 'none'}` }), accept === undefined ? {} : { accept });
    t.is(result.status, 200, `Accept: ${accept ?? '(none)'}`);
    t.is(result.headers['Content-Type'], expected, `Accept: ${accept ?? '(none)'}`);
    await cluster.settle();
    t.is(result.stream?.take(EventType.SUBSCRIBED).type, EventType.SUBSCRIBED);
  }
  const refused = await post(cluster, subscribeCall(), { accept: 'text/html' });
  t.is(refused.status, 406);
  t.is(refused.body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  await cluster.stop();
});

test('acceptsMediaType follows libprocess: candidates, wildcards and q values', (t) => {
  t.true(acceptsMediaType(undefined, JSON_TYPE));
  t.true(acceptsMediaType('application/JSON', JSON_TYPE));
  t.true(acceptsMediaType('text/plain,\t*/*', JSON_TYPE));
  t.false(acceptsMediaType('application/json;q=0', JSON_TYPE));
  t.false(acceptsMediaType('application/json;q=0.0', JSON_TYPE));
  t.true(acceptsMediaType('application/json;q=0.1', JSON_TYPE));
  t.false(acceptsMediaType('application/json;q=abc', JSON_TYPE));
  t.true(acceptsMediaType('application/json;q=0;q=0', JSON_TYPE), 'two q values: not a single q value');
  t.false(acceptsMediaType('text/html', JSON_TYPE));
  t.false(acceptsMediaType(undefined, 'json'));
});

test('status codes and messages of Master::Http::scheduler', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const call = subscribeCall();

  const get = await post(cluster, call, { method: 'GET' });
  t.is(get.status, 405);
  t.is(get.headers['Allow'], 'POST');
  t.is(get.body, "Expecting one of { 'POST' }, but received 'GET'");

  const noType = await post(cluster, call, { contentType: null });
  t.deepEqual([noType.status, noType.body], [400, "Expecting 'Content-Type' to be present"]);

  const text = await post(cluster, 'hello', { contentType: 'text/plain' });
  t.deepEqual([text.status, text.body], [415, "Expecting 'Content-Type' of application/json or application/x-protobuf"]);

  const badJson = await post(cluster, '{"type": "SUBSCRIBE",', {});
  t.is(badJson.status, 400);
  t.regex(badJson.body, /^Failed to parse body into JSON: /);

  const notObject = await post(cluster, '[1, 2]', {});
  t.deepEqual([notObject.status, notObject.body], [400, 'Failed to convert JSON into Call protobuf: Expecting a JSON object']);

  const badEnum = await post(cluster, '{"type": "PING"}', {});
  t.is(badEnum.status, 400);
  t.regex(badEnum.body, /^Failed to convert JSON into Call protobuf: .*PING/);

  const missing = await post(cluster, '{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"name": "x"}}}', {});
  t.deepEqual(
    [missing.status, missing.body],
    [400, 'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user'],
  );

  const badProto = await post(cluster, Buffer.from([0x1a, 0x05, 0x0a]), { contentType: PROTOBUF_TYPE });
  t.deepEqual([badProto.status, badProto.body], [400, 'Failed to parse body into Call protobuf']);

  const noFrameworkId = await post(cluster, { type: CallType.REVIVE }, {});
  t.deepEqual([noFrameworkId.status, noFrameworkId.body], [400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present"]);

  const noSubscribe = await post(cluster, { type: CallType.SUBSCRIBE }, {});
  t.deepEqual([noSubscribe.status, noSubscribe.body], [400, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present"]);

  const idMismatch = await post(cluster, { ...subscribeCall(), framework_id: { value: 'other' } }, {});
  t.deepEqual(
    [idMismatch.status, idMismatch.body],
    [400, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'"],
  );

  const noType2 = await post(cluster, { framework_id: { value: 'x' } }, {});
  t.deepEqual([noType2.status, noType2.body], [400, "Failed to validate scheduler::Call: Expecting 'type' to be present"]);

  const withStream = await post(cluster, call, { streamId: 'abc' });
  t.deepEqual([withStream.status, withStream.body], [400, "Subscribe calls should not include the 'Mesos-Stream-Id' header"]);

  const unknown = await post(cluster, { framework_id: { value: 'nope' }, type: CallType.REVIVE }, { streamId: 'abc' });
  t.deepEqual([unknown.status, unknown.body], [400, 'Framework cannot be found']);

  const framework = await HttpFramework.subscribe(cluster);
  t.is((await framework.call({ type: CallType.REVIVE })).status, 202);
  const missingStream = await post(cluster, { framework_id: { value: framework.id }, type: CallType.REVIVE }, {});
  t.deepEqual([missingStream.status, missingStream.body], [400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"]);
  const wrongStream = await post(cluster, { framework_id: { value: framework.id }, type: CallType.REVIVE }, { streamId: 'not-it' });
  t.deepEqual(
    [wrongStream.status, wrongStream.body],
    [400, `The stream ID included in this request didn't match the stream ID currently associated with framework ID '${framework.id}'`],
  );

  const unknownType = await framework.call({ type: CallType.UNKNOWN });
  t.is(unknownType.status, 501);

  // A driver-based framework cannot use the HTTP calls.
  const driver = await cluster.framework();
  const viaHttp = await post(cluster, { framework_id: { value: driver.id }, type: CallType.REVIVE }, { streamId: framework.streamId });
  t.deepEqual([viaHttp.status, viaHttp.body], [403, 'Framework is not connected via HTTP']);

  // A disconnected HTTP framework is not subscribed.
  framework.stream.disconnect();
  await cluster.settle();
  const gone = await framework.call({ type: CallType.REVIVE });
  t.deepEqual([gone.status, gone.body], [403, 'Framework is not subscribed']);
  await cluster.stop();
});

test('a master that is not the leader redirects to the leader (307), or answers 503 without one', async (t) => {
  const cluster = new Cluster();
  await cluster.settle();
  const master = cluster.running.master;
  await cluster.masterRuntime.dispatch(master, (m) => {
    m.electedTime = undefined;
    m.detectedLeader = { id: 'LEADER', ip: 0, port: 5051, hostname: 'leader.test' };
  });
  const redirected = await post(cluster, subscribeCall(), {});
  t.is(redirected.status, 307);
  t.is(redirected.headers['Location'], '//leader.test:5051/master/api/v1/scheduler');
  // Even for bad requests: the leader check comes first.
  t.is((await post(cluster, 'x', { method: 'GET', contentType: 'text/plain' })).status, 307);

  await cluster.masterRuntime.dispatch(master, (m) => {
    m.detectedLeader = undefined;
  });
  const none = await post(cluster, subscribeCall(), {});
  t.deepEqual([none.status, none.body], [503, 'No leader elected']);
  await cluster.stop();
});

/** A storage whose reads wait until `release()`: the master stays in recovery. */
class GatedStorage implements Storage {
  private readonly inner = new InMemoryStorage();
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
  async get(name: string): Promise<Entry | undefined> {
    await this.gate;
    return this.inner.get(name);
  }
  set(entry: Entry, uuid: Uint8Array): Promise<boolean> {
    return this.inner.set(entry, uuid);
  }
  expunge(entry: Entry): Promise<boolean> {
    return this.inner.expunge(entry);
  }
  names(): Promise<string[]> {
    return this.inner.names();
  }
}

test('503 until the master has recovered the registry', async (t) => {
  const storage = new GatedStorage();
  const cluster = new Cluster({ registry: { kind: 'storage', storage } });
  await cluster.settle();
  const early = await post(cluster, subscribeCall(), {});
  t.deepEqual([early.status, early.body], [503, 'Master has not finished recovery']);
  // Recovery comes before the method check, as in Mesos.
  t.is((await post(cluster, subscribeCall(), { method: 'PUT' })).status, 503);
  storage.release();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await cluster.settle();
  t.is((await post(cluster, subscribeCall(), {})).status, 200);
  await cluster.stop();
});

test('an invalid subscription gets a 200 stream with one ERROR event, then the stream closes', async (t) => {
  const cluster = new Cluster({ roles: new Set(['web']) });
  await cluster.settle();
  const cases: Array<[Partial<mesos.v1.FrameworkInfo.$Properties>, string]> = [
    [{ role: 'db' }, "Role 'db' is not present in the master's --roles"],
    [{ role: '..' }, "Role name '..' is invalid"],
  ];
  for (const [info, message] of cases) {
    const result = await post(cluster, subscribeCall(info), {});
    t.is(result.status, 200);
    await cluster.settle();
    const stream = result.stream;
    if (stream === undefined) return t.fail('no stream');
    t.is(stream.take(EventType.ERROR).error?.message, message);
    t.deepEqual(stream.unread(), []);
    t.true(stream.ended);
  }
  t.is(cluster.running.master.state.frameworks.size, 0);
  await cluster.stop();
});
