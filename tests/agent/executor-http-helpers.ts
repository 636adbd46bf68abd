// An agent for the executor HTTP API tests, in this process: the real Agent
// process on an in-memory network, a fake master (PeerProcess) that registers
// it and sends it tasks, and a fake containerizer whose containers end when
// the test says. Calls go through the agent runtime's HTTP entry point; a
// SUBSCRIBE's stream is read by a writer that decodes the RecordIO events as
// they are written.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InMemoryNetwork, messageName, startMemoryRuntime, startRuntime, type Runtime } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import type { Request, Response, StreamWriter } from '../../libprocess/http/types.js';
import { fromJSONText, mesos, RecordIODecoder, toJSONString } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { Agent } from '../../agent/agent.js';
import type { Executor } from '../../agent/model.js';
import type { Containerizer, LaunchOptions, Termination } from '../../agent/containerizer/containerizer.js';
import type { IdLike } from '../../agent/paths.js';
import { uuidBytes } from '../../executor/uuid.js';
import { eventually as poll } from '../eventually.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

export type Event = mesos.v1.executor.Event;
export type Call = mesos.v1.executor.Call.$Properties;
export const EventType = mesos.v1.executor.Event.Type;
export const CallType = mesos.v1.executor.Call.Type;
export const JSON_TYPE = 'application/json';
export const PROTOBUF_TYPE = 'application/x-protobuf';
export const PATH = '/slave(1)/api/v1/executor';

const m = mesos.internal;

export const MASTER_MESSAGES = [
  m.RegisterSlaveMessage,
  m.ReregisterSlaveMessage,
  m.StatusUpdateMessage,
  m.ExitedExecutorMessage,
  m.ExecutorToFrameworkMessage,
].map(messageName);

/** Polls `read` (every 5 ms, for up to 10 s by default) until it gives a value. */
export function eventually<T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  return poll(read, timeoutMs, 5);
}

/** Containers that run until the test ends them (or the agent destroys them). */
export class FakeContainerizer implements Containerizer {
  readonly launches = new Map<string, LaunchOptions>();
  readonly destroyed: string[] = [];
  private readonly terminations = new Map<string, { promise: Promise<Termination>; resolve: (termination: Termination) => void }>();

  /** The container's end, made on first use (a container may be destroyed before its launch finished). */
  private termination(id: string): { promise: Promise<Termination>; resolve: (termination: Termination) => void } {
    let entry = this.terminations.get(id);
    if (entry === undefined) {
      let resolve!: (termination: Termination) => void;
      const promise = new Promise<Termination>((r) => (resolve = r));
      entry = { promise, resolve };
      this.terminations.set(id, entry);
    }
    return entry;
  }

  recover(): Promise<void> {
    return Promise.resolve();
  }

  launch(containerId: IdLike, options: LaunchOptions): Promise<boolean> {
    const id = idOf(containerId);
    this.launches.set(id, options);
    this.termination(id);
    return Promise.resolve(true);
  }

  update(): Promise<void> {
    return Promise.resolve();
  }

  usage(): Promise<mesos.ResourceStatistics> {
    return Promise.resolve(mesos.ResourceStatistics.create({ timestamp: 0 }));
  }

  status(): Promise<mesos.ContainerStatus> {
    return Promise.resolve(mesos.ContainerStatus.create({}));
  }

  wait(containerId: IdLike): Promise<Termination> {
    const id = idOf(containerId);
    return this.launches.has(id) ? this.termination(id).promise : Promise.reject(new Error(`unknown container ${id}`));
  }

  destroy(containerId: IdLike): Promise<void> {
    const id = idOf(containerId);
    this.destroyed.push(id);
    this.exit(id, 9, 'Container destroyed');
    return Promise.resolve();
  }

  containers(): Promise<Set<string>> {
    return Promise.resolve(new Set(this.launches.keys()));
  }

  /** The executor in this container exits. */
  exit(containerId: string, status: number, message = ''): void {
    this.termination(containerId).resolve(mesos.containerizer.Termination.create({ status, message }));
  }
}

function idOf(containerId: IdLike): string {
  return typeof containerId === 'string' ? containerId : String(containerId.value);
}

/** A response writer that decodes the executor events written to it. */
export class EventReader implements StreamWriter {
  readonly events: Event[] = [];
  ended = false;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly decoder = new RecordIODecoder();
  private read = 0;

  constructor(readonly contentType: string) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get pending(): number {
    return 0;
  }

  write(data: Buffer | string): boolean {
    if (this.ended) return false;
    for (const record of this.decoder.decode(typeof data === 'string' ? Buffer.from(data) : data)) {
      const bytes = Buffer.from(record);
      this.events.push(
        this.contentType === PROTOBUF_TYPE
          ? mesos.v1.executor.Event.decode(bytes)
          : fromJSONText(mesos.v1.executor.Event, bytes.toString('utf8')),
      );
    }
    return true;
  }

  /** The agent ends the stream. */
  close(): void {
    this.ended = true;
    this.resolveClosed();
  }

