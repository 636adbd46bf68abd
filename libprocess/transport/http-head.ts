// Request-head pieces for the HTTP parser (http-parser.ts): the header-block
// parser, the read-only header map, and the Content-Length, Transfer-Encoding
// and Connection rules. Pure functions over latin1 strings.

import type { ParseErrorCode } from './types.js';

const SP = 32;
const HTAB = 9;

/** Carries a parse failure out of the head/chunk helpers to `feed`. */
export class Failure {
  constructor(
    readonly code: ParseErrorCode,
    readonly message: string,
  ) {}
}


/**
 * Header names real peers send, in the spellings they send them, mapped to
 * their lower-case form. A hit skips `toLowerCase()` and yields an interned
 * string; a miss falls back to `toLowerCase()`.
 */
const KNOWN_NAMES = new Map<string, string>();
for (const name of [
  'User-Agent',
  'Libprocess-From',
  'Connection',
  'Host',
  'Transfer-Encoding',
  'Content-Length',
  'Content-Type',
  'Content-Encoding',
  'Accept',
  'Accept-Encoding',
  'Authorization',
  'Date',
  'Expect',
]) {
  KNOWN_NAMES.set(name, name.toLowerCase());
  KNOWN_NAMES.set(name.toLowerCase(), name.toLowerCase());
}

/** RFC 7230 `tchar` membership, indexed by char code (< 128). */
const TCHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  TCHAR[c] = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(ch) ? 1 : 0;
}

export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return false;
  }
  return true;
}

/**
 * Request headers as handed to consumers: a Map that is read-only once the
 * parser has filled it (set/delete/clear throw). Requests whose header block
 * is byte-identical to the previous request's on the same connection share
 * one instance, so nobody may mutate it; copy it (`new Map(h)`) to edit.
 */
export class RequestHeaders extends Map<string, string> {
  private sealed = false;

  /** Makes the map read-only; returns it. */
  seal(): this {
    this.sealed = true;
    return this;
  }

  override set(key: string, value: string): this {
    if (this.sealed) throw new TypeError('parsed request headers are read-only');
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (this.sealed) throw new TypeError('parsed request headers are read-only');
    return super.delete(key);
  }

  override clear(): void {
    if (this.sealed) throw new TypeError('parsed request headers are read-only');
    super.clear();
  }
}

/** What a header block says, besides the headers themselves. */
export interface HeaderInfo {
  headers: RequestHeaders;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Whether the connection persists for an HTTP/1.0 and an HTTP/1.1 request line. */
  keepAlive10: boolean;
  keepAlive11: boolean;
  gzip: boolean;
}


/** Parses header lines `s[p..]` (CRLF-separated, no final empty line). */
export function parseHeaderBlock(s: string, start: number): HeaderInfo {
  const n = s.length;
  const headers = new RequestHeaders();
  let contentLength = -1;
  let chunked = false;
  let connection: string | undefined;

  let p = start;
  while (p < n) {
    let lineEnd = s.indexOf('\r\n', p);
    if (lineEnd < 0) lineEnd = n;
    const colon = s.indexOf(':', p);
    if (colon < 0 || colon >= lineEnd) {
      throw new Failure('bad_header', 'header line without a colon');
    }
    const rawName = s.slice(p, colon);
    let name = KNOWN_NAMES.get(rawName);
    if (name === undefined) {
      if (!isToken(rawName)) throw new Failure('bad_header', 'malformed header name');
      name = rawName.toLowerCase();
    }
    let vs = colon + 1;
    let ve = lineEnd;
    while (vs < ve) {
      const c = s.charCodeAt(vs);
      if (c !== SP && c !== HTAB) break;
      vs++;
    }
    while (ve > vs) {
      const c = s.charCodeAt(ve - 1);
      if (c !== SP && c !== HTAB) break;
      ve--;
    }
    const value = s.slice(vs, ve);
    // A CR or LF inside a line means bare line breaks.
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      throw new Failure('bad_header', 'bare CR or LF in header value');
    }

    if (name === 'content-length') {
      const v = parseContentLength(value);
      if (contentLength >= 0 && v !== contentLength) {
        throw new Failure('bad_content_length', 'conflicting Content-Length headers');
      }
      contentLength = v;
    } else if (name === 'transfer-encoding') {
      chunked = parseTransferEncoding(value, chunked);
    } else if (name === 'connection') {
      connection = connection === undefined ? value : connection + ', ' + value;
    }

    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : prev + ', ' + value);
    p = lineEnd + 2;
  }

  if (chunked && contentLength >= 0) {
    // RFC 7230 section 3.3.3 lets TE override CL, but the pair is the classic
    // request-smuggling shape; http-parser 2.6.2 (Mesos 1.0) rejects it too.
    throw new Failure('bad_content_length', 'both Transfer-Encoding: chunked and Content-Length');
  }
  return {
    headers: headers.seal(),
    contentLength,
    chunked,
    keepAlive10: connection === undefined ? false : keepAliveFrom(connection, 0),
    keepAlive11: connection === undefined ? true : keepAliveFrom(connection, 1),
    gzip: headers.get('content-encoding') === 'gzip',
  };
}


/** Parses a Content-Length value: digits, or a list of identical digit strings. */
function parseContentLength(value: string): number {
  const n = value.length;
  if (n > 0 && n <= 15 && value.indexOf(',') < 0) {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) throw new Failure('bad_content_length', 'non-numeric Content-Length');
      v = v * 10 + (c - 48);
    }
    return v;
  }
  if (value.indexOf(',') >= 0) {
    let v = -1;
    for (const item of value.split(',')) {
      const x = parseContentLength(item.trim());
      if (v >= 0 && x !== v) throw new Failure('bad_content_length', 'conflicting Content-Length values');
      v = x;
    }
    return v;
  }
  throw new Failure('bad_content_length', n === 0 ? 'empty Content-Length' : 'Content-Length too long');
}

/** Folds one Transfer-Encoding header into the chunked flag; only `chunked` (and `identity`) are supported. */
function parseTransferEncoding(value: string, chunkedSoFar: boolean): boolean {
  let chunked = chunkedSoFar;
  for (const raw of value.split(',')) {
    const coding = raw.trim().toLowerCase();
    if (coding === '' || coding === 'identity') continue;
    if (coding === 'chunked' && !chunked) {
      chunked = true;
      continue;
    }
    throw new Failure('unsupported_transfer_encoding', `unsupported Transfer-Encoding '${value}'`);
  }
  return chunked;
}

/** keep-alive from a Connection header value (a comma list, case-insensitive). */
function keepAliveFrom(connection: string, minor: 0 | 1): boolean {
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive') return true;
  if (lower === 'close') return false;
  let keep = minor === 1;
  for (const raw of lower.split(',')) {
    const token = raw.trim();
    if (token === 'close') return false;
    if (token === 'keep-alive') keep = true;
  }
  return keep;
}
