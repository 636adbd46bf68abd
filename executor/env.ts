// What an executor learns from the environment the agent gives it
// (MesosExecutorDriver::start in src/exec/exec.cpp; the agent's side is
// executorEnvironment() in src/slave/containerizer/containerizer.cpp).
// Pure: an env map in, a config or an error naming the variable out.

import { parseStoutDuration } from '../common/flags-values.js';
import { InvalidUPIDError, UPID } from '../libprocess/index.js';

/** src/slave/constants.hpp: DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD. */
export const DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS = 5_000;
/** src/slave/constants.hpp: RECOVERY_TIMEOUT. */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 15 * 60_000;

export type Env = Readonly<Record<string, string | undefined>>;

export interface ExecutorEnvironment {
  /** MESOS_SLAVE_PID: the agent process the driver registers with. */
  readonly agent: UPID;
  /** MESOS_SLAVE_ID */
  readonly agentId: string;
  /** MESOS_FRAMEWORK_ID */
  readonly frameworkId: string;
  /** MESOS_EXECUTOR_ID */
  readonly executorId: string;
  /** MESOS_DIRECTORY: the sandbox. */
  readonly directory: string;
  /** MESOS_CHECKPOINT == "1". */
  readonly checkpoint: boolean;
  /** MESOS_RECOVERY_TIMEOUT (read only with checkpointing), ms. */
  readonly recoveryTimeoutMs: number;
  /** MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD (optional: agents < 0.28 do not set it), ms. */
  readonly shutdownGracePeriodMs: number;
  /** MESOS_LOCAL set: in-process cluster; no process-group suicide on shutdown. */
  readonly local: boolean;
}

/** A missing or malformed variable; `message` is the text Mesos exits with. */
export class ExecutorEnvironmentError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExecutorEnvironmentError';
  }
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined) {
    throw new ExecutorEnvironmentError(name, `Expecting '${name}' to be set in the environment`);
  }
  return value;
}

function duration(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined) return fallback;
  const parsed = parseStoutDuration(value);
  if (!parsed.ok) {
    throw new ExecutorEnvironmentError(name, `Failed to parse value '${value}' of '${name}': ${parsed.error}`);
  }
  return parsed.value;
}

/** Reads the driver's settings in the order exec.cpp does; throws ExecutorEnvironmentError. */
export function parseExecutorEnvironment(env: Env): ExecutorEnvironment {
  const local = env['MESOS_LOCAL'] !== undefined;
  const pidText = required(env, 'MESOS_SLAVE_PID');
  let agent: UPID;
  try {
    agent = UPID.parse(pidText);
  } catch (error) {
    if (!(error instanceof InvalidUPIDError)) throw error;
    throw new ExecutorEnvironmentError('MESOS_SLAVE_PID', `Cannot parse MESOS_SLAVE_PID '${pidText}'`);
  }
  const agentId = required(env, 'MESOS_SLAVE_ID');
  const frameworkId = required(env, 'MESOS_FRAMEWORK_ID');
  const executorId = required(env, 'MESOS_EXECUTOR_ID');
  const directory = required(env, 'MESOS_DIRECTORY');
  const shutdownGracePeriodMs = duration(
    env,
    'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD',
    DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS,
  );
  const checkpoint = env['MESOS_CHECKPOINT'] === '1';
  const recoveryTimeoutMs = checkpoint
    ? duration(env, 'MESOS_RECOVERY_TIMEOUT', DEFAULT_RECOVERY_TIMEOUT_MS)
    : DEFAULT_RECOVERY_TIMEOUT_MS;
  return {
    agent,
    agentId,
    frameworkId,
    executorId,
    directory,
    checkpoint,
    recoveryTimeoutMs,
    shutdownGracePeriodMs,
    local,
  };
}
