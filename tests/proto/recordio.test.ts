import test from 'ava';
import { Readable } from 'node:stream';
import {
  encodeMessage,
  encodeRecord,
  mesos,
  readRecords,
  RecordIODecoder,
  RecordIOError,
  toJSONString,
} from '../../proto/index.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

test('encodeRecord prefixes the byte length and a newline', (t) => {
  t.is(text(encodeRecord('{"type":"HEARTBEAT"}')), '20\n{"type":"HEARTBEAT"}');
  t.is(text(encodeRecord('')), '0\n');
  t.is(text(encodeRecord('é')), '2\né'); // UTF-8 bytes, not characters
  const body = encodeMessage(mesos.v1.scheduler.Event, { type: mesos.v1.scheduler.Event.Type.HEARTBEAT });
  t.deepEqual(Buffer.from(encodeRecord(body)), Buffer.concat([Buffer.from(`${body.length}\n`), body]));
});

test('several records in one chunk', (t) => {
  const d = new RecordIODecoder();
  const stream = Buffer.concat([encodeRecord('one'), encodeRecord('two'), encodeRecord(''), encodeRecord('three!')]);
  t.deepEqual(d.decode(stream).map(text), ['one', 'two', '', 'three!']);
  t.is(d.bufferedBytes, 0);
  t.notThrows(() => d.end());
});

test('byte-by-byte chunks give the same records', (t) => {
  const events = [
    toJSONString(mesos.v1.scheduler.Event, { type: mesos.v1.scheduler.Event.Type.SUBSCRIBED, subscribed: { framework_id: { value: 'f' }, heartbeat_interval_seconds: 15 } }),
    toJSONString(mesos.v1.scheduler.Event, { type: mesos.v1.scheduler.Event.Type.HEARTBEAT }),
    '',
    'x'.repeat(300),
  ];
  const stream = Buffer.concat(events.map((e) => encodeRecord(e)));
  const d = new RecordIODecoder();
  const out: string[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...d.decode(stream.subarray(i, i + 1)).map(text));
  t.deepEqual(out, events);
});

test('every split point of a two-record stream', (t) => {
  const stream = Buffer.concat([encodeRecord('hello world'), encodeRecord('0123456789')]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new RecordIODecoder();
    const out = [...d.decode(stream.subarray(0, cut)), ...d.decode(stream.subarray(cut))].map(text);
    t.deepEqual(out, ['hello world', '0123456789'], `cut at ${cut}`);
  }
});

test('records spanning chunks are copied out whole; records inside a chunk are views', (t) => {
  const d = new RecordIODecoder();
  t.deepEqual(d.decode(bytes('5\nab')), []);
  t.is(d.bufferedBytes, 2);
  const chunk = bytes('cde3\nxyz');
  const [spanning, inside] = d.decode(chunk);
  t.is(text(spanning ?? new Uint8Array()), 'abcde');
  t.not(spanning?.buffer, chunk.buffer);
  t.is(text(inside ?? new Uint8Array()), 'xyz');
  t.is(inside?.buffer, chunk.buffer);
  t.is(d.bufferedBytes, 0);
});

test('empty records and leading zeros', (t) => {
  const d = new RecordIODecoder();
  t.deepEqual(d.decode(bytes('0\n0\n003\nabc')).map(text), ['', '', 'abc']);
});

test('bad length prefixes are typed errors and fail the decoder', (t) => {
  for (const [input, pattern] of [
    ['abc\n', /Invalid byte 0x61/],
    ['-1\n', /Invalid byte 0x2d/],
    [' 5\nhello', /Invalid byte 0x20/],
    ['5 \nhello', /Invalid byte 0x20/],
    ['+5\nhello', /Invalid byte 0x2b/],
    ['0x10\n', /Invalid byte 0x78/],
    ['\n', /Empty RecordIO length line/],
    ['5\r\nhello', /Invalid byte 0x0d/],
  ] as const) {
    const d = new RecordIODecoder();
    const err = t.throws(() => d.decode(bytes(input)), { instanceOf: RecordIOError, message: pattern }, input);
    t.is(err?.kind, 'bad-length');
    t.true(d.failed);
    t.throws(() => d.decode(bytes('1\na')), { instanceOf: RecordIOError, message: /failed state/ });
  }
});

test('records decoded before an error in the same chunk are kept on the error', (t) => {
  const d = new RecordIODecoder();
  const err = t.throws(() => d.decode(bytes('2\nokx\n')), { instanceOf: RecordIOError });
  t.deepEqual(err?.records.map(text), ['ok']);
});

test('oversized records are refused before buffering them', (t) => {
  const d = new RecordIODecoder({ maxRecordSize: 1000 });
  t.deepEqual(d.decode(bytes('1000\n')), []);
  t.is(d.decode(Buffer.alloc(1000, 0x61))[0]?.length, 1000);
  const err = t.throws(() => d.decode(bytes('1001')), { instanceOf: RecordIOError });
  t.is(err?.kind, 'oversize');

  // A huge length is rejected as soon as its digits pass the limit, without the newline.
  const big = new RecordIODecoder();
  const e2 = t.throws(() => big.decode(bytes('99999999999999999999999999')), { instanceOf: RecordIOError });
  t.is(e2?.kind, 'oversize');

  // Endless leading zeros do not grow the header buffer without bound.
  const zeros = new RecordIODecoder({ maxRecordSize: 10 });
  const e3 = t.throws(() => zeros.decode(Buffer.alloc(100, 0x30)), { instanceOf: RecordIOError });
  t.is(e3?.kind, 'bad-length');
  t.throws(() => new RecordIODecoder({ maxRecordSize: -1 }), { instanceOf: RangeError });
});

test('end() reports a truncated stream', (t) => {
  const mid = new RecordIODecoder();
  mid.decode(bytes('10\nabc'));
  const err = t.throws(() => mid.end(), { instanceOf: RecordIOError });
  t.is(err?.kind, 'truncated');
  const header = new RecordIODecoder();
  header.decode(bytes('1'));
  t.throws(() => header.end(), { instanceOf: RecordIOError, message: /ended inside a record/ });
});

test('readRecords over a stream', async (t) => {
  const stream = Buffer.concat([encodeRecord('a'), encodeRecord('bb'), encodeRecord('ccc')]);
  const chunks = [stream.subarray(0, 3), stream.subarray(3, 7), stream.subarray(7)];
  const out: string[] = [];
  for await (const r of readRecords(Readable.from(chunks))) out.push(text(r));
  t.deepEqual(out, ['a', 'bb', 'ccc']);

  await t.throwsAsync(async () => {
    for await (const r of readRecords(Readable.from([bytes('3\nab')]))) void r;
  }, { instanceOf: RecordIOError, message: /ended inside a record/ });
});
