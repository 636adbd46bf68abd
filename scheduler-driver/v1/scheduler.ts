// A v1 scheduler library over the HTTP API (the TypeScript counterpart of
// Mesos 1.0's `mesos::v1::scheduler::Mesos`, src/scheduler/scheduler.cpp),
// on Node's http client:
//
//   const scheduler = new V1Scheduler({ master: '127.0.0.1:5050', contentType: 'json' });
//   scheduler.subscribe({ user: 'me', name: 'my framework' });
//   for await (const event of scheduler.events()) { ... await scheduler.call({...}) ... }
//
// SUBSCRIBE goes on a connection of its own and stays open: its response is
// the RecordIO event stream. Other calls go on a keep-alive connection with
// the stream's `Mesos-Stream-Id`. When the stream breaks (end of stream, a
// network error, or no event for `missedHeartbeats` heartbeat intervals) the
// library re-subscribes with the framework id it was given, with exponential
// backoff, which fails the framework over on the master. 307 redirects are
// followed to the leading master. An ERROR event from the master ends the
// subscription for good (the framework was failed over, removed, or refused).

import { errorText } from '../../common/errors.js';
import http from 'node:http';
import { mesos } from '../../proto/index.js';
import {
  decodeAs,
  encodeAs,
  interruptibleSleep,
  MEDIA_TYPES,
  readRecordStream,
  subscribeRequest,
  type ContentTypeName,
} from '../../common/http-client.js';
import { EventQueue } from '../../common/event-queue.js';
import { postFollowingRedirects, readBody, schedulerUrl, V1CallError, V1SchedulerError, type Posted } from './http.js';

export type Event = mesos.v1.scheduler.Event;
export type Call = mesos.v1.scheduler.Call.$Properties;
export type FrameworkInfo = mesos.v1.FrameworkInfo.$Properties;
export type { ContentTypeName };

/** DISCONNECTED .. SUBSCRIBED as in the C++ library, plus CLOSED once it stops for good. */
export type V1SchedulerState = 'DISCONNECTED' | 'SUBSCRIBING' | 'SUBSCRIBED' | 'CLOSED';

const EventType = mesos.v1.scheduler.Event.Type;
const CallType = mesos.v1.scheduler.Call.Type;

export interface V1SchedulerOptions {
  /** `host:port`, `master@host:port`, or an `http://` URL. */
  master: string;
  /** Encoding of calls and events (default protobuf). */
  contentType?: ContentTypeName;
  /** Re-subscribe after this many heartbeat intervals without any event (default 5, as the docs suggest). */
  missedHeartbeats?: number;
  /** Reconnection backoff: first delay and cap (default 500 ms up to 15 s), doubled each attempt, with jitter. */
  backoffMs?: { initial?: number; max?: number };
  /** Timeout for a call's response and for the SUBSCRIBE response head (default 75 s). */
  requestTimeoutMs?: number;
  /** Redirects followed per request (default 5). */
  maxRedirects?: number;
  /** Told of every state change, with the reason for a disconnection. */
  onStateChange?: (state: V1SchedulerState, reason?: string) => void;
}

export class V1Scheduler {
  private readonly contentType: string;
  private readonly queue = new EventQueue<Event>();
  private readonly callAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly missedHeartbeats: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxRedirects: number;
  private url: URL;
  private info: FrameworkInfo | undefined;
  private currentState: V1SchedulerState = 'DISCONNECTED';
  private id: string | undefined;
  private stream: string | undefined;
  private stopping = false;
  /** Calls waiting for their response (the call connections close once none is left after CLOSED). */
  private inflight = 0;
  private loop: Promise<void> | undefined;
  /** Cancels whatever the subscription loop is waiting for (the stream, or a backoff sleep). */
  private interrupt: (() => void) | undefined;

