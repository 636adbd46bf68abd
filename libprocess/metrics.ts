// Metrics registry: counters, gauges and timers, snapshotted as the flat
// `{"name": double}` object libprocess serves at /metrics/snapshot
// (3rdparty/libprocess/src/metrics/metrics.cpp). Timers are named
// `<name>_ms`; a metric with a window adds `/count`, `/min`, `/max`, `/p50`,
// `/p90`, `/p95`, `/p99`, `/p999` and `/p9999` over the samples in the window.

import type { Clock } from './clock.js';
import { formatDouble, quoteString } from './json-number.js';

export interface Metric {
  readonly name: string;
  value(): number | Promise<number>;
  statistics?(): Statistics | undefined;
}

export interface Statistics {
  count: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  p9999: number;
}

export class Counter implements Metric {
  private count = 0;
  constructor(readonly name: string) {}
  inc(by = 1): void {
    this.count += by;
  }
  value(): number {
    return this.count;
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly read: () => number | Promise<number>,
  ) {}
  value(): number | Promise<number> {
    return this.read();
  }
}

/** Time series of samples kept for `windowMs`, at most `capacity` of them. */
class Window {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  constructor(
    private readonly windowMs: number,
    private readonly capacity: number,
  ) {}

  add(time: number, value: number): void {
    this.times.push(time);
    this.values.push(value);
    if (this.times.length > this.capacity) {
      this.times.shift();
      this.values.shift();
    }
  }

  statistics(now: number): Statistics | undefined {
    while (this.times.length > 0 && (this.times[0] as number) < now - this.windowMs) {
      this.times.shift();
      this.values.shift();
    }
    if (this.values.length < 2) return undefined;
    const sorted = [...this.values].sort((a, b) => a - b);
    return {
      count: sorted.length,
      min: sorted[0] as number,
      max: sorted[sorted.length - 1] as number,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999),
      p9999: percentile(sorted, 0.9999),
    };
  }
}

/** Linear interpolation between the closest ranks. */
export function percentile(sorted: readonly number[], p: number): number {
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const lo = sorted[lower] as number;
  const hi = sorted[upper] as number;
  return lo + (hi - lo) * (position - lower);
}

export class TimerMetric implements Metric {
  readonly name: string;
  private last: number | undefined;
  private readonly window: Window | undefined;

  constructor(
    baseName: string,
    private readonly clock: Clock,
    windowMs?: number,
  ) {
    this.name = `${baseName}_ms`;
    this.window = windowMs === undefined ? undefined : new Window(windowMs, 1000);
  }

  record(ms: number): void {
    this.last = ms;
    this.window?.add(this.clock.now(), ms);
  }

  /** Measures the time until `promise` settles. */
  time<T>(promise: Promise<T>): Promise<T> {
    const start = performance.now();
    const done = (): void => this.record(performance.now() - start);
    return promise.finally(done);
  }

  value(): number {
    // A timer with no sample yet has no value; snapshot() leaves it out.
    if (this.last === undefined) throw new NoValue();
    return this.last;
  }

  statistics(): Statistics | undefined {
    return this.window?.statistics(this.clock.now());
  }
}

class NoValue extends Error {}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  constructor(private readonly clock: Clock) {}

  add<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`Metric '${metric.name}' was already added`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  remove(name: string): boolean {
    return this.metrics.delete(name);
  }

  has(name: string): boolean {
    return this.metrics.has(name);
  }

  /** Returns the counter with this name, creating it on first use. */
  counter(name: string): Counter {
    const existing = this.metrics.get(name);
    if (existing instanceof Counter) return existing;
    return this.add(new Counter(name));
  }

  gauge(name: string, read: () => number | Promise<number>): Gauge {
    this.metrics.delete(name);
    return this.add(new Gauge(name, read));
  }

  timer(baseName: string, windowMs?: number): TimerMetric {
    const existing = this.metrics.get(`${baseName}_ms`);
    if (existing instanceof TimerMetric) return existing;
    return this.add(new TimerMetric(baseName, this.clock, windowMs));
  }

  /**
   * Reads every metric. Asynchronous gauges that do not answer within
   * `timeoutMs` (when given) are left out, as libprocess does.
   */
  async snapshot(timeoutMs?: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const pending: Array<Promise<void>> = [];
    for (const [name, metric] of this.metrics) {
      let value: number | Promise<number>;
      try {
        value = metric.value();
      } catch {
        value = NaN;
      }
      if (typeof value === 'number') {
        if (!Number.isNaN(value)) out.set(name, value);
      } else {
        pending.push(
          value.then(
            (v) => void out.set(name, v),
            () => undefined,
          ),
        );
      }
      const stats = metric.statistics?.();
      if (stats !== undefined) {
        for (const [key, v] of Object.entries(stats)) out.set(`${name}/${key}`, v);
      }
    }
    if (pending.length > 0) {
      const all = Promise.all(pending).then(() => undefined);
      if (timeoutMs === undefined) {
        await all;
      } else {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        });
        await Promise.race([all, expired]);
        clearTimeout(timer);
      }
    }
    return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** Renders a snapshot as Mesos's flat JSON object. */
export function renderSnapshot(snapshot: Map<string, number>): string {
  const parts: string[] = [];
  for (const [name, value] of snapshot) parts.push(`${quoteString(name)}:${formatDouble(value)}`);
  return `{${parts.join(',')}}`;
}
