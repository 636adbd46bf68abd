// The `files` process (src/files/files.cpp): directories and files attached
// under virtual names, served read-only over HTTP.
//
//   /files/browse?path=P      JSON array of the entries of directory P
//   /files/read?path=P&offset=N&length=M
//                             {"data": "...", "offset": N}; offset -1 (or none)
//                             answers the size with no data; reads stop at 64 KB
//   /files/download?path=P    the raw bytes, as an attachment
//   /files/debug              JSON object: virtual name -> real path
//
// (each also as `<name>.json`, the deprecated 0.26 names Mesos 1.0 still serves).
//
// A virtual path resolves through the longest attached prefix; the rest is
// joined to the attached directory and canonicalized (realpath), and must stay
// inside it: `..` segments, `%2e%2e` (decoded with the query) and symlinks
// that lead out are refused with 400 "'<path>' is inaccessible.", as Mesos does.
// Mesos tests the canonical path with a plain string prefix (so `/a/b` would let
// `/a/bc` through); we require the attached directory itself or a path below it.
// Paths under no attached name answer 404.
//
// Mesos 1.0 attaches each executor sandbox under its own real path as the name
// (Slave: `files->attach(executor->directory, executor->directory)`), detaches it
// once the sandbox is garbage collected, and attaches the agent log as
// `/slave/log`.

import { constants as fsConstants, type Stats } from 'node:fs';
import { access, open, readFile, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { Process, type RouteHandler } from '../libprocess/process.js';
import type { Request, Response, StreamWriter } from '../libprocess/http/types.js';
import type { Runtime } from '../libprocess/runtime.js';
import { jsonResponse } from '../master/http/respond.js';
import { dbl, str } from '../master/http/writers.js';

/** os::pagesize() on Linux x86-64 / arm64 with 4 KB pages. */
export const PAGE_SIZE = 4096;
/** /files/read answers at most 16 pages. */
export const MAX_READ_LENGTH = 16 * PAGE_SIZE;
/** Downloads up to this size are read at once; larger ones are streamed. */
const DOWNLOAD_BUFFER_LIMIT = 1 << 20;
const DOWNLOAD_CHUNK = 64 * 1024;
const STREAM_HIGH_WATER = 1 << 20;

// ------------------------------------------------------------- resolution

export type Resolution =
  | { readonly kind: 'found'; readonly path: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly message: string };

/** path::join(a, b): one separator between them. */
function join2(a: string, b: string): string {
  return `${a.endsWith('/') ? a.slice(0, -1) : a}/${b.startsWith('/') ? b.slice(1) : b}`;
}

/** path::join over a list (tokens of a split path). */
function joinAll(tokens: readonly string[]): string {
  if (tokens.length === 0) return '';
  let result = tokens[0] as string;
  for (let i = 1; i < tokens.length; i++) result = join2(result, tokens[i] as string);
  return result;
}

/** Strips one trailing '/' (strings::remove(..., SUFFIX)). */
function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Whether canonical `path` is `root` or below it. */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}

const STRERROR: Readonly<Record<string, string>> = {
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EIO: 'Input/output error',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
};

