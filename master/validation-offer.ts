// Validation of the offers named in ACCEPT / ACCEPT_INVERSE_OFFERS and of the
// resource operations RESERVE, UNRESERVE, CREATE and DESTROY (Mesos 1.0
// src/master/validation.cpp, namespaces validation::offer and
// validation::operation; the "No offers specified" check is in
// Master::accept, src/master/master.cpp).
//
// Offer errors make the master answer every task of the ACCEPT's LAUNCH
// operations with TASK_LOST / REASON_INVALID_OFFERS (invalidOffersStatus in
// validation-messages.ts). Operation errors only drop that operation (logged;
// the framework learns of it from later offers).

import { mesos } from '../proto/index.js';
import { formatResourceProto, ResourcePredicates, Resources } from '../common/resources.js';
import { has, idValue } from './validation-common.js';
import {
  validateFrameworkResources,
  validatePersistentVolume,
  validateUniquePersistenceID,
} from './validation-resources.js';

type OfferID = mesos.OfferID.$Properties;
/** An offer ID as the message carries it, or its value. */
export type OfferIdInput = OfferID | string;

/** Who an outstanding (inverse) offer belongs to; the model's OfferRecord fits. */
export interface OfferOwner {
  readonly frameworkId: string;
  readonly agentId: string;
}

/** A registered agent as offer validation sees it; the model's Agent fits. */
export interface OfferAgent {
  readonly connected: boolean;
}

export type OfferGetter = (offerId: string) => OfferOwner | undefined;
export type AgentGetter = (agentId: string) => OfferAgent | undefined;

/** The master state offer validation reads. */
export interface OfferLookup {
  readonly offer: OfferGetter;
  /** Outstanding inverse offers; omit when there are none. */
  readonly inverseOffer?: OfferGetter | undefined;
  readonly agent: AgentGetter;
}

function value(offerId: OfferIdInput): string {
  return typeof offerId === 'string' ? offerId : idValue(offerId);
}

/** getOffer, else getInverseOffer (Mesos's getFrameworkId / getSlaveId). */
function owner(lookup: OfferLookup, id: string): OfferOwner | undefined {
  return lookup.offer(id) ?? lookup.inverseOffer?.(id);
}

/** validateUniqueOfferID: no offer ID twice. */
export function validateUniqueOfferIds(offerIds: readonly OfferIdInput[]): string | undefined {
  const seen = new Set<string>();
  for (const offerId of offerIds) {
    const id = value(offerId);
    if (seen.has(id)) return `Duplicate offer ${id} in offer list`;
    seen.add(id);
  }
  return undefined;
}

/** validateOfferIds: every ID is an outstanding offer. */
export function validateOfferIdsExist(offerIds: readonly OfferIdInput[], lookup: OfferLookup): string | undefined {
  for (const offerId of offerIds) {
    const id = value(offerId);
    if (lookup.offer(id) === undefined) return `Offer ${id} is no longer valid`;
  }
  return undefined;
}

/** validateInverseOfferIds: every ID is an outstanding inverse offer. */
export function validateInverseOfferIdsExist(offerIds: readonly OfferIdInput[], lookup: OfferLookup): string | undefined {
  for (const offerId of offerIds) {
    const id = value(offerId);
    if (lookup.inverseOffer?.(id) === undefined) return `Inverse offer ${id} is no longer valid`;
  }
  return undefined;
}

/** validateFramework: every offer was made to this framework. */
export function validateOffersFramework(
  offerIds: readonly OfferIdInput[],
  frameworkId: string,
  lookup: OfferLookup,
): string | undefined {
  for (const offerId of offerIds) {
    const id = value(offerId);
    const found = owner(lookup, id);
    if (found === undefined) return 'Offer id no longer valid';
    if (found.frameworkId !== frameworkId) {
      return `Offer ${id} has invalid framework ${found.frameworkId} while framework ${frameworkId} is expected`;
    }
  }
  return undefined;
}

/**
 * validateSlave: all offers are on one registered, connected agent. (Mesos
 * CHECK-fails when an offer outlives its agent, since offers are rescinded when
 * an agent disconnects or is removed; here that is an error instead.)
 */
