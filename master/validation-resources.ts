// Validation of resources that frameworks and operators hand to the master
// (Mesos 1.0 src/master/validation.cpp, namespace validation::resource). These
// checks run on the raw protobuf list: the Resources constructor silently drops
// invalid entries, so validating a Resources value would hide errors.

import { mesos } from '../proto/index.js';
import {
  formatResourceProto,
  ResourcePredicates,
  Resources,
  validateResources,
  type ResourceProto,
} from '../common/resources.js';
import { has, hasInvalidIdCharacter } from './validation-common.js';

type ResourceList = readonly ResourceProto[] | null | undefined;

/** validateGpus: the summed `gpus` must be a whole number (Mesos keeps three decimals). */
export function validateGpus(resources: ResourceList): string | undefined {
  const gpus = Resources.fromProto(resources ?? []).gpus() ?? 0;
  return Math.trunc(gpus * 1000) % 1000 !== 0 ? "The 'gpus' resource must be an unsigned integer" : undefined;
}

/** validateDynamicReservationInfo: a dynamic reservation cannot be revocable. */
export function validateDynamicReservationInfo(resources: ResourceList): string | undefined {
  for (const resource of resources ?? []) {
    if (!ResourcePredicates.isDynamicallyReserved(resource)) continue;
    if (ResourcePredicates.isRevocable(resource)) {
      return `Dynamically reserved resource ${formatResourceProto(resource)} cannot be created from revocable resources`;
    }
  }
  return undefined;
}

/** validateDiskInfo: what a DiskInfo may hold when a framework sends it. */
export function validateDiskInfo(resources: ResourceList): string | undefined {
  for (const resource of resources ?? []) {
    const disk = resource.disk;
    if (!has(resource, 'disk') || disk == null) continue;
    if (has(disk, 'persistence')) {
      if (ResourcePredicates.isRevocable(resource)) {
        return 'Persistent volumes cannot be created from revocable resources';
      }
      if (ResourcePredicates.isUnreserved(resource)) {
        return 'Persistent volumes cannot be created from unreserved resources';
      }
      const volume = disk.volume;
      if (!has(disk, 'volume') || volume == null) return "Expecting 'volume' to be set for persistent volume";
      if (volume.mode === mesos.Volume.Mode.RO) return 'Read-only persistent volume not supported';
      if (has(volume, 'host_path')) return "Expecting 'host_path' to be unset for persistent volume";
      const id = disk.persistence?.id ?? '';
      if (hasInvalidIdCharacter(id)) return `Persistence ID '${id}' contains invalid characters`;
    } else if (has(disk, 'volume')) {
      return 'Non-persistent volume not supported';
    } else if (!has(disk, 'source')) {
      return 'DiskInfo is set but empty';
    }
  }
  return undefined;
}

/** validateUniquePersistenceID: persistence IDs are unique per role (among `resources`). */
export function validateUniquePersistenceID(resources: Resources | ResourceList): string | undefined {
  const all = resources instanceof Resources ? resources : Resources.fromProto(resources ?? []);
  const seen = new Map<string, Set<string>>();
  for (const volume of all.persistentVolumes()) {
    const id = volume.disk?.persistence?.id ?? '';
    let ids = seen.get(volume.role);
    if (ids === undefined) seen.set(volume.role, (ids = new Set()));
    if (ids.has(id)) return `Persistence ID '${id}' is not unique`;
    ids.add(id);
  }
  return undefined;
}

/** validatePersistentVolume: every resource is a persistent volume. */
export function validatePersistentVolume(volumes: ResourceList): string | undefined {
  for (const volume of volumes ?? []) {
    if (!has(volume, 'disk')) return `Resource ${formatResourceProto(volume)} does not have DiskInfo`;
    if (!has(volume.disk as mesos.Resource.DiskInfo.$Properties, 'persistence')) {
      return "'persistence' is not set in DiskInfo";
    }
  }
  return undefined;
}

/**
 * validation::resource::validate: Resources::validate, then whole GPUs, then
 * DiskInfo, then reservations, each error prefixed as Mesos does.
 */
export function validateFrameworkResources(resources: ResourceList): string | undefined {
  const list = resources ?? [];
  let error = validateResources(list);
  if (error !== undefined) return `Invalid resources: ${error}`;
  error = validateGpus(list);
  if (error !== undefined) return `Invalid 'gpus' resource: ${error}`;
  error = validateDiskInfo(list);
  if (error !== undefined) return `Invalid DiskInfo: ${error}`;
  error = validateDynamicReservationInfo(list);
  if (error !== undefined) return `Invalid ReservationInfo: ${error}`;
  return undefined;
}
