import test from 'ava';

import { parseAll } from '../../libprocess/transport/http-parser.js';
import { MessageEncoder, encodeMessage } from '../../libprocess/transport/message-encoder.js';
import {
  LAST_CHUNK,
  REASONS,
  encodeChunk,
  encodeChunkedHead,
  encodeResponse,
  httpDate,
  persists,
  statusText,
} from '../../libprocess/transport/response-encoder.js';
import { CXX_PING, fixture } from './codec-helpers.js';

// --- messages ------------------------------------------------------------------

test('byte-identical to the golden C++ libprocess frame', (t) => {
  const golden = fixture(CXX_PING);
  const ours = encodeMessage('ping@127.0.0.1:5053', 'pong', 'ping', Buffer.from('0xxxxxxxxxxxxxxx'));
  t.is(ours.toString('latin1'), golden.toString('latin1'));
  t.true(ours.equals(golden));
});

test('empty body: head only, no Transfer-Encoding or Content-Length', (t) => {
  t.is(
    encodeMessage('a(1)@10.0.0.1:5051', 'master', 'mesos.internal.Ping', new Uint8Array(0)).toString('latin1'),
    'POST /master/mesos.internal.Ping HTTP/1.1\r\n' +
      'User-Agent: libprocess/a(1)@10.0.0.1:5051\r\n' +
      'Libprocess-From: a(1)@10.0.0.1:5051\r\n' +
      'Connection: Keep-Alive\r\n' +
      'Host: \r\n' +
      '\r\n',
  );
});

test('empty receiver id: path is /name', (t) => {
  t.true(encodeMessage('a@1.2.3.4:5', '', 'n', new Uint8Array(0)).toString('latin1').startsWith('POST /n HTTP/1.1\r\n'));
});

test('chunk size is lower-case hex without padding', (t) => {
  for (const [n, hex] of [
    [1, '1'],
    [15, 'f'],
    [16, '10'],
    [255, 'ff'],
    [4096, '1000'],
    [0xabcde, 'abcde'],
  ] as const) {
    const frame = encodeMessage('a@1.2.3.4:5', 'b', 'c', Buffer.alloc(n, 0x2a)).toString('latin1');
    const head = frame.indexOf('\r\n\r\n') + 4;
    t.is(frame.slice(head, head + hex.length + 2), `${hex}\r\n`, `size ${n}`);
    t.true(frame.endsWith(`${'*'.repeat(Math.min(n, 3))}\r\n0\r\n\r\n`));
    t.is(frame.length, head + hex.length + 2 + n + 7);
  }
});

test('one encoder, many names and bodies: each frame is well-formed and independent', (t) => {
  const enc = new MessageEncoder('s(1)@127.0.0.1:1', 'r');
  const frames = [];
  for (let i = 0; i < 50; i++) frames.push(enc.encode(`name${i % 7}`, Buffer.alloc(i * 13, i)));
  const parsed = parseAll(Buffer.concat(frames));
  t.is(parsed.length, 50);
  parsed.forEach((r, i) => {
    t.is(r.url, `/r/name${i % 7}`);
    t.true(r.body.equals(Buffer.alloc(i * 13, i)));
  });
});

test('Uint8Array bodies (not Buffers) are accepted', (t) => {
  const body = new Uint8Array([1, 2, 3]);
  const [r] = parseAll(encodeMessage('a@1.2.3.4:5', 'b', 'c', body));
  t.deepEqual([...(r?.body ?? [])], [1, 2, 3]);
});

test('strings that would break the frame are refused', (t) => {
  t.throws(() => new MessageEncoder('a b@1.2.3.4:5', 'x'));
  t.throws(() => new MessageEncoder('a@1.2.3.4:5\r\nX: y', 'x'));
  t.throws(() => new MessageEncoder('a@1.2.3.4:5', 'x/y'));
  t.throws(() => new MessageEncoder('a@1.2.3.4:5', 'x y'));
  t.throws(() => encodeMessage('a@1.2.3.4:5', 'x', 'na me', new Uint8Array(0)));
  t.throws(() => encodeMessage('a@1.2.3.4:5', 'x', 'n\r\n', new Uint8Array(0)));
  t.notThrows(() => encodeMessage('a@1.2.3.4:5', 'x', 'a/b', new Uint8Array(0)));
});

// --- responses -----------------------------------------------------------------

const NOW = Date.UTC(2016, 6, 27, 12, 34, 56); // 2016-07-27 12:34:56 GMT
const DATE = 'Wed, 27 Jul 2016 12:34:56 GMT';

