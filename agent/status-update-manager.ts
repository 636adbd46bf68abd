// The status update manager: makes every task status update reach the master
// in order, exactly once from the framework's point of view. One stream per
// task; the head of each stream is forwarded and re-sent with exponential
// backoff (10 s doubling to 10 min) until the framework's acknowledgement
// comes back; duplicates (by uuid) are dropped; forwarding pauses while the
// agent has no master (src/slave/status_update_manager.cpp, constants.hpp).
// Streams of checkpointing frameworks' tasks append every update and every
// acknowledgement to the task's `task.updates` file as a StatusUpdateRecord
// before acting on it; after an agent restart `recover` replays those files.

import { Process } from '../libprocess/process.js';
import type { Timer } from '../libprocess/clock.js';
import { mesos } from '../proto/index.js';
import { isTerminalState } from '../common/task-states.js';
import { RecordAppender } from './checkpoint.js';
import { errorText } from '../common/errors.js';

export const STATUS_UPDATE_RETRY_INTERVAL_MIN_MS = 10_000;
export const STATUS_UPDATE_RETRY_INTERVAL_MAX_MS = 600_000;

type StatusUpdate = mesos.internal.StatusUpdate.$Properties;

export class StatusUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatusUpdateError';
  }
}

function uuidKey(uuid: Uint8Array | null | undefined): string {
  return uuid === null || uuid === undefined ? '' : Buffer.from(uuid).toString('hex');
}

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** One task's updates: what is waiting for an acknowledgement, what was seen. */
export class StatusUpdateStream {
  readonly pending: StatusUpdate[] = [];
  readonly received = new Set<string>();
  readonly acknowledged = new Set<string>();
  terminated = false;
  timer: Timer | undefined;
  retryMs = STATUS_UPDATE_RETRY_INTERVAL_MIN_MS;

  constructor(
    readonly frameworkId: string,
    readonly taskId: string,
    /** The task's `task.updates` checkpoint (checkpointing frameworks only). */
    readonly file?: RecordAppender,
  ) {}

  /** Appends a record to the checkpoint, if any; a failed write rejects the update or acknowledgement. */
  private checkpoint(record: mesos.internal.StatusUpdateRecord.$Properties): void {
    if (this.file === undefined) return;
    try {
      this.file.append(mesos.internal.StatusUpdateRecord.encode(record).finish());
    } catch (error) {
      throw new StatusUpdateError(`Failed to write status update record to '${this.file.file}': ${errorText(error)}`);
    }
  }

  /** Adds an update; false for a duplicate. `replay`: read back from the checkpoint, not written again. */
  add(update: StatusUpdate, replay = false): boolean {
    const key = uuidKey(update.uuid);
    if (key === '') throw new StatusUpdateError("Status update is missing 'uuid'");
    if (this.acknowledged.has(key) || this.received.has(key)) return false;
    if (!replay) this.checkpoint({ type: mesos.internal.StatusUpdateRecord.Type.UPDATE, update });
    this.received.add(key);
    this.pending.push(update);
    return true;
  }

  /**
   * Applies an acknowledgement of the head update. Returns false for a
   * duplicate or one that does not match the head.
   */
  acknowledge(uuid: Uint8Array, replay = false): boolean {
    const key = uuidKey(uuid);
    const head = this.pending[0];
    if (head === undefined) throw new StatusUpdateError(`Unexpected status update acknowledgment (UUID: ${key}) for task ${this.taskId} of framework ${this.frameworkId}`);
    if (this.acknowledged.has(key) || key !== uuidKey(head.uuid)) return false;
    if (!replay) this.checkpoint({ type: mesos.internal.StatusUpdateRecord.Type.ACK, uuid });
    this.acknowledged.add(key);
    this.pending.shift();
    if (isTerminalState(head.status.state)) this.terminated = true;
    return true;
  }
}

export interface StatusUpdateSink {
  /** Sends the update to the master (StatusUpdateMessage with the agent's pid). */
  forward(update: StatusUpdate): void;
}

/** A task's checkpointed stream, as the agent read it back (state.ts TaskState). */
export interface RecoveredStream {
  frameworkId: string;
  taskId: string;
  /** The task.updates file: further records are appended to it. */
  file: string;
  updates: readonly StatusUpdate[];
  /** uuids (hex) of acknowledged updates. */
  acks: ReadonlySet<string>;
}

export class StatusUpdateManager extends Process {
  private readonly streams = new Map<string, StatusUpdateStream>();
  private paused = true;

  constructor(private readonly sink: StatusUpdateSink) {
    super('status-update-manager()');
  }

