// Raw request framings used by the uWS probe and the benchmarks.
// Each builder returns the exact bytes a peer would put on the wire.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Directory of golden frames captured from real peers (shared/ sits beside the repo). */
export const GOLDEN_DIR = process.env['MESOS_TS_GOLDEN'] ?? join(here, '..', '..', '..', 'shared', 'golden');

export function golden(name: string): Buffer {
  return readFileSync(join(GOLDEN_DIR, name));
}

const CRLF = '\r\n';

function head(lines: string[]): Buffer {
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1');
}

/** C++ libprocess >= 0.2x message: HTTP/1.1, UA + Libprocess-From, empty Host, chunked body. */
export function cxxMessage(to: string, name: string, from: string, body: Buffer, chunkExt = ''): Buffer {
  const lines = [
    `POST /${to}/${name} HTTP/1.1`,
    `User-Agent: libprocess/${from}`,
    `Libprocess-From: ${from}`,
    'Connection: Keep-Alive',
    'Host: ',
  ];
  if (body.length === 0) return head(lines);
  lines.push('Transfer-Encoding: chunked');
  return Buffer.concat([
    head(lines),
    Buffer.from(`${body.length.toString(16)}${chunkExt}${CRLF}`, 'latin1'),
    body,
    Buffer.from(`${CRLF}0${CRLF}${CRLF}`, 'latin1'),
  ]);
}

/** Old libprocess message: HTTP/1.0, only User-Agent, no Host, Content-Length body. */
export function http10Message(to: string, name: string, from: string, body: Buffer): Buffer {
  return Buffer.concat([
    head([`POST /${to}/${name} HTTP/1.0`, `User-Agent: libprocess/${from}`, `Content-Length: ${body.length}`]),
    body,
  ]);
}

/** Non-C++ libprocess peer (mesos-go style): HTTP/1.1, only Libprocess-From, Content-Length. */
export function fromOnlyMessage(to: string, name: string, from: string, body: Buffer, host: string | null): Buffer {
  const lines = [`POST /${to}/${name} HTTP/1.1`];
  if (host !== null) lines.push(`Host: ${host}`);
  lines.push(`Libprocess-From: ${from}`, `Content-Length: ${body.length}`);
  return Buffer.concat([head(lines), body]);
}

/** Chunked body split into `parts` chunks, each with an optional extension. */
export function chunked(body: Buffer, parts: number, ext = '', trailer = ''): Buffer {
  const out: Buffer[] = [];
  const step = Math.ceil(body.length / parts);
  for (let off = 0; off < body.length; off += step) {
    const piece = body.subarray(off, off + step);
    out.push(Buffer.from(`${piece.length.toString(16)}${ext}${CRLF}`, 'latin1'), piece, Buffer.from(CRLF));
  }
  out.push(Buffer.from(`0${CRLF}${trailer}${CRLF}`, 'latin1'));
  return Buffer.concat(out);
}

export function requestHead(requestLine: string, headers: Array<[string, string]>): Buffer {
  return head([requestLine, ...headers.map(([k, v]) => `${k}: ${v}`)]);
}

export function get(path: string, version: '1.0' | '1.1', host: string | null, extra: Array<[string, string]> = []): Buffer {
  const h: Array<[string, string]> = [];
  if (host !== null) h.push(['Host', host]);
  return requestHead(`GET ${path} HTTP/${version}`, [...h, ...extra]);
}

/** ~200-byte JSON document, the "small" benchmark body. */
export const SMALL_JSON = Buffer.from(
  JSON.stringify({
    hostname: 'master-1.example.org',
    id: '20160101-000000-16777343-5050-1234',
    pid: 'master@127.0.0.1:5050',
    version: '1.0.0',
    activated_slaves: 3,
    elected_time: 1451606400.123,
    leader: 'master@127.0.0.1:5050',
  }),
);

/** 1 MiB body, the "large" benchmark body. */
export const LARGE_BODY = Buffer.alloc(1024 * 1024, 0x61);
