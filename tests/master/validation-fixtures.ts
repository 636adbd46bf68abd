// Small protobuf fixtures for the master validation tests.

import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';

export type TaskInfo = mesos.TaskInfo.$Properties;
export type ExecutorInfo = mesos.ExecutorInfo.$Properties;
export type Resource = mesos.Resource.$Properties;

/** `cpus:1;mem:32`-style text as a list of proto resources. */
export function res(text: string, role = '*'): Resource[] {
  return Resources.parse(text, role).toProto();
}

/** One scalar resource, unvalidated (for invalid-resource rows). */
export function scalar(name: string, value: number, extra: Partial<Resource> = {}): Resource {
  return { name, type: mesos.Value.Type.SCALAR, scalar: { value }, ...extra };
}

/** Resources of `text` dynamically reserved for `role`, with `principal` when given. */
export function reserved(text: string, role: string, principal?: string): Resource[] {
  return res(text, role).map((r) => ({ ...r, reservation: principal === undefined ? {} : { principal } }));
}

/** A persistent volume: `size` MB of disk reserved for `role` (dynamically when `principal` is given). */
export function volume(
  id: string,
  options: { role?: string; size?: number; principal?: string; volumePrincipal?: string; path?: string } = {},
): Resource {
  const base = scalar('disk', options.size ?? 64, { role: options.role ?? 'role1' });
  if (options.principal !== undefined) base.reservation = { principal: options.principal };
  base.disk = {
    persistence: options.volumePrincipal === undefined ? { id } : { id, principal: options.volumePrincipal },
    volume: { container_path: options.path ?? 'path1', mode: mesos.Volume.Mode.RW },
  };
  return base;
}

export function executorInfo(id = 'e1', extra: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return {
    executor_id: { value: id },
    framework_id: { value: 'f1' },
    command: { value: 'exec' },
    resources: res('cpus:0.1;mem:32'),
    ...extra,
  };
}

export function taskInfo(extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: 'task',
    task_id: { value: 't1' },
    slave_id: { value: 'a1' },
    resources: res('cpus:1;mem:64'),
    command: { value: 'sleep 1' },
    ...extra,
  };
}

/** A task that runs under `executor` (no command). */
export function executorTask(executor: ExecutorInfo, extra: Partial<TaskInfo> = {}): TaskInfo {
  const { command: _command, ...task } = taskInfo(extra);
  return { ...task, executor };
}

export function framework(id = 'f1', taskIds: string[] = []): { id: string; tasks: Map<string, unknown> } {
  return { id, tasks: new Map(taskIds.map((taskId) => [taskId, {}])) };
}

export function agent(
  id = 'a1',
  executors: Record<string, ExecutorInfo[]> = {},
): { id: string; executors: Map<string, Map<string, ExecutorInfo>> } {
  const map = new Map<string, Map<string, ExecutorInfo>>();
  for (const [frameworkId, list] of Object.entries(executors)) {
    map.set(frameworkId, new Map(list.map((e) => [e.executor_id.value, e])));
  }
  return { id, executors: map };
}

/** A version-4 UUID's 16 bytes. */
export function uuidBytes(version = 4): Uint8Array {
  const bytes = new Uint8Array(16).fill(0xab);
  bytes[6] = (version << 4) | 0x0b;
  return bytes;
}
