// Resources: an immutable collection of resources with Mesos 1.0's semantics
// (include/mesos/resources.hpp, src/common/resources.cpp). See
// docs/resources.md for the rules and how the representation keeps the
// allocator's arithmetic cheap.
//
// Representation: a short array of normalized entries. Each entry has an
// interned ResourceKind (name, type, role, reservation, disk identity,
// revocable) so "same kind" is a pointer comparison; scalars are integers in
// thousandths (Mesos's fixed point), ranges are normalized flat arrays.
// Derived values (unreserved(), nonRevocable(), cpus, ...) are memoized on the
// instance, which is safe because instances never change.

import { mesos } from '../proto/index.js';
import {
  RANGES,
  ResourcePredicates,
  ResourcesError,
  SCALAR,
  SET,
  formatResource,
  has,
  parseResource,
  parseResourceMessages,
  validateResource,
  validateResources,
  type DiskInfo,
  type Ranges,
  type ReservationInfo,
  type ResourceProto,
  type SetItems,
  type ValueType,
  addRanges,
  addSets,
  formatRanges,
  formatScalar,
  formatSet,
  fromMilli,
  rangesContain,
  rangesEqual,
  rangesFromPairs,
  rangesToPairs,
  setContains,
  setsEqual,
  subtractRanges,
  subtractSets,
  toMilli,
} from './values.js';

// Single Resource messages (validation, printing, predicates) live in values.ts.
export {
  ResourcePredicates,
  ResourcesError,
  formatResourceProto,
  validateResource,
  validateResources,
  type DiskInfo,
  type ReservationInfo,
  type ResourceProto,
} from './values.js';

function clone<T>(value: T): T {
  return structuredClone(value);
}

// --------------------------------------------------------------------- kinds

const nameIds = new Map<string, number>();

/** A small dense id per resource name, for per-name arrays (DRF shares). */
export function resourceNameId(name: string): number {
  let id = nameIds.get(name);
  if (id === undefined) {
    id = nameIds.size;
    nameIds.set(name, id);
  }
  return id;
}

export function resourceNameCount(): number {
  return nameIds.size;
}

/**
 * Everything about a resource except its value: two resources of the same kind
 * are addable (unless the kind is exclusive) and subtractable. Interned, so
 * kinds compare with `===`.
 */
export class ResourceKind {
  readonly nameId: number;
  readonly unreserved: boolean;
  private strippedKind: ResourceKind | undefined;

  constructor(
    readonly key: string,
    readonly name: string,
    readonly type: ValueType,
    readonly role: string,
    readonly reservation: ReservationInfo | undefined,
    readonly diskKey: string | undefined,
    readonly revocable: boolean,
    /** MOUNT disks and persistent volumes: never merged, subtracted only when equal. */
    readonly exclusive: boolean,
    readonly persistent: boolean,
  ) {
    this.nameId = resourceNameId(name);
    this.unreserved = role === '*' && reservation === undefined;
  }

  /** The kind with reservation and disk dropped (createStrippedScalarQuantity). */
  get stripped(): ResourceKind {
    if (this.strippedKind === undefined) {
      this.strippedKind =
        this.reservation === undefined && this.diskKey === undefined
          ? this
          : internKind(this.name, this.type, this.role, undefined, undefined, this.revocable);
    }
    return this.strippedKind;
  }
}

const kinds = new Map<string, ResourceKind>();

function reservationKey(reservation: ReservationInfo | undefined): string {
  if (reservation === undefined) return '-';
  let key = has(reservation, 'principal') ? `p${reservation.principal ?? ''}` : 'n';
  if (has(reservation, 'labels')) {
    // Mesos compares labels ignoring their order (type_utils.cpp).
    const labels = (reservation.labels?.labels ?? []).map((l) => `${l.key}\u0001${l.value ?? ''}`).sort();
    key += `\u0002${labels.join('\u0002')}`;
  }
  return key;
}

// DiskInfo identity ignores `volume` (resources.cpp operator== for DiskInfo).
function diskKeyOf(disk: DiskInfo): string {
  let key = '';
  if (has(disk, 'source')) {
    const source = disk.source as mesos.Resource.DiskInfo.Source.$Properties;
    key += `s${source.type}`;
    if (has(source, 'path')) key += `p${source.path?.root ?? ''}`;
    if (has(source, 'mount')) key += `m${source.mount?.root ?? ''}`;
  }
  if (has(disk, 'persistence')) key += `\u0001${disk.persistence?.id ?? ''}`;
  return key;
}

