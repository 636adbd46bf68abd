// Decides what an inbound request is, following libprocess 1.0
// (3rdparty/libprocess/src/process.cpp: `libprocess()`, `parse()` and
// `ProcessManager::handle()`):
//
// - a *message* is a POST whose User-Agent starts with `libprocess/`, or any
//   POST carrying a `Libprocess-From` header;
// - its sender is the `Libprocess-From` value (trimmed), else whatever follows
//   `libprocess/` in the User-Agent; in both cases the first
//   whitespace-delimited word, parsed as a UPID `id@host:port`;
// - its receiver id is the first path segment, percent-decoded (`+` is a
//   space, as in libprocess's http::decode); its name is the rest of the path
//   after the second `/`, not decoded (`/pong/a/b` is name `a/b`);
// - the sender expects no HTTP response when its User-Agent contains
//   `libprocess/` anywhere; otherwise it expects `202 Accepted` when the
//   receiver exists and `404 Not Found` when it does not (reply 'accepted');
// - everything else is an ordinary HTTP request for the routes.
//
// Where libprocess 1.0 silently drops a malformed message (bad percent
// escape in the receiver) or delivers it from an empty pid (unparsable
// sender), we return 'invalid': answered with 400 when the sender expects a
// response, dropped without a word when it does not. See docs/wire-protocol.md.

import type { Request } from '../http/types.js';
import { UPID } from '../upid.js';
import type { ParsedRequest } from './types.js';

export type InvalidCode = 'bad_from' | 'bad_receiver' | 'bad_path' | 'relative_path';

export type Classification =
  | {
      kind: 'message';
      /** Sender UPID text as sent (validated), e.g. `scheduler(1)@127.0.0.1:45209`. */
      from: string;
      toId: string;
      name: string;
      body: Buffer;
      /** 'none': send nothing back; 'accepted': 202 when delivered, 404 for an unknown receiver. */
      reply: 'none' | 'accepted';
    }
  | { kind: 'http'; request: Request }
  | {
      kind: 'invalid';
      status: number;
      reason: string;
      code: InvalidCode;
      /** Whether the peer expects an HTTP response (false: drop silently). */
      respond: boolean;
    };

const LIBPROCESS_PREFIX = 'libprocess/';

/** Sender strings already validated; bounded, cleared when full. */
const validSenders = new Set<string>();
const MAX_VALID_SENDERS = 4096;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** The first whitespace-delimited word of `s` (like `istream >> std::string`). */
function firstWord(s: string): string {
  let start = 0;
  const n = s.length;
  while (start < n && isSpace(s.charCodeAt(start))) start++;
  let end = start;
  while (end < n && !isSpace(s.charCodeAt(end))) end++;
  return start === 0 && end === n ? s : s.slice(start, end);
}

function validSender(text: string): boolean {
  if (validSenders.has(text)) return true;
  if (text === '' || UPID.tryParse(text) === undefined) return false;
  if (validSenders.size >= MAX_VALID_SENDERS) validSenders.clear();
  validSenders.add(text);
  return true;
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Percent-decodes `s`, whose chars are bytes (the head is read as latin1),
 * into UTF-8 text. With `plusIsSpace`, `+` becomes a space (libprocess's
 * http::decode). Returns undefined on a malformed escape.
 */
export function percentDecode(s: string, plusIsSpace: boolean): string | undefined {
  const n = s.length;
  let plain = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 || c >= 128 || (plusIsSpace && c === 43)) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const bytes = Buffer.from(s, 'latin1');
  let w = 0;
  for (let r = 0; r < bytes.length; r++) {
    const c = bytes[r] ?? 0;
    if (c === 37) {
      const hi = hex(bytes[r + 1] ?? -1);
      const lo = hex(bytes[r + 2] ?? -1);
      if (hi < 0 || lo < 0) return undefined;
      bytes[w++] = hi * 16 + lo;
      r += 2;
    } else {
      bytes[w++] = plusIsSpace && c === 43 ? 32 : c;
    }
  }
  return bytes.toString('utf8', 0, w);
}

