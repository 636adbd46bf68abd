// v1 operator API benchmarks.
//
//   node --import tsx benchmarks/http.ts
//
// GET_STATE: the response for a master of 10,000 agents each running 2
// tasks of each of 5 frameworks (100,000 tasks; the model of
// benchmarks/master.ts), rendered as the route renders it, in JSON and in
// protobuf. Prints the median of warm renders (`BENCH
// http.get_state_10k_json <ms> ms`, `... _protobuf`), the first (cold)
// render, when every task is encoded for the first time, and the sizes.
//
// Fan-out: a master on a TCP runtime, 100 agents and one framework
// simulated on another TCP runtime in this process (real libprocess
// messages over loopback), and 100 operator API subscribers on real HTTP
// connections in a child process (half JSON, half protobuf). 10,000 tasks
// are launched, run and finish (RunTask, TASK_RUNNING, TASK_FINISHED and
// acknowledgements), which gives every subscriber 30,000 events. Prints
// `BENCH http.fanout_100_subscribers <tasks/s> tasks/s`: 10,000 over the time
// from the first launch until every subscriber has read every event; and the
// same run with no subscribers (`http.fanout_0_subscribers`) for comparison.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Process, startRuntime, type UPID } from '../libprocess/index.js';
import { mesos, RecordIODecoder } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { startMaster } from '../master/daemon.js';
import { getStateTree, releaseChunks, responseTree, treeBytesChunks, treeJsonChunks } from '../master/http/operator-state.js';
import { report } from './harness.js';
import { buildMasterState } from './master.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

// ------------------------------------------------------------- GET_STATE

function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function getState(): void {
  const state = buildMasterState(10_000);
  // As the route renders a large response: into 64 KB chunks that are then
  // streamed, and given back for reuse once the socket has them (onSent).
  const size = (chunks: Buffer[]): number => {
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    releaseChunks(chunks);
    return total;
  };
  const render = {
    protobuf: () => size(treeBytesChunks(responseTree('GET_STATE', 9, 'get_state', getStateTree(state)), true)),
    json: () => size(treeJsonChunks(responseTree('GET_STATE', 9, 'get_state', getStateTree(state)), true)),
  };
  for (const kind of ['protobuf', 'json'] as const) {
    collect();
    let bytes = 0;
    const cold = time(() => (bytes = render[kind]()));
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) warm.push(time(() => void render[kind]()));
    report(`http.get_state_10k_${kind}`, median(warm), 'ms');
    report(`http.get_state_10k_${kind}_cold`, cold, 'ms');
    report(`http.get_state_10k_${kind}_bytes`, bytes, 'bytes');
  }
  collect();
}

// ------------------------------------------------------------- fan-out

const TASKS = 10_000;
const AGENTS = 100;
const SUBSCRIBERS = 100;
const m = mesos.internal;

class BenchAgent extends Process {
  id = '';
  constructor(
    private readonly master: UPID,
    private readonly onRegistered: () => void,
  ) {
    super('slave()');
  }

  protected override initialize(): void {
    this.install(m.SlaveRegisteredMessage, (_from, msg) => {
      if (this.id !== '') return;
      this.id = msg.slave_id.value;
      this.onRegistered();
    });
    this.install(m.PingSlaveMessage, (from) => this.sendProto(from, m.PongSlaveMessage, {}));
    this.install(m.RunTaskMessage, (_from, msg) => {
      // The task runs and finishes at once.
      const frameworkId = msg.framework_id?.value ?? msg.framework.id?.value ?? '';
      this.update(frameworkId, msg.task.task_id.value, mesos.TaskState.TASK_RUNNING);
      this.update(frameworkId, msg.task.task_id.value, mesos.TaskState.TASK_FINISHED);
    });
    this.install(m.StatusUpdateAcknowledgementMessage, () => undefined);
    this.install(m.UpdateFrameworkMessage, () => undefined);
    this.install(m.CheckpointResourcesMessage, () => undefined);
  }

  register(): void {
    this.sendProto(this.master, m.RegisterSlaveMessage, {
      slave: { hostname: `agent-${this.self.id}`, resources: Resources.parse('cpus:100;mem:102400').toProto() },
      version: '1.0.0',
    });
  }

