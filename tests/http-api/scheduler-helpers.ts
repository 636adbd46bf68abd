// Helpers for the v1 scheduler API tests on the in-process cluster
// (tests/master/harness.ts): POST a call through the master runtime's HTTP
// entry point, and read a SUBSCRIBE stream through a fake response writer
// that decodes the RecordIO records as they are written.

import type { Request, Response, StreamWriter } from '../../libprocess/http/types.js';
import { fromJSONText, mesos, RecordIODecoder, toJSONString } from '../../proto/index.js';
import type { Cluster } from '../master/harness.js';

export type Event = mesos.v1.scheduler.Event;
export type Call = mesos.v1.scheduler.Call.$Properties;
export const EventType = mesos.v1.scheduler.Event.Type;
export const CallType = mesos.v1.scheduler.Call.Type;

export const JSON_TYPE = 'application/json';
export const PROTOBUF_TYPE = 'application/x-protobuf';

/** A response writer that decodes the RecordIO event stream it is given. */
export class TestStream implements StreamWriter {
  readonly events: Event[] = [];
  /** The raw records, as written. */
  readonly records: Buffer[] = [];
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
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (const record of this.decoder.decode(bytes)) {
      const copy = Buffer.from(record);
      this.records.push(copy);
      this.events.push(
        this.contentType === PROTOBUF_TYPE
          ? mesos.v1.scheduler.Event.decode(copy)
          : fromJSONText(mesos.v1.scheduler.Event, copy.toString('utf8')),
      );
    }
    return true;
  }

  /** The master ends the stream. */
  close(): void {
    this.ended = true;
    this.resolveClosed();
  }

  /** The client goes away. */
  disconnect(): void {
    this.ended = true;
    this.resolveClosed();
  }

  /** Events not taken yet by `take`. */
  unread(): Event[] {
    return this.events.slice(this.read);
  }

  /** Takes the next unread event; fails when there is none. */
  take(type?: mesos.v1.scheduler.Event.Type): Event {
    const event = this.events[this.read];
    if (event === undefined) throw new Error(`no unread event (expected ${type === undefined ? 'any' : EventType[type]})`);
    this.read++;
    if (type !== undefined && event.type !== type) {
      throw new Error(`expected ${EventType[type]}, got ${EventType[event.type ?? 0]}: ${JSON.stringify(event)}`);
    }
    return event;
  }

  /** Takes unread events up to and including the next one of `type`, skipping heartbeats and others. */
  takeNext(type: mesos.v1.scheduler.Event.Type): Event {
    for (;;) {
      const event = this.take();
      if (event.type === type) return event;
    }
  }
}

export interface PostOptions {
  method?: string;
  contentType?: string | null;
  accept?: string;
  streamId?: string;
  path?: string;
  headers?: Record<string, string>;
}

export interface PostResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  stream: TestStream | undefined;
}

/** Encodes a call as the Content-Type says. */
export function encodeCall(call: Call, contentType: string): Buffer {
  return contentType === PROTOBUF_TYPE
    ? Buffer.from(mesos.v1.scheduler.Call.encode(call).finish())
    : Buffer.from(toJSONString(mesos.v1.scheduler.Call, call));
}

/** POSTs a body (a call, or raw bytes) to the master's /api/v1/scheduler through its runtime. */
export function post(cluster: Cluster, body: Call | Buffer | string, options: PostOptions = {}): Promise<PostResult> {
  const contentType = options.contentType === undefined ? JSON_TYPE : options.contentType;
  const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : encodeCall(body, contentType ?? JSON_TYPE);
  const headers = new Map<string, string>();
  if (contentType !== null) headers.set('content-type', contentType);
  if (options.accept !== undefined) headers.set('accept', options.accept);
  if (options.streamId !== undefined) headers.set('mesos-stream-id', options.streamId);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name.toLowerCase(), value);
  const path = options.path ?? '/api/v1/scheduler';
  const request: Request = {
    method: options.method ?? 'POST',
    path,
    url: path,
    query: new URLSearchParams(),
    headers,
    body: bytes,
    keepAlive: true,
  };
  return new Promise((resolve) => {
    cluster.masterRuntime.handleHttp(request, (response: Response) => {
      const responseHeaders = response.headers ?? {};
      if (typeof response.body === 'function') {
        const stream = new TestStream(responseHeaders['Content-Type'] ?? JSON_TYPE);
        response.body(stream);
        resolve({ status: response.status, headers: responseHeaders, body: '', stream });
        return;
      }
      resolve({ status: response.status, headers: responseHeaders, body: String(response.body ?? ''), stream: undefined });
    });
  });
}

export function subscribeCall(info: Partial<mesos.v1.FrameworkInfo.$Properties> = {}, frameworkId?: string): Call {
  const call: Call = {
    type: CallType.SUBSCRIBE,
    subscribe: { framework_info: { user: 'tester', name: 'http-framework', ...info } },
  };
  if (frameworkId !== undefined) {
    call.framework_id = { value: frameworkId };
    call.subscribe = { framework_info: { user: 'tester', name: 'http-framework', ...info, id: { value: frameworkId } } };
  }
  return call;
}

/** A subscribed HTTP framework on the in-process cluster. */
export class HttpFramework {
  constructor(
    readonly cluster: Cluster,
    readonly stream: TestStream,
    readonly streamId: string,
    readonly id: string,
    readonly contentType: string,
  ) {}

  static async subscribe(
    cluster: Cluster,
    info: Partial<mesos.v1.FrameworkInfo.$Properties> = {},
    options: { contentType?: string; accept?: string; frameworkId?: string } = {},
  ): Promise<HttpFramework> {
    const contentType = options.contentType ?? JSON_TYPE;
    const result = await post(cluster, subscribeCall(info, options.frameworkId), {
      contentType,
      accept: options.accept ?? contentType,
    });
    if (result.status !== 200 || result.stream === undefined) throw new Error(`SUBSCRIBE failed: ${result.status} ${result.body}`);
    await cluster.settle();
    const subscribed = result.stream.take(EventType.SUBSCRIBED);
    const id = subscribed.subscribed?.framework_id.value ?? '';
    return new HttpFramework(cluster, result.stream, result.headers['Mesos-Stream-Id'] ?? '', id, contentType);
  }

  /** Sends a non-SUBSCRIBE call with this framework's id and stream id. */
  call(call: Call, options: PostOptions = {}): Promise<PostResult> {
    return post(this.cluster, { framework_id: { value: this.id }, ...call }, { contentType: this.contentType, streamId: this.streamId, ...options });
  }

  /**
   * The next event of `type` (heartbeats and other events before it are
   * skipped), letting the paused clock run up to `withinMs` for it (offers
   * come with the allocation interval).
   */
  async next(type: mesos.v1.scheduler.Event.Type, withinMs = 5_000): Promise<Event> {
    await this.cluster.settle();
    for (let waited = 0; waited < withinMs && !this.stream.unread().some((e) => e.type === type); waited += 1_000) {
      await this.cluster.advance(1_000);
    }
    return this.stream.takeNext(type);
  }
}