/** Re-reads a latin1-decoded string as UTF-8 when it holds non-ASCII bytes. */
function bytesToText(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 128) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}

/** Path part of a request-target (origin-form or absolute-form), without query or fragment. */
function targetPath(url: string): string {
  let start = 0;
  if (url.charCodeAt(0) !== 47) {
    const scheme = url.indexOf('://');
    if (scheme <= 0) return url; // not a path: '*' or junk
    const slash = url.indexOf('/', scheme + 3);
    if (slash < 0) return '/';
    start = slash;
  }
  let end = url.length;
  const q = url.indexOf('?', start);
  if (q >= 0) end = q;
  const h = url.indexOf('#', start);
  if (h >= 0 && h < end) end = h;
  return start === 0 && end === url.length ? url : url.slice(start, end);
}

function queryString(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const h = url.indexOf('#', q);
  return h < 0 ? url.slice(q + 1) : url.slice(q + 1, h);
}

function invalid(code: InvalidCode, status: number, reason: string, respond: boolean): Classification {
  return { kind: 'invalid', status, reason, code, respond };
}

/** Classifies one parsed request; `client` is the peer `ip:port` when known. */
export function classify(r: ParsedRequest, client?: string): Classification {
  const headers = r.headers;
  const agent = headers.get('user-agent');
  const libprocessFrom = headers.get('libprocess-from');

  const isMessage =
    r.method === 'POST' && (libprocessFrom !== undefined || (agent !== undefined && agent.startsWith(LIBPROCESS_PREFIX)));
  if (isMessage) return classifyMessage(r, agent, libprocessFrom);

  const path = targetPath(r.url);
  if (path.charCodeAt(0) !== 47) {
    return invalid('bad_path', 400, `request-target '${r.url}' is not a path`, true);
  }
  if (path.indexOf('/..') >= 0) {
    return invalid('relative_path', 404, `relative path '${path}'`, true);
  }
  const decoded = percentDecode(path, false);
  if (decoded === undefined) {
    return invalid('bad_path', 400, `malformed percent-encoding in '${path}'`, true);
  }
  const request: Request = {
    method: r.method,
    path: decoded,
    url: r.url,
    query: new URLSearchParams(queryString(r.url)),
    headers,
    body: r.body,
    keepAlive: r.keepAlive,
  };
  if (client !== undefined) request.client = client;
  return { kind: 'http', request };
}

function classifyMessage(
  r: ParsedRequest,
  agent: string | undefined,
  libprocessFrom: string | undefined,
): Classification {
  const silent = agent !== undefined && agent.indexOf(LIBPROCESS_PREFIX) >= 0;
  const reply = silent ? 'none' : 'accepted';

  let from: string;
  if (libprocessFrom !== undefined) {
    from = firstWord(libprocessFrom);
  } else {
    // Only reached when the User-Agent starts with "libprocess/".
    from = firstWord((agent ?? '').slice(LIBPROCESS_PREFIX.length));
  }
  if (!validSender(from)) {
    return invalid('bad_from', 400, `invalid sender pid '${from}'`, !silent);
  }

  const path = targetPath(r.url);
  if (path.charCodeAt(0) !== 47) {
    return invalid('bad_path', 400, `request-target '${r.url}' is not a path`, !silent);
  }
  const second = path.indexOf('/', 1);
  const rawTo = second < 0 ? path.slice(1) : path.slice(1, second);
  const toId = percentDecode(rawTo, true);
  if (toId === undefined) {
    return invalid('bad_receiver', 400, `malformed percent-encoding in receiver '${rawTo}'`, !silent);
  }
  const name = second < 0 ? '' : bytesToText(path.slice(second + 1));
  return { kind: 'message', from, toId, name, body: r.body, reply };
}
