import { gzipSync } from 'node:zlib';

import test from 'ava';

import { RequestHeaders, RequestParser, parseAll } from '../../libprocess/transport/http-parser.js';
import { MessageEncoder } from '../../libprocess/transport/message-encoder.js';
import type { ParseErrorCode } from '../../libprocess/transport/types.js';
import { DEFAULT_LIMITS } from '../../libprocess/transport/types.js';
import {
  CXX_PING,
  GO_REGISTER,
  allTwoWaySplits,
  byteByByte,
  feedAll,
  fixture,
  plain,
  randomSplits,
  whole,
  type Outcome,
} from './codec-helpers.js';

const CXX_EXPECTED = {
  method: 'POST',
  url: '/pong/ping',
  minorVersion: 1,
  headers: {
    'user-agent': 'libprocess/ping@127.0.0.1:5053',
    'libprocess-from': 'ping@127.0.0.1:5053',
    connection: 'Keep-Alive',
    host: '',
    'transfer-encoding': 'chunked',
  },
  body: '0xxxxxxxxxxxxxxx',
  keepAlive: true,
};

const GO_BODY = Buffer.from(
  '0a270a04726f6f7412146c65676163792d676f2d616363657074616e63653a093132372e302e302e31',
  'hex',
);

const GO_EXPECTED = {
  method: 'POST',
  url: '/master/mesos.internal.RegisterFrameworkMessage',
  minorVersion: 1,
  headers: {
    host: '127.0.0.1:5050',
    'user-agent': 'Go-http-client/1.1',
    'content-length': '41',
    connection: 'Keep-Alive',
    'content-type': 'application/x-protobuf',
    'libprocess-from': 'scheduler(1)@127.0.0.1:45209',
    'accept-encoding': 'gzip',
  },
  body: GO_BODY.toString('latin1'),
  keepAlive: true,
};

function only(t: { is: (a: unknown, b: unknown) => void; deepEqual: (a: unknown, b: unknown) => void }, o: Outcome): Record<string, unknown> {
  t.deepEqual(o.errors, []);
  t.is(o.requests.length, 1);
  const r = o.requests[0];
  if (r === undefined) throw new Error('no request');
  return plain(r);
}

function errorCode(o: Outcome): ParseErrorCode | undefined {
  return o.errors[0]?.code;
}

for (const [name, expected] of [
  [CXX_PING, CXX_EXPECTED],
  [GO_REGISTER, GO_EXPECTED],
] as const) {
  test(`golden ${name}: whole`, (t) => {
    t.deepEqual(only(t, whole(fixture(name))), expected);
  });

  test(`golden ${name}: byte by byte`, (t) => {
    t.deepEqual(only(t, byteByByte(fixture(name))), expected);
  });

  test(`golden ${name}: every two-way split`, (t) => {
    for (const o of allTwoWaySplits(fixture(name))) t.deepEqual(only(t, o), expected);
  });

  test(`golden ${name}: pipelined three times, random splits`, (t) => {
    const data = Buffer.concat([fixture(name), fixture(name), fixture(name)]);
    for (let seed = 1; seed <= 20; seed++) {
      const o = randomSplits(data, seed);
      t.deepEqual(o.errors, []);
      t.deepEqual(o.requests.map(plain), [expected, expected, expected]);
    }
  });
}

test('golden C++ frame body is a view into the fed chunk (no copy)', (t) => {
  const chunk = fixture(CXX_PING);
  let body: Buffer | undefined;
  new RequestParser(DEFAULT_LIMITS, (r) => (body = r.body), () => t.fail()).feed(chunk);
  t.truthy(body);
  t.is(body?.buffer, chunk.buffer);
});

// --- framings across Mesos history -----------------------------------------

test('Mesos <= 0.21.0 framing: HTTP/1.0, only User-Agent, chunked body', (t) => {
  const frame =
    'POST /master/mesos.internal.Ping HTTP/1.0\r\n' +
    'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n' +
    'Connection: Keep-Alive\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n' +
    '3\r\nabc\r\n0\r\n\r\n';
  for (const o of [whole(frame), byteByByte(frame)]) {
    const r = only(t, o);
    t.is(r.minorVersion, 0);
    t.is(r.keepAlive, true); // HTTP/1.0 + Connection: Keep-Alive
    t.is(r.body, 'abc');
    t.is((r.headers as Record<string, string>)['user-agent'], 'libprocess/slave(1)@10.0.0.2:5051');
  }
});

