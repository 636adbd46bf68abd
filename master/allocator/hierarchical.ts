// The hierarchical DRF allocation policy of Mesos 1.0
// (src/master/allocator/mesos/hierarchical.cpp), as a pure core: no timers,
// no messages, no clock of its own. The AllocatorProcess feeds it events and
// the current time and forwards the offers it returns.
//
// It owns and mutates its state (agents, frameworks, sorters, filters):
// an allocation cycle at 10,000 agents touches every agent, and copying that
// state per event would cost more than the cycle. The state is private; the
// only outputs are the offers of allocate() and read-only queries.
//
// allocate(agents) follows Mesos step by step:
//   1. keep the given agents that are whitelisted and active, shuffled;
//   2. quota stage: for each agent, roles with quota in DRF order (a role
//      whose quota is met is skipped), their frameworks in DRF order get the
//      agent's unreserved plus role-reserved non-revocable resources;
//   3. fair-share stage: for each agent, every role in DRF order and its
//      frameworks in DRF order get the role's reserved resources plus (for
//      roles without quota) the unreserved ones, skipping suppressed
//      frameworks, revocable resources for frameworks without the capability,
//      agents with GPUs for frameworks without GPU_RESOURCES, filtered
//      offers, and offers that would eat into unallocated quota.
// Allocation is coarse-grained: one framework gets everything it may take on
// the agent. Allocated resources count as used until recovered.

import { mesos } from '../../proto/index.js';
import { Resources, resourceNameId } from '../../common/resources.js';
import { ScalarQuantities } from './quantities.js';
import { IndexPool, refuseDurationMs } from './filters.js';
import { Agent, Framework } from './state.js';
import { DRFSorter } from './sorter.js';

/** Offers: framework id -> agent id -> resources. */
export type Offers = Map<string, Map<string, Resources>>;

/** Smallest allocatable amounts (src/master/constants.hpp MIN_CPUS, MIN_MEM). */
export const MIN_CPUS = 0.01;
export const MIN_MEM_MB = 32;

/** Default --allocation_interval (src/master/constants.hpp). */
export const DEFAULT_ALLOCATION_INTERVAL_MS = 1000;

/** Allocation hold-off while agents re-register after a failover with quota (hierarchical.cpp recover). */
export const RECOVERY_TIMEOUT_MS = 10 * 60 * 1000;
export const AGENT_RECOVERY_FACTOR = 0.8;

const MIN_CPUS_MILLI = MIN_CPUS * 1000;
const MIN_MEM_MILLI = MIN_MEM_MB * 1000;
const CPUS = resourceNameId('cpus');
const MEM = resourceNameId('mem');

/** True when an offer of these resources is worth making (cpus >= 0.01 or mem >= 32 MB). */
export function allocatable(resources: Resources): boolean {
  // Mesos reads mem as Megabytes(uint64_t): the value is truncated first.
  return resources.cpusMilli() >= MIN_CPUS_MILLI || Math.trunc(resources.memMilli() / 1000) * 1000 >= MIN_MEM_MILLI;
}

export class AllocatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocatorError';
  }
}

export interface HierarchicalOptions {
  /** --allocation_interval: also the shortest filter (default 1 s). */
  allocationIntervalMs?: number;
  /** Role weights (--weights); roles not listed weigh 1. */
  weights?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Role whitelist (--roles): frameworks of other roles are refused. `*` is always allowed. */
  roles?: Iterable<string>;
  /** --fair_sharing_excluded_resource_names */
  fairnessExcludeResourceNames?: Iterable<string>;
  /** Random source for the agent shuffle (Mesos uses std::random_shuffle). */
  random?: () => number;
}

export type FrameworkInfo = Pick<mesos.FrameworkInfo.$Properties, 'role' | 'capabilities'>;
export type AgentInfo = Pick<mesos.SlaveInfo.$Properties, 'hostname'>;

const Capability = mesos.FrameworkInfo.Capability.Type;

function hasCapability(info: FrameworkInfo, type: number): boolean {
  return (info.capabilities ?? []).some((capability) => capability.type === type);
}

