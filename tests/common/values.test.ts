// Value arithmetic and syntax; cases re-expressed from Mesos 1.0's
// src/tests/values_tests.cpp and resources_tests.cpp (printing precision).

import test from 'ava';
import {
  RANGES,
  SCALAR,
  SET,
  TEXT,
  addRanges,
  addSets,
  coalesce,
  formatG6,
  formatRanges,
  formatScalar,
  fromMilli,
  parseValue,
  rangesContain,
  rangesSize,
  roundScalar,
  setContains,
  setsEqual,
  subtractRanges,
  subtractSets,
  toMilli,
} from '../../common/values.js';

function ranges(text: string): number[] {
  const value = parseValue(text);
  if (value.type !== RANGES) throw new Error(`not ranges: ${text}`);
  return value.ranges;
}

test('parseValue recognizes scalars, ranges, sets and text', (t) => {
  t.deepEqual(parseValue('45.55'), { type: SCALAR, scalar: 45.55 });
  t.deepEqual(parseValue(' 1e3 '), { type: SCALAR, scalar: 1000 });
  t.deepEqual(parseValue('[10000-20000, 30000-50000]'), { type: RANGES, ranges: [10000, 20000, 30000, 50000] });
  t.deepEqual(parseValue('{sda1, sda2}'), { type: SET, items: ['sda1', 'sda2'] });
  t.deepEqual(parseValue('123abc,s'), { type: TEXT, text: '123abc,s' });
  t.deepEqual(parseValue('[]'), { type: RANGES, ranges: [] });
});

const invalidValues: Array<[string, string]> = [
  ['{aa,b}}', 'Mismatched brackets'],
  ['[1-2]]', 'Mismatched brackets'],
  ['(1', 'Mismatched brackets'],
  ['[1-2b]', "Expecting non-negative integers in '2b'"],
  ['[1-2-3]', 'Expecting one or more "ranges"'],
  ['  ', 'Expecting non-empty string'],
  ['a[1-2]', "Unexpected '[' found"],
  ['a{b}', "Unexpected '{' found"],
];
for (const [text, message] of invalidValues) {
  test(`parseValue rejects ${JSON.stringify(text)}`, (t) => {
    t.throws(() => parseValue(text), { message });
  });
}

const coalesceCases: Array<[string, number[]]> = [
  ['[4-6, 6-8, 5-9, 3-4, 2-5, 4-6, 1-1, 10-10, 4-6]', [1, 10]],
  ['[4-6, 6-8]', [4, 8]],
  ['[6-8, 4-6]', [4, 8]],
  ['[1-10, 8-10]', [1, 10]],
  ['[1-11, 8-10]', [1, 11]],
  ['[1-4, 4-5, 7-8, 8-10]', [1, 5, 7, 10]],
  ['[7-8, 1-4, [8-10], 4-5]', [1, 5, 7, 10]],
  ['[4-6, 7-8]', [4, 8]],
  ['[4-6, 7-7]', [4, 7]],
  ['[4-6, 7-7, 8-8, 9-9]', [4, 9]],
  ['[4-6, 7-7, 9-10, 9-11]', [4, 7, 9, 11]],
  ['[6-8, 6-8, 4-6, 6-8]', [4, 8]],
];
for (const [text, expected] of coalesceCases) {
  test(`ranges coalesce: ${text}`, (t) => {
    t.deepEqual(ranges(text), expected);
  });
}

test('coalesce keeps disjoint ranges apart and merges adjacent ones', (t) => {
  t.deepEqual(coalesce([1, 4, 8, 10, 4, 8]), [1, 10]);
  t.deepEqual(coalesce([1, 10, 20, 21]), [1, 10, 20, 21]);
  t.deepEqual(coalesce([]), []);
});

const additions: Array<[string, string, string]> = [
  ['[3-8]', '[4-10]', '[3-10]'],
  ['[3-8]', '[1-4]', '[1-8]'],
  ['[2-3]', '[1-4]', '[1-4]'],
  ['[2-3]', '[4-6]', '[2-6]'],
  ['[3-5]', '[1-2]', '[1-5]'],
  ['[3-5, 7-8]', '[6-6]', '[3-8]'],
  ['[1-4, 9-10, 20-22, 26-30]', '[5-8, 23-25]', '[1-10, 20-30]'],
  ['[]', '[5-6]', '[5-6]'],
];
for (const [a, b, sum] of additions) {
  test(`ranges ${a} + ${b} = ${sum}`, (t) => {
    t.deepEqual(addRanges(ranges(a), ranges(b)), ranges(sum));
    t.deepEqual(addRanges(ranges(b), ranges(a)), ranges(sum));
  });
}

