// A v1 executor library over the executor HTTP API (the TypeScript
// counterpart of Mesos 1.0's `mesos::v1::executor::Mesos`,
// src/executor/executor.cpp), on Node's http client:
//
//   const executor = new V1Executor();            // settings from the MESOS_* environment
//   executor.start();
//   for await (const event of executor.events()) { ... await executor.update({...}) ... }
//
// SUBSCRIBE goes on a connection of its own and stays open: its response is
// the RecordIO event stream. UPDATE and MESSAGE go, in order, on one
// keep-alive connection. The library keeps what the agent has not
// acknowledged (updates until ACKNOWLEDGED, tasks from LAUNCH until an update
// of theirs is acknowledged) and sends it with every SUBSCRIBE. When the
// stream ends or breaks after a subscription, a checkpointing executor
// re-subscribes (each attempt after a random delay up to
// MESOS_SUBSCRIPTION_BACKOFF_MAX) for up to MESOS_RECOVERY_TIMEOUT; without
// checkpointing, or when that time runs out, a locally made SHUTDOWN event
// ends the iteration, as the C++ library injects one.

import { errorText } from '../../common/errors.js';
import http from 'node:http';
import { mesos } from '../../proto/index.js';
import { evolve } from '../../common/evolve.js';
import { EventQueue } from '../../common/event-queue.js';
import {
  decodeAs,
  encodeAs,
  interruptibleSleep,
  MEDIA_TYPES,
  post,
  readBody,
  readRecordStream,
  subscribeRequest,
  type ContentTypeName,
  type Posted,
} from '../../common/http-client.js';
import { validateExecutorCall } from '../../common/executor-call.js';
import type { Env } from '../env.js';
import { uuidBytes } from '../uuid.js';
import { parseV1ExecutorEnvironment, type V1ExecutorEnvironment } from './env.js';

export type Event = mesos.v1.executor.Event;
export type Call = mesos.v1.executor.Call.$Properties;
export type TaskStatus = mesos.v1.TaskStatus.$Properties;
export type TaskInfo = mesos.v1.TaskInfo.$Properties;
export type Update = mesos.v1.executor.Call.Update.$Properties;
export type { ContentTypeName };

/** DISCONNECTED .. SUBSCRIBED as the C++ library, plus CLOSED once it stops for good. */
export type V1ExecutorState = 'DISCONNECTED' | 'SUBSCRIBING' | 'SUBSCRIBED' | 'CLOSED';

const EventType = mesos.v1.executor.Event.Type;
const CallType = mesos.v1.executor.Call.Type;

export class V1ExecutorError extends Error {
  override readonly name: string = 'V1ExecutorError';
}

/** A call answered with something other than 202 Accepted. */
export class V1ExecutorCallError extends V1ExecutorError {
  override readonly name = 'V1ExecutorCallError';
  constructor(
    readonly callType: string,
    readonly status: number,
    readonly statusText: string,
    readonly body: string,
  ) {
    super(`Received unexpected '${status} ${statusText}' (${body}) for ${callType}`);
  }
}

export interface V1ExecutorOptions {
  /** Where the MESOS_* settings come from (default process.env). */
  env?: Env;
  /** Overrides of what the environment says (tests, executors started by hand). */
  config?: Partial<V1ExecutorEnvironment>;
  /** Encoding of calls and events (default protobuf, as 1.0's command executor). */
  contentType?: ContentTypeName;
  /** Deadline for a call's response and for the SUBSCRIBE response head (default 30 s). */
  requestTimeoutMs?: number;
  /** Told of every state change, with the reason for a disconnection. */
  onStateChange?: (state: V1ExecutorState, reason?: string) => void;
  random?: () => number;
}

type Outcome = { kind: 'subscribed' | 'retry'; reason: string } | { kind: 'stop' };

function uuidKey(uuid: Uint8Array | null | undefined): string {
  return uuid === null || uuid === undefined ? '' : Buffer.from(uuid).toString('hex');
}