/** The strerror text of a Node fs error. */
export function strerror(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && STRERROR[code] !== undefined) return STRERROR[code];
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** os::realpath: the canonical path, undefined when it does not exist. */
async function canonical(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * FilesProcess::resolve: the real path of virtual `path` under the attached
 * names `paths` (name -> canonical real path), by the longest attached prefix.
 */
export async function resolveVirtualPath(paths: ReadonlyMap<string, string>, path: string): Promise<Resolution> {
  const tokens = trimSlash(path).split('/');
  let suffix = '';
  while (tokens.length > 0) {
    const root = paths.get(joinAll(tokens));
    if (root === undefined) {
      const last = tokens.pop() as string;
      suffix = suffix === '' ? last : join2(last, suffix);
      continue;
    }
    if (!(await isDirectory(root))) {
      // A file is attached: only its own name resolves.
      return suffix === '' ? { kind: 'found', path: root } : { kind: 'none' };
    }
    const candidate = join2(root, suffix);
    let real: string | undefined;
    try {
      real = await canonical(candidate);
    } catch (error) {
      return { kind: 'error', message: `Failed to determine canonical path of '${candidate}': ${strerror(error)}` };
    }
    if (real === undefined) return { kind: 'none' };
    if (!isWithin(real, root)) return { kind: 'error', message: `'${candidate}' is inaccessible` };
    return { kind: 'found', path: real };
  }
  return { kind: 'none' };
}

// ------------------------------------------------------------- listing

/** The `ls -l` style mode text of model(FileInfo): type letter and rwx bits. */
export function modeString(mode: number): string {
  const type = mode & 0o170000;
  const letter =
    type === 0o100000 ? '-'
    : type === 0o040000 ? 'd'
    : type === 0o020000 ? 'c'
    : type === 0o060000 ? 'b'
    : type === 0o010000 ? 'p'
    : type === 0o120000 ? 'l'
    : type === 0o140000 ? 's'
    : '-';
  const bits = 'rwxrwxrwx';
  let out = letter;
  for (let i = 0; i < 9; i++) out += mode & (0o400 >> i) ? bits[i] : '-';
  return out;
}

/** uid/gid -> name from /etc/passwd and /etc/group (getpwuid/getgrgid), re-read when they change. */
class IdNames {
  private cache = new Map<string, { mtimeMs: number; names: Map<number, string> }>();

  async name(file: '/etc/passwd' | '/etc/group', id: number): Promise<string> {
    return (await this.table(file)).get(id) ?? String(id);
  }

  private async table(file: string): Promise<Map<number, string>> {
    let mtimeMs = -1;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      return new Map();
    }
    const cached = this.cache.get(file);
    if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached.names;
    const names = new Map<number, string>();
    try {
      for (const line of (await readFile(file, 'utf8')).split('\n')) {
        const fields = line.split(':');
        const id = Number(fields[2]);
        if (fields.length >= 3 && fields[0] !== '' && Number.isInteger(id) && !names.has(id)) names.set(id, fields[0] as string);
      }
    } catch {
      // An unreadable table: numeric ids.
    }
    this.cache.set(file, { mtimeMs, names });
    return names;
  }
}

export interface FileInfo {
  readonly path: string;
  readonly nlink: number;
  readonly size: number;
  /** Whole seconds since the epoch. */
  readonly mtime: number;
  readonly mode: number;
  readonly uid: string;
  readonly gid: string;
}

/** model(FileInfo): a JSON::Object, so keys sorted: gid, mode, mtime, nlink, path, size, uid. */
export function fileInfoJson(info: FileInfo): string {
  return (
    `{"gid":${str(info.gid)},"mode":${str(modeString(info.mode))},"mtime":${dbl(info.mtime)}` +
    `,"nlink":${info.nlink},"path":${str(info.path)},"size":${info.size},"uid":${str(info.uid)}}`
  );
}

// ------------------------------------------------------------- /files/read helpers

/**
 * numify<off_t> / numify<ssize_t>: a decimal integer with an optional sign, or
 * 0x-prefixed hexadecimal; undefined when it is not one (or overflows 64 bits).
 */
export function parseInteger(text: string): number | undefined {
  let value: bigint;
  if (/^[+-]?[0-9]+$/.test(text)) value = BigInt(text);
  else if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = BigInt(text);
  else return undefined;
  if (value > 0x7fffffffffffffffn || value < -0x8000000000000000n) return undefined;
  return Number(value);
}

