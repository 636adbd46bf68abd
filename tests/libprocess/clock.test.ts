import test from 'ava';
import { Clock } from '../../libprocess/clock.js';
import { formatDuration, parseDuration } from '../../libprocess/duration.js';

test('paused clock fires timers in due order only when advanced', (t) => {
  const clock = new Clock();
  clock.pause();
  const start = clock.now();
  const fired: string[] = [];
  clock.timer(30, () => fired.push('c'));
  clock.timer(10, () => fired.push('a'));
  clock.timer(10, () => fired.push('b'));
  const cancelled = clock.timer(20, () => fired.push('x'));
  cancelled.cancel();
  t.is(clock.pending, 3);
  clock.advance(9);
  t.deepEqual(fired, []);
  clock.advance(1);
  t.deepEqual(fired, ['a', 'b']);
  clock.advance(100);
  t.deepEqual(fired, ['a', 'b', 'c']);
  t.is(clock.now(), start + 110);
  t.is(clock.pending, 0);
});

test('timers created by timers see the advanced time', (t) => {
  const clock = new Clock();
  clock.pause();
  const times: number[] = [];
  const start = clock.now();
  const tick = (): void => {
    times.push(clock.now() - start);
    if (times.length < 3) clock.timer(5, tick);
  };
  clock.timer(5, tick);
  clock.advance(20);
  t.deepEqual(times, [5, 10, 15]);
});

test('advance requires a paused clock', (t) => {
  t.throws(() => new Clock().advance(1));
});

test('real clock fires timers', async (t) => {
  const clock = new Clock();
  await new Promise<void>((resolve) => clock.timer(5, resolve));
  t.pass();
});

test('resume fires timers that fell due while paused', async (t) => {
  const clock = new Clock();
  clock.pause();
  const done = new Promise<void>((resolve) => clock.timer(1, resolve));
  clock.resume();
  await done;
  t.false(clock.paused);
});

test('durations parse in Mesos units', (t) => {
  t.is(parseDuration('5secs'), 5000);
  t.is(parseDuration('1.5mins'), 90_000);
  t.is(parseDuration('100ms'), 100);
  t.is(parseDuration('2hrs'), 7_200_000);
  t.is(parseDuration('1days'), 86_400_000);
  t.is(parseDuration('1weeks'), 604_800_000);
  t.is(parseDuration('10us'), 0.01);
  t.throws(() => parseDuration('5'));
  t.throws(() => parseDuration('5 seconds'));
  t.throws(() => parseDuration('secs'));
  t.is(formatDuration(5000), '5secs');
  t.is(formatDuration(90_000), '1.5mins');
});
