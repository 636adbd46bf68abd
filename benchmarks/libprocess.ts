// libprocess benchmarks (npm run bench:libprocess):
//   oneway          messages/s from one sender to a receiver in another OS process, 100-byte bodies
//   oneway_decoded  the same with each body decoded as a protobuf message at the receiver
//   roundtrip       ping-pong round trips/s with 16 pingers (one in flight each), latency percentiles
//   roundtrip_serial the same with a single pinger: pure round-trip latency
//   dispatch        messages/s between two processes in one runtime (no socket)

import { Process, Runtime, UPID, startRuntime, messageName } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';
import net from 'node:net';
import { percentileOf, report, startPeer } from './harness.js';

const BATCH = 10_000;

/** Sends batches of messages, keeping `window` batches unacknowledged. */
class Sender extends Process {
  private sentBatches = 0;
  private doneBatches = 0;
  private resolveDone: (() => void) | undefined;
  private to: UPID | undefined;
  private totalBatches = 0;

  constructor(
    private readonly name: string,
    private readonly body: Uint8Array,
    private readonly window: number,
  ) {
    super('sender');
  }

  protected override initialize(): void {
    this.install('done', () => {
      this.doneBatches++;
      if (this.doneBatches === this.totalBatches) this.resolveDone?.();
      else this.pump();
    });
  }

  run(to: UPID, batches: number): Promise<void> {
    this.to = to;
    this.totalBatches = batches;
    this.sentBatches = 0;
    this.doneBatches = 0;
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    this.pump();
    return done;
  }

  private pump(): void {
    const to = this.to as UPID;
    while (this.sentBatches < this.totalBatches && this.sentBatches - this.doneBatches < this.window) {
      for (let i = 0; i < BATCH; i++) this.send(to, this.name, this.body);
      this.sentBatches++;
    }
  }
}

async function oneway(runtime: Runtime, decoded: boolean): Promise<number> {
  const peer = await startPeer('./libprocess-peer.ts', [decoded ? 'decoded-sink' : 'sink', String(BATCH)]);
  try {
    let name = 'data';
    let body: Uint8Array = Buffer.alloc(100, 7);
    if (decoded) {
      const message = mesos.internal.FrameworkToExecutorMessage.create({
        slave_id: { value: '20161121-194800-16777343-5050-1234-S0' },
        framework_id: { value: '20161121-194800-16777343-5050-1234-0000' },
        executor_id: { value: 'executor-1' },
        data: Buffer.alloc(10, 1),
      });
      body = mesos.internal.FrameworkToExecutorMessage.encode(message).finish();
      name = messageName(mesos.internal.FrameworkToExecutorMessage);
    }
    const sender = new Sender(name, body, 8);
    runtime.spawn(sender);
    const to = UPID.parse(peer.pid);
    await runtime.dispatch(sender, (s) => s.run(to, 5)); // warm up
    const batches = 100;
    const start = performance.now();
    await runtime.dispatch(sender, (s) => s.run(to, batches));
    const seconds = (performance.now() - start) / 1000;
    runtime.terminate(sender);
    await runtime.wait(sender);
    return (batches * BATCH) / seconds;
  } finally {
    peer.stop();
  }
}

class Pinger extends Process {
  private remaining = 0;
  private sentAt = 0;
  latencies: Float64Array = new Float64Array(0);
  private index = 0;
  private resolveDone: (() => void) | undefined;
  private to: UPID | undefined;
  private readonly body = Buffer.alloc(100, 1);

  constructor(id: string) {
    super(id);
  }

  protected override initialize(): void {
    this.install('pong', () => {
      this.latencies[this.index++] = performance.now() - this.sentAt;
      if (--this.remaining === 0) this.resolveDone?.();
      else this.ping();
    });
  }

  run(to: UPID, count: number): Promise<void> {
    this.to = to;
    this.remaining = count;
    this.latencies = new Float64Array(count);
    this.index = 0;
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    this.ping();
    return done;
  }

  private ping(): void {
    this.sentAt = performance.now();
    this.send(this.to as UPID, 'ping', this.body);
  }
}

/**
 * Ping-pong between two OS processes. `pairs` pingers each keep one ping in
 * flight; with one pair this is the serial round-trip latency, with several
 * it is the throughput a process with many peers sees.
 */
