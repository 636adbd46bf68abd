// v0 scheduler messages -> v1 scheduler events, for frameworks subscribed
// through the HTTP API (Mesos 1.0 src/internal/evolve.cpp, the
// `evolve(const XMessage&)` overloads used by HttpConnection::send).
//
// The master has one code path for everything it tells a framework: it builds
// the v0 message a driver would get, and Master.sendToFramework either sends
// it to the driver's pid or converts it here and writes the event to the
// framework's stream. v0 and v1 messages share field numbers, so nested
// messages (Offer, TaskStatus, ...) convert by re-encoding.

import { messageName, type Encoder } from '../libprocess/process.js';
import { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';
import { evolve } from '../common/evolve.js';

export type V1Event = mesos.v1.scheduler.Event.$Properties;

const Type = mesos.v1.scheduler.Event.Type;
const m = mesos.internal;

/** Heartbeat interval of 1.0's master (DEFAULT_HEARTBEAT_INTERVAL, src/master/constants.hpp). */
export const DEFAULT_HEARTBEAT_INTERVAL_SECS = 15;

export { evolve };

/** `UPID(pid) == UPID()`: an empty or unparsable pid, or `@0.0.0.0:0`. */
function isEmptyPid(pid: string | null | undefined): boolean {
  if (pid === null || pid === undefined || pid === '') return true;
  const parsed = UPID.tryParse(pid);
  return parsed === undefined || (parsed.id === '' && parsed.host === '0.0.0.0' && parsed.port === 0);
}

function subscribed(frameworkId: mesos.FrameworkID.$Properties, heartbeatSecs: number): V1Event {
  return {
    type: Type.SUBSCRIBED,
    subscribed: {
      framework_id: evolve(mesos.FrameworkID, mesos.v1.FrameworkID, frameworkId),
      heartbeat_interval_seconds: heartbeatSecs,
    },
  };
}

/** evolve(StatusUpdateMessage): the status with agent_id, executor_id, timestamp and (when acknowledgeable) uuid of the update. */
export function updateEvent(message: mesos.internal.StatusUpdateMessage.$Properties): V1Event {
  const update = message.update;
  const status: mesos.v1.TaskStatus.$Properties = { ...evolve(mesos.TaskStatus, mesos.v1.TaskStatus, update.status) };
  if (update.slave_id !== undefined && update.slave_id !== null) {
    status.agent_id = evolve(mesos.SlaveID, mesos.v1.AgentID, update.slave_id);
  }
  if (update.executor_id !== undefined && update.executor_id !== null) {
    status.executor_id = evolve(mesos.ExecutorID, mesos.v1.ExecutorID, update.executor_id);
  }
  status.timestamp = update.timestamp;
  // Only updates the agent will retry carry a uuid to acknowledge: the update
  // has one and it came with the agent's pid (not from the master itself).
  delete status.uuid;
  const uuid = update.uuid;
  if (uuid !== undefined && uuid !== null && uuid.length > 0 && !isEmptyPid(message.pid)) status.uuid = uuid;
  return { type: Type.UPDATE, update: { status } };
}

/**
 * The v1 event for a v0 message named `name` (its full protobuf name) with
 * wire bytes `bytes`; undefined for messages a framework never gets on the
 * HTTP API.
 */
export function v1Event(name: string, bytes: Uint8Array, heartbeatSecs = DEFAULT_HEARTBEAT_INTERVAL_SECS): V1Event | undefined {
  switch (name) {
    case 'mesos.internal.FrameworkRegisteredMessage':
      return subscribed(m.FrameworkRegisteredMessage.decode(bytes).framework_id, heartbeatSecs);
    case 'mesos.internal.FrameworkReregisteredMessage':
      return subscribed(m.FrameworkReregisteredMessage.decode(bytes).framework_id, heartbeatSecs);
    case 'mesos.internal.ResourceOffersMessage': {
      const offers = m.ResourceOffersMessage.decode(bytes).offers ?? [];
      return { type: Type.OFFERS, offers: { offers: offers.map((o) => evolve(mesos.Offer, mesos.v1.Offer, o)) } };
    }
    case 'mesos.internal.InverseOffersMessage': {
      const offers = m.InverseOffersMessage.decode(bytes).inverse_offers ?? [];
      return {
        type: Type.INVERSE_OFFERS,
        inverse_offers: { inverse_offers: offers.map((o) => evolve(mesos.InverseOffer, mesos.v1.InverseOffer, o)) },
      };
    }
    case 'mesos.internal.RescindResourceOfferMessage':
      return {
        type: Type.RESCIND,
        rescind: { offer_id: evolve(mesos.OfferID, mesos.v1.OfferID, m.RescindResourceOfferMessage.decode(bytes).offer_id) },
      };
    case 'mesos.internal.RescindInverseOfferMessage':
      return {
        type: Type.RESCIND_INVERSE_OFFER,
        rescind_inverse_offer: {
          inverse_offer_id: evolve(mesos.OfferID, mesos.v1.OfferID, m.RescindInverseOfferMessage.decode(bytes).inverse_offer_id),
        },
      };
    case 'mesos.internal.StatusUpdateMessage':
      return updateEvent(m.StatusUpdateMessage.decode(bytes));
    case 'mesos.internal.LostSlaveMessage':
      return {
        type: Type.FAILURE,
        failure: { agent_id: evolve(mesos.SlaveID, mesos.v1.AgentID, m.LostSlaveMessage.decode(bytes).slave_id) },
      };
    case 'mesos.internal.ExitedExecutorMessage': {
      const msg = m.ExitedExecutorMessage.decode(bytes);
      return {
        type: Type.FAILURE,
        failure: {
          agent_id: evolve(mesos.SlaveID, mesos.v1.AgentID, msg.slave_id),
          executor_id: evolve(mesos.ExecutorID, mesos.v1.ExecutorID, msg.executor_id),
          status: msg.status,
        },
      };
    }
    case 'mesos.internal.ExecutorToFrameworkMessage': {
      const msg = m.ExecutorToFrameworkMessage.decode(bytes);
      return {
        type: Type.MESSAGE,
        message: {
          agent_id: evolve(mesos.SlaveID, mesos.v1.AgentID, msg.slave_id),
          executor_id: evolve(mesos.ExecutorID, mesos.v1.ExecutorID, msg.executor_id),
          data: msg.data,
        },
      };
    }
    case 'mesos.internal.FrameworkErrorMessage':
      return { type: Type.ERROR, error: { message: m.FrameworkErrorMessage.decode(bytes).message } };
    case 'mesos.scheduler.Event':
      return { ...mesos.v1.scheduler.Event.decode(bytes) };
    default:
      return undefined;
  }
}

/** v1Event for a message about to be sent with codec `type`. */
export function v1EventOf<P>(type: Encoder<P>, message: P, heartbeatSecs = DEFAULT_HEARTBEAT_INTERVAL_SECS): V1Event | undefined {
  return v1Event(messageName(type), type.encode(message).finish(), heartbeatSecs);
}
