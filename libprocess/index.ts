// Public surface of the runtime. Everything else under libprocess/ is internal.

import os from 'node:os';
import { LoggingProcess, MetricsProcess, ProcessesProcess, snapshotLimiterFromEnv } from './builtins.js';
import { Clock } from './clock.js';
import type { Logger } from './logging.js';
import { Runtime } from './runtime.js';
import { InMemoryNetwork, MemoryTransport } from './transport/memory.js';
import { TcpTransport } from './transport/tcp.js';
import type { ParserLimits } from './transport/types.js';

export { Clock, type Timer } from './clock.js';
export { Process, messageName, type MessageType, type Decoder, type Encoder, type MessageHandler, type RouteHandler } from './process.js';
export { Runtime, ProcessNotFoundError, type MessageFilter, type MessageRecord } from './runtime.js';
export { UPID, InvalidUPIDError } from './upid.js';
export { InMemoryNetwork } from './transport/memory.js';
export type { Request, Response, StreamWriter } from './http/types.js';
export * as http from './http/responses.js';
export { parseDuration, formatDuration } from './duration.js';
export { createLogger, type Logger } from './logging.js';

export interface StartOptions {
  /** IP to bind (LIBPROCESS_IP, default 0.0.0.0). */
  ip?: string;
  /** Port to bind, 0 for any (LIBPROCESS_PORT, default 0). */
  port?: number;
  /** IP other processes should use to reach us (LIBPROCESS_ADVERTISE_IP). */
  advertiseIp?: string;
  /** Port other processes should use to reach us (LIBPROCESS_ADVERTISE_PORT). */
  advertisePort?: number;
  delegate?: string;
  clock?: Clock;
  log?: Logger;
  limits?: Partial<ParserLimits>;
  env?: NodeJS.ProcessEnv;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new ConfigError(name, `invalid port '${text}'`);
  return Number(text);
}

function envIp(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) throw new ConfigError(name, `invalid IPv4 address '${text}'`);
  return text;
}

/** The IP a wildcard-bound runtime puts in its UPIDs: the first non-internal IPv4, else loopback. */
export function defaultAdvertiseIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

/** Starts a runtime on a real TCP socket with the built-in processes. */
export async function startRuntime(options: StartOptions = {}): Promise<Runtime> {
  const env = options.env ?? process.env;
  const ip = options.ip ?? envIp(env, 'LIBPROCESS_IP') ?? '0.0.0.0';
  const port = options.port ?? envPort(env, 'LIBPROCESS_PORT') ?? 0;
  const transport = new TcpTransport({ ip, port, ...(options.limits ? { limits: options.limits } : {}) });
  const bound = await transport.listen();
  const advertiseIp =
    options.advertiseIp ?? envIp(env, 'LIBPROCESS_ADVERTISE_IP') ?? (ip === '0.0.0.0' ? defaultAdvertiseIp() : ip);
  const advertisePort = options.advertisePort ?? envPort(env, 'LIBPROCESS_ADVERTISE_PORT') ?? bound;
  const aliases = ip === '0.0.0.0' ? ['127.0.0.1', '0.0.0.0', 'localhost', ip] : [ip, 'localhost'];
  const runtime = new Runtime({
    host: advertiseIp,
    port: advertisePort,
    aliases: advertisePort === bound ? aliases : [],
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.delegate ? { delegate: options.delegate } : {}),
  });
  runtime.attach((host) => transport.bind(host));
  spawnBuiltins(runtime, env);
  return runtime;
}

/** Starts a runtime on an in-memory network (tests). */
export function startMemoryRuntime(
  network: InMemoryNetwork,
  options: { clock?: Clock; log?: Logger; delegate?: string; env?: NodeJS.ProcessEnv } = {},
): Runtime {
  const { host, port } = network.allocate();
  const runtime = new Runtime({
    host,
    port,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.delegate ? { delegate: options.delegate } : {}),
  });
  runtime.attach((h) => new MemoryTransport(network, runtime.address, h));
  spawnBuiltins(runtime, options.env ?? process.env);
  return runtime;
}

function spawnBuiltins(runtime: Runtime, env: NodeJS.ProcessEnv): void {
  runtime.spawn(new MetricsProcess(snapshotLimiterFromEnv(env['LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT'])));
  runtime.spawn(new LoggingProcess());
  runtime.spawn(new ProcessesProcess());
}
