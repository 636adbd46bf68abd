import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  encodeMessage,
  messageNameOf,
  messageTypeByName,
  messageTypeNames,
  mesos,
  toJSON,
  type MessageCodec,
} from '../../proto/index.js';
import {
  AGENT_ID,
  FRAMEWORK_ID,
  frameworkInfo,
  registerSlaveMessage,
  runTaskMessage,
  statusUpdateMessage,
  taskInfo,
  UUID_BYTES,
} from './fixtures.js';

/** Field numbers of the top-level fields of an encoded message, in wire order. */
function topLevelTags(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[i++] as number;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    out.push(Math.floor(key / 8));
    switch (key & 7) {
      case 0: varint(); break;
      case 1: i += 8; break;
      case 2: {
        const len = varint();
        i += len;
        break;
      }
      case 5: i += 4; break;
      default: throw new Error('unexpected wire type');
    }
  }
  return out;
}

function roundTrip<T extends object>(codec: MessageCodec<T>, message: T): { bytes: Uint8Array; decoded: T } {
  const bytes = encodeMessage(codec, message);
  const decoded = codec.decode(bytes);
  // Re-encoding the decoded message gives the same bytes.
  const again = encodeMessage(codec, decoded);
  if (Buffer.compare(Buffer.from(bytes), Buffer.from(again)) !== 0) throw new Error('re-encoding changed the bytes');
  return { bytes, decoded };
}

test('RegisterSlaveMessage round-trips', (t) => {
  const { decoded } = roundTrip(mesos.internal.RegisterSlaveMessage, registerSlaveMessage());
  t.is(decoded.slave.hostname, 'agent-1.example.com');
  t.is(decoded.slave.port, 5051);
  t.true(decoded.slave.checkpoint);
  t.is(decoded.slave.resources?.length, 5);
  t.is(decoded.slave.resources?.[3]?.ranges?.range?.[0]?.end, 32000);
  t.is(decoded.slave.resources?.[4]?.disk?.persistence?.id, 'vol-1');
  t.deepEqual(decoded.slave.attributes?.[1]?.set?.item, ['a', 'b']);
  t.is(decoded.checkpointed_resources?.[0]?.role, 'storage');
  t.is(decoded.version, '1.0.0');
});

test('RunTaskMessage round-trips with bytes, nested and 64-bit fields', (t) => {
  const { decoded } = roundTrip(mesos.internal.RunTaskMessage, runTaskMessage());
  t.is(decoded.framework.failover_timeout, 604800);
  t.is(decoded.framework.capabilities?.[0]?.type, mesos.FrameworkInfo.Capability.Type.REVOCABLE_RESOURCES);
  t.is(decoded.task.slave_id.value, AGENT_ID);
  t.is(decoded.task.kill_policy?.grace_period?.nanoseconds, 5_000_000_000);
  t.is(typeof decoded.task.kill_policy?.grace_period?.nanoseconds, 'number');
  t.deepEqual(Buffer.from(decoded.task.data ?? []), Buffer.from([0, 1, 2, 254, 255]));
  t.is(decoded.task.container?.docker?.port_mappings?.[0]?.host_port, 31001);
  t.is(decoded.task.health_check?.http?.path, '/health');
  t.is(decoded.pid, runTaskMessage().pid ?? '');
});

test('StatusUpdateMessage round-trips', (t) => {
  const { decoded } = roundTrip(mesos.internal.StatusUpdateMessage, statusUpdateMessage());
  const status = decoded.update.status;
  t.is(status.state, mesos.TaskState.TASK_RUNNING);
  t.is(status.source, mesos.TaskStatus.Source.SOURCE_EXECUTOR);
  t.is(status.timestamp, 1479757680.123456);
  t.deepEqual(Buffer.from(status.uuid ?? []), UUID_BYTES);
  t.is(status.container_status?.network_infos?.[0]?.ip_addresses?.[0]?.ip_address, '172.17.0.3');
  t.is(decoded.update.latest_state, mesos.TaskState.TASK_RUNNING);
});

