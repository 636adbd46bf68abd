// The master's operator event stream (v1 operator API, Call::SUBSCRIBE):
// subscribers and the events they get (src/master/master.cpp:
// Master::subscribe, Subscribers::send, Slave::addTask and Master::updateTask
// sending TASK_ADDED and TASK_UPDATED; src/common/protobuf_utils.cpp
// createTaskAdded, createTaskUpdated).
//
// Mesos 1.0's master Event has three types: SUBSCRIBED (the full state, as
// GET_STATE), TASK_ADDED and TASK_UPDATED. AGENT_ADDED, AGENT_REMOVED and the
// rest came in later releases and are not sent.
//
// Many subscribers must not slow the master down: each event is encoded once
// per content type that has subscribers, and those same bytes are written to
// every subscriber of that type. A subscriber that does not read cannot make
// the master hold unbounded memory: once its writer holds more than the
// pending limit (16 MiB beyond the SUBSCRIBED snapshot it was sent) left over
// from earlier turns of the event loop, its stream is closed and it is
// dropped (`master/operator_event_stream_subscribers_dropped`). What one turn
// writes is not held against it, so a burst (an agent re-registering with
// thousands of tasks) does not drop a client that keeps reading.
//
// The master publishes through the one-line hooks `taskAdded(master, task)`
// and `taskUpdated(master, task, state)`; with no subscribers they cost a map
// lookup.

import { randomUUID } from 'node:crypto';
import type { Response, StreamWriter } from '../libprocess/http/types.js';
import type { Counter } from '../libprocess/metrics.js';
import { mesos } from '../proto/index.js';
import type { Master } from './master.js';
import { APPLICATION_JSON, APPLICATION_PROTOBUF, type ContentType } from './http/operator-http.js';
import { leafOf, subscribedTree, taskLeaf, Tree, treeBytesChunks, treeJsonChunks, type Leaf } from './http/operator-state.js';

/** Bytes a subscriber may leave unread (beyond its SUBSCRIBED snapshot) before it is dropped. */
export const DEFAULT_PENDING_LIMIT = 16 * 1024 * 1024;

/** An event, encoded on demand in either content type. */
export type EventSource = Tree | Leaf;

/** Records up to this size are written as one piece; larger ones (SUBSCRIBED) in chunks. */
const SMALL_RECORD = 64 * 1024;

/** One RecordIO record of the event: `<length>\n<bytes>`, as the pieces to write. */
function encode(source: EventSource, contentType: ContentType): Buffer[] {
  const protobuf = contentType === APPLICATION_PROTOBUF;
  let chunks: Buffer[];
  if (source instanceof Tree) chunks = protobuf ? treeBytesChunks(source) : treeJsonChunks(source);
  else {
    const body = protobuf ? source.bytes : source.json();
    chunks = [Buffer.from(body.buffer, body.byteOffset, body.byteLength)];
  }
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const header = Buffer.from(`${length}\n`, 'latin1');
  if (length <= SMALL_RECORD) return [Buffer.concat([header, ...chunks])];
  return [header, ...chunks];
}

/** The records of several events, small ones joined into pieces of up to about 1 MB. */
function encodeAll(sources: readonly EventSource[], contentType: ContentType): Buffer[] {
  const out: Buffer[] = [];
  let run: Buffer[] = [];
  let runBytes = 0;
  const join = (): void => {
    if (run.length === 0) return;
    out.push(run.length === 1 ? (run[0] as Buffer) : Buffer.concat(run, runBytes));
    run = [];
    runBytes = 0;
  };
  for (const source of sources) {
    const record = encode(source, contentType);
    if (record.length === 1) {
      const piece = record[0] as Buffer;
      run.push(piece);
      runBytes += piece.length;
      if (runBytes >= 1 << 20) join();
    } else {
      join();
      out.push(...record);
    }
  }
  join();
  return out;
}