async function roundtrip(runtime: Runtime, pairs: number, perPair: number): Promise<{ rate: number; p50: number; p99: number }> {
  const peer = await startPeer('./libprocess-peer.ts', ['echo']);
  try {
    const to = UPID.parse(peer.pid);
    const pingers = Array.from({ length: pairs }, (_, i) => new Pinger(`pinger-${pairs}-${i}`));
    for (const pinger of pingers) runtime.spawn(pinger);
    await Promise.all(pingers.map((p) => runtime.dispatch(p, (x) => x.run(to, 2000))));
    const start = performance.now();
    await Promise.all(pingers.map((p) => runtime.dispatch(p, (x) => x.run(to, perPair))));
    const seconds = (performance.now() - start) / 1000;
    const all = new Float64Array(pairs * perPair);
    pingers.forEach((p, i) => all.set(p.latencies, i * perPair));
    const sorted = all.sort();
    for (const pinger of pingers) runtime.terminate(pinger);
    await Promise.all(pingers.map((p) => runtime.wait(p)));
    return { rate: (pairs * perPair) / seconds, p50: percentileOf(sorted, 0.5) * 1000, p99: percentileOf(sorted, 0.99) * 1000 };
  } finally {
    peer.stop();
  }
}

/** Serial round trips over plain Node sockets (two connections), the floor under libprocess.roundtrip_serial. */
async function rawRoundtrip(count: number): Promise<number> {
  const peer = await startPeer('./raw-echo.ts', []);
  try {
    const echoPort = Number(peer.pid);
    const message = Buffer.alloc(250, 1);
    let remaining = count;
    let out: net.Socket | undefined;
    let start = 0;
    const done = new Promise<number>((resolve) => {
      const server = net.createServer({ noDelay: true }, (inbound) => {
        inbound.on('data', () => {
          if (--remaining === 0) {
            const seconds = (performance.now() - start) / 1000;
            server.close();
            inbound.destroy();
            out?.destroy();
            resolve(count / seconds);
            return;
          }
          out?.write(message);
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const myPort = typeof address === 'object' && address !== null ? address.port : 0;
        out = net.connect({ host: '127.0.0.1', port: echoPort, noDelay: true }, () => {
          const hello = Buffer.alloc(2);
          hello.writeUInt16BE(myPort);
          out?.write(hello);
          setTimeout(() => {
            start = performance.now();
            out?.write(message);
          }, 100);
        });
      });
    });
    return await done;
  } finally {
    peer.stop();
  }
}

class Counter extends Process {
  count = 0;
  target = 0;
  resolveDone: (() => void) | undefined;
  constructor() {
    super('counter');
  }
  protected override initialize(): void {
    this.install('tick', () => {
      if (++this.count === this.target) this.resolveDone?.();
    });
  }
}

class Ticker extends Process {
  constructor(private readonly to: UPID) {
    super('ticker');
  }
  protected override initialize(): void {
    this.install('go', (_from, body) => {
      const remaining = body.readUInt32LE(0);
      const n = Math.min(remaining, 1000);
      for (let i = 0; i < n; i++) this.send(this.to, 'tick', EMPTY);
      if (remaining > n) {
        const next = Buffer.alloc(4);
        next.writeUInt32LE(remaining - n);
        this.send(this.self, 'go', next);
      }
    });
  }
}

const EMPTY = Buffer.alloc(0);

async function dispatch(runtime: Runtime): Promise<number> {
  const counter = new Counter();
  const counterPid = runtime.spawn(counter);
  const ticker = new Ticker(counterPid);
  runtime.spawn(ticker);
  const run = async (n: number): Promise<number> => {
    counter.count = 0;
    counter.target = n;
    const done = new Promise<void>((resolve) => (counter.resolveDone = resolve));
    const go = Buffer.alloc(4);
    go.writeUInt32LE(n);
    const start = performance.now();
    runtime.send(ticker.self, ticker.self, 'go', go);
    await done;
    return n / ((performance.now() - start) / 1000);
  };
  await run(200_000);
  const rate = await run(3_000_000);
  runtime.terminate(counter);
  runtime.terminate(ticker);
  return rate;
}

export async function run(): Promise<void> {
  const runtime = await startRuntime({ ip: '127.0.0.1', port: 0 });
  try {
    report('libprocess.oneway', await oneway(runtime, false), 'msg/s');
    report('libprocess.raw_node_roundtrip_serial', await rawRoundtrip(50_000), 'rt/s');
    const serial = await roundtrip(runtime, 1, 50_000);
    report('libprocess.roundtrip_serial', serial.rate, 'rt/s');
    report('libprocess.roundtrip_serial_p50', serial.p50, 'us');
    report('libprocess.roundtrip_serial_p99', serial.p99, 'us');
    const concurrent = await roundtrip(runtime, 16, 10_000);
    report('libprocess.roundtrip', concurrent.rate, 'rt/s');
    report('libprocess.roundtrip_p50', concurrent.p50, 'us');
    report('libprocess.roundtrip_p99', concurrent.p99, 'us');
    report('libprocess.dispatch', await dispatch(runtime), 'ops/s');
    report('libprocess.oneway_decoded', await oneway(runtime, true), 'msg/s');
  } finally {
    await runtime.shutdown();
  }
}
