// What a v1 HTTP executor learns from the environment the agent gives it
// (src/executor/executor.cpp MesosProcess's constructor reads the agent's
// address and the timeouts; src/launcher/executor.cpp main() reads the ids;
// the agent's side is executorEnvironment() in
// src/slave/containerizer/containerizer.cpp). Pure: an env map in, a config
// or an ExecutorEnvironmentError naming the variable out.

import { parseStoutDuration } from '../../common/flags-values.js';
import { InvalidUPIDError, UPID } from '../../libprocess/upid.js';
import { DEFAULT_RECOVERY_TIMEOUT_MS, ExecutorEnvironmentError, type Env } from '../env.js';

/**
 * The reconnection backoff cap when the agent sets none (it sets
 * MESOS_SUBSCRIPTION_BACKOFF_MAX only for checkpointing frameworks):
 * EXECUTOR_REREGISTER_TIMEOUT, src/slave/constants.hpp.
 */
export const DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS = 2_000;

export interface V1ExecutorEnvironment {
  /** The executor endpoint: `http://<agent ip:port>/<agent id>/api/v1/executor`. */
  readonly url: URL;
  /** MESOS_FRAMEWORK_ID */
  readonly frameworkId: string;
  /** MESOS_EXECUTOR_ID */
  readonly executorId: string;
  /** MESOS_SLAVE_ID, when set (SUBSCRIBED tells it too). */
  readonly agentId: string | undefined;
  /** MESOS_DIRECTORY, when set: the sandbox. */
  readonly directory: string | undefined;
  /** MESOS_CHECKPOINT == "1": reconnect after a disconnection. */
  readonly checkpoint: boolean;
  /** MESOS_RECOVERY_TIMEOUT (required with checkpointing), ms: how long to keep reconnecting. */
  readonly recoveryTimeoutMs: number;
  /** MESOS_SUBSCRIPTION_BACKOFF_MAX (required with checkpointing), ms: the cap of each reconnection delay. */
  readonly subscriptionBackoffMaxMs: number;
  /** MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, ms. */
  readonly shutdownGracePeriodMs: number;
  /** MESOS_LOCAL set: in-process cluster. */
  readonly local: boolean;
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined) throw new ExecutorEnvironmentError(name, `Expecting '${name}' to be set in the environment`);
  return value;
}

function duration(env: Env, name: string): number {
  const value = required(env, name);
  const parsed = parseStoutDuration(value);
  if (!parsed.ok) throw new ExecutorEnvironmentError(name, `Failed to parse ${name} '${value}': ${parsed.error}`);
  return parsed.value;
}

/**
 * The endpoint as 1.0's library builds it from MESOS_SLAVE_PID
 * (`/slave(1)/api/v1/executor` on the agent's address, which needs no HTTP
 * delegate); without it, MESOS_AGENT_ENDPOINT (`ip:port`) and the
 * `/api/v1/executor` alias.
 */
export function executorUrl(env: Env): URL {
  const pidText = env['MESOS_SLAVE_PID'];
  if (pidText !== undefined) {
    let pid: UPID;
    try {
      pid = UPID.parse(pidText);
    } catch (error) {
      if (!(error instanceof InvalidUPIDError)) throw error;
      throw new ExecutorEnvironmentError('MESOS_SLAVE_PID', `Failed to parse MESOS_SLAVE_PID '${pidText}'`);
    }
    return new URL(`http://${pid.address}/${pid.id}/api/v1/executor`);
  }
  const endpoint = env['MESOS_AGENT_ENDPOINT'];
  if (endpoint === undefined) throw new ExecutorEnvironmentError('MESOS_SLAVE_PID', "Expecting 'MESOS_SLAVE_PID' to be set in the environment");
  let url: URL;
  try {
    url = new URL(`http://${endpoint}/api/v1/executor`);
  } catch {
    throw new ExecutorEnvironmentError('MESOS_AGENT_ENDPOINT', `Failed to parse MESOS_AGENT_ENDPOINT '${endpoint}'`);
  }
  if (url.host !== endpoint) throw new ExecutorEnvironmentError('MESOS_AGENT_ENDPOINT', `Failed to parse MESOS_AGENT_ENDPOINT '${endpoint}'`);
  return url;
}

/** Reads the library's settings; throws ExecutorEnvironmentError with the text Mesos exits with. */
export function parseV1ExecutorEnvironment(env: Env): V1ExecutorEnvironment {
  const url = executorUrl(env);
  const frameworkId = required(env, 'MESOS_FRAMEWORK_ID');
  const executorId = required(env, 'MESOS_EXECUTOR_ID');
  const checkpoint = env['MESOS_CHECKPOINT'] === '1';
  // Without checkpointing nothing reconnects: the values only bound the first subscription.
  const recoveryTimeoutMs = checkpoint ? duration(env, 'MESOS_RECOVERY_TIMEOUT') : DEFAULT_RECOVERY_TIMEOUT_MS;
  const subscriptionBackoffMaxMs = checkpoint ? duration(env, 'MESOS_SUBSCRIPTION_BACKOFF_MAX') : DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS;
  const shutdownGracePeriodMs = duration(env, 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD');
  return {
    url,
    frameworkId,
    executorId,
    agentId: env['MESOS_SLAVE_ID'],
    directory: env['MESOS_DIRECTORY'],
    checkpoint,
    recoveryTimeoutMs,
    subscriptionBackoffMaxMs,
    shutdownGracePeriodMs,
    local: env['MESOS_LOCAL'] !== undefined,
  };
}