test('httpDate uses RFC 1123 format', (t) => {
  t.is(httpDate(NOW), DATE);
  t.is(httpDate(NOW + 999), DATE);
  t.is(httpDate(0), 'Thu, 01 Jan 1970 00:00:00 GMT');
});

test('202 Accepted for a libprocess message from a non-libprocess peer', (t) => {
  t.is(
    encodeResponse(202, undefined, undefined, { minorVersion: 1, keepAlive: true, now: NOW }).toString(),
    `HTTP/1.1 202 Accepted\r\nDate: ${DATE}\r\nContent-Length: 0\r\n\r\n`,
  );
});

test('body response: caller headers first, then Date, then Content-Length', (t) => {
  const out = encodeResponse(
    200,
    { 'Content-Type': 'application/json', 'X-Thing': 'y' },
    '{"a":"é"}',
    { minorVersion: 1, keepAlive: true, now: NOW },
  );
  t.is(
    out.toString('utf8'),
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Thing: y\r\nDate: ${DATE}\r\n` +
      `Content-Length: 10\r\n\r\n{"a":"é"}`,
  );
});

test('Buffer bodies, omitBody, owned headers dropped', (t) => {
  const opts = { minorVersion: 1 as const, keepAlive: true, now: NOW };
  const body = Buffer.from([0, 1, 2]);
  const out = encodeResponse(200, { 'content-length': '99', date: 'x', 'Transfer-Encoding': 'chunked' }, body, opts);
  t.is(out.toString('latin1'), `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nContent-Length: 3\r\n\r\n\u0000\u0001\u0002`);
  const head = encodeResponse(200, undefined, body, { ...opts, omitBody: true });
  t.is(head.toString('latin1'), `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nContent-Length: 3\r\n\r\n`);
});

test('Connection header: close when not kept alive, keep-alive for HTTP/1.0 keep-alive', (t) => {
  const conn = (minorVersion: 0 | 1, keepAlive: boolean, headers?: Record<string, string>): string | undefined =>
    /\r\nConnection: ([^\r]*)\r\n/.exec(encodeResponse(200, headers, '', { minorVersion, keepAlive, now: NOW }).toString())?.[1];
  t.is(conn(1, true), undefined);
  t.is(conn(1, false), 'close');
  t.is(conn(0, false), 'close');
  t.is(conn(0, true), 'keep-alive');
  t.is(conn(1, true, { Connection: 'close' }), 'close');
});

test('persists follows the request and a Connection: close response header', (t) => {
  t.true(persists(true, undefined));
  t.false(persists(false, undefined));
  t.false(persists(true, { connection: 'Close' }));
  t.true(persists(true, { 'Content-Type': 'x' }));
});

test('status lines use libprocess reason phrases', (t) => {
  t.is(statusText(408), '408 Request Time-out');
  t.is(statusText(413), '413 Request Entity Too Large');
  t.is(statusText(416), '416 Requested range not satisfiable');
  t.is(statusText(505), '505 HTTP Version not supported');
  t.is(statusText(431), '431 Request Header Fields Too Large'); // not in libprocess: Node's phrase
  t.is(statusText(299), '299 ');
  t.is(REASONS.size, 40);
});

test('header values with line breaks are refused', (t) => {
  const opts = { minorVersion: 1 as const, keepAlive: true, now: NOW };
  t.throws(() => encodeResponse(200, { X: 'a\r\nInjected: 1' }, '', opts));
  t.throws(() => encodeResponse(200, { 'Bad Name': 'a' }, '', opts));
});

test('chunked streaming: head, chunks, last chunk', (t) => {
  const head = encodeChunkedHead(200, { 'Content-Type': 'application/recordio' }, {
    minorVersion: 1,
    keepAlive: true,
    now: NOW,
  });
  t.is(
    head.toString(),
    `HTTP/1.1 200 OK\r\nContent-Type: application/recordio\r\nDate: ${DATE}\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  t.is(encodeChunk('hello').toString(), '5\r\nhello\r\n');
  t.is(encodeChunk(Buffer.alloc(26, 0x41)).toString(), `1a\r\n${'A'.repeat(26)}\r\n`);
  t.is(encodeChunk('').length, 0);
  t.is(LAST_CHUNK.toString(), '0\r\n\r\n');
  // Our own parser reads the stream back (as a request body, the framing is the same).
  const req = Buffer.concat([
    Buffer.from('POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'),
    encodeChunk('12\n'),
    encodeChunk('{"type":"SUBSCRIBED"}'),
    LAST_CHUNK,
  ]);
  t.is(parseAll(req)[0]?.body.toString(), '12\n{"type":"SUBSCRIBED"}');
});
