import test from 'ava';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime } from '../../libprocess/index.js';
import {
  GarbageCollector,
  MAX_ALLOWED_AGE_GAUGE,
  delayFromMtime,
  diskUsage,
  maxAllowedAgeMs,
  pruneWindowMs,
  type GcOutcome,
} from '../../agent/gc.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

const SEC = 1000;
const HOUR = 3600 * SEC;
const WEEK = 7 * 24 * HOUR;

interface Setup {
  clock: Clock;
  runtime: Runtime;
  gc: GarbageCollector;
  dir: string;
  cleanup: () => Promise<void>;
}

async function setup(): Promise<Setup> {
  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const gc = new GarbageCollector(runtime);
  const dir = await mkdtemp(join(tmpdir(), 'gc-'));
  await runtime.settle();
  return {
    clock,
    runtime,
    gc,
    dir,
    cleanup: async () => {
      await runtime.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function sandbox(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, 'sub'), { recursive: true });
  await writeFile(join(path, 'sub', 'stdout'), 'hello');
  return path;
}

/** Advances the paused clock and lets the removals finish. */
async function advance(s: Setup, ms: number): Promise<void> {
  await s.runtime.settle();
  s.clock.advance(ms);
  await s.runtime.settle();
  await s.gc.process.idle();
  await s.runtime.settle();
}

test('age and prune window: gc_delay * max(0, 1 - headroom - usage)', (t) => {
  t.is(maxAllowedAgeMs(WEEK, 0.1, 0), WEEK * 0.9);
  t.is(maxAllowedAgeMs(WEEK, 0.1, 0.5), WEEK * (1 - 0.1 - 0.5));
  t.is(maxAllowedAgeMs(WEEK, 0.1, 0.9), 0);
  t.is(maxAllowedAgeMs(WEEK, 0.1, 0.95), 0, 'never negative');
  t.is(maxAllowedAgeMs(WEEK, 0, 0), WEEK);
  t.is(pruneWindowMs(WEEK, 0.1, 0), WEEK * 0.1);
  t.is(pruneWindowMs(WEEK, 0.1, 1), WEEK, 'full disk: everything scheduled goes');
  t.is(delayFromMtime(WEEK, 10 * HOUR, 4 * HOUR), WEEK - 6 * HOUR);
});

test('a scheduled directory is removed after the delay, not before', async (t) => {
  const s = await setup();
  const path = await sandbox(s.dir, 'run1');
  const outcome = s.gc.schedule(HOUR, path);
  await advance(s, HOUR - 1);
  t.true(existsSync(path));
  await advance(s, 1);
  t.false(existsSync(path));
  t.deepEqual(await outcome, { status: 'removed' });
  t.deepEqual(s.gc.process.scheduled(), []);
  await s.cleanup();
});

test('paths are removed in due order with one timer; same instant together', async (t) => {
  const s = await setup();
  const a = await sandbox(s.dir, 'a');
  const b = await sandbox(s.dir, 'b');
  const c = await sandbox(s.dir, 'c');
  const outcomes = [s.gc.schedule(3 * HOUR, c), s.gc.schedule(HOUR, a), s.gc.schedule(HOUR, b)];
  await s.runtime.settle();
  t.deepEqual(
    s.gc.process.scheduled().map((e) => [e.path, e.remainingMs]),
    [
      [a, HOUR],
      [b, HOUR],
      [c, 3 * HOUR],
    ],
  );
  t.is(s.clock.pending, 1, 'one timer armed for the earliest removal');
  await advance(s, HOUR);
  t.false(existsSync(a));
  t.false(existsSync(b));
  t.true(existsSync(c));
  await advance(s, 2 * HOUR);
  t.false(existsSync(c));
  t.deepEqual(await Promise.all(outcomes), [{ status: 'removed' }, { status: 'removed' }, { status: 'removed' }]);
  await s.cleanup();
});

test('unschedule cancels and discards; unknown paths answer false', async (t) => {
  const s = await setup();
  const path = await sandbox(s.dir, 'keep');
  const outcome = s.gc.schedule(HOUR, path);
  t.true(await s.gc.unschedule(path));
  t.deepEqual(await outcome, { status: 'discarded' });
  t.false(await s.gc.unschedule(path));
  t.false(await s.gc.unschedule(join(s.dir, 'never')));
  await advance(s, 2 * HOUR);
  t.true(existsSync(path));
  await s.cleanup();
});

test('rescheduling replaces the earlier schedule (which is discarded)', async (t) => {
  const s = await setup();
  const path = await sandbox(s.dir, 'again');
  const first = s.gc.schedule(HOUR, path);
  const second = s.gc.schedule(3 * HOUR, path);
  t.deepEqual(await first, { status: 'discarded' });
  await advance(s, 2 * HOUR);
  t.true(existsSync(path));
  await advance(s, HOUR);
  t.false(existsSync(path));
  t.deepEqual(await second, { status: 'removed' });
  await s.cleanup();
});

test('an earlier schedule re-arms the timer sooner', async (t) => {
  const s = await setup();
  const late = await sandbox(s.dir, 'late');
  const early = await sandbox(s.dir, 'early');
  const outcomes = [s.gc.schedule(5 * HOUR, late), s.gc.schedule(HOUR, early)];
  await advance(s, HOUR);
  t.false(existsSync(early));
  t.true(existsSync(late));
  await advance(s, 4 * HOUR);
  t.false(existsSync(late));
  t.deepEqual(await Promise.all(outcomes), [{ status: 'removed' }, { status: 'removed' }]);
  await s.cleanup();
});

test('prune removes paths due within the window at once', async (t) => {
  const s = await setup();
  const soon = await sandbox(s.dir, 'soon');
  const later = await sandbox(s.dir, 'later');
  const outcomes = [s.gc.schedule(HOUR, soon), s.gc.schedule(10 * HOUR, later)];
  await s.runtime.settle();
  s.gc.prune(2 * HOUR);
  await advance(s, 0);
  t.false(existsSync(soon));
  t.true(existsSync(later));
  t.deepEqual(await outcomes[0], { status: 'removed' });
  s.gc.prune(10 * HOUR);
  await advance(s, 0);
  t.false(existsSync(later));
  t.deepEqual(await outcomes[1], { status: 'removed' });
  await advance(s, 20 * HOUR);
  await s.cleanup();
});

test('a missing path fails its removal; a failing remover reports the error', async (t) => {
  const s = await setup();
  const outcome = s.gc.schedule(SEC, join(s.dir, 'missing'));
  await advance(s, SEC);
  const result: GcOutcome = await outcome;
  t.is(result.status, 'failed');
  await s.cleanup();

  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const gc = new GarbageCollector(runtime, { remove: () => Promise.reject(new Error('Permission denied')) });
  const failing = gc.schedule(0, '/nowhere');
  await runtime.settle();
  clock.advance(0);
  t.deepEqual(await failing, { status: 'failed', error: 'Permission denied' });
  await runtime.shutdown();
});

test('scheduleByMtime counts the delay from the modification time', async (t) => {
  const s = await setup();
  const path = await sandbox(s.dir, 'old');
  const now = s.clock.now();
  const mtime = new Date(Math.floor(now / 1000) * 1000 - 2 * HOUR);
  await utimes(path, mtime, mtime);
  const outcome = s.gc.scheduleByMtime(3 * HOUR, path);
  // The modification time is read from disk first (real I/O): wait for the schedule to land.
  const deadline = Date.now() + 10_000;
  while (s.gc.process.scheduled().length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    await s.runtime.settle();
  }
  const [entry] = s.gc.process.scheduled();
  t.is(entry?.path, path);
  t.true(Math.abs((entry?.remainingMs ?? 0) - HOUR) < 1000);
  await advance(s, HOUR + 1000);
  t.deepEqual(await outcome, { status: 'removed' });
  t.deepEqual(await s.gc.scheduleByMtime(HOUR, join(s.dir, 'absent')), {
    status: 'failed',
    error: `ENOENT: no such file or directory, stat '${join(s.dir, 'absent')}'`,
  });
  await s.cleanup();
});

test('terminating the collector discards pending schedules; calls after that discard', async (t) => {
  const s = await setup();
  const path = await sandbox(s.dir, 'pending');
  const outcome = s.gc.schedule(HOUR, path);
  await s.runtime.settle();
  s.gc.terminate();
  t.deepEqual(await outcome, { status: 'discarded' });
  t.deepEqual(await s.gc.schedule(HOUR, path), { status: 'discarded' });
  t.false(await s.gc.unschedule(path));
  t.true(existsSync(path));
  await s.cleanup();
});

test('disk watch: every interval, prunes with gc_delay - age and updates the gauge', async (t) => {
  const s = await setup();
  const young = await sandbox(s.dir, 'young');
  const old = await sandbox(s.dir, 'old');
  // Scheduled gc_delay ahead, as the agent does: `old` was scheduled 5 days ago.
  const outcomes = [s.gc.schedule(WEEK, young), s.gc.schedule(2 * 24 * HOUR, old)];
  let usage = 0.2;
  s.gc.watchDisk({ path: s.dir, gcDelayMs: WEEK, gcDiskHeadroom: 0.1, intervalMs: 60 * SEC, usage: () => Promise.resolve(usage) });
  await s.runtime.settle();
  const gauge = async (): Promise<number> => (await s.runtime.metrics.snapshot()).get(MAX_ALLOWED_AGE_GAUGE) ?? NaN;
  t.is(await gauge(), (WEEK * 0.9) / 1000, 'age(0) before the first check');

  // 20% used: age = 0.7 week; prune window 0.3 week (~2.1 days): `old` (2 days left) goes.
  await advance(s, 60 * SEC);
  t.false(existsSync(old));
  t.true(existsSync(young));
  t.is(await gauge(), (WEEK * 0.7) / 1000);
  t.is(s.gc.process.maxAllowedAgeMs, WEEK * 0.7);

  // 95% used: age 0, everything scheduled is pruned at the next check.
  usage = 0.95;
  await advance(s, 60 * SEC);
  t.false(existsSync(young));
  t.is(await gauge(), 0);
  t.deepEqual(await Promise.all(outcomes), [{ status: 'removed' }, { status: 'removed' }]);
  await s.cleanup();
});

test('disk watch survives a failing usage reader', async (t) => {
  const s = await setup();
  let calls = 0;
  s.gc.watchDisk({
    path: s.dir,
    gcDelayMs: WEEK,
    gcDiskHeadroom: 0.1,
    intervalMs: SEC,
    gauge: false,
    usage: () => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('statvfs failed')) : Promise.resolve(0.5);
    },
  });
  await advance(s, SEC);
  await advance(s, SEC);
  t.is(calls, 2);
  t.is(s.gc.process.maxAllowedAgeMs, WEEK * 0.4);
  t.false(s.runtime.metrics.has(MAX_ALLOWED_AGE_GAUGE));
  await s.cleanup();
});

test('diskUsage reads a fraction of the filesystem', async (t) => {
  const usage = await diskUsage(tmpdir());
  t.true(usage >= 0 && usage <= 1);
});