  protected override finalize(): void {
    for (const stream of this.streams.values()) {
      stream.timer?.cancel();
      stream.file?.close();
    }
  }

  /**
   * Rebuilds the streams of recovered tasks from their checkpoints
   * (StatusUpdateManagerProcess::recover): updates and acknowledgements are
   * replayed; a stream whose terminal update was acknowledged is done. The
   * manager stays paused until the agent (re-)registers.
   */
  recover(streams: readonly RecoveredStream[]): void {
    for (const recovered of streams) {
      if (recovered.updates.length === 0) continue;
      const key = streamKey(recovered.frameworkId, recovered.taskId);
      const stream = new StatusUpdateStream(recovered.frameworkId, recovered.taskId, new RecordAppender(recovered.file));
      for (const update of recovered.updates) {
        if (!stream.add(update, true)) continue;
        if (recovered.acks.has(uuidKey(update.uuid))) stream.acknowledge(update.uuid ?? new Uint8Array(), true);
      }
      if (stream.terminated) stream.file?.close();
      else this.streams.set(key, stream);
    }
  }

  /**
   * Queues an update; forwards it at once when it heads its stream. Rejects
   * malformed or inconsistent updates, and updates that cannot be
   * checkpointed. `checkpoint`: the task's task.updates file, for a
   * checkpointing framework (used when the stream is created).
   */
  update(update: StatusUpdate, checkpoint?: string): 'queued' | 'duplicate' {
    const frameworkId = update.framework_id.value;
    const taskId = update.status.task_id.value;
    const key = streamKey(frameworkId, taskId);
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = new StatusUpdateStream(frameworkId, taskId, checkpoint === undefined ? undefined : new RecordAppender(checkpoint));
      this.streams.set(key, stream);
    }
    if (!stream.add(update)) return 'duplicate';
    if (!this.paused && stream.pending.length === 1) this.forward(stream, STATUS_UPDATE_RETRY_INTERVAL_MIN_MS);
    return 'queued';
  }

  /**
   * The framework acknowledged `uuid`. Returns true while the stream goes on,
   * false once its terminal update is acknowledged (the stream is gone).
   */
  acknowledgement(frameworkId: string, taskId: string, uuid: Uint8Array): boolean {
    const stream = this.streams.get(streamKey(frameworkId, taskId));
    if (stream === undefined) {
      throw new StatusUpdateError(`Cannot find the status update stream for task ${taskId} of framework ${frameworkId}`);
    }
    if (!stream.acknowledge(uuid)) throw new StatusUpdateError('Duplicate acknowledgement');
    stream.timer?.cancel();
    stream.timer = undefined;
    if (stream.terminated) {
      stream.file?.close();
      this.streams.delete(streamKey(frameworkId, taskId));
      return false;
    }
    if (!this.paused && stream.pending.length > 0) this.forward(stream, STATUS_UPDATE_RETRY_INTERVAL_MIN_MS);
    return true;
  }

  /** No master: stop sending (retries stop too). */
  pause(): void {
    this.paused = true;
    for (const stream of this.streams.values()) {
      stream.timer?.cancel();
      stream.timer = undefined;
    }
  }

  /** A master is there again: send every stream's head. */
  resume(): void {
    this.paused = false;
    for (const stream of this.streams.values()) {
      if (stream.pending.length > 0) this.forward(stream, STATUS_UPDATE_RETRY_INTERVAL_MIN_MS);
    }
  }

  /** Drops the streams of a framework (it is gone). */
  cleanup(frameworkId: string): void {
    for (const [key, stream] of this.streams) {
      if (stream.frameworkId !== frameworkId) continue;
      stream.timer?.cancel();
      stream.file?.close();
      this.streams.delete(key);
    }
  }

  /** Updates not yet acknowledged for a task, oldest first (for re-registration and the state endpoint). */
  unacknowledged(frameworkId: string, taskId: string): readonly StatusUpdate[] {
    return this.streams.get(streamKey(frameworkId, taskId))?.pending ?? [];
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private forward(stream: StatusUpdateStream, retryMs: number): void {
    const head = stream.pending[0];
    if (head === undefined) return;
    stream.retryMs = retryMs;
    this.sink.forward(head);
    stream.timer?.cancel();
    stream.timer = this.delay(retryMs, () => {
      stream.timer = undefined;
      if (this.paused || stream.pending[0] !== head) return;
      this.forward(stream, Math.min(retryMs * 2, STATUS_UPDATE_RETRY_INTERVAL_MAX_MS));
    });
  }
}
