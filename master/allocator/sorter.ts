// The DRF sorter of Mesos 1.0 (src/master/allocator/sorter/drf/sorter.cpp):
// orders clients (roles, or the frameworks of one role) by dominant share,
// then by how many allocations they received, then by name.
//
//   share(client) = max over scalar names n with total(n) > 0 of
//                   allocated(client, n) / total(n), divided by weight(client)
//
// where totals and allocations are summed across roles and agents, ignoring
// reservation and disk details (createStrippedScalarQuantity). Resource names
// excluded from fair sharing (--fair_sharing_excluded_resource_names) are
// skipped. Only active clients are sorted; deactivating a client forgets its
// allocation count, as in Mesos.
//
// How it stays cheap (every allocation changes the total of the role's
// framework sorter, so Mesos recomputes every share of the role per agent):
//
// - Share classes. Clients with the same per-name allocation sums and weight
//   have the same share whatever the total, so they form a class whose
//   members are kept in (allocations, name) order. A sort computes one share
//   per class and orders the classes; the client order is the classes' member
//   lists concatenated (merged where classes tie on share). Idle frameworks,
//   and frameworks that were handed the same agents, share a class.
// - Deferred ordering. allocated()/unallocated()/... update the accounts
//   (allocation per agent, quantities, total) at once, and the ordering
//   structures at the next sort(). So an order being iterated keeps the order
//   it had when sort() returned it, as Mesos's sort() returns a copied list.
// - Lazy orders. sort() returns a SortedOrder that materializes clients as the
//   caller reads them; an allocation loop usually reads one or two.
//
// The result is the order Mesos computes, share ties broken by allocation
// count then name, with work proportional to the number of classes.

import { Resources, resourceNameCount, resourceNameId } from '../../common/resources.js';
import { ScalarQuantities } from './quantities.js';

/** A client as seen in a sorted order. */
export interface SortedClient<T = unknown> {
  readonly name: string;
  /** The payload given to add(). */
  readonly data: T;
  /** Dominant share divided by weight, as of the last sort(). */
  readonly share: number;
  /** Allocations since the client was added or last activated, as of the last sort(). */
  readonly allocations: number;
}

export class SorterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SorterError';
  }
}

/** Clients with equal allocation sums and weight. */
class ShareClass<T> {
  share = 0;
  /** Sorted by (allocations, rank). */
  readonly members: Array<Client<T>> = [];
  constructor(
    readonly hash: number,
    /** Allocated thousandths by resource name id. */
    readonly row: Float64Array,
    readonly weight: number,
  ) {}
}

class Client<T> implements SortedClient<T> {
  active = true;
  /** Allocation count used for ordering (applied at sort time). */
  count = 0;
  /** Allocation count including changes not yet sorted. */
  pendingCount = 0;
  rank = 0;
  perAgent = new Map<string, Resources>();
  readonly quantities = new ScalarQuantities();
  cls: ShareClass<T> | undefined;

  constructor(
    readonly name: string,
    readonly data: T,
    public weight: number,
  ) {}

  get share(): number {
    return this.cls?.share ?? 0;
  }
  get allocations(): number {
    return this.count;
  }
}

function memberBefore<T>(a: Client<T>, b: Client<T>): boolean {
  return a.count !== b.count ? a.count < b.count : a.rank < b.rank;
}

/** Active clients in order, least dominant share first. Valid until the sorter's next sort(). */
export class SortedOrder<T> implements Iterable<SortedClient<T>> {
  private readonly prefix: Array<Client<T>> = [];
  private classIndex = 0;
  private group: ReadonlyArray<Client<T>> = [];
  private groupIndex = 0;

  constructor(
    private readonly classes: ReadonlyArray<ShareClass<T>>,
    readonly length: number,
    private readonly sorter: { readonly generation: number },
    private readonly generation: number,
  ) {}

  at(index: number): SortedClient<T> {
    if (index < 0 || index >= this.length) throw new RangeError(`no client at ${index}`);
    while (this.prefix.length <= index) this.next();
    return this.prefix[index] as Client<T>;
  }

  *[Symbol.iterator](): Iterator<SortedClient<T>> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  names(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.at(i).name);
    return out;
  }

  private next(): void {
    if (this.groupIndex < this.group.length) {
      this.prefix.push(this.group[this.groupIndex++] as Client<T>);
      return;
    }
    if (this.sorter.generation !== this.generation) throw new SorterError('sorted order used after a later sort()');
    const first = this.classes[this.classIndex++] as ShareClass<T>;
    let end = this.classIndex;
    while (end < this.classes.length && (this.classes[end] as ShareClass<T>).share === first.share) end++;
    if (end === this.classIndex) {
      this.group = first.members;
    } else {
      // Classes tied on share: their members interleave by (allocations, name).
      const merged = [...first.members];
      for (let i = this.classIndex; i < end; i++) merged.push(...(this.classes[i] as ShareClass<T>).members);
      merged.sort((a, b) => (memberBefore(a, b) ? -1 : memberBefore(b, a) ? 1 : 0));
      this.group = merged;
      this.classIndex = end;
    }
    this.groupIndex = 0;
  }
}

