// Assembles a master on a runtime: registrar over the chosen storage, the
// allocator process and the master process, wired together. Used by
// `mesos-master`, `mesos-local` and the tests.

import path from 'node:path';
import type { Runtime } from '../libprocess/runtime.js';
import { AllocatorProcess } from './allocator/process.js';
import { AllocatorClient } from './allocator-client.js';
import { DEFAULT_MASTER_OPTIONS, Master, type MasterOptions } from './master.js';
import * as offers from './offers.js';
import { Registrar } from './registrar.js';
import { VersionProcess } from './http/version.js';
import { FileStorage } from './state/file.js';
import { InMemoryStorage } from './state/in-memory.js';
import type { Storage } from './state/storage.js';

export interface MasterSetup extends Partial<MasterOptions> {
  hostname: string;
  /** `in_memory`, or a directory for the file registry (`<work_dir>/registry`). */
  registry: { kind: 'in_memory' } | { kind: 'file'; workDir: string } | { kind: 'storage'; storage: Storage };
  allocationIntervalMs?: number;
  weights?: ReadonlyMap<string, number>;
  registryFetchTimeoutMs?: number;
  registryStoreTimeoutMs?: number;
}

export interface RunningMaster {
  master: Master;
  allocator: AllocatorProcess;
  registrar: Registrar;
  stop(): Promise<void>;
}

export function startMaster(runtime: Runtime, setup: MasterSetup): RunningMaster {
  const storage =
    setup.registry.kind === 'in_memory'
      ? new InMemoryStorage()
      : setup.registry.kind === 'file'
        ? new FileStorage(path.join(setup.registry.workDir, 'registry'))
        : setup.registry.storage;
  const registrar = new Registrar(runtime, storage, {
    ...(setup.registryFetchTimeoutMs !== undefined ? { fetchTimeoutMs: setup.registryFetchTimeoutMs } : {}),
    ...(setup.registryStoreTimeoutMs !== undefined ? { storeTimeoutMs: setup.registryStoreTimeoutMs } : {}),
  });
  let master: Master | undefined;
  const allocator = new AllocatorProcess({
    ...(setup.allocationIntervalMs !== undefined ? { allocationIntervalMs: setup.allocationIntervalMs } : {}),
    ...(setup.weights !== undefined ? { weights: setup.weights } : {}),
    ...(setup.roles !== undefined ? { roles: setup.roles } : {}),
    offerCallback: (frameworkId, resources) => {
      const target = master;
      if (target === undefined) return;
      runtime.dispatch(target, (m) => offers.offer(m, frameworkId, resources)).catch(() => undefined);
    },
  });
  runtime.spawn(allocator);
  const options: MasterOptions = { ...DEFAULT_MASTER_OPTIONS, ...stripUndefined(setup), hostname: setup.hostname };
  master = new Master(options, new AllocatorClient(runtime, allocator), {
    recover: (info) => registrar.recover(info),
    apply: (operation) => registrar.apply(operation),
  });
  runtime.spawn(master);
  const version = runtime.exists('version') ? undefined : new VersionProcess();
  if (version !== undefined) runtime.spawn(version);
  const running = master;
  return {
    master: running,
    allocator,
    registrar,
    stop: async () => {
      runtime.terminate(running);
      runtime.terminate(allocator);
      if (version !== undefined) runtime.terminate(version);
      await Promise.all([runtime.wait(running), runtime.wait(allocator)]);
      await registrar.stop();
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
