// Logging: one bunyan logger per runtime, with a glog-like verbosity level that
// /logging/toggle raises for a while (3rdparty/libprocess/src/logging.cpp).

import bunyan from 'bunyan';

export type Logger = bunyan;

export interface LoggerOptions {
  name?: string;
  /** bunyan level name or number; default from MESOS_TS_LOG_LEVEL, else 'info'. */
  level?: bunyan.LogLevel;
  streams?: bunyan.Stream[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env['MESOS_TS_LOG_LEVEL'];
  const level: bunyan.LogLevel = options.level ?? (isLevel(envLevel) ? envLevel : 'info');
  return bunyan.createLogger({
    name: options.name ?? 'libprocess',
    level,
    streams: options.streams ?? [{ stream: process.stderr, level }],
  });
}

function isLevel(value: string | undefined): value is bunyan.LogLevelString {
  return value === 'trace' || value === 'debug' || value === 'info' || value === 'warn' || value === 'error' || value === 'fatal';
}

/**
 * glog verbosity (0, 1, 2, 3...) mapped onto bunyan: 0 keeps the base level,
 * 1 enables debug, 2 and above enable trace.
 */
export function levelForVerbosity(base: number, verbosity: number): number {
  if (verbosity <= 0) return base;
  if (verbosity === 1) return Math.min(base, bunyan.DEBUG);
  return Math.min(base, bunyan.TRACE);
}