function sizeOf(record: readonly Buffer[]): number {
  let size = 0;
  for (const piece of record) size += piece.length;
  return size;
}

class Subscriber {
  private writer: StreamWriter | undefined;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes written in this turn of the event loop. */
  private burst = 0;
  private burstReset = false;
  /** Pending bytes allowed: the limit plus the initial snapshot. */
  private readonly allowance: number;
  closed = false;

  constructor(
    readonly id: string,
    readonly contentType: ContentType,
    limit: number,
    first: readonly Buffer[],
  ) {
    const size = sizeOf(first);
    this.allowance = limit + size;
    this.queued.push(...first);
    this.queuedBytes = size;
  }

  /** The HTTP layer hands over the stream: flush what waited. */
  attach(writer: StreamWriter): void {
    if (this.closed) {
      writer.close();
      return;
    }
    this.writer = writer;
    for (const record of this.queued) writer.write(record);
    this.queued = [];
    this.queuedBytes = 0;
  }

  get pending(): number {
    return this.writer === undefined ? this.queuedBytes : this.writer.pending;
  }

  /**
   * Writes one record; false when the subscriber has fallen too far behind:
   * when what it left unread from earlier turns of the event loop exceeds
   * its allowance. Bytes written in the current turn do not count (the
   * socket has had no chance to send them), so a burst of events from one
   * master handler does not drop a client that reads.
   */
  send(record: readonly Buffer[]): boolean {
    if (this.closed) return false;
    const size = sizeOf(record);
    if (this.writer === undefined) {
      this.queued.push(...record);
      this.queuedBytes += size;
    } else {
      for (const piece of record) this.writer.write(piece);
    }
    this.burst += size;
    if (!this.burstReset) {
      this.burstReset = true;
      setImmediate(() => {
        this.burst = 0;
        this.burstReset = false;
      });
    }
    return this.pending - this.burst <= this.allowance;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = [];
    this.queuedBytes = 0;
    this.writer?.close();
  }
}

const SUBSCRIBERS_GAUGE = 'master/operator_event_stream_subscribers';
const DROPPED_COUNTER = 'master/operator_event_stream_subscribers_dropped';

export interface OperatorEventsOptions {
  /** DEFAULT_PENDING_LIMIT unless set. */
  pendingLimit?: number;
}

/** The subscribers of one master. Used only inside the master process. */
export class OperatorEvents {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly dropped: Counter;
  /** Events published in this run of handlers, not yet written. */
  private queued: EventSource[] = [];
  private flushScheduled = false;
  pendingLimit: number;

