// Allocator benchmarks, shaped like Mesos 1.0's
// src/tests/hierarchical_allocator_tests.cpp HierarchicalAllocator_BENCHMARK_Test:
//
// - allocator.decline_2k_200 (DeclineOffers): 2,000 agents with
//   cpus:24;mem:4096;disk:4096;ports:[31000-32000], each with 16 cpus, 2014 MB
//   mem, 1024 MB disk and 16 ports used by one of 200 frameworks (role *).
//   Every offer is declined with refuse_seconds = INT_MAX until all frameworks
//   filter all agents; then the time of one batch allocation cycle (clock
//   advance + settle, through the process) is measured.
// - allocator.cycle_10k_1k: the same agents at 10,000 agents and 1,000
//   frameworks; every offer is declined without a filter, so each batch cycle
//   offers all 10,000 agents again; the time of one cycle is measured.
// - resources.minus_plus / resources.contains: Resources arithmetic on the
//   agent shape above (4 entries, 17 port ranges), per operation.
//
// Run: node --import tsx benchmarks/allocator.ts

import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime } from '../libprocess/index.js';
import { Resources } from '../common/resources.js';
import { AllocatorProcess } from '../master/allocator/process.js';
import { report } from './harness.js';

const INT_MAX = 2147483647;
const INTERVAL_MS = 60 * 60 * 1000; // Mesos uses Hours(1) so cycles never overlap.

interface Offer {
  frameworkId: string;
  agentId: string;
  resources: Resources;
}

/** makePortRanges(makeRange(31000, 32000), 16): 16 two-port ranges spread over the bounds. */
function portRanges(begin: number, end: number, count: number): Resources {
  const step = Math.floor((end - begin) / count);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = begin + i * step;
    parts.push(`${start}-${start + 1}`);
  }
  return Resources.parse(`ports:[${parts.join(',')}]`);
}

interface Cluster {
  runtime: Runtime;
  clock: Clock;
  allocator: AllocatorProcess;
  offers: Offer[];
}

async function setup(agentCount: number, frameworkCount: number): Promise<Cluster> {
  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const offers: Offer[] = [];
  let seed = 42;
  const allocator = new AllocatorProcess({
    allocationIntervalMs: INTERVAL_MS,
    random: () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    },
    offerCallback: (frameworkId, byAgent) => {
      for (const [agentId, resources] of byAgent) offers.push({ frameworkId, agentId, resources });
    },
  });
  runtime.spawn(allocator);
  const frameworks: string[] = [];
  for (let i = 0; i < frameworkCount; i++) frameworks.push(`framework${i + 1}`);
  const agentTotal = Resources.parse('cpus:24;mem:4096;disk:4096;ports:[31000-32000]');
  const used = Resources.parse('cpus:16;mem:2014;disk:1024').plus(portRanges(31000, 32000, 16));
  await runtime.dispatch(allocator, (a) => {
    for (const id of frameworks) a.addFramework(id, { role: '*' });
    for (let i = 0; i < agentCount; i++) {
      const id = `agent${i + 1}`;
      const owner = frameworks[i % frameworkCount] as string;
      a.addSlave(id, { hostname: id }, agentTotal, new Map([[owner, used]]));
    }
  });
  await runtime.settle();
  return { runtime, clock, allocator, offers };
}

async function decline(cluster: Cluster, refuseSeconds: number): Promise<void> {
  const pending = cluster.offers.splice(0);
  await cluster.runtime.dispatch(cluster.allocator, (a) => {
    for (const offer of pending) {
      a.recoverResources(offer.frameworkId, offer.agentId, offer.resources, { refuse_seconds: refuseSeconds });
    }
  });
  await cluster.runtime.settle();
}

/** One batch allocation cycle through the process; returns wall ms. */
async function cycle(cluster: Cluster): Promise<number> {
  const start = performance.now();
  cluster.clock.advance(INTERVAL_MS);
  await cluster.runtime.settle();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function declineOffers(agentCount = 2000, frameworkCount = 200): Promise<number> {
  const cluster = await setup(agentCount, frameworkCount);
  // Decline until every framework filters every agent (Mesos loops 2 x frameworks rounds).
  for (let round = 0; round < frameworkCount * 2; round++) {
    await decline(cluster, INT_MAX);
    await cycle(cluster);
    if (cluster.offers.length === 0) break;
  }
  const times: number[] = [];
  for (let i = 0; i < 7; i++) times.push(await cycle(cluster));
  if (cluster.offers.length !== 0) throw new Error('expected every offer to be filtered');
  await cluster.runtime.shutdown();
  return median(times);
}

export async function fullCycle(agentCount = 10000, frameworkCount = 1000): Promise<number> {
  const cluster = await setup(agentCount, frameworkCount);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    await decline(cluster, 0);
    times.push(await cycle(cluster));
    if (cluster.offers.length !== agentCount) throw new Error(`expected ${agentCount} offers, got ${cluster.offers.length}`);
  }
  await cluster.runtime.shutdown();
  return median(times);
}

export function resourceOps(): { minusPlus: number; contains: number } {
  const total = Resources.parse('cpus:24;mem:4096;disk:4096;ports:[31000-32000]');
  const used = Resources.parse('cpus:16;mem:2014;disk:1024').plus(portRanges(31000, 32000, 16));
  const available = total.minus(used);
  const equal = total.minus(used);
  const n = 200_000;
  let sink = 0;
  let start = performance.now();
  for (let i = 0; i < n; i++) sink += total.minus(used).plus(used).size;
  const minusPlus = ((performance.now() - start) * 1e6) / n / 2;
  start = performance.now();
  for (let i = 0; i < n; i++) if (available.contains(equal) && total.contains(used)) sink++;
  const contains = ((performance.now() - start) * 1e6) / n / 2;
  if (sink === 0) throw new Error('unreachable');
  return { minusPlus, contains };
}

export async function run(): Promise<void> {
  report('allocator.decline_2k_200', await declineOffers(), 'ms');
  report('allocator.cycle_10k_1k', await fullCycle(), 'ms');
  resourceOps();
  const { minusPlus, contains } = resourceOps();
  report('resources.minus_plus', minusPlus, 'ns/op');
  report('resources.contains', contains, 'ns/op');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';
  await run();
  process.exit(0);
}