  private update(frameworkId: string, taskId: string, state: mesos.TaskState): void {
    const uuid = Buffer.alloc(16);
    uuid.writeUInt32BE(Math.floor(Math.random() * 2 ** 32), 0);
    uuid[6] = 0x40;
    this.sendProto(this.master, m.StatusUpdateMessage, {
      update: {
        framework_id: { value: frameworkId },
        slave_id: { value: this.id },
        status: { task_id: { value: taskId }, state, source: mesos.TaskStatus.Source.SOURCE_EXECUTOR, slave_id: { value: this.id }, timestamp: Date.now() / 1000 },
        timestamp: Date.now() / 1000,
        uuid,
      },
      pid: this.self.toString(),
    });
  }
}

class BenchScheduler extends Process {
  frameworkId = '';
  launched = 0;
  finished = 0;
  firstLaunch = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly master: UPID,
    private readonly total: number,
  ) {
    super('scheduler()');
  }

  protected override initialize(): void {
    this.install(m.FrameworkRegisteredMessage, (_from, msg) => {
      this.frameworkId = msg.framework_id.value;
      this.wake();
    });
    this.install(m.ResourceOffersMessage, (_from, msg) => this.offers(msg.offers ?? []));
    this.install(m.StatusUpdateMessage, (_from, msg) => {
      const update = msg.update;
      this.sendProto(this.master, m.StatusUpdateAcknowledgementMessage, {
        slave_id: update.slave_id ?? { value: '' },
        framework_id: update.framework_id,
        task_id: update.status.task_id,
        uuid: update.uuid ?? new Uint8Array(0),
      });
      if (update.status.state === mesos.TaskState.TASK_FINISHED && ++this.finished === this.total) this.wake();
    });
    this.install(m.RescindResourceOfferMessage, () => undefined);
  }

  register(): Promise<void> {
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.sendProto(this.master, m.RegisterFrameworkMessage, { framework: { user: 'bench', name: 'operator-fanout' } });
    return done;
  }

  /** Resolves once every task finished. */
  allFinished(): Promise<void> {
    if (this.finished >= this.total) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private offers(offers: readonly mesos.Offer.$Properties[]): void {
    for (const offer of offers) {
      const cpus = Resources.fromProto(offer.resources ?? []).cpus() ?? 0;
      const count = Math.min(Math.floor(cpus), this.total - this.launched);
      const tasks: mesos.TaskInfo.$Properties[] = [];
      for (let i = 0; i < count; i++) {
        const id = `task-${this.launched++}`;
        tasks.push({
          name: id,
          task_id: { value: id },
          slave_id: offer.slave_id,
          resources: Resources.parse('cpus:1;mem:32').toProto(),
          command: { value: 'true' },
        });
      }
      if (tasks.length > 0 && this.firstLaunch === 0) this.firstLaunch = performance.now();
      this.sendProto(this.master, m.LaunchTasksMessage, {
        framework_id: { value: this.frameworkId },
        tasks,
        filters: { refuse_seconds: 0 },
        offer_ids: [offer.id],
      });
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

interface Subscribers {
  ready: Promise<void>;
  done: Promise<void>;
  stop(): void;
}

/** Starts the child process holding the subscribers; resolves `ready` once each has its SUBSCRIBED. */
function startSubscribers(address: string, count: number, records: number): Subscribers {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'subscribers', address, String(count), String(records)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, MESOS_TS_LOG_LEVEL: 'fatal' },
  });
  let ready: () => void = () => undefined;
  let done: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const donePromise = new Promise<void>((resolve, reject) => {
    done = resolve;
    const fail = failed;
    failed = (error) => {
      fail(error);
      reject(error);
    };
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line === 'READY') ready();
      else if (line === 'DONE') done();
      else if (line.startsWith('ERROR')) failed(new Error(line));
    }
  });
  child.on('exit', (code) => failed(new Error(`subscriber process exited with ${code}`)));
  return { ready: readyPromise, done: donePromise, stop: () => child.kill() };
}