test('Mesos <= 0.21.0 framing with an empty body: head only', (t) => {
  const frame =
    'POST /master/PING HTTP/1.0\r\nUser-Agent: libprocess/a@1.2.3.4:5\r\nConnection: Keep-Alive\r\n\r\n';
  const o = byteByByte(frame + frame);
  t.deepEqual(o.errors, []);
  t.is(o.requests.length, 2);
  t.is(o.requests[0]?.body.length, 0);
  t.is(o.requests[0]?.keepAlive, true);
});

test('Mesos 1.0 framing with an empty body (no Transfer-Encoding, no Content-Length)', (t) => {
  const frame = new MessageEncoder('a@1.2.3.4:5', 'b').encode('x', new Uint8Array(0));
  const o = byteByByte(Buffer.concat([frame, frame]));
  t.deepEqual(o.errors, []);
  t.is(o.requests.length, 2);
  t.is(o.requests[1]?.body.length, 0);
});

test('only Libprocess-From, Content-Length body, no Host', (t) => {
  const frame =
    'POST /master/mesos.internal.Foo HTTP/1.1\r\nLibprocess-From: s(1)@1.2.3.4:9\r\nContent-Length: 5\r\n\r\nhello';
  const r = only(t, byteByByte(frame));
  t.is(r.body, 'hello');
  t.false('host' in (r.headers as object));
  t.is(r.keepAlive, true);
});

test('Host present, empty, absent', (t) => {
  for (const host of ['Host: 10.0.0.1:5050\r\n', 'Host: \r\n', 'Host:\r\n', '']) {
    const r = only(t, whole(`GET /state HTTP/1.1\r\n${host}\r\n`));
    t.is(r.url, '/state');
  }
});

test('chunk extensions and multiple chunks', (t) => {
  const frame =
    'POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;foo=bar\r\nhello\r\n' +
    '1 ; x\r\n,\r\n' +
    '6\r\n world\r\n' +
    '0;last\r\n\r\n';
  for (const o of [whole(frame), byteByByte(frame), randomSplits(frame, 7)]) {
    t.is(only(t, o).body, 'hello, world');
  }
});

test('upper-case hex and leading zeros in chunk sizes', (t) => {
  const body = 'x'.repeat(0x1a);
  const frame = `POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n001A\r\n${body}\r\n000\r\n\r\n`;
  t.is(only(t, whole(frame)).body, body);
});

test('trailers are read and ignored', (t) => {
  const frame =
    'POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '2\r\nhi\r\n0\r\nX-Checksum: 1234\r\nX-Other: y\r\n\r\n' +
    'GET /next HTTP/1.1\r\n\r\n';
  for (const o of [whole(frame), byteByByte(frame)]) {
    t.deepEqual(o.errors, []);
    t.deepEqual(
      o.requests.map((r) => [r.url, r.body.toString()]),
      [
        ['/a/b', 'hi'],
        ['/next', ''],
      ],
    );
    t.false(o.requests[0]?.headers.has('x-checksum'));
  }
});

test('identical repeated Content-Length values are accepted', (t) => {
  t.is(only(t, whole('POST /a HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok')).body, 'ok');
  t.is(only(t, whole('POST /a HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nok')).body, 'ok');
});

test('Transfer-Encoding identity is no coding', (t) => {
  const frame = 'POST /a HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok';
  t.is(only(t, whole(frame)).body, 'ok');
});

test('empty lines before a request line are skipped', (t) => {
  const o = byteByByte('\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\nGET /x HTTP/1.1\r\n\r\n');
  t.deepEqual(o.errors, []);
  t.deepEqual(
    o.requests.map((r) => r.url),
    ['/', '/x'],
  );
});

test('pipelined requests of every framing on one connection, any split', (t) => {
  const enc = new MessageEncoder('a(1)@127.0.0.1:1', 'b');
  const data = Buffer.concat([
    enc.encode('one', Buffer.from('1')),
    fixture(GO_REGISTER),
    Buffer.from('GET /state?x=1 HTTP/1.1\r\nHost: h\r\n\r\n'),
    enc.encode('two', new Uint8Array(0)),
    fixture(CXX_PING),
    Buffer.from('POST /m/n HTTP/1.0\r\nUser-Agent: libprocess/a@1.2.3.4:5\r\nContent-Length: 3\r\n\r\nxyz'),
    enc.encode('three', Buffer.alloc(300, 0x41)),
  ]);
  const urls = ['/b/one', GO_EXPECTED.url, '/state?x=1', '/b/two', '/pong/ping', '/m/n', '/b/three'];
  const bodies = [1, 41, 0, 0, 16, 3, 300];
  for (const o of [whole(data), byteByByte(data), randomSplits(data, 3), randomSplits(data, 99)]) {
    t.deepEqual(o.errors, []);
    t.deepEqual(
      o.requests.map((r) => r.url),
      urls,
    );
    t.deepEqual(
      o.requests.map((r) => r.body.length),
      bodies,
    );
  }
});

