// `mesos-local`: a master and `--num_slaves` agents in one process on one
// libprocess runtime, the embedded cluster a new user starts with
// (src/local/local.cpp, src/local/main.cpp). Master and agent flags come from
// MESOS_* environment variables as in Mesos; agents work under
// `<work_dir>/agents/<i>`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRuntime, type Runtime } from '../libprocess/index.js';
import type { Logger } from '../libprocess/logging.js';
import { Resources } from '../common/resources.js';
import { parseAgentFlags } from '../agent/flags.js';
import { startAgent } from '../agent/daemon.js';
import type { Agent } from '../agent/agent.js';
import { detectResources, measureMachine } from '../agent/resources-detect.js';
import { parseMasterFlags } from './flags.js';
import { startMaster, type RunningMaster } from './daemon.js';

export interface LocalOptions {
  ip: string;
  port: number;
  numAgents: number;
  /** Root for the agents' work dirs; a fresh temp dir when undefined. */
  workDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Resources per agent (text form); detected from the machine when undefined. */
  agentResources?: string | undefined;
}

export interface LocalCluster {
  runtime: Runtime;
  master: RunningMaster;
  agents: Agent[];
  workDir: string;
  url: string;
  stop(): Promise<void>;
}

export class LocalClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalClusterError';
  }
}

export async function startLocalCluster(options: LocalOptions): Promise<LocalCluster> {
  const env = options.env ?? process.env;
  const masterFlags = parseMasterFlags(['--registry=in_memory'], { ...env, MESOS_REGISTRY: undefined });
  if (!masterFlags.ok) throw new LocalClusterError(`Failed to load master flags from the environment: ${masterFlags.error}`);
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-local-'));
  // Executors bind the loopback address too, like the rest of the local cluster.
  process.env['LIBPROCESS_IP'] = options.ip;
  const runtime = await startRuntime({ ip: options.ip, port: options.port, delegate: 'master', ...(options.log ? { log: options.log } : {}), env });
  const flags = masterFlags.flags;
  const master = startMaster(runtime, {
    hostname: flags.hostname ?? options.ip,
    registry: { kind: 'in_memory' },
    agentPingTimeoutMs: flags.agent_ping_timeout,
    maxAgentPingTimeouts: flags.max_agent_ping_timeouts,
    allocationIntervalMs: flags.allocation_interval,
    offerTimeoutMs: flags.offer_timeout,
    rootSubmissions: flags.root_submissions,
  });
  const agents: Agent[] = [];
  for (let i = 0; i < options.numAgents; i++) {
    const agentDir = path.join(workDir, 'agents', String(i));
    fs.mkdirSync(agentDir, { recursive: true });
    const parsed = parseAgentFlags([`--work_dir=${agentDir}`, `--master=${master.master.self.toString()}`], { ...env, MESOS_WORK_DIR: undefined, MESOS_MASTER: undefined });
    if (!parsed.ok) throw new LocalClusterError(`Failed to load agent flags from the environment: ${parsed.error}`);
    const agentFlags = parsed.flags;
    const text = options.agentResources ?? agentFlags.resources;
    const detected = detectResources({ ...agentFlags, resources: text }, await measureMachine(agentDir));
    if (!detected.ok) throw new LocalClusterError(`--resources: ${detected.error}`);
    const resources: Resources = detected.resources;
    agents.push(
      startAgent(runtime, {
        flags: agentFlags,
        info: { hostname: options.ip, port: runtime.port, resources: resources.toProto(), checkpoint: true },
        master: master.master.self,
        flagsJson: () => ({}),
      }),
    );
  }
  const url = `http://${runtime.host}:${runtime.port}`;
  return {
    runtime,
    master,
    agents,
    workDir,
    url,
    stop: async () => {
      await runtime.shutdown();
    },
  };
}
