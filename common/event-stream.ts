// The server side of a v1 API subscription: the chunked body of the 200
// answer to SUBSCRIBE, one RecordIO record per event, JSON or protobuf as
// the client's Accept chose (Mesos 1.0's HttpConnection in
// src/master/master.hpp and src/slave/slave.hpp, `serialize` in
// src/common/http.cpp). Used by the master's scheduler streams and the
// agent's executor streams.
//
// Events sent before the response body is attached (SUBSCRIBED goes out
// while the SUBSCRIBE request is still being answered) wait in a buffer.
// `closed` resolves when the stream ends from either side: its owner closes
// it, or the client goes away.

import type { StreamWriter } from '../libprocess/http/types.js';
import { APPLICATION_PROTOBUF, type ApiContentType } from '../libprocess/http/media.js';
import { encodeRecord, toJSONString, type MessageCodec } from '../proto/index.js';

/** `serialize(contentType, event)`: protobuf bytes, or JSON with keys sorted by name. */
export function serializeMessage<T extends object>(contentType: ApiContentType, codec: MessageCodec<T>, event: T): Uint8Array {
  if (contentType === APPLICATION_PROTOBUF) return codec.encode(event).finish();
  return Buffer.from(toJSONString(codec as MessageCodec, event), 'utf8');
}

export class EventStream<E extends object> {
  readonly closed: Promise<void>;
  private writer: StreamWriter | undefined;
  private buffered: Uint8Array[] = [];
  private ended = false;
  private resolveClosed!: () => void;

  constructor(
    readonly contentType: ApiContentType,
    private readonly codec: MessageCodec<E>,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** The response body callback: from now on records go to `writer`. */
  attach(writer: StreamWriter): void {
    if (this.writer !== undefined) return;
    this.writer = writer;
    for (const record of this.buffered) writer.write(Buffer.from(record.buffer, record.byteOffset, record.byteLength));
    this.buffered = [];
    if (this.ended) {
      writer.close();
      return;
    }
    writer.closed.then(
      () => this.ended || this.finish(),
      () => this.ended || this.finish(),
    );
  }

  /** Writes one event as a record; false once the stream is closed. */
  send(event: E): boolean {
    if (this.ended) return false;
    const record = encodeRecord(serializeMessage(this.contentType, this.codec, event));
    if (this.writer === undefined) this.buffered.push(record);
    else this.writer.write(Buffer.from(record.buffer, record.byteOffset, record.byteLength));
    return true;
  }

  /** Ends the stream (idempotent); buffered events are still written first. */
  close(): void {
    if (this.ended) return;
    this.writer?.close();
    this.finish();
  }

  /** The stream is over (from either side); subclasses stop their timers here. */
  protected finish(): void {
    this.ended = true;
    this.resolveClosed();
  }
}
