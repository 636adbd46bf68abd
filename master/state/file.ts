// FileStorage: state entries as files, for a master without ZooKeeper.
//
// Layout (docs/registry.md has the full description):
//
//   <root>/                               e.g. <work_dir>/registry
//     <encoded name>/                     one directory per entry name
//       0000000000000007.entry            committed versions; the highest wins
//       .tmp-<pid>-<random>               a write in progress (or left by a crash)
//
// A version file is a 44-byte header (magic "MTSE", format 1, kind, payload
// length, SHA-256 over header and payload) followed by a serialized
// mesos.internal.state.Entry (include/mesos/state/state.proto). Kind 2 marks
// an expunged entry.
//
// Writes are atomic and durable: the new version is written to a temp file in
// the entry's directory, fsynced, then hard-linked to the next version's name
// and the directory fsynced. link(2) fails when the target exists, so two
// writers that raced from the same version cannot both commit: the loser sees
// EEXIST and its set() resolves false, as a changed UUID does. A crash leaves
// at worst a temp file and an older version, both ignored by readers. A file
// that fails its checks is reported as CorruptEntryError and never read past
// or overwritten.

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { mesos } from '../../proto/index.js';
import {
  CorruptEntryError,
  type Entry,
  randomUuid,
  type Storage,
  StorageError,
  uuidEquals,
} from './storage.js';
import { errorText } from '../../common/errors.js';

export interface FileStorageOptions {
  /** fsync files and directories (default true). Only tests on throwaway directories turn it off. */
  fsync?: boolean;
  /** Temp files older than this are removed after a successful write (default 1 hour). */
  staleTempMs?: number;
}

const MAGIC = Buffer.from('MTSE', 'latin1');
const FORMAT_VERSION = 1;
const KIND_VALUE = 1;
const KIND_EXPUNGED = 2;
/** magic(4) format(1) kind(1) reserved(2) length(4) sha256(32) */
const HEADER_BYTES = 44;
const CHECKED_HEADER_BYTES = 12;
const SEQ_DIGITS = 16;
const VERSION_FILE = /^(\d{16})\.entry$/;
const TEMP_PREFIX = '.tmp-';
const ENCODED_NAME = /^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/;
const READ_ATTEMPTS = 5;

