// The agent's garbage collector (src/slave/gc.cpp, gc.hpp): directories
// scheduled for removal after a delay, on the runtime clock. One timer is armed
// for the earliest removal time; paths due at the same instant are removed
// together. Scheduling a path again replaces its earlier schedule (the earlier
// caller sees `discarded`), `unschedule` cancels, and `prune(d)` removes at once
// every path due within `d`.
//
// Disk pressure (Slave::checkDiskUsage/_checkDiskUsage, Slave::age): every
// `--disk_watch_interval` the usage of the filesystem holding `--work_dir` is
// read (fs::usage: used blocks / total blocks) and the maximum age a sandbox may
// reach becomes
//
//   age = gc_delay * max(0, 1 - gc_disk_headroom - usage)
//
// after which every path due within `gc_delay - age` is pruned. The slave's
// gauge `slave/executor_directory_max_allowed_age_secs` shows `age`. Mesos 1.0
// has no other metrics for the collector.
//
// The process is `GarbageCollectorProcess`; the agent talks to it through the
// `GarbageCollector` facade, whose calls are dispatched into the process.

import { lstat, rm, stat, statfs } from 'node:fs/promises';
import { errorText } from '../common/errors.js';
import type { Timer } from '../libprocess/clock.js';
import { Process } from '../libprocess/process.js';
import type { Runtime } from '../libprocess/runtime.js';

/** How a scheduled removal ended. */
export type GcOutcome =
  | { readonly status: 'removed' }
  /** Unscheduled, rescheduled, or the collector terminated first. */
  | { readonly status: 'discarded' }
  | { readonly status: 'failed'; readonly error: string };

/** Slave::age: how old a sandbox may get at this disk usage (a fraction in [0, 1]). */
export function maxAllowedAgeMs(gcDelayMs: number, gcDiskHeadroom: number, usage: number): number {
  return gcDelayMs * Math.max(0, 1 - gcDiskHeadroom - usage);
}

/** The window passed to prune(): paths due within it are removed now. */
export function pruneWindowMs(gcDelayMs: number, gcDiskHeadroom: number, usage: number): number {
  return gcDelayMs - maxAllowedAgeMs(gcDelayMs, gcDiskHeadroom, usage);
}

/** Slave::garbageCollect: the delay for a path last modified at `mtimeMs`, counted from `nowMs`. */
export function delayFromMtime(gcDelayMs: number, nowMs: number, mtimeMs: number): number {
  return gcDelayMs - (nowMs - mtimeMs);
}

/** fs::usage: (f_blocks - f_bfree) / f_blocks of the filesystem holding `path`. */
export async function diskUsage(path: string): Promise<number> {
  const stats = await statfs(path);
  if (stats.blocks === 0) return 0;
  return (stats.blocks - stats.bfree) / stats.blocks;
}

/** Removes a directory tree as os::rmdir(path, recursive, removeRoot, continueOnError) does; fails when it is missing. */
async function removeTree(path: string): Promise<void> {
  await lstat(path);
  await rm(path, { recursive: true, force: true, maxRetries: 2 });
}

export interface DiskWatchOptions {
  /** `--work_dir`: whose filesystem is watched. */
  readonly path: string;
  readonly gcDelayMs: number;
  readonly gcDiskHeadroom: number;
  /** `--disk_watch_interval`; the first check runs one interval after start. */
  readonly intervalMs: number;
  /** Reads the usage fraction; diskUsage() by default (tests inject numbers). */
  readonly usage?: (path: string) => Promise<number>;
  /** Registers `slave/executor_directory_max_allowed_age_secs` (default true). */
  readonly gauge?: boolean;
}

export interface GarbageCollectorOptions {
  /** Removes a path; a recursive delete by default. */
  readonly remove?: (path: string) => Promise<void>;
}

interface Scheduled {
  readonly path: string;
  readonly due: number;
  readonly settle: (outcome: GcOutcome) => void;
}

export const MAX_ALLOWED_AGE_GAUGE = 'slave/executor_directory_max_allowed_age_secs';