  /** The executor goes away. */
  disconnect(): void {
    this.close();
  }

  unread(): Event[] {
    return this.events.slice(this.read);
  }

  /** The next unread event (waiting for it), which must be of `type`. */
  async next(type: mesos.v1.executor.Event.Type): Promise<Event> {
    const event = await eventually(() => this.events[this.read]);
    this.read++;
    if (event.type !== type) {
      throw new Error(`expected ${EventType[type]}, got ${EventType[event.type]}: ${JSON.stringify(event)}`);
    }
    return event;
  }
}

export interface PostOptions {
  method?: string;
  contentType?: string | null;
  accept?: string;
  path?: string;
}

export interface PostResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  stream: EventReader | undefined;
}

export function encodeCall(call: Call, contentType: string): Buffer {
  return contentType === PROTOBUF_TYPE
    ? Buffer.from(mesos.v1.executor.Call.encode(call).finish())
    : Buffer.from(toJSONString(mesos.v1.executor.Call, call));
}

/** A TaskStatus as an executor reports it: fresh uuid, SOURCE_EXECUTOR. */
export function executorStatus(taskId: string, state: mesos.TaskState, extra: Partial<mesos.v1.TaskStatus.$Properties> = {}): mesos.v1.TaskStatus.$Properties {
  return { task_id: { value: taskId }, state, source: mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR, uuid: uuidBytes(), ...extra };
}

export interface TestAgentOptions {
  checkpoint?: boolean;
  /** Give the agent runtime `slave(1)` as its HTTP delegate, as Mesos's agent has. */
  delegate?: boolean;
  executorRegistrationTimeoutMs?: number;
  /** Real TCP runtimes on 127.0.0.1 (for HTTP clients such as the v1 executor library). */
  tcp?: boolean;
}

export class TestAgent {
  readonly frameworkId = 'framework-1';
  private taskCount = 0;

  private constructor(
    readonly network: InMemoryNetwork,
    readonly runtime: Runtime,
    readonly masterRuntime: Runtime,
    readonly master: PeerProcess,
    readonly agent: Agent,
    readonly containerizer: FakeContainerizer,
    readonly workDir: string,
    readonly checkpoint: boolean,
  ) {}

