// The master's handle on the allocator process: every call becomes a dispatch
// into the allocator's mailbox (the allocator is its own process, as in Mesos),
// so the master never waits on an allocation.

import type { Runtime } from '../libprocess/runtime.js';
import type { Resources } from '../common/resources.js';
import type { mesos } from '../proto/index.js';
import type { AllocatorProcess } from './allocator/process.js';
import type { AllocatorLike } from './master.js';

export class AllocatorClient implements AllocatorLike {
  constructor(
    private readonly runtime: Runtime,
    private readonly process: AllocatorProcess,
  ) {}

  private call(fn: (allocator: AllocatorProcess) => void): void {
    this.runtime.dispatch(this.process, fn).catch((error: unknown) => {
      this.runtime.log.error({ err: error }, 'allocator call failed');
    });
  }

  addFramework(id: string, info: mesos.FrameworkInfo.$Properties, used: Map<string, Resources>, active: boolean): void {
    this.call((a) => a.addFramework(id, info, used, active));
  }
  removeFramework(id: string): void {
    this.call((a) => a.removeFramework(id));
  }
  activateFramework(id: string): void {
    this.call((a) => a.activateFramework(id));
  }
  deactivateFramework(id: string): void {
    this.call((a) => a.deactivateFramework(id));
  }
  updateFramework(id: string, info: mesos.FrameworkInfo.$Properties): void {
    this.call((a) => a.updateFramework(id, info));
  }
  addSlave(id: string, info: mesos.SlaveInfo.$Properties, total: Resources, used: Map<string, Resources>): void {
    this.call((a) => a.addSlave(id, info, total, used));
  }
  removeSlave(id: string): void {
    this.call((a) => a.removeSlave(id));
  }
  activateSlave(id: string): void {
    this.call((a) => a.activateSlave(id));
  }
  deactivateSlave(id: string): void {
    this.call((a) => a.deactivateSlave(id));
  }
  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds?: number): void {
    const filters = refuseSeconds === undefined ? undefined : { refuse_seconds: refuseSeconds };
    this.call((a) => a.recoverResources(frameworkId, agentId, resources, filters));
  }
  suppressOffers(id: string): void {
    this.call((a) => a.suppressOffers(id));
  }
  reviveOffers(id: string): void {
    this.call((a) => a.reviveOffers(id));
  }
}
