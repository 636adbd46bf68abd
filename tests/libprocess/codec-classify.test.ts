import test from 'ava';

import { classify, percentDecode, type Classification } from '../../libprocess/transport/classify.js';
import { parseAll } from '../../libprocess/transport/http-parser.js';
import { MessageEncoder } from '../../libprocess/transport/message-encoder.js';
import { CXX_PING, GO_REGISTER, fixture } from './codec-helpers.js';

function one(raw: string | Buffer, client?: string): Classification {
  const [r] = parseAll(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw);
  if (r === undefined) throw new Error('no request parsed');
  return classify(r, client);
}

/** A compact view of a classification for table comparisons. */
function summary(c: Classification): unknown[] {
  switch (c.kind) {
    case 'message':
      return ['message', c.from, c.toId, c.name, c.body.toString('latin1'), c.reply];
    case 'http':
      return ['http', c.request.method, c.request.path, c.request.query.toString()];
    case 'invalid':
      return ['invalid', c.code, c.status, c.respond];
  }
}

test('golden C++ frame: a message that gets no response', (t) => {
  t.deepEqual(summary(one(fixture(CXX_PING))), [
    'message',
    'ping@127.0.0.1:5053',
    'pong',
    'ping',
    '0xxxxxxxxxxxxxxx',
    'none',
  ]);
});

test('golden Go frame: a message answered with 202', (t) => {
  const c = one(fixture(GO_REGISTER));
  t.deepEqual(summary(c).slice(0, 4), [
    'message',
    'scheduler(1)@127.0.0.1:45209',
    'master',
    'mesos.internal.RegisterFrameworkMessage',
  ]);
  t.is(c.kind === 'message' ? c.reply : undefined, 'accepted');
  t.is(c.kind === 'message' ? c.body.length : 0, 41);
});

const UA = 'User-Agent: libprocess/a(1)@10.0.0.1:5051\r\n';
const FROM = 'Libprocess-From: b(2)@10.0.0.2:5052\r\n';

const TABLE: [string, string, unknown[]][] = [
  // Mesos <= 0.21.0: HTTP/1.0 and only the User-Agent.
  [
    'User-Agent only',
    `POST /master/mesos.internal.M HTTP/1.0\r\n${UA}Content-Length: 1\r\n\r\nx`,
    ['message', 'a(1)@10.0.0.1:5051', 'master', 'mesos.internal.M', 'x', 'none'],
  ],
  // Mesos >= 0.21.1: both; Libprocess-From names the sender.
  [
    'both headers: Libprocess-From wins',
    `POST /master/M HTTP/1.1\r\n${UA}${FROM}\r\n`,
    ['message', 'b(2)@10.0.0.2:5052', 'master', 'M', '', 'none'],
  ],
  // Other drivers: only Libprocess-From; they wait for 202.
  [
    'Libprocess-From only',
    `POST /master/M HTTP/1.1\r\n${FROM}User-Agent: Go-http-client/1.1\r\n\r\n`,
    ['message', 'b(2)@10.0.0.2:5052', 'master', 'M', '', 'accepted'],
  ],
  [
    'Libprocess-From with padding and a second word',
    'POST /master/M HTTP/1.1\r\nLibprocess-From:   b(2)@10.0.0.2:5052 trailing\r\n\r\n',
    ['message', 'b(2)@10.0.0.2:5052', 'master', 'M', '', 'accepted'],
  ],
  [
    'User-Agent with more words after the pid',
    'POST /master/M HTTP/1.1\r\nUser-Agent: libprocess/a(1)@10.0.0.1:5051 (extra)\r\n\r\n',
    ['message', 'a(1)@10.0.0.1:5051', 'master', 'M', '', 'none'],
  ],
  [
    'libprocess/ inside the User-Agent: still no response',
    `POST /master/M HTTP/1.1\r\n${FROM}User-Agent: proxy libprocess/x\r\n\r\n`,
    ['message', 'b(2)@10.0.0.2:5052', 'master', 'M', '', 'none'],
  ],
  [
    'libprocess/ not at the start of the User-Agent: not a message',
    'POST /master/M HTTP/1.1\r\nUser-Agent: x libprocess/a(1)@10.0.0.1:5051\r\n\r\n',
    ['http', 'POST', '/master/M', ''],
  ],
  [
    'GET with libprocess headers is plain HTTP',
    `GET /master/state HTTP/1.1\r\n${UA}${FROM}\r\n`,
    ['http', 'GET', '/master/state', ''],
  ],
  ['plain POST', 'POST /master/api/v1/scheduler HTTP/1.1\r\n\r\n', ['http', 'POST', '/master/api/v1/scheduler', '']],
  [
    'name is everything after the second slash, undecoded',
    `POST /master/a/b%20c HTTP/1.1\r\n${UA}\r\n`,
    ['message', 'a(1)@10.0.0.1:5051', 'master', 'a/b%20c', '', 'none'],
  ],
  [
    'receiver id is percent-decoded, + is a space',
    `POST /sched%28uler%29+x/M HTTP/1.1\r\n${UA}\r\n`,
    ['message', 'a(1)@10.0.0.1:5051', 'sched(uler) x', 'M', '', 'none'],
  ],
  [
    'no name: receiver only',
    `POST /master HTTP/1.1\r\n${UA}\r\n`,
    ['message', 'a(1)@10.0.0.1:5051', 'master', '', '', 'none'],
  ],
  [
    'query string is not part of the name',
    `POST /master/M?x=1 HTTP/1.1\r\n${UA}\r\n`,
    ['message', 'a(1)@10.0.0.1:5051', 'master', 'M', '', 'none'],
  ],
  [
    'absolute-form target',
    `POST http://10.0.0.9:5050/master/M HTTP/1.1\r\n${UA}\r\n`,
    ['message', 'a(1)@10.0.0.1:5051', 'master', 'M', '', 'none'],
  ],
  [
    'empty receiver id (Mesos sends /name when to.id is empty)',
    `POST /M HTTP/1.1\r\n${UA}\r\n`,
    ['message', 'a(1)@10.0.0.1:5051', 'M', '', '', 'none'],
  ],
  [
    'hostname in the sender pid',
    'POST /master/M HTTP/1.1\r\nLibprocess-From: s(1)@agent-1.example.com:5051\r\n\r\n',
    ['message', 's(1)@agent-1.example.com:5051', 'master', 'M', '', 'accepted'],
  ],
  // Invalid messages: answered 400 when the peer waits for a response, dropped otherwise.
  [
    'bad sender, peer waits',
    'POST /master/M HTTP/1.1\r\nLibprocess-From: not-a-pid\r\n\r\n',
    ['invalid', 'bad_from', 400, true],
  ],
  ['empty Libprocess-From', 'POST /master/M HTTP/1.1\r\nLibprocess-From:\r\n\r\n', ['invalid', 'bad_from', 400, true]],
  ['bad sender port', 'POST /master/M HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:x\r\n\r\n', ['invalid', 'bad_from', 400, true]],
  [
    'bad sender from libprocess: dropped',
    'POST /master/M HTTP/1.1\r\nUser-Agent: libprocess/garbage\r\n\r\n',
    ['invalid', 'bad_from', 400, false],
  ],
  [
    'bad percent escape in receiver',
    `POST /mas%zzter/M HTTP/1.1\r\n${FROM}\r\n`,
    ['invalid', 'bad_receiver', 400, true],
  ],
  ['message target that is not a path', `POST * HTTP/1.1\r\n${UA}\r\n`, ['invalid', 'bad_path', 400, false]],
  // Plain HTTP.
  ['query string', 'GET /master/state?jsonp=cb&x=a+b HTTP/1.1\r\n\r\n', ['http', 'GET', '/master/state', 'jsonp=cb&x=a+b']],
  ['percent-decoded path', 'GET /files/read%20me?path=%2Ftmp HTTP/1.1\r\n\r\n', ['http', 'GET', '/files/read me', 'path=%2Ftmp']],
  ['+ stays + in a path', 'GET /a+b HTTP/1.1\r\n\r\n', ['http', 'GET', '/a+b', '']],
  ['UTF-8 in a path', 'GET /%C3%A9t%C3%A9 HTTP/1.1\r\n\r\n', ['http', 'GET', '/été', '']],
  ['fragment dropped', 'GET /a#frag HTTP/1.1\r\n\r\n', ['http', 'GET', '/a', '']],
  ['absolute-form HTTP target', 'GET http://h:1/x/y?z=1 HTTP/1.1\r\n\r\n', ['http', 'GET', '/x/y', 'z=1']],
  ['absolute-form without a path', 'GET http://h:1 HTTP/1.1\r\n\r\n', ['http', 'GET', '/', '']],
  ['asterisk target', 'OPTIONS * HTTP/1.1\r\n\r\n', ['invalid', 'bad_path', 400, true]],
  ['relative path', 'GET /files/../etc/passwd HTTP/1.1\r\n\r\n', ['invalid', 'relative_path', 404, true]],
  ['bad percent escape in path', 'GET /a%2 HTTP/1.1\r\n\r\n', ['invalid', 'bad_path', 400, true]],
];

