// libprocess benchmarks (npm run bench:libprocess):
//   oneway          messages/s from one sender to a receiver in another OS process, 100-byte bodies
//   oneway_decoded  the same with each body decoded as a protobuf message at the receiver
//   roundtrip       ping-pong round trips/s with one message in flight, and latency percentiles
//   dispatch        messages/s between two processes in one runtime (no socket)

import { Process, Runtime, UPID, startRuntime, messageName } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';
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

async function roundtrip(runtime: Runtime): Promise<{ rate: number; p50: number; p99: number }> {
  const peer = await startPeer('./libprocess-peer.ts', ['echo']);
  try {
    const pinger = new Pinger('pinger');
    runtime.spawn(pinger);
    const to = UPID.parse(peer.pid);
    await runtime.dispatch(pinger, (p) => p.run(to, 5000));
    const count = 50_000;
    const start = performance.now();
    await runtime.dispatch(pinger, (p) => p.run(to, count));
    const seconds = (performance.now() - start) / 1000;
    const sorted = pinger.latencies.slice().sort();
    runtime.terminate(pinger);
    await runtime.wait(pinger);
    return { rate: count / seconds, p50: percentileOf(sorted, 0.5) * 1000, p99: percentileOf(sorted, 0.99) * 1000 };
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
    const rt = await roundtrip(runtime);
    report('libprocess.roundtrip', rt.rate, 'rt/s');
    report('libprocess.roundtrip_p50', rt.p50, 'us');
    report('libprocess.roundtrip_p99', rt.p99, 'us');
    report('libprocess.dispatch', await dispatch(runtime), 'ops/s');
    report('libprocess.oneway_decoded', await oneway(runtime, true), 'msg/s');
  } finally {
    await runtime.shutdown();
  }
}