const ESCAPED = (() => {
  const table: Array<Buffer | undefined> = new Array(256).fill(undefined);
  const set = (byte: number, text: string): void => {
    table[byte] = Buffer.from(text, 'latin1');
  };
  for (let c = 0; c < 0x20; c++) set(c, `\\u${c.toString(16).padStart(4, '0')}`);
  set(0x7f, '\\u007f');
  set(0x22, '\\"');
  set(0x5c, '\\\\');
  set(0x2f, '\\/');
  set(0x08, '\\b');
  set(0x0c, '\\f');
  set(0x0a, '\\n');
  set(0x0d, '\\r');
  set(0x09, '\\t');
  return table;
})();

/** The bytes of `data` as the inside of a JSON string, byte for byte as stout writes them (other bytes copied raw). */
export function jsonStringBytes(data: Buffer): Buffer {
  let extra = 0;
  for (const byte of data) {
    const escaped = ESCAPED[byte];
    if (escaped !== undefined) extra += escaped.length - 1;
  }
  if (extra === 0) return data;
  const out = Buffer.allocUnsafe(data.length + extra);
  let at = 0;
  for (const byte of data) {
    const escaped = ESCAPED[byte];
    if (escaped === undefined) out[at++] = byte;
    else at += escaped.copy(out, at);
  }
  return out;
}

function readJson(data: Buffer, offset: number, jsonp: string | null): Response {
  const json = Buffer.concat([Buffer.from('{"data":"'), jsonStringBytes(data), Buffer.from(`","offset":${offset}}`)]);
  if (jsonp === null) return { status: 200, headers: { 'Content-Type': 'application/json' }, body: json };
  return {
    status: 200,
    headers: { 'Content-Type': 'text/javascript' },
    body: Buffer.concat([Buffer.from(`${jsonp}(`), json, Buffer.from(');')]),
  };
}

// ------------------------------------------------------------- download helpers

/** Path::extension: from the last '.' of the basename ('.' and '..' have none). */
export function extensionOf(path: string): string | undefined {
  const base = basename(path);
  const index = base.lastIndexOf('.');
  if (base === '.' || base === '..' || index < 0) return undefined;
  return base.slice(index);
}

/** Path::basename (trailing slashes ignored). */
function basename(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** libprocess's mime::types (collected from Python's mimetypes table). */
const MIME_TYPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'application/octet-stream': '.obj .dll .so .exe .bin .o .a',
    'application/xml': '.wsdl .xpdl .rdf .xsl',
    'application/msword': '.doc .dot .wiz',
    'application/postscript': '.ai .ps .eps',
    'application/vnd.ms-powerpoint': '.pwz .ppt .pps .ppa .pot',
    'application/vnd.ms-excel': '.xlb .xls',
    'application/x-netcdf': '.cdf .nc',
    'application/x-pkcs12': '.p12 .pfx',
    'application/x-python-code': '.pyc .pyo',
    'application/x-texinfo': '.texinfo .texi',
    'application/x-troff': '.tr .t .roff',
    'audio/x-aiff': '.aif .aiff .aifc',
    'audio/basic': '.au .snd',
    'audio/mpeg': '.mp3 .mp2',
    'image/jpeg': '.jpe .jpg .jpeg',
    'image/tiff': '.tif .tiff',
    'message/rfc822': '.mht .nws .eml .mhtml',
    'text/html': '.html .htm',
    'text/plain': '.ksh .pl .bat .h .c .txt',
    'text/x-sgml': '.sgm .sgml',
    'video/mpeg': '.m1v .mpeg .mpa .mpg .mpe',
    'video/quicktime': '.mov .qt',
    'audio/x-pn-realaudio': '.ra',
    'image/x-cmu-raster': '.ras',
    'application/x-pn-realaudio': '.ram',
    'application/x-bcpio': '.bcpio',
    'application/x-sh': '.sh',
    'image/x-xwindowdump': '.xwd',
    'image/x-ms-bmp': '.bmp',
    'application/x-shar': '.shar',
    'application/x-javascript': '.js',
    'application/x-wais-source': '.src',
    'application/x-dvi': '.dvi',
    'text/css': '.css',
    'application/x-csh': '.csh',
    'application/pdf': '.pdf',
    'text/x-python': '.py',
    'text/xml': '.xml',
    'application/x-gtar': '.gtar',
    'image/x-xpixmap': '.xpm',
    'application/x-hdf': '.hdf',
    'text/tab-separated-values': '.tsv',
    'application/pkcs7-mime': '.p7c',
    'image/ief': '.ief',
    'image/x-portable-bitmap': '.pbm',
    'application/x-tex': '.tex',
    'text/richtext': '.rtx',
    'application/x-ustar': '.ustar',
    'image/gif': '.gif',
    'image/x-portable-pixmap': '.ppm',
    'application/x-latex': '.latex',
    'application/x-sv4cpio': '.sv4cpio',
    'application/x-tcl': '.tcl',
    'audio/x-wav': '.wav',
    'text/x-vcard': '.vcf',
    'image/x-xbitmap': '.xbm',
    'application/oda': '.oda',
    'application/x-troff-ms': '.ms',
    'image/x-rgb': '.rgb',
    'application/x-troff-me': '.me',
    'application/x-sv4crc': '.sv4crc',
    'video/x-msvideo': '.avi',
    'image/x-portable-graymap': '.pgm',
    'application/x-mif': '.mif',
    'application/x-troff-man': '.man',
    'text/x-setext': '.etx',
    'application/zip': '.zip',
    'video/x-sgi-movie': '.movie',
    'image/png': '.png',
    'application/x-tar': '.tar',
    'image/x-portable-anymap': '.pnm',
    'application/x-cpio': '.cpio',
    'application/x-shockwave-flash': '.swf',
    'video/mp4': '.mp4',
  }).flatMap(([type, extensions]) => extensions.split(' ').map((extension): [string, string] => [extension, type])),
);

