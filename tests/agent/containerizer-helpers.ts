// Shared setup for the containerizer and fetcher tests: temporary work directories, flags,
// executor infos and polling for process state.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { MesosContainerizerFlags } from '../../agent/containerizer/index.js';
import { processesSync } from '../../agent/containerizer/proc.js';
import type { mesos } from '../../proto/index.js';

export const AGENT_PID = 'slave(1)@127.0.0.1:5051';

/** A temporary directory readable by everyone (so a switched user can reach its sandbox). */
export function tempDir(t: ExecutionContext, prefix = 'mesos-agent-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function flagsFor(workDir: string, overrides: Partial<MesosContainerizerFlags> = {}): MesosContainerizerFlags {
  return {
    isolation: 'posix/cpu,posix/mem',
    work_dir: workDir,
    sandbox_directory: '/mnt/mesos/sandbox',
    http_command_executor: false,
    executor_shutdown_grace_period: 5_000,
    recovery_timeout: 15 * 60_000,
    fetcher_cache_size: 2 * 1024 ** 3,
    fetcher_cache_dir: join(workDir, 'fetch'),
    frameworks_home: '',
    hadoop_home: '',
    ...overrides,
  };
}

export function sandbox(workDir: string, name = 'sandbox'): string {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  return dir;
}

export function executorInfo(
  command: mesos.CommandInfo.$Properties,
  extra: Partial<mesos.ExecutorInfo.$Properties> = {},
): mesos.ExecutorInfo.$Properties {
  return {
    executor_id: { value: 'executor-1' },
    framework_id: { value: 'framework-1' },
    command,
    resources: [
      { name: 'cpus', type: 0, scalar: { value: 0.5 } },
      { name: 'mem', type: 0, scalar: { value: 64 } },
    ],
    ...extra,
  };
}

export function shell(value: string, extra: Partial<mesos.CommandInfo.$Properties> = {}): mesos.CommandInfo.$Properties {
  return { shell: true, value, ...extra };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value other than undefined (no timing assertions: ava's timeout bounds it). */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
}

/** Pids of live (non-zombie) processes whose command line contains `marker`. */
export function livePidsWith(marker: string): number[] {
  return processesSync()
    .filter((p) => p.state !== 'Z' && p.state !== 'X')
    .filter((p) => {
      try {
        return readCmdline(p.pid).includes(marker);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

function readCmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