// --- keep-alive ------------------------------------------------------------

test('keepAlive table', (t) => {
  const cases: [string, string, boolean][] = [
    ['1.1', '', true],
    ['1.1', 'Connection: close\r\n', false],
    ['1.1', 'Connection: Close\r\n', false],
    ['1.1', 'Connection: keep-alive\r\n', true],
    ['1.1', 'Connection: Upgrade, close\r\n', false],
    ['1.0', '', false],
    ['1.0', 'Connection: keep-alive\r\n', true],
    ['1.0', 'Connection: Keep-Alive\r\n', true],
    ['1.0', 'Connection: KEEP-ALIVE, foo\r\n', true],
    ['1.0', 'Connection: close\r\n', false],
    ['1.0', 'Connection: foo\r\n', false],
  ];
  for (const [version, header, expected] of cases) {
    const r = only(t, whole(`GET / HTTP/${version}\r\n${header}\r\n`));
    t.is(r.keepAlive, expected, `${version} ${header}`);
  }
});

// --- headers -----------------------------------------------------------------

test('header names are lower-cased, values trimmed, repeats joined with ", "', (t) => {
  const r = only(
    t,
    whole('GET / HTTP/1.1\r\nX-Custom-Thing:  a \t\r\nACCEPT: text/html\r\nx-custom-thing: b\r\nEmpty:\r\n\r\n'),
  );
  t.deepEqual(r.headers, { 'x-custom-thing': 'a, b', accept: 'text/html', empty: '' });
});

test('parsed headers are read-only', (t) => {
  const [r] = parseAll(fixture(CXX_PING));
  t.true(r?.headers instanceof RequestHeaders);
  t.throws(() => r?.headers.set('x', 'y'), { instanceOf: TypeError });
  t.throws(() => r?.headers.delete('host'), { instanceOf: TypeError });
  t.throws(() => r?.headers.clear(), { instanceOf: TypeError });
  t.is(new Map(r?.headers).set('x', 'y').get('x'), 'y');
});

test('repeated heads: the cache never confuses requests', (t) => {
  const a = new MessageEncoder('a(1)@127.0.0.1:1', 'x');
  const b = new MessageEncoder('b(1)@127.0.0.1:2', 'x');
  const frames = [
    a.encode('n1', Buffer.from('1')),
    a.encode('n1', Buffer.from('2')),
    a.encode('n2', Buffer.from('3')), // same length, other name
    a.encode('longer-name', Buffer.from('4')),
    b.encode('n1', Buffer.from('5')), // other block
    a.encode('n1', Buffer.from('6')),
    // same block and line length, but the "line" hides an extra header
    Buffer.from(
      'POST /x/n1 HTTP/1.1\r\nUser-Agent: libprocess/a(1)@127.0.0.1:1\r\nLibprocess-From: a(1)@127.0.0.1:1\r\n' +
        'Connection: Keep-Alive\r\nHost: \r\nTransfer-Encoding: chunked\r\n\r\n1\r\n7\r\n0\r\n\r\n',
    ),
    Buffer.from('GET /n1 HTTP/1.1\r\nX: 1\r\n\r\n'),
    Buffer.from('GET /n1 HTTP/1.0\r\nX: 1\r\n\r\n'),
    Buffer.from('PUT /n1 HTTP/1.0\r\nX: 1\r\n\r\n'),
  ];
  const expected = [
    ['POST', '/x/n1', 1, 'a(1)@127.0.0.1:1', '1', true],
    ['POST', '/x/n1', 1, 'a(1)@127.0.0.1:1', '2', true],
    ['POST', '/x/n2', 1, 'a(1)@127.0.0.1:1', '3', true],
    ['POST', '/x/longer-name', 1, 'a(1)@127.0.0.1:1', '4', true],
    ['POST', '/x/n1', 1, 'b(1)@127.0.0.1:2', '5', true],
    ['POST', '/x/n1', 1, 'a(1)@127.0.0.1:1', '6', true],
    ['POST', '/x/n1', 1, 'a(1)@127.0.0.1:1', '7', true],
    ['GET', '/n1', 1, undefined, '', true],
    ['GET', '/n1', 0, undefined, '', false],
    ['PUT', '/n1', 0, undefined, '', false],
  ];
  const data = Buffer.concat(frames);
  for (const o of [whole(data), byteByByte(data), randomSplits(data, 5), randomSplits(data, 6)]) {
    t.deepEqual(o.errors, []);
    t.deepEqual(
      o.requests.map((r) => [
        r.method,
        r.url,
        r.minorVersion,
        r.headers.get('libprocess-from'),
        r.body.toString(),
        r.keepAlive,
      ]),
      expected,
    );
  }
});