/** The child: `count` subscribers, each counting records until it has `records`. */
async function subscribersMain(address: string, count: number, records: number): Promise<void> {
  const [host, port] = address.split(':');
  let ready = 0;
  let done = 0;
  for (let i = 0; i < count; i++) {
    const protobuf = i % 2 === 1;
    const type = protobuf ? 'application/x-protobuf' : 'application/json';
    const body = protobuf ? Buffer.from(mesos.v1.master.Call.encode({ type: mesos.v1.master.Call.Type.SUBSCRIBE }).finish()) : Buffer.from('{"type":"SUBSCRIBE"}');
    const decoder = new RecordIODecoder();
    let seen = 0;
    const request = http.request({ host, port: Number(port), path: '/api/v1', method: 'POST', headers: { 'Content-Type': type, Accept: type }, agent: false }, (response) => {
      if (response.statusCode !== 200) process.stdout.write(`ERROR status ${response.statusCode}\n`);
      response.on('data', (chunk: Buffer) => {
        const before = seen;
        seen += decoder.decode(chunk).length;
        if (before === 0 && seen > 0 && ++ready === count) process.stdout.write('READY\n');
        if (before < records && seen >= records && ++done === count) process.stdout.write('DONE\n');
      });
      response.on('end', () => {
        if (seen < records) process.stdout.write(`ERROR subscriber ${i} ended after ${seen} records\n`);
      });
    });
    request.on('error', (error) => process.stdout.write(`ERROR ${error.message}\n`));
    request.end(body);
  }
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', () => resolve()));
  process.exit(0);
}

/** Launches and finishes TASKS tasks with `subscribers` subscribers reading; tasks per second. */
async function fanout(subscribers: number): Promise<{ rate: number; dropped: number }> {
  const env = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };
  const masterRuntime = await startRuntime({ ip: '127.0.0.1', port: 0, delegate: 'master', env });
  const running = startMaster(masterRuntime, { hostname: 'bench', registry: { kind: 'in_memory' }, allocationIntervalMs: 100 });
  const peers = await startRuntime({ ip: '127.0.0.1', port: 0, env });
  const master = running.master.self;
  let registered = 0;
  let allRegistered: () => void = () => undefined;
  const agentsUp = new Promise<void>((resolve) => (allRegistered = resolve));
  const agents = Array.from({ length: AGENTS }, () => new BenchAgent(master, () => ++registered === AGENTS && allRegistered()));
  for (const agent of agents) peers.spawn(agent);
  await peers.settle();
  for (const agent of agents) agent.register();
  await agentsUp;

  const children = subscribers > 0 ? startSubscribers(masterRuntime.address, subscribers, 1 + 3 * TASKS) : undefined;
  await children?.ready;
  const scheduler = new BenchScheduler(master, TASKS);
  peers.spawn(scheduler);
  await peers.settle();
  await scheduler.register();
  await scheduler.allFinished();
  await children?.done;
  const seconds = (performance.now() - scheduler.firstLaunch) / 1000;
  const dropped = (await masterRuntime.metrics.snapshot()).get('master/operator_event_stream_subscribers_dropped') ?? 0;
  children?.stop();
  await peers.shutdown();
  await running.stop();
  await masterRuntime.shutdown();
  return { rate: TASKS / seconds, dropped };
}

/** Runs the GET_STATE and fan-out parts (`only` picks one: 'state' or 'fanout'). */
export async function run(only?: string): Promise<void> {
  if (only !== 'fanout') getState();
  if (only === 'state') return;
  const baseline = await fanout(0);
  report('http.fanout_0_subscribers', baseline.rate, 'tasks/s');
  const loaded = await fanout(SUBSCRIBERS);
  report(`http.fanout_${SUBSCRIBERS}_subscribers`, loaded.rate, 'tasks/s');
  report(`http.fanout_${SUBSCRIBERS}_subscribers_dropped`, loaded.dropped, 'subscribers');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'subscribers') {
    await subscribersMain(process.argv[3] ?? '', Number(process.argv[4]), Number(process.argv[5]));
  } else {
    await run(process.argv[2]);
    process.exit(0);
  }
}