export function mimeType(extension: string | undefined): string | undefined {
  return extension === undefined ? undefined : MIME_TYPES.get(extension);
}

/** Writes an open file to a chunked response, waiting while the peer is slow. */
async function pump(handle: FileHandle, writer: StreamWriter): Promise<void> {
  let closed = false;
  void writer.closed.then(() => (closed = true));
  try {
    const buffer = Buffer.allocUnsafe(DOWNLOAD_CHUNK);
    for (;;) {
      if (closed) return;
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      writer.write(Buffer.from(buffer.subarray(0, bytesRead)));
      while (!closed && writer.pending >= STREAM_HIGH_WATER) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await handle.close().catch(() => undefined);
    writer.close();
  }
}

// ------------------------------------------------------------- the process

const BAD_PATH = "Expecting 'path=value' in query.\n";

const HELP = {
  browse: 'Returns a file listing for a directory. Query parameters: path=VALUE, the path of the directory to browse.',
  read:
    'Reads data from a file at a given offset and for a given length. Query parameters: path=VALUE, ' +
    'offset=VALUE (-1 or none: answer the size), length=VALUE (-1 or none: to the end, at most 64 KB).',
  download: 'Returns the raw file contents for a given path. Query parameters: path=VALUE.',
  debug: 'Returns the internal virtual path mapping as a JSON object.',
} as const;

function textResponse(status: number, body: string): Response {
  return body === '' ? { status, body: '' } : { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}

export class FilesProcess extends Process {
  /** Virtual name -> canonical real path. */
  private readonly paths = new Map<string, string>();
  private readonly ids = new IdNames();

  constructor() {
    super('files');
  }

  protected override initialize(): void {
    const routes: Array<[string, RouteHandler, string]> = [
      ['/browse', (request) => this.browse(request), HELP.browse],
      ['/read', (request) => this.read(request), HELP.read],
      ['/download', (request) => this.download(request), HELP.download],
      ['/debug', (request) => this.debug(request), HELP.debug],
    ];
    for (const [path, handler, help] of routes) {
      this.route(`${path}.json`, handler, { help });
      this.route(path, handler, { help });
    }
  }

  /**
   * Makes `path` (canonicalized now) visible as `name` (one trailing '/'
   * dropped), replacing an earlier attachment of that name. Rejects when the
   * path does not exist or cannot be read.
   */
  attach(path: string, name: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.defer(checkedRealpath(path), (result) => {
        if (!result.ok) {
          reject(result.error instanceof Error ? result.error : new Error(String(result.error)));
          return;
        }
        this.paths.set(trimSlash(name), result.value);
        resolve();
      });
    });
  }

  detach(name: string): void {
    this.paths.delete(name);
  }

  /** The attached names and their real paths. */
  attached(): ReadonlyMap<string, string> {
    return new Map(this.paths);
  }

  /** Files::browse: the entries of virtual directory `path`, sorted by path. */
  async list(path: string): Promise<{ ok: true; files: FileInfo[] } | { ok: false; response: Response }> {
    const resolved = await resolveVirtualPath(this.attached(), path);
    if (resolved.kind === 'error') return { ok: false, response: textResponse(400, `${resolved.message}.\n`) };
    if (resolved.kind === 'none') return { ok: false, response: textResponse(404, '') };
    let names: string[];
    try {
      names = await readdir(resolved.path);
    } catch {
      names = [];
    }
    const entries: Array<{ full: string; info: FileInfo }> = [];
    for (const name of names) {
      const full = join2(resolved.path, name);
      let stats: Stats;
      try {
        stats = await stat(full);
      } catch {
        continue;
      }
      entries.push({ full, info: await this.fileInfo(join2(path, name), stats) });
    }
    entries.sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));
    return { ok: true, files: entries.map((entry) => entry.info) };
  }

  private async fileInfo(path: string, stats: Stats): Promise<FileInfo> {
    return {
      path,
      nlink: stats.nlink,
      size: stats.size,
      mtime: Math.floor(stats.mtimeMs / 1000),
      mode: stats.mode,
      uid: await this.ids.name('/etc/passwd', stats.uid),
      gid: await this.ids.name('/etc/group', stats.gid),
    };
  }

  private async browse(request: Request): Promise<Response> {
    const path = request.query.get('path');
    if (path === null || path === '') return textResponse(400, BAD_PATH);
    const result = await this.list(path);
    if (!result.ok) return result.response;
    return jsonResponse(`[${result.files.map(fileInfoJson).join(',')}]`, request);
  }

  private async read(request: Request): Promise<Response> {
    const path = request.query.get('path');
    if (path === null || path === '') return textResponse(400, BAD_PATH);
    let offset = -1;
    const offsetText = request.query.get('offset');
    if (offsetText !== null) {
      const parsed = parseInteger(offsetText);
      if (parsed === undefined) return textResponse(400, `Failed to parse offset: Failed to convert '${offsetText}' to number.\n`);
      offset = parsed;
    }
    let length: number | undefined;
    const lengthText = request.query.get('length');
    if (lengthText !== null) {
      const parsed = parseInteger(lengthText);
      if (parsed === undefined) return textResponse(400, `Failed to parse length: Failed to convert '${lengthText}' to number.\n`);
      if (parsed < -1) return textResponse(400, `Negative length provided: ${parsed}.\n`);
      if (parsed > -1) length = parsed;
    }
    const jsonp = request.query.get('jsonp');

    const resolved = await resolveVirtualPath(this.attached(), path);
    if (resolved.kind === 'error') return textResponse(400, `${resolved.message}.\n`);
    if (resolved.kind === 'none') return textResponse(404, '');
    if (await isDirectory(resolved.path)) return textResponse(400, 'Cannot read a directory.\n');

    let handle: FileHandle;
    try {
      handle = await open(resolved.path, 'r');
    } catch (error) {
      return textResponse(500, `Failed to open file at '${resolved.path}': ${strerror(error)}.\n`);
    }
    try {
      const size = (await handle.stat()).size;
      if (offset === -1) offset = size;
      // A length past the end (or a negative size - offset, read unsigned) is capped like any other.
      let toRead = length ?? size - offset;
      if (toRead < 0 || toRead > MAX_READ_LENGTH) toRead = MAX_READ_LENGTH;
      if (offset >= size) return readJson(Buffer.alloc(0), size, jsonp);
      if (offset < 0) return textResponse(500, `Failed to seek file at '${resolved.path}': Invalid argument`);
      const buffer = Buffer.alloc(toRead);
      let filled = 0;
      while (filled < toRead) {
        const { bytesRead } = await handle.read(buffer, filled, toRead - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return readJson(buffer.subarray(0, filled), offset, jsonp);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private async download(request: Request): Promise<Response> {
    const path = request.query.get('path');
    if (path === null || path === '') return textResponse(400, BAD_PATH);
    const resolved = await resolveVirtualPath(this.attached(), path);
    if (resolved.kind === 'error') return textResponse(400, `${resolved.message}.\n`);
    if (resolved.kind === 'none') return textResponse(404, '');
    if (await isDirectory(resolved.path)) return textResponse(400, 'Cannot download a directory.\n');

    const headers: Record<string, string> = {
      'Content-Type': mimeType(extensionOf(resolved.path)) ?? 'application/octet-stream',
      'Content-Disposition': `attachment; filename=${basename(resolved.path)}`,
    };
    let handle: FileHandle;
    try {
      handle = await open(resolved.path, 'r');
    } catch (error) {
      // How libprocess answers a PATH response whose file cannot be opened.
      const code = errorCode(error);
      return textResponse(code === 'ENOENT' || code === 'ENOTDIR' ? 404 : 500, '');
    }
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch {
      await handle.close().catch(() => undefined);
      return textResponse(500, '');
    }
    if (size <= DOWNLOAD_BUFFER_LIMIT) {
      try {
        return { status: 200, headers, body: await handle.readFile() };
      } finally {
        await handle.close().catch(() => undefined);
      }
    }
    const open_ = handle;
    return { status: 200, headers, body: (writer) => void pump(open_, writer) };
  }

  private debug(request: Request): Response {
    const names = [...this.paths.keys()].sort();
    const fields = names.map((name) => `${str(name)}:${str(this.paths.get(name) ?? '')}`);
    return jsonResponse(`{${fields.join(',')}}`, request);
  }
}

/** attach()'s checks: the path exists (canonicalized) and is readable. */
async function checkedRealpath(path: string): Promise<string> {
  let real: string | undefined;
  try {
    real = await canonical(path);
  } catch (error) {
    throw new Error(`Failed to get realpath of '${path}': ${strerror(error)}`);
  }
  if (real === undefined) throw new Error(`Failed to get realpath of '${path}': No such file or directory`);
  try {
    await access(real, fsConstants.R_OK);
  } catch (error) {
    throw new Error(`Failed to access '${path}': ${errorCode(error) === 'EACCES' ? 'Access denied' : strerror(error)}`);
  }
  return real;
}

/**
 * The files process as the agent uses it (Mesos's `Files`): calls are
 * dispatched into the process. attach() rejects when the path cannot be
 * attached (Mesos logs that and goes on); the others never reject.
 */
export class Files {
  readonly process: FilesProcess;

  constructor(private readonly runtime: Runtime) {
    this.process = new FilesProcess();
    runtime.spawn(this.process);
  }

  attach(path: string, name: string): Promise<void> {
    return this.runtime.dispatch(this.process, (files) => files.attach(path, name));
  }

  detach(name: string): void {
    this.runtime.dispatch(this.process, (files) => files.detach(name)).catch(() => undefined);
  }

  /** The listing of a virtual directory (the v1 API's LIST_FILES uses it). */
  async browse(path: string): Promise<FileInfo[] | undefined> {
    try {
      const result = await this.runtime.dispatch(this.process, (files) => files.list(path));
      return result.ok ? result.files : undefined;
    } catch {
      return undefined;
    }
  }

  terminate(): void {
    if (this.runtime.exists(this.process.self)) this.runtime.terminate(this.process);
  }
}