export function validateOffersAgent(offerIds: readonly OfferIdInput[], lookup: OfferLookup): string | undefined {
  let first: string | undefined;
  for (const offerId of offerIds) {
    const id = value(offerId);
    const found = owner(lookup, id);
    if (found === undefined) return 'Offer id no longer valid';
    const agent = lookup.agent(found.agentId);
    if (agent === undefined) return `Offer ${id} outlived agent ${found.agentId}`;
    if (!agent.connected) return `Offer ${id} outlived disconnected agent ${found.agentId}`;
    first ??= found.agentId;
    if (found.agentId !== first) {
      return (
        `Aggregated offers must belong to one single agent. Offer ${id} uses agent ` +
        `${found.agentId} and agent ${first}`
      );
    }
  }
  return undefined;
}

/**
 * validation::offer::validate: no duplicates, all outstanding, all this
 * framework's, all on one connected agent. (Master::accept checks "No offers
 * specified" first; see validateAcceptOffers.)
 */
export function validateOffers(
  offerIds: readonly OfferIdInput[],
  frameworkId: string,
  getOffer: OfferGetter,
  getAgent: AgentGetter,
  getInverseOffer?: OfferGetter,
): string | undefined {
  const lookup: OfferLookup = { offer: getOffer, agent: getAgent, inverseOffer: getInverseOffer };
  return (
    validateUniqueOfferIds(offerIds) ??
    validateOfferIdsExist(offerIds, lookup) ??
    validateOffersFramework(offerIds, frameworkId, lookup) ??
    validateOffersAgent(offerIds, lookup)
  );
}

/** validation::offer::validateInverseOffers: the same rules over inverse offers. */
export function validateInverseOffers(
  offerIds: readonly OfferIdInput[],
  frameworkId: string,
  getInverseOffer: OfferGetter,
  getAgent: AgentGetter,
  getOffer?: OfferGetter,
): string | undefined {
  const lookup: OfferLookup = { offer: getOffer ?? (() => undefined), agent: getAgent, inverseOffer: getInverseOffer };
  return (
    validateUniqueOfferIds(offerIds) ??
    validateInverseOfferIdsExist(offerIds, lookup) ??
    validateOffersFramework(offerIds, frameworkId, lookup) ??
    validateOffersAgent(offerIds, lookup)
  );
}

/** Master::accept: "No offers specified" for an empty list, then validateOffers. */
export function validateAcceptOffers(
  offerIds: readonly OfferIdInput[],
  frameworkId: string,
  getOffer: OfferGetter,
  getAgent: AgentGetter,
): string | undefined {
  if (offerIds.length === 0) return 'No offers specified';
  return validateOffers(offerIds, frameworkId, getOffer, getAgent);
}

/** Master::acceptInverseOffers: "No inverse offers specified", then validateInverseOffers. */
export function validateAcceptInverseOffers(
  offerIds: readonly OfferIdInput[],
  frameworkId: string,
  getInverseOffer: OfferGetter,
  getAgent: AgentGetter,
): string | undefined {
  if (offerIds.length === 0) return 'No inverse offers specified';
  return validateInverseOffers(offerIds, frameworkId, getInverseOffer, getAgent);
}

// ---------------------------------------------------------------- operations

type ResourceList = readonly mesos.Resource.$Properties[] | null | undefined;

/**
 * RESERVE: valid resources, each dynamically reserved, with the framework's
 * principal (when it has one) in its ReservationInfo, and none a persistent
 * volume. `principal` is FrameworkInfo.principal when set.
 */
export function validateReserve(
  reserve: mesos.Offer.Operation.Reserve.$Properties,
  principal: string | undefined,
): string | undefined {
  const error = validateFrameworkResources(reserve.resources);
  if (error !== undefined) return `Invalid resources: ${error}`;
  for (const resource of reserve.resources ?? []) {
    if (!ResourcePredicates.isDynamicallyReserved(resource)) {
      return `Resource ${formatResourceProto(resource)} is not dynamically reserved`;
    }
    if (principal !== undefined) {
      const reservation = resource.reservation as mesos.Resource.ReservationInfo.$Properties;
      if (!has(reservation, 'principal')) {
        return (
          `A reserve operation was attempted by principal '${principal}', but there is a reserved ` +
          'resource in the request with no principal set in `ReservationInfo`'
        );
      }
      if (reservation.principal !== principal) {
        return (
          `A reserve operation was attempted by principal '${principal}', but there is a reserved ` +
          `resource in the request with principal '${reservation.principal ?? ''}' set in \`ReservationInfo\``
        );
      }
    }
    if (ResourcePredicates.isPersistentVolume(resource)) {
      return `A persistent volume ${formatResourceProto(resource)} must already be reserved`;
    }
  }
  return undefined;
}