export class DRFSorter<T = undefined> {
  private readonly clients = new Map<string, Client<T>>();
  /** Clients in name order, giving each its rank. */
  private readonly byName: Array<Client<T>> = [];
  /** Classes by hash of (row, weight); a bucket holds the rare collisions. */
  private readonly classes = new Map<number, Array<ShareClass<T>>>();
  /** Non-empty classes by share, once sorted. */
  private classOrder: Array<ShareClass<T>> = [];
  private activeCount = 0;
  /** Clients whose ordering data must be refreshed at the next sort(). */
  private readonly pending = new Set<Client<T>>();
  private totalChanged = false;
  /** The share denominators changed since the class shares were computed. */
  private classSharesStale = false;
  private orderChanged = true;
  private view: SortedOrder<T> | undefined;
  /** @internal Incremented by every sort() that changes the order; older orders become unusable. */
  generation = 0;
  /** Some class lost its last member since the last sort. */
  private emptied = false;
  private readonly total = new ScalarQuantities();
  /** Name ids with a positive total that count for fairness, and those totals. */
  private readonly shareIds: number[] = [];
  private readonly shareTotals: number[] = [];
  private readonly excludedIds: ReadonlySet<number>;
  /** Reused row buffer for reclassing. */
  private scratch: Float64Array = new Float64Array(0);

  /** Whether allocations are kept per agent (allocation(), allocationOn(), allocationsOn()). */
  private readonly perAgent: boolean;
  /** Bumped when the set of active clients changes. */
  private membership = 0;
  /** With at most one active client the order needs no shares: the last such order and its membership. */
  private trivial: { view: SortedOrder<T>; membership: number } | undefined;

  constructor(options: { excludedResourceNames?: Iterable<string>; perAgent?: boolean } = {}) {
    this.excludedIds = new Set([...(options.excludedResourceNames ?? [])].map((name) => resourceNameId(name)));
    this.perAgent = options.perAgent ?? true;
  }

  // ------------------------------------------------------------ clients

