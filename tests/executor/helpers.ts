// A fake agent (a PeerProcess on a real TCP runtime) and a recording executor
// for the executor driver and command executor tests.

import { messageName, startRuntime, type Runtime, type UPID } from '../../libprocess/index.js';
import { PeerProcess } from '../../libprocess/testing.js';
import { mesos } from '../../proto/index.js';
import type { Executor, ExecutorDriver } from '../../executor/driver.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

export const AGENT_MESSAGES = [
  mesos.internal.RegisterExecutorMessage,
  mesos.internal.ReregisterExecutorMessage,
  mesos.internal.StatusUpdateMessage,
  mesos.internal.ExecutorToFrameworkMessage,
].map(messageName);

export const NO_RATE_LIMIT = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };

export interface FakeAgent {
  readonly runtime: Runtime;
  readonly agent: PeerProcess;
  readonly pid: UPID;
}

export async function startFakeAgent(): Promise<FakeAgent> {
  const runtime = await startRuntime({ ip: '127.0.0.1', port: 0, env: NO_RATE_LIMIT });
  const agent = new PeerProcess('slave(1)', AGENT_MESSAGES);
  const pid = runtime.spawn(agent);
  return { runtime, agent, pid };
}

/** The environment the 1.0 agent gives an executor (containerizer.cpp executorEnvironment). */
export function executorEnv(agent: UPID, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    ...NO_RATE_LIMIT,
    LIBPROCESS_IP: '127.0.0.1',
    LIBPROCESS_PORT: '0',
    MESOS_FRAMEWORK_ID: 'framework-1',
    MESOS_EXECUTOR_ID: 'executor-1',
    MESOS_DIRECTORY: '/tmp',
    MESOS_SLAVE_ID: 'agent-1',
    MESOS_SLAVE_PID: agent.toString(),
    MESOS_AGENT_ENDPOINT: agent.address,
    MESOS_CHECKPOINT: '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    ...overrides,
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

export type Call =
  | { kind: 'registered'; executorInfo: mesos.ExecutorInfo.$Properties; frameworkInfo: mesos.FrameworkInfo.$Properties; slaveInfo: mesos.SlaveInfo.$Properties }
  | { kind: 'reregistered'; slaveInfo: mesos.SlaveInfo.$Properties }
  | { kind: 'disconnected' }
  | { kind: 'launchTask'; task: mesos.TaskInfo.$Properties }
  | { kind: 'killTask'; taskId: mesos.TaskID.$Properties; killPolicy: mesos.KillPolicy.$Properties | undefined }
  | { kind: 'frameworkMessage'; data: Uint8Array }
  | { kind: 'shutdown' }
  | { kind: 'error'; message: string }
  | { kind: 'acknowledged'; taskId: mesos.TaskID.$Properties; uuid: Uint8Array };

/** Records every callback; tests await the next one of a kind. */
export class RecordingExecutor implements Executor {
  readonly calls: Call[] = [];
  private readonly waiters: Array<{ kind: Call['kind']; resolve: (call: Call) => void }> = [];
  private readonly unconsumed: Call[] = [];
  driver: ExecutorDriver | undefined;

  private record(call: Call, driver: ExecutorDriver): void {
    this.driver = driver;
    this.calls.push(call);
    const index = this.waiters.findIndex((w) => w.kind === call.kind);
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter?.resolve(call);
    } else {
      this.unconsumed.push(call);
    }
  }

  next<K extends Call['kind']>(kind: K): Promise<Extract<Call, { kind: K }>> {
    const index = this.unconsumed.findIndex((c) => c.kind === kind);
    if (index >= 0) {
      const [call] = this.unconsumed.splice(index, 1);
      return Promise.resolve(call as Extract<Call, { kind: K }>);
    }
    return new Promise((resolve) => this.waiters.push({ kind, resolve: (c) => resolve(c as Extract<Call, { kind: K }>) }));
  }

  count(kind: Call['kind']): number {
    return this.calls.filter((c) => c.kind === kind).length;
  }

  registered(driver: ExecutorDriver, executorInfo: mesos.ExecutorInfo.$Properties, frameworkInfo: mesos.FrameworkInfo.$Properties, slaveInfo: mesos.SlaveInfo.$Properties): void {
    this.record({ kind: 'registered', executorInfo, frameworkInfo, slaveInfo }, driver);
  }
  reregistered(driver: ExecutorDriver, slaveInfo: mesos.SlaveInfo.$Properties): void {
    this.record({ kind: 'reregistered', slaveInfo }, driver);
  }
  disconnected(driver: ExecutorDriver): void {
    this.record({ kind: 'disconnected' }, driver);
  }
  launchTask(driver: ExecutorDriver, task: mesos.TaskInfo.$Properties): void {
    this.record({ kind: 'launchTask', task }, driver);
  }
  killTask(driver: ExecutorDriver, taskId: mesos.TaskID.$Properties, killPolicy?: mesos.KillPolicy.$Properties): void {
    this.record({ kind: 'killTask', taskId, killPolicy }, driver);
  }
  frameworkMessage(driver: ExecutorDriver, data: Uint8Array): void {
    this.record({ kind: 'frameworkMessage', data }, driver);
  }
  shutdown(driver: ExecutorDriver): void {
    this.record({ kind: 'shutdown' }, driver);
  }
  error(driver: ExecutorDriver, message: string): void {
    this.record({ kind: 'error', message }, driver);
  }
  acknowledged(driver: ExecutorDriver, taskId: mesos.TaskID.$Properties, uuid: Uint8Array): void {
    this.record({ kind: 'acknowledged', taskId, uuid }, driver);
  }
}

