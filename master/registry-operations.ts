// Operations on the master's Registry (mesos.internal.Registry), as pure
// functions over a working copy. The Registrar applies a batch of them to one
// copy and stores the result; each operation's outcome is settled once that
// store succeeded.
//
// An operation answers like Mesos's Operation::perform, a Try<bool>:
//   { mutated: true | false }  permitted; whether the registry changed
//   { error }                  not permitted (the caller is told `false`)
// `strict` only matters to the agent operations (--registry_strict).
//
// Facts from Mesos 1.0: src/master/registrar.hpp (Operation, the slaveIDs
// accumulator, promise = "no error"), src/master/master.hpp (AdmitSlave,
// ReadmitSlave, RemoveSlave), src/master/maintenance.cpp (UpdateSchedule,
// StartMaintenance, StopMaintenance), src/master/quota.cpp (UpdateQuota,
// RemoveQuota), src/master/weights.cpp (UpdateWeights), src/master/registrar.cpp
// (the Recover operation that records the leading master's MasterInfo),
// include/mesos/type_utils.hpp (MachineID equality: hostname case-insensitive,
// presence of each field compared).

import { mesos } from '../proto/index.js';

export type Registry = mesos.internal.Registry;

export type OperationResult = { readonly mutated: boolean } | { readonly error: string };

export interface RegistryOperation {
  /** For logs, e.g. `admit agent S1`. */
  readonly description: string;
  /** Changes `registry` in place; `slaveIds` holds the ids of the agents in it and must be kept in step. */
  perform(registry: Registry, slaveIds: Set<string>, strict: boolean): OperationResult;
}

/** What the caller of Registrar.apply learns about its operation. */
export interface OperationOutcome {
  /** false when the operation refused (its error says why). */
  readonly permitted: boolean;
  readonly mutated: boolean;
  readonly error?: string;
}

const MUTATED: OperationResult = { mutated: true };
const UNCHANGED: OperationResult = { mutated: false };

// ------------------------------------------------------------------ helpers

interface Codec<P, T> {
  encode(message: P): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** A deep copy through the wire format (the copy is a generated-class instance). */
function copy<P, T extends P>(codec: Codec<P, T>, value: P): T {
  return codec.decode(codec.encode(value).finish());
}

/** A deep copy of the registry, safe to change without touching `registry`. */
export function cloneRegistry(registry: mesos.internal.Registry.$Properties): Registry {
  return mesos.internal.Registry.decode(mesos.internal.Registry.encode(registry).finish());
}

function present(message: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field) && (message as Record<string, unknown>)[field] != null;
}

/** Set key for a MachineID with Mesos's equality: hostname case-insensitive, field presence significant. */
export function machineKey(id: mesos.MachineID.$Properties): string {
  const host = present(id, 'hostname') ? `h${(id.hostname ?? '').toLowerCase()}` : '-';
  const ip = present(id, 'ip') ? `i${id.ip ?? ''}` : '-';
  return `${host}\u0000${ip}`;
}

function describeMachine(id: mesos.MachineID.$Properties): string {
  const host = id.hostname ?? '';
  const ip = id.ip ?? '';
  if (host !== '' && ip !== '') return `${host} (${ip})`;
  return host !== '' ? host : `(${ip})`;
}

function slaveIdOf(info: mesos.SlaveInfo.$Properties, operation: string): string {
  const id = info.id?.value;
  if (id === undefined || id === null) throw new Error(`${operation}: SlaveInfo is missing the 'id' field`);
  return id;
}

function slavesOf(registry: Registry): mesos.internal.Registry.Slave.$Properties[] {
  return registry.slaves?.slaves ?? [];
}

function addSlave(registry: Registry, info: mesos.SlaveInfo): void {
  registry.slaves = { ...(registry.slaves ?? {}), slaves: [...slavesOf(registry), { info }] };
}

