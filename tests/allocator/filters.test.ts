// Offer filter durations and storage (hierarchical.cpp recoverResources,
// RefusedOfferFilter).

import test from 'ava';
import { Resources } from '../../common/resources.js';
import { AgentFilters, DEFAULT_REFUSE_SECONDS, IndexPool, refuseDurationMs } from '../../master/allocator/filters.js';

const R = (text: string): Resources => Resources.parse(text);

const durations: Array<[string, number | null | undefined, number, number]> = [
  ['unset: the 5 s default', undefined, 1000, 5000],
  ['null: the default', null, 1000, 5000],
  ['zero: no filter', 0, 1000, 0],
  ['longer than the interval', 10, 1000, 10000],
  ['shorter than the interval: one interval', 0.1, 1000, 1000],
  ['negative: the default', -1, 1000, 5000],
  ['NaN: the default', Number.NaN, 1000, 5000],
  ['infinite: the default', Number.POSITIVE_INFINITY, 1000, 5000],
  ['beyond an int64 of nanoseconds: the default', 1e10, 1000, 5000],
  ['INT_MAX seconds', 2147483647, 1000, 2147483647000],
];
for (const [what, seconds, interval, expected] of durations) {
  test(`refuse duration: ${what}`, (t) => {
    t.is(refuseDurationMs(seconds, interval), expected);
  });
}

test('the default refuse_seconds is 5', (t) => {
  t.is(DEFAULT_REFUSE_SECONDS, 5);
});

test('a filter refuses offers its resources contain until it expires', (t) => {
  const filters = new AgentFilters();
  filters.add(3, R('cpus:2;mem:1024'), 5000);
  t.is(filters.size, 1);
  t.true(filters.isFiltered(3, R('cpus:2;mem:1024'), 0));
  t.true(filters.isFiltered(3, R('cpus:1;mem:512'), 4999));
  t.false(filters.isFiltered(3, R('cpus:3;mem:1024'), 0), 'more than was refused');
  t.false(filters.isFiltered(3, R('cpus:1;disk:1'), 0), 'something else');
  t.false(filters.isFiltered(2, R('cpus:1'), 0), 'another framework');
  t.false(filters.isFiltered(3, R('cpus:1'), 5000), 'expired');
  t.is(filters.size, 0, 'expired filters are pruned when met');
});

test('several filters per framework; clear and prune', (t) => {
  const filters = new AgentFilters();
  filters.add(0, R('cpus:1'), 1000);
  filters.add(0, R('mem:10'), 3000);
  filters.add(1, R('cpus:1'), 2000);
  t.is(filters.size, 3);
  t.true(filters.isFiltered(0, R('mem:5'), 2000));
  t.deepEqual(
    filters.of(0, 500).map((f) => f.expiresAt),
    [1000, 3000],
  );
  filters.prune(1500);
  t.is(filters.size, 2);
  t.deepEqual(
    filters.of(0, 1500).map((f) => f.resources.toString()),
    ['mem(*):10'],
  );
  filters.clear(0);
  t.is(filters.size, 1);
  t.false(filters.isFiltered(0, R('mem:5'), 0));
  t.true(filters.isFiltered(1, R('cpus:1'), 0));
});

test('framework indexes are reused', (t) => {
  const pool = new IndexPool();
  t.is(pool.acquire(), 0);
  t.is(pool.acquire(), 1);
  pool.release(0);
  t.is(pool.acquire(), 0);
  t.is(pool.acquire(), 2);
});
