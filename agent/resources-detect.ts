// The agent's total resources: `--resources` (text or JSON, roles defaulting
// to `--default_role`) completed with what the machine has, as Mesos 1.0's
// Containerizer::resources (src/slave/containerizer/containerizer.cpp):
//
//   cpus   the number of CPUs (1 when unknown), unless `--resources` mentions "cpus"
//   mem    total memory - 1 GB when total >= 2 GB, else half of it (1 GB when unknown),
//          in whole megabytes, unless `--resources` mentions "mem"
//   disk   size of the filesystem holding `--work_dir` - 5 GB when it is >= 10 GB,
//          else half of it (10 GB when unknown), in whole megabytes, unless "disk" is
//          mentioned
//   ports  [31000-32000], unless "ports" is mentioned
//
// "Mentions" is a plain substring test on the flag text, as in Mesos: `cpus:0`
// turns detection off, and so does any other text containing "cpus".
// GPUs are never detected (there is no NVML here); `gpus` from `--resources` pass
// through, moved to the front as Mesos does when it merges the GPU allocator's
// answer.
//
// `detectResources` is pure; `measureMachine` reads the machine.

import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { Resources } from '../common/resources.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** src/slave/constants.hpp. */
export const DEFAULT_CPUS = 1;
export const DEFAULT_MEM_BYTES = GB;
export const DEFAULT_DISK_BYTES = 10 * GB;
export const DEFAULT_PORTS = '[31000-32000]';

/** The flags detection reads (names as in AgentFlags). */
export interface DetectFlags {
  readonly resources?: string | undefined;
  readonly default_role: string;
  readonly isolation: string;
  readonly nvidia_gpu_devices?: readonly number[] | undefined;
}

/** What the machine has; undefined where measuring failed (the defaults apply). */
export interface MachineFacts {
  readonly cpus: number | undefined;
  readonly memBytes: number | undefined;
  /** Size of the filesystem holding `--work_dir`. */
  readonly diskBytes: number | undefined;
}

export type DetectResult = { ok: true; resources: Resources; warnings: string[] } | { ok: false; error: string };

/** Memory offered for a machine with `total` bytes: leave 1 GB from 2 GB up, else use half. */
export function memoryToOffer(totalBytes: number): number {
  return totalBytes >= 2 * GB ? totalBytes - GB : Math.floor(totalBytes / 2);
}

/** Disk offered for a filesystem of `total` bytes: leave 5 GB from 10 GB up, else use half. */
export function diskToOffer(totalBytes: number): number {
  return totalBytes >= 10 * GB ? totalBytes - 5 * GB : Math.floor(totalBytes / 2);
}

/** Whole megabytes (Bytes::megabytes() truncates). */
function megabytes(bytes: number): number {
  return Math.floor(bytes / MB);
}

/** The agent's total resources from its flags and the measured machine. */
export function detectResources(flags: DetectFlags, machine: MachineFacts): DetectResult {
  const text = flags.resources ?? '';
  const role = flags.default_role;
  const warnings: string[] = [];

  const parsed = Resources.tryParse(text, role);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  let resources = parsed.value;

  const add = (name: string, value: string): void => {
    resources = resources.plus(Resources.parseResource(name, value, role));
  };

  if (!text.includes('cpus')) {
    let cpus = machine.cpus;
    if (cpus === undefined || !(cpus > 0)) {
      warnings.push(`Failed to auto-detect the number of cpus to use; defaulting to ${DEFAULT_CPUS}`);
      cpus = DEFAULT_CPUS;
    }
    add('cpus', String(Math.floor(cpus)));
  }

  const isolators = new Set(flags.isolation.split(',').filter((token) => token !== ''));
  if (flags.nvidia_gpu_devices !== undefined && !isolators.has('gpu/nvidia')) {
    return {
      ok: false,
      error:
        "Failed to obtain GPU resources: '--nvidia_gpus_devices' can only be specified if the " +
        "`--isolation` flag contains 'gpu/nvidia'",
    };
  }
  const gpus = resources.filter((entry) => entry.name === 'gpus');
  resources = gpus.plus(resources.filter((entry) => entry.name !== 'gpus'));

  if (!text.includes('mem')) {
    let mem: number;
    if (machine.memBytes === undefined) {
      warnings.push('Failed to auto-detect the size of main memory; defaulting to DEFAULT_MEM');
      mem = DEFAULT_MEM_BYTES;
    } else {
      mem = memoryToOffer(machine.memBytes);
    }
    add('mem', String(megabytes(mem)));
  }

  if (!text.includes('disk')) {
    let disk: number;
    if (machine.diskBytes === undefined) {
      warnings.push('Failed to auto-detect the disk space; defaulting to 10GB');
      disk = DEFAULT_DISK_BYTES;
    } else {
      disk = diskToOffer(machine.diskBytes);
    }
    add('disk', String(megabytes(disk)));
  }

  if (!text.includes('ports')) add('ports', DEFAULT_PORTS);

  return { ok: true, resources, warnings };
}

/** Counts CPUs, total memory and the size of the filesystem holding `workDir` (fs::size: f_blocks x block size). */
export async function measureMachine(workDir: string): Promise<MachineFacts> {
  let cpus: number | undefined;
  try {
    // sysconf(_SC_NPROCESSORS_ONLN), not the affinity-limited count.
    const count = os.cpus().length;
    cpus = count > 0 ? count : undefined;
  } catch {
    cpus = undefined;
  }
  let memBytes: number | undefined;
  try {
    memBytes = os.totalmem();
  } catch {
    memBytes = undefined;
  }
  let diskBytes: number | undefined;
  try {
    const stats = await statfs(workDir);
    diskBytes = stats.blocks * stats.bsize;
  } catch {
    diskBytes = undefined;
  }
  return { cpus, memBytes, diskBytes };
}
