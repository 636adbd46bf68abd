// Outbound libprocess message frames, byte for byte as Mesos 1.0's C++
// MessageEncoder writes them (3rdparty/libprocess/src/encoder.hpp; unchanged
// through 1.11). For a body of N > 0 bytes:
//
//   POST /<to.id>/<name> HTTP/1.1\r\n
//   User-Agent: libprocess/<from>\r\n
//   Libprocess-From: <from>\r\n
//   Connection: Keep-Alive\r\n
//   Host: \r\n
//   Transfer-Encoding: chunked\r\n
//   \r\n
//   <N in lower-case hex>\r\n
//   <body>\r\n
//   0\r\n
//   \r\n
//
// With an empty body the head ends right after `Host: \r\n` with one more
// `\r\n`: no Transfer-Encoding, no Content-Length, no body. An empty `to.id`
// gives the path `/<name>`. Neither the id nor the name is percent-encoded.
//
// The User-Agent marks the sender as libprocess, so the receiver sends no
// HTTP response back (replies arrive as messages on a connection the
// receiver opens).

const CRLF = '\r\n';
const HOST_AND_CHUNKED = 'Host: \r\nTransfer-Encoding: chunked\r\n\r\n';
const HOST_ONLY = 'Host: \r\n\r\n';
const TAIL = Buffer.from('\r\n0\r\n\r\n', 'latin1'); // end of the one data chunk + last chunk
const TAIL_LEN = TAIL.length;
/** Bound on cached per-name heads (message names are a small fixed set in practice). */
const MAX_CACHED_NAMES = 512;

/** Throws when a string would break the request line or a header line. */
function checkFrameSafe(what: string, s: string, allowSlash: boolean): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || (!allowSlash && c === 47)) {
      throw new Error(`${what} '${s}' cannot be sent in a libprocess frame`);
    }
  }
}

/** Writes `n` as lower-case hex (like `std::hex`) at `off`; returns the new offset. */
function writeHex(buf: Buffer, off: number, n: number): number {
  if (n > 0xffffffff) return off + buf.write(n.toString(16), off, 'latin1');
  let digits = 1;
  for (let v = n >>> 4; v > 0; v >>>= 4) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    const d = (n >>> (i * 4)) & 15;
    buf[off++] = d < 10 ? 48 + d : 87 + d;
  }
  return off;
}

/** Number of hex digits of `n`. */
function hexDigits(n: number): number {
  if (n > 0xffffffff) return n.toString(16).length;
  let digits = 1;
  for (let v = n >>> 4; v > 0; v >>>= 4) digits++;
  return digits;
}

/**
 * Encodes messages from one sender to one receiving process. The header bytes
 * for each message name are built once and reused.
 */
export class MessageEncoder {
  private readonly requestPrefix: string;
  private readonly headerLines: string;
  private readonly heads = new Map<string, { chunked: Buffer; empty: Buffer }>();

  constructor(
    readonly from: string,
    readonly toId: string,
  ) {
    checkFrameSafe('sender pid', from, true);
    checkFrameSafe('receiver id', toId, false);
    this.requestPrefix = toId === '' ? 'POST /' : `POST /${toId}/`;
    this.headerLines =
      ` HTTP/1.1${CRLF}User-Agent: libprocess/${from}${CRLF}` +
      `Libprocess-From: ${from}${CRLF}Connection: Keep-Alive${CRLF}`;
  }

  encode(name: string, body: Uint8Array): Buffer {
    const head = this.head(name);
    const n = body.length;
    if (n === 0) return Buffer.from(head.empty);

    const h = head.chunked;
    const total = h.length + hexDigits(n) + 2 + n + TAIL_LEN;
    const out = Buffer.allocUnsafe(total);
    let off = h.copy(out, 0);
    off = writeHex(out, off, n);
    out[off++] = 13;
    out[off++] = 10;
    out.set(body, off);
    off += n;
    TAIL.copy(out, off);
    return out;
  }

  private head(name: string): { chunked: Buffer; empty: Buffer } {
    let head = this.heads.get(name);
    if (head === undefined) {
      checkFrameSafe('message name', name, true);
      const line = this.requestPrefix + name + this.headerLines;
      head = {
        chunked: Buffer.from(line + HOST_AND_CHUNKED, 'utf8'),
        empty: Buffer.from(line + HOST_ONLY, 'utf8'),
      };
      if (this.heads.size >= MAX_CACHED_NAMES) this.heads.clear();
      this.heads.set(name, head);
    }
    return head;
  }
}

/** One-off form of {@link MessageEncoder}. */
export function encodeMessage(fromPid: string, toId: string, name: string, body: Uint8Array): Buffer {
  return new MessageEncoder(fromPid, toId).encode(name, body);
}