  constructor(private readonly options: V1SchedulerOptions) {
    this.contentType = MEDIA_TYPES[options.contentType ?? 'protobuf'];
    this.url = schedulerUrl(options.master);
    this.missedHeartbeats = options.missedHeartbeats ?? 5;
    this.backoffInitialMs = options.backoffMs?.initial ?? 500;
    this.backoffMaxMs = options.backoffMs?.max ?? 15_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 75_000;
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  get state(): V1SchedulerState {
    return this.currentState;
  }

  /** The framework id, once the master assigned it (or the one given to subscribe). */
  get frameworkId(): string | undefined {
    return this.id;
  }

  /** The `Mesos-Stream-Id` of the current subscription. */
  get streamId(): string | undefined {
    return this.stream;
  }

  /** The scheduler endpoint in use (it moves when the master redirects). */
  get endpoint(): string {
    return this.url.toString();
  }

  /** The events of the subscription, in order; iteration ends when the scheduler closes. */
  events(): AsyncIterableIterator<Event> {
    return this.queue;
  }

  /**
   * Subscribes (and keeps subscribing after disconnections). A FrameworkInfo
   * with an id re-subscribes that framework, failing over its current
   * connection.
   */
  subscribe(frameworkInfo: FrameworkInfo): void {
    if (this.loop !== undefined) throw new V1SchedulerError('subscribe() was already called');
    this.info = frameworkInfo;
    const id = frameworkInfo.id?.value;
    if (id !== undefined && id !== '') this.id = id;
    this.loop = this.run().catch((error: unknown) => {
      this.injectError(`Subscription failed: ${errorText(error)}`);
      this.finish();
    });
  }

  /**
   * Sends a non-SUBSCRIBE call (framework_id is filled in) and resolves once
   * the master answered 202 Accepted; rejects with V1CallError otherwise.
   * TEARDOWN also stops the scheduler once accepted.
   */
  async call(call: Call): Promise<void> {
    this.inflight++;
    try {
      await this.send(call);
    } finally {
      this.inflight--;
      if (this.currentState === 'CLOSED' && this.inflight === 0) this.callAgent.destroy();
    }
  }

  /** Stops for good: ends the stream (the master sees a disconnection) and the event iteration. */
  async close(): Promise<void> {
    this.stopping = true;
    this.interrupt?.();
    await this.loop;
    this.finish();
  }

  // ------------------------------------------------------------ internals

  private async send(call: Call): Promise<void> {
    if (call.type === CallType.SUBSCRIBE) throw new V1SchedulerError('use subscribe() to subscribe');
    if (this.currentState !== 'SUBSCRIBED' || this.id === undefined || this.stream === undefined) {
      throw new V1SchedulerError(`Scheduler is in state ${this.currentState}`);
    }
    const full: Call = { framework_id: { value: this.id }, ...call };
    const typeName = CallType[call.type ?? 0] ?? String(call.type);
    const teardown = call.type === CallType.TEARDOWN;
    if (teardown) this.stopping = true;
    let posted: Posted;
    try {
      posted = await postFollowingRedirects(
        this.url,
        this.encode(full),
        { 'Content-Type': this.contentType, Accept: this.contentType, 'Mesos-Stream-Id': this.stream },
        { agent: this.callAgent, timeoutMs: this.requestTimeoutMs, maxRedirects: this.maxRedirects },
      );
    } catch (error) {
      if (teardown) this.stopping = false;
      throw new V1SchedulerError(`${typeName} call failed: ${errorText(error)}`, { cause: error });
    }
    const response = posted.response;
    const body = await readBody(response);
    const status = response.statusCode ?? 0;
    if (status !== 202) {
      if (teardown) this.stopping = false;
      throw new V1CallError(typeName, status, response.statusMessage ?? '', body);
    }
    if (teardown) await this.close();
  }

  private setState(state: V1SchedulerState, reason?: string): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.options.onStateChange?.(state, reason);
  }

  private finish(): void {
    this.setState('CLOSED');
    this.queue.end();
    if (this.inflight === 0) this.callAgent.destroy();
  }

  private encode(call: Call): Uint8Array {
    return encodeAs<Call>(mesos.v1.scheduler.Call, call, this.contentType);
  }

  private decode(record: Uint8Array, mediaType: string): Event {
    return decodeAs(mesos.v1.scheduler.Event, record, mediaType);
  }

  /** A locally generated ERROR event, as the C++ library injects one. */
  private injectError(message: string): void {
    this.queue.push(mesos.v1.scheduler.Event.create({ type: EventType.ERROR, error: { message } }));
  }