function internKind(
  name: string,
  type: ValueType,
  role: string,
  reservation: ReservationInfo | undefined,
  disk: DiskInfo | undefined,
  revocable: boolean,
): ResourceKind {
  const diskKey = disk === undefined ? undefined : diskKeyOf(disk);
  const key = `${name}\u0000${type}\u0000${role}\u0000${reservationKey(reservation)}\u0000${diskKey ?? '-'}\u0000${revocable ? 1 : 0}`;
  let kind = kinds.get(key);
  if (kind === undefined) {
    const persistent = disk !== undefined && has(disk, 'persistence');
    const mount = disk !== undefined && has(disk, 'source') && disk.source?.type === mesos.Resource.DiskInfo.Source.Type.MOUNT;
    kind = new ResourceKind(
      key,
      name,
      type,
      role,
      reservation === undefined ? undefined : clone(reservation),
      diskKey,
      revocable,
      persistent || mount,
      persistent,
    );
    kinds.set(key, kind);
  }
  return kind;
}

// ------------------------------------------------------------------- entries

/** One normalized resource of a Resources value. */
export class ResourceEntry {
  constructor(
    readonly kind: ResourceKind,
    /** SCALAR value in thousandths. */
    readonly milli: number,
    readonly ranges: Ranges | undefined,
    readonly set: SetItems | undefined,
    readonly disk: DiskInfo | undefined,
  ) {}

  get name(): string {
    return this.kind.name;
  }
  get type(): ValueType {
    return this.kind.type;
  }
  get role(): string {
    return this.kind.role;
  }
  get reservation(): ReservationInfo | undefined {
    return this.kind.reservation;
  }
  get revocable(): boolean {
    return this.kind.revocable;
  }
  /** The SCALAR value as a double (0 for other types). */
  get scalar(): number {
    return fromMilli(this.milli);
  }

  withKind(kind: ResourceKind): ResourceEntry {
    return new ResourceEntry(kind, this.milli, this.ranges, this.set, kind.diskKey === undefined ? undefined : this.disk);
  }

  toProto(): mesos.Resource {
    const kind = this.kind;
    const resource = mesos.Resource.create({ name: kind.name, type: kind.type, role: kind.role });
    if (kind.type === SCALAR) resource.scalar = { value: fromMilli(this.milli) };
    else if (kind.type === RANGES) resource.ranges = { range: rangesToPairs(this.ranges ?? []) };
    else resource.set = { item: [...(this.set ?? [])] };
    if (kind.reservation !== undefined) resource.reservation = clone(kind.reservation);
    if (this.disk !== undefined) resource.disk = clone(this.disk);
    if (kind.revocable) resource.revocable = {};
    return resource;
  }

  toString(): string {
    const kind = this.kind;
    const value =
      kind.type === SCALAR
        ? formatScalar(this.milli)
        : kind.type === RANGES
          ? formatRanges(this.ranges ?? [])
          : formatSet(this.set ?? []);
    return formatResource(kind.name, kind.role, kind.reservation, this.disk, kind.revocable, value);
  }
}

function entriesEqual(a: ResourceEntry, b: ResourceEntry): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind.type) {
    case SCALAR:
      return a.milli === b.milli;
    case RANGES:
      return rangesEqual(a.ranges ?? [], b.ranges ?? []);
    default:
      return setsEqual(a.set ?? [], b.set ?? []);
  }
}

/** `b`'s value is within `a`'s; the kinds are equal. */
function valueContains(a: ResourceEntry, b: ResourceEntry): boolean {
  switch (a.kind.type) {
    case SCALAR:
      return b.milli <= a.milli;
    case RANGES:
      return rangesContain(a.ranges ?? [], b.ranges ?? []);
    default:
      return setContains(a.set ?? [], b.set ?? []);
  }
}

