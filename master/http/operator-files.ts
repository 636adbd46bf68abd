// LIST_FILES and READ_FILE of the v1 operator API, over the runtime's `files`
// process (agent/files.ts, Mesos's src/files/files.cpp). Both daemons use
// it: the agent attaches its executors' sandboxes there; a master shares the
// process when it runs on the same runtime as agents (mesos-local) and has
// none otherwise.
//
// Errors map as Mesos maps FilesError: INVALID -> 400, NOT_FOUND -> 404,
// UNKNOWN -> 500 (there is no authorization, so no 403).

import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Response } from '../../libprocess/http/types.js';
import type { Process } from '../../libprocess/process.js';
import { ProcessNotFoundError, type Runtime } from '../../libprocess/runtime.js';
import { UPID } from '../../libprocess/upid.js';
import { FilesProcess, MAX_READ_LENGTH, parseInteger, resolveVirtualPath, strerror, type FileInfo } from '../../agent/files.js';
import { has, type mesos } from '../../proto/index.js';

export type FilesResult<T> = { ok: true; value: T } | { ok: false; response: Response };

function failure(status: number, message: string): { ok: false; response: Response } {
  return {
    ok: false,
    response:
      message === ''
        ? { status, body: '' }
        : { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: message },
  };
}

type Found<T> = { found: true; value: T } | { found: false };

/** Runs `fn` inside the runtime's `files` process; not found when the runtime has none. */
async function withFiles<T>(runtime: Runtime, fn: (files: FilesProcess) => Promise<T>): Promise<Found<T>> {
  const pid = new UPID('files', runtime.host, runtime.port);
  if (!runtime.exists(pid)) return { found: false };
  try {
    return await runtime.dispatch(pid, async (process: Process): Promise<Found<T>> => {
      if (!(process instanceof FilesProcess)) return { found: false };
      return { found: true, value: await fn(process) };
    });
  } catch (error) {
    if (error instanceof ProcessNotFoundError) return { found: false };
    throw error;
  }
}

const NO_FILES = (who: string): string => `No files are attached on this ${who}: it runs no files process`;

/** FileInfo (protobuf::createFileInfo) of a listing entry. */
export function fileInfoMessage(info: FileInfo): mesos.FileInfo.$Properties {
  return {
    path: info.path,
    nlink: info.nlink,
    size: info.size,
    mtime: { nanoseconds: info.mtime * 1e9 },
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
  };
}

/** Files::browse: the entries of a virtual directory, sorted by path. */
export async function listFiles(runtime: Runtime, path: string, who: string): Promise<FilesResult<mesos.FileInfo.$Properties[]>> {
  const result = await withFiles(runtime, (files) => files.list(path));
  if (!result.found) return failure(404, NO_FILES(who));
  if (!result.value.ok) return { ok: false, response: result.value.response };
  return { ok: true, value: result.value.files.map(fileInfoMessage) };
}

export interface ReadRequest {
  readonly path: string;
  /** Call.ReadFile.offset: a string in Mesos 1.0 (numify rules), default 0. */
  readonly offset?: string | null;
  /** Call.ReadFile.length: a string in Mesos 1.0, default to the end of the file. */
  readonly length?: string | null;
}

/**
 * Files::read as Mesos 1.1 defines it for the v1 API (1.0 declares the call
 * and its GetFileContents response but answers 501): from `offset`, at most
 * `length` bytes and never more than 16 pages; past the end gives no data.
 */
export async function readFile(runtime: Runtime, request: ReadRequest, who: string): Promise<FilesResult<Buffer>> {
  let offset = 0;
  if (has(request, 'offset')) {
    const text = request.offset ?? '';
    const parsed = parseInteger(text);
    if (parsed === undefined) return failure(400, `Failed to parse offset: Failed to convert '${text}' to number.\n`);
    if (parsed < 0) return failure(400, `Negative offset provided: ${parsed}.\n`);
    offset = parsed;
  }
  let length: number | undefined;
  if (has(request, 'length')) {
    const text = request.length ?? '';
    const parsed = parseInteger(text);
    if (parsed === undefined) return failure(400, `Failed to parse length: Failed to convert '${text}' to number.\n`);
    if (parsed < 0) return failure(400, `Negative length provided: ${parsed}.\n`);
    length = parsed;
  }
  const attached = await withFiles(runtime, (files) => Promise.resolve(files.attached()));
  if (!attached.found) return failure(404, NO_FILES(who));
  const resolved = await resolveVirtualPath(attached.value, request.path);
  if (resolved.kind === 'error') return failure(400, `${resolved.message}.\n`);
  if (resolved.kind === 'none') return failure(404, '');
  try {
    if ((await stat(resolved.path)).isDirectory()) return failure(400, 'Cannot read a directory.\n');
  } catch (error) {
    return failure(500, `Failed to open file at '${resolved.path}': ${strerror(error)}.\n`);
  }
  let handle: FileHandle;
  try {
    handle = await open(resolved.path, 'r');
  } catch (error) {
    return failure(500, `Failed to open file at '${resolved.path}': ${strerror(error)}.\n`);
  }
  try {
    const size = (await handle.stat()).size;
    if (offset >= size) return { ok: true, value: Buffer.alloc(0) };
    const wanted = Math.min(length ?? size - offset, MAX_READ_LENGTH);
    const buffer = Buffer.alloc(wanted);
    let filled = 0;
    while (filled < wanted) {
      const { bytesRead } = await handle.read(buffer, filled, wanted - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { ok: true, value: buffer.subarray(0, filled) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