export class V1Executor {
  readonly config: V1ExecutorEnvironment;
  private readonly contentType: string;
  private readonly queue = new EventQueue<Event>();
  /** One socket, so calls reach the agent in the order they were made (UPDATEs of a task must). */
  private readonly callAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;
  private currentState: V1ExecutorState = 'DISCONNECTED';
  private agent: string | undefined;
  private readonly updates = new Map<string, Update>();
  private readonly tasks = new Map<string, TaskInfo>();
  private stopping = false;
  private shutdownSent = false;
  private loop: Promise<void> | undefined;
  /** The calls in flight, chained so they are sent one after the other. */
  private calls: Promise<unknown> = Promise.resolve();
  /** Cancels whatever the subscription loop is waiting for (the stream, or a backoff sleep). */
  private interrupt: (() => void) | undefined;

  constructor(private readonly options: V1ExecutorOptions = {}) {
    this.config = { ...parseV1ExecutorEnvironment(options.env ?? process.env), ...options.config };
    this.contentType = MEDIA_TYPES[options.contentType ?? 'protobuf'];
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.agent = this.config.agentId;
  }

  get state(): V1ExecutorState {
    return this.currentState;
  }

  get frameworkId(): string {
    return this.config.frameworkId;
  }

  get executorId(): string {
    return this.config.executorId;
  }

  /** The agent's id, from SUBSCRIBED (or MESOS_SLAVE_ID). */
  get agentId(): string | undefined {
    return this.agent;
  }

  /** Updates the agent has not acknowledged, oldest first (sent with every SUBSCRIBE). */
  get unacknowledgedUpdates(): readonly Update[] {
    return [...this.updates.values()];
  }

  /** Launched tasks none of whose updates the agent has acknowledged yet (sent with every SUBSCRIBE). */
  get unacknowledgedTasks(): readonly TaskInfo[] {
    return [...this.tasks.values()];
  }

  /** The events, in order; iteration ends when the library closes. */
  events(): AsyncIterableIterator<Event> {
    return this.queue;
  }

  /** Starts subscribing (and re-subscribing after disconnections, when checkpointing). */
  start(): void {
    if (this.loop !== undefined) throw new V1ExecutorError('start() was already called');
    this.loop = this.run().catch((error: unknown) => {
      this.inject({ type: EventType.ERROR, error: { message: `Subscription failed: ${errorText(error)}` } });
      this.finish();
    });
  }

  /**
   * Sends a task's status reliably: uuid, timestamp, source, executor and
   * agent ids are filled in when missing; the update is kept until the agent
   * acknowledges it and goes with every SUBSCRIBE until then. Resolves when
   * the agent accepted it (or, while disconnected, when it is kept for the
   * next SUBSCRIBE); rejects an invalid update, or with V1ExecutorCallError.
   */
  async update(status: TaskStatus): Promise<void> {
    const full: TaskStatus = { ...status };
    full.source ??= mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR;
    full.executor_id ??= { value: this.executorId };
    full.timestamp ??= Date.now() / 1000;
    full.uuid ??= uuidBytes();
    if (this.agent !== undefined) full.agent_id ??= { value: this.agent };
    const call = this.withIds({ type: CallType.UPDATE, update: { status: full } });
    this.validate(call);
    if (this.currentState === 'CLOSED') throw new V1ExecutorError('Executor is in state CLOSED');
    this.updates.set(uuidKey(full.uuid), { status: full });
    if (this.currentState !== 'SUBSCRIBED') return;
    await this.send(call);
  }

  /** Sends bytes to the framework's scheduler (best effort: no retries). */
  async message(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await this.call({ type: CallType.MESSAGE, message: { data: bytes } });
  }

  /**
   * Sends a non-SUBSCRIBE call (framework and executor ids filled in) and
   * resolves on 202 Accepted. UPDATEs sent this way are not kept for
   * re-sending; use update().
   */
  async call(call: Omit<Call, 'executor_id' | 'framework_id'> & Partial<Pick<Call, 'executor_id' | 'framework_id'>>): Promise<void> {
    if (call.type === CallType.SUBSCRIBE) throw new V1ExecutorError('the library subscribes by itself (start())');
    const full = this.withIds(call);
    this.validate(full);
    if (this.currentState !== 'SUBSCRIBED') throw new V1ExecutorError(`Executor is in state ${this.currentState}`);
    await this.send(full);
  }