function combine(a: ResourceEntry, b: ResourceEntry): ResourceEntry {
  switch (a.kind.type) {
    case SCALAR:
      return new ResourceEntry(a.kind, a.milli + b.milli, undefined, undefined, a.disk);
    case RANGES:
      return new ResourceEntry(a.kind, 0, addRanges(a.ranges ?? [], b.ranges ?? []), undefined, a.disk);
    default:
      return new ResourceEntry(a.kind, 0, undefined, addSets(a.set ?? [], b.set ?? []), a.disk);
  }
}

/** `a - b`, or undefined when nothing (or a negative scalar) is left. */
function difference(a: ResourceEntry, b: ResourceEntry): ResourceEntry | undefined {
  switch (a.kind.type) {
    case SCALAR: {
      const milli = a.milli - b.milli;
      return milli > 0 ? new ResourceEntry(a.kind, milli, undefined, undefined, a.disk) : undefined;
    }
    case RANGES: {
      const ranges = subtractRanges(a.ranges ?? [], b.ranges ?? []);
      return ranges.length > 0 ? new ResourceEntry(a.kind, 0, ranges, undefined, a.disk) : undefined;
    }
    default: {
      const set = subtractSets(a.set ?? [], b.set ?? []);
      return set.length > 0 ? new ResourceEntry(a.kind, 0, undefined, set, a.disk) : undefined;
    }
  }
}

function addEntry(entries: ResourceEntry[], entry: ResourceEntry): void {
  if (!entry.kind.exclusive) {
    for (let i = 0; i < entries.length; i++) {
      const existing = entries[i] as ResourceEntry;
      if (existing.kind === entry.kind) {
        entries[i] = combine(existing, entry);
        return;
      }
    }
  }
  entries.push(entry);
}

function subtractEntry(entries: ResourceEntry[], entry: ResourceEntry): void {
  for (let i = 0; i < entries.length; i++) {
    const existing = entries[i] as ResourceEntry;
    if (existing.kind !== entry.kind) continue;
    if (entry.kind.exclusive && !entriesEqual(existing, entry)) continue;
    const left = difference(existing, entry);
    if (left !== undefined) {
      entries[i] = left;
    } else {
      // Like Mesos: swap with the last entry and drop it.
      const last = entries.pop() as ResourceEntry;
      if (i < entries.length) entries[i] = last;
    }
    return;
  }
}

function entriesContain(entries: readonly ResourceEntry[], entry: ResourceEntry): boolean {
  for (let i = 0; i < entries.length; i++) {
    const existing = entries[i] as ResourceEntry;
    if (existing.kind !== entry.kind) continue;
    if (entry.kind.exclusive ? entriesEqual(existing, entry) : valueContains(existing, entry)) return true;
  }
  return false;
}

/** A validated, non-empty proto resource as an entry, or undefined when empty. */
function entryFromProto(resource: ResourceProto): ResourceEntry | undefined {
  const type = resource.type as ValueType;
  const reservation = has(resource, 'reservation') ? (resource.reservation as ReservationInfo) : undefined;
  const disk = has(resource, 'disk') ? (resource.disk as DiskInfo) : undefined;
  const role = has(resource, 'role') ? (resource.role as string) : '*';
  const kind = internKind(resource.name, type, role, reservation, disk, has(resource, 'revocable'));
  const diskCopy = disk === undefined ? undefined : clone(disk);
  if (type === SCALAR) {
    const milli = toMilli(resource.scalar?.value ?? 0);
    return milli === 0 ? undefined : new ResourceEntry(kind, milli, undefined, undefined, diskCopy);
  }
  if (type === RANGES) {
    const ranges = rangesFromPairs(
      (resource.ranges?.range ?? []).map((r) => ({ begin: Number(r.begin), end: Number(r.end) })),
    );
    return ranges.length === 0 ? undefined : new ResourceEntry(kind, 0, ranges, undefined, diskCopy);
  }
  const items = resource.set?.item ?? [];
  return items.length === 0 ? undefined : new ResourceEntry(kind, 0, undefined, [...items], diskCopy);
}

// ----------------------------------------------------------------- Resources

export class Resources implements Iterable<ResourceEntry> {
  static readonly EMPTY: Resources = new Resources([]);

  // Memoized derived values (instances are immutable).
  private memoUnreserved: Resources | undefined = undefined;
  private memoNonRevocable: Resources | undefined = undefined;
  private memoStripped: Resources | undefined = undefined;
  private memoCpus = -1;
  private memoMem = -1;
  private memoExclusive = -1;

