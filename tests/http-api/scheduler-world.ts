// A real cluster for the v1 scheduler API tests: our master and (optionally)
// an agent over real TCP in this process, running real mesos-executor OS
// processes (the pattern of tests/agent/agent.test.ts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRuntime, type Runtime } from '../../libprocess/index.js';
import type { ParserLimits } from '../../libprocess/transport/types.js';
import { Resources } from '../../common/resources.js';
import { startMaster, type MasterSetup, type RunningMaster } from '../../master/daemon.js';
import { startAgent } from '../../agent/daemon.js';
import type { Agent } from '../../agent/agent.js';
import { parseAgentFlags } from '../../agent/flags.js';
import { mesos } from '../../proto/index.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';
const ENV = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };
const BIN = fileURLToPath(new URL('../../bin', import.meta.url));

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

export async function eventually<T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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
    const parsed = parseAgentFlags(
      [`--work_dir=${workDir}`, `--master=${masterRuntime.address}`, `--launcher_dir=${BIN}`, '--registration_backoff_factor=10ms'],
      {},
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const runtime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV });
    const started = startAgent(runtime, {
      flags: parsed.flags,
      info: { hostname: 'localhost', resources: Resources.parse('cpus:2;mem:1024;disk:1024;ports:[31000-31100]').toProto() },
      master: master.master.self,
      flagsJson: () => ({}),
    });
    await eventually(() => (started.state === 'RUNNING' ? true : undefined));
    agentRuntime = runtime;
    agent = started;
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
