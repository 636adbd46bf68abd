// HTTP response bytes, shaped like libprocess 1.0's HttpResponseEncoder
// (3rdparty/libprocess/src/encoder.hpp) and HttpProxy streaming
// (3rdparty/libprocess/src/process.cpp):
//
// - the status line is always `HTTP/1.1 <code> <reason>` whatever the request
//   version, with libprocess's reason phrases (3rdparty/libprocess/src/http.cpp);
// - a `Date` header is always added (RFC 1123 format, GMT);
// - a complete body gets `Content-Length` (also `Content-Length: 0` when there
//   is no body);
// - a streamed body gets `Transfer-Encoding: chunked`, each piece framed as
//   `<hex size>\r\n<data>\r\n`, ended by `0\r\n\r\n`.
//
// Where we differ from libprocess (which never writes a Connection header and
// just closes the socket): we add `Connection: close` when the connection will
// close, and `Connection: keep-alive` when an HTTP/1.0 client asked for it, so
// clients need not guess. Caller headers keep their order and come first.
// See docs/wire-protocol.md.

import { STATUS_CODES } from 'node:http';

/** Reason phrases exactly as libprocess 1.0 spells them (http.cpp `statuses`). */
export const REASONS: ReadonlyMap<number, string> = new Map([
  [100, 'Continue'],
  [101, 'Switching Protocols'],
  [200, 'OK'],
  [201, 'Created'],
  [202, 'Accepted'],
  [203, 'Non-Authoritative Information'],
  [204, 'No Content'],
  [205, 'Reset Content'],
  [206, 'Partial Content'],
  [300, 'Multiple Choices'],
  [301, 'Moved Permanently'],
  [302, 'Found'],
  [303, 'See Other'],
  [304, 'Not Modified'],
  [305, 'Use Proxy'],
  [307, 'Temporary Redirect'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Time-out'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Request Entity Too Large'],
  [414, 'Request-URI Too Large'],
  [415, 'Unsupported Media Type'],
  [416, 'Requested range not satisfiable'],
  [417, 'Expectation Failed'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Time-out'],
  [505, 'HTTP Version not supported'],
]);

export interface ResponseEncodeOptions {
  /** The request's HTTP minor version (0 or 1). */
  minorVersion: 0 | 1;
  /** Whether the connection stays open after this response. */
  keepAlive: boolean;
  /** Clock for the Date header, ms since the epoch (default `Date.now()`); tests pin it. */
  now?: number;
  /** Send the head only (a response to HEAD): Content-Length still describes the body. */
  omitBody?: boolean;
}

/** `<code> <reason>`; codes libprocess does not name fall back to Node's phrase, else none. */
export function statusText(status: number): string {
  const reason = REASONS.get(status) ?? STATUS_CODES[status] ?? '';
  return `${status} ${reason}`;
}

let dateSecond = -1;
let dateText = '';

/** RFC 1123 date (`Sun, 06 Nov 1994 08:49:37 GMT`), computed once per second. */
export function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** Whether the connection persists after the response (libprocess SocketManager::send). */
export function persists(keepAlive: boolean, headers: Record<string, string> | undefined): boolean {
  if (!keepAlive || headers === undefined) return keepAlive;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === 'connection' && headers[key]?.trim().toLowerCase() === 'close') return false;
  }
  return true;
}

// Headers the encoder owns: caller values for these are dropped.
const OWNED = new Set(['content-length', 'transfer-encoding', 'date']);

function checkHeader(name: string, value: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 58) throw new Error(`invalid response header name '${name}'`);
  }
  if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
    throw new Error(`response header '${name}' contains a line break`);
  }
}

/** Status line plus caller headers plus Date and Connection, without the final CRLF. */
function headLines(
  status: number,
  headers: Record<string, string> | undefined,
  opts: ResponseEncodeOptions,
): string {
  let out = `HTTP/1.1 ${statusText(status)}\r\n`;
  let hasConnection = false;
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (OWNED.has(lower)) continue;
      checkHeader(name, value);
      if (lower === 'connection') hasConnection = true;
      out += `${name}: ${value}\r\n`;
    }
  }
  out += `Date: ${httpDate(opts.now ?? Date.now())}\r\n`;
  if (!hasConnection) {
    if (!opts.keepAlive) out += 'Connection: close\r\n';
    else if (opts.minorVersion === 0) out += 'Connection: keep-alive\r\n';
  }
  return out;
}

/** A complete response with a Content-Length body. Throws on header values with line breaks. */
export function encodeResponse(
  status: number,
  headers: Record<string, string> | undefined,
  body: Buffer | string | undefined,
  opts: ResponseEncodeOptions,
): Buffer {
  const bytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const head = `${headLines(status, headers, opts)}Content-Length: ${bytes}\r\n\r\n`;
  const headLen = Buffer.byteLength(head, 'utf8');
  const sendBody = bytes > 0 && opts.omitBody !== true;
  const out = Buffer.allocUnsafe(headLen + (sendBody ? bytes : 0));
  out.write(head, 0, 'utf8');
  if (sendBody && body !== undefined) {
    if (typeof body === 'string') out.write(body, headLen, 'utf8');
    else body.copy(out, headLen);
  }
  return out;
}

/** Bodies at least this large are written after their head instead of copied behind it. */
export const ZERO_COPY_BYTES = 16 * 1024;

const CRLF_BYTES = Buffer.from('\r\n', 'latin1');

/**
 * A complete response as buffers to write in order: one buffer for small
 * bodies (one write), head and body apart for large Buffer bodies so the body
 * is never copied.
 */
export function encodeResponseParts(
  status: number,
  headers: Record<string, string> | undefined,
  body: Buffer | string | undefined,
  opts: ResponseEncodeOptions,
): Buffer[] {
  if (!Buffer.isBuffer(body) || body.length < ZERO_COPY_BYTES || opts.omitBody === true) {
    return [encodeResponse(status, headers, body, opts)];
  }
  const head = `${headLines(status, headers, opts)}Content-Length: ${body.length}\r\n\r\n`;
  return [Buffer.from(head, 'utf8'), body];
}

/** One chunk as buffers to write in order; large data is not copied (see ZERO_COPY_BYTES). */
export function encodeChunkParts(data: Buffer): Buffer[] {
  const n = data.length;
  if (n === 0) return [];
  if (n < ZERO_COPY_BYTES) return [encodeChunk(data)];
  return [Buffer.from(`${n.toString(16)}\r\n`, 'latin1'), data, CRLF_BYTES];
}

/** The head of a streamed response: `Transfer-Encoding: chunked`, no Content-Length. */
export function encodeChunkedHead(
  status: number,
  headers: Record<string, string> | undefined,
  opts: ResponseEncodeOptions,
): Buffer {
  return Buffer.from(`${headLines(status, headers, opts)}Transfer-Encoding: chunked\r\n\r\n`, 'utf8');
}

/**
 * One chunk: `<hex size>\r\n<data>\r\n`. Empty data gives an empty Buffer
 * (a zero-size chunk would end the stream; use LAST_CHUNK for that).
 */
export function encodeChunk(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const n = bytes.length;
  if (n === 0) return Buffer.alloc(0);
  const size = `${n.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + n + 2);
  out.write(size, 0, 'latin1');
  bytes.copy(out, size.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** The terminating zero-size chunk (no trailers). Shared: never write into it. */
export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n', 'latin1');