  /** @internal use the static constructors */
  constructor(private readonly entries: readonly ResourceEntry[]) {}

  /** Valid, non-empty resources of `list`; others are dropped, as Mesos's constructor does. */
  static fromProto(list: Iterable<ResourceProto> | ResourceProto | null | undefined): Resources {
    if (list == null) return Resources.EMPTY;
    const items: Iterable<ResourceProto> = Symbol.iterator in list ? list : [list as ResourceProto];
    const entries: ResourceEntry[] = [];
    for (const resource of items) {
      if (validateResource(resource) !== undefined) continue;
      const entry = entryFromProto(resource);
      if (entry !== undefined) addEntry(entries, entry);
    }
    return entries.length === 0 ? Resources.EMPTY : new Resources(entries);
  }

  /** Builds from normalized entries (for code that transforms entries). */
  static fromEntries(list: Iterable<ResourceEntry>): Resources {
    const entries: ResourceEntry[] = [];
    for (const entry of list) addEntry(entries, entry);
    return entries.length === 0 ? Resources.EMPTY : new Resources(entries);
  }

  static sum(values: Iterable<Resources>): Resources {
    let total = Resources.EMPTY;
    for (const value of values) total = total.plus(value);
    return total;
  }

  /** Parses the agent `--resources` form: a JSON array of Resource, else `name(role):value;...`. */
  static parse(text: string, defaultRole = '*'): Resources {
    return parseResources(text, defaultRole);
  }

  static tryParse(text: string, defaultRole = '*'): { ok: true; value: Resources } | { ok: false; error: string } {
    try {
      return { ok: true, value: parseResources(text, defaultRole) };
    } catch (error) {
      if (error instanceof ResourcesError) return { ok: false, error: error.message };
      throw error;
    }
  }

  /** One resource from a name, a value text and a role (Resources::parse(name, value, role)). */
  static parseResource(name: string, value: string, role = '*'): mesos.Resource {
    return parseResource(name, value, role);
  }

  // ------------------------------------------------------------ inspection