  /** Stops for good, once the calls in flight are answered: the stream ends and so does the iteration. */
  async close(): Promise<void> {
    await this.calls.catch(() => undefined);
    this.stopping = true;
    this.interrupt?.();
    await this.loop;
    this.finish();
  }

  // ------------------------------------------------------------ internals

  private withIds(call: Omit<Call, 'executor_id' | 'framework_id'> & Partial<Pick<Call, 'executor_id' | 'framework_id'>>): Call {
    return { executor_id: { value: this.executorId }, framework_id: { value: this.frameworkId }, ...call };
  }

  /** The agent's own rules (validation::executor::call::validate), checked before sending as the C++ library does. */
  private validate(call: Call): void {
    let error: string | undefined;
    try {
      error = validateExecutorCall(evolve(mesos.v1.executor.Call, mesos.executor.Call, call));
    } catch (cause) {
      error = errorText(cause);
    }
    if (error !== undefined) throw new V1ExecutorError(`Invalid ${CallType[call.type ?? 0] ?? 'call'}: ${error}`);
  }

  private send(call: Call): Promise<void> {
    const typeName = CallType[call.type ?? 0] ?? String(call.type);
    const sent = this.calls.catch(() => undefined).then(async () => {
      let posted: Posted;
      try {
        posted = await post(this.config.url, this.encode(call), { 'Content-Type': this.contentType, Accept: this.contentType }, {
          agent: this.callAgent,
          timeoutMs: this.requestTimeoutMs,
        });
      } catch (error) {
        throw new V1ExecutorError(`${typeName} call failed: ${errorText(error)}`, { cause: error });
      }
      const body = await readBody(posted.response);
      const status = posted.response.statusCode ?? 0;
      if (status !== 202) throw new V1ExecutorCallError(typeName, status, posted.response.statusMessage ?? '', body);
    });
    this.calls = sent;
    return sent;
  }