test('v1 scheduler Call and Event round-trip', (t) => {
  const call = roundTrip(mesos.v1.scheduler.Call, {
    framework_id: { value: FRAMEWORK_ID },
    type: mesos.v1.scheduler.Call.Type.ACCEPT,
    accept: {
      offer_ids: [{ value: `${FRAMEWORK_ID}-O1` }],
      operations: [
        {
          type: mesos.v1.Offer.Operation.Type.LAUNCH,
          launch: {
            task_infos: [{
              name: 't', task_id: { value: 't1' }, agent_id: { value: AGENT_ID },
              resources: [{ name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 0.1 } }],
              command: { value: 'sleep 10' },
            }],
          },
        },
      ],
      filters: { refuse_seconds: 30 },
    },
  }).decoded;
  t.is(call.type, mesos.v1.scheduler.Call.Type.ACCEPT);
  t.is(call.accept?.operations?.[0]?.launch?.task_infos?.[0]?.agent_id.value, AGENT_ID);
  t.is(call.accept?.filters?.refuse_seconds, 30);

  const event = roundTrip(mesos.v1.scheduler.Event, {
    type: mesos.v1.scheduler.Event.Type.OFFERS,
    offers: {
      offers: [{
        id: { value: 'O1' }, framework_id: { value: FRAMEWORK_ID }, agent_id: { value: AGENT_ID },
        hostname: 'agent-1', resources: [{ name: 'mem', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 256 } }],
      }],
    },
  }).decoded;
  t.is(event.offers?.offers?.[0]?.hostname, 'agent-1');
  // An unset optional field reads its default, like the C++ accessor.
  t.is(event.offers?.offers?.[0]?.resources?.[0]?.role, '*');
  t.false(Object.prototype.hasOwnProperty.call(event.offers?.offers?.[0]?.resources?.[0], 'role'));
});

test('protobufjs writes fields in field-number order, as C++ does', (t) => {
  // Resource declares reservation (8) before disk (7).
  const bytes = encodeMessage(mesos.Resource, {
    name: 'disk', type: mesos.Value.Type.SCALAR, scalar: { value: 1 },
    reservation: { principal: 'p' }, disk: { persistence: { id: 'v' } },
  });
  t.deepEqual(topLevelTags(bytes), [1, 2, 3, 7, 8]);
  // RunTaskMessage declares task (4) before pid (3).
  const run = encodeMessage(mesos.internal.RunTaskMessage, runTaskMessage());
  t.deepEqual(topLevelTags(run), [1, 2, 3, 4]);
});

test('known bytes: small messages encode exactly', (t) => {
  t.deepEqual([...encodeMessage(mesos.TaskID, { value: 't' })], [0x0a, 0x01, 0x74]);
  // FrameworkInfo: user=1 "u", name=2 "n", failover_timeout=4 (double 1.0), checkpoint=5 true, role=6 "r".
  t.deepEqual(
    Buffer.from(encodeMessage(mesos.FrameworkInfo, { user: 'u', name: 'n', failover_timeout: 1, checkpoint: true, role: 'r' })).toString('hex'),
    '0a0175' + '12016e' + '21000000000000f03f' + '2801' + '320172',
  );
  // int64 beyond 32 bits, and a negative int32 (10-byte varint, as in C++).
  t.is(Buffer.from(encodeMessage(mesos.DurationInfo, { nanoseconds: 5_000_000_000 })).toString('hex'), '0880e497d012');
  t.is(Buffer.from(encodeMessage(mesos.Address, { port: -1 })).toString('hex'), '18ffffffffffffffffff01');
});

test('decoding a message missing a required field fails, like ParseFromString', (t) => {
  t.throws(() => mesos.TaskID.decode(new Uint8Array(0)), { any: true, message: /missing required 'value'/ });
  // TaskStatus{task_id{value:"x"}} without the required state.
  t.throws(() => mesos.TaskStatus.decode(Buffer.from('0a030a0178', 'hex')), { any: true, message: /missing required 'state'/ });
});

test('unknown fields survive a decode/encode round trip', (t) => {
  // A TaskID with an extra field 15 (varint 7) from a newer peer.
  const bytes = Buffer.from([0x0a, 0x01, 0x74, 0x78, 0x07]);
  const id = mesos.TaskID.decode(bytes);
  t.is(id.value, 't');
  t.deepEqual(Buffer.from(encodeMessage(mesos.TaskID, id)), bytes);
});

