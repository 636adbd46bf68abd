// The isolator plug-in contract of the Mesos containerizer (include/mesos/slave/isolator.hpp
// and isolator.proto in Mesos 1.0). The containerizer calls, per container:
//
//   prepare   in --isolation order, one after another, before the executor is forked;
//             may return a ContainerLaunchInfo (environment, pre-exec commands, ...)
//   isolate   for all isolators at once, with the forked (still blocked) executor's pid
//   watch     once after isolate; settles only if a resource limit was hit, which makes
//             the containerizer destroy the container and report the limitation
//   update    when the container's resources change
//   usage     for statistics; the containerizer merges every isolator's fields
//   status    run-time properties for ContainerStatus
//   cleanup   in reverse --isolation order, once every process of the container is gone
//   recover   at agent start, with the containers the agent checkpointed and the orphans
//             the launcher found
//
// Container IDs are passed as their `value` strings. Every method returns a promise;
// rejecting one fails that step for that container only.

import type { Resources } from '../../common/resources.js';
import type { mesos } from '../../proto/index.js';

export type ContainerState = mesos.slave.ContainerState.$Properties;
export type ContainerConfig = mesos.slave.ContainerConfig.$Properties;
export type ContainerLaunchInfo = mesos.slave.ContainerLaunchInfo.$Properties;
export type ContainerLimitation = mesos.slave.ContainerLimitation.$Properties;
export type ResourceStatisticsFields = Omit<mesos.ResourceStatistics.$Properties, 'timestamp'>;
export type ContainerStatusFields = mesos.ContainerStatus.$Properties;

export interface Isolator {
  /** The name in --isolation, e.g. `posix/cpu`. */
  readonly name: string;
  recover(states: readonly ContainerState[], orphans: ReadonlySet<string>): Promise<void>;
  prepare(containerId: string, config: ContainerConfig): Promise<ContainerLaunchInfo | undefined>;
  isolate(containerId: string, pid: number): Promise<void>;
  /** Settles only when the container hit a limit; may stay pending forever. */
  watch(containerId: string): Promise<ContainerLimitation>;
  update(containerId: string, resources: Resources): Promise<void>;
  usage(containerId: string): Promise<ResourceStatisticsFields>;
  status(containerId: string): Promise<ContainerStatusFields>;
  cleanup(containerId: string): Promise<void>;
}

const NEVER: Promise<never> = new Promise<never>(() => undefined);

/** Mesos's default hook bodies: nothing to do, empty statistics and status, no limits. */
export abstract class IsolatorBase implements Isolator {
  abstract readonly name: string;

  recover(_states: readonly ContainerState[], _orphans: ReadonlySet<string>): Promise<void> {
    return Promise.resolve();
  }

  prepare(_containerId: string, _config: ContainerConfig): Promise<ContainerLaunchInfo | undefined> {
    return Promise.resolve(undefined);
  }

  isolate(_containerId: string, _pid: number): Promise<void> {
    return Promise.resolve();
  }

  watch(_containerId: string): Promise<ContainerLimitation> {
    return NEVER;
  }

  update(_containerId: string, _resources: Resources): Promise<void> {
    return Promise.resolve();
  }

  usage(_containerId: string): Promise<ResourceStatisticsFields> {
    return Promise.resolve({});
  }

  status(_containerId: string): Promise<ContainerStatusFields> {
    return Promise.resolve({});
  }

  cleanup(_containerId: string): Promise<void> {
    return Promise.resolve();
  }
}

/** A promise with its resolve/reject exposed (libprocess's Promise<T>). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