export class GarbageCollectorProcess extends Process {
  /** path -> its schedule. */
  private readonly byPath = new Map<string, Scheduled>();
  /** removal time -> the paths due then (Multimap<Timeout, PathInfo>). */
  private readonly byDue = new Map<number, Set<Scheduled>>();
  private timer: { due: number; timer: Timer } | undefined;
  private watch: { options: DiskWatchOptions; timer: Timer | undefined; maxAgeMs: number } | undefined;
  private readonly remover: (path: string) => Promise<void>;
  /** Removals started and not finished yet (for tests and shutdown). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: GarbageCollectorOptions = {}) {
    super('agent-garbage-collector()');
    this.remover = options.remove ?? removeTree;
  }

  protected override finalize(): void {
    this.timer?.timer.cancel();
    this.timer = undefined;
    if (this.watch !== undefined) {
      this.watch.timer?.cancel();
      if (this.watch.options.gauge !== false) this.runtime.metrics.remove(MAX_ALLOWED_AGE_GAUGE);
      this.watch = undefined;
    }
    for (const entry of this.byPath.values()) entry.settle({ status: 'discarded' });
    this.byPath.clear();
    this.byDue.clear();
  }

  /**
   * Removes `path` after `delayMs` (a delay <= 0 removes it at the next timer
   * turn). An earlier schedule of the same path is discarded.
   */
  schedule(delayMs: number, path: string): Promise<GcOutcome> {
    if (this.byPath.has(path)) this.unschedule(path);
    const due = this.now() + Math.max(0, delayMs);
    return new Promise<GcOutcome>((resolve) => {
      const entry: Scheduled = { path, due, settle: resolve };
      this.byPath.set(path, entry);
      let bucket = this.byDue.get(due);
      if (bucket === undefined) {
        bucket = new Set();
        this.byDue.set(due, bucket);
      }
      bucket.add(entry);
      if (this.timer === undefined || due < this.timer.due) this.reset();
    });
  }

  /** Cancels the removal of `path`; false when it is not scheduled (or already removed). */
  unschedule(path: string): boolean {
    const entry = this.byPath.get(path);
    if (entry === undefined) return false;
    this.byPath.delete(path);
    const bucket = this.byDue.get(entry.due);
    bucket?.delete(entry);
    if (bucket !== undefined && bucket.size === 0) this.byDue.delete(entry.due);
    entry.settle({ status: 'discarded' });
    return true;
  }

  /** Removes now every path due within `windowMs`. */
  prune(windowMs: number): void {
    const now = this.now();
    for (const due of [...this.byDue.keys()].sort((a, b) => a - b)) {
      if (due - now <= windowMs) this.remove(due);
    }
  }

  /** Scheduled paths with the milliseconds left before removal, soonest first. */
  scheduled(): Array<{ path: string; remainingMs: number }> {
    const now = this.now();
    return [...this.byPath.values()]
      .sort((a, b) => a.due - b.due)
      .map((entry) => ({ path: entry.path, remainingMs: Math.max(0, entry.due - now) }));
  }

  /** Resolves once removals started so far have finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Starts the periodic disk check (Slave::checkDiskUsage). */
  watchDisk(options: DiskWatchOptions): void {
    this.watch?.timer?.cancel();
    const watch = { options, timer: undefined as Timer | undefined, maxAgeMs: maxAllowedAgeMs(options.gcDelayMs, options.gcDiskHeadroom, 0) };
    this.watch = watch;
    if (options.gauge !== false) {
      this.runtime.metrics.gauge(MAX_ALLOWED_AGE_GAUGE, () => (this.watch?.maxAgeMs ?? watch.maxAgeMs) / 1000);
    }
    this.armWatch();
  }

  /** The current maximum sandbox age (Slave::executorDirectoryMaxAllowedAge), when watching. */
  get maxAllowedAgeMs(): number | undefined {
    return this.watch?.maxAgeMs;
  }