/** Read-only views for queries and tests. */
export interface AgentView {
  readonly id: string;
  readonly hostname: string;
  readonly total: Resources;
  readonly allocated: Resources;
  readonly activated: boolean;
}

export interface FrameworkView {
  readonly id: string;
  readonly role: string;
  readonly active: boolean;
  readonly suppressed: boolean;
  readonly revocable: boolean;
  readonly gpuAware: boolean;
}

export class HierarchicalAllocator {
  readonly allocationIntervalMs: number;
  private readonly agents = new Map<string, Agent>();
  private readonly frameworks = new Map<string, Framework>();
  /** Roles with at least one registered framework, with their framework count. */
  private readonly activeRoles = new Map<string, number>();
  private readonly frameworkSorters = new Map<string, DRFSorter<Framework>>();
  private readonly roleSorter: DRFSorter;
  /** Roles with quota; totals and allocations exclude revocable resources. */
  private readonly quotaRoleSorter: DRFSorter;
  private readonly frameworkIndexes = new IndexPool();
  private readonly quotas = new Map<string, Resources>();
  private readonly weights = new Map<string, number>();
  private readonly roleWhitelist: ReadonlySet<string> | undefined;
  private readonly excludedNames: readonly string[];
  private readonly random: () => number;
  private whitelist: ReadonlySet<string> | undefined;
  private pausedFlag = false;
  private expectedAgentCount: number | undefined;
  private runs = 0;

  constructor(options: HierarchicalOptions = {}) {
    this.allocationIntervalMs = options.allocationIntervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS;
    const weights = options.weights;
    if (weights !== undefined) {
      const entries = weights instanceof Map ? weights.entries() : Object.entries(weights);
      for (const [role, weight] of entries) this.weights.set(role, weight);
    }
    this.roleWhitelist = options.roles === undefined ? undefined : new Set([...options.roles, '*']);
    this.excludedNames = [...(options.fairnessExcludeResourceNames ?? [])];
    this.random = options.random ?? Math.random;
    // Role allocations per agent are the sums of their frameworks' (kept by the framework sorters).
    this.roleSorter = new DRFSorter({ excludedResourceNames: this.excludedNames, perAgent: false });
    this.quotaRoleSorter = new DRFSorter({ excludedResourceNames: this.excludedNames, perAgent: false });
  }

  // ---------------------------------------------------------------- recovery