/** The agent ids in `registry` (the Registrar's slaveIDs accumulator). */
export function slaveIdsOf(registry: Registry): Set<string> {
  const ids = new Set<string>();
  for (const slave of slavesOf(registry)) {
    const id = slave.info.id?.value;
    if (id !== undefined && id !== null) ids.add(id);
  }
  return ids;
}

// ------------------------------------------------------------------ agents

/** Adds a newly registered agent; a known id is refused when strict, else a no-op. */
export class AdmitSlave implements RegistryOperation {
  readonly info: mesos.SlaveInfo;
  readonly id: string;

  constructor(info: mesos.SlaveInfo.$Properties) {
    this.id = slaveIdOf(info, 'AdmitSlave');
    this.info = copy(mesos.SlaveInfo, info);
  }

  get description(): string {
    return `admit agent ${this.id}`;
  }

  perform(registry: Registry, slaveIds: Set<string>, strict: boolean): OperationResult {
    if (slaveIds.has(this.id)) return strict ? { error: 'Agent already admitted' } : UNCHANGED;
    addSlave(registry, copy(mesos.SlaveInfo, this.info));
    slaveIds.add(this.id);
    return MUTATED;
  }
}

/** Confirms a re-registering agent; an unknown id is refused when strict, else added. */
export class ReadmitSlave implements RegistryOperation {
  readonly info: mesos.SlaveInfo;
  readonly id: string;

  constructor(info: mesos.SlaveInfo.$Properties) {
    this.id = slaveIdOf(info, 'ReadmitSlave');
    this.info = copy(mesos.SlaveInfo, info);
  }

  get description(): string {
    return `readmit agent ${this.id}`;
  }

  perform(registry: Registry, slaveIds: Set<string>, strict: boolean): OperationResult {
    if (slaveIds.has(this.id)) return UNCHANGED;
    if (strict) return { error: 'Agent not yet admitted' };
    addSlave(registry, copy(mesos.SlaveInfo, this.info));
    slaveIds.add(this.id);
    return MUTATED;
  }
}

/** Removes an agent; an unknown id is refused when strict, else a no-op. */
export class RemoveSlave implements RegistryOperation {
  readonly id: string;

  constructor(info: mesos.SlaveInfo.$Properties) {
    this.id = slaveIdOf(info, 'RemoveSlave');
  }

  get description(): string {
    return `remove agent ${this.id}`;
  }

  perform(registry: Registry, slaveIds: Set<string>, strict: boolean): OperationResult {
    const slaves = slavesOf(registry);
    const index = slaves.findIndex((slave) => slave.info.id?.value === this.id);
    if (index >= 0) {
      registry.slaves = { ...(registry.slaves ?? {}), slaves: slaves.filter((_, i) => i !== index) };
      slaveIds.delete(this.id);
      return MUTATED;
    }
    return strict ? { error: 'Agent not yet admitted' } : UNCHANGED;
  }
}

// ------------------------------------------------------------------ master

/** Records the MasterInfo of the master that recovered the registry (registrar.cpp's Recover). */
export class RecoverMaster implements RegistryOperation {
  readonly info: mesos.MasterInfo;

  constructor(info: mesos.MasterInfo.$Properties) {
    this.info = copy(mesos.MasterInfo, info);
  }

  get description(): string {
    return `record master ${this.info.id}`;
  }

  perform(registry: Registry): OperationResult {
    registry.master = { info: copy(mesos.MasterInfo, this.info) };
    return MUTATED;
  }
}

// ------------------------------------------------------------------ maintenance

/**
 * Replaces the maintenance schedule. Machines newly in the schedule get a
 * MachineInfo in DRAINING mode; machines still in it get the new
 * unavailability; machines no longer in it lose their MachineInfo.
 * (Validation, e.g. that no DOWN machine leaves the schedule, is the caller's.)
 */
export class UpdateSchedule implements RegistryOperation {
  readonly schedule: mesos.maintenance.Schedule;