  constructor(
    private readonly master: Master,
    options: OperatorEventsOptions = {},
  ) {
    this.pendingLimit = options.pendingLimit ?? DEFAULT_PENDING_LIMIT;
    const metrics = master.runtime.metrics;
    metrics.gauge(SUBSCRIBERS_GAUGE, () => this.subscribers.size);
    this.dropped = metrics.counter(DROPPED_COUNTER);
    // When the master terminates its streams end and its metrics go.
    void master.runtime.wait(master).then(() => {
      this.closeAll();
      metrics.remove(SUBSCRIBERS_GAUGE);
      metrics.remove(DROPPED_COUNTER);
    });
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Master::subscribe: adds a subscriber and answers its SUBSCRIBE with a
   * stream whose first record is SUBSCRIBED with the state as of now (taken
   * in the same master event, so no update falls between the snapshot and
   * the stream).
   */
  subscribe(contentType: ContentType): Response {
    // Events published before now are in the snapshot: send them to the others first.
    this.flush();
    const id = randomUUID();
    const subscriber = new Subscriber(id, contentType, this.pendingLimit, encode(subscribedTree(this.master.state), contentType));
    this.subscribers.set(id, subscriber);
    this.master.runtime.log.info({ subscriber: id }, 'added operator API subscriber');
    return {
      status: 200,
      headers: { 'Content-Type': contentType },
      body: (writer) => {
        subscriber.attach(writer);
        this.master.defer(writer.closed, () => this.remove(id));
      },
    };
  }

  /**
   * Subscribers::send. Events are queued and written once the master's
   * current run of handlers ends (process.nextTick): then each content type
   * in use is encoded once for the whole batch, and every subscriber gets
   * the same bytes in one write, however many events the batch holds.
   */
  publish(source: EventSource): void {
    if (this.subscribers.size === 0) return;
    this.queued.push(source);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  /** Writes the queued events to every subscriber. */
  flush(): void {
    this.flushScheduled = false;
    if (this.queued.length === 0) return;
    const sources = this.queued;
    this.queued = [];
    let json: Buffer[] | undefined;
    let protobuf: Buffer[] | undefined;
    for (const subscriber of [...this.subscribers.values()]) {
      let records: Buffer[];
      if (subscriber.contentType === APPLICATION_JSON) records = json ??= encodeAll(sources, APPLICATION_JSON);
      else records = protobuf ??= encodeAll(sources, APPLICATION_PROTOBUF);
      if (!subscriber.send(records)) this.drop(subscriber);
    }
  }

  /** Closes every stream (the master is going away). */
  closeAll(): void {
    this.queued = [];
    for (const subscriber of this.subscribers.values()) subscriber.close();
    this.subscribers.clear();
  }

  private drop(subscriber: Subscriber): void {
    this.master.runtime.log.warn(
      { subscriber: subscriber.id, pending: subscriber.pending, limit: this.pendingLimit },
      'dropping operator API subscriber: it is not reading its event stream',
    );
    this.subscribers.delete(subscriber.id);
    this.dropped.inc();
    subscriber.close();
  }

  private remove(id: string): void {
    const subscriber = this.subscribers.get(id);
    if (subscriber === undefined) return;
    this.subscribers.delete(id);
    subscriber.close();
    this.master.runtime.log.info({ subscriber: id }, 'removed operator API subscriber');
  }
}

const registry = new WeakMap<Master, OperatorEvents>();

/** The event stream of `master`, created on first use. */
export function operatorEvents(master: Master, options?: OperatorEventsOptions): OperatorEvents {
  let events = registry.get(master);
  if (events === undefined) {
    events = new OperatorEvents(master, options);
    registry.set(master, events);
  }
  return events;
}

const EventType = mesos.master.Event.Type;

/** createTaskAdded: the task as the master now holds it. */
export function taskAddedEvent(task: mesos.Task.$Properties): Tree {
  return new Tree({ value: EventType.TASK_ADDED, name: 'TASK_ADDED' }).set(3, 'task_added', new Tree().set(1, 'task', taskLeaf(task)));
}

/** createTaskUpdated: the task's ids and its new state. */
export function taskUpdatedEvent(task: mesos.Task.$Properties, state: mesos.TaskState): Leaf {
  const update: mesos.master.Event.TaskUpdated.$Properties = {
    task_id: task.task_id,
    framework_id: task.framework_id,
    slave_id: task.slave_id,
    state,
  };
  if (task.executor_id != null) update.executor_id = task.executor_id;
  return leafOf(mesos.master.Event, mesos.v1.master.Event, { type: EventType.TASK_UPDATED, task_updated: update });
}

/** Hook: a task was added to an agent (launched, or reported by a re-admitted agent). */
export function taskAdded(master: Master, task: mesos.Task.$Properties): void {
  const events = registry.get(master);
  if (events !== undefined && events.size > 0) events.publish(taskAddedEvent(task));
}

/** Hook: a task not yet terminal moves to `state` (called only when the state changes). */
export function taskUpdated(master: Master, task: mesos.Task.$Properties, state: mesos.TaskState): void {
  const events = registry.get(master);
  if (events !== undefined && events.size > 0) events.publish(taskUpdatedEvent(task, state));
}
