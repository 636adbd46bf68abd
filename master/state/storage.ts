// The storage contract under the master's State abstraction: named entries,
// each with an opaque value and a version (a random 16-byte UUID), and a
// test-and-set write. Implementations: InMemoryStorage (--registry=in_memory),
// FileStorage (one master, on disk). A ZooKeeper storage for HA masters fits
// the same four calls (its set would compare the znode's stored UUID).
//
// Facts from Mesos 1.0: include/mesos/state/storage.hpp (the four calls and
// the "set acts like test-and-set on the existing entry's UUID" rule),
// src/state/in_memory.cpp and src/state/leveldb.cpp (a set on an absent entry
// succeeds whatever UUID it names; expunge of an absent or changed entry
// returns false).

import { randomBytes } from 'node:crypto';

/** A stored entry (mesos.internal.state.Entry in include/mesos/state/state.proto). */
export interface Entry {
  readonly name: string;
  /** The entry's version: a random UUID, 16 bytes, replaced on every write. */
  readonly uuid: Uint8Array;
  readonly value: Uint8Array;
}

export interface Storage {
  /** The entry with this name, or undefined when there is none. */
  get(name: string): Promise<Entry | undefined>;
  /**
   * Writes `entry` if the stored entry with the same name still has version
   * `uuid` (or there is none). Resolves false when the version changed.
   */
  set(entry: Entry, uuid: Uint8Array): Promise<boolean>;
  /** Removes the entry if its stored version is `entry.uuid`; false when absent or changed. */
  expunge(entry: Entry): Promise<boolean>;
  /** Names of the stored entries, sorted. */
  names(): Promise<string[]>;
}

/** A storage operation failed (I/O error, unreadable data). */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** A stored entry exists but cannot be trusted; nothing was read or overwritten. */
export class CorruptEntryError extends StorageError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Corrupt state entry '${path}': ${reason}. Refusing to read or overwrite it; ` +
        'inspect the file, then restore it from a backup or move it away to start the entry afresh',
    );
    this.name = 'CorruptEntryError';
  }
}

export const UUID_BYTES = 16;

/** A random version 4 UUID as 16 raw bytes (stout's UUID::random().toBytes()). */
export function randomUuid(): Uint8Array {
  const bytes = randomBytes(UUID_BYTES);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function uuidEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The canonical text form, e.g. `0b6f...-....`, for logs and errors. */
export function formatUuid(uuid: Uint8Array): string {
  const hex = Buffer.from(uuid.buffer, uuid.byteOffset, uuid.byteLength).toString('hex');
  if (hex.length !== 32) return hex;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A copy that shares no buffers with `entry`. */
export function copyEntry(entry: Entry): Entry {
  return { name: entry.name, uuid: entry.uuid.slice(), value: entry.value.slice() };
}