test('a request line hiding a second header line is not taken for a repeat', (t) => {
  // Prime the cache with a one-header block, then send a head whose request
  // line region (same total length) contains CRLF + another header.
  const first = 'POST /aaaaaaaaaaaaaaaa HTTP/1.1\r\nX: 1\r\n\r\n';
  const second = 'POST /a HTTP/1.1\r\nY: 2\r\nX: 1\r\n\r\n';
  const o = whole(first + second);
  t.deepEqual(o.errors, []);
  t.deepEqual(o.requests.map(plain), [
    { method: 'POST', url: '/aaaaaaaaaaaaaaaa', minorVersion: 1, headers: { x: '1' }, body: '', keepAlive: true },
    { method: 'POST', url: '/a', minorVersion: 1, headers: { y: '2', x: '1' }, body: '', keepAlive: true },
  ]);
});

test('gzip request bodies are inflated (libprocess decoder.hpp)', (t) => {
  const body = Buffer.from('x'.repeat(5000));
  const gz = gzipSync(body);
  const frame = Buffer.concat([
    Buffer.from(`POST /a/b HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`),
    gz,
  ]);
  const o = whole(Buffer.concat([frame, frame]));
  t.deepEqual(o.errors, []);
  t.is(o.requests.length, 2);
  for (const r of o.requests) {
    t.true(r.body.equals(body));
    t.is(r.headers.get('content-length'), '5000');
    t.false(r.headers.has('content-encoding'));
  }
});

// --- errors -------------------------------------------------------------------

