// The event stream of one HTTP framework subscription: the body of the 200
// response to SUBSCRIBE, written as RecordIO records of JSON or protobuf
// events (Mesos 1.0 HttpConnection and Heartbeater, src/master/master.hpp).
// The buffering and closing are common/event-stream.ts's; this adds the
// stream id and the heartbeats.

import { randomUUID } from 'node:crypto';
import type { Timer } from '../../libprocess/clock.js';
import type { ApiContentType } from '../../libprocess/http/media.js';
import { mesos } from '../../proto/index.js';
import { EventStream, serializeMessage } from '../../common/event-stream.js';
import type { HttpConnection } from '../model.js';

export type StreamContentType = ApiContentType;

/** Serializes a v1 event as `common/http.cpp` serialize(): protobuf bytes, or JSON with keys sorted by name. */
export function serializeEvent(contentType: StreamContentType, event: mesos.v1.scheduler.Event.$Properties): Uint8Array {
  return serializeMessage(contentType, mesos.v1.scheduler.Event, event);
}

export interface SchedulerStreamOptions {
  contentType: StreamContentType;
  heartbeatIntervalMs: number;
  /** Runs `fn` after `ms` on the owning process (Master.delay). */
  schedule: (ms: number, fn: () => void) => Timer;
}

export class SchedulerStream extends EventStream<mesos.v1.scheduler.Event.$Properties> implements HttpConnection {
  readonly kind = 'http';
  readonly streamId = randomUUID();
  private heartbeat: Timer | undefined;

  constructor(private readonly options: SchedulerStreamOptions) {
    super(options.contentType, mesos.v1.scheduler.Event);
  }

  startHeartbeats(): void {
    if (this.heartbeat !== undefined || this.isClosed) return;
    const beat = (): void => {
      if (this.isClosed) return;
      this.send({ type: mesos.v1.scheduler.Event.Type.HEARTBEAT });
      this.heartbeat = this.options.schedule(this.options.heartbeatIntervalMs, beat);
    };
    beat();
  }

  protected override finish(): void {
    super.finish();
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
  }
}