const subtractions: Array<[string, string, string]> = [
  ['[3-8]', '[1-10]', '[]'],
  ['[3-8]', '[3-5]', '[6-8]'],
  ['[3-8]', '[5-8]', '[3-4]'],
  ['[3-8]', '[5-6]', '[3-4, 7-8]'],
  ['[3-8]', '[1-3]', '[4-8]'],
  ['[3-8]', '[5-10]', '[3-4]'],
  ['[3-8]', '[9-10]', '[3-8]'],
  ['[3-8]', '[1-2]', '[3-8]'],
  ['[1-10]', '[2-3, 5-6, 9-9]', '[1-1, 4-4, 7-8, 10-10]'],
  ['[1-5, 10-15]', '[4-11]', '[1-3, 12-15]'],
  ['[31000-32000]', '[31000-31001, 31062-31063]', '[31002-31061, 31064-32000]'],
];
for (const [a, b, difference] of subtractions) {
  test(`ranges ${a} - ${b} = ${difference}`, (t) => {
    t.deepEqual(subtractRanges(ranges(a), ranges(b)), ranges(difference));
  });
}

test('ranges containment', (t) => {
  t.true(rangesContain(ranges('[1-10]'), ranges('[2-3, 5-9]')));
  t.true(rangesContain(ranges('[1-5, 7-9]'), ranges('[7-9]')));
  t.false(rangesContain(ranges('[1-5, 7-9]'), ranges('[5-7]')));
  t.false(rangesContain(ranges('[1-5]'), ranges('[0-1]')));
  t.true(rangesContain(ranges('[1-5]'), ranges('[]')));
  t.false(rangesContain(ranges('[]'), ranges('[1-1]')));
  t.is(rangesSize(ranges('[1-5, 7-9]')), 8);
  t.is(formatRanges(ranges('[10000-20000, 30000-50000]')), '[10000-20000, 30000-50000]');
});

test('set arithmetic keeps order and ignores duplicates', (t) => {
  t.deepEqual(subtractSets(['sda1', 'sda2', 'sda3'], ['sda2', 'sda3']), ['sda1']);
  t.deepEqual(subtractSets(['sda4'], ['sda1']), ['sda4']);
  t.deepEqual(addSets(['a', 'b'], ['b', 'c']), ['a', 'b', 'c']);
  t.true(setContains(['a', 'b', 'c'], ['c', 'a']));
  t.false(setContains(['a'], ['a', 'b']));
  t.true(setsEqual(['a', 'b'], ['b', 'a']));
});

test('scalars are fixed point with three decimals', (t) => {
  t.is(toMilli(1.2345), 1235);
  t.is(toMilli(1.2344), 1234);
  t.is(toMilli(-1.2345), -1235);
  t.is(fromMilli(toMilli(54.44) + toMilli(45.55) + toMilli(45.55)), 145.54);
  t.is(fromMilli(toMilli(0.1) + toMilli(0.2)), 0.3);
  t.is(roundScalar(1.0005), 1.001);
  t.is(fromMilli(-1500), -1.5);
});

const printed: Array<[number, string]> = [
  [1.234, '1.234'],
  [1.2345, '1.235'],
  [1.2344, '1.234'],
  [1.1, '1.1'],
  [45.55, '45.55'],
  [1024, '1024'],
  [0, '0'],
  [0.001, '0.001'],
  [123456, '123456'],
  [1048576, '1.04858e+06'],
  [2147483.647, '2.14748e+06'],
];
for (const [value, text] of printed) {
  test(`scalar ${value} prints as ${text}`, (t) => {
    t.is(formatScalar(toMilli(value)), text);
  });
}

test('formatG6 follows printf %g', (t) => {
  t.is(formatG6(0.0001), '0.0001');
  t.is(formatG6(0.00001), '1e-05');
  t.is(formatG6(999999.4), '999999');
  t.is(formatG6(999999.6), '1e+06');
  t.is(formatG6(-2.5), '-2.5');
  t.is(formatG6(Number.NaN), 'nan');
});
