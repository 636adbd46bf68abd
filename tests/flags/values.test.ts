import test from 'ava';
import {
  formatStoutBytes,
  formatStoutDuration,
  parseBool,
  parseDouble,
  parseInteger,
  parseStoutBytes,
  parseStoutDuration,
  types,
} from '../../common/flags-values.js';

const durations: Array<[string, number]> = [
  ['15secs', 15_000],
  ['1.5mins', 90_000],
  ['.5secs', 500],
  ['100ms', 100],
  ['10us', 0.01],
  ['5ns', 5e-6],
  ['2hrs', 7_200_000],
  ['3days', 259_200_000],
  ['1weeks', 604_800_000],
  ['0ns', 0],
];
for (const [text, ms] of durations) {
  test(`duration ${text}`, (t) => {
    const r = parseStoutDuration(text);
    t.true(r.ok);
    if (r.ok) t.is(r.value, ms);
  });
}

const badDurations: Array<[string, string]> = [
  ['5', "Invalid duration '5'"],
  ['', "Invalid duration ''"],
  ['secs', "Failed to convert '' to number"],
  ['-5secs', "Failed to convert '' to number"],
  ['1.2.3secs', "Failed to convert '1.2.3' to number"],
  ['5 secs', "Unknown duration unit ' secs'"],
  ['5seconds', "Unknown duration unit 'seconds'"],
  ['5SECS', "Unknown duration unit 'SECS'"],
];
for (const [text, message] of badDurations) {
  test(`bad duration ${JSON.stringify(text)}`, (t) => {
    const r = parseStoutDuration(text);
    t.false(r.ok);
    if (!r.ok) t.true(r.error.startsWith(message), r.error);
  });
}

test('durations print as stout prints them', (t) => {
  const table: Array<[number, string]> = [
    [0, '0ns'],
    [15_000, '15secs'],
    [60_000, '1mins'],
    [90_000, '90secs'],
    [600_000, '10mins'],
    [1000, '1secs'],
    [1500, '1500ms'],
    [21_600_000, '6hrs'],
    [604_800_000, '1weeks'],
    [1_209_600_000, '2weeks'],
    [777_600_000, '9days'],
    [0.5, '500us'],
    [-15_000, '-15secs'],
  ];
  for (const [ms, text] of table) t.is(formatStoutDuration(ms), text, String(ms));
});

test('byte sizes', (t) => {
  const table: Array<[string, number]> = [
    ['512MB', 512 * 1024 ** 2],
    ['512mb', 512 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['10B', 10],
    ['3KB', 3072],
    ['2TB', 2 * 1024 ** 4],
  ];
  for (const [text, bytes] of table) {
    const r = parseStoutBytes(text);
    t.deepEqual(r, { ok: true, value: bytes }, text);
  }
  const bad: Array<[string, string]> = [
    ['1.5GB', "Fractional bytes '1.5GB'"],
    ['512', "Invalid bytes '512'"],
    ['MB', "Failed to convert '' to number"],
    ['-1MB', "Failed to convert '' to number"],
    ['5PB', "Unknown bytes unit 'PB'"],
  ];
  for (const [text, error] of bad) t.deepEqual(parseStoutBytes(text), { ok: false, error }, text);
  t.is(formatStoutBytes(2 * 1024 ** 3), '2GB');
  t.is(formatStoutBytes(1536 * 1024 ** 2), '1536MB');
  t.is(formatStoutBytes(1000), '1000B');
  t.is(formatStoutBytes(0), '0B');
  t.is(formatStoutBytes(1024 ** 4), '1TB');
});

test('booleans accept exactly true/1/false/0', (t) => {
  t.deepEqual(parseBool('true'), { ok: true, value: true });
  t.deepEqual(parseBool('1'), { ok: true, value: true });
  t.deepEqual(parseBool('false'), { ok: true, value: false });
  t.deepEqual(parseBool('0'), { ok: true, value: false });
  for (const bad of ['yes', 'TRUE', 'True', ' true', '']) {
    t.deepEqual(parseBool(bad), { ok: false, error: 'Expecting a boolean (e.g., true or false)' }, bad);
  }
});

test('integers follow istringstream: leading blanks, sign, whole text, range', (t) => {
  t.deepEqual(parseInteger('5050', 0, 65535, 'uint16'), { ok: true, value: 5050 });
  t.deepEqual(parseInteger(' 42', 0, 65535, 'uint16'), { ok: true, value: 42 });
  t.deepEqual(parseInteger('+7', 0, 65535, 'uint16'), { ok: true, value: 7 });
  t.deepEqual(parseInteger('-3', -10, 10, 'int'), { ok: true, value: -3 });
  for (const bad of ['70000', '-1', '5.5', '0x10', '12 ', '', 'abc']) {
    const r = parseInteger(bad, 0, 65535, 'uint16');
    t.false(r.ok, bad);
    if (!r.ok) t.true(r.error.startsWith('Failed to convert into required type'));
  }
});

test('doubles', (t) => {
  t.deepEqual(parseDouble('0.1'), { ok: true, value: 0.1 });
  t.deepEqual(parseDouble('1e3'), { ok: true, value: 1000 });
  t.deepEqual(parseDouble('.5'), { ok: true, value: 0.5 });
  for (const bad of ['inf', 'nan', '1.5x', '', '--1']) t.false(parseDouble(bad).ok, bad);
});

test('sets reject duplicate tokens; uint lists parse', (t) => {
  const set = types.stringSet.schema.safeParse('gpus,foo');
  t.true(set.success);
  if (set.success) t.deepEqual([...set.data], ['gpus', 'foo']);
  const dup = types.stringSet.schema.safeParse('gpus,gpus');
  t.false(dup.success);
  if (!dup.success) t.is(dup.error.issues[0]?.message, "Duplicate token 'gpus'");
  const list = types.uintList.schema.safeParse('0,1,3');
  t.true(list.success);
  if (list.success) t.deepEqual(list.data, [0, 1, 3]);
  t.false(types.uintList.schema.safeParse('0,x').success);
  t.is(types.uintList.format([0, 1]), '[ 0, 1 ]');
  t.is(types.stringSet.format(new Set(['b', 'a'])), '{ a, b }');
});

test('JSON object flags reject other JSON values', (t) => {
  t.true(types.jsonObject.schema.safeParse('{"a": 1}').success);
  const arr = types.jsonObject.schema.safeParse('[1]');
  t.false(arr.success);
  if (!arr.success) t.is(arr.error.issues[0]?.message, 'Unexpected JSON type parsed');
  t.false(types.jsonObject.schema.safeParse('{').success);
  const map = types.stringMap.schema.safeParse('{"PATH": "/bin", "N": 1}');
  t.false(map.success);
  if (!map.success) t.regex(map.error.issues[0]?.message ?? '', /key 'N'.*is not a string/);
});
