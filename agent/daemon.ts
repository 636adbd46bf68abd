// Assembles an agent on a runtime: the Mesos containerizer from the flags and
// the agent process. Used by `mesos-agent`, `mesos-local` and the tests.

import fs from 'node:fs';
import type { Runtime } from '../libprocess/runtime.js';
import { UPID } from '../libprocess/upid.js';
import { Agent, type SandboxCollector } from './agent.js';
import { Files } from './files.js';
import { GarbageCollector } from './gc.js';
import type { AgentFlags } from './flags.js';
import { MesosContainerizer } from './containerizer/mesos-containerizer.js';
import type { mesos } from '../proto/index.js';

export class MasterAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterAddressError';
  }
}

/**
 * `--master`: `host:port`, `master@host:port`, or `file:///path` holding one
 * of those (`zk://` needs the HA work and is refused with a clear error).
 */
export function parseMasterAddress(value: string, readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): UPID {
  let text = value.trim();
  if (text.startsWith('file://')) text = readFile(text.slice('file://'.length)).trim();
  if (text.startsWith('zk://')) throw new MasterAddressError(`--master: ZooKeeper master detection ('${text}') is not supported by this build yet`);
  const pid = UPID.tryParse(text.includes('@') ? text : `master@${text}`);
  if (pid === undefined) throw new MasterAddressError(`--master: failed to parse '${value}' (expected host:port, master@host:port or file:///path)`);
  return pid;
}

export interface AgentSetup {
  flags: AgentFlags;
  info: mesos.SlaveInfo.$Properties;
  master: UPID | undefined;
  flagsJson: () => Record<string, string>;
  gc?: SandboxCollector;
  random?: () => number;
}


const sharedFiles = new WeakMap<Runtime, Files>();

export function startAgent(runtime: Runtime, setup: AgentSetup): Agent {
  const flags = setup.flags;
  const containerizer = MesosContainerizer.create(flags, { log: runtime.log });
  // One /files process per runtime (mesos-local runs several agents on one).
  const files = runtime.exists('files') ? sharedFiles.get(runtime) : new Files(runtime);
  if (files !== undefined) sharedFiles.set(runtime, files);
  const gc = setup.gc ?? new GarbageCollector(runtime);
  if (setup.gc === undefined && gc instanceof GarbageCollector) {
    gc.watchDisk({
      path: flags.work_dir,
      gcDelayMs: flags.gc_delay,
      gcDiskHeadroom: flags.gc_disk_headroom,
      intervalMs: flags.disk_watch_interval,
    });
  }
  const agent = new Agent(
    {
      info: setup.info,
      workDir: flags.work_dir,
      launcherDir: flags.launcher_dir,
      master: setup.master,
      registrationBackoffFactorMs: flags.registration_backoff_factor,
      executorRegistrationTimeoutMs: flags.executor_registration_timeout,
      executorShutdownGracePeriodMs: flags.executor_shutdown_grace_period,
      gcDelayMs: flags.gc_delay,
      switchUser: flags.switch_user,
      flags: setup.flagsJson,
      recover: flags.recover === 'cleanup' ? 'cleanup' : 'reconnect',
      strict: flags.strict,
      fetcherCacheDir: flags.fetcher_cache_dir,
      ...(setup.random !== undefined ? { random: setup.random } : {}),
    },
    containerizer,
    gc,
    files,
  );
  runtime.spawn(agent);
  // The shared command executor host (--shared_command_executor) ends with its agent.
  void runtime.wait(agent).then(() =>
    containerizer.close().catch((error: unknown) => runtime.log.warn({ err: error }, 'failed to stop the executor host')),
  );
  return agent;
}
