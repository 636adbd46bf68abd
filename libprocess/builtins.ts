// Processes every runtime starts, as libprocess does: `metrics` serving
// /metrics/snapshot, `logging` serving /logging/toggle and `__processes__`
// listing processes with their queued events.

import bunyan from 'bunyan';
import { DurationParseError, parseDuration } from './duration.js';
import { badRequest, ok, okJSON } from './http/responses.js';
import type { Request, Response } from './http/types.js';
import { levelForVerbosity } from './logging.js';
import { renderSnapshot } from './metrics.js';
import { Process } from './process.js';
import type { Timer } from './clock.js';

/** Token bucket that delays (never rejects) callers beyond `permits` per `intervalMs`. */
export class RateLimiter {
  private nextFree = 0;
  constructor(
    private readonly permits: number,
    private readonly intervalMs: number,
  ) {}

  /** Milliseconds the caller must wait for its permit (and reserves it). */
  acquire(now: number): number {
    const spacing = this.intervalMs / this.permits;
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + spacing;
    return start - now;
  }
}

/**
 * Reads LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: unset means 2
 * requests per second, empty means no limit, otherwise `<n>/<duration>`.
 */
export function snapshotLimiterFromEnv(value: string | undefined): RateLimiter | undefined {
  if (value === undefined) return new RateLimiter(2, 1000);
  if (value === '') return undefined;
  const [count, interval, extra] = value.split('/');
  const permits = Number(count);
  if (extra !== undefined || interval === undefined || !Number.isInteger(permits) || permits <= 0) {
    throw new Error(
      `Failed to parse LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT '${value}' (format is <number of requests>/<interval duration>)`,
    );
  }
  return new RateLimiter(permits, parseDuration(interval));
}

export class MetricsProcess extends Process {
  constructor(private readonly limiter: RateLimiter | undefined) {
    super('metrics');
  }

  protected override initialize(): void {
    this.route('/snapshot', (request) => this.snapshot(request), {
      help: 'Provides a snapshot of the current metrics.',
    });
  }

  private async snapshot(request: Request): Promise<Response> {
    let timeoutMs: number | undefined;
    const timeout = request.query.get('timeout');
    if (timeout !== null) {
      try {
        timeoutMs = parseDuration(timeout);
      } catch (error) {
        const reason = error instanceof DurationParseError ? error.message : String(error);
        return badRequest(`Invalid timeout '${timeout}': ${reason}.\n`);
      }
    }
    if (this.limiter !== undefined) {
      const wait = this.limiter.acquire(Date.now());
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const snapshot = await this.runtime.metrics.snapshot(timeoutMs);
    return okJSON(renderSnapshot(snapshot), request.query.get('jsonp'));
  }
}

export class LoggingProcess extends Process {
  private verbosity = 0;
  private readonly original = 0;
  private revertTimer: Timer | undefined;
  private baseLevel = bunyan.INFO;

  constructor() {
    super('logging');
  }

  protected override initialize(): void {
    this.baseLevel = this.runtime.log.level();
    this.route('/toggle', (request) => this.toggle(request), {
      help: 'Sets the logging verbosity level for a specified duration.',
    });
  }

  private toggle(request: Request): Response {
    const level = request.query.get('level');
    const duration = request.query.get('duration');
    if (level === null && duration === null) return ok(`${this.verbosity}\n`);
    if (duration === null) return badRequest("Expecting 'duration=value' in query.\n");
    if (level === null) return badRequest("Expecting 'level=value' in query.\n");
    if (!/^-?\d+$/.test(level.trim())) return badRequest(`Failed to convert '${level}' to number.\n`);
    const v = Number(level.trim());
    if (v < 0) return badRequest(`Invalid level '${v}'.\n`);
    if (v < this.original) return badRequest(`'${v}' < original level.\n`);
    let ms: number;
    try {
      ms = parseDuration(duration);
    } catch (error) {
      return badRequest(`${error instanceof Error ? error.message : String(error)}.\n`);
    }
    this.set(v);
    this.revertTimer?.cancel();
    this.revertTimer = undefined;
    if (v !== this.original) this.revertTimer = this.delay(ms, () => this.set(this.original));
    return ok();
  }

  private set(v: number): void {
    this.verbosity = v;
    this.runtime.log.level(levelForVerbosity(this.baseLevel, v));
  }
}

export class ProcessesProcess extends Process {
  constructor() {
    super('__processes__');
  }

  protected override initialize(): void {
    this.route('/', () => okJSON(JSON.stringify(this.runtime.describeProcesses())), {
      help: 'Lists the processes of this runtime with their queued events.',
    });
  }
}
