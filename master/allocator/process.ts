// The allocator process: a thin shell around HierarchicalAllocator that gives
// it Mesos's allocator interface (include/mesos/allocator/allocator.hpp),
// runs a batch allocation every allocation interval on the runtime clock,
// allocates right away on the events Mesos 1.0 allocates on, hands offers to
// the offer callback and publishes the allocator metrics of 1.0
// (src/master/allocator/mesos/metrics.cpp, sorter/drf/metrics.cpp).
//
// Callers invoke the methods inside the process:
//   runtime.dispatch(allocator, (a) => a.addSlave(id, info, total, used));
// The offer callback runs inside the allocator; a master should dispatch the
// offers onto itself, as Mesos's `defer(self(), &Master::offer, ...)` does.

import { Process, type Timer } from '../../libprocess/index.js';
import type { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import {
  HierarchicalAllocator,
  RECOVERY_TIMEOUT_MS,
  type AgentInfo,
  type FrameworkInfo,
  type HierarchicalOptions,
  type Offers,
} from './hierarchical.js';

export type OfferCallback = (frameworkId: string, offers: ReadonlyMap<string, Resources>) => void;

export interface AllocatorProcessOptions extends HierarchicalOptions {
  /** Receives each framework's offers after an allocation. */
  offerCallback: OfferCallback;
  /** Process id; default `hierarchical-allocator()` (generated, like libprocess's ID::generate). */
  id?: string;
}

export type QuotaInput = Resources | mesos.quota.QuotaInfo.$Properties;

function guaranteeOf(quota: QuotaInput): Resources {
  return quota instanceof Resources ? quota : Resources.fromProto(quota.guarantee ?? []);
}

/** Scalar resources with cluster-wide gauges (metrics.cpp). */
const GAUGED_RESOURCES = ['cpus', 'mem', 'disk'] as const;

export class AllocatorProcess extends Process {
  readonly core: HierarchicalAllocator;
  private readonly offerCallback: OfferCallback;
  private batchTimer: Timer | undefined;
  private resumeTimer: Timer | undefined;
  private readonly metricNames = new Set<string>();
  private readonly roleMetrics = new Map<string, string[]>();
  private readonly quotaMetrics = new Map<string, string[]>();
  private runTimer: { record(ms: number): void } | undefined;

  constructor(options: AllocatorProcessOptions) {
    super(options.id ?? 'hierarchical-allocator()');
    this.core = new HierarchicalAllocator(options);
    this.offerCallback = options.offerCallback;
  }

  protected override initialize(): void {
    this.registerMetrics();
    this.scheduleBatch();
  }

  protected override finalize(): void {
    this.batchTimer?.cancel();
    this.resumeTimer?.cancel();
    for (const name of this.metricNames) this.runtime.metrics.remove(name);
    this.metricNames.clear();
  }

  // -------------------------------------------------------------- interface

  /** After a master failover: with quota, holds allocation until agents re-register or 10 minutes pass. */
  recover(expectedAgentCount: number, quotas: ReadonlyMap<string, QuotaInput>): void {
    const guarantees = new Map([...quotas].map(([role, quota]) => [role, guaranteeOf(quota)] as const));
    if (this.core.recover(expectedAgentCount, guarantees)) {
      this.resumeTimer = this.delay(RECOVERY_TIMEOUT_MS, () => this.core.resume());
    }
    for (const [role, guarantee] of guarantees) this.addQuotaMetrics(role, guarantee);
  }

  addFramework(
    frameworkId: string,
    info: FrameworkInfo,
    used: ReadonlyMap<string, Resources> = new Map(),
    active = true,
  ): void {
    this.core.addFramework(frameworkId, info, used, active);
    this.syncRoleMetrics();
    this.allocate();
  }

  removeFramework(frameworkId: string): void {
    this.core.removeFramework(frameworkId);
    this.syncRoleMetrics();
  }

  activateFramework(frameworkId: string): void {
    this.core.activateFramework(frameworkId);
    this.allocate();
  }

  deactivateFramework(frameworkId: string): void {
    this.core.deactivateFramework(frameworkId);
  }

  updateFramework(frameworkId: string, info: FrameworkInfo): void {
    this.core.updateFramework(frameworkId, info);
  }

  addSlave(
    agentId: string,
    info: AgentInfo,
    total: Resources,
    used: ReadonlyMap<string, Resources> = new Map(),
  ): void {
    this.core.addSlave(agentId, info, total, used);
    this.allocate([agentId]);
  }

  removeSlave(agentId: string): void {
    this.core.removeSlave(agentId);
  }

  updateSlave(agentId: string, oversubscribed: Resources): void {
    this.core.updateSlave(agentId, oversubscribed);
    this.allocate([agentId]);
  }

  activateSlave(agentId: string): void {
    this.core.activateSlave(agentId);
  }

  deactivateSlave(agentId: string): void {
    this.core.deactivateSlave(agentId);
  }

  updateWhitelist(hostnames: Iterable<string> | undefined): void {
    this.core.updateWhitelist(hostnames);
  }

  /** A no-op, as in Mesos 1.0 (the request is only logged). */
  requestResources(frameworkId: string, requests: readonly mesos.Request.$Properties[]): void {
    this.runtime.log.debug({ frameworkId, requests: requests.length }, 'received resource request');
  }

  updateAllocation(
    frameworkId: string,
    agentId: string,
    operations: readonly mesos.Offer.Operation.$Properties[],
  ): void {
    this.core.updateAllocation(frameworkId, agentId, operations);
  }

  /** Throws (failing the dispatch) when the operations do not apply to the agent's available resources. */
  updateAvailable(agentId: string, operations: readonly mesos.Offer.Operation.$Properties[]): void {
    this.core.updateAvailable(agentId, operations);
  }

  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    filters?: { refuse_seconds?: number | null },
  ): void {
    this.core.recoverResources(frameworkId, agentId, resources, filters, this.runtime.clock.now());
  }

  suppressOffers(frameworkId: string): void {
    this.core.suppressOffers(frameworkId);
  }

  reviveOffers(frameworkId: string): void {
    this.core.reviveOffers(frameworkId);
    this.allocate();
  }

  setQuota(role: string, quota: QuotaInput): void {
    const guarantee = guaranteeOf(quota);
    this.core.setQuota(role, guarantee);
    this.addQuotaMetrics(role, guarantee);
    this.allocate();
  }

  removeQuota(role: string): void {
    this.core.removeQuota(role);
    for (const name of this.quotaMetrics.get(role) ?? []) this.removeMetric(name);
    this.quotaMetrics.delete(role);
    this.allocate();
  }

  updateWeights(weightInfos: Iterable<{ role?: string | null; weight: number }>): void {
    const infos = [...weightInfos].map((info) => ({ role: info.role ?? '*', weight: info.weight }));
    if (this.core.updateWeights(infos)) this.allocate();
  }

  pause(): void {
    this.core.pause();
  }

  resume(): void {
    this.core.resume();
  }

  // ------------------------------------------------------------- allocation

  private scheduleBatch(): void {
    this.batchTimer = this.delay(this.core.allocationIntervalMs, () => {
      this.allocate();
      this.core.pruneFilters(this.runtime.clock.now());
      this.scheduleBatch();
    });
  }

  /** Allocates the given agents (all when undefined) and calls back with the offers. */
  private allocate(agentIds?: readonly string[]): void {
    if (this.core.paused) return;
    const start = performance.now();
    const offers: Offers = this.core.allocate(agentIds, this.runtime.clock.now());
    this.runTimer?.record(performance.now() - start);
    for (const [frameworkId, byAgent] of offers) this.offerCallback(frameworkId, byAgent);
  }

  // ---------------------------------------------------------------- metrics

  private addGauge(name: string, read: () => number): void {
    this.runtime.metrics.gauge(name, read);
    this.metricNames.add(name);
  }

  private removeMetric(name: string): void {
    this.runtime.metrics.remove(name);
    this.metricNames.delete(name);
  }

  private registerMetrics(): void {
    const metrics = this.runtime.metrics;
    const queued = (): number => {
      const me = this.runtime.describeProcesses().find((p) => p.id === this.self.id);
      return me === undefined ? 0 : me.events.filter((event) => event['type'] === 'DISPATCH').length;
    };
    this.addGauge('allocator/event_queue_dispatches', queued);
    this.addGauge('allocator/mesos/event_queue_dispatches', queued);
    this.addGauge('allocator/mesos/allocation_runs', () => this.core.allocationRuns);
    const timer = metrics.timer('allocator/mesos/allocation_run', 60 * 60 * 1000);
    this.metricNames.add(timer.name);
    this.runTimer = timer;
    for (const name of GAUGED_RESOURCES) {
      this.addGauge(`allocator/mesos/resources/${name}/total`, () => this.core.resourcesTotal(name));
      this.addGauge(`allocator/mesos/resources/${name}/offered_or_allocated`, () =>
        this.core.resourcesOfferedOrAllocated(name),
      );
    }
  }

  /** Per-role gauges exist while the role has frameworks. */
  private syncRoleMetrics(): void {
    const roles = new Set(this.core.roles());
    for (const [role, names] of this.roleMetrics) {
      if (roles.has(role)) continue;
      for (const name of names) this.removeMetric(name);
      this.roleMetrics.delete(role);
    }
    for (const role of roles) {
      if (this.roleMetrics.has(role)) continue;
      const filters = `allocator/mesos/offer_filters/roles/${role}/active`;
      const share = `allocator/mesos/roles/${role}/shares/dominant`;
      this.addGauge(filters, () => this.core.offerFiltersActive(role, this.runtime.clock.now()));
      this.addGauge(share, () => this.core.roleShare(role));
      this.roleMetrics.set(role, [filters, share]);
    }
  }

  private addQuotaMetrics(role: string, guarantee: Resources): void {
    const names: string[] = [];
    for (const entry of guarantee) {
      const prefix = `allocator/mesos/quota/roles/${role}/resources/${entry.name}`;
      const value = guarantee.scalar(entry.name) ?? 0;
      this.addGauge(`${prefix}/guarantee`, () => value);
      this.addGauge(`${prefix}/offered_or_allocated`, () => this.core.quotaAllocated(role, entry.name));
      names.push(`${prefix}/guarantee`, `${prefix}/offered_or_allocated`);
    }
    this.quotaMetrics.set(role, names);
  }
}