  /** Adds an active client with no allocation; `data` comes back with it from sort(). */
  add(name: string, weight = 1, data?: T): void {
    if (this.clients.has(name)) throw new SorterError(`Client '${name}' already exists`);
    const client = new Client<T>(name, data as T, weight);
    this.clients.set(name, client);
    let lo = 0;
    let hi = this.byName.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.byName[mid] as Client<T>).name < name) lo = mid + 1;
      else hi = mid;
    }
    this.byName.splice(lo, 0, client);
    this.rerank(lo);
    this.activeCount++;
    this.membership++;
    this.pending.add(client);
  }

  /** Forgets a client and its allocations. */
  remove(name: string): void {
    const client = this.clients.get(name);
    if (client === undefined) return;
    this.clients.delete(name);
    this.byName.splice(client.rank, 1);
    this.rerank(client.rank);
    if (client.active) this.activeCount--;
    client.active = false;
    this.membership++;
    this.pending.add(client);
  }

  updateWeight(name: string, weight: number): void {
    const client = this.require(name);
    client.weight = weight;
    this.pending.add(client);
  }

  activate(name: string): void {
    const client = this.require(name);
    if (client.active) return;
    client.active = true;
    client.pendingCount = 0;
    this.activeCount++;
    this.membership++;
    this.pending.add(client);
  }

  deactivate(name: string): void {
    const client = this.clients.get(name);
    if (client === undefined || !client.active) return;
    client.active = false;
    this.activeCount--;
    this.membership++;
    this.pending.add(client);
  }

  contains(name: string): boolean {
    return this.clients.has(name);
  }

  isActive(name: string): boolean {
    return this.clients.get(name)?.active ?? false;
  }

  count(): number {
    return this.clients.size;
  }

  names(): IterableIterator<string> {
    return this.clients.keys();
  }

  // -------------------------------------------------------- allocations

  /** Records resources allocated to a client on an agent; counts an allocation for an active client. */
  allocated(name: string, agentId: string, resources: Resources): void {
    const client = this.require(name);
    if (client.active) client.pendingCount++;
    if (this.perAgent) client.perAgent.set(agentId, (client.perAgent.get(agentId) ?? Resources.EMPTY).plus(resources));
    client.quantities.add(resources);
    this.pending.add(client);
  }

  /** Takes back resources allocated to a client on an agent. */
  unallocated(name: string, agentId: string, resources: Resources): void {
    const client = this.require(name);
    if (this.perAgent) {
      const left = (client.perAgent.get(agentId) ?? Resources.EMPTY).minus(resources);
      if (left.isEmpty()) client.perAgent.delete(agentId);
      else client.perAgent.set(agentId, left);
    }
    client.quantities.subtract(resources);
    this.pending.add(client);
  }

  /** Replaces an allocation (after offer operations). */
  update(name: string, agentId: string, oldAllocation: Resources, newAllocation: Resources): void {
    const client = this.require(name);
    if (this.perAgent) {
      const current = client.perAgent.get(agentId) ?? Resources.EMPTY;
      if (!current.contains(oldAllocation)) {
        throw new SorterError(`Client '${name}' does not have ${oldAllocation.toString()} on agent ${agentId}`);
      }
      const next = current.minus(oldAllocation).plus(newAllocation);
      if (next.isEmpty()) client.perAgent.delete(agentId);
      else client.perAgent.set(agentId, next);
    }
    client.quantities.subtract(oldAllocation);
    client.quantities.add(newAllocation);
    this.pending.add(client);
  }

  /** The client's allocation per agent (empty when the sorter does not keep them). */
  allocation(name: string): ReadonlyMap<string, Resources> {
    return this.require(name).perAgent;
  }

  /** The client's allocation on one agent. */
  allocationOn(name: string, agentId: string): Resources {
    return this.require(name).perAgent.get(agentId) ?? Resources.EMPTY;
  }

  /** Every client's allocation on one agent. */
  allocationsOn(agentId: string): Map<string, Resources> {
    const out = new Map<string, Resources>();
    for (const client of this.clients.values()) {
      const resources = client.perAgent.get(agentId);
      if (resources !== undefined) out.set(client.name, resources);
    }
    return out;
  }

  /** The client's allocation summed over agents, scalars only, without reservation and disk details. */
  allocationScalarQuantities(name: string): Resources {
    return this.require(name).quantities.toResources();
  }

  /** The same as a mutable account (do not change it). */
  allocationQuantities(name: string): ScalarQuantities {
    return this.require(name).quantities;
  }

  // -------------------------------------------------------------- total

  /** Adds an agent's resources to the pool the shares are relative to. */
  addTotal(resources: Resources): void {
    if (resources.isEmpty()) return;
    this.total.add(resources);
    this.totalChanged = true;
  }

  removeTotal(resources: Resources): void {
    if (resources.isEmpty()) return;
    this.total.subtract(resources);
    this.totalChanged = true;
  }

  totalScalarQuantities(): Resources {
    return this.total.toResources();
  }

  /** The same as a mutable account (do not change it). */
  totalQuantities(): ScalarQuantities {
    return this.total;
  }

  // ------------------------------------------------------------ sorting

  /** The current dominant share of a client (for the `.../shares/dominant` metrics). */
  share(name: string): number {
    const client = this.require(name);
    this.refreshTotal();
    return this.calculateShare(client.quantities.row(resourceNameCount()), client.weight);
  }

  /** Active clients, least dominant share first; valid until the next sort(). */
  sort(): SortedOrder<T> {
    // One active client (a role with one framework, a cluster with one
    // role): its order does not depend on shares; the bookkeeping waits.
    const trivial = this.trivial;
    if (trivial !== undefined && trivial.membership === this.membership && this.activeCount <= 1) return trivial.view;
    this.refreshTotal();
    const recomputeAll = this.classSharesStale;
    this.classSharesStale = false;
    if (this.pending.size > 0) {
      for (const client of this.pending) this.reclass(client);
      this.pending.clear();
    }
    if (recomputeAll) {
      for (const cls of this.classOrder) cls.share = this.calculateShare(cls.row, cls.weight);
      this.orderChanged = true;
    }
    if (this.orderChanged || this.view === undefined) {
      // A new array, as the previous order may still be read (until this sort returns).
      const order = this.emptied ? this.classOrder.filter((cls) => cls.members.length > 0) : this.classOrder.slice();
      this.emptied = false;
      sortClasses(order);
      this.classOrder = order;
      this.orderChanged = false;
      this.view = new SortedOrder(order, this.activeCount, this, ++this.generation);
    }
    this.trivial = this.activeCount <= 1 ? { view: this.view, membership: this.membership } : undefined;
    return this.view;
  }

  /** Names of active clients in sorted order. */
  sortedNames(): string[] {
    return this.sort().names();
  }

  // ----------------------------------------------------------- internals

  private rerank(from: number): void {
    for (let i = from; i < this.byName.length; i++) (this.byName[i] as Client<T>).rank = i;
  }

  private require(name: string): Client<T> {
    const client = this.clients.get(name);
    if (client === undefined) throw new SorterError(`Unknown client '${name}'`);
    return client;
  }

  /** Recomputes the share denominators after the total changed (class shares are then stale). */
  private refreshTotal(): void {
    if (!this.totalChanged) return;
    this.totalChanged = false;
    this.classSharesStale = true;
    const ids = this.shareIds;
    const totals = this.shareTotals;
    ids.length = 0;
    totals.length = 0;
    const width = resourceNameCount();
    for (let id = 0; id < width; id++) {
      const sum = this.total.sumOf(id);
      if (sum > 0 && !this.excludedIds.has(id)) {
        ids.push(id);
        totals.push(sum);
      }
    }
  }

  /** Moves a client to the class of its current allocation and weight (or out, when inactive). */
  private reclass(client: Client<T>): void {
    const old = client.cls;
    if (!client.active) {
      if (old !== undefined) this.leave(old, client);
      client.cls = undefined;
      client.count = 0;
      client.pendingCount = 0;
      return;
    }
    const width = resourceNameCount();
    if (this.scratch.length !== width) this.scratch = new Float64Array(width);
    const row = client.quantities.rowInto(this.scratch);
    const hash = hashOf(row, client.weight);
    const same = old !== undefined && old.hash === hash && old.weight === client.weight && rowsEqual(old.row, row);
    if (same && client.count === client.pendingCount) return;
    if (old !== undefined) this.leave(old, client);
    client.count = client.pendingCount;
    let bucket = this.classes.get(hash);
    let cls = bucket?.find((c) => c.weight === client.weight && rowsEqual(c.row, row));
    if (cls === undefined) {
      cls = new ShareClass<T>(hash, row.slice(), client.weight);
      cls.share = this.calculateShare(cls.row, client.weight);
      if (bucket === undefined) {
        bucket = [];
        this.classes.set(hash, bucket);
      }
      bucket.push(cls);
      this.classOrder.push(cls);
    }
    const members = cls.members;
    let lo = 0;
    let hi = members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (memberBefore(members[mid] as Client<T>, client)) lo = mid + 1;
      else hi = mid;
    }
    members.splice(lo, 0, client);
    client.cls = cls;
    this.orderChanged = true;
  }

  private leave(cls: ShareClass<T>, client: Client<T>): void {
    const index = cls.members.indexOf(client);
    if (index >= 0) cls.members.splice(index, 1);
    if (cls.members.length === 0) {
      this.emptied = true;
      const bucket = this.classes.get(cls.hash);
      const rest = bucket?.filter((c) => c !== cls) ?? [];
      if (rest.length === 0) this.classes.delete(cls.hash);
      else this.classes.set(cls.hash, rest);
    }
    this.orderChanged = true;
  }

  private calculateShare(row: Float64Array, weight: number): number {
    let share = 0;
    const ids = this.shareIds;
    const totals = this.shareTotals;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id >= row.length) continue;
      const ratio = (row[id] as number) / (totals[i] as number);
      if (ratio > share) share = ratio;
    }
    return share / weight;
  }
}