  constructor(schedule: mesos.maintenance.Schedule.$Properties) {
    this.schedule = copy(mesos.maintenance.Schedule, schedule);
  }

  get description(): string {
    return `update the maintenance schedule (${this.schedule.windows.length} windows)`;
  }

  perform(registry: Registry): OperationResult {
    const existing = new Set<string>();
    for (const schedule of registry.schedules) {
      for (const window of schedule.windows ?? []) {
        for (const id of window.machine_ids ?? []) existing.add(machineKey(id));
      }
    }
    const updated = new Map<string, mesos.Unavailability.$Properties>();
    for (const window of this.schedule.windows) {
      for (const id of window.machine_ids ?? []) updated.set(machineKey(id), window.unavailability);
    }

    const machines: mesos.internal.Registry.Machine.$Properties[] = [];
    for (const machine of registry.machines?.machines ?? []) {
      const unavailability = updated.get(machineKey(machine.info.id));
      if (unavailability === undefined) continue;
      machines.push({ info: { ...machine.info, unavailability: copy(mesos.Unavailability, unavailability) } });
    }
    for (const window of this.schedule.windows) {
      for (const id of window.machine_ids ?? []) {
        if (existing.has(machineKey(id))) continue;
        machines.push({
          info: {
            id: copy(mesos.MachineID, id),
            mode: mesos.MachineInfo.Mode.DRAINING,
            unavailability: copy(mesos.Unavailability, window.unavailability),
          },
        });
      }
    }
    registry.machines = { ...(registry.machines ?? {}), machines };
    registry.schedules = [copy(mesos.maintenance.Schedule, this.schedule)];
    return MUTATED;
  }
}

function machineIdSet(ids: readonly mesos.MachineID.$Properties[]): { keys: Set<string>; text: string } {
  const copies = ids.map((id) => copy(mesos.MachineID, id));
  return { keys: new Set(copies.map(machineKey)), text: copies.map(describeMachine).join(', ') };
}

/** Moves scheduled machines to DOWN mode; mutated when any of them is in the registry. */
export class StartMaintenance implements RegistryOperation {
  private readonly ids: Set<string>;
  readonly description: string;

  constructor(ids: readonly mesos.MachineID.$Properties[]) {
    const set = machineIdSet(ids);
    this.ids = set.keys;
    this.description = `start maintenance on ${set.text}`;
  }

  perform(registry: Registry): OperationResult {
    let changed = false;
    const machines = (registry.machines?.machines ?? []).map((machine) => {
      if (!this.ids.has(machineKey(machine.info.id))) return machine;
      changed = true;
      return { info: { ...machine.info, mode: mesos.MachineInfo.Mode.DOWN } };
    });
    if (changed) registry.machines = { ...(registry.machines ?? {}), machines };
    return { mutated: changed };
  }
}

/** Brings machines UP: drops their MachineInfo and removes them from the schedule. */
export class StopMaintenance implements RegistryOperation {
  private readonly ids: Set<string>;
  readonly description: string;

  constructor(ids: readonly mesos.MachineID.$Properties[]) {
    const set = machineIdSet(ids);
    this.ids = set.keys;
    this.description = `stop maintenance on ${set.text}`;
  }

  perform(registry: Registry): OperationResult {
    const before = registry.machines?.machines ?? [];
    const machines = before.filter((machine) => !this.ids.has(machineKey(machine.info.id)));
    const changed = machines.length !== before.length;
    if (changed) registry.machines = { ...(registry.machines ?? {}), machines };

    const schedules: mesos.maintenance.Schedule.$Properties[] = [];
    for (const schedule of registry.schedules) {
      const windows: mesos.maintenance.Window.$Properties[] = [];
      for (const window of schedule.windows ?? []) {
        const ids = (window.machine_ids ?? []).filter((id) => !this.ids.has(machineKey(id)));
        if (ids.length > 0) windows.push({ ...window, machine_ids: ids });
      }
      if (windows.length > 0) schedules.push({ ...schedule, windows });
    }
    registry.schedules = schedules;
    return { mutated: changed };
  }
}