test('v0 mesos.TaskInfo bytes decode identically as mesos.v1.TaskInfo', (t) => {
  const v0bytes = encodeMessage(mesos.TaskInfo, taskInfo());
  const v1 = mesos.v1.TaskInfo.decode(v0bytes);
  t.is(v1.agent_id.value, AGENT_ID);
  t.deepEqual(Buffer.from(encodeMessage(mesos.v1.TaskInfo, v1)), Buffer.from(v0bytes));
  const v0json = toJSON(mesos.TaskInfo, mesos.TaskInfo.decode(v0bytes));
  const v1json = toJSON(mesos.v1.TaskInfo, v1);
  const { slave_id, ...v0rest } = v0json;
  const { agent_id, ...v1rest } = v1json;
  t.deepEqual(slave_id, agent_id);
  t.deepEqual(v0rest, v1rest);
});

test('v0 and v1 packages coexist in one bundle', (t) => {
  t.not(mesos.TaskInfo, mesos.v1.TaskInfo);
  t.is(messageNameOf(mesos.TaskInfo), 'mesos.TaskInfo');
  t.is(messageNameOf(mesos.v1.TaskInfo), 'mesos.v1.TaskInfo');
  t.is(mesos.v1.scheduler.Call.getTypeUrl(''), '/mesos.v1.scheduler.Call');
  for (const name of [
    'mesos.internal.RegisterSlaveMessage', 'mesos.internal.Registry', 'mesos.internal.state.Entry',
    'mesos.internal.Firewall', 'mesos.internal.AuthenticateMessage', 'mesos.ACLs', 'mesos.authorization.Request',
    'mesos.scheduler.Call', 'mesos.executor.Event', 'mesos.allocator.InverseOfferStatus',
    'mesos.maintenance.Schedule', 'mesos.quota.QuotaInfo', 'mesos.master.Call', 'mesos.agent.Response',
    'mesos.v1.scheduler.Event', 'mesos.v1.executor.Call', 'mesos.v1.master.Response',
    'mesos.v1.agent.Call', 'mesos.v1.maintenance.ClusterStatus', 'mesos.v1.quota.QuotaRequest',
    'mesos.v1.allocator.InverseOfferStatus', 'mesos.internal.log.Action',
  ]) {
    t.truthy(messageTypeByName(name), name);
  }
  t.is(messageTypeByName('mesos.internal.RegisterSlaveMessage'), mesos.internal.RegisterSlaveMessage);
  t.is(messageTypeByName('mesos.NoSuchMessage'), undefined);
  t.is(messageTypeByName('mesos.TaskState'), undefined); // an enum, not a message
  t.true(messageTypeNames().length > 500);
});

test('decode by name from the registry', (t) => {
  const bytes = encodeMessage(mesos.internal.StatusUpdateMessage, statusUpdateMessage());
  const codec = messageTypeByName('mesos.internal.StatusUpdateMessage');
  if (!codec) return t.fail();
  const decoded = codec.decode(bytes) as mesos.internal.StatusUpdateMessage;
  t.is(decoded.update.status.task_id.value, 'web.6f1c2d0e-b0a1-11e6-80f5-76304dec7eb7');
});

