// Public surface of the agent's containerization: the Containerizer contract, the Mesos
// containerizer with its launcher and isolator plug-ins, and the executor environment.

export type {
  CommandInfo,
  ContainerFetcher,
  Containerizer,
  ExecutorInfo,
  LaunchOptions,
  RecoverExecutorState,
  RecoverFrameworkState,
  RecoverRunState,
  RecoverState,
  TaskInfo,
  Termination,
} from './containerizer.js';
export {
  DEFAULT_EXECUTOR_PATH,
  EXECUTOR_REREGISTER_TIMEOUT_MS,
  containerEnvironment,
  executorEnvironment,
  type Environment,
  type ExecutorEnvironmentFlags,
} from './environment.js';
export {
  IsolationError,
  IsolatorRegistry,
  createIsolators,
  defaultIsolatorRegistry,
  resolveIsolation,
  type IsolationFlags,
  type IsolatorFactory,
} from './isolation.js';
export {
  IsolatorBase,
  deferred,
  type ContainerConfig,
  type ContainerLaunchInfo,
  type ContainerLimitation,
  type ContainerState,
  type ContainerStatusFields,
  type Deferred,
  type Isolator,
  type ResourceStatisticsFields,
} from './isolator.js';
export { EXECUTOR_HOST_PROGRAM, ExecutorHostClient, type ExecutorHostClientOptions } from './executor-host-client.js';
export {
  parseAgentToHost,
  parseHostToAgent,
  type AgentToHost,
  type HostToAgent,
  type HostUser,
  type LaunchMessage,
} from './executor-host-protocol.js';
export { HostedLauncher, type HostedEnd, type HostedEvents, type HostedLaunchSpec } from './hosted-launcher.js';
export { PosixFilesystemIsolator } from './isolators/filesystem-posix.js';
export { HostNetworkCniIsolator } from './isolators/network-cni.js';
export { PosixCpuIsolator, PosixMemIsolator } from './isolators/posix.js';
export { LaunchForker, type ForkRequest, type ForkedHelper } from './launch-forker.js';
export { userSwitchMethod } from './launch-helper.js';
export {
  PosixLauncher,
  Reaper,
  describeWaitStatus,
  waitStatus,
  type ForkSpec,
  type Forked,
  type Launcher,
} from './launcher.js';
export { MesosContainerizer, type MesosContainerizerFlags, type MesosContainerizerOptions } from './mesos-containerizer.js';
export { isAlive, killtree, processes, pstree, treeUsage, type ProcessEntry, type ProcessTree } from './proc.js';
export { recoverableContainers, type RecoverablePlan } from './recover.js';
export { USER_CACHE_TTL_MS, chownToUser, executorUser, lookupUser, type UserInfo } from './user.js';