/**
 * UNRESERVE: valid resources, each dynamically reserved and not a persistent
 * volume. The principal is not compared (the unreserve ACL decides).
 */
export function validateUnreserve(unreserve: mesos.Offer.Operation.Unreserve.$Properties): string | undefined {
  const error = validateFrameworkResources(unreserve.resources);
  if (error !== undefined) return `Invalid resources: ${error}`;
  for (const resource of unreserve.resources ?? []) {
    if (!ResourcePredicates.isDynamicallyReserved(resource)) {
      return `Resource ${formatResourceProto(resource)} is not dynamically reserved`;
    }
    if (ResourcePredicates.isPersistentVolume(resource)) {
      return (
        `A dynamically reserved persistent volume ${formatResourceProto(resource)} cannot be unreserved ` +
        'directly. Please destroy the persistent volume first then unreserve the resource'
      );
    }
  }
  return undefined;
}

/**
 * CREATE: valid persistent volumes whose persistence IDs are unique per role
 * together with the agent's checkpointed resources, each carrying the
 * framework's principal (when it has one) in DiskInfo.Persistence.
 */
export function validateCreate(
  create: mesos.Offer.Operation.Create.$Properties,
  checkpointedResources: Resources,
  principal: string | undefined,
): string | undefined {
  const volumes: ResourceList = create.volumes;
  let error = validateFrameworkResources(volumes);
  if (error !== undefined) return `Invalid resources: ${error}`;
  error = validatePersistentVolume(volumes);
  if (error !== undefined) return `Not a persistent volume: ${error}`;
  error = validateUniquePersistenceID(checkpointedResources.plus(Resources.fromProto(volumes ?? [])));
  if (error !== undefined) return error;
  if (principal === undefined) return undefined;
  for (const volume of volumes ?? []) {
    const persistence = volume.disk?.persistence as mesos.Resource.DiskInfo.Persistence.$Properties;
    if (!has(persistence, 'principal')) {
      return (
        `Create volume operation has been attempted by principal '${principal}', but there is a volume ` +
        "in the operation with no principal set in 'DiskInfo.Persistence'"
      );
    }
    if (persistence.principal !== principal) {
      return (
        `Create volume operation has been attempted by principal '${principal}', but there is a volume ` +
        `in the operation with principal '${persistence.principal ?? ''}' set in 'DiskInfo.Persistence'`
      );
    }
  }
  return undefined;
}

/** DESTROY: valid persistent volumes that the agent's checkpointed resources contain. */
export function validateDestroy(
  destroy: mesos.Offer.Operation.Destroy.$Properties,
  checkpointedResources: Resources,
): string | undefined {
  const volumes: ResourceList = destroy.volumes;
  let error = validateFrameworkResources(volumes);
  if (error !== undefined) return `Invalid resources: ${error}`;
  error = validatePersistentVolume(volumes);
  if (error !== undefined) return `Not a persistent volume: ${error}`;
  if (!checkpointedResources.contains(Resources.fromProto(volumes ?? []))) return 'Persistent volumes not found';
  return undefined;
}

/**
 * Dispatches a non-LAUNCH operation to its validator as Master::_accept does
 * (LAUNCH is validated per task with validateTask; unknown types are logged and
 * skipped by Mesos, so they pass here).
 */
export function validateOperation(
  operation: mesos.Offer.Operation.$Properties,
  context: { principal: string | undefined; checkpointedResources: Resources },
): string | undefined {
  const Type = mesos.Offer.Operation.Type;
  switch (operation.type) {
    case Type.RESERVE:
      return validateReserve(operation.reserve ?? {}, context.principal);
    case Type.UNRESERVE:
      return validateUnreserve(operation.unreserve ?? {});
    case Type.CREATE:
      return validateCreate(operation.create ?? {}, context.checkpointedResources, context.principal);
    case Type.DESTROY:
      return validateDestroy(operation.destroy ?? {}, context.checkpointedResources);
    default:
      return undefined;
  }
}
