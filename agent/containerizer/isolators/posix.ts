// `posix/cpu` and `posix/mem` (src/slave/containerizer/mesos/isolators/posix.hpp in Mesos
// 1.0): no isolation at all, only accounting. They remember each container's executor pid
// and report CPU times or RSS summed over the process tree below it, read from /proc.
// A process that left the tree (reparented to init) is no longer counted, as in Mesos.

import type { Resources } from '../../../common/resources.js';
import {
  IsolatorBase,
  deferred,
  type ContainerConfig,
  type ContainerLaunchInfo,
  type ContainerLimitation,
  type ContainerState,
  type Deferred,
  type ResourceStatisticsFields,
} from '../isolator.js';
import { treeUsage, type UsageOptions } from '../proc.js';

abstract class PosixIsolator extends IsolatorBase {
  protected readonly pids = new Map<string, number>();
  private readonly limitations = new Map<string, Deferred<ContainerLimitation>>();

  protected abstract readonly measure: UsageOptions;

  override recover(states: readonly ContainerState[], _orphans: ReadonlySet<string>): Promise<void> {
    for (const state of states) {
      const id = state.container_id.value;
      if (this.pids.has(id)) return Promise.reject(new Error('Container already recovered'));
      this.pids.set(id, Number(state.pid));
      this.limitations.set(id, deferred());
    }
    return Promise.resolve();
  }

  override prepare(containerId: string, _config: ContainerConfig): Promise<ContainerLaunchInfo | undefined> {
    if (this.limitations.has(containerId)) {
      return Promise.reject(new Error(`Container ${containerId} has already been prepared`));
    }
    this.limitations.set(containerId, deferred());
    return Promise.resolve(undefined);
  }

  override isolate(containerId: string, pid: number): Promise<void> {
    if (!this.limitations.has(containerId)) return Promise.reject(new Error(`Unknown container: ${containerId}`));
    this.pids.set(containerId, pid);
    return Promise.resolve();
  }

  override watch(containerId: string): Promise<ContainerLimitation> {
    const limitation = this.limitations.get(containerId);
    if (!limitation) return Promise.reject(new Error(`Unknown container: ${containerId}`));
    return limitation.promise;
  }

  override update(containerId: string, _resources: Resources): Promise<void> {
    if (!this.limitations.has(containerId)) return Promise.reject(new Error(`Unknown container: ${containerId}`));
    // Nothing is isolated, so there is nothing to change.
    return Promise.resolve();
  }

  override async usage(containerId: string): Promise<ResourceStatisticsFields> {
    const pid = this.pids.get(containerId);
    // Mesos logs "No resource usage for unknown container" and returns empty statistics.
    if (pid === undefined) return {};
    return treeUsage(pid, this.measure);
  }

  override cleanup(containerId: string): Promise<void> {
    // Mesos 1.0 fails here for unknown containers, which turns a container whose
    // prepare() failed in an earlier isolator into a failed destroy; later Mesos versions
    // ignore the request, as we do.
    this.limitations.delete(containerId);
    this.pids.delete(containerId);
    return Promise.resolve();
  }
}

export class PosixCpuIsolator extends PosixIsolator {
  readonly name = 'posix/cpu';
  protected readonly measure = { mem: false, cpus: true };
}

export class PosixMemIsolator extends PosixIsolator {
  readonly name = 'posix/mem';
  protected readonly measure = { mem: true, cpus: false };
}