  static async start(options: TestAgentOptions = {}): Promise<TestAgent> {
    const network = new InMemoryNetwork();
    const env = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };
    const delegate = options.delegate === true ? { delegate: 'slave(1)' } : {};
    const masterRuntime = options.tcp === true ? await startRuntime({ ip: '127.0.0.1', port: 0, env }) : startMemoryRuntime(network, { env });
    const master = new PeerProcess('master', MASTER_MESSAGES);
    masterRuntime.spawn(master);
    const runtime =
      options.tcp === true ? await startRuntime({ ip: '127.0.0.1', port: 0, env, ...delegate }) : startMemoryRuntime(network, { env, ...delegate });
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'executor-api-test-'));
    const containerizer = new FakeContainerizer();
    const agent = new Agent(
      {
        info: { hostname: 'agent.test', resources: Resources.parse('cpus:4;mem:4096;disk:4096').toProto() },
        workDir,
        launcherDir: '/nonexistent',
        master: master.self,
        registrationBackoffFactorMs: 5,
        executorRegistrationTimeoutMs: options.executorRegistrationTimeoutMs ?? 60_000,
        executorShutdownGracePeriodMs: 5_000,
        gcDelayMs: 60_000,
        switchUser: false,
      },
      containerizer,
      undefined,
    );
    runtime.spawn(agent);
    const { from } = await master.next(m.RegisterSlaveMessage);
    master.sendProto(from, m.SlaveRegisteredMessage, { slave_id: { value: 'agent-1' } });
    await eventually(() => (agent.state === 'RUNNING' ? true : undefined));
    return new TestAgent(network, runtime, masterRuntime, master, agent, containerizer, workDir, options.checkpoint ?? false);
  }

  frameworkInfo(): mesos.FrameworkInfo.$Properties {
    return { id: { value: this.frameworkId }, user: 'tester', name: 'executor-api-test', checkpoint: this.checkpoint };
  }

  /** The master sends a task for executor `executorId` (a custom executor); returns the task id. */
  runTask(executorId: string, taskId = `task-${++this.taskCount}`): string {
    this.master.sendProto(this.agent.self, m.RunTaskMessage, {
      framework: this.frameworkInfo(),
      framework_id: { value: this.frameworkId },
      pid: '@0.0.0.0:0',
      task: {
        name: taskId,
        task_id: { value: taskId },
        slave_id: { value: 'agent-1' },
        resources: Resources.parse('cpus:0.5;mem:64').toProto(),
        executor: {
          executor_id: { value: executorId },
          framework_id: { value: this.frameworkId },
          command: { value: '/bin/true' },
          name: `executor ${executorId}`,
        },
        data: Buffer.from(`data of ${taskId}`),
      },
    });
    return taskId;
  }

  executor(executorId: string): Executor | undefined {
    return this.agent.frameworks.get(this.frameworkId)?.executors.get(executorId);
  }

  /** Waits until the agent knows the executor. */
  async launched(executorId: string): Promise<void> {
    await eventually(() => (this.executor(executorId) !== undefined ? true : undefined));
  }

  /** runTask, then waits until the agent knows the executor; returns the task id. */
  async launchTask(executorId: string): Promise<string> {
    const taskId = this.runTask(executorId);
    await this.launched(executorId);
    return taskId;
  }

  /** launchTask, then SUBSCRIBE for the executor; its stream with SUBSCRIBED read. */
  async subscribed(
    executorId: string,
    subscribe: mesos.v1.executor.Call.Subscribe.$Properties = {},
    contentType = JSON_TYPE,
  ): Promise<{ task: string; stream: EventReader }> {
    const task = await this.launchTask(executorId);
    const stream = await this.subscribe(executorId, subscribe, contentType);
    await stream.next(EventType.SUBSCRIBED);
    return { task, stream };
  }

  /** The master sends the executor a framework message. */
  frameworkMessage(executorId: string, data: string): void {
    this.master.sendProto(this.agent.self, m.FrameworkToExecutorMessage, {
      slave_id: { value: 'agent-1' },
      framework_id: { value: this.frameworkId },
      executor_id: { value: executorId },
      data: Buffer.from(data),
    });
  }

  /** The container the executor runs in. */
  containerOf(executorId: string): string {
    const container = this.executor(executorId)?.containerId;
    if (container === undefined) throw new Error(`no executor ${executorId}`);
    return container;
  }

  post(body: Call | Buffer | string, options: PostOptions = {}): Promise<PostResult> {
    const contentType = options.contentType === undefined ? JSON_TYPE : options.contentType;
    const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : encodeCall(body, contentType ?? JSON_TYPE);
    const headers = new Map<string, string>();
    if (contentType !== null) headers.set('content-type', contentType);
    if (options.accept !== undefined) headers.set('accept', options.accept);
    const target = options.path ?? PATH;
    const request: Request = {
      method: options.method ?? 'POST',
      path: target,
      url: target,
      query: new URLSearchParams(),
      headers,
      body: bytes,
      keepAlive: true,
    };
    return new Promise((resolve) => {
      this.runtime.handleHttp(request, (response: Response) => {
        const responseHeaders = response.headers ?? {};
        if (typeof response.body === 'function') {
          const stream = new EventReader(responseHeaders['Content-Type'] ?? JSON_TYPE);
          response.body(stream);
          resolve({ status: response.status, headers: responseHeaders, body: '', stream });
          return;
        }
        resolve({ status: response.status, headers: responseHeaders, body: String(response.body ?? ''), stream: undefined });
      });
    });
  }

  call(executorId: string, call: Omit<Call, 'executor_id' | 'framework_id'>, options: PostOptions = {}): Promise<PostResult> {
    return this.post({ executor_id: { value: executorId }, framework_id: { value: this.frameworkId }, ...call }, options);
  }

  /** SUBSCRIBE for `executorId`; fails unless 200. */
  async subscribe(
    executorId: string,
    subscribe: mesos.v1.executor.Call.Subscribe.$Properties = {},
    contentType = JSON_TYPE,
  ): Promise<EventReader> {
    const result = await this.call(executorId, { type: CallType.SUBSCRIBE, subscribe }, { contentType, accept: contentType });
    if (result.status !== 200 || result.stream === undefined) throw new Error(`SUBSCRIBE: ${result.status} ${result.body}`);
    return result.stream;
  }

  /** The next update the agent forwards to the master, acknowledged as the master would for the framework. */
  async forwarded(ack = true): Promise<mesos.internal.StatusUpdate> {
    const { message } = await this.master.next(m.StatusUpdateMessage);
    const update = message.update;
    if (ack) {
      this.master.sendProto(this.agent.self, m.StatusUpdateAcknowledgementMessage, {
        slave_id: { value: 'agent-1' },
        framework_id: update.framework_id,
        task_id: update.status.task_id,
        uuid: update.uuid ?? new Uint8Array(),
      });
    }
    return update as mesos.internal.StatusUpdate;
  }

  /** The MESOS_* environment the agent would give executor `executorId` (for the v1 library). */
  executorEnv(executorId: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      MESOS_SLAVE_PID: this.agent.self.toString(),
      MESOS_AGENT_ENDPOINT: this.agent.self.address,
      MESOS_SLAVE_ID: 'agent-1',
      MESOS_FRAMEWORK_ID: this.frameworkId,
      MESOS_EXECUTOR_ID: executorId,
      MESOS_DIRECTORY: this.workDir,
      MESOS_CHECKPOINT: this.checkpoint ? '1' : '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
      ...(this.checkpoint ? { MESOS_RECOVERY_TIMEOUT: '15mins', MESOS_SUBSCRIPTION_BACKOFF_MAX: '50ms' } : {}),
      ...extra,
    };
  }

  async stop(): Promise<void> {
    await this.runtime.shutdown();
    await this.masterRuntime.shutdown();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}
