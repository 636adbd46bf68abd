// Incremental HTTP/1.0 and HTTP/1.1 request parser: a pure state machine over
// Buffers, no sockets. It is the inbound hot path of the transport (every
// libprocess message is one HTTP request), so it scans with native `indexOf`
// and `compare`, decodes a request head once as latin1, hands out bodies as
// `subarray` views when a body lies inside one fed chunk, and remembers the
// previous header block: a libprocess peer repeats its headers byte for byte
// on every message, so a repeat costs one compare instead of a parse (and the
// requests share one read-only RequestHeaders map).
//
// Ownership: `feed(chunk)` takes the chunk over. Bodies, partial heads and the
// last request line may be views into it, so the caller must not write into a
// chunk after feeding it. Chunks from a `net.Socket` 'data' event are freshly
// allocated per read and never reused by Node, so they are safe to feed as-is;
// a socket read with the `onread` option (one reused buffer) must be copied
// first. A body view keeps its whole chunk alive while the body is referenced.
//
// Callbacks run synchronously inside `feed`; `feed` is not re-entrant, and an
// exception thrown by `onRequest` propagates out of `feed` (treat it as fatal
// for the connection: the rest of that chunk is not parsed).
//
// See docs/wire-protocol.md for the framings accepted and the error mapping.

import { gunzipSync } from 'node:zlib';

import { Failure, type HeaderInfo, RequestHeaders, isToken, parseHeaderBlock } from './http-head.js';
import type { ParseError, ParseErrorCode, ParsedRequest, ParserLimits } from './types.js';
import { DEFAULT_LIMITS } from './types.js';

export { RequestHeaders } from './http-head.js';

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const SEMI = 59;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** Longest chunk-size line (digits, extensions, CRLF) we accept. */
const MAX_CHUNK_LINE = 4096;
/** Longest request line the fast path scans for before giving up. */
const MAX_FAST_LINE = 8192;

// Parser states (plain numbers: const enums do not survive isolatedModules).
const S_HEAD = 0;
const S_BODY = 1; // Content-Length body
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_DATA_END = 4; // the CRLF after a chunk's data
const S_TRAILERS = 5;
const S_FAILED = 6;

/** Status sent with each error code before the connection is closed. */
const STATUS: Record<ParseErrorCode, number> = {
  bad_request_line: 400,
  bad_header: 400,
  headers_too_large: 431,
  body_too_large: 413,
  bad_chunk: 400,
  bad_content_length: 400,
  unsupported_transfer_encoding: 501,
  bad_content_encoding: 400,
};