export const SLAVE_INFO: mesos.SlaveInfo.$Properties = {
  hostname: 'agent.example',
  id: { value: 'agent-1' },
  port: 5051,
  resources: [],
  attributes: [],
};

export function frameworkInfo(capabilities: mesos.FrameworkInfo.Capability.Type[] = []): mesos.FrameworkInfo.$Properties {
  return {
    user: 'nobody',
    name: 'test framework',
    id: { value: 'framework-1' },
    capabilities: capabilities.map((type) => ({ type })),
  };
}

export function executorInfo(executorId = 'executor-1'): mesos.ExecutorInfo.$Properties {
  return {
    executor_id: { value: executorId },
    framework_id: { value: 'framework-1' },
    command: { value: 'mesos-executor', shell: false },
    resources: [],
  };
}

/** Sends ExecutorRegisteredMessage from the fake agent to `executor`. */
export function register(agent: PeerProcess, executor: UPID, capabilities: mesos.FrameworkInfo.Capability.Type[] = []): void {
  agent.sendProto(executor, mesos.internal.ExecutorRegisteredMessage, {
    executor_info: executorInfo(),
    framework_id: { value: 'framework-1' },
    framework_info: frameworkInfo(capabilities),
    slave_id: { value: 'agent-1' },
    slave_info: SLAVE_INFO,
  });
}

export function taskInfo(taskId: string, command: mesos.CommandInfo.$Properties, extra: Partial<mesos.TaskInfo.$Properties> = {}): mesos.TaskInfo.$Properties {
  return {
    name: taskId,
    task_id: { value: taskId },
    slave_id: { value: 'agent-1' },
    resources: [],
    command,
    ...extra,
  };
}

export function runTask(agent: PeerProcess, executor: UPID, task: mesos.TaskInfo.$Properties): void {
  agent.sendProto(executor, mesos.internal.RunTaskMessage, {
    framework: frameworkInfo(),
    task,
    pid: 'scheduler(1)@127.0.0.1:1',
  });
}

/** Acknowledges an update the way the agent does after its status update manager handled it. */
export function acknowledge(agent: PeerProcess, executor: UPID, update: mesos.internal.StatusUpdate.$Properties): void {
  agent.sendProto(executor, mesos.internal.StatusUpdateAcknowledgementMessage, {
    slave_id: { value: 'agent-1' },
    framework_id: update.framework_id,
    task_id: update.status.task_id,
    uuid: update.uuid ?? new Uint8Array(16),
  });
}