const ERROR_CASES: [string, string, ParseErrorCode, number][] = [
  ['garbage request line', 'HELLO\r\n\r\n', 'bad_request_line', 400],
  ['missing version', 'GET /\r\n\r\n', 'bad_request_line', 400],
  ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 'bad_request_line', 400],
  ['lower-case version', 'GET / http/1.1\r\n\r\n', 'bad_request_line', 400],
  ['double space', 'GET  / HTTP/1.1\r\n\r\n', 'bad_request_line', 400],
  ['space in target', 'GET /a b HTTP/1.1\r\n\r\n', 'bad_request_line', 400],
  ['bad method char', 'G(T / HTTP/1.1\r\n\r\n', 'bad_request_line', 400],
  ['binary junk', '\u0016\u0003\u0001\u0000\u00a5\u0001\r\n\r\n', 'bad_request_line', 400],
  ['header without colon', 'GET / HTTP/1.1\r\nNoColon\r\n\r\n', 'bad_header', 400],
  ['space before colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'bad_header', 400],
  ['empty header name', 'GET / HTTP/1.1\r\n: x\r\n\r\n', 'bad_header', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 'bad_header', 400],
  ['bare LF in header', 'GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n', 'bad_header', 400],
  ['non-numeric Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n', 'bad_content_length', 400],
  ['negative Content-Length', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'bad_content_length', 400],
  ['empty Content-Length', 'POST / HTTP/1.1\r\nContent-Length:\r\n\r\n', 'bad_content_length', 400],
  [
    'conflicting Content-Length',
    'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    'bad_content_length',
    400,
  ],
  ['conflicting Content-Length list', 'POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\nab', 'bad_content_length', 400],
  [
    'chunked with Content-Length (smuggling shape)',
    'POST /a HTTP/1.1\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    'bad_content_length',
    400,
  ],
  ['Transfer-Encoding gzip', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'unsupported_transfer_encoding', 501],
  [
    'Transfer-Encoding gzip, chunked',
    'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
    'unsupported_transfer_encoding',
    501,
  ],
  [
    'chunked twice',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
    'unsupported_transfer_encoding',
    501,
  ],
  ['non-hex chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'bad_chunk', 400],
  ['empty chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', 'bad_chunk', 400],
  ['junk after chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n', 'bad_chunk', 400],
  ['chunk size with bare LF', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello', 'bad_chunk', 400],
  [
    'chunk data longer than its size',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
    'bad_chunk',
    400,
  ],
  [
    'malformed trailer',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnocolon\r\n\r\n',
    'bad_header',
    400,
  ],
  [
    'huge chunk size',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n',
    'body_too_large',
    413,
  ],
  ['huge Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n', 'body_too_large', 413],
  [
    'bad gzip body',
    'POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc',
    'bad_content_encoding',
    400,
  ],
];

for (const [name, input, code, status] of ERROR_CASES) {
  test(`error: ${name}`, (t) => {
    for (const o of [whole(input), byteByByte(input)]) {
      t.is(errorCode(o), code);
      t.is(o.errors[0]?.status, status);
      t.is(o.errors.length, 1);
      t.is(o.requests.length, 0);
    }
  });
}

test('after an error the parser stops consuming', (t) => {
  const good = 'GET / HTTP/1.1\r\n\r\n';
  let requests = 0;
  let errors = 0;
  const parser = new RequestParser(
    DEFAULT_LIMITS,
    () => requests++,
    () => errors++,
  );
  parser.feed(Buffer.from(good + 'BAD\r\n\r\n' + good));
  parser.feed(Buffer.from(good));
  t.is(requests, 1);
  t.is(errors, 1);
  t.true(parser.failed);
});

test('truncated input is neither a request nor an error; idle tells', (t) => {
  const data = fixture(CXX_PING);
  let requests = 0;
  const parser = new RequestParser(
    DEFAULT_LIMITS,
    () => requests++,
    () => t.fail(),
  );
  t.true(parser.idle);
  parser.feed(data.subarray(0, data.length - 3));
  t.is(requests, 0);
  t.false(parser.idle);
  parser.feed(data.subarray(data.length - 3));
  t.is(requests, 1);
  t.true(parser.idle);
});

// --- limits ------------------------------------------------------------------------

test('head limit: 431 when the head exceeds maxHeaderBytes, whole or split', (t) => {
  const limits = { maxHeaderBytes: 100, maxBodyBytes: 1000 };
  const big = `GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`;
  for (const o of [whole(big, limits), byteByByte(big, limits), randomSplits(big, 4, limits)]) {
    t.is(errorCode(o), 'headers_too_large');
    t.is(o.errors[0]?.status, 431);
  }
  // An unterminated head fails as soon as it passes the limit.
  const o = feedAll([Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(200)}`)], limits);
  t.is(errorCode(o), 'headers_too_large');
  // Exactly at the limit is fine.
  const exact = `GET / HTTP/1.1\r\nX: ${'a'.repeat(100 - 23)}\r\n\r\n`;
  t.is(exact.length, 100);
  t.deepEqual(whole(exact, limits).errors, []);
});

test('body limit: 413 for Content-Length and chunked bodies over maxBodyBytes', (t) => {
  const limits = { maxHeaderBytes: 1000, maxBodyBytes: 10 };
  t.deepEqual(whole('POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789', limits).errors, []);
  t.is(errorCode(whole('POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n', limits)), 'body_too_large');
  const chunked = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n';
  for (const o of [whole(chunked, limits), byteByByte(chunked, limits)]) t.is(errorCode(o), 'body_too_large');
  const gz = gzipSync(Buffer.alloc(1000)); // ~30 bytes on the wire, 1000 inflated
  const inflating = Buffer.concat([
    Buffer.from(`POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`),
    gz,
  ]);
  t.is(errorCode(whole(inflating, { maxHeaderBytes: 1000, maxBodyBytes: 100 })), 'body_too_large');
});

test('trailers count against maxHeaderBytes', (t) => {
  const limits = { maxHeaderBytes: 80, maxBodyBytes: 1000 };
  const frame = `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'t'.repeat(100)}\r\n\r\n`;
  for (const o of [whole(frame, limits), byteByByte(frame, limits)]) t.is(errorCode(o), 'headers_too_large');
});

test('parseAll throws on errors and returns every request', (t) => {
  t.is(parseAll(Buffer.concat([fixture(CXX_PING), fixture(GO_REGISTER)])).length, 2);
  t.throws(() => parseAll(Buffer.from('BAD\r\n\r\n')), { message: /bad_request_line/ });
});
