// /slave(1)/monitor/statistics (and .json) and /slave(1)/containers: resource
// usage of every executor that has not terminated, as Mesos 1.0 answers them
// (src/slave/http.cpp: Slave::Http::statistics, _statistics, containers,
// __containers; Slave::usage). Entries are JSON::Objects, so their keys come
// out sorted, and so do the keys of the embedded protobufs (JSON::protobuf).
//
// The statistics endpoint is rate limited to 2 requests a second, queued
// rather than refused (libprocess's RateLimiter(2, Seconds(1)), as the
// agent's statisticsLimiter).

import type { Timer } from '../../libprocess/clock.js';
import { mesos, toJSONString } from '../../proto/index.js';
import { str } from '../../master/http/writers.js';
import type { Containerizer } from '../containerizer/containerizer.js';
import type { AgentView, Executor } from '../model.js';

export type UsageSource = Pick<Containerizer, 'usage' | 'status'>;

/** What an entry says about its executor; captured before the asynchronous calls, as Mesos does. */
export interface ExecutorEntry {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly executorName: string;
  readonly source: string;
  readonly containerId: string;
}

/** The executors whose containers are asked (every one not TERMINATED), in framework order. */
export function monitoredExecutors(view: AgentView): ExecutorEntry[] {
  const entries: ExecutorEntry[] = [];
  for (const framework of view.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      if (executor.state === 'TERMINATED') continue;
      entries.push(entryOf(executor));
    }
  }
  return entries;
}

function entryOf(executor: Executor): ExecutorEntry {
  const info = executor.info;
  return {
    frameworkId: info.framework_id?.value ?? executor.frameworkId,
    executorId: info.executor_id.value,
    executorName: info.name ?? '',
    source: info.source ?? '',
    containerId: executor.containerId,
  };
}

async function settle<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch {
    return undefined;
  }
}

/** _statistics: one entry per executor whose usage could be read. */
export function statisticsJson(entries: readonly ExecutorEntry[], statistics: ReadonlyArray<mesos.ResourceStatistics.$Properties | undefined>): string {
  const parts: string[] = [];
  entries.forEach((entry, i) => {
    const stats = statistics[i];
    if (stats === undefined) return;
    parts.push(
      `{"executor_id":${str(entry.executorId)},"executor_name":${str(entry.executorName)}` +
        `,"framework_id":${str(entry.frameworkId)},"source":${str(entry.source)}` +
        `,"statistics":${toJSONString(mesos.ResourceStatistics, stats)}}`,
    );
  });
  return `[${parts.join(',')}]`;
}

/** __containers: one entry per executor; `statistics` and `status` only when they could be read. */
export function containersJson(
  entries: readonly ExecutorEntry[],
  statistics: ReadonlyArray<mesos.ResourceStatistics.$Properties | undefined>,
  statuses: ReadonlyArray<mesos.ContainerStatus.$Properties | undefined>,
): string {
  const parts = entries.map((entry, i) => {
    let out =
      `{"container_id":${str(entry.containerId)},"executor_id":${str(entry.executorId)}` +
      `,"executor_name":${str(entry.executorName)},"framework_id":${str(entry.frameworkId)},"source":${str(entry.source)}`;
    const stats = statistics[i];
    if (stats !== undefined) out += `,"statistics":${toJSONString(mesos.ResourceStatistics, stats)}`;
    const status = statuses[i];
    if (status !== undefined) out += `,"status":${toJSONString(mesos.ContainerStatus, status)}`;
    return `${out}}`;
  });
  return `[${parts.join(',')}]`;
}

/** Reads the usage of each entry's container (failures leave a hole). */
export function collectUsage(source: UsageSource, entries: readonly ExecutorEntry[]): Promise<Array<mesos.ResourceStatistics | undefined>> {
  return Promise.all(entries.map((entry) => settle(source.usage(entry.containerId))));
}

export function collectStatus(source: UsageSource, entries: readonly ExecutorEntry[]): Promise<Array<mesos.ContainerStatus | undefined>> {
  return Promise.all(entries.map((entry) => settle(source.status(entry.containerId))));
}

export interface LimiterClock {
  now(): number;
  timer(ms: number, fn: () => void): Timer;
}

/**
 * libprocess's RateLimiter: `permits` acquisitions per `durationMs`, spaced
 * evenly; callers beyond that wait their turn in order.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private previous = -Infinity;
  private readonly waiting: Array<() => void> = [];

  constructor(
    permits: number,
    durationMs: number,
    private readonly clock: LimiterClock,
  ) {
    this.intervalMs = durationMs / permits;
  }

  acquire(): Promise<void> {
    if (this.waiting.length === 0) {
      const elapsed = this.clock.now() - this.previous;
      if (elapsed >= this.intervalMs) {
        this.previous = this.clock.now();
        return Promise.resolve();
      }
      const promise = new Promise<void>((resolve) => this.waiting.push(resolve));
      this.arm(this.intervalMs - elapsed);
      return promise;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Acquisitions waiting for a permit. */
  get queued(): number {
    return this.waiting.length;
  }

  private arm(ms: number): void {
    this.clock.timer(ms, () => {
      this.previous = this.clock.now();
      this.waiting.shift()?.();
      if (this.waiting.length > 0) this.arm(this.intervalMs);
    });
  }
}
