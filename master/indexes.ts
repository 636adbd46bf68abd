// Indexes over the master's model. Every lookup the handlers need is a map
// here; nothing else in the master holds agents, frameworks or offers.

import type { mesos } from '../proto/index.js';
import type { Agent, Framework, OfferRecord } from './model.js';

/** A bounded insertion-ordered set (Mesos keeps removed agent ids in a bounded cache). */
export class BoundedSet<T> {
  private readonly items = new Set<T>();
  constructor(private readonly capacity: number) {}
  add(item: T): void {
    this.items.delete(item);
    this.items.add(item);
    if (this.items.size > this.capacity) {
      const first = this.items.values().next();
      if (first.done !== true) this.items.delete(first.value);
    }
  }
  has(item: T): boolean {
    return this.items.has(item);
  }
  get size(): number {
    return this.items.size;
  }
}

export class MasterState {
  /** Registered agents by id. */
  readonly agents = new Map<string, Agent>();
  /** Registered agents by pid string. */
  readonly agentsByPid = new Map<string, Agent>();
  /** Pids with a registration or re-registration in flight in the registrar. */
  readonly registering = new Set<string>();
  readonly reregistering = new Set<string>();
  /** Agents read from the registry after a restart that have not re-registered yet. */
  readonly recovered = new Map<string, mesos.SlaveInfo.$Properties>();
  /** Agent ids removed from the cluster (they must not come back). */
  readonly removedAgents = new BoundedSet<string>(100_000);

  readonly frameworks = new Map<string, Framework>();
  readonly completedFrameworks: Framework[] = [];
  readonly offers = new Map<string, OfferRecord>();

  constructor(private readonly maxCompletedFrameworks: number) {}

  frameworkByPid(pid: string): Framework | undefined {
    for (const framework of this.frameworks.values()) {
      if (framework.pid?.toString() === pid) return framework;
    }
    return undefined;
  }

  isCompletedFramework(id: string): boolean {
    return this.completedFrameworks.some((f) => f.id === id);
  }

  completeFramework(framework: Framework): void {
    this.frameworks.delete(framework.id);
    this.completedFrameworks.push(framework);
    while (this.completedFrameworks.length > this.maxCompletedFrameworks) this.completedFrameworks.shift();
  }

  addAgent(agent: Agent): void {
    this.agents.set(agent.id, agent);
    this.agentsByPid.set(agent.pid.toString(), agent);
  }

  removeAgent(agent: Agent): void {
    this.agents.delete(agent.id);
    if (this.agentsByPid.get(agent.pid.toString()) === agent) this.agentsByPid.delete(agent.pid.toString());
    this.removedAgents.add(agent.id);
  }
}