/** Entry name as a directory name: [A-Za-z0-9_-] kept, every other UTF-8 byte as %XX. */
export function encodeEntryName(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The entry name a directory stands for, or undefined when it is not one of ours. */
export function decodeEntryName(encoded: string): string | undefined {
  if (!ENCODED_NAME.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  const name = Buffer.from(bytes).toString('utf8');
  return encodeEntryName(name) === encoded ? name : undefined;
}

export function versionFileName(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}.entry`;
}

interface Current {
  seq: number;
  /** undefined when the newest version records an expunge. */
  entry: Entry | undefined;
}

export class FileStorage implements Storage {
  private readonly fsync: boolean;
  private readonly staleTempMs: number;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    options: FileStorageOptions = {},
  ) {
    this.fsync = options.fsync ?? true;
    this.staleTempMs = options.staleTempMs ?? 3_600_000;
  }

  /** Directory holding the versions of `name`. */
  entryDirectory(name: string): string {
    return path.join(this.root, encodeEntryName(name));
  }

  get(name: string): Promise<Entry | undefined> {
    return this.serial('get', name, async () => (await this.readCurrent(name))?.entry);
  }

  set(entry: Entry, uuid: Uint8Array): Promise<boolean> {
    return this.serial('set', entry.name, async () => {
      const current = await this.readCurrent(entry.name);
      if (current?.entry !== undefined && !uuidEquals(current.entry.uuid, uuid)) return false;
      return this.commit(entry.name, (current?.seq ?? 0) + 1, KIND_VALUE, entry);
    });
  }

  expunge(entry: Entry): Promise<boolean> {
    return this.serial('expunge', entry.name, async () => {
      const current = await this.readCurrent(entry.name);
      if (current?.entry === undefined || !uuidEquals(current.entry.uuid, entry.uuid)) return false;
      const marker: Entry = { name: entry.name, uuid: randomUuid(), value: new Uint8Array(0) };
      return this.commit(entry.name, current.seq + 1, KIND_EXPUNGED, marker);
    });
  }

  names(): Promise<string[]> {
    return this.serial('names', undefined, async () => {
      const found: string[] = [];
      for (const dirent of await readdirOrEmpty(this.root)) {
        if (!dirent.isDirectory()) continue;
        const name = decodeEntryName(dirent.name);
        if (name === undefined) continue;
        if ((await this.readCurrent(name))?.entry !== undefined) found.push(name);
      }
      return found.sort();
    });
  }

  // ------------------------------------------------------------------ internals

  /** Runs one public call at a time, turning stray I/O errors into StorageErrors. */
  private serial<T>(operation: string, name: string | undefined, fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      if (name !== undefined && name === '') throw new StorageError('State entry names must not be empty');
      try {
        return await fn();
      } catch (error) {
        if (error instanceof StorageError) throw error;
        const what = name === undefined ? '' : ` of '${name}'`;
        throw new StorageError(`Failed to ${operation}${what} in '${this.root}': ${errorText(error)}`, {
          cause: error,
        });
      }
    });
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The newest committed version of `name`, retrying when a concurrent writer removes it under us. */
  private async readCurrent(name: string): Promise<Current | undefined> {
    const dir = this.entryDirectory(name);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const seqs = await listVersions(dir);
      const seq = seqs[0];
      if (seq === undefined) return undefined;
      const file = path.join(dir, versionFileName(seq));
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        throw error;
      }
      const record = decodeRecord(file, bytes);
      if (record.entry.name !== name) {
        throw new CorruptEntryError(file, `it holds entry '${record.entry.name}', expected '${name}'`);
      }
      return { seq, entry: record.kind === KIND_VALUE ? record.entry : undefined };
    }
    throw new StorageError(`State entry '${name}' in '${dir}' changed on each of ${READ_ATTEMPTS} read attempts`);
  }

  /** Writes version `seq`; false when another writer committed that version first. */
  private async commit(name: string, seq: number, kind: number, entry: Entry): Promise<boolean> {
    const dir = this.entryDirectory(name);
    await this.ensureDirectory(dir);
    const temp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    const target = path.join(dir, versionFileName(seq));
    let committed = false;
    try {
      const handle = await fs.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(encodeRecord(kind, entry));
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.link(temp, target);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') return false;
        throw error;
      }
      await this.syncDirectory(dir);
      committed = true;
    } finally {
      await fs.rm(temp, { force: true });
    }
    if (committed) await this.cleanup(dir, seq);
    return committed;
  }

  /** Best effort: drops versions older than `seq` and temp files left by crashes. */
  private async cleanup(dir: string, seq: number): Promise<void> {
    let dirents;
    try {
      dirents = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const now = Date.now();
    for (const dirent of dirents) {
      const file = path.join(dir, dirent.name);
      try {
        const match = VERSION_FILE.exec(dirent.name);
        if (match !== null && Number(match[1]) < seq) {
          await fs.rm(file, { force: true });
        } else if (dirent.name.startsWith(TEMP_PREFIX)) {
          const stat = await fs.stat(file);
          if (now - stat.mtimeMs > this.staleTempMs) await fs.rm(file, { force: true });
        }
      } catch {
        // Leftovers are harmless: readers ignore them and the next write retries.
      }
    }
  }

  /** mkdir -p, fsyncing the parent of every directory it creates. */
  private async ensureDirectory(dir: string): Promise<void> {
    const first = await fs.mkdir(dir, { recursive: true });
    if (first === undefined || !this.fsync) return;
    const created: string[] = [];
    for (let p = path.resolve(dir); ; p = path.dirname(p)) {
      created.push(p);
      if (p === path.resolve(first) || path.dirname(p) === p) break;
    }
    for (const p of created) await this.syncDirectory(path.dirname(p));
  }

  private async syncDirectory(dir: string): Promise<void> {
    if (!this.fsync) return;
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Committed version numbers in `dir`, newest first. */
async function listVersions(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const dirent of await readdirOrEmpty(dir)) {
    const match = VERSION_FILE.exec(dirent.name);
    if (match !== null) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => b - a);
}

async function readdirOrEmpty(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    if (errorCode(error) === 'ENOTDIR') throw new StorageError(`'${dir}' should be a directory but is not`);
    throw error;
  }
}

function encodeRecord(kind: number, entry: Entry): Buffer {
  const payload = Buffer.from(
    mesos.internal.state.Entry.encode({ name: entry.name, uuid: entry.uuid, value: entry.value }).finish(),
  );
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeUInt8(kind, 5);
  header.writeUInt16BE(0, 6);
  header.writeUInt32BE(payload.byteLength, 8);
  digest(header.subarray(0, CHECKED_HEADER_BYTES), payload).copy(header, CHECKED_HEADER_BYTES);
  return Buffer.concat([header, payload]);
}

function decodeRecord(file: string, bytes: Buffer): { kind: number; entry: Entry } {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new CorruptEntryError(file, `it is ${bytes.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  }
  if (!bytes.subarray(0, 4).equals(MAGIC)) throw new CorruptEntryError(file, 'it does not start with the "MTSE" magic');
  const format = bytes.readUInt8(4);
  if (format !== FORMAT_VERSION) throw new CorruptEntryError(file, `unsupported format version ${format}`);
  const kind = bytes.readUInt8(5);
  if (kind !== KIND_VALUE && kind !== KIND_EXPUNGED) throw new CorruptEntryError(file, `unknown record kind ${kind}`);
  const length = bytes.readUInt32BE(8);
  const actual = bytes.byteLength - HEADER_BYTES;
  if (length !== actual) {
    throw new CorruptEntryError(file, `the header announces ${length} payload bytes but the file has ${actual}`);
  }
  const payload = bytes.subarray(HEADER_BYTES);
  const expected = bytes.subarray(CHECKED_HEADER_BYTES, HEADER_BYTES);
  if (!digest(bytes.subarray(0, CHECKED_HEADER_BYTES), payload).equals(expected)) {
    throw new CorruptEntryError(file, 'SHA-256 checksum mismatch');
  }
  let decoded: mesos.internal.state.Entry;
  try {
    decoded = mesos.internal.state.Entry.decode(payload);
  } catch (error) {
    throw new CorruptEntryError(file, `the payload is not a mesos.internal.state.Entry (${errorText(error)})`);
  }
  return {
    kind,
    entry: { name: decoded.name, uuid: Uint8Array.from(decoded.uuid), value: Uint8Array.from(decoded.value) },
  };
}

function digest(header: Buffer, payload: Buffer): Buffer {
  return createHash('sha256').update(header).update(payload).digest();
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