// ------------------------------------------------------------------ quota and weights

/** Sets the quota of a role, replacing an existing one. */
export class UpdateQuota implements RegistryOperation {
  readonly info: mesos.quota.QuotaInfo;

  constructor(info: mesos.quota.QuotaInfo.$Properties) {
    this.info = copy(mesos.quota.QuotaInfo, info);
  }

  get description(): string {
    return `set the quota of role '${this.info.role}'`;
  }

  perform(registry: Registry): OperationResult {
    const info = copy(mesos.quota.QuotaInfo, this.info);
    const index = registry.quotas.findIndex((quota) => (quota.info.role ?? '') === (info.role ?? ''));
    registry.quotas =
      index >= 0
        ? registry.quotas.map((quota, i) => (i === index ? { ...quota, info } : quota))
        : [...registry.quotas, { info }];
    return MUTATED;
  }
}

/** Removes the quota of a role; no-op when it has none. */
export class RemoveQuota implements RegistryOperation {
  constructor(readonly role: string) {}

  get description(): string {
    return `remove the quota of role '${this.role}'`;
  }

  perform(registry: Registry): OperationResult {
    const index = registry.quotas.findIndex((quota) => (quota.info.role ?? '') === this.role);
    if (index < 0) return UNCHANGED;
    registry.quotas = registry.quotas.filter((_, i) => i !== index);
    return MUTATED;
  }
}

/** Sets role weights; mutated when a weight is new or changed. */
export class UpdateWeights implements RegistryOperation {
  readonly infos: readonly mesos.WeightInfo[];

  constructor(infos: readonly mesos.WeightInfo.$Properties[]) {
    this.infos = infos.map((info) => copy(mesos.WeightInfo, info));
  }

  get description(): string {
    return `update weights of ${this.infos.map((info) => `'${info.role}'`).join(', ')}`;
  }

  perform(registry: Registry): OperationResult {
    if (this.infos.length === 0) return UNCHANGED;
    let mutated = false;
    let weights = registry.weights;
    for (const info of this.infos) {
      const index = weights.findIndex((weight) => weight.info.role === info.role);
      if (index < 0) {
        weights = [...weights, { info: copy(mesos.WeightInfo, info) }];
        mutated = true;
      } else if (weights[index]?.info.weight !== info.weight) {
        weights = weights.map((weight, i) => (i === index ? { ...weight, info: copy(mesos.WeightInfo, info) } : weight));
        mutated = true;
      }
    }
    registry.weights = weights;
    return { mutated };
  }
}

// ------------------------------------------------------------------ batches

export interface BatchResult {
  /** The new registry (a copy; the input is untouched). */
  readonly registry: Registry;
  /** One outcome per operation, in order. */
  readonly outcomes: readonly OperationOutcome[];
}

/**
 * Applies operations in order to a copy of `registry`, each seeing the
 * effects of those before it (registrar.cpp's update()). An operation that
 * throws is reported as not permitted.
 */
export function applyBatch(
  registry: mesos.internal.Registry.$Properties,
  operations: readonly RegistryOperation[],
  strict: boolean,
): BatchResult {
  const working = cloneRegistry(registry);
  const slaveIds = slaveIdsOf(working);
  const outcomes = operations.map((operation) => toOutcome(safePerform(operation, working, slaveIds, strict)));
  return { registry: working, outcomes };
}

function safePerform(
  operation: RegistryOperation,
  registry: Registry,
  slaveIds: Set<string>,
  strict: boolean,
): OperationResult {
  try {
    return operation.perform(registry, slaveIds, strict);
  } catch (error) {
    return { error: `Failed to ${operation.description}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function toOutcome(result: OperationResult): OperationOutcome {
  return 'error' in result
    ? { permitted: false, mutated: false, error: result.error }
    : { permitted: true, mutated: result.mutated };
}