  private setState(state: V1ExecutorState, reason?: string): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.options.onStateChange?.(state, reason);
  }

  private finish(): void {
    this.setState('CLOSED');
    this.queue.end();
    void this.calls.finally(() => this.callAgent.destroy()).catch(() => undefined);
  }

  private encode(call: Call): Uint8Array {
    return encodeAs<Call>(mesos.v1.executor.Call, call, this.contentType);
  }

  private decode(record: Uint8Array, mediaType: string): Event {
    return decodeAs(mesos.v1.executor.Event, record, mediaType);
  }

  /** A locally made event (ERROR, or SHUTDOWN when the agent is gone for good). */
  private inject(event: mesos.v1.executor.Event.$Properties): void {
    if (event.type === EventType.SHUTDOWN) {
      if (this.shutdownSent) return;
      this.shutdownSent = true;
    }
    this.queue.push(mesos.v1.executor.Event.create(event));
  }

  private sleep(ms: number): Promise<void> {
    return interruptibleSleep(ms, (interrupt) => (this.interrupt = interrupt));
  }

  /**
   * Subscribes until stopped. Before the first subscription, and after a
   * disconnection of a checkpointing executor, attempts repeat after a
   * random delay up to the backoff cap until the recovery timeout has passed.
   */
  private async run(): Promise<void> {
    let deadline = Date.now() + this.config.recoveryTimeoutMs;
    while (!this.stopping) {
      const outcome = await this.subscribeOnce();
      // Stopped, refused, or told to shut down (the agent ends the stream after SHUTDOWN): nothing to come back to.
      if (outcome.kind === 'stop' || this.stopping || this.shutdownSent) break;
      this.setState('DISCONNECTED', outcome.reason);
      if (outcome.kind === 'subscribed') {
        if (!this.config.checkpoint) {
          this.inject({ type: EventType.SHUTDOWN });
          break;
        }
        deadline = Date.now() + this.config.recoveryTimeoutMs;
      }
      if (Date.now() < deadline) {
        await this.sleep(Math.min(this.random() * this.config.subscriptionBackoffMaxMs, deadline - Date.now()));
      }
      if (!this.stopping && Date.now() >= deadline) {
        this.inject({ type: EventType.SHUTDOWN });
        break;
      }
    }
    this.finish();
  }

  /** One subscription: until its stream ends. */
  private async subscribeOnce(): Promise<Outcome> {
    this.setState('SUBSCRIBING');
    const carried = new Set(this.updates.keys());
    const call = this.withIds({
      type: CallType.SUBSCRIBE,
      subscribe: { unacknowledged_updates: [...this.updates.values()], unacknowledged_tasks: [...this.tasks.values()] },
    });
    const answer = await subscribeRequest({
      post: (signal) =>
        post(this.config.url, this.encode(call), { 'Content-Type': this.contentType, Accept: this.contentType }, {
          agent: false,
          timeoutMs: this.requestTimeoutMs,
          signal,
        }),
      setInterrupt: (interrupt) => (this.interrupt = interrupt),
      stopping: () => this.stopping,
      // An agent still recovering, or not serving the endpoint yet: try again.
      retryStatuses: [503, 404],
      contentType: this.contentType,
    });
    if (answer.kind === 'refused') {
      this.inject({ type: EventType.ERROR, error: { message: answer.message } });
      return { kind: 'stop' };
    }
    if (answer.kind !== 'streaming') return answer;
    return this.readStream(answer.request, answer.response, answer.mediaType, carried);
  }

  /** `carried`: the updates the SUBSCRIBE had; those made since go out as UPDATEs once subscribed. */
  private readStream(request: http.ClientRequest, response: http.IncomingMessage, mediaType: string, carried: ReadonlySet<string>): Promise<Outcome> {
    return new Promise((resolve) => {
      let subscribed = false;
      let done = false;
      const finish = (outcome: Outcome): void => {
        if (done) return;
        done = true;
        this.interrupt = undefined;
        reader.stop();
        resolve(outcome);
      };
      const reader = readRecordStream(request, response, 'agent', {
        onEnd: (reason) => finish(subscribed ? { kind: 'subscribed', reason } : { kind: 'retry', reason }),
        onRecord: (record) => {
          let event: Event;
          try {
            event = this.decode(record, mediaType);
          } catch (error) {
            this.inject({ type: EventType.ERROR, error: { message: `Failed to de-serialize event: ${errorText(error)}` } });
            return;
          }
          this.receive(event);
          if (event.type === EventType.SUBSCRIBED && !subscribed) {
            subscribed = true;
            this.sendUncarried(carried);
          }
        },
      });
      this.interrupt = () => finish({ kind: 'stop' });
    });
  }

  /** Updates made while the SUBSCRIBE was on its way: not in it, so sent now, in order. */
  private sendUncarried(carried: ReadonlySet<string>): void {
    for (const [key, update] of this.updates) {
      if (carried.has(key)) continue;
      this.send(this.withIds({ type: CallType.UPDATE, update })).catch(() => {
        // Still kept: it goes with the next SUBSCRIBE.
      });
    }
  }

  /** Keeps track of what the agent acknowledged, then hands the event on. */
  private receive(event: Event): void {
    switch (event.type) {
      case EventType.SUBSCRIBED:
        this.agent = event.subscribed?.agent_info.id?.value ?? this.agent;
        this.setState('SUBSCRIBED');
        break;
      case EventType.LAUNCH: {
        const task = event.launch?.task;
        if (task !== undefined) this.tasks.set(task.task_id.value, task);
        break;
      }
      case EventType.ACKNOWLEDGED: {
        const acknowledged = event.acknowledged;
        if (acknowledged !== undefined && acknowledged !== null) {
          this.updates.delete(uuidKey(acknowledged.uuid));
          this.tasks.delete(acknowledged.task_id.value);
        }
        break;
      }
      case EventType.SHUTDOWN:
        this.shutdownSent = true;
        break;
      default:
        break;
    }
    this.queue.push(event);
  }
}
