// A real cluster for the v1 scheduler API tests: our master and (optionally)
// an agent over real TCP in this process, running real mesos-executor OS
// processes (the pattern of tests/agent/agent.test.ts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRuntime, type Runtime } from '../../libprocess/index.js';
import type { ParserLimits } from '../../libprocess/transport/types.js';
import { Resources } from '../../common/resources.js';
import { startMaster, type MasterSetup, type RunningMaster } from '../../master/daemon.js';
import type { Agent } from '../../agent/agent.js';
import { mesos } from '../../proto/index.js';
import { ENV, eventually, startTcpAgent } from '../agent/world.js';

export { eventually };

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

export interface World {
  masterRuntime: Runtime;
  master: RunningMaster;
  /** `127.0.0.1:<port>` of the master. */
  address: string;
  agentRuntime: Runtime | undefined;
  agent: Agent | undefined;
  workDir: string;
  stop(): Promise<void>;
}

export interface WorldOptions {
  agent?: boolean;
  master?: Partial<MasterSetup>;
  limits?: Partial<ParserLimits>;
}

export async function world(options: WorldOptions = {}): Promise<World> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'v1-scheduler-test-'));
  const masterRuntime = await startRuntime({
    ip: '127.0.0.1',
    port: 0,
    delegate: 'master',
    env: ENV,
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  });
  const master = startMaster(masterRuntime, {
    hostname: '127.0.0.1',
    registry: { kind: 'in_memory' },
    allocationIntervalMs: 200,
    ...options.master,
  });
  let agentRuntime: Runtime | undefined;
  let agent: Agent | undefined;
  if (options.agent !== false) {
    ({ agentRuntime, agent } = await startTcpAgent(masterRuntime, master, workDir, { resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31100]' }));
  }
  await eventually(() => (master.master.recovered ? true : undefined));
  return {
    masterRuntime,
    master,
    address: masterRuntime.address,
    agentRuntime,
    agent,
    workDir,
    stop: async () => {
      await agentRuntime?.shutdown();
      await master.stop();
      await masterRuntime.shutdown();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** The v1 resources of a resource string (v0 and v1 Resource share the wire). */
export function v1Resources(text: string): mesos.v1.Resource.$Properties[] {
  return Resources.parse(text)
    .toProto()
    .map((r) => mesos.v1.Resource.decode(mesos.Resource.encode(r).finish()));
}

export const USER = os.userInfo().username;