/** Value of a hex digit char code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export class RequestParser {
  private state = S_HEAD;

  // Partial head kept between feeds: the pieces, their total length, and how
  // many bytes of "\r\n\r\n" the pieces end with (0..3).
  private headParts: Buffer[] = [];
  private headLen = 0;
  private headMatch = 0;

  // The previous request on this connection, to skip re-parsing repeats:
  // its request line (method, url and minorVersion below still hold what it
  // parsed to), its header block (without the final CRLFCRLF), and what that
  // block parsed to.
  private lastLine: Buffer | null = null;
  private lastBlock: Buffer | null = null;
  private lastInfo: HeaderInfo | null = null;

  // The request being read.
  private method = '';
  private url = '';
  private minorVersion: 0 | 1 = 1;
  private info: HeaderInfo | null = null;

  // Body pieces (views into fed chunks) and their total length.
  // The first piece is kept apart so the usual one-piece body needs no array.
  private bodyFirst: Buffer | null = null;
  private bodyMore: Buffer[] | null = null;
  private bodyLen = 0;
  /** Bytes still expected: of the Content-Length body, or of the current chunk. */
  private remaining = 0;

  // A partial chunk-size or trailer line kept between feeds.
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  /** Bytes of the CRLF after chunk data already seen (0 or 1). */
  private crlfSeen = 0;
  private trailerBytes = 0;

  constructor(
    private readonly limits: ParserLimits,
    private readonly onRequest: (r: ParsedRequest) => void,
    private readonly onError: (e: ParseError) => void,
  ) {}

  /** True once an error has been reported; later input is ignored. */
  get failed(): boolean {
    return this.state === S_FAILED;
  }

  /** True when no request is partially read (a clean point to close). */
  get idle(): boolean {
    return this.state === S_HEAD && this.headLen === 0;
  }

  /** Consumes bytes; calls onRequest per complete request and onError at most once. */
  feed(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    try {
      while (pos < len) {
        switch (this.state) {
          case S_HEAD:
            pos = this.readHead(chunk, pos);
            break;
          case S_BODY:
            pos = this.readBody(chunk, pos);
            break;
          case S_CHUNK_SIZE:
            pos = this.readChunkSize(chunk, pos);
            break;
          case S_CHUNK_DATA:
            pos = this.readChunkData(chunk, pos);
            break;
          case S_CHUNK_DATA_END:
            pos = this.readChunkDataEnd(chunk, pos);
            break;
          case S_TRAILERS:
            pos = this.readTrailer(chunk, pos);
            break;
          default:
            return; // S_FAILED: stop consuming.
        }
      }
    } catch (e) {
      if (e instanceof Failure) {
        this.fail(e.code, e.message);
        return;
      }
      throw e;
    }
  }

  private fail(code: ParseErrorCode, message: string): void {
    this.state = S_FAILED;
    this.headParts = [];
    this.bodyFirst = null;
    this.bodyMore = null;
    this.lineParts = [];
    this.info = null;
    this.onError({ code, message, status: STATUS[code] });
  }

  // --- head -------------------------------------------------------------

  private readHead(chunk: Buffer, start: number): number {
    const len = chunk.length;
    let pos = start;
    let end = -1; // index in `chunk` just past the terminating CRLFCRLF

    if (this.headLen === 0) {
      // Tolerate empty lines before a request line (RFC 7230 section 3.5).
      let c = chunk[pos];
      while (c === CR || c === LF) c = chunk[++pos];
      if (pos >= len) return len;
      const fast = this.fastHead(chunk, pos);
      if (fast > 0) return fast;
      const i = chunk.indexOf(CRLFCRLF, pos);
      if (i >= 0) {
        if (i + 4 - pos > this.limits.maxHeaderBytes) {
          throw new Failure('headers_too_large', 'request head exceeds limit');
        }
        this.parseHead(chunk, pos, i);
        return i + 4;
      }
    } else {
      // Finish a "\r\n\r\n" that began in earlier pieces.
      let m = this.headMatch;
      const stop = Math.min(len, pos + 3);
      for (let j = pos; j < stop && m > 0; j++) {
        m = nextMatch(m, chunk[j] ?? 0);
        if (m === 4) {
          end = j + 1;
          break;
        }
      }
      if (end < 0) {
        const i = chunk.indexOf(CRLFCRLF, pos);
        if (i >= 0) end = i + 4;
      }
    }

    if (end < 0) {
      // Head continues in a later chunk.
      const part = chunk.subarray(pos);
      this.headLen += part.length;
      if (this.headLen > this.limits.maxHeaderBytes) {
        throw new Failure('headers_too_large', 'request head exceeds limit');
      }
      this.headMatch = tailMatch(this.headMatch, part);
      this.headParts.push(part);
      return len;
    }

    const total = this.headLen + (end - pos);
    if (total > this.limits.maxHeaderBytes) {
      throw new Failure('headers_too_large', 'request head exceeds limit');
    }
    this.headParts.push(chunk.subarray(pos, end));
    const head = Buffer.concat(this.headParts, total);
    this.headParts = [];
    this.headLen = 0;
    this.headMatch = 0;
    this.parseHead(head, 0, total - 4);
    return end;
  }

  /**
   * Fast path for the common case of a libprocess peer: the header block
   * repeats the previous request's byte for byte and only the request line
   * may differ (another message name). One pass over the request line, one
   * compare of the block, no search for CRLFCRLF and no header parsing.
   * Returns the position after the head, or 0 to take the general path
   * (which also reports any error).
   */
  private fastHead(chunk: Buffer, pos: number): number {
    const block = this.lastBlock;
    const info = this.lastInfo;
    if (block === null || info === null) return 0;
    const len = chunk.length;
    const limit = Math.min(len, pos + MAX_FAST_LINE);
    // One pass over the request line: find its end and its two spaces, and
    // compare it with the previous request line on the way.
    const line = this.lastLine;
    const lineLen = line === null ? -1 : line.length;
    let same = line !== null;
    let sp1 = -1;
    let sp2 = -1;
    let i = pos;
    for (; i < limit; i++) {
      const c = chunk[i] ?? 0;
      if (c <= SP || c === 127) {
        if (c !== SP || sp2 >= 0) break;
        if (sp1 < 0) sp1 = i;
        else sp2 = i;
      }
      if (same && (i - pos >= lineLen || line?.[i - pos] !== c)) same = false;
    }
    const eol = i;
    const end = eol + 2 + block.length;
    if (
      end + 4 > len ||
      chunk[eol] !== CR ||
      chunk[eol + 1] !== LF ||
      chunk[end] !== CR ||
      chunk[end + 1] !== LF ||
      chunk[end + 2] !== CR ||
      chunk[end + 3] !== LF ||
      end + 4 - pos > this.limits.maxHeaderBytes ||
      block.compare(chunk, eol + 2, end) !== 0
    ) {
      return 0;
    }
    if (!same || lineLen !== eol - pos) {
      // A new request line: exactly `METHOD SP target SP HTTP/1.d`.
      if (
        sp1 <= pos ||
        sp2 !== eol - 9 ||
        sp2 === sp1 + 1 ||
        chunk[sp2 + 1] !== 72 || // H
        chunk[sp2 + 2] !== 84 || // T
        chunk[sp2 + 3] !== 84 || // T
        chunk[sp2 + 4] !== 80 || // P
        chunk[sp2 + 5] !== 47 || // /
        chunk[sp2 + 6] !== 49 || // 1
        chunk[sp2 + 7] !== 46 // .
      ) {
        return 0;
      }
      const minorChar = chunk[eol - 1] ?? 0;
      if (minorChar < 48 || minorChar > 57) return 0;
      let method = 'POST';
      if (sp1 - pos !== 4 || chunk[pos] !== 80 || chunk[pos + 1] !== 79 || chunk[pos + 2] !== 83 || chunk[pos + 3] !== 84) {
        method = chunk.toString('latin1', pos, sp1);
        if (!isToken(method)) return 0;
      }
      this.method = method;
      this.url = chunk.toString('latin1', sp1 + 1, sp2);
      this.minorVersion = minorChar === 48 ? 0 : 1;
      this.lastLine = chunk.subarray(pos, eol);
    }
    // The block holds no CR LF CR LF and starts with a name character, and the
    // request line holds no CR or LF, so the head really ends at `end`.
    this.beginBody(info);
    return end + 4;
  }

  /** Parses `buf[start, end)`: request line and header lines, no final CRLFCRLF. */
  private parseHead(buf: Buffer, start: number, end: number): void {
    // Same header block as last time (a head that arrived in pieces)?
    const block = this.lastBlock;
    const lastInfo = this.lastInfo;
    if (block !== null && lastInfo !== null) {
      const hs = end - block.length;
      if (hs - 2 > start && buf[hs - 2] === CR && buf[hs - 1] === LF && block.compare(buf, hs, end) === 0) {
        const line = buf.toString('latin1', start, hs - 2);
        if (line.indexOf('\n') < 0) {
          this.parseRequestLine(line);
          this.lastLine = buf.subarray(start, hs - 2);
          this.beginBody(lastInfo);
          return;
        }
      }
    }

    const s = buf.toString('latin1', start, end);
    const eol = s.indexOf('\r\n');
    this.parseRequestLine(eol < 0 ? s : s.slice(0, eol));
    const info = parseHeaderBlock(s, eol < 0 ? s.length : eol + 2);
    if (eol >= 0) {
      // Remember this head so repeats skip the work above. The line is a
      // view (fed chunks are never written to, see the file comment); the
      // block is copied so a long-lived cache pins no large chunk.
      this.lastLine = buf.subarray(start, start + eol);
      this.lastBlock = Buffer.from(buf.subarray(start + eol + 2, end));
      this.lastInfo = info;
    } else {
      this.lastLine = null;
    }
    this.beginBody(info);
  }

  /** Validates `METHOD SP request-target SP HTTP/1.x` and stores its parts. */
  private parseRequestLine(s: string): void {
    const n = s.length;
    const sp1 = s.indexOf(' ');
    const sp2 = n - 9;
    if (sp1 <= 0 || sp2 <= sp1 + 1 || s.charCodeAt(sp2) !== SP || !s.startsWith('HTTP/1.', sp2 + 1)) {
      throw new Failure('bad_request_line', 'malformed request line');
    }
    const minorChar = s.charCodeAt(n - 1);
    if (minorChar < 48 || minorChar > 57) {
      throw new Failure('bad_request_line', 'unsupported HTTP version');
    }
    const method = s.slice(0, sp1);
    if (!isToken(method)) throw new Failure('bad_request_line', 'malformed method');
    for (let i = sp1 + 1; i < sp2; i++) {
      const c = s.charCodeAt(i);
      if (c <= SP || c === 127) throw new Failure('bad_request_line', 'malformed request-target');
    }
    this.method = method;
    this.url = s.slice(sp1 + 1, sp2);
    this.minorVersion = minorChar === 48 ? 0 : 1;
  }

  /** Chooses how the body is framed once the head is known. */
  private beginBody(info: HeaderInfo): void {
    this.info = info;
    if (info.chunked) {
      this.state = S_CHUNK_SIZE;
      this.trailerBytes = 0;
    } else if (info.contentLength > 0) {
      if (info.contentLength > this.limits.maxBodyBytes) {
        throw new Failure('body_too_large', 'Content-Length exceeds limit');
      }
      this.remaining = info.contentLength;
      this.state = S_BODY;
    } else {
      this.complete();
    }
  }

  // --- bodies -----------------------------------------------------------

  private addBody(piece: Buffer): void {
    this.bodyLen += piece.length;
    if (this.bodyFirst === null) this.bodyFirst = piece;
    else if (this.bodyMore === null) this.bodyMore = [piece];
    else this.bodyMore.push(piece);
  }

  private readBody(chunk: Buffer, pos: number): number {
    const avail = chunk.length - pos;
    const take = avail < this.remaining ? avail : this.remaining;
    this.addBody(chunk.subarray(pos, pos + take));
    this.remaining -= take;
    if (this.remaining === 0) this.complete();
    return pos + take;
  }

  private readChunkSize(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    if (this.lineLen === 0) {
      // Fast path: bare hex digits then CRLF, all in this chunk.
      const room = this.limits.maxBodyBytes - this.bodyLen;
      let size = 0;
      let i = pos;
      for (; i < len; i++) {
        const d = hexValue(chunk[i] ?? 0);
        if (d < 0) break;
        size = size * 16 + d;
        if (size > room) throw new Failure('body_too_large', 'chunked body exceeds limit');
      }
      if (i > pos && i + 1 < len && chunk[i] === CR && chunk[i + 1] === LF) {
        this.startChunk(size);
        return i + 2;
      }
    }
    const lf = chunk.indexOf(LF, pos);
    if (lf < 0) {
      this.keepLinePart(chunk.subarray(pos), MAX_CHUNK_LINE);
      return len;
    }
    let line: Buffer = chunk;
    let ls = pos;
    let le = lf;
    if (this.lineLen > 0) {
      line = this.takeLine(chunk.subarray(pos, lf));
      ls = 0;
      le = line.length;
    } else if (lf - pos > MAX_CHUNK_LINE) {
      throw new Failure('bad_chunk', 'chunk-size line too long');
    }
    this.startChunk(this.parseChunkSize(line, ls, le));
    return lf + 1;
  }

  private startChunk(size: number): void {
    if (size === 0) {
      this.state = S_TRAILERS;
    } else {
      this.remaining = size;
      this.state = S_CHUNK_DATA;
    }
  }

  /** Parses a chunk-size line `buf[start, lf)` where `lf` is its LF. */
  private parseChunkSize(buf: Buffer, start: number, lf: number): number {
    if (lf <= start || buf[lf - 1] !== CR) {
      throw new Failure('bad_chunk', 'chunk-size line not ended by CRLF');
    }
    const end = lf - 1;
    const room = this.limits.maxBodyBytes - this.bodyLen;
    let size = 0;
    let i = start;
    for (; i < end; i++) {
      const d = hexValue(buf[i] ?? 0);
      if (d < 0) break;
      size = size * 16 + d;
      if (size > room) throw new Failure('body_too_large', 'chunked body exceeds limit');
    }
    if (i === start) throw new Failure('bad_chunk', 'missing chunk size');
    // Optional whitespace, then chunk extensions (";name=value"), ignored.
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i < end && buf[i] !== SEMI) throw new Failure('bad_chunk', 'malformed chunk size');
    return size;
  }

  private readChunkData(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    const avail = len - pos;
    const take = avail < this.remaining ? avail : this.remaining;
    this.addBody(chunk.subarray(pos, pos + take));
    this.remaining -= take;
    pos += take;
    if (this.remaining > 0) return pos;
    // Fast path: the CRLF after the data is in this chunk too ...
    if (pos + 1 < len) {
      if (chunk[pos] !== CR || chunk[pos + 1] !== LF) {
        throw new Failure('bad_chunk', 'chunk data not followed by CRLF');
      }
      // ... and maybe the last chunk without trailers ("0\r\n\r\n"), as
      // libprocess sends it after its one data chunk.
      if (
        pos + 6 < len &&
        chunk[pos + 2] === 48 &&
        chunk[pos + 3] === CR &&
        chunk[pos + 4] === LF &&
        chunk[pos + 5] === CR &&
        chunk[pos + 6] === LF
      ) {
        this.complete();
        return pos + 7;
      }
      this.state = S_CHUNK_SIZE;
      return pos + 2;
    }
    this.crlfSeen = 0;
    this.state = S_CHUNK_DATA_END;
    return pos;
  }

  private readChunkDataEnd(chunk: Buffer, pos: number): number {
    const expected = this.crlfSeen === 0 ? CR : LF;
    if (chunk[pos] !== expected) {
      throw new Failure('bad_chunk', 'chunk data not followed by CRLF');
    }
    if (this.crlfSeen === 0) {
      this.crlfSeen = 1;
    } else {
      this.state = S_CHUNK_SIZE;
    }
    return pos + 1;
  }

  /** Reads one trailer line (ignored) or the empty line ending the request. */
  private readTrailer(chunk: Buffer, pos: number): number {
    if (this.lineLen === 0 && chunk[pos] === CR && chunk[pos + 1] === LF) {
      this.complete(); // no trailers (the usual case)
      return pos + 2;
    }
    const lf = chunk.indexOf(LF, pos);
    if (lf < 0) {
      this.keepLinePart(chunk.subarray(pos), this.limits.maxHeaderBytes);
      return chunk.length;
    }
    let line: Buffer = chunk;
    let ls = pos;
    let le = lf;
    if (this.lineLen > 0) {
      line = this.takeLine(chunk.subarray(pos, lf));
      ls = 0;
      le = line.length;
    }
    if (le <= ls || line[le - 1] !== CR) {
      throw new Failure('bad_chunk', 'trailer line not ended by CRLF');
    }
    if (le - 1 === ls) {
      this.complete(); // empty line: end of the chunked body
      return lf + 1;
    }
    this.trailerBytes += le - ls + 1;
    if (this.trailerBytes > this.limits.maxHeaderBytes) {
      throw new Failure('headers_too_large', 'trailers exceed limit');
    }
    const colon = line.indexOf(58, ls); // ':'
    if (colon < 0 || colon >= le || colon === ls) {
      throw new Failure('bad_header', 'malformed trailer line');
    }
    return lf + 1;
  }

  private keepLinePart(part: Buffer, limit: number): void {
    this.lineLen += part.length;
    if (this.lineLen > limit) {
      throw this.state === S_TRAILERS
        ? new Failure('headers_too_large', 'trailers exceed limit')
        : new Failure('bad_chunk', 'chunk-size line too long');
    }
    this.lineParts.push(part);
  }

  /** Joins kept line pieces with `last` (which ends just before the LF). */
  private takeLine(last: Buffer): Buffer {
    this.lineParts.push(last);
    const line = Buffer.concat(this.lineParts, this.lineLen + last.length);
    this.lineParts = [];
    this.lineLen = 0;
    return line;
  }

  // --- completion -------------------------------------------------------

  private complete(): void {
    const info = this.info;
    if (info === null) throw new Error('RequestParser: body without a head');
    let body: Buffer = EMPTY;
    const first = this.bodyFirst;
    if (first !== null) {
      const more = this.bodyMore;
      body = more === null ? first : Buffer.concat([first, ...more], this.bodyLen);
      this.bodyFirst = null;
      this.bodyMore = null;
    }
    this.bodyLen = 0;
    this.state = S_HEAD;
    this.info = null;

    let headers = info.headers;
    if (info.gzip) {
      body = this.inflate(body);
      // A private copy: the shared one must keep describing the wire.
      const copy = new RequestHeaders(headers);
      copy.delete('content-encoding');
      copy.set('content-length', String(body.length));
      headers = copy.seal();
    }

    const minor = this.minorVersion;
    this.onRequest({
      method: this.method,
      url: this.url,
      minorVersion: minor,
      headers,
      body,
      keepAlive: minor === 1 ? info.keepAlive11 : info.keepAlive10,
    });
  }

  /** libprocess 1.0's decoder inflates `Content-Encoding: gzip` request bodies (decoder.hpp). */
  private inflate(body: Buffer): Buffer {
    try {
      return gunzipSync(body, { maxOutputLength: this.limits.maxBodyBytes });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (e instanceof RangeError || code === 'ERR_BUFFER_TOO_LARGE') {
        throw new Failure('body_too_large', 'inflated body exceeds limit');
      }
      throw new Failure('bad_content_encoding', 'body is not valid gzip');
    }
  }
}

function nextMatch(m: number, c: number): number {
  const want = m === 0 || m === 2 ? CR : LF;
  if (c === want) return m + 1;
  return c === CR ? 1 : 0;
}

/** The matcher state after `part`, given the state `m` before it. */
function tailMatch(m: number, part: Buffer): number {
  const n = part.length;
  let state = n >= 3 ? 0 : m;
  for (let i = n >= 3 ? n - 3 : 0; i < n; i++) state = nextMatch(state, part[i] ?? 0);
  return state;
}

/** Parses every request in `data` (for tests and tools); throws on a parse error. */
export function parseAll(data: Buffer, limits: ParserLimits = DEFAULT_LIMITS): ParsedRequest[] {
  const out: ParsedRequest[] = [];
  let error: ParseError | undefined;
  const parser = new RequestParser(
    limits,
    (r) => out.push(r),
    (e) => {
      error = e;
    },
  );
  parser.feed(data);
  if (error !== undefined) throw new Error(`${error.code}: ${error.message}`);
  return out;
}
