// `mesos-master`: parses Mesos 1.0 master flags (CLI and MESOS_* environment),
// starts a libprocess runtime with `master` as its HTTP delegate and runs the
// master until SIGINT/SIGTERM (src/master/main.cpp).

import fs from 'node:fs';
import path from 'node:path';
import bunyan from 'bunyan';
import { resolveCli, stringifyFlags } from '../common/flags.js';
import { parseRoles } from '../common/roles.js';
import { hostnameFor } from '../common/hostname.js';
import { startRuntime } from '../libprocess/index.js';
import { createLogger } from '../libprocess/logging.js';
import { masterFlags, parseWeights, type MasterFlags } from './flags.js';
import { startMaster, type MasterSetup } from './daemon.js';

const outcome = resolveCli(masterFlags, process.argv.slice(2), process.env, { program: 'mesos-master' });
if (outcome.action === 'exit') {
  if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout);
  if (outcome.stderr !== undefined) process.stderr.write(outcome.stderr);
  process.exit(outcome.code);
}
const flags: MasterFlags = outcome.flags;
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

if (flags.zk !== undefined) fail('--zk: ZooKeeper leader election is not supported by this build yet; run a single master without --zk');
if (flags.registry !== 'in_memory' && flags.registry !== 'replicated_log') {
  fail(`--registry: '${flags.registry}' is not supported; use 'replicated_log' or 'in_memory'`);
}
if (flags.registry === 'replicated_log' && flags.work_dir === undefined) {
  fail('--work_dir needed for replicated log based registry');
}

const level = flags.quiet ? 'warn' : ({ INFO: 'info', WARNING: 'warn', ERROR: 'error' } as const)[flags.logging_level as 'INFO'] ?? 'info';
const streams: bunyan.Stream[] = flags.quiet ? [] : [{ stream: process.stderr, level }];
if (flags.log_dir !== undefined) {
  fs.mkdirSync(flags.log_dir, { recursive: true });
  streams.push({ path: path.join(flags.log_dir, 'mesos-master.log'), level });
}
const log = createLogger({ name: 'mesos-master', level, streams: streams.length > 0 ? streams : [{ stream: process.stderr, level: 'fatal' }] });
for (const warning of outcome.warnings) log.warn(warning);

const roles = flags.roles === undefined ? undefined : parseRoles(flags.roles);
let weights: ReadonlyMap<string, number> | undefined;
if (flags.weights !== undefined) {
  const parsed = parseWeights(flags.weights, roles);
  if (!parsed.ok) fail(`--weights: ${parsed.error}`);
  else weights = parsed.weights;
}

const runtime = await startRuntime({
  ...(flags.ip !== undefined ? { ip: flags.ip } : {}),
  port: flags.port,
  ...(flags.advertise_ip !== undefined ? { advertiseIp: flags.advertise_ip } : {}),
  ...(flags.advertise_port !== undefined ? { advertisePort: Number(flags.advertise_port) } : {}),
  delegate: 'master',
  log,
}).catch((error: unknown) => fail(`Failed to initialize: ${error instanceof Error ? error.message : String(error)}`));

const setup: MasterSetup = {
  hostname: flags.hostname ?? (await hostnameFor(runtime.host, flags.hostname_lookup)),
  cluster: flags.cluster,
  registry: flags.registry === 'in_memory' ? { kind: 'in_memory' } : { kind: 'file', workDir: flags.work_dir ?? '' },
  agentPingTimeoutMs: flags.agent_ping_timeout,
  maxAgentPingTimeouts: flags.max_agent_ping_timeouts,
  agentReregisterTimeoutMs: flags.agent_reregister_timeout,
  offerTimeoutMs: flags.offer_timeout,
  maxCompletedFrameworks: flags.max_completed_frameworks,
  maxCompletedTasksPerFramework: flags.max_completed_tasks_per_framework,
  roles: roles === undefined ? undefined : new Set(roles),
  rootSubmissions: flags.root_submissions,
  allocationIntervalMs: flags.allocation_interval,
  registryFetchTimeoutMs: flags.registry_fetch_timeout,
  registryStoreTimeoutMs: flags.registry_store_timeout,
  flags: () => stringifyFlags(masterFlags, flags, outcome.loadedNames),
  ...(weights !== undefined ? { weights } : {}),
};
const running = startMaster(runtime, setup);
log.info({ upid: running.master.self.toString() }, `Master started on ${runtime.address}`);
process.stdout.write(`mesos-master listening on http://${runtime.host}:${runtime.port} (${running.master.self.toString()})\n`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log.info(`Received ${signal}, shutting down`);
  void running
    .stop()
    .then(() => runtime.shutdown())
    .then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