  private armWatch(): void {
    const watch = this.watch;
    if (watch === undefined) return;
    watch.timer = this.delay(watch.options.intervalMs, () => {
      if (this.watch !== watch) return;
      watch.timer = undefined;
      const read = watch.options.usage ?? diskUsage;
      this.defer(read(watch.options.path), (result) => {
        if (this.watch !== watch) return;
        if (result.ok) this.diskChecked(watch, result.value);
        else this.runtime.log.error({ err: result.error, path: watch.options.path }, 'Failed to get disk usage');
        this.armWatch();
      });
    });
  }

  private diskChecked(watch: { options: DiskWatchOptions; maxAgeMs: number }, usage: number): void {
    const { gcDelayMs, gcDiskHeadroom } = watch.options;
    watch.maxAgeMs = maxAllowedAgeMs(gcDelayMs, gcDiskHeadroom, usage);
    this.runtime.log.info(
      { usage: `${(100 * usage).toFixed(2)}%`, maxAllowedAgeMs: watch.maxAgeMs },
      'Current disk usage; pruning sandboxes older than the max allowed age',
    );
    this.prune(gcDelayMs - watch.maxAgeMs);
  }

  private now(): number {
    return this.runtime.clock.now();
  }

  /** Arms the timer for the earliest removal time. */
  private reset(): void {
    this.timer?.timer.cancel();
    this.timer = undefined;
    let earliest = Infinity;
    for (const due of this.byDue.keys()) if (due < earliest) earliest = due;
    if (earliest === Infinity) return;
    const due = earliest;
    this.timer = { due, timer: this.delay(due - this.now(), () => this.fire(due)) };
  }

  private fire(due: number): void {
    this.timer = undefined;
    this.remove(due);
  }

  /** Removes every path due at `due` (GarbageCollectorProcess::remove). */
  private remove(due: number): void {
    const bucket = this.byDue.get(due);
    if (bucket !== undefined) {
      this.byDue.delete(due);
      for (const entry of bucket) {
        this.byPath.delete(entry.path);
        this.runtime.log.info({ path: entry.path }, 'Deleting');
        const removal = this.remover(entry.path).then(
          () => entry.settle({ status: 'removed' }),
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            this.runtime.log.warn({ path: entry.path, err: message }, 'Failed to delete');
            entry.settle({ status: 'failed', error: message });
          },
        );
        this.inFlight.add(removal);
        void removal.finally(() => this.inFlight.delete(removal));
      }
    }
    this.reset();
  }
}

/**
 * The collector as the agent uses it: every call is dispatched into the
 * process, and no call rejects (a terminated collector discards).
 */
export class GarbageCollector {
  readonly process: GarbageCollectorProcess;

  constructor(
    private readonly runtime: Runtime,
    options: GarbageCollectorOptions = {},
  ) {
    this.process = new GarbageCollectorProcess(options);
    runtime.spawn(this.process);
  }

  schedule(delayMs: number, path: string): Promise<GcOutcome> {
    return this.runtime
      .dispatch(this.process, (gc) => gc.schedule(delayMs, path))
      .catch((): GcOutcome => ({ status: 'discarded' }));
  }

  /**
   * Slave::garbageCollect: removes `path` `gcDelayMs` after its modification
   * time (on the runtime clock); fails when the path cannot be stat'ed.
   */
  async scheduleByMtime(gcDelayMs: number, path: string): Promise<GcOutcome> {
    let mtimeMs: number;
    try {
      mtimeMs = Math.floor((await stat(path)).mtimeMs / 1000) * 1000;
    } catch (error) {
      return { status: 'failed', error: errorText(error) };
    }
    return this.schedule(delayFromMtime(gcDelayMs, this.runtime.clock.now(), mtimeMs), path);
  }

  unschedule(path: string): Promise<boolean> {
    return this.runtime.dispatch(this.process, (gc) => gc.unschedule(path)).catch(() => false);
  }

  prune(windowMs: number): void {
    this.runtime.dispatch(this.process, (gc) => gc.prune(windowMs)).catch(() => undefined);
  }

  watchDisk(options: DiskWatchOptions): void {
    this.runtime.dispatch(this.process, (gc) => gc.watchDisk(options)).catch(() => undefined);
  }

  terminate(): void {
    if (this.runtime.exists(this.process.self)) this.runtime.terminate(this.process);
  }
}