/** Rows of different widths are equal when the longer one is zero beyond the shorter. */
function rowsEqual(a: Float64Array, b: Float64Array): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return false;
  return true;
}

/** A hash of the row (trailing zeros ignored) and weight. */
function hashOf(row: Float64Array, weight: number): number {
  let h = Math.imul(0x9e3779b1, (weight * 1000) | 0);
  let end = row.length;
  while (end > 0 && row[end - 1] === 0) end--;
  for (let i = 0; i < end; i++) {
    const v = row[i] as number;
    h = Math.imul(h ^ (v | 0), 0x85ebca6b) ^ Math.imul(Math.floor(v / 4294967296) | 0, 0xc2b2ae35);
    h ^= h >>> 15;
  }
  return h;
}

/** Orders classes by share; the previous order is nearly right, so insertion sort (full sort when it is not). */
function sortClasses<T>(classes: Array<ShareClass<T>>): void {
  let moves = 0;
  const limit = 8 * classes.length + 64;
  for (let i = 1; i < classes.length; i++) {
    const x = classes[i] as ShareClass<T>;
    let j = i - 1;
    while (j >= 0 && (classes[j] as ShareClass<T>).share > x.share) {
      classes[j + 1] = classes[j] as ShareClass<T>;
      j--;
      if (++moves > limit) {
        classes[j + 1] = x;
        classes.sort((a, b) => a.share - b.share);
        return;
      }
    }
    classes[j + 1] = x;
  }
}
