import test from 'ava';
import { Process, UPID, messageName, startRuntime, type Runtime } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { eventually } from './helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] = 'fatal';
const ENV = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };

class Master extends Process {
  readonly pings: Array<{ from: string; connected: boolean }> = [];
  decodes = 0;
  constructor() {
    super('master');
  }
  protected override initialize(): void {
    this.install(mesos.internal.PingSlaveMessage, (from, message) => {
      this.decodes++;
      this.pings.push({ from: from.toString(), connected: message.connected });
    });
  }
}

async function start(): Promise<Runtime> {
  return startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
}

test('protobuf handlers are named by the full type name and get decoded messages', async (t) => {
  t.is(messageName(mesos.internal.PingSlaveMessage), 'mesos.internal.PingSlaveMessage');
  const one = await start();
  const two = await start();
  const master = new Master();
  const masterPid = two.spawn(master);
  class Agent extends Process {
    constructor() {
      super('slave()');
    }
  }
  const agent = new Agent();
  one.spawn(agent);
  agent.sendProto(masterPid, mesos.internal.PingSlaveMessage, mesos.internal.PingSlaveMessage.create({ connected: true }));
  await eventually(() => master.pings.length === 1);
  t.deepEqual(master.pings, [{ from: `slave(1)@${one.address}`, connected: true }]);
  t.is(master.decodes, 1);
  await one.shutdown();
  await two.shutdown();
});

test('an undecodable protobuf body is dropped, logged and counted; later messages still arrive', async (t) => {
  const runtime = await start();
  const master = new Master();
  const pid = runtime.spawn(master);
  const from = new UPID('x', '127.0.0.1', 9);
  // PingSlaveMessage.connected is required: an empty body misses it, and 0xff is a truncated varint.
  runtime.deliver(from.toString(), pid.id, 'mesos.internal.PingSlaveMessage', Buffer.alloc(0));
  runtime.deliver(from.toString(), pid.id, 'mesos.internal.PingSlaveMessage', Buffer.from([0xff]));
  runtime.deliver(
    from.toString(),
    pid.id,
    'mesos.internal.PingSlaveMessage',
    Buffer.from(mesos.internal.PingSlaveMessage.encode({ connected: false }).finish()),
  );
  await runtime.settle();
  t.deepEqual(master.pings, [{ from: from.toString(), connected: false }]);
  t.is((await runtime.metrics.snapshot()).get('libprocess/messages_dropped/undecodable'), 2);
  await runtime.shutdown();
});

test('local messages never touch a socket', async (t) => {
  const runtime = await start();
  const master = new Master();
  const pid = runtime.spawn(master);
  class Local extends Process {
    constructor() {
      super('local');
    }
  }
  const local = new Local();
  runtime.spawn(local);
  for (let i = 0; i < 10; i++) local.sendProto(pid, mesos.internal.PingSlaveMessage, { connected: true });
  // Addressed by a loopback alias of the same runtime, still local.
  local.sendProto(new UPID('master', '127.0.0.1', runtime.port), mesos.internal.PingSlaveMessage, { connected: true });
  await runtime.settle();
  t.is(master.pings.length, 11);
  const snapshot = await runtime.metrics.snapshot();
  t.is(snapshot.get('libprocess/transport/outbound_connections'), 0);
  t.is(snapshot.get('libprocess/transport/frames_sent'), 0);
  t.is(snapshot.get('libprocess/transport/connections_accepted'), 0);
  await runtime.shutdown();
});