  get size(): number {
    return this.entries.length;
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  [Symbol.iterator](): Iterator<ResourceEntry> {
    return this.entries[Symbol.iterator]();
  }

  toProto(): mesos.Resource[] {
    return this.entries.map((entry) => entry.toProto());
  }

  /** `cpus(*):2; mem(*):1024; ports(*):[31000-32000]` */
  toString(): string {
    return this.entries.map((entry) => entry.toString()).join('; ');
  }

  /** Sorted names (Resources::names). */
  names(): string[] {
    return [...new Set(this.entries.map((e) => e.kind.name))].sort();
  }

  /** Name to type (Resources::types). */
  types(): Map<string, ValueType> {
    const out = new Map<string, ValueType>();
    for (const entry of this.entries) out.set(entry.kind.name, entry.kind.type);
    return out;
  }

  /** Sum of a SCALAR across roles and attributes, in thousandths (0 when absent). */
  scalarMilli(name: string): number {
    let sum = 0;
    for (const entry of this.entries) if (entry.kind.type === SCALAR && entry.kind.name === name) sum += entry.milli;
    return sum;
  }

  /** Sum of a SCALAR across roles and attributes, undefined when there is none (get<Value::Scalar>). */
  scalar(name: string): number | undefined {
    let found = false;
    let sum = 0;
    for (const entry of this.entries) {
      if (entry.kind.type === SCALAR && entry.kind.name === name) {
        sum += entry.milli;
        found = true;
      }
    }
    return found ? fromMilli(sum) : undefined;
  }

  /** Union of a RANGES resource across roles (get<Value::Ranges>). */
  ranges(name: string): Ranges | undefined {
    let out: Ranges | undefined;
    for (const entry of this.entries) {
      if (entry.kind.type === RANGES && entry.kind.name === name) out = addRanges(out ?? [], entry.ranges ?? []);
    }
    return out;
  }

  /** Union of a SET resource across roles (get<Value::Set>). */
  set(name: string): SetItems | undefined {
    let out: SetItems | undefined;
    for (const entry of this.entries) {
      if (entry.kind.type === SET && entry.kind.name === name) out = addSets(out ?? [], entry.set ?? []);
    }
    return out;
  }

  /** All resources with this name (Resources::get(name)). */
  get(name: string): Resources {
    return this.filter((entry) => entry.kind.name === name);
  }

  /** cpus in thousandths of a CPU (0 when absent); memoized. */
  cpusMilli(): number {
    if (this.memoCpus < 0) this.memoCpus = this.scalarMilli('cpus');
    return this.memoCpus;
  }

  /** mem in thousandths of a MB (0 when absent); memoized. */
  memMilli(): number {
    if (this.memoMem < 0) this.memoMem = this.scalarMilli('mem');
    return this.memoMem;
  }

  cpus(): number | undefined {
    return this.scalar('cpus');
  }
  gpus(): number | undefined {
    return this.scalar('gpus');
  }
  /** Megabytes, truncated to an integer as Mesos's `Megabytes(uint64_t)` does. */
  mem(): number | undefined {
    const value = this.scalar('mem');
    return value === undefined ? undefined : Math.trunc(value);
  }
  /** Megabytes, truncated to an integer. */
  disk(): number | undefined {
    const value = this.scalar('disk');
    return value === undefined ? undefined : Math.trunc(value);
  }
  ports(): Ranges | undefined {
    return this.ranges('ports');
  }
  ephemeralPorts(): Ranges | undefined {
    return this.ranges('ephemeral_ports');
  }

  // ------------------------------------------------------------ arithmetic

  plus(that: Resources | ResourceProto): Resources {
    if (!(that instanceof Resources)) return this.plus(Resources.fromProto(that));
    if (that.entries.length === 0) return this;
    if (this.entries.length === 0) return that;
    const entries = this.entries.slice();
    for (const entry of that.entries) addEntry(entries, entry);
    return new Resources(entries);
  }

  minus(that: Resources | ResourceProto): Resources {
    if (!(that instanceof Resources)) return this.minus(Resources.fromProto(that));
    if (that.entries.length === 0 || this.entries.length === 0) return this;
    if (that === this) return Resources.EMPTY;
    const entries = this.entries.slice();
    for (const entry of that.entries) subtractEntry(entries, entry);
    return entries.length === 0 ? Resources.EMPTY : new Resources(entries);
  }

  /** True when `that` is a subset of these resources (Resources::contains). */
  contains(that: Resources | ResourceProto): boolean {
    if (!(that instanceof Resources)) {
      // An invalid resource is never contained (Mesos validates to avoid "cpus:-1" false positives).
      if (validateResource(that) !== undefined) return false;
      return this.contains(Resources.fromProto(that));
    }
    if (that === this || that.entries.length === 0) return true;
    if (!that.hasExclusive()) {
      // Distinct kinds in `that`: checking each against its own kind is Mesos's algorithm.
      for (const entry of that.entries) if (!entriesContain(this.entries, entry)) return false;
      return true;
    }
    const remaining = this.entries.slice();
    for (const entry of that.entries) {
      if (!entriesContain(remaining, entry)) return false;
      subtractEntry(remaining, entry);
    }
    return true;
  }

  equals(that: Resources): boolean {
    return this === that || (this.contains(that) && that.contains(this));
  }

  /**
   * Entry for entry the same, in any order, including disk details that
   * equals() ignores (a volume's paths): either value can stand for the other.
   */
  identical(that: Resources): boolean {
    if (this === that) return true;
    const a = this.entries;
    const b = that.entries;
    if (a.length !== b.length) return false;
    outer: for (const x of a) {
      for (const y of b) if (x === y || (x.disk === y.disk && entriesEqual(x, y))) continue outer;
      return false;
    }
    return true;
  }

  private hasExclusive(): boolean {
    if (this.memoExclusive < 0) this.memoExclusive = this.entries.some((e) => e.kind.exclusive) ? 1 : 0;
    return this.memoExclusive === 1;
  }

  // ------------------------------------------------------------- filtering

  filter(predicate: (entry: ResourceEntry) => boolean): Resources {
    let kept: ResourceEntry[] | undefined;
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i] as ResourceEntry;
      if (predicate(entry)) {
        kept?.push(entry);
      } else if (kept === undefined) {
        kept = this.entries.slice(0, i);
      }
    }
    if (kept === undefined) return this;
    return kept.length === 0 ? Resources.EMPTY : new Resources(kept);
  }

  /** Reserved resources (statically or dynamically), for one role when given. */
  reserved(role?: string): Resources {
    if (this.unreserved() === this) return Resources.EMPTY;
    return role === undefined
      ? this.filter((e) => !e.kind.unreserved)
      : this.filter((e) => !e.kind.unreserved && e.kind.role === role);
  }

  unreserved(): Resources {
    if (this.memoUnreserved === undefined) this.memoUnreserved = this.filter((e) => e.kind.unreserved);
    return this.memoUnreserved;
  }

  /** Reserved resources by role (Resources::reservations). */
  reservations(): Map<string, Resources> {
    const out = new Map<string, Resources>();
    for (const entry of this.entries) {
      if (entry.kind.unreserved) continue;
      out.set(entry.kind.role, (out.get(entry.kind.role) ?? Resources.EMPTY).plus(new Resources([entry])));
    }
    return out;
  }

  persistentVolumes(): Resources {
    return this.filter((e) => e.kind.persistent);
  }

  revocable(): Resources {
    return this.filter((e) => e.kind.revocable);
  }

  nonRevocable(): Resources {
    if (this.memoNonRevocable === undefined) this.memoNonRevocable = this.filter((e) => !e.kind.revocable);
    return this.memoNonRevocable;
  }

  scalars(): Resources {
    return this.filter((e) => e.kind.type === SCALAR);
  }

  /** The same amounts with every resource set to `role` and `reservation` (none: unreserved). */
  flatten(role = '*', reservation?: ReservationInfo): Resources {
    const entries: ResourceEntry[] = [];
    for (const entry of this.entries) {
      const k = entry.kind;
      const kind = internKind(k.name, k.type, role, reservation, entry.disk, k.revocable);
      addEntry(entries, entry.withKind(kind));
    }
    return entries.length === 0 ? Resources.EMPTY : new Resources(entries);
  }

  /**
   * The scalar resources without reservation and disk information, keeping
   * role and revocability (Resources::createStrippedScalarQuantity); memoized.
   */
  createStrippedScalarQuantity(): Resources {
    if (this.memoStripped === undefined) {
      let plain = true;
      for (const entry of this.entries) {
        if (entry.kind.type !== SCALAR || entry.kind.stripped !== entry.kind) plain = false;
      }
      if (plain) {
        this.memoStripped = this;
      } else {
        const entries: ResourceEntry[] = [];
        for (const entry of this.entries) {
          if (entry.kind.type !== SCALAR) continue;
          addEntry(entries, new ResourceEntry(entry.kind.stripped, entry.milli, undefined, undefined, undefined));
        }
        this.memoStripped = entries.length === 0 ? Resources.EMPTY : new Resources(entries);
      }
    }
    return this.memoStripped;
  }

  // ------------------------------------------------------------- operations

  /** Applies an offer operation (Resources::apply); throws ResourcesError as Mesos fails. */
  apply(operation: mesos.Offer.Operation.$Properties): Resources {
    return applyOperation(this, operation);
  }

  applyAll(operations: Iterable<mesos.Offer.Operation.$Properties>): Resources {
    let result: Resources = this;
    for (const operation of operations) result = result.apply(operation);
    return result;
  }
}

