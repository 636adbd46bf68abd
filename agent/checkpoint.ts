// Checkpoint files of the agent's meta directory (`<work_dir>/meta`), as Mesos
// 1.0 writes them (src/slave/state.hpp `checkpoint`, stout/protobuf.hpp
// `write`/`read`):
//
//   - protobuf files (slave.info, framework.info, executor.info, task.info)
//     and protobuf streams (task.updates of StatusUpdateRecord, resources.info
//     of Resource) are records of a 4-byte native-endian (little-endian here)
//     length followed by the serialized message;
//   - pid files (framework.pid, libprocess.pid, forked.pid) and boot_id are
//     plain text;
//   - whole files are written atomically: a temporary file in the same
//     directory, then rename(2).
//
// Writes are synchronous: the agent checkpoints before it acts (Mesos's
// CHECK_SOME(state::checkpoint(...))), and these files are small.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { errorText } from '../common/errors.js';

/** An encoder/decoder pair of a generated protobuf type. */
export interface ProtoType<T, P> {
  encode(message: P): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** A checkpoint file that cannot be read or parsed. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** One length-prefixed record (stout's protobuf::write). */
export function frameRecord(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32LE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}

export interface ReadRecords<T> {
  records: T[];
  /** Bytes of complete, parsed records; a partial record at the end is not counted. */
  consumed: number;
  /** Set when a complete record fails to parse (reading stops before it). */
  error?: string;
}

/**
 * Reads length-prefixed records (stout's protobuf::read with ignorePartial and
 * undoFailed): a truncated record at the end (the agent died while writing it)
 * ends the stream quietly; a record that does not parse is an error.
 */
export function readRecords<T>(buffer: Uint8Array, decode: (bytes: Uint8Array) => T): ReadRecords<T> {
  const data = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const records: T[] = [];
  let offset = 0;
  while (offset + 4 <= data.length) {
    const size = data.readUInt32LE(offset);
    if (offset + 4 + size > data.length) break;
    const body = data.subarray(offset + 4, offset + 4 + size);
    try {
      records.push(decode(body));
    } catch (error) {
      return { records, consumed: offset, error: `Failed to deserialize message: ${errorText(error)}` };
    }
    offset += 4 + size;
  }
  return { records, consumed: offset };
}

/** A temporary file next to `file`, for writing it atomically. */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${randomBytes(6).toString('hex')}`);
}

/** Writes `data` to `file` atomically (stout's state::checkpoint): temporary file in the same directory, then rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new CheckpointError(`Failed to checkpoint '${file}': ${errorText(error)}`);
  }
}

/** writeFileAtomic off the event loop's thread (the containerizer checkpoints pids while launching). */
export async function writeFileAtomicAsync(file: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    await fs.promises.writeFile(temp, data);
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw new CheckpointError(`Failed to checkpoint '${file}': ${errorText(error)}`);
  }
}

/** Checkpoints one protobuf message as a single record. */
export function writeMessage<P>(file: string, type: { encode(message: P): { finish(): Uint8Array } }, message: P): void {
  writeFileAtomic(file, frameRecord(type.encode(message).finish()));
}

/** Checkpoints a list of messages as consecutive records (resources.info). */
export function writeMessages<P>(file: string, type: { encode(message: P): { finish(): Uint8Array } }, messages: readonly P[]): void {
  writeFileAtomic(file, Buffer.concat(messages.map((m) => frameRecord(type.encode(m).finish()))));
}

/**
 * Reads a file holding one message. undefined when the file is empty (Mesos's
 * "Found empty ... file"); throws CheckpointError when it does not parse or is
 * truncated.
 */
export function readMessage<T>(file: string, decode: (bytes: Uint8Array) => T): T | undefined {
  const data = fs.readFileSync(file);
  if (data.length === 0) return undefined;
  const read = readRecords(data, decode);
  if (read.error !== undefined) throw new CheckpointError(read.error);
  const first = read.records[0];
  if (first === undefined) throw new CheckpointError(`Failed to read a complete message (${data.length} bytes, truncated)`);
  return first;
}

/**
 * Reads a record stream and truncates a partial record at its end (as
 * state.cpp does with ftruncate), so appends continue on a record boundary.
 */
export function readStream<T>(file: string, decode: (bytes: Uint8Array) => T): ReadRecords<T> {
  const data = fs.readFileSync(file);
  const read = readRecords(data, decode);
  if (read.consumed < data.length && read.error === undefined) fs.truncateSync(file, read.consumed);
  return read;
}

/** An append-only record stream kept open (a task's task.updates). */
export class RecordAppender {
  private fd: number | undefined;

  constructor(readonly file: string) {}

  append(bytes: Uint8Array): void {
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_APPEND, 0o644);
    }
    const record = frameRecord(bytes);
    let written = 0;
    while (written < record.length) written += fs.writeSync(this.fd, record, written, record.length - written);
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }
}

/** Points `latest` at `directory` (replacing an older link), as paths::createSlaveDirectory/createExecutorDirectory do. */
export function relinkLatestSync(directory: string, latest: string): void {
  fs.mkdirSync(directory, { recursive: true });
  fs.rmSync(latest, { force: true });
  fs.symlinkSync(directory, latest);
}

/** This boot's id (os::bootId), or undefined where /proc does not have it. */
export function currentBootId(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

