// One accepted socket: feeds bytes to the request parser and writes responses
// strictly in request order (HTTP/1.1 pipelining), including chunked streams
// that stay open (libprocess's HttpProxy, 3rdparty/libprocess/src/process.cpp).

import type net from 'node:net';
import type { Response, StreamWriter } from '../http/types.js';
import { Queue } from '../queue.js';
import type { RequestParser } from './http-parser.js';
import { LAST_CHUNK, encodeChunkParts, encodeChunkedHead, encodeResponseParts, persists, statusText } from './response-encoder.js';
import type { ParsedRequest } from './types.js';

interface Slot {
  minorVersion: 0 | 1;
  keepAlive: boolean;
  method: string;
  /** Set once the response is known. */
  response: Response | undefined;
  stream: Stream | undefined;
}

/** Bytes a stream may buffer while it waits its turn or the socket is busy, before writes report back-pressure. */
const STREAM_HIGH_WATER = 1 << 20;

class Stream implements StreamWriter {
  /** Chunks buffered until this stream reaches the front of the queue. */
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  active = false;
  ended = false;
  private resolveClosed!: () => void;
  readonly closed: Promise<void>;

  constructor(
    private readonly connection: InboundConnection,
    private readonly chunked: boolean,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get pending(): number {
    return this.bufferedBytes + (this.active ? this.connection.writableLength : 0);
  }

  write(data: Buffer | string): boolean {
    if (this.ended) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) return true;
    const framed = this.chunked ? encodeChunkParts(bytes) : [bytes];
    for (const part of framed) {
      if (this.active) {
        this.connection.write(part);
      } else {
        this.buffered.push(part);
        this.bufferedBytes += part.length;
      }
    }
    return this.pending < STREAM_HIGH_WATER;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.active) this.connection.streamEnded(this);
    this.resolveClosed();
  }

  /** Called when this stream reaches the front: flush what waited. */
  activate(): void {
    this.active = true;
    for (const chunk of this.buffered) this.connection.write(chunk);
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  get chunkedEncoding(): boolean {
    return this.chunked;
  }

  /** The peer went away. */
  abort(): void {
    this.ended = true;
    this.buffered = [];
    this.bufferedBytes = 0;
    this.resolveClosed();
  }
}

export class InboundConnection {
  private readonly slots = new Queue<Slot>();
  private closing = false;
  private dead = false;
  private corked = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly parser: RequestParser,
    private readonly onClose: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (!this.closing) this.parser.feed(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.closed());
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  /** Answers a request whose response is known now, in its turn. */
  respondNow(request: ParsedRequest, response: Response): void {
    const slot = this.reserve(request);
    this.fill(slot, response);
  }

  /** Holds a place in the response order for a request answered later. */
  reserve(request: ParsedRequest): Slot {
    const slot: Slot = {
      minorVersion: request.minorVersion,
      keepAlive: request.keepAlive,
      method: request.method,
      response: undefined,
      stream: undefined,
    };
    this.slots.push(slot);
    return slot;
  }

  fill(slot: Slot, response: Response): void {
    if (slot.response !== undefined) return;
    if (this.dead) {
      sent(response);
      // The peer left before the answer was ready: a streaming body still
      // gets its writer, already closed, so its owner learns the peer is gone.
      if (typeof response.body === 'function') {
        const stream = new Stream(this, false);
        stream.abort();
        try {
          response.body(stream);
        } catch {
          // nothing to clean up: the stream never reached the socket
        }
      }
      return;
    }
    slot.response = response;
    if (typeof response.body === 'function') {
      const stream = new Stream(this, slot.minorVersion === 1);
      slot.stream = stream;
      try {
        response.body(stream);
      } catch {
        stream.close();
      }
    }
    this.flush();
  }

  /** Bad input: answer with `status` (after earlier responses) and close. */
  fail(status: number, message: string): void {
    if (this.closing) return;
    const slot: Slot = { minorVersion: 1, keepAlive: false, method: 'GET', response: undefined, stream: undefined };
    this.slots.push(slot);
    this.fill(slot, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `${message}\n` });
    this.closing = true;
  }

  /** `done` runs once the bytes reach the kernel or the socket is destroyed. */
  write(data: Buffer, done?: () => void): void {
    if (this.dead) {
      done?.();
      return;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (done === undefined) this.socket.write(data);
    else this.socket.write(data, () => done());
  }

  streamEnded(stream: Stream): void {
    const head = this.slots.peek();
    if (head?.stream !== stream) return;
    const response = head.response;
    if (stream.chunkedEncoding) this.write(LAST_CHUNK, response && (() => sent(response)));
    this.slots.shift();
    if (!head.keepAlive || !stream.chunkedEncoding) {
      this.end(stream.chunkedEncoding || response === undefined ? undefined : () => sent(response));
      return;
    }
    this.flush();
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private flush(): void {
    for (;;) {
      const slot = this.slots.peek();
      if (slot === undefined || slot.response === undefined || this.dead) return;
      const response = slot.response;
      const keepAlive = persists(slot.keepAlive, response.headers);
      const options = { minorVersion: slot.minorVersion, keepAlive, omitBody: slot.method === 'HEAD' };
      if (slot.stream !== undefined) {
        if (slot.stream.active) return;
        slot.keepAlive = keepAlive;
        if (slot.stream.chunkedEncoding) {
          this.write(encodeChunkedHead(response.status, response.headers, options));
        } else {
          // HTTP/1.0 has no chunked encoding: raw body, end of stream closes.
          this.write(rawHead(response, options.minorVersion));
        }
        slot.stream.activate();
        if (slot.stream.ended) {
          this.streamEnded(slot.stream);
          continue;
        }
        return;
      }
      this.slots.shift();
      const body = typeof response.body === 'function' ? undefined : response.body;
      const parts = encodeResponseParts(response.status, response.headers, body, options);
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as Buffer;
        this.write(part, i === parts.length - 1 && response.onSent !== undefined ? () => sent(response) : undefined);
      }
      if (!keepAlive) {
        this.end();
        return;
      }
    }
  }

  private end(done?: () => void): void {
    this.closing = true;
    this.dead = true;
    if (done === undefined) this.socket.end();
    else this.socket.end(() => done());
  }

  private closed(): void {
    this.dead = true;
    this.closing = true;
    for (const slot of this.slots) {
      slot.stream?.abort();
      if (slot.response !== undefined) sent(slot.response);
    }
    this.slots.clear();
    this.onClose();
  }
}

/** Runs a response's onSent hook, at most once. */
function sent(response: Response): void {
  const hook = response.onSent;
  if (hook === undefined) return;
  response.onSent = undefined;
  try {
    hook();
  } catch {
    // A hook must not take the connection down.
  }
}

function rawHead(response: Response, minorVersion: 0 | 1): Buffer {
  let head = `HTTP/1.${minorVersion} ${statusText(response.status)}\r\n`;
  for (const [name, value] of Object.entries(response.headers ?? {})) head += `${name}: ${value}\r\n`;
  head += 'Connection: close\r\n\r\n';
  return Buffer.from(head, 'latin1');
}