// -------------------------------------------------------------------- parse

function parseResources(text: string, defaultRole: string): Resources {
  // Invalid and empty resources of the text form are dropped, like `Resources += Resource`.
  const result = Resources.fromProto(parseResourceMessages(text, defaultRole));
  const error = validateCommandLine(result);
  if (error !== undefined) throw new ResourcesError(error);
  return result;
}

/** validateCommandLineResources in resources.cpp. */
function validateCommandLine(resources: Resources): string | undefined {
  const types = new Map<string, ValueType>();
  for (const entry of resources) {
    if (entry.kind.persistent) return 'Persistent volumes cannot be specified at the command line';
    if (entry.kind.revocable) {
      return "Revocable resources cannot be specified at the command line; do not include a 'revocable' key in the resources JSON";
    }
    if (entry.kind.reservation !== undefined) {
      return "Dynamic reservations cannot be specified at the command line; do not include a 'reservation' key in the resources JSON";
    }
    const seen = types.get(entry.kind.name);
    if (seen !== undefined && seen !== entry.kind.type) {
      return `Resources with the same name ('${entry.kind.name}') but different types are not allowed`;
    }
    if (seen === undefined) types.set(entry.kind.name, entry.kind.type);
  }
  return undefined;
}

// --------------------------------------------------------------- operations