test('field numbers match Mesos 1.0 (include/mesos/mesos.proto FrameworkInfo)', (t) => {
  const tags = (props: Partial<mesos.FrameworkInfo.$Properties>): number[] =>
    topLevelTags(encodeMessage(mesos.FrameworkInfo, { user: 'u', name: 'n', ...props }));
  t.deepEqual(tags({}), [1, 2]);
  t.deepEqual(tags({ id: { value: 'x' } }), [1, 2, 3]);
  t.deepEqual(tags({ failover_timeout: 1 }), [1, 2, 4]);
  t.deepEqual(tags({ checkpoint: true }), [1, 2, 5]);
  t.deepEqual(tags({ role: 'r' }), [1, 2, 6]);
  t.deepEqual(tags({ hostname: 'h' }), [1, 2, 7]);
  t.deepEqual(tags({ principal: 'p' }), [1, 2, 8]);
  t.deepEqual(tags({ webui_url: 'w' }), [1, 2, 9]);
  t.deepEqual(tags({ capabilities: [{ type: 1 }] }), [1, 2, 10]);
  t.deepEqual(tags({ labels: { labels: [] } }), [1, 2, 11]);
  t.deepEqual(tags(frameworkInfo()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

test('other spot checks of numbers, defaults and enum values', (t) => {
  const fi = mesos.FrameworkInfo.decode(encodeMessage(mesos.FrameworkInfo, { user: 'u', name: 'n' }));
  t.is(fi.role, '*');
  t.is(fi.failover_timeout, 0);
  t.false(fi.checkpoint);
  t.is(mesos.MasterInfo.create().port, 5050);
  t.is(mesos.SlaveInfo.create({ hostname: 'h' }).port, 5051);
  t.is(mesos.Filters.create().refuse_seconds, 5);
  t.is(mesos.HealthCheck.create().grace_period_seconds, 10);
  t.is(mesos.TaskState.TASK_STAGING, 6);
  t.is(mesos.TaskState.TASK_STARTING, 0);
  t.is(mesos.TaskState.TASK_RUNNING, 1);
  t.is(mesos.TaskState.TASK_LOST, 5);
  t.is(mesos.TaskState.TASK_ERROR, 7);
  t.is(mesos.v1.scheduler.Call.Type.SUBSCRIBE, 1);
  t.is(mesos.v1.scheduler.Call.Type.ACKNOWLEDGE, 8);
  t.is(mesos.v1.scheduler.Event.Type.HEARTBEAT, 8);
  t.is(mesos.ACL.Entity.create().type, mesos.ACL.Entity.Type.SOME);
  t.true(mesos.ACLs.create().permissive);
  // StatusUpdateMessage: update=1, pid=2.
  t.deepEqual(topLevelTags(encodeMessage(mesos.internal.StatusUpdateMessage, statusUpdateMessage())), [1, 2]);
  // RegisterSlaveMessage: slave=1, version=2, checkpointed_resources=3.
  t.deepEqual(topLevelTags(encodeMessage(mesos.internal.RegisterSlaveMessage, registerSlaveMessage())), [1, 2, 3]);
});

test('golden mesos-go RegisterFrameworkMessage body decodes', (t) => {
  const raw = readFileSync(new URL('../fixtures/mesos-go-0.0.6-register-framework.raw', import.meta.url));
  const split = raw.indexOf('\r\n\r\n');
  t.true(split > 0);
  const head = raw.subarray(0, split).toString('latin1');
  t.regex(head, /^POST \/master\/mesos\.internal\.RegisterFrameworkMessage HTTP\/1\.1/);
  const length = Number(/Content-Length: (\d+)/.exec(head)?.[1]);
  const body = raw.subarray(split + 4);
  t.is(body.length, length);
  const name = head.split(' ')[1]?.split('/')[2] ?? '';
  const codec = messageTypeByName(name);
  t.is(codec, mesos.internal.RegisterFrameworkMessage);
  const message = mesos.internal.RegisterFrameworkMessage.decode(body);
  t.is(message.framework.user, 'root');
  t.is(message.framework.name, 'legacy-go-acceptance');
  t.is(message.framework.hostname, '127.0.0.1');
  t.false(Object.prototype.hasOwnProperty.call(message.framework, 'role'));
  // Our encoder reproduces the Go driver's bytes exactly.
  t.deepEqual(Buffer.from(encodeMessage(mesos.internal.RegisterFrameworkMessage, message)), body);
  t.deepEqual(
    Buffer.from(encodeMessage(mesos.internal.RegisterFrameworkMessage, { framework: { user: 'root', name: 'legacy-go-acceptance', hostname: '127.0.0.1' } })),
    body,
  );
});

test('FrameworkInfo fixture survives v0 -> v1 -> v0', (t) => {
  const bytes = encodeMessage(mesos.FrameworkInfo, frameworkInfo());
  const v1 = mesos.v1.FrameworkInfo.decode(bytes);
  t.is(v1.webui_url, 'http://scheduler-1.example.com:8080');
  t.deepEqual(Buffer.from(encodeMessage(mesos.v1.FrameworkInfo, v1)), Buffer.from(bytes));
});