  private async run(): Promise<void> {
    let backoff = this.backoffInitialMs;
    while (!this.stopping) {
      const outcome = await this.subscribeOnce();
      if (outcome.kind === 'subscribed') backoff = this.backoffInitialMs;
      this.stream = undefined;
      if (outcome.kind === 'stop' || this.stopping) break;
      this.setState('DISCONNECTED', outcome.reason);
      const delay = Math.random() * backoff;
      backoff = Math.min(backoff * 2, this.backoffMaxMs);
      await interruptibleSleep(delay, (interrupt) => (this.interrupt = interrupt));
    }
    this.finish();
  }

  /** One subscription: until the stream ends. */
  private async subscribeOnce(): Promise<{ kind: 'retry' | 'subscribed'; reason: string } | { kind: 'stop' }> {
    const info = this.info;
    if (info === undefined) return { kind: 'stop' };
    this.setState('SUBSCRIBING');
    const frameworkInfo: FrameworkInfo = this.id === undefined ? info : { ...info, id: { value: this.id } };
    const call: Call = { type: CallType.SUBSCRIBE, subscribe: { framework_info: frameworkInfo } };
    if (this.id !== undefined) call.framework_id = { value: this.id };
    const answer = await subscribeRequest({
      post: (signal) =>
        postFollowingRedirects(
          this.url,
          this.encode(call),
          { 'Content-Type': this.contentType, Accept: this.contentType },
          {
            agent: false,
            timeoutMs: this.requestTimeoutMs,
            maxRedirects: this.maxRedirects,
            signal,
            onRedirect: (to) => (this.url = to),
          },
        ),
      setInterrupt: (interrupt) => (this.interrupt = interrupt),
      stopping: () => this.stopping,
      // Not (yet) a leader, or a master still recovering: try again later.
      retryStatuses: [503, 307, 404],
      contentType: this.contentType,
    });
    if (answer.kind === 'refused') {
      this.injectError(answer.message);
      return { kind: 'stop' };
    }
    if (answer.kind !== 'streaming') return answer;
    const header = answer.response.headers['mesos-stream-id'];
    this.stream = Array.isArray(header) ? header[0] : header;
    return this.readStream(answer.request, answer.response, answer.mediaType);
  }

  private readStream(
    request: http.ClientRequest,
    response: http.IncomingMessage,
    mediaType: string,
  ): Promise<{ kind: 'retry' | 'subscribed'; reason: string } | { kind: 'stop' }> {
    return new Promise((resolve) => {
      let subscribed = false;
      let done = false;
      let watchdog: NodeJS.Timeout | undefined;
      let watchdogMs: number | undefined;
      const finish = (outcome: { kind: 'retry' | 'subscribed'; reason: string } | { kind: 'stop' }): void => {
        if (done) return;
        done = true;
        clearTimeout(watchdog);
        this.interrupt = undefined;
        reader.stop();
        resolve(outcome);
      };
      const ended = (reason: string): void => finish(subscribed ? { kind: 'subscribed', reason } : { kind: 'retry', reason });
      const arm = (): void => {
        if (watchdogMs === undefined) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => ended(`No events for ${watchdogMs} ms (missed heartbeats)`), watchdogMs);
      };
      const reader = readRecordStream(request, response, 'master', {
        onData: arm,
        onEnd: ended,
        onRecord: (record) => {
          let event: Event;
          try {
            event = this.decode(record, mediaType);
          } catch (error) {
            this.injectError(`Failed to de-serialize event: ${errorText(error)}`);
            return;
          }
          if (event.type === EventType.SUBSCRIBED) {
            subscribed = true;
            this.id = event.subscribed?.framework_id.value ?? this.id;
            const interval = event.subscribed?.heartbeat_interval_seconds;
            if (interval !== undefined && interval !== null && interval > 0) {
              watchdogMs = interval * 1000 * this.missedHeartbeats;
              arm();
            }
            this.setState('SUBSCRIBED');
          }
          this.queue.push(event);
          // Failed over, removed or refused: re-subscribing would fight another instance.
          if (event.type === EventType.ERROR) finish({ kind: 'stop' });
        },
      });
      this.interrupt = () => finish({ kind: 'stop' });
    });
  }
}