  get paused(): boolean {
    return this.pausedFlag;
  }

  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
  }

  /**
   * After a master failover with quota set, holds allocation until 80% of
   * the expected agents are back (or the process's 10 minute timer resumes).
   * Returns true when allocation was paused.
   */
  recover(expectedAgentCount: number, quotas: ReadonlyMap<string, Resources>): boolean {
    if (this.agents.size !== 0) throw new AllocatorError('recover() must come before any agent is added');
    if (quotas.size === 0) return false;
    const expected = Math.trunc(expectedAgentCount * AGENT_RECOVERY_FACTOR);
    if (expected === 0) return false;
    this.expectedAgentCount = expected;
    this.pause();
    for (const [role, guarantee] of quotas) this.setQuota(role, guarantee);
    return true;
  }

  // -------------------------------------------------------------- frameworks

  addFramework(id: string, info: FrameworkInfo, used: ReadonlyMap<string, Resources> = new Map(), active = true): void {
    if (this.frameworks.has(id)) throw new AllocatorError(`Framework ${id} already added`);
    const role = info.role ?? '*';
    if (this.roleWhitelist !== undefined && !this.roleWhitelist.has(role)) {
      throw new AllocatorError(`Role '${role}' is not in the role whitelist`);
    }
    let sorter = this.frameworkSorters.get(role);
    if (sorter === undefined) {
      this.activeRoles.set(role, 1);
      this.roleSorter.add(role, this.roleWeight(role));
      sorter = new DRFSorter<Framework>({ excludedResourceNames: this.excludedNames });
      this.frameworkSorters.set(role, sorter);
    } else {
      this.activeRoles.set(role, (this.activeRoles.get(role) ?? 0) + 1);
    }
    const framework = new Framework(
      id,
      this.frameworkIndexes.acquire(),
      role,
      hasCapability(info, Capability.REVOCABLE_RESOURCES),
      hasCapability(info, Capability.GPU_RESOURCES),
    );
    sorter.add(id, 1, framework);
    for (const [agentId, allocated] of used) {
      this.roleSorter.allocated(role, agentId, allocated);
      sorter.addTotal(allocated);
      sorter.allocated(id, agentId, allocated);
      if (this.quotas.has(role)) this.quotaRoleSorter.allocated(role, agentId, allocated.nonRevocable());
    }
    this.frameworks.set(id, framework);
    if (!active) sorter.deactivate(id);
  }

  removeFramework(id: string): void {
    const framework = this.requireFramework(id);
    const role = framework.role;
    const sorter = this.frameworkSorters.get(role) as DRFSorter<Framework>;
    for (const [agentId, allocated] of [...sorter.allocation(id)]) {
      this.roleSorter.unallocated(role, agentId, allocated);
      sorter.removeTotal(allocated);
      if (this.quotas.has(role)) this.quotaRoleSorter.unallocated(role, agentId, allocated.nonRevocable());
    }
    sorter.remove(id);
    const count = (this.activeRoles.get(role) ?? 1) - 1;
    if (count === 0) {
      this.activeRoles.delete(role);
      this.roleSorter.remove(role);
      this.frameworkSorters.delete(role);
    } else {
      this.activeRoles.set(role, count);
    }
    framework.clearFilters();
    this.frameworkIndexes.release(framework.index);
    this.frameworks.delete(id);
  }

  activateFramework(id: string): void {
    const framework = this.requireFramework(id);
    this.frameworkSorters.get(framework.role)?.activate(id);
  }

  /** Stops offers; keeps the allocation; drops filters and the suppressed flag. */
  deactivateFramework(id: string): void {
    const framework = this.requireFramework(id);
    this.frameworkSorters.get(framework.role)?.deactivate(id);
    framework.clearFilters();
    framework.suppressed = false;
  }

  /** Takes the capabilities this allocator cares about; the role cannot change (MESOS-703). */
  updateFramework(id: string, info: FrameworkInfo): void {
    const framework = this.requireFramework(id);
    if ((info.role ?? '*') !== framework.role) {
      throw new AllocatorError(`Framework ${id} cannot change its role from '${framework.role}'`);
    }
    framework.revocable = hasCapability(info, Capability.REVOCABLE_RESOURCES);
    framework.gpuAware = hasCapability(info, Capability.GPU_RESOURCES);
  }

  suppressOffers(id: string): void {
    this.requireFramework(id).suppressed = true;
  }

  /** Drops the framework's filters and suppression. */
  reviveOffers(id: string): void {
    const framework = this.requireFramework(id);
    framework.clearFilters();
    framework.suppressed = false;
  }

  // ------------------------------------------------------------------ agents

  addSlave(id: string, info: AgentInfo, total: Resources, used: ReadonlyMap<string, Resources> = new Map()): void {
    if (this.agents.has(id)) throw new AllocatorError(`Agent ${id} already added`);
    this.roleSorter.addTotal(total);
    this.quotaRoleSorter.addTotal(total.nonRevocable());
    let allocated = Resources.EMPTY;
    for (const [frameworkId, resources] of used) {
      allocated = allocated.plus(resources);
      const framework = this.frameworks.get(frameworkId);
      if (framework === undefined) continue;
      const role = framework.role;
      const sorter = this.frameworkSorters.get(role) as DRFSorter<Framework>;
      this.roleSorter.allocated(role, id, resources);
      sorter.addTotal(resources);
      sorter.allocated(frameworkId, id, resources);
      if (this.quotas.has(role)) this.quotaRoleSorter.allocated(role, id, resources.nonRevocable());
    }
    this.agents.set(id, new Agent(id, info.hostname, total, allocated));
    if (this.pausedFlag && this.expectedAgentCount !== undefined && this.agents.size >= this.expectedAgentCount) {
      this.expectedAgentCount = undefined;
      this.resume();
    }
  }

  /** Forgets the agent; allocations on it must be recovered by the caller (MESOS-621). */
  removeSlave(id: string): void {
    const agent = this.requireAgent(id);
    this.roleSorter.removeTotal(agent.total);
    this.quotaRoleSorter.removeTotal(agent.total.nonRevocable());
    // Its filters go with it (agent ids are not reused).
    for (const framework of this.frameworks.values()) framework.filteredAgents.delete(agent);
    this.agents.delete(id);
  }

  /** Replaces the agent's revocable (oversubscribed) resources. */
  updateSlave(id: string, oversubscribed: Resources): void {
    const agent = this.requireAgent(id);
    if (!oversubscribed.revocable().equals(oversubscribed)) {
      throw new AllocatorError(`Oversubscribed resources must be revocable: ${oversubscribed.toString()}`);
    }
    const oldRevocable = agent.total.revocable();
    agent.total = agent.total.nonRevocable().plus(oversubscribed);
    this.roleSorter.removeTotal(oldRevocable);
    this.roleSorter.addTotal(oversubscribed);
  }

  activateSlave(id: string): void {
    this.requireAgent(id).activated = true;
  }

  deactivateSlave(id: string): void {
    this.requireAgent(id).activated = false;
  }

  /** Hostnames whose agents may be offered; undefined offers every agent. */
  updateWhitelist(hostnames: Iterable<string> | undefined): void {
    this.whitelist = hostnames === undefined ? undefined : new Set(hostnames);
  }

  /** Applies offer operations (reserve, create, ...) to a framework's allocation on an agent. */
  updateAllocation(frameworkId: string, agentId: string, operations: readonly mesos.Offer.Operation.$Properties[]): void {
    const agent = this.requireAgent(agentId);
    const framework = this.requireFramework(frameworkId);
    const role = framework.role;
    agent.allocated = agent.allocated.applyAll(operations);
    agent.total = agent.total.applyAll(operations);
    const sorter = this.frameworkSorters.get(role) as DRFSorter<Framework>;
    const before = sorter.allocationOn(frameworkId, agentId);
    const after = before.applyAll(operations);
    sorter.removeTotal(before);
    sorter.addTotal(after);
    sorter.update(frameworkId, agentId, before, after);
    this.roleSorter.removeTotal(before);
    this.roleSorter.addTotal(after);
    this.roleSorter.update(role, agentId, before, after);
    this.quotaRoleSorter.removeTotal(before.nonRevocable());
    this.quotaRoleSorter.addTotal(after.nonRevocable());
    if (this.quotas.has(role)) {
      this.quotaRoleSorter.update(role, agentId, before.nonRevocable(), after.nonRevocable());
    }
  }

  /** Applies operations to an agent's unallocated resources; throws when they do not apply. */
  updateAvailable(agentId: string, operations: readonly mesos.Offer.Operation.$Properties[]): void {
    const agent = this.requireAgent(agentId);
    agent.available().applyAll(operations);
    const oldTotal = agent.total;
    const newTotal = oldTotal.applyAll(operations);
    agent.total = newTotal;
    this.roleSorter.removeTotal(oldTotal);
    this.roleSorter.addTotal(newTotal);
    this.quotaRoleSorter.removeTotal(oldTotal.nonRevocable());
    this.quotaRoleSorter.addTotal(newTotal.nonRevocable());
  }

  // --------------------------------------------------------------- resources

  /**
   * Resources come back (declined, unused, or freed by finished tasks). With
   * `filters`, the framework refuses resources contained in these on this
   * agent for max(refuse_seconds, allocation interval) from `now`.
   */
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    filters: { refuse_seconds?: number | null } | undefined,
    now: number,
  ): void {
    if (resources.isEmpty()) return;
    const agent = this.agents.get(agentId);
    if (agent !== undefined && !agent.recover(resources)) {
      throw new AllocatorError(
        `Agent ${agentId} has not allocated ${resources.toString()} (allocated: ${agent.allocated.toString()})`,
      );
    }
    const framework = this.frameworks.get(frameworkId);
    if (framework !== undefined) {
      const role = framework.role;
      const sorter = this.frameworkSorters.get(role) as DRFSorter<Framework>;
      if (sorter.contains(frameworkId)) {
        sorter.unallocated(frameworkId, agentId, resources);
        sorter.removeTotal(resources);
        this.roleSorter.unallocated(role, agentId, resources);
        if (this.quotas.has(role)) this.quotaRoleSorter.unallocated(role, agentId, resources.nonRevocable());
      }
    }
    if (filters === undefined || framework === undefined || agent === undefined) return;
    const duration = refuseDurationMs(filters.refuse_seconds, this.allocationIntervalMs);
    if (duration > 0) {
      agent.filters.add(framework.index, resources, now + duration);
      framework.filteredAgents.add(agent);
    }
  }

  // ------------------------------------------------------------ quota, weights

  setQuota(role: string, guarantee: Resources): void {
    if (this.quotas.has(role)) throw new AllocatorError(`Quota for role '${role}' is already set`);
    this.quotas.set(role, guarantee);
    this.quotaRoleSorter.add(role, this.roleWeight(role));
    const sorter = this.frameworkSorters.get(role);
    if (sorter !== undefined) {
      for (const frameworkId of sorter.names()) {
        for (const [agentId, resources] of sorter.allocation(frameworkId)) {
          this.quotaRoleSorter.allocated(role, agentId, resources.nonRevocable());
        }
      }
    }
  }

  removeQuota(role: string): void {
    if (!this.quotas.has(role)) throw new AllocatorError(`Quota for role '${role}' is not set`);
    this.quotas.delete(role);
    this.quotaRoleSorter.remove(role);
  }

  /** Sets role weights; returns true when a role with frameworks changed (Mesos then allocates). */
  updateWeights(infos: Iterable<{ role: string; weight: number }>): boolean {
    let rebalance = false;
    for (const { role, weight } of infos) {
      this.weights.set(role, weight);
      if (this.quotas.has(role)) this.quotaRoleSorter.updateWeight(role, weight);
      if (this.roleSorter.contains(role)) {
        rebalance = true;
        this.roleSorter.updateWeight(role, weight);
      }
    }
    return rebalance;
  }

  roleWeight(role: string): number {
    return this.weights.get(role) ?? 1;
  }

  // --------------------------------------------------------------- allocation

  /** Allocation runs so far (allocator/mesos/allocation_runs). */
  get allocationRuns(): number {
    return this.runs;
  }

  /**
   * Allocates the available resources of the given agents (all when
   * undefined) at clock time `now`. Returns the offers; they count as
   * allocated until recovered. Nothing happens while paused.
   */
  allocate(agentIds: Iterable<string> | undefined, now: number): Offers {
    const offers: Offers = new Map();
    if (this.pausedFlag) return offers;
    this.runs++;
    const candidates: Agent[] = [];
    for (const id of agentIds ?? this.agents.keys()) {
      const agent = this.agents.get(id);
      if (agent === undefined || !agent.activated) continue;
      if (this.whitelist !== undefined && !this.whitelist.has(agent.hostname)) continue;
      candidates.push(agent);
    }
    this.shuffle(candidates);
    if (this.quotas.size > 0) this.allocateQuota(candidates, offers, now);
    this.allocateFairShare(candidates, offers, now);
    return offers;
  }

  /** The quantity allocated to a quota role, as unreserved non-revocable scalars. */
  private quotaRoleConsumed(role: string): Resources {
    return this.quotaRoleSorter.allocationScalarQuantities(role).flatten();
  }

  private allocateQuota(candidates: readonly Agent[], offers: Offers, now: number): void {
    for (const agent of candidates) {
      for (const { name: role } of this.quotaRoleSorter.sort()) {
        if (!this.activeRoles.has(role)) continue;
        const guarantee = this.quotas.get(role) as Resources;
        if (this.quotaRoleConsumed(role).contains(guarantee)) continue;
        const sorter = this.frameworkSorters.get(role) as DRFSorter<Framework>;
        const order = sorter.sort();
        for (let i = 0; i < order.length; i++) {
          const framework = order.at(i).data;
          if (framework.suppressed) continue;
          if (!framework.gpuAware && agent.hasGpus) continue;
          const resources = agent.offerableTo(role, true).nonRevocable();
          if (!allocatable(resources)) break;
          if (framework.isFiltered(agent, resources, now)) continue;
          this.record(offers, framework, agent, resources);
          this.quotaRoleSorter.allocated(role, agent.id, resources);
        }
      }
    }
  }

  private allocateFairShare(candidates: readonly Agent[], offers: Offers, now: number): void {
    // What the fair-share stage may hand out, cluster-wide: everything not
    // allocated, minus what quota roles are still owed (by stripped kind).
    const remaining = ScalarQuantities.of(this.roleSorter.totalScalarQuantities());
    for (const role of this.activeRoles.keys()) {
      remaining.subtract(this.roleSorter.allocationScalarQuantities(role));
    }
    let owed = Resources.EMPTY;
    for (const [role, guarantee] of this.quotas) owed = owed.plus(guarantee.minus(this.quotaRoleConsumed(role)));
    remaining.subtract(owed);

    // Stage-2 allocations so far; always within `remaining`, kind by kind.
    const handedOut = new ScalarQuantities();
    const fits = (quantity: Resources): boolean => {
      for (const entry of quantity) {
        if (handedOut.amountOf(entry.kind) + entry.milli > remaining.amountOf(entry.kind)) return false;
      }
      return true;
    };
    const left = (): boolean => {
      const cpus = remaining.sumOf(CPUS) - handedOut.sumOf(CPUS);
      const mem = remaining.sumOf(MEM) - handedOut.sumOf(MEM);
      return cpus >= MIN_CPUS_MILLI || Math.trunc(mem / 1000) * 1000 >= MIN_MEM_MILLI;
    };

    let open = left();
    for (const agent of candidates) {
      if (!open) break;
      const roles = this.roleSorter.sort();
      for (let r = 0; r < roles.length; r++) {
        const role = roles.at(r).name;
        const sorter = this.frameworkSorters.get(role) as DRFSorter<Framework>;
        const withUnreserved = !this.quotas.has(role);
        const order = sorter.sort();
        for (let i = 0; i < order.length; i++) {
          const framework = order.at(i).data;
          if (framework.suppressed) continue;
          if (!framework.gpuAware && agent.hasGpus) continue;
          // Memoized on the agent until its allocation changes.
          const resources = agent.offerableTo(role, withUnreserved);
          if (!allocatable(resources)) break;
          const offer = framework.revocable ? resources : resources.nonRevocable();
          if (!allocatable(offer)) continue;
          if (framework.isFiltered(agent, offer, now)) continue;
          const quantity = offer.createStrippedScalarQuantity();
          if (!fits(quantity)) continue;
          handedOut.add(quantity);
          open = left();
          this.record(offers, framework, agent, offer);
          if (this.quotas.has(role)) this.quotaRoleSorter.allocated(role, agent.id, offer.nonRevocable());
        }
      }
    }
  }

  /** Adds an allocation to the offers and to the agent's, the framework's and the role's accounts. */
  private record(offers: Offers, framework: Framework, agent: Agent, resources: Resources): void {
    let byAgent = offers.get(framework.id);
    if (byAgent === undefined) {
      byAgent = new Map();
      offers.set(framework.id, byAgent);
    }
    const previous = byAgent.get(agent.id);
    byAgent.set(agent.id, previous === undefined ? resources : previous.plus(resources));
    agent.allocate(resources);
    const sorter = this.frameworkSorters.get(framework.role) as DRFSorter<Framework>;
    sorter.addTotal(resources);
    sorter.allocated(framework.id, agent.id, resources);
    this.roleSorter.allocated(framework.role, agent.id, resources);
  }

  private shuffle(agents: Agent[]): void {
    for (let i = agents.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const tmp = agents[i] as Agent;
      agents[i] = agents[j] as Agent;
      agents[j] = tmp;
    }
  }

  // ------------------------------------------------------------------ queries

  hasAgent(id: string): boolean {
    return this.agents.has(id);
  }

  hasFramework(id: string): boolean {
    return this.frameworks.has(id);
  }

  agent(id: string): AgentView | undefined {
    return this.agents.get(id);
  }

  framework(id: string): FrameworkView | undefined {
    const framework = this.frameworks.get(id);
    if (framework === undefined) return undefined;
    return {
      id,
      role: framework.role,
      active: this.frameworkSorters.get(framework.role)?.isActive(id) ?? false,
      suppressed: framework.suppressed,
      revocable: framework.revocable,
      gpuAware: framework.gpuAware,
    };
  }

  agentIds(): string[] {
    return [...this.agents.keys()];
  }

  /** Roles with registered frameworks. */
  roles(): string[] {
    return [...this.activeRoles.keys()];
  }

  quotaRoles(): string[] {
    return [...this.quotas.keys()];
  }

  quota(role: string): Resources | undefined {
    return this.quotas.get(role);
  }

  /** The framework's allocation per agent. */
  frameworkAllocation(id: string): ReadonlyMap<string, Resources> {
    const framework = this.requireFramework(id);
    return (this.frameworkSorters.get(framework.role) as DRFSorter<Framework>).allocation(id);
  }

  /** A role's dominant share (allocator/mesos/roles/<role>/shares/dominant). */
  roleShare(role: string): number {
    return this.roleSorter.contains(role) ? this.roleSorter.share(role) : 0;
  }

  /** Cluster total of a scalar (allocator/mesos/resources/<name>/total). */
  resourcesTotal(name: string): number {
    return this.roleSorter.totalScalarQuantities().scalar(name) ?? 0;
  }

  /** Offered or allocated amount of a scalar over all agents (.../offered_or_allocated). */
  resourcesOfferedOrAllocated(name: string): number {
    let sum = 0;
    for (const agent of this.agents.values()) sum += agent.allocated.scalarMilli(name);
    return sum / 1000;
  }

  /** Amount of a scalar allocated to a quota role (allocator/mesos/quota/roles/<role>/resources/<name>/...). */
  quotaAllocated(role: string, name: string): number {
    if (!this.quotaRoleSorter.contains(role)) return 0;
    return this.quotaRoleSorter.allocationScalarQuantities(role).scalar(name) ?? 0;
  }

  /** Unexpired offer filters of a role's frameworks (allocator/mesos/offer_filters/roles/<role>/active). */
  offerFiltersActive(role: string, now: number): number {
    let n = 0;
    for (const framework of this.frameworks.values()) {
      if (framework.role !== role) continue;
      for (const agent of framework.filteredAgents) n += agent.filters.of(framework.index, now).length;
    }
    return n;
  }

  /** Unexpired filters of a framework on an agent. */
  offerFilters(frameworkId: string, agentId: string, now: number): Array<{ resources: Resources; expiresAt: number }> {
    const framework = this.frameworks.get(frameworkId);
    const agent = this.agents.get(agentId);
    if (framework === undefined || agent === undefined) return [];
    return agent.filters.of(framework.index, now);
  }

  /** Drops expired filters (memory only: expired filters never apply). */
  pruneFilters(now: number): void {
    for (const agent of this.agents.values()) if (agent.filters.size > 0) agent.filters.prune(now);
  }

  // ---------------------------------------------------------------- internals

  private requireFramework(id: string): Framework {
    const framework = this.frameworks.get(id);
    if (framework === undefined) throw new AllocatorError(`Unknown framework ${id}`);
    return framework;
  }

  private requireAgent(id: string): Agent {
    const agent = this.agents.get(id);
    if (agent === undefined) throw new AllocatorError(`Unknown agent ${id}`);
    return agent;
  }
}