function single(resource: ResourceProto): Resources {
  return Resources.fromProto(resource);
}

/** A volume with persistence and volume cleared (or its disk info dropped when it has no source). */
function stripVolume(volume: ResourceProto): ResourceProto {
  const stripped = { ...volume };
  if (volume.disk != null && has(volume.disk, 'source')) {
    stripped.disk = { source: clone(volume.disk.source) };
  } else {
    delete stripped.disk;
  }
  return stripped;
}

/**
 * One kind of offer operation on resources (resources.cpp Resources::apply):
 * which resources it names, what must be present, and how each one changes.
 */
interface OperationRule {
  name: string;
  list(operation: mesos.Offer.Operation.$Properties): ResourceProto[];
  /** Why this resource cannot be used by the operation, if so. */
  check(resource: ResourceProto): string | undefined;
  /** The resources that must be present, and what replaces them. */
  change(resource: ResourceProto): { from: Resources; to: Resources };
  /** The error when `from` is missing. */
  missing(result: Resources, from: Resources): string;
}

const reservation = (resource: ResourceProto, notReserved: string): string | undefined => {
  if (ResourcePredicates.isUnreserved(resource)) return notReserved;
  return has(resource, 'reservation') ? undefined : "Missing 'reservation'";
};
const persistence = (resource: ResourceProto): string | undefined => {
  if (!has(resource, 'disk')) return "Missing 'disk'";
  return has(resource.disk as DiskInfo, 'persistence') ? undefined : "Missing 'persistence'";
};
const doesNotContain = (result: Resources, from: Resources): string => `${result.toString()} does not contain ${from.toString()}`;

const OPERATIONS = new Map<number, OperationRule>([
  [
    mesos.Offer.Operation.Type.RESERVE,
    {
      name: 'RESERVE',
      list: (operation) => operation.reserve?.resources ?? [],
      check: (resource) => reservation(resource, 'Resource must be reserved'),
      change: (resource) => ({ from: single(resource).flatten(), to: single(resource) }),
      missing: doesNotContain,
    },
  ],
  [
    mesos.Offer.Operation.Type.UNRESERVE,
    {
      name: 'UNRESERVE',
      list: (operation) => operation.unreserve?.resources ?? [],
      check: (resource) => reservation(resource, 'Resource is not reserved'),
      change: (resource) => ({ from: single(resource), to: single(resource).flatten() }),
      missing: doesNotContain,
    },
  ],
  [
    mesos.Offer.Operation.Type.CREATE,
    {
      name: 'CREATE',
      list: (operation) => operation.create?.volumes ?? [],
      check: persistence,
      change: (volume) => ({ from: single(stripVolume(volume)), to: single(volume) }),
      missing: () => 'Insufficient disk resources',
    },
  ],
  [
    mesos.Offer.Operation.Type.DESTROY,
    {
      name: 'DESTROY',
      list: (operation) => operation.destroy?.volumes ?? [],
      check: persistence,
      change: (volume) => ({ from: single(volume), to: single(stripVolume(volume)) }),
      missing: () => 'Persistent volume does not exist',
    },
  ],
]);

function applyOperation(resources: Resources, operation: mesos.Offer.Operation.$Properties): Resources {
  if (operation.type === mesos.Offer.Operation.Type.LAUNCH) return resources;
  const rule = OPERATIONS.get(operation.type as number);
  if (rule === undefined) throw new ResourcesError(`Unknown offer operation ${String(operation.type)}`);
  const fail = (why: string): ResourcesError => new ResourcesError(`Invalid ${rule.name} Operation: ${why}`);
  const list = rule.list(operation);
  const invalid = validateResources(list);
  if (invalid !== undefined) throw fail(invalid);
  let result = resources;
  for (const resource of list) {
    const why = rule.check(resource);
    if (why !== undefined) throw fail(why);
    const { from, to } = rule.change(resource);
    if (!result.contains(from)) throw fail(rule.missing(result, from));
    result = result.minus(from).plus(to);
  }
  return result;
}
