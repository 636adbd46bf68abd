// `mesos-agent` (and `mesos-slave`): parses Mesos 1.0 agent flags (CLI and
// MESOS_* environment), detects resources not given by --resources, starts a
// libprocess runtime and runs the agent until it is told to shut down or gets
// SIGINT/SIGTERM (src/slave/main.cpp).

import fs from 'node:fs';
import path from 'node:path';
import bunyan from 'bunyan';
import { resolveCli, stringifyFlags } from '../common/flags.js';
import { parseAttributes } from '../common/attributes.js';
import { hostnameFor } from '../common/hostname.js';
import { startRuntime } from '../libprocess/index.js';
import { createLogger } from '../libprocess/logging.js';
import { agentFlags, type AgentFlags } from './flags.js';
import { parseMasterAddress, startAgent } from './daemon.js';
import { detectResources, measureMachine } from './resources-detect.js';

const program = path.basename(process.argv[1] ?? 'mesos-agent').replace(/\.js$/, '');
const outcome = resolveCli(agentFlags, process.argv.slice(2), process.env, { program });
if (outcome.action === 'exit') {
  if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout);
  if (outcome.stderr !== undefined) process.stderr.write(outcome.stderr);
  process.exit(outcome.code);
}
const flags: AgentFlags = outcome.flags;
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

if (flags.master === undefined) fail('Missing required option --master');
let master;
try {
  master = parseMasterAddress(flags.master ?? '');
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const level = flags.quiet ? 'warn' : ({ INFO: 'info', WARNING: 'warn', ERROR: 'error' } as const)[flags.logging_level as 'INFO'] ?? 'info';
const streams: bunyan.Stream[] = flags.quiet ? [] : [{ stream: process.stderr, level }];
if (flags.log_dir !== undefined) {
  fs.mkdirSync(flags.log_dir, { recursive: true });
  streams.push({ path: path.join(flags.log_dir, 'mesos-agent.log'), level });
}
const log = createLogger({ name: 'mesos-agent', level, streams: streams.length > 0 ? streams : [{ stream: process.stderr, level: 'fatal' }] });
for (const warning of outcome.warnings) log.warn(warning);

fs.mkdirSync(flags.work_dir, { recursive: true });
const detected = detectResources(flags, await measureMachine(flags.work_dir));
if (!detected.ok) fail(`--resources: ${detected.error}`);
const resources = detected.ok ? detected.resources : undefined;
if (detected.ok) for (const warning of detected.warnings) log.warn(warning);

let attributes;
try {
  attributes = flags.attributes === undefined ? [] : parseAttributes(flags.attributes);
} catch (error) {
  fail(`--attributes: ${error instanceof Error ? error.message : String(error)}`);
}

// Executors inherit the address to bind from LIBPROCESS_IP, as Mesos's agent main exports --ip.
if (flags.ip !== undefined) process.env['LIBPROCESS_IP'] = flags.ip;
const runtime = await startRuntime({
  ...(flags.ip !== undefined ? { ip: flags.ip } : {}),
  port: flags.port,
  // Mesos's agent main makes its process the libprocess delegate: `/state`, `/api/v1`,
  // `/api/v1/executor` answer as `/slave(1)/...` does.
  delegate: 'slave(1)',
  ...(flags.advertise_ip !== undefined ? { advertiseIp: flags.advertise_ip } : {}),
  ...(flags.advertise_port !== undefined ? { advertisePort: Number(flags.advertise_port) } : {}),
  log,
}).catch((error: unknown) => fail(`Failed to initialize: ${error instanceof Error ? error.message : String(error)}`));

const hostname = flags.hostname ?? (await hostnameFor(runtime.host, flags.hostname_lookup));
const agent = startAgent(runtime, {
  flags,
  info: {
    hostname,
    port: runtime.port,
    resources: resources?.toProto() ?? [],
    attributes: attributes ?? [],
    checkpoint: true,
  },
  master,
  flagsJson: () => stringifyFlags(agentFlags, flags, outcome.loadedNames),
});
log.info({ upid: agent.self.toString(), resources: resources?.toString() }, `Agent started on ${runtime.address}`);
process.stdout.write(`${program} listening on http://${runtime.host}:${runtime.port} (${agent.self.toString()})\n`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log.info(`Received ${signal}, shutting down`);
  void runtime
    .shutdown()
    .then(() => agent.containerizer.close?.())
    .finally(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
void runtime.wait(agent).then(() => {
  if (agent.failure !== undefined) process.stderr.write(`${agent.failure}\n`);
  if (!stopping) {
    void runtime
      .shutdown()
      .then(() => agent.containerizer.close?.())
      .finally(() => process.exit(agent.failure === undefined ? 0 : 1));
  }
});
