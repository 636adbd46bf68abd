// Helpers for the v1 operator API tests: POST calls through a runtime's HTTP
// entry point (in-process) or over real TCP (node:http), decode responses in
// either content type, and read SUBSCRIBE streams.

import http from 'node:http';
import type { Request, Response, StreamWriter } from '../../libprocess/http/types.js';
import type { Runtime } from '../../libprocess/runtime.js';
import { fromJSONText, mesos, RecordIODecoder, toJSONString, type MessageCodec, type MessageOf } from '../../proto/index.js';
import { eventually as poll } from '../eventually.js';

export const JSON_TYPE = 'application/json';
export const PROTOBUF_TYPE = 'application/x-protobuf';
export type Wire = typeof JSON_TYPE | typeof PROTOBUF_TYPE;
export const WIRES: readonly Wire[] = [JSON_TYPE, PROTOBUF_TYPE];

export interface Result {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Set when the response is a stream. */
  stream: TestStream | undefined;
}

/** The body of a call in `wire`: JSON text of the v1 call, or its protobuf bytes. */
export function callBody(type: MessageCodec, call: object, wire: Wire): Buffer {
  if (wire === JSON_TYPE) return Buffer.from(toJSONString(type, type.create(call)));
  return Buffer.from(type.encode(type.create(call)).finish());
}

/** POSTs a raw body to `path` through the runtime (no socket). */
/**
 * POSTs a raw body to `path` through the runtime (no socket). A streamed
 * response is read as RecordIO when `recordio` is set (SUBSCRIBE), else
 * collected as the body.
 */
export function postRaw(
  runtime: Runtime,
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
  method = 'POST',
  recordio = false,
): Promise<Result> {
  const request: Request = {
    method,
    path,
    url: path,
    query: new URLSearchParams(),
    headers: new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: typeof body === 'string' ? Buffer.from(body) : body,
    keepAlive: true,
  };
  return new Promise((resolve) => {
    runtime.handleHttp(request, (response: Response) => {
      const headers = response.headers ?? {};
      if (typeof response.body === 'function') {
        const stream = new TestStream(recordio ? (headers['Content-Type'] ?? '') : 'raw');
        response.body(stream);
        resolve({ status: response.status, headers, body: Buffer.concat(stream.raw), stream });
        return;
      }
      const body = response.body ?? '';
      resolve({ status: response.status, headers, body: typeof body === 'string' ? Buffer.from(body) : body, stream: undefined });
    });
  });
}

/** POSTs a call in `wire`, asking for `accept` (default: the same); streams are read as RecordIO. */
export function post(runtime: Runtime, path: string, type: MessageCodec, call: object, wire: Wire, accept: string = wire): Promise<Result> {
  return postRaw(runtime, path, callBody(type, call, wire), { 'Content-Type': wire, Accept: accept }, 'POST', true);
}

/** Decodes a 200 body as the v1 message type, from JSON or protobuf. */
export function decode<C extends MessageCodec>(type: C, body: Buffer, wire: string): MessageOf<C> {
  if (wire === PROTOBUF_TYPE) return type.decode(body) as MessageOf<C>;
  return fromJSONText(type, body.toString('utf8'));
}

/** A response writer that decodes the RecordIO records it is given; `pending` is settable. */
export class TestStream implements StreamWriter {
  readonly records: Buffer[] = [];
  ended = false;
  readonly closed: Promise<void>;
  /** What `pending` reports (a client that does not read). */
  backlog = 0;
  /** When set, `pending` also counts every byte written since the last `read()`. */
  countUnread = false;
  bytesWritten = 0;
  private bytesRead = 0;
  private resolveClosed!: () => void;
  private readonly decoder = new RecordIODecoder();

  constructor(readonly contentType: string) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get pending(): number {
    return this.backlog + (this.countUnread ? this.bytesWritten - this.bytesRead : 0);
  }

  /** The client reads everything written so far. */
  read(): void {
    this.bytesRead = this.bytesWritten;
  }

  /** Set when the stream was not valid RecordIO. */
  decodeError: unknown;
  /** Everything written (copied), for bodies that are not RecordIO. */
  readonly raw: Buffer[] = [];

  write(data: Buffer | string): boolean {
    if (this.ended) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.bytesWritten += bytes.length;
    this.raw.push(Buffer.from(bytes));
    if (this.contentType !== 'raw' && this.decodeError === undefined) {
      try {
        for (const record of this.decoder.decode(bytes)) this.records.push(Buffer.from(record));
      } catch (error) {
        this.decodeError = error;
      }
    }
    return true;
  }

  close(): void {
    this.ended = true;
    this.resolveClosed();
  }

  /** The client goes away. */
  disconnect(): void {
    this.close();
  }

  events(): mesos.v1.master.Event[] {
    return this.records.map((record) => decode(mesos.v1.master.Event, record, this.contentType));
  }
}

/** Event type names of a list of events. */
export function typeNames(events: readonly mesos.v1.master.Event[]): string[] {
  return events.map((event) => mesos.v1.master.Event.Type[event.type ?? 0] ?? String(event.type));
}

// ------------------------------------------------------------- real TCP

export interface TcpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** POSTs over a real connection to `address` (`ip:port`). */
export function tcpPost(address: string, path: string, body: Buffer, headers: Record<string, string>): Promise<TcpResult> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const request = http.request({ host, port: Number(port), path, method: 'POST', headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A SUBSCRIBE over a real connection whose records are decoded as they arrive. */
export class TcpSubscriber {
  readonly records: Buffer[] = [];
  status = 0;
  contentType = '';
  ended = false;
  private readonly decoder = new RecordIODecoder();
  private request: http.ClientRequest | undefined;
  private response: http.IncomingMessage | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly address: string,
    private readonly path: string,
    readonly wire: Wire,
  ) {}

  start(): Promise<void> {
    const [host, port] = this.address.split(':');
    const body = callBody(mesos.v1.master.Call, { type: mesos.v1.master.Call.Type.SUBSCRIBE }, this.wire);
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host, port: Number(port), path: this.path, method: 'POST', headers: { 'Content-Type': this.wire, Accept: this.wire }, agent: false },
        (response) => {
          this.response = response;
          this.status = response.statusCode ?? 0;
          this.contentType = String(response.headers['content-type'] ?? '');
          response.on('data', (chunk: Buffer) => {
            for (const record of this.decoder.decode(chunk)) this.records.push(Buffer.from(record));
            this.wake();
          });
          response.on('end', () => {
            this.ended = true;
            this.wake();
          });
          response.on('error', () => undefined);
          resolve();
        },
      );
      request.on('error', reject);
      this.request = request;
      request.end(body);
    });
  }

  events(): mesos.v1.master.Event[] {
    return this.records.map((record) => decode(mesos.v1.master.Event, record, this.wire));
  }

  /** Resolves once `count` records arrived (or the stream ended). */
  async waitFor(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < count && !this.ended) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} records (have ${this.records.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.request?.destroy();
    this.response?.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Polls `read` until it returns a value. */
export function eventually<T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return poll(read, timeoutMs);
}
