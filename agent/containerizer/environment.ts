// The environment an executor starts with: Mesos 1.0's `executorEnvironment()`
// (src/slave/containerizer/containerizer.cpp), and the layering the Mesos containerizer
// applies on top of it (MesosContainerizerProcess::__launch).
//
// Later entries win:
//   1. LIBPROCESS_IP, when the agent has it in its own environment (set from --ip)
//   2. --executor_environment_variables
//   3. PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, if still unset
//   4. LIBPROCESS_PORT=0
//   5. MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_DIRECTORY, MESOS_SLAVE_ID,
//      MESOS_SLAVE_PID, MESOS_AGENT_ENDPOINT, MESOS_CHECKPOINT,
//      MESOS_HTTP_COMMAND_EXECUTOR, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, and with
//      checkpointing MESOS_RECOVERY_TIMEOUT and MESOS_SUBSCRIPTION_BACKOFF_MAX
//   (containerizer, see `containerEnvironment`)
//   6. environment variables returned by isolators
//   7. MESOS_SANDBOX (the sandbox; the in-container path when the container has a rootfs)
//   8. ExecutorInfo.command.environment
//   9. isolators' environment variables again (they win over the framework's)
//
// MESOS_NATIVE_JAVA_LIBRARY / MESOS_NATIVE_LIBRARY are only set by Mesos when libmesos is
// installed; there is no libmesos here, so never. Environment decorator hooks do not exist.

import { formatStoutDuration } from '../../common/flags-values.js';
import type { mesos } from '../../proto/index.js';
import { UPID } from '../../libprocess/index.js';
import type { ContainerLaunchInfo } from './isolator.js';

export const DEFAULT_EXECUTOR_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** src/slave/constants.hpp: EXECUTOR_REREGISTER_TIMEOUT, the executors' backoff cap. */
export const EXECUTOR_REREGISTER_TIMEOUT_MS = 2_000;

/** The agent flags that shape an executor's environment (durations in ms). */
export interface ExecutorEnvironmentFlags {
  executor_environment_variables?: Readonly<Record<string, string>> | undefined;
  http_command_executor: boolean;
  executor_shutdown_grace_period: number;
  recovery_timeout: number;
}

export type Environment = Record<string, string>;

/**
 * Mesos's `executorEnvironment(executorInfo, directory, slaveId, slavePid, checkpoint,
 * flags)`. `agentEnv` is the agent's own process environment (only LIBPROCESS_IP is read).
 */
export function executorEnvironment(
  executorInfo: mesos.ExecutorInfo.$Properties,
  directory: string,
  agentId: string,
  agentPid: string | UPID,
  checkpoint: boolean,
  flags: ExecutorEnvironmentFlags,
  agentEnv: NodeJS.ProcessEnv = process.env,
): Environment {
  const env: Environment = {};

  const libprocessIp = agentEnv['LIBPROCESS_IP'];
  if (libprocessIp !== undefined) env['LIBPROCESS_IP'] = libprocessIp;

  for (const [key, value] of Object.entries(flags.executor_environment_variables ?? {})) env[key] = value;

  if (env['PATH'] === undefined) env['PATH'] = DEFAULT_EXECUTOR_PATH;
  env['LIBPROCESS_PORT'] = '0';

  const pid = typeof agentPid === 'string' ? UPID.parse(agentPid) : agentPid;
  env['MESOS_FRAMEWORK_ID'] = executorInfo.framework_id?.value ?? '';
  env['MESOS_EXECUTOR_ID'] = executorInfo.executor_id.value;
  env['MESOS_DIRECTORY'] = directory;
  env['MESOS_SLAVE_ID'] = agentId;
  env['MESOS_SLAVE_PID'] = pid.toString();
  env['MESOS_AGENT_ENDPOINT'] = pid.address;
  env['MESOS_CHECKPOINT'] = checkpoint ? '1' : '0';
  env['MESOS_HTTP_COMMAND_EXECUTOR'] = flags.http_command_executor ? '1' : '0';

  // ExecutorInfo.shutdown_grace_period overrides the agent's default.
  const grace = executorInfo.shutdown_grace_period;
  const graceMs =
    grace && grace.nanoseconds !== undefined && grace.nanoseconds !== null
      ? Number(grace.nanoseconds) / 1e6
      : flags.executor_shutdown_grace_period;
  env['MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD'] = formatStoutDuration(graceMs);

  if (checkpoint) {
    env['MESOS_RECOVERY_TIMEOUT'] = formatStoutDuration(flags.recovery_timeout);
    env['MESOS_SUBSCRIPTION_BACKOFF_MAX'] = formatStoutDuration(EXECUTOR_REREGISTER_TIMEOUT_MS);
  }
  return env;
}

function applyLaunchInfos(env: Environment, launchInfos: readonly (ContainerLaunchInfo | undefined)[]): void {
  for (const info of launchInfos) {
    for (const variable of info?.environment?.variables ?? []) env[variable.name] = variable.value ?? '';
  }
}

/**
 * The executor's final environment: `base` (normally `executorEnvironment(...)`), with
 * the isolators' variables, MESOS_SANDBOX and the executor command's environment layered
 * on as the Mesos containerizer does.
 */
export function containerEnvironment(
  base: Readonly<Environment>,
  executorInfo: mesos.ExecutorInfo.$Properties,
  sandbox: string,
  launchInfos: readonly (ContainerLaunchInfo | undefined)[] = [],
): Environment {
  const env: Environment = { ...base };
  applyLaunchInfos(env, launchInfos);
  env['MESOS_SANDBOX'] = sandbox;
  for (const variable of executorInfo.command.environment?.variables ?? []) {
    env[variable.name] = variable.value ?? '';
  }
  applyLaunchInfos(env, launchInfos);
  return env;
}
