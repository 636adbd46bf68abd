// The allocator's records of agents and frameworks (Slave and Framework in
// src/master/allocator/mesos/hierarchical.hpp), with the caches that keep an
// allocation cycle cheap: an agent memoizes what is available and what each
// role may be offered, reuses equal values (so filters and offers are usually
// the same object), and undoes a whole returned offer by identity.

import { Resources } from '../../common/resources.js';
import { AgentFilters } from './filters.js';

/** How many recent values of an agent's available resources are kept for reuse. */
const RECENT_AVAILABLE = 4;

export class Agent {
  /** total - allocated, computed on demand. */
  private availableMemo: Resources | undefined;
  /** Recent values of `available()`: an equal value is replaced by the earlier object. */
  private readonly recent: Resources[] = [];
  /** What a role may be offered here (reserved for it, plus unreserved), per role. */
  private readonly offerable = new Map<string, Resources>();
  private lastOfferableKey: string | undefined;
  private lastOfferable: Resources = Resources.EMPTY;
  private fitsFor: Resources | undefined;
  private fitsTotal: Resources | undefined;
  private fitsResult = false;
  /** The last allocation of everything available, while nothing else changed since. */
  private undo: { before: Resources; offer: Resources; after: Resources } | undefined;
  readonly filters = new AgentFilters();
  hasGpus: boolean;
  activated = true;

  constructor(
    readonly id: string,
    readonly hostname: string,
    private totalResources: Resources,
    private allocatedResources: Resources,
  ) {
    this.hasGpus = (totalResources.scalar('gpus') ?? 0) > 0;
  }

  get total(): Resources {
    return this.totalResources;
  }
  set total(total: Resources) {
    this.totalResources = total;
    this.hasGpus = (total.scalar('gpus') ?? 0) > 0;
    this.changed();
  }
  get allocated(): Resources {
    return this.allocatedResources;
  }
  set allocated(allocated: Resources) {
    this.allocatedResources = allocated;
    this.changed();
  }

  /**
   * The unallocated resources. When they come back to a value seen recently
   * (an offer declined), the earlier object is returned, so offers and the
   * filters made from declined offers are usually the same object and the
   * filter check is an identity test instead of a walk over both values.
   */
  available(): Resources {
    if (this.availableMemo === undefined) {
      let next = this.totalResources.minus(this.allocatedResources);
      const earlier = this.recent.find((r) => r.identical(next));
      if (earlier !== undefined) {
        next = earlier;
      } else {
        this.recent.push(next);
        if (this.recent.length > RECENT_AVAILABLE) this.recent.shift();
      }
      this.availableMemo = next;
    }
    return this.availableMemo;
  }

  /** Reserved resources of `role`, plus the unreserved ones when `withUnreserved`. */
  offerableTo(role: string, withUnreserved: boolean): Resources {
    const key = withUnreserved ? role : `\u0000${role}`;
    if (key === this.lastOfferableKey) return this.lastOfferable;
    let resources = this.offerable.get(key);
    if (resources === undefined) {
      const available = this.available();
      resources = available.reserved(role);
      if (withUnreserved) resources = resources.plus(available.unreserved());
      this.offerable.set(key, resources);
    }
    this.lastOfferableKey = key;
    this.lastOfferable = resources;
    return resources;
  }

  /**
   * Allocates `resources` here. Taking exactly what was available leaves
   * nothing available, and is remembered so that getting that same offer
   * back restores the earlier values instead of recomputing them.
   */
  allocate(resources: Resources): void {
    const wasAvailable = resources === this.availableMemo;
    const before = this.allocatedResources;
    // allocated + (total - allocated) is the total when the allocation fits in it.
    this.allocated = wasAvailable && this.fits(before) ? this.totalResources : before.plus(resources);
    if (wasAvailable) {
      this.availableMemo = Resources.EMPTY;
      this.undo = { before, offer: resources, after: this.allocatedResources };
    }
  }

  /** Takes back allocated resources; false when they are not all allocated here. */
  recover(resources: Resources): boolean {
    const undo = this.undo;
    if (undo !== undefined && resources === undo.offer && this.allocatedResources === undo.after) {
      this.allocated = undo.before;
      this.availableMemo = undo.offer;
      return true;
    }
    if (!this.allocatedResources.contains(resources)) return false;
    this.allocated = this.allocatedResources.minus(resources);
    return true;
  }

  /** Whether `allocated` is within the total (memoized for the last value asked about). */
  private fits(allocated: Resources): boolean {
    if (this.fitsFor !== allocated || this.fitsTotal !== this.totalResources) {
      this.fitsFor = allocated;
      this.fitsTotal = this.totalResources;
      this.fitsResult = this.totalResources.contains(allocated);
    }
    return this.fitsResult;
  }

  private changed(): void {
    this.undo = undefined;
    this.availableMemo = undefined;
    this.lastOfferableKey = undefined;
    if (this.offerable.size > 0) this.offerable.clear();
  }
}

export class Framework {
  suppressed = false;
  /** Agents holding filters of this framework. */
  readonly filteredAgents = new Set<Agent>();
  constructor(
    readonly id: string,
    /** Dense index of the framework in AgentFilters. */
    readonly index: number,
    readonly role: string,
    public revocable: boolean,
    public gpuAware: boolean,
  ) {}

  clearFilters(): void {
    for (const agent of this.filteredAgents) agent.filters.clear(this.index);
    this.filteredAgents.clear();
  }

  isFiltered(agent: Agent, resources: Resources, now: number): boolean {
    return agent.filters.isFiltered(this.index, resources, now);
  }
}
