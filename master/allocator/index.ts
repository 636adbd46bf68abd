// The allocator: a pure hierarchical DRF policy (hierarchical.ts) over a DRF
// sorter (sorter.ts) and offer filters (filters.ts), run by AllocatorProcess.

export {
  AllocatorProcess,
  type AllocatorProcessOptions,
  type OfferCallback,
  type QuotaInput,
} from './process.js';
export {
  AGENT_RECOVERY_FACTOR,
  AllocatorError,
  DEFAULT_ALLOCATION_INTERVAL_MS,
  HierarchicalAllocator,
  MIN_CPUS,
  MIN_MEM_MB,
  RECOVERY_TIMEOUT_MS,
  allocatable,
  type AgentInfo,
  type AgentView,
  type FrameworkInfo,
  type FrameworkView,
  type HierarchicalOptions,
  type Offers,
} from './hierarchical.js';
export { DRFSorter, SortedOrder, SorterError, type SortedClient } from './sorter.js';
export { AgentFilters, DEFAULT_REFUSE_SECONDS, refuseDurationMs, refuses, type RefusedFilter } from './filters.js';
