import test from 'ava';
import { RateLimiter, snapshotLimiterFromEnv } from '../../libprocess/builtins.js';
import { Clock } from '../../libprocess/clock.js';
import { formatDouble, quoteString } from '../../libprocess/json-number.js';
import { MetricsRegistry, percentile, renderSnapshot } from '../../libprocess/metrics.js';

test('doubles print like stout: always a decimal point, 15 significant digits', (t) => {
  t.is(formatDouble(0), '0.0');
  t.is(formatDouble(2), '2.0');
  t.is(formatDouble(-3), '-3.0');
  t.is(formatDouble(0.1), '0.1');
  t.is(formatDouble(1.5), '1.5');
  t.is(formatDouble(1234567.25), '1234567.25');
  t.is(formatDouble(1 / 3), '0.333333333333333');
  t.is(formatDouble(1e20), '1.00000000000000e+20');
  t.is(formatDouble(1.5e-7), '1.50000000000000e-07');
  t.is(formatDouble(Number.NaN), 'null');
});

test("strings escape '/' like stout", (t) => {
  t.is(quoteString('master/cpus_total'), '"master\\/cpus_total"');
  t.deepEqual(JSON.parse(quoteString('a/"b"')), 'a/"b"');
});

test('snapshot renders counters, gauges and timers as flat JSON', async (t) => {
  const clock = new Clock();
  clock.pause();
  const metrics = new MetricsRegistry(clock);
  metrics.counter('master/messages_register_slave').inc(3);
  metrics.gauge('master/cpus_total', () => 4);
  metrics.gauge('master/async', () => Promise.resolve(0.5));
  const timer = metrics.timer('registrar/state_store', 60_000);
  t.is(timer.name, 'registrar/state_store_ms');
  const empty = await metrics.snapshot();
  t.false(empty.has('registrar/state_store_ms'), 'a timer with no sample has no value');
  for (const ms of [10, 20, 30, 40]) timer.record(ms);
  const snapshot = await metrics.snapshot();
  t.is(snapshot.get('master/messages_register_slave'), 3);
  t.is(snapshot.get('master/cpus_total'), 4);
  t.is(snapshot.get('master/async'), 0.5);
  t.is(snapshot.get('registrar/state_store_ms'), 40);
  t.is(snapshot.get('registrar/state_store_ms/count'), 4);
  t.is(snapshot.get('registrar/state_store_ms/min'), 10);
  t.is(snapshot.get('registrar/state_store_ms/max'), 40);
  t.is(snapshot.get('registrar/state_store_ms/p50'), 25);
  const json = JSON.parse(renderSnapshot(snapshot)) as Record<string, number>;
  t.is(json['master/cpus_total'], 4);
  t.regex(renderSnapshot(snapshot), /"master\\\/cpus_total":4\.0/);
  t.throws(() => metrics.add(metrics.counter('master/messages_register_slave')), { message: /already added/ });
});

test('gauges that miss the timeout are left out', async (t) => {
  const metrics = new MetricsRegistry(new Clock());
  metrics.gauge('slow', () => new Promise<number>(() => undefined));
  metrics.gauge('fast', () => 1);
  const snapshot = await metrics.snapshot(20);
  t.false(snapshot.has('slow'));
  t.is(snapshot.get('fast'), 1);
});

test('timer windows drop old samples', async (t) => {
  const clock = new Clock();
  clock.pause();
  const metrics = new MetricsRegistry(clock);
  const timer = metrics.timer('t', 1000);
  timer.record(1);
  timer.record(2);
  clock.advance(2000);
  timer.record(3);
  timer.record(4);
  const snapshot = await metrics.snapshot();
  t.is(snapshot.get('t_ms/count'), 2);
  t.is(snapshot.get('t_ms/min'), 3);
});

test('percentiles interpolate between ranks', (t) => {
  t.is(percentile([1, 2, 3, 4, 5], 0.5), 3);
  t.is(percentile([10, 20], 0.5), 15);
  t.is(percentile([7], 0.99), 7);
});

test('snapshot rate limit follows LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT', (t) => {
  t.is(snapshotLimiterFromEnv(''), undefined);
  const limiter = snapshotLimiterFromEnv('2/1secs');
  t.truthy(limiter);
  t.throws(() => snapshotLimiterFromEnv('lots'), { message: /LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT/ });
  t.throws(() => snapshotLimiterFromEnv('2/soon'));
  const defaults = snapshotLimiterFromEnv(undefined) as RateLimiter;
  t.is(defaults.acquire(0), 0);
  t.is(defaults.acquire(0), 500);
  t.is(defaults.acquire(0), 1000);
  t.is(defaults.acquire(5000), 0);
});