for (const [name, raw, expected] of TABLE) {
  test(`classify: ${name}`, (t) => {
    t.deepEqual(summary(one(raw)), expected);
  });
}

test('http requests carry url, headers, body, keepAlive and client', (t) => {
  const c = one('POST /a/b?q=1 HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi', '10.1.1.1:999');
  if (c.kind !== 'http') {
    t.fail(`expected http, got ${c.kind}`);
    return;
  }
  t.is(c.request.url, '/a/b?q=1');
  t.is(c.request.headers.get('content-type'), 'text/plain');
  t.is(c.request.body.toString(), 'hi');
  t.false(c.request.keepAlive);
  t.is(c.request.client, '10.1.1.1:999');
  t.is(c.request.query.get('q'), '1');
});

test('encoder output classifies back to the same message', (t) => {
  const enc = new MessageEncoder('scheduler-1(7)@192.168.0.3:40123', 'master');
  for (const [name, body] of [
    ['mesos.internal.ReregisterFrameworkMessage', Buffer.from([0, 1, 2, 255])],
    ['mesos.internal.DeactivateFrameworkMessage', Buffer.alloc(0)],
    ['x', Buffer.alloc(70000, 7)],
  ] as const) {
    const c = one(enc.encode(name, body));
    t.deepEqual(summary(c).slice(0, 4), ['message', 'scheduler-1(7)@192.168.0.3:40123', 'master', name]);
    t.true(c.kind === 'message' && c.body.equals(body) && c.reply === 'none');
  }
});

test('percentDecode', (t) => {
  t.is(percentDecode('abc', true), 'abc');
  t.is(percentDecode('a+b', true), 'a b');
  t.is(percentDecode('a+b', false), 'a+b');
  t.is(percentDecode('%41%2f%2F', false), 'A//');
  t.is(percentDecode('%e2%82%ac', false), '€');
  t.is(percentDecode('%', false), undefined);
  t.is(percentDecode('%4', false), undefined);
  t.is(percentDecode('%4g', false), undefined);
});
