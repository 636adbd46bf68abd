// The event stream of one HTTP framework subscription: the body of the 200
// response to SUBSCRIBE, written as RecordIO records of JSON or protobuf
// events (Mesos 1.0 HttpConnection and Heartbeater, src/master/master.hpp).
//
// Events sent before the response body is attached (SUBSCRIBED is sent while
// the SUBSCRIBE request is still being handled) wait in a buffer. `closed`
// resolves when the stream ends from either side: the master closes it, or
// the client goes away.

import { randomUUID } from 'node:crypto';
import type { Timer } from '../../libprocess/clock.js';
import type { StreamWriter } from '../../libprocess/http/types.js';
import { encodeRecord, mesos, toJSONString } from '../../proto/index.js';
import type { HttpConnection } from '../model.js';

export type StreamContentType = 'application/json' | 'application/x-protobuf';

/** Serializes a v1 event as `common/http.cpp` serialize(): protobuf bytes, or JSON with keys sorted by name. */
export function serializeEvent(contentType: StreamContentType, event: mesos.v1.scheduler.Event.$Properties): Uint8Array {
  if (contentType === 'application/x-protobuf') return mesos.v1.scheduler.Event.encode(event).finish();
  return Buffer.from(toJSONString(mesos.v1.scheduler.Event, event), 'utf8');
}

export interface SchedulerStreamOptions {
  contentType: StreamContentType;
  heartbeatIntervalMs: number;
  /** Runs `fn` after `ms` on the owning process (Master.delay). */
  schedule: (ms: number, fn: () => void) => Timer;
}

export class SchedulerStream implements HttpConnection {
  readonly kind = 'http';
  readonly streamId = randomUUID();
  readonly closed: Promise<void>;
  private writer: StreamWriter | undefined;
  private buffered: Uint8Array[] = [];
  private ended = false;
  private heartbeat: Timer | undefined;
  private resolveClosed!: () => void;

  constructor(private readonly options: SchedulerStreamOptions) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get contentType(): StreamContentType {
    return this.options.contentType;
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

  send(event: mesos.v1.scheduler.Event.$Properties): boolean {
    if (this.ended) return false;
    const record = encodeRecord(serializeEvent(this.options.contentType, event));
    if (this.writer === undefined) this.buffered.push(record);
    else this.writer.write(Buffer.from(record.buffer, record.byteOffset, record.byteLength));
    return true;
  }

  close(): void {
    if (this.ended) return;
    this.writer?.close();
    this.finish();
  }

  startHeartbeats(): void {
    if (this.heartbeat !== undefined || this.ended) return;
    const beat = (): void => {
      if (this.ended) return;
      this.send({ type: mesos.v1.scheduler.Event.Type.HEARTBEAT });
      this.heartbeat = this.options.schedule(this.options.heartbeatIntervalMs, beat);
    };
    beat();
  }

  private finish(): void {
    this.ended = true;
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
    this.resolveClosed();
  }
}
